"""Reading an uploaded file with a byte cap, the same way for every upload (API, console and CLI).

The server refuses a request body over ``request_max_bytes`` before it is spooled to disk (``BodyLimit``,
installed by ``create_app``); each file in it is then read in chunks and refused past ``upload_max_bytes`` with a 413
that names the form field, so no caller ever holds more than the cap plus one chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import aclosing, contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from fastapi import HTTPException
from fastapi.routing import APIRoute
from sqlalchemy import event
from sqlalchemy.orm import Session
from starlette.datastructures import Headers
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from citysafe.core.errors import CitysafeError, FieldProblem
from citysafe.core.problems import ProblemPage, answer

CHUNK = 64 * 1024
_WRITTEN = "core.uploads.files_written"


class UploadTooLarge(CitysafeError):
    """A file over the upload limit: 413, naming the field."""

    def __init__(self, field: str, max_bytes: int) -> None:
        limit_mb = max_bytes / (1024 * 1024)
        super().__init__(
            detail=f"{field}: the file is larger than {limit_mb:g} MB",
            detail_zh=f"{field}：文件超过 {limit_mb:g} MB 上限",
            fields=[FieldProblem(field, f"larger than {max_bytes} bytes", f"文件超过 {limit_mb:g} MB 上限")],
            status=413, slug="too-large", title="File too large", title_zh="文件过大")


def read_capped(stream: BinaryIO, *, max_bytes: int, field: str) -> bytes:
    """All of ``stream``, read in chunks; ``UploadTooLarge`` as soon as it passes ``max_bytes``. A seekable
    stream (an upload's part, in memory or spooled) is measured first and read in one call: a 2 MB photo kept in
    memory is then not copied chunk by chunk and joined again."""
    if stream.seekable():
        here = stream.tell()
        size = stream.seek(0, 2) - here
        stream.seek(here)
        if size > max_bytes:
            raise UploadTooLarge(field, max_bytes)
        return stream.read(size)
    parts: list[bytes] = []
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise UploadTooLarge(field, max_bytes)
        parts.append(chunk)
    return b"".join(parts)


def read_file_capped(path: Path, *, max_bytes: int, field: str) -> bytes:
    """A file given on the command line, under the same cap as an upload."""
    with path.open("rb") as stream:
        return read_capped(stream, max_bytes=max_bytes, field=field)


class _PartsInMemory(MultiPartParser):
    """Starlette's multipart parser keeping a file part in memory up to 12 MB (the default upload cap, 10 MB, and
    a margin) instead of 1 MB: past its spool size a part rolls to a temporary file and every 64 KB chunk after is
    written to it through a thread hop (``UploadFile.write``), ~9 ms of CPU for a 2 MB photo against ~2 ms kept in
    memory (bench/public_reports.py, floors). The view reads the whole file into memory anyway."""

    spool_max_size = 12 * 1024 * 1024


class UploadsInMemory(APIRoute):
    """A route whose multipart form is parsed with ``_PartsInMemory``: the parsed form is left on the request,
    where FastAPI's own ``request.form()`` finds it (Starlette keeps a request's form once parsed)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def parsed_first(request: Request) -> Response:
            if request.headers.get("content-type", "").startswith("multipart/form-data"):
                try:
                    async with aclosing(request.stream()) as stream:
                        request._form = await _PartsInMemory(request.headers, stream).parse()
                except MultiPartException as exc:  # as Starlette answers it
                    raise HTTPException(status_code=400, detail=exc.message) from exc
            return await handler(request)

        return parsed_first


def body_too_large(max_bytes: int) -> CitysafeError:
    limit_mb = max_bytes / (1024 * 1024)
    return CitysafeError(detail=f"the request body is larger than {limit_mb:g} MB", status=413,
                         detail_zh=f"请求内容超过 {limit_mb:g} MB 上限，请减少或压缩上传的文件",
                         slug="too-large", title="Content too large", title_zh="内容过大")


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` gets a 413 problem+json (or the ``page`` of it),
    whether its Content-Length says so up front (answered before a byte is read) or it streams past the
    limit (answered at that chunk; the app then sees the client gone and whatever it answers is dropped)."""

    def __init__(self, app: ASGIApp, max_bytes: int, page: ProblemPage | None = None) -> None:
        self.app, self.max_bytes, self.page = app, max_bytes, page

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await answer(body_too_large(self.max_bytes), Request(scope), self.page)
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen, started, refused = 0, False, False

        async def counted_receive() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    if not started:
                        await self._refuse(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if not refused:
                started = started or message["type"] == "http.response.start"
                await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not refused:
                raise
            # Answered already: what the app made of the disconnect it was handed (a ClientDisconnect from
            # request.body(), say) is of no one's concern.


def removed_on_rollback(session: Session, path: Path) -> None:
    """``path``, a file just written for rows of ``session``, is removed if ``session`` rolls back: a refused
    request leaves no file behind, the rows that would have named it being gone too."""
    session.info.setdefault(_WRITTEN, []).append(path)


@contextmanager
def removed_unless_kept(paths: Sequence[Path]) -> Iterator[None]:
    """``paths``, files written before the transaction that names them opened (so that on SQLite no write lock
    is held while the bytes go to disk), are removed again if the block raises; read then, so a list the block
    fills as it writes will do."""
    try:
        yield
    except BaseException:
        for path in paths:
            path.unlink(missing_ok=True)
        raise


@event.listens_for(Session, "after_commit")
def _keep_files(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_rollback")
def _remove_files(session: Session) -> None:
    for path in session.info.pop(_WRITTEN, []):
        path.unlink(missing_ok=True)
