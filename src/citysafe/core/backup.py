"""Backups of the whole database and their restore, and a summary that tells two databases apart.

SQLite is copied with its online backup API (``sqlite3.Connection.backup``) in one step: in WAL mode the copy
reads one snapshot while the platform keeps writing, so it is consistent and nobody waits for it. (A copy in
several steps would start again each time another connection wrote — with the fire gateway writing all day,
possibly forever.) PostgreSQL is dumped with ``pg_dump`` in its custom
format (compressed, restorable table by table with ``pg_restore``). Either way the copy is written beside the
target and renamed into place when complete, so a half-written file never carries the target's name.

A restore goes into an empty database only (``force`` replaces what is there): restoring over a living city by
mistake would lose everything written since the backup. The file's kind is checked first (``SQLite format 3`` or
``PGDMP``), so a PostgreSQL dump offered to SQLite is refused in one sentence rather than half-applied.

``summary`` counts every table's rows and digests the audit log (every entry, in order), so "the restored
database holds what the original held" is a comparison of two summaries (``citysafe db check``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, select, text

from citysafe.core.audit import AuditEntry

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
AUDIT_BATCH = 5000


class BackupError(ValueError):
    """A backup or restore that cannot go ahead, said in one sentence (the CLI prints it and exits 2)."""


@dataclass(frozen=True)
class BackupResult:
    path: str
    backend: str
    bytes: int
    sha256: str
    seconds: float


def _libpq_url(engine: Engine) -> str:
    """The engine's URL as pg_dump and pg_restore read it (no SQLAlchemy driver suffix)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has no file to back up or restore into")
    return Path(database)


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def backup(engine: Engine, target: Path) -> BackupResult:
    """A consistent copy of the database at ``target`` (replaced if it exists, only once the copy is whole)."""
    started = time.perf_counter()
    target = target.resolve()
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if engine.dialect.name == "sqlite":
            source = sqlite3.connect(_sqlite_path(engine))
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
        elif engine.dialect.name == "postgresql":
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}",
                  f"--dbname={_libpq_url(engine)}"], what="pg_dump")
        else:
            raise BackupError(f"backups of {engine.dialect.name} databases are not supported")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(path=str(target), backend=engine.dialect.name, bytes=target.stat().st_size,
                        sha256=_digest(target), seconds=round(time.perf_counter() - started, 3))


def _kind(source: Path) -> str:
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    with source.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(f"{source} is neither a SQLite backup nor a pg_dump custom-format file")


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def restore(engine: Engine, source: Path, *, force: bool = False) -> None:
    """The backup at ``source`` becomes the database of ``engine``, which must be empty unless ``force``."""
    kind = _kind(source)
    if kind != engine.dialect.name:
        raise BackupError(f"{source} is a {kind} backup; the target database is {engine.dialect.name}")
    if not force and not is_empty(engine):
        raise BackupError("the target database is not empty: restore into a new database, or pass --force to "
                          "replace everything in it")
    engine.dispose()  # no pooled connection may hold the old file or tables open
    if kind == "sqlite":
        target = _sqlite_path(engine)
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(target)
        try:
            backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
        return
    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
               f"--dbname={_libpq_url(engine)}", str(source)]
    if force:
        command[1:1] = ["--clean", "--if-exists"]
    _run(command, what="pg_restore")


def _run(command: list[str], *, what: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{what} is not installed (Debian: apt install postgresql-client)")
    # An argument list, never a shell: the URL and paths are arguments of the PostgreSQL tools themselves.
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupError(f"{what} failed: {lines[-1] if lines else f'exit status {done.returncode}'}")


def summary(engine: Engine) -> dict[str, Any]:
    """Rows per table and a digest of the audit log, in a form two databases can be compared by."""
    names = sorted(n for n in inspect(engine).get_table_names() if not n.startswith("sqlite_"))
    with engine.connect() as conn:
        counts = {name: int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()) for name in names}
        audit = hashlib.sha256()
        entries, last = 0, 0
        if AuditEntry.__tablename__ in names:
            while True:
                rows = conn.execute(select(AuditEntry.__table__).where(AuditEntry.id > last)
                                    .order_by(AuditEntry.id).limit(AUDIT_BATCH)).mappings().all()
                if not rows:
                    break
                for row in rows:
                    audit.update(json.dumps(dict(row), sort_keys=True, ensure_ascii=False, default=str).encode()
                                 + b"\n")
                entries += len(rows)
                last = rows[-1]["id"]
    return {"backend": engine.dialect.name, "tables": counts, "rows": sum(counts.values()),
            "audit": {"entries": entries, "sha256": audit.hexdigest()}}
