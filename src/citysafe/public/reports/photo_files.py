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

import errno
import mmap
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from citysafe.core.uploads import removed_on_rollback, removed_unless_kept
from citysafe.public.reports.models import ReportPhoto

SUBDIR = Path("uploads") / "reports"
_BLOCK = 4096  # a multiple of any disk's logical block (512 or 4096 bytes) and of the page size
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def _write(root: Path, content: bytes, content_type: str, now: datetime) -> str:
    relative = SUBDIR / now.strftime("%Y/%m") / f"{uuid.uuid4().hex}.{_EXTENSIONS.get(content_type, 'bin')}"
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not _written_direct(target, content):
        with target.open("wb", buffering=0) as out:  # unbuffered: the bytes go to the kernel once, not via a buffer
            out.write(content)
    return relative.as_posix()


def _written_direct(target: Path, content: bytes) -> bool:
    """Write ``content`` to the new file ``target`` past the page cache (O_DIRECT), as object stores write
    what is written once and read once (MinIO does): False where the filesystem or the system does not allow
    it (``target`` then not created), for a plain write.

    A photo goes to the disk from a page-aligned copy; the page cache is left alone. Through the cache, a burst
    of reports copied each 2 MB into pages the cache had to take for it — 0.5 ms a photo on a machine whose
    memory was all in use before, 3-4 ms on a fresh virtual machine whose memory had never been touched — and
    filled the cache with bytes read once, by the photo's job."""
    direct = getattr(os, "O_DIRECT", 0)
    if not direct or not content:
        return False
    padded = -(-len(content) // _BLOCK) * _BLOCK  # O_DIRECT writes whole blocks from an aligned buffer
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | direct, 0o644)
    except OSError as exc:
        if exc.errno == errno.EINVAL:  # a filesystem without direct I/O (tmpfs before Linux 6.6, some FUSE)
            return False
        raise
    try:
        with mmap.mmap(-1, padded, flags=mmap.MAP_PRIVATE) as aligned:  # anonymous: page-aligned
            aligned.write(content)
            written = os.write(fd, aligned)
        if written != padded:
            raise OSError(errno.EIO, f"short direct write to {target}: {written} of {padded} bytes")
        os.ftruncate(fd, len(content))  # the padding off again
    except OSError as exc:
        target.unlink(missing_ok=True)
        if exc.errno == errno.EINVAL:  # an alignment the device refuses (a logical block above 4 KB)
            return False
        raise
    finally:
        os.close(fd)
    return True


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
    written: list[Path] = []
    with removed_unless_kept(written):
        for content, content_type in photos:
            paths.append(_write(root, content, content_type, now))
            written.append(root / paths[-1])
        yield paths


def read(root: Path, row: ReportPhoto) -> bytes:
    """The stored bytes of ``row``: its file, or (a photo stored before files) its ``content``."""
    if row.path:
        return (root / row.path).read_bytes()
    return row.content or b""


def remove(root: Path, relative: str) -> None:
    if relative:
        (root / relative).unlink(missing_ok=True)
