"""SQLite WAL checkpoints off the committing thread, for a process that writes all day (the gateway's writer).

By default SQLite checkpoints inside whichever commit pushes the WAL past 1,000 pages: that commit
then copies megabytes into the database file and syncs it, and the group commit waiting behind it —
fire alarms included — waits too. A writer that calls ``checkpoint_in_background`` turns that off
for its own connections and lets a thread run PASSIVE checkpoints, which never block a writer or a
reader; SQLite's C code releases the GIL, so the copying runs beside the writer on another core.
Other processes on the same database keep the default and still checkpoint if they ever write much.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)


def checkpoint_in_background(engine: Engine, *, period: float = 0.5,
                             after_round: Callable[[], None] | None = None) -> Callable[[], None]:
    """Checkpoint ``engine``'s WAL every ``period`` seconds from a thread; returns ``stop()``. Also gives the
    engine's connections a larger page cache and memory-mapped reads (a writer process owns the engine).

    Call before the engine opens its first connection. A no-op (``stop`` does nothing) on other databases.
    """
    if engine.url.get_backend_name() != "sqlite" or not engine.url.database:
        return lambda: None
    path = engine.url.database

    @event.listens_for(engine, "connect")
    def _writer_pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")
        # A writer all day touches index pages all over (one per device in a batch, for the dedup
        # index): 64 MiB of page cache instead of 2 keeps them, and reads go through mmap.
        dbapi_connection.execute("PRAGMA cache_size=-65536")
        dbapi_connection.execute("PRAGMA mmap_size=1073741824")

    engine.dispose()  # connections opened before now would keep checkpointing in their commits
    stopping = threading.Event()

    def run() -> None:
        conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        try:
            while not stopping.wait(period):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # busy or locked: the next round tries again
                    log.warning("WAL checkpoint of %s failed: %s", path, exc)
                if after_round is not None:  # tests wait on this instead of on the clock
                    after_round()
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            conn.close()

    thread = threading.Thread(target=run, name="sqlite-wal-checkpoint", daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        thread.join(timeout=30)

    return stop
