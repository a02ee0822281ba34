"""A citizen's report written as rows, without the ORM's unit of work (issue #15: ≥ 200 reports/s on two cores
leaves ~10 ms of CPU a report, and the flush of the report, its photos and step with the automatic audit of
each took ~8 of them): single statements on the transaction's connection, the audit entries the flush would
have written (``core.audit.created_entry``) inserted with them. Used by ``intake.store`` alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update

from citysafe.core.audit import AuditEntry, created_entry
from citysafe.public.reports.models import PHOTO_PENDING, CitizenReport, ReportPhoto, ReportStep
from citysafe.public.reports.photos import Received
from citysafe.public.reports.schemas import State

_REPORT, _PHOTO, _STEP = CitizenReport.__table__, ReportPhoto.__table__, ReportStep.__table__
# Built once: SQLAlchemy keeps a statement's cache key on it, so a statement made anew for every report cost
# its construction and its key (~0.1 ms each) again.
_INSERT_REPORT = insert(CitizenReport).returning(CitizenReport.id)
_OWN_GROUP = (update(CitizenReport).where(CitizenReport.id == bindparam("report_id"))
              .values(group_id=bindparam("report_id")))
_INSERT_PHOTO = insert(ReportPhoto)
_INSERT_STEP = insert(ReportStep).returning(ReportStep.id)
_INSERT_AUDIT = insert(AuditEntry)


def _with_defaults(table: Any, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` and, for every other column, its scalar default (None without one): the row as the ORM's
    insert would have left it, which is what its audit entry records."""
    row = {column.key: (column.default.arg if column.default is not None and column.default.is_scalar else None)
           for column in table.columns}
    return row | values


def report(**values: Any) -> dict[str, Any]:
    """A ``pub_report`` row (``id`` None until ``insert``)."""
    return _with_defaults(_REPORT, {"id": None} | values)


def write(conn: Connection, *, report: dict[str, Any], photos: Sequence[tuple[Received, str]], now: datetime,
           actor: str) -> None:
    """Insert ``report`` (its ``id`` and, for the first of its matter, ``group_id`` filled in here), its
    ``photos`` (each as received, and its file's relative path) pending their job, its first step (已受理), and
    the audit entries of the report and the step."""
    fields = {key: value for key, value in report.items() if key != "id"}
    report["id"] = conn.execute(_INSERT_REPORT, fields).scalar_one()
    if report["group_id"] is None:  # the first of its matter: its own id, known only now
        report["group_id"] = report["id"]
        conn.execute(_OWN_GROUP, {"report_id": report["id"]})
    if photos:
        conn.execute(_INSERT_PHOTO, [
            {"report_id": report["id"], "path": path, "status": PHOTO_PENDING, "problem": "",
             "orientation": photo.orientation, "content_type": photo.content_type, "size": len(photo.content),
             "width": photo.width, "height": photo.height, "phash": "", "taken_at": photo.taken_at,
             "exif_lon": photo.lon, "exif_lat": photo.lat} for photo, path in photos])
    step = _with_defaults(_STEP, {"report_id": report["id"], "stage": State.RECEIVED.value, "at": now, "note": ""})
    step["id"] = conn.execute(_INSERT_STEP, {key: value for key, value in step.items() if key != "id"}).scalar_one()
    conn.execute(_INSERT_AUDIT, [created_entry(CitizenReport, report, actor=actor, at=now),
                                      created_entry(ReportStep, step, actor=actor, at=now)])
