"""Helpers for the hazards tests: real image bytes, organisations, users, grids (removed after each test)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient


def tiny_png(colour: tuple[int, int, int] = (200, 30, 30), size: int = 4) -> bytes:
    """A valid PNG of ``size``×``size`` pixels, built by hand so the tests need no imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(colour) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


TINY_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# A square of about 300 m in Xuanwu district (WGS84), around 32.048 N, 118.800 E (新街口—大行宫一带).
XUANWU_SQUARE = {"type": "Polygon", "coordinates": [[
    [118.7985, 32.0465], [118.8015, 32.0465], [118.8015, 32.0495], [118.7985, 32.0495], [118.7985, 32.0465]]]}
INSIDE_SQUARE = (118.8000, 32.0480)


def square(lon: float, lat: float, half: float = 0.0015) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[
        [lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half],
        [lon - half, lat - half]]]}


Headers = dict[str, str]


@pytest.fixture
def upload(client: TestClient) -> Callable[..., int]:
    def do(headers: Headers, data: bytes | None = None, name: str = "photo.png") -> int:
        response = client.post("/api/v1/hazards/attachments", headers=headers,
                               files={"file": (name, data if data is not None else tiny_png(), "image/png")})
        assert response.status_code == 201, response.text
        return int(response.json()["id"])
    return do


@pytest.fixture
def make_org(client: TestClient, make_user: Callable[..., Headers]) -> Callable[..., dict[str, Any]]:
    admin = make_user("admin", "320000")

    def do(region: str = "320102002", name: str = "南京玄武示范商贸有限公司", **extra: Any) -> dict[str, Any]:
        body = {"name": name, "kind": "enterprise", "region_code": region, "sector": "商贸",
                "address": "玄武区中山路1号", "location": {"lon": 118.79, "lat": 32.05}} | extra
        response = client.post("/api/v1/organizations", json=body, headers=admin)
        assert response.status_code == 201, response.text
        return dict(response.json())
    return do
