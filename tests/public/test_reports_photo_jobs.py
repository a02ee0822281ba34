"""A report's photos in two steps: stored at once without metadata and without being decoded (a phone's 12-megapixel
JPEG too), then decoded by a background job (core/jobs.py): the copy shown (scaled, upright), the pHash and the
same photo in another report, or — for pixels that do not decode — the photo removed and the reason kept for staff.
Until then no one is shown it."""

from __future__ import annotations

import io
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from reports_support import NOW, XUANWU, hold_jobs, photo, report_in, run_jobs, stored_bytes, submit
from sqlalchemy import select, update

from citysafe.core import jobs
from citysafe.core.clock import utcnow
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import CitysafeError, NotFound
from citysafe.core.geo import Location
from citysafe.public.reports import intake, metastrip, photo_jobs, photos, public_photos
from citysafe.public.reports import staff as reports_staff
from citysafe.public.reports.models import CitizenReport, ReportPhoto
from citysafe.registry import install_lookups


def _turned_camera_photo(size: tuple[int, int]) -> bytes:
    """A phone's photo taken turned (EXIF orientation 6), with EXIF GPS, time and camera, an XMP packet."""
    with Image.open(io.BytesIO(photo(size=size))) as image:
        exif = image.getexif()
        exif[0x0112] = 6
        out = io.BytesIO()
        image.save(out, "JPEG", quality=90, exif=exif.tobytes(), xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/>')
    return out.getvalue()


def _undecodable(sent: bytes) -> bytes:
    """``sent`` with its scan pointing at Huffman tables no segment defines: the container is whole (the walk and
    the header parse pass), libjpeg refuses the pixels."""
    sos = sent.index(b"\xff\xda")
    return sent[:sos + 6] + b"\x33" + sent[sos + 7:]


def _rows(ctx: AppContext) -> list[ReportPhoto]:
    with unit_of_work(ctx.session_factory) as session:
        rows = list(session.scalars(select(ReportPhoto).order_by(ReportPhoto.id)))
        session.expunge_all()
    return rows


def _no_metadata(content: bytes) -> None:
    with Image.open(io.BytesIO(content)) as image:
        assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
    for secret in (b"Exif\x00\x00", b"TestCam", b"adobe:ns:meta"):
        assert secret not in content, secret


def test_a_big_turned_photo_is_stored_stripped_at_once_and_shown_upright_at_the_shown_size(ctx: AppContext) -> None:
    sent = _turned_camera_photo((4000, 3000))
    report = submit(ctx, images=[sent])
    (pending,) = _rows(ctx)
    assert (pending.status, pending.phash, pending.orientation) == ("pending", "", 6)
    assert (pending.width, pending.height) == (4000, 3000) and pending.exif_lon == pytest.approx(XUANWU[0], abs=1e-4)
    received = stored_bytes(ctx, pending)
    assert received == metastrip.strip(sent)  # the compressed pixels as sent, byte for byte, no decode
    _no_metadata(received)
    with unit_of_work(ctx.session_factory) as session, pytest.raises(NotFound):
        reports_staff.photo(session, report_id=report.id, photo_id=pending.id)  # 处理中: not shown yet

    assert run_jobs(ctx) == 1
    (ready,) = _rows(ctx)
    assert ready.status == "ready" and len(ready.phash) == 16 and ready.path != pending.path
    assert (ready.width, ready.height) == (photos.MAX_SIDE * 3 // 4, photos.MAX_SIDE)  # turned upright
    assert not (Path(ctx.settings.data_dir) / pending.path).exists()  # the received copy is gone
    shown = stored_bytes(ctx, ready)
    _no_metadata(shown)
    with Image.open(io.BytesIO(shown)) as image:
        assert image.size == (1500, 2000)
    with unit_of_work(ctx.session_factory) as session:
        assert reports_staff.photo(session, report_id=report.id, photo_id=ready.id) == (shown, "image/jpeg")


def test_a_photo_whose_pixels_do_not_decode_is_removed_and_marked_for_staff(ctx: AppContext) -> None:
    from PIL import ImageFile

    # What importing WeasyPrint does, process-wide (weasyprint/images.py); earlier tests in the process may have
    # done it. A fresh clone's CI stored this photo as ready after it.
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    report = submit(ctx, images=[_undecodable(photo(size=(800, 600)))])
    (pending,) = _rows(ctx)
    path = Path(ctx.settings.data_dir) / pending.path
    assert pending.status == "pending" and path.exists()
    run_jobs(ctx)
    (row,) = _rows(ctx)
    assert row.status == "unreadable" and "无法解码" in row.problem and row.path == "" and row.size == 0
    assert not path.exists() and not any(path.parent.iterdir())
    with unit_of_work(ctx.session_factory) as session:
        with pytest.raises(NotFound):
            reports_staff.photo(session, report_id=report.id, photo_id=row.id)
        assert public_photos.public_photo_counts(session, report_ids=[report.id]) == {}


def test_the_same_photo_in_two_reports_is_flagged_once_decoded_whichever_job_runs_first(ctx: AppContext) -> None:
    sent = photo(seed=4, size=(1200, 900))
    bigger = io.BytesIO()
    with Image.open(io.BytesIO(sent)) as image:  # the same picture sent again larger, re-compressed
        image.resize((2400, 1800)).save(bigger, "JPEG", quality=70, exif=image.getexif().tobytes())
    first = submit(ctx, images=[sent])
    again = submit(ctx, images=[bigger.getvalue()], client="10.0.0.9", category="town_gas",
                   location=Location(lon=118.78, lat=32.06))
    other = submit(ctx, images=[photo(seed=5, size=(1200, 900))], client="10.0.0.8", category="town_gas",
                   location=Location(lon=118.76, lat=32.03))
    held = ctx.extras["core.jobs.executor"]
    held.waiting.reverse()  # the later report's photo decoded first: the earlier one still joins them
    assert run_jobs(ctx) == 3
    with unit_of_work(ctx.session_factory) as session:
        later = session.get_one(CitizenReport, again.id)
        assert (later.group_id, later.duplicate_reason) == (first.id, "photo")
        assert session.get_one(CitizenReport, first.id).duplicate_reason == ""
        assert session.get_one(CitizenReport, other.id).group_id == other.id


def test_a_cut_off_photo_is_refused_at_once_for_every_image_upload(ctx: AppContext) -> None:
    from citysafe.core import filekinds

    sent = photo(size=(800, 600))
    cut = sent[:len(sent) - 200]  # the end-of-image marker lost: an interrupted upload
    with pytest.raises(CitysafeError) as caught:
        filekinds.accepted(cut, field="file", max_bytes=10_000_000, kinds=filekinds.IMAGE_KINDS)
    assert caught.value.fields[0].field == "file" and "不完整" in caught.value.fields[0].message_zh
    with pytest.raises(CitysafeError):
        submit(ctx, images=[cut])
    assert _rows(ctx) == [] and not (Path(ctx.settings.data_dir) / "uploads").exists()


def test_a_report_rolled_back_after_its_photo_was_written_leaves_no_file_and_no_job(ctx: AppContext) -> None:
    def failing_at_commit() -> None:
        with unit_of_work(ctx.session_factory, actor="public:citizen") as session:
            intake.submit(session, report_in=report_in(), images=[photo()], client="10.0.0.1", now=NOW)
            raise RuntimeError("the database failed at commit")

    with pytest.raises(RuntimeError):
        failing_at_commit()
    assert _rows(ctx) == [] and run_jobs(ctx) == 0
    assert not [p for p in (Path(ctx.settings.data_dir) / "uploads").rglob("*") if p.is_file()]


def _crash_midway(ctx: AppContext, report_id: int, *, runner: str, heartbeat_age_s: float, status: str) -> None:
    """What a process that stopped while decoding leaves: the photo claimed (processing) and its job ``status``,
    in the name of ``runner`` with its last heartbeat ``heartbeat_age_s`` ago; its thread is gone."""
    with unit_of_work(ctx.session_factory) as session:
        session.execute(update(ReportPhoto).where(ReportPhoto.report_id == report_id).values(status="processing"))
        session.execute(update(jobs.Job).where(jobs.Job.subject == str(report_id)).values(
            status=status, runner=runner, heartbeat_at=utcnow() - timedelta(seconds=heartbeat_age_s)))
    hold_jobs(ctx).waiting.clear()


def test_photos_of_a_job_whose_process_stopped_are_decoded_by_the_sweep_of_another(ctx: AppContext) -> None:
    install_lookups(ctx)
    report = submit(ctx, images=[photo()])
    _crash_midway(ctx, report.id, runner="gone:1:aa", heartbeat_age_s=jobs.STALE_SECONDS + 5, status="running")
    assert jobs.abandon_unfinished(ctx) == 1  # any serving process's beat, well before a restart
    assert run_jobs(ctx) == 1
    (ready,) = _rows(ctx)
    assert ready.status == "ready" and len(ready.phash) == 16
    with unit_of_work(ctx.session_factory) as session:
        assert [(j.status, j.error) for j in session.scalars(select(jobs.Job).order_by(jobs.Job.id))] == [
            ("failed", jobs.RESUBMITTED_ZH), ("succeeded", None)]


def test_start_up_leaves_photos_a_live_process_is_decoding_and_resumes_the_orphans(ctx: AppContext) -> None:
    install_lookups(ctx)
    live, orphan = submit(ctx, images=[photo()]), submit(ctx, images=[photo(size=(300, 200))])
    _crash_midway(ctx, live.id, runner="alive:2:bb", heartbeat_age_s=5, status="running")
    _crash_midway(ctx, orphan.id, runner="gone:1:aa", heartbeat_age_s=5, status="failed")  # failed on an error
    assert photo_jobs.resume_unfinished(ctx) == 1
    assert [(row.report_id, row.status) for row in _rows(ctx)] == [(live.id, "processing"), (orphan.id, "pending")]
    assert run_jobs(ctx) == 1
    assert [(row.report_id, row.status) for row in _rows(ctx)] == [(live.id, "processing"), (orphan.id, "ready")]


def test_the_photos_are_compared_while_other_writers_may_write(ctx: AppContext,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Up to 20,000 photos are compared in Python: inside the write transaction that held SQLite's one write lock,
    and every writer of the city (the fire gateway's included) waited for it."""
    if ctx.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock: what is checked is SQLite's")
    sent = photo(seed=6, size=(800, 600))
    first = submit(ctx, images=[sent])
    again = submit(ctx, images=[sent], client="10.0.0.9", category="town_gas",
                   location=Location(lon=118.78, lat=32.06))
    database = ctx.engine.url.database
    lock_free_while_comparing: list[bool] = []
    compare = photos.distance

    def probing(a: str, b: str) -> int:
        other = sqlite3.connect(str(database), timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" at once if a writer holds the lock
            other.execute("ROLLBACK")
            lock_free_while_comparing.append(True)
        except sqlite3.OperationalError:
            lock_free_while_comparing.append(False)
        finally:
            other.close()
        return compare(a, b)

    monkeypatch.setattr(photos, "distance", probing)
    assert run_jobs(ctx) == 2
    assert lock_free_while_comparing and all(lock_free_while_comparing)
    with unit_of_work(ctx.session_factory) as session:
        later = session.get_one(CitizenReport, again.id)
        assert (later.group_id, later.duplicate_reason) == (first.id, "photo")
