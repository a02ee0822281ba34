"""Seeded SQLite databases kept for the rest of the test run, shared by the xdist workers.

Seeding the risk demo register or the whole demo city takes a minute on the shared machine, and several tests
(on either worker) start from the same seed. The first test that asks seeds as before and keeps a copy of the
database file (SQLite's online backup, which reads a consistent state even in WAL mode) with what the seeding
returned; every later one restores the copy over its test database in about a second. A file lock makes a worker
that asks while the other is still seeding wait for the copy instead of seeding again. The copy is the seed's
result byte for byte, so a test sees exactly what a fresh seed would have given it, except the clock: timestamps
are those of the first seeding.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from filelock import FileLock
from sqlalchemy import Engine


def _sqlite(engine: Engine) -> tuple[Any, sqlite3.Connection]:
    raw = engine.raw_connection()
    live = raw.driver_connection
    assert isinstance(live, sqlite3.Connection)
    return raw, live


class SeedSnapshots:
    """Named seeds in ``folder`` (shared by the run's workers), each with what its seeding returned (JSON)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def seeded(self, name: str, engine: Engine, seed: Callable[[], Any]) -> Any:
        """Seed ``engine``'s database with ``seed`` the first time ``name`` is asked for in the run; restore the
        kept copy every later time. Returns what ``seed`` returned (as JSON gives it back)."""
        if engine.dialect.name != "sqlite":
            return seed()  # only the embedded database is copied this way; PostgreSQL tests seed each time
        copy, result = self._folder / f"{name}.db", self._folder / f"{name}.json"
        # Files a seed keeps beside the database (the demo's photos, demo/hazards.py) travel with the copy.
        uploads, kept_uploads = Path(engine.url.database or "").parent / "uploads", self._folder / f"{name}.uploads"
        with FileLock(str(self._folder / f"{name}.lock")):
            raw, live = _sqlite(engine)
            try:
                if result.exists():
                    with sqlite3.connect(copy) as kept:
                        kept.backup(live)
                    if kept_uploads.is_dir():
                        shutil.copytree(kept_uploads, uploads, dirs_exist_ok=True)
                    return json.loads(result.read_text())["result"]
            finally:
                raw.close()
            value = seed()
            raw, live = _sqlite(engine)
            try:
                with sqlite3.connect(copy) as kept:
                    live.backup(kept)
            finally:
                raw.close()
            if uploads.is_dir():
                shutil.copytree(uploads, kept_uploads, dirs_exist_ok=True)
            result.write_text(json.dumps({"result": value}))
            return value
