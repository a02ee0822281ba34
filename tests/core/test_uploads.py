"""core.uploads: a file is read under its cap in chunks; a request body past the server's cap is a 413
problem+json whether its Content-Length announces it or it streams past the limit (chunked)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from citysafe.core.uploads import BodyLimit, UploadTooLarge, read_capped


def test_read_capped_stops_past_the_limit_and_names_the_field() -> None:
    assert read_capped(io.BytesIO(b"x" * 100), max_bytes=100, field="file") == b"x" * 100
    with pytest.raises(UploadTooLarge) as caught:
        read_capped(io.BytesIO(b"x" * 200_000), max_bytes=100_000, field="photos")
    assert caught.value.status == 413 and caught.value.fields[0].field == "photos"


async def _echo(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


@pytest.fixture
def limited() -> Iterator[TestClient]:
    app = Starlette(routes=[Route("/echo", _echo, methods=["POST"])])
    app.add_middleware(BodyLimit, max_bytes=1000)
    with TestClient(app) as client:
        yield client


def _chunks(count: int) -> Iterator[bytes]:
    yield from (b"x" * 100 for _ in range(count))


def test_a_body_within_the_limit_passes(limited: TestClient) -> None:
    assert limited.post("/echo", content=b"x" * 1000).text == "1000"
    assert limited.post("/echo", content=_chunks(10)).text == "1000"


def test_a_body_over_the_limit_is_a_413_problem(limited: TestClient) -> None:
    for body in (b"x" * 1001, _chunks(50)):  # announced by Content-Length, then streamed without one
        response = limited.post("/echo", content=body)
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert "请求内容超过" in response.json()["detail_zh"]
