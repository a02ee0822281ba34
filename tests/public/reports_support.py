"""Helpers of the citizen-report tests: photos with EXIF (GPS, time), staff accounts, a report submitted."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from PIL import Image
from sqlalchemy.orm import Session
from tests.firewatch.fakes import RecordingAdapter

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import Principal, UserCreate
from citysafe.core import jobs
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.geo import Location
from citysafe.core.outbound import Outbound
from citysafe.public.reports import intake, metastrip, photo_files, photos
from citysafe.public.reports.models import CitizenReport, ReportPhoto
from citysafe.public.reports.schemas import ReportIn

NOW = datetime(2026, 5, 11, 2, 0, tzinfo=UTC)
XUANWU = (118.7975, 32.0487)  # 玄武区, 南京


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction(round(((value - degrees) * 60 - minutes) * 60 * 1000), 1000)
    return Fraction(degrees), Fraction(minutes), seconds


def photo(*, seed: int = 1, size: tuple[int, int] = (640, 480), gps: tuple[float, float] | None = XUANWU,
          taken: str = "2026:05:10 09:30:00", fmt: str = "JPEG") -> bytes:
    """A noisy picture (so pHashes differ by seed) carrying EXIF: GPS position, DateTimeOriginal, a camera."""
    rng = random.Random(seed)
    image = Image.new("RGB", size)
    block = 40
    for x in range(0, size[0], block):
        for y in range(0, size[1], block):
            image.paste((rng.randrange(256), rng.randrange(256), rng.randrange(256)), (x, y, x + block, y + block))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0110] = "Phone 1"  # Model
    exif.get_ifd(0x8769)[36867] = taken
    if gps is not None:
        lon, lat = gps
        exif.get_ifd(0x8825).update({1: "N", 2: _dms(lat), 3: "E", 4: _dms(lon)})
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def report_in(**changes: Any) -> ReportIn:
    data: dict[str, Any] = {"category": "fire_safety", "description": "楼道里堆满了电动车，正在充电，堵住了安全出口",
                            "address": "玄武区某小区3栋", "location": Location(lon=XUANWU[0], lat=XUANWU[1])}
    return ReportIn.model_validate(data | changes)


def submit(ctx: AppContext, *, images: list[bytes] | None = None, client: str = "10.0.0.1", now: datetime = NOW,
           **changes: Any) -> CitizenReport:
    with unit_of_work(ctx.session_factory, actor="public:citizen") as session:
        report = intake.submit(session, report_in=report_in(**changes), images=images or [photo()], client=client,
                               now=now, rng=random.Random(7))
        session.expunge(report)
    return report


def staff(ctx: AppContext, role: str = "district_office", region: str = "320102", name: str = "张核实",
          username: str | None = None) -> Principal:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        user = auth_service.create_user(session, user_in=UserCreate(
            username=username or f"{role}_{name.encode().hex()[:24]}", password="correct-horse", role=role,
            region_code=region, display_name=name))
        return auth_service.principal_for(user)


def last_code(box: RecordingAdapter) -> str:
    """The code in the last SMS the adapter accepted."""
    return box.messages[-1].text.split("验证码为 ")[1][:6]


def with_sms(ctx: AppContext) -> RecordingAdapter:
    """The context's way out is an SMS channel that records what it sent (no gateway)."""
    box = RecordingAdapter(channel="sms")
    ctx.outbound = Outbound([box], clock=ctx.clock)
    return box


def session_of(ctx: AppContext) -> Session:
    return ctx.session_factory()


class HeldJobs:
    """Stands in for the jobs' worker threads (core/jobs.py ``EXECUTOR``): what is submitted waits until the test
    runs it (``run``), so a test sees a report as accepted before its photos are decoded, then after."""

    def __init__(self) -> None:
        self.waiting: list[tuple[Any, tuple[Any, ...]]] = []

    def submit(self, fn: Any, *args: Any) -> None:
        self.waiting.append((fn, args))

    def run(self) -> int:
        done = 0
        while self.waiting:
            fn, args = self.waiting.pop(0)
            fn(*args)
            done += 1
        return done


def hold_jobs(ctx: AppContext) -> Any:
    held = ctx.extras.get(jobs.EXECUTOR.name)
    if not hasattr(held, "waiting"):  # (this module is imported under two names by the tests: no isinstance)
        held = HeldJobs()
        jobs.EXECUTOR.set(ctx, held)  # type: ignore[arg-type]
    return held


def run_jobs(ctx: AppContext) -> int:
    """Run the background jobs submitted so far (the photo jobs of the reports accepted): how many ran."""
    return hold_jobs(ctx).run()


def stored_bytes(ctx: AppContext, row: ReportPhoto) -> bytes:
    return photo_files.read(ctx.settings.data_dir, row)


@dataclass(frozen=True)
class Processed:
    """A photo as the platform ends up showing it, both halves run at once (``process_photo``)."""

    content: bytes
    content_type: str
    width: int
    height: int
    phash: str
    taken_at: datetime | None
    lon: float | None
    lat: float | None


def process_photo(data: bytes, *, field: str, max_bytes: int,
                  strip: Callable[[bytes], bytes] = metastrip.strip) -> Processed:
    """``photos.receive`` (the request's half) then ``photos.finish`` (the photo job's) on one upload: the photo
    as it is shown, or the request's problem naming ``field`` (an undecodable photo: the one the form shows)."""
    received = photos.receive(data, field=field, max_bytes=max_bytes, strip=strip)
    try:
        done = photos.finish(received.content, orientation=received.orientation)
    except photos.Undecodable as exc:
        raise photos._unreadable(field) from exc
    content = done.content if done.content is not None else received.content
    return Processed(content=content, content_type=done.content_type, width=done.width, height=done.height,
                     phash=done.phash, taken_at=received.taken_at, lon=received.lon, lat=received.lat)
