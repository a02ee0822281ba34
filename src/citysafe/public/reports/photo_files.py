"""Where a report's photo bytes live: a file under ``data_dir/uploads/reports/YYYY/MM/`` named by a random id,
its relative path in the photo's row. A 2 MB photo in a database row costs the write path twice (SQLite's WAL
then the page; PostgreSQL's TOAST, which also tries to compress a JPEG in vain) and grows every backup; a file is
written once, outside any lock.

Nothing is stored half-way: a file written in a unit of work that rolls back is removed with it (as
``core.uploads.removed_on_rollback``, as for ticket uploads), and a file replaced or removed by the photo job goes only
once the rows no longer name it. Random names, not content addresses: two reports sending the same bytes each
own their file, so removing one (a refused report, an undecodable photo) never takes another's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from citysafe.core.uploads import removed_on_rollback
from citysafe.public.reports.models import ReportPhoto

SUBDIR = Path("uploads") / "reports"
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def _write(root: Path, content: bytes, content_type: str, now: datetime) -> str:
    relative = SUBDIR / now.strftime("%Y/%m") / f"{uuid.uuid4().hex}.{_EXTENSIONS.get(content_type, 'bin')}"
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb", buffering=0) as out:  # unbuffered: the bytes go to the kernel once, not via a buffer
        out.write(content)
    return relative.as_posix()


def write(session: Session, *, root: Path, content: bytes, content_type: str, now: datetime) -> str:
    """Write ``content`` to a new file; its path relative to ``root``. Removed again if ``session`` rolls back."""
    relative = _write(root, content, content_type, now)
    removed_on_rollback(session, root / relative)
    return relative


@contextmanager
def written_first(root: Path, photos: Sequence[tuple[bytes, str]], *, now: datetime) -> Iterator[list[str]]:
    """Write each (content, content type) to a new file before the transaction that will name them opens; their
    paths relative to ``root``, removed again unless the block ends normally.

    On SQLite a writing transaction holds the database's one write lock from its start (``core.db``: BEGIN
    IMMEDIATE), so a 2 MB write inside it — a few milliseconds of the kernel's, more while writeback is busy —
    made every other writer of the city wait that long: at a burst of reports, the lock's turns, not the CPU,
    set the rate."""
    paths: list[str] = []
    try:
        for content, content_type in photos:
            paths.append(_write(root, content, content_type, now))
        yield paths
    except BaseException:
        for relative in paths:
            remove(root, relative)
        raise


def read(root: Path, row: ReportPhoto) -> bytes:
    """The stored bytes of ``row``: its file, or (a photo stored before files) its ``content``."""
    if row.path:
        return (root / row.path).read_bytes()
    return row.content or b""


def remove(root: Path, relative: str) -> None:
    if relative:
        (root / relative).unlink(missing_ok=True)
