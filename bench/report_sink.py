"""The application as ``bench/public_reports.py`` serves it: citysafe's own app (``create_app``), plus what only the
benchmark needs, in this file and never in the product:

- the floor of a 2 MB upload on the same server: ``POST /bench/sink/raw`` reads the body and answers 204;
  ``POST /bench/sink/multipart`` takes the same form as the report endpoint, on the same route class
  (core/uploads.UploadsInMemory), with a sync view reading the ``UploadFile``s through ``read_capped`` as
  ``public/reports/views.py`` does, and answers 204 without doing anything with it; ``/bench/sink/spooled`` is
  the same on FastAPI's default route (Starlette rolls a part over 1 MB to a temporary file);
- the background jobs held back until the benchmark says (a file ``release-jobs`` in the data directory), so the
  cost of accepting a report and the cost of decoding its photo are measured apart: each serving process keeps
  what is submitted and hands it to its real worker threads once the file appears (checked every 50 ms).

    CITYSAFE_BENCH_HOLD_JOBS=1 uvicorn report_sink:create --factory   (PYTHONPATH=bench)
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, File, Request, Response, UploadFile
from starlette.routing import BaseRoute

from citysafe.api import create_app
from citysafe.core import jobs
from citysafe.core.uploads import UploadsInMemory, read_capped

RELEASE_FILE = "release-jobs"


class HeldExecutor(ThreadPoolExecutor):
    """The jobs' worker threads, holding what is submitted until ``flag`` exists."""

    def __init__(self, workers: int, flag: Path) -> None:
        super().__init__(max_workers=workers, thread_name_prefix="citysafe-job")
        self.flag, self.lock, self.held = flag, threading.Lock(), list[tuple[Any, tuple[Any, ...]]]()
        threading.Thread(target=self._watch, daemon=True, name="bench-release").start()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self.lock:
            if not self.flag.exists():
                self.held.append((fn, args))
                return Future()
        return super().submit(fn, *args, **kwargs)

    def _watch(self) -> None:
        while not self.flag.exists():
            threading.Event().wait(0.05)
        with self.lock:
            waiting, self.held = self.held, []
        for fn, args in waiting:
            super().submit(fn, *args)


def _front(app: FastAPI, count: int) -> None:
    """The last ``count`` routes moved first, before the console's catch-all pages."""
    routes: list[BaseRoute] = app.router.routes
    routes[:0] = [routes.pop() for _ in range(count)][::-1]


def create() -> FastAPI:
    app = create_app()
    ctx = app.state.ctx
    if os.environ.get("CITYSAFE_BENCH_HOLD_JOBS") == "1":
        jobs.EXECUTOR.set(ctx, HeldExecutor(ctx.settings.job_workers, ctx.settings.data_dir / RELEASE_FILE))

    async def raw(request: Request) -> Response:
        await request.body()
        return Response(status_code=204)

    def multipart(photos: Annotated[list[UploadFile], File()]) -> Response:
        for photo in photos[:10]:
            read_capped(photo.file, max_bytes=10 * 1024 * 1024, field="photos")
        return Response(status_code=204)

    app.add_api_route("/bench/sink/raw", raw, methods=["POST"], include_in_schema=False)
    app.router.add_api_route("/bench/sink/multipart", multipart, methods=["POST"], include_in_schema=False,
                             route_class_override=UploadsInMemory)
    app.add_api_route("/bench/sink/spooled", multipart, methods=["POST"], include_in_schema=False)
    _front(app, 3)
    return app
