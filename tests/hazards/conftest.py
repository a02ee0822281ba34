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


# An 8×8 grey JPEG as Pillow writes it (quality 50), whole: a scan and its end-of-image marker. Every image
# upload is checked to reach its end (core/filekinds.ends_whole), so a header alone no longer passes for a photo.
TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318281a181616183123251d283a"
    "333d3c3933383740485c4e404457453738506d51575f626768673e4d71797064785c656763ffc0000b080008000801011100ffc4"
    "001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d"
    "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435"
    "363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798"
    "999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4"
    "f5f6f7f8f9faffda0008010100003f002bffd9")
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
