"""SQLite WAL checkpoints from a background thread (core.wal), as the gateway's writer process runs them."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from citysafe.core.db import create_db_engine
from citysafe.core.wal import checkpoint_in_background


def test_commits_stop_checkpointing_and_the_thread_copies_the_wal_into_the_database(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    engine = create_db_engine(f"sqlite:///{path}")
    rounds = threading.Event()
    stop = checkpoint_in_background(engine, period=0.05, after_round=rounds.set)
    try:
        with engine.begin() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
            conn.execute(text("CREATE TABLE blob_rows (id INTEGER PRIMARY KEY, data BLOB)"))
        for _ in range(8):  # ~2 MB through the WAL, well past the 1,000 pages of an automatic checkpoint
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO blob_rows (data) VALUES (:d)"), [{"d": bytes(4096)}] * 64)
        # The round ending first may have begun before the last commit; the one after it began later.
        for _ in range(2):
            rounds.clear()
            assert rounds.wait(10), "no checkpoint round ran"
        assert path.stat().st_size >= 2_000_000, "the background checkpoint never copied the WAL into the file"
    finally:
        stop()
        engine.dispose()


def test_other_databases_are_left_alone() -> None:
    engine = create_db_engine("postgresql+psycopg://localhost/none")
    checkpoint_in_background(engine)()  # nothing started, nothing to stop
