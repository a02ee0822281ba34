"""core.uploads: a file is read under its cap in chunks; a request body past the server's cap is a 413
problem+json whether its Content-Length announces it or it streams past the limit (chunked)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Annotated

import pytest
from fastapi import FastAPI, File, UploadFile
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from citysafe.core.uploads import BodyLimit, UploadsInMemory, UploadTooLarge, read_capped


def test_read_capped_stops_past_the_limit_and_names_the_field() -> None:
    assert read_capped(io.BytesIO(b"x" * 100), max_bytes=100, field="file") == b"x" * 100
    with pytest.raises(UploadTooLarge) as caught:
        read_capped(io.BytesIO(b"x" * 200_000), max_bytes=100_000, field="photos")
    assert caught.value.status == 413 and caught.value.fields[0].field == "photos"


class _Pipe(io.BytesIO):
    """A stream that cannot be measured first (a pipe): read in chunks."""

    def seekable(self) -> bool:
        return False


@pytest.mark.parametrize("stream", [io.BytesIO, _Pipe])
def test_read_capped_reads_a_part_from_where_it_stands(stream: type[io.BytesIO]) -> None:
    part = stream(b"head" + b"y" * 150_000)
    part.read(4)
    assert read_capped(part, max_bytes=150_000, field="photos") == b"y" * 150_000
    with pytest.raises(UploadTooLarge):
        read_capped(stream(b"z" * 150_001), max_bytes=150_000, field="photos")


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


def _upload_app() -> TestClient:
    def where(photos: Annotated[list[UploadFile], File()]) -> dict[str, object]:
        # SpooledTemporaryFile._rolled: whether the part went to a temporary file on disk
        return {"sizes": [len(read_capped(p.file, max_bytes=10_000_000, field="photos")) for p in photos],
                "on_disk": [bool(p.file._rolled) for p in photos]}  # type: ignore[attr-defined]

    app = FastAPI()
    app.router.add_api_route("/memory", where, methods=["POST"], route_class_override=UploadsInMemory)
    app.add_api_route("/default", where, methods=["POST"])
    return TestClient(app)


def test_a_2_mb_photo_stays_in_memory_on_an_uploads_in_memory_route() -> None:
    client = _upload_app()
    files = [("photos", ("a.jpg", b"\xff" * 2_000_000, "image/jpeg")), ("photos", ("b.jpg", b"x" * 10, "image/jpeg"))]
    assert client.post("/memory", files=files).json() == {"sizes": [2_000_000, 10], "on_disk": [False, False]}
    assert client.post("/default", files=files).json() == {"sizes": [2_000_000, 10], "on_disk": [True, False]}
    broken = client.post("/memory", content=b"--x\r\nnot a part", headers={"Content-Type": "multipart/form-data"})
    assert broken.status_code == 400
