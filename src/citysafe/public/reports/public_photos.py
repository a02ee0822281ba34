"""The photos of a report as anyone may fetch them (Open311 ``media_url``, issue #15 point 1): the shown copy,
without any metadata (no place, no time, no camera: intake stripped it, ``photo_jobs`` decoded it), and only once
staff have looked at the report and found it true. A photo of a report still waiting, or refused, may show what
should not be public (a face, a home, an unrelated picture), so it stays with staff, as FixMyStreet keeps photos
back until moderated. A photo not decoded yet (or found unreadable) is shown to no one.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.core.context import context_of
from citysafe.core.errors import NotFound
from citysafe.public.reports import photo_files
from citysafe.public.reports.models import PHOTO_READY, CitizenReport, ReportPhoto
from citysafe.public.reports.schemas import State

# Found true by staff: verified, and what it became after (a ticket, an incident, the ticket's closing either way).
PUBLIC_PHOTO_STATES = frozenset({State.VERIFIED.value, State.TRANSFERRED.value, State.INCIDENT.value,
                                 State.RECTIFIED.value, State.DISMISSED.value})


def public_photo_counts(session: Session, *, report_ids: Collection[int]) -> dict[int, int]:
    """How many photos each report shows in public (reports not yet verified, or refused, are absent)."""
    if not report_ids:
        return {}
    rows = session.execute(select(ReportPhoto.report_id, func.count(ReportPhoto.id))
                           .join(CitizenReport, CitizenReport.id == ReportPhoto.report_id)
                           .where(ReportPhoto.report_id.in_(list(report_ids)), ReportPhoto.status == PHOTO_READY,
                                  CitizenReport.state.in_(sorted(PUBLIC_PHOTO_STATES)))
                           .execution_options(skip_scope=True).group_by(ReportPhoto.report_id))
    return {int(report_id): int(n) for report_id, n in rows.tuples()}


def public_photo(session: Session, *, report_id: int, number: int) -> tuple[bytes, str]:
    """The ``number``-th photo (from 1) of a report verified by staff, as stored: its bytes and media type; 404 for
    any other (no such report or photo, or a report not public yet), the same answer for each."""
    report = session.scalars(select(CitizenReport).where(CitizenReport.id == report_id)
                             .execution_options(skip_scope=True)).first()
    row = None
    if report is not None and report.state in PUBLIC_PHOTO_STATES and number >= 1:
        row = session.scalars(select(ReportPhoto).where(ReportPhoto.report_id == report_id,
                                                        ReportPhoto.status == PHOTO_READY)
                              .order_by(ReportPhoto.id).offset(number - 1).limit(1)).first()
    if row is None:
        raise NotFound(detail="no public photo here", detail_zh="没有可公开的照片（举报核实后才公开照片）")
    return photo_files.read(context_of(session).settings.data_dir, row), row.content_type
