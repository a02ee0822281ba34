"""The worker pool that parses workbooks for one application, and the one call every import makes.

A parse runs in a separate process (``pebble.ProcessPool``, spawned: a fresh interpreter holding none of the
server's memory or threads), with an address-space limit set by the worker's initializer and a wall-clock
timeout after which pebble kills the worker and starts another. The caller's thread waits for the rows; the
views that import are plain ``def`` endpoints, so that thread is one of the server's worker threads and the
event loop goes on serving every other request.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from pebble import ProcessExpired, ProcessPool

from citysafe.core.config import Settings
from citysafe.core.context import AppContext, Slot
from citysafe.core.errors import ValidationFailed, field_error
from citysafe.core.sheets.inspect import Refused, SheetLimits, inspect_xlsx
from citysafe.core.sheets.parse import Exhausted, Rows, limit_memory, read_sheets

# A worker is replaced after this many workbooks, so the memory a large parse left in it is given back.
TASKS_PER_WORKER = 20


def limits_of(settings: Settings) -> SheetLimits:
    return SheetLimits(max_rows=settings.sheet_max_rows, max_columns=settings.sheet_max_columns,
                       max_expanded_bytes=settings.sheet_max_expanded_bytes, max_members=settings.sheet_max_members,
                       max_ratio=settings.sheet_max_ratio)


class SheetReader:
    """Reads uploaded workbooks for one application; its pool is started on the first read."""

    def __init__(self, settings: Settings) -> None:
        self.limits = limits_of(settings)
        self.timeout = settings.sheet_worker_timeout_seconds
        self._memory, self._workers = settings.sheet_worker_memory_bytes, settings.sheet_workers
        self._pool: ProcessPool | None = None
        self._lock = threading.Lock()

    def _running_pool(self) -> ProcessPool:
        with self._lock:
            if self._pool is None or not self._pool.active:
                self._pool = ProcessPool(max_workers=self._workers, max_tasks=TASKS_PER_WORKER,
                                         initializer=limit_memory, initargs=(self._memory,),
                                         context=multiprocessing.get_context("spawn"))
            return self._pool

    def read(self, data: bytes, *, sheets: Sequence[str], first_if_missing: bool = False,
             field: str = "file") -> dict[str, Rows]:
        """The rows of the named sheets (see ``parse.read_sheets``), or a 422 naming ``field``."""
        try:
            inspect_xlsx(data, self.limits)
            future = self._running_pool().schedule(read_sheets, args=(data, tuple(sheets), first_if_missing,
                                                                       self.limits), timeout=self.timeout)
            result: dict[str, Rows] = future.result()
            return result
        except Refused as exc:
            if isinstance(exc, Exhausted):
                self.close()  # a worker that hit its memory limit keeps its grown heap: start afresh
            raise field_error(field, exc.message, exc.message_zh) from None
        except TimeoutError:
            raise self._refusal(field, f"reading took longer than {self.timeout:g} s",
                                f"读取超过 {self.timeout:g} 秒") from None
        except (ProcessExpired, MemoryError):  # the worker died: its memory limit, most likely
            raise self._refusal(field, "reading needed more memory than an import may use",
                                "读取所需内存超过上限") from None

    @staticmethod
    def _refusal(field: str, why: str, why_zh: str) -> ValidationFailed:
        return field_error(field, f"the workbook is too large or malformed: {why}",
                           f"文件过大或结构异常：{why_zh}，请检查或拆分文件后重试")

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves stop() unannotated
            pool.join(timeout=10)


SHEET_READER: Slot[SheetReader] = Slot("core.sheets", lambda ctx: SheetReader(ctx.settings))


def sheet_reader(ctx: AppContext) -> SheetReader:
    """The application's reader. An import reads its workbook with it *before* it opens a unit of work: a read
    may take up to the timeout, and a write transaction open meanwhile would hold SQLite's write lock — the fire
    gateway's alarms and every other writer would wait for the parse (issue #10)."""
    return SHEET_READER.get(ctx)


def close(ctx: AppContext) -> None:
    """Stop the application's workers, if it ever started them (the app's shutdown, the end of a command)."""
    reader = ctx.extras.get(SHEET_READER.name)
    if isinstance(reader, SheetReader):
        reader.close()


@asynccontextmanager
async def running(app: Any, ctx: AppContext) -> AsyncIterator[None]:
    """Nothing starts with the app (the pool starts on the first import); the workers stop with it."""
    try:
        yield
    finally:
        await asyncio.to_thread(close, ctx)
