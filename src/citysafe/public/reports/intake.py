"""A citizen's report arriving from the public page: checked whole before anything is stored (text, place,
photos, phone code, limits), then stored in one go — the report, its metadata-free photos (files named by their
rows: ``photo_files``), the reporter's vault row when anything personal was given, its first step (已受理) and
the job that decodes its photos (``photo_jobs``: pHash, the same photo in another report, the copy shown) — with
a receipt to follow it. Reports of the same place are grouped here; of the same photo, by that job."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from citysafe.core import audit
from citysafe.core.context import context_of
from citysafe.core.errors import field_error
from citysafe.core.geo import box_around, haversine_m, to_wgs84
from citysafe.public.reports import guards, photo_files, photo_jobs, photos, places, receipts, rows, rules, vault
from citysafe.public.reports.models import CitizenReport
from citysafe.public.reports.schemas import ReportIn, State


def displaced(lon: float, lat: float, radius_m: int, rng: random.Random) -> tuple[float, float]:
    """A point between half the radius and the radius away, in a random direction: the public sees roughly
    where, never the door (a rounded point would still give away a house at the grid's corner)."""
    distance = radius_m * math.sqrt(rng.uniform(0.25, 1.0))
    bearing = rng.uniform(0.0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / 111_320.0
    dlon = distance * math.sin(bearing) / (111_320.0 * math.cos(math.radians(lat)))
    return round(lon + dlon, 7), round(lat + dlat, 7)


def _division(session: Session, lon: float, lat: float) -> str:
    found = places.division_of(session, lon=lon, lat=lat)
    if found is None:
        raise field_error("location", "the place lies outside the province this platform serves",
                          "所选位置不在本省范围内，请在地图上重新选择举报地点")
    return found


_T = CitizenReport.__table__.c
# Built once (its cache key kept on it): the same category within the window and the box around the place.
_NEARBY = (select(_T.id, _T.group_id, _T.lon, _T.lat)
           .where(_T.category == bindparam("category"), _T.created_at >= bindparam("since", type_=_T.created_at.type),
                  _T.lon.between(bindparam("west"), bindparam("east")),
                  _T.lat.between(bindparam("south"), bindparam("north")))
           .order_by(_T.created_at, _T.id))


def _group(db: Session | Connection, *, category: str, lon: float, lat: float, now: datetime,
           figures: dict[str, int]) -> tuple[int | None, str]:
    """The matter this report joins: the earliest report of the same category within the radius and window;
    (None, "") when it is new (the same photo is looked for once it is decoded: ``photo_jobs``)."""
    radius = figures["duplicate_radius_m"]
    box = box_around(lon, lat, radius)
    since = now - timedelta(hours=figures["duplicate_window_hours"])
    nearby = db.execute(_NEARBY, {"category": category, "since": since, "west": box.west, "east": box.east,
                                  "south": box.south, "north": box.north}).all()
    for row in nearby:
        if haversine_m(lon, lat, row.lon, row.lat) <= radius:
            return row.group_id or row.id, "place"
    return None, ""


def prepare(images: Sequence[bytes], *, figures: dict[str, int]) -> list[photos.Received]:
    """The photos as they will be stored (checked, EXIF read, stripped; not decoded): done before the write
    transaction, so no write lock waits for it."""
    if not images:
        raise field_error("photos", "add at least one photo", "请至少拍摄或选择一张照片")
    if len(images) > figures["photo_count"]:
        raise field_error("photos", f"no more than {figures['photo_count']} photos",
                          f"每件举报最多 {figures['photo_count']} 张照片")
    return [photos.receive(data, field="photos", max_bytes=figures["photo_max_kb"] * 1024) for data in images]


def submit(session: Session, *, report_in: ReportIn, images: Sequence[bytes] | Sequence[photos.Received], client: str,
           now: datetime, rng: random.Random | None = None, verify_phone: bool = True,
           figures: dict[str, int] | None = None) -> CitizenReport:
    """``store``, and the report as stored (for the console, the demo city and tests)."""
    receipt = store(session, report_in=report_in, images=images, client=client, now=now, rng=rng,
                    verify_phone=verify_phone, figures=figures)
    return session.scalars(select(CitizenReport).where(CitizenReport.receipt == receipt)
                           .execution_options(skip_scope=True)).one()


def store(session: Session, *, report_in: ReportIn, images: Sequence[bytes] | Sequence[photos.Received], client: str,
          now: datetime, rng: random.Random | None = None, verify_phone: bool = True,
          figures: dict[str, int] | None = None, files: Sequence[str] | None = None) -> str:
    """Store a citizen's report, or refuse it whole (a problem naming the field) before anything is written; its
    receipt. ``images``: the uploads as they came, or as ``prepare`` made them. ``verify_phone=False`` (an
    Open311 app, which cannot relay the SMS code): a phone given is kept as unverified. ``figures``: the rules
    in force, when the caller already read them for this request. ``files``: where ``images`` (as ``prepare``
    made them) were already written, before this transaction (``photo_files.written_first``, as the public
    desk does); the caller removes them if this refuses.

    The rows go in by single statements on the session's connection, not through the ORM's unit of work (issue
    #15's 200 reports/s: the flush and its automatic audit cost more than the rest of the request): the report,
    its photos, its first step, its job, and its two audit entries (``rows.write``). The photo files are written once
    every check passed (a refused report writes none); removed again if the transaction rolls back — unless the
    caller wrote them first (``files``)."""
    ctx = context_of(session)
    figures = figures if figures is not None else rules.values(session)
    if not images or not all(isinstance(i, photos.Received) for i in images):
        stored = prepare([i for i in images if isinstance(i, bytes)], figures=figures)
    else:
        stored = [i for i in images if isinstance(i, photos.Received)]
    try:
        lon, lat = to_wgs84(report_in.location.lon, report_in.location.lat, report_in.location.crs)
    except ValueError as exc:
        raise field_error("location", str(exc), "位置坐标无效，请在地图上重新选择") from exc
    region_code = _division(session, lon, lat)
    if report_in.phone and not re.match(guards.PHONE, report_in.phone):
        raise field_error("phone", "a mainland mobile number has 11 digits", "请填写 11 位手机号码")
    if (report_in.name or report_in.id_number) and not (report_in.phone or report_in.email):
        raise field_error("phone", "a real-name report needs a phone number to reach you",
                          "实名举报请填写手机号并验证，以便核实和领奖时联系您")
    conn = session.connection()
    phone_key, client_key = guards.keyed(ctx, report_in.phone), guards.keyed(ctx, client)
    guards.check_burst(conn, phone_key=phone_key, client_key=client_key, now=now, per_hour=figures["burst_per_hour"])
    verified = bool(report_in.phone) and verify_phone
    if verified:
        guards.check_code(session, phone=report_in.phone, code=report_in.code, purpose="report", now=now,
                          max_failures=figures["code_failures"])
    group_id, reason = _group(conn, category=report_in.category.value, lon=lon, lat=lat, now=now, figures=figures)
    vault_id = vault.store(conn, name=report_in.name, phone=report_in.phone, id_number=report_in.id_number,
                           phone_verified=verified, now=now, retention_days=figures["identity_retention_days"],
                           email=report_in.email)
    if files is None:
        files = [photo_files.write(session, root=ctx.settings.data_dir, content=p.content,
                                   content_type=p.content_type, now=now) for p in stored]
    radius = figures["display_offset_m"]
    public_lon, public_lat = displaced(lon, lat, radius, rng or random.SystemRandom())
    report = rows.report(
        receipt=receipts.new_receipt(), state=State.RECEIVED.value, category=report_in.category.value,
        description=report_in.description, address=report_in.address, lon=lon, lat=lat, region_code=region_code,
        public_lon=public_lon, public_lat=public_lat, displacement_m=radius, created_at=now, updated_at=now,
        group_id=group_id, duplicate_reason=reason, vault_id=vault_id,
        real_name=bool(report_in.name and report_in.id_number), phone_verified=verified,
        phone_key=phone_key, client_key=client_key)
    rows.write(conn, report=report, photos=list(zip(stored, files, strict=True)), now=now,
               actor=audit.actor_of(session))
    photo_jobs.schedule_for(session, report_id=report["id"], region_code=region_code)
    return str(report["receipt"])
