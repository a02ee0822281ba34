"""The public desk writes a report's photo files before its write transaction opens (photo_files.written_first):
on SQLite that transaction holds the database's one write lock from its first statement, and a 2 MB write inside
it made every other writer wait its milliseconds. A report refused once its files are written leaves none. The
bytes go to disk past the page cache (O_DIRECT) where the filesystem allows it, else by a plain write."""

from __future__ import annotations

import errno
import os
import random
from pathlib import Path

import pytest
from reports_support import NOW, XUANWU, photo
from sqlalchemy import func, select

from citysafe.core.context import AppContext
from citysafe.core.errors import CitysafeError
from citysafe.public.reports import desk, photo_files
from citysafe.public.reports.models import CitizenReport, ReportPhoto


def _fields(lon: float = XUANWU[0], lat: float = XUANWU[1]) -> dict[str, object]:
    return {"category": "fire_safety", "description": "楼道里堆满了电动车，正在充电，堵住了安全出口",
            "address": "玄武区某小区3栋", "location": {"lon": lon, "lat": lat, "crs": "wgs84"}}


def _files(ctx: AppContext) -> list[Path]:
    return [p for p in (Path(ctx.settings.data_dir) / photo_files.SUBDIR).rglob("*") if p.is_file()]


def test_the_photo_files_are_written_while_the_report_holds_no_database_connection(
        ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    connections_held: list[int] = []
    write = photo_files._write

    def watched(root: Path, content: bytes, content_type: str, now: object) -> str:
        connections_held.append(ctx.engine.pool.checkedout())  # type: ignore[attr-defined]
        return write(root, content, content_type, now)  # type: ignore[arg-type]

    monkeypatch.setattr(photo_files, "_write", watched)
    receipt = desk.receive(ctx, fields=_fields(), images=[photo(seed=1), photo(seed=2)], client="10.0.0.8")
    assert connections_held == [0, 0]  # no transaction open, so no lock held, while the bytes went to disk
    with ctx.session_factory() as session:
        report = session.scalars(select(CitizenReport).where(CitizenReport.receipt == receipt)).one()
        paths = session.scalars(select(ReportPhoto.path).where(ReportPhoto.report_id == report.id)).all()
    assert sorted(paths) == sorted(p.relative_to(ctx.settings.data_dir).as_posix() for p in _files(ctx))


def test_a_report_refused_after_its_photos_were_written_leaves_no_file(ctx: AppContext) -> None:
    with pytest.raises(CitysafeError) as refused:
        desk.receive(ctx, fields=_fields(lon=121.47, lat=31.23), images=[photo()], client="10.0.0.9")  # 上海
    assert refused.value.fields[0].field == "location"
    assert _files(ctx) == []
    with ctx.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(CitizenReport)) == 0


def test_a_report_failing_in_its_transaction_leaves_no_file(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    from citysafe.public.reports import intake

    def failing(*_args: object, **_kwargs: object) -> str:
        assert len(_files(ctx)) == 1  # written before the transaction …
        raise RuntimeError("the database went away")

    monkeypatch.setattr(intake, "store", failing)
    with pytest.raises(RuntimeError):
        desk.receive(ctx, fields=_fields(), images=[photo()], client="10.0.0.10")
    assert _files(ctx) == []  # … and removed with it


def _direct_io_allowed(folder: Path) -> bool:
    probe = folder / "probe"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | getattr(os, "O_DIRECT", 0), 0o644)
    except OSError:
        return False
    os.close(fd)
    probe.unlink()
    return hasattr(os, "O_DIRECT")


@pytest.mark.parametrize("size", [1, 4095, 4096, 4097, 2 * 1024 * 1024 + 123])
def test_a_photo_written_past_the_page_cache_is_its_bytes_exactly(tmp_path: Path, size: int) -> None:
    if not _direct_io_allowed(tmp_path):
        pytest.skip("this filesystem refuses O_DIRECT (the plain write is tested below)")
    content = random.Random(size).randbytes(size)
    target = tmp_path / "photo.jpg"
    assert photo_files._written_direct(target, content) is True
    assert target.read_bytes() == content  # whole blocks went to disk; the padding is cut off again


def test_where_direct_io_is_refused_the_photo_is_written_plainly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain_open = os.open
    direct = getattr(os, "O_DIRECT", 0x4000)
    monkeypatch.setattr(os, "O_DIRECT", direct, raising=False)

    def refusing(path: object, flags: int, mode: int = 0o777) -> int:
        if flags & direct:
            raise OSError(errno.EINVAL, "Invalid argument")  # as tmpfs before Linux 6.6 answers
        return plain_open(path, flags, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refusing)
    content = random.Random(5).randbytes(10_000)
    relative = photo_files._write(tmp_path, content, "image/jpeg", NOW)
    assert (tmp_path / relative).read_bytes() == content
    assert [p.name for p in (tmp_path / relative).parent.iterdir()] == [Path(relative).name]
