"""SQLite WAL checkpoints off the committing thread, for a process that writes all day (the gateway's writer);
and ``write_turn``, a queue for the write lock between writer processes that the kernel wakes at once.

By default SQLite checkpoints inside whichever commit pushes the WAL past 1,000 pages: that commit
then copies megabytes into the database file and syncs it, and the group commit waiting behind it —
fire alarms included — waits too. A writer that calls ``checkpoint_in_background`` turns that off
for its own connections and lets a thread run PASSIVE checkpoints, which never block a writer or a
reader; SQLite's C code releases the GIL, so the copying runs beside the writer on another core.
Other processes on the same database keep the default and still checkpoint if they ever write much.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def write_turn(engine: Engine) -> Iterator[None]:
    """Wait for this database's write turn among the processes that take it, then hold it for the block.

    SQLite has one write lock, and a writer that finds it taken sleeps in its busy handler (1, 2, 5, 10,
    15, 20, 25 … ms) and tries again: with two MQTT writers taking turns on batches of a few milliseconds,
    the lock stood free a good part of each sleep. An exclusive ``flock`` on ``<database>-writers`` taken
    before ``BEGIN IMMEDIATE`` queues them in the kernel, which wakes the next one the moment the lock is
    let go. Writers that do not take turns (requests, timers) are unaffected: they still queue on the lock.
    A no-op on other databases and on an in-memory SQLite.
    """
    path = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not path or path == ":memory:":
        yield
        return
    descriptor = os.open(f"{path}-writers", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # lets the turn go, also when the process dies
