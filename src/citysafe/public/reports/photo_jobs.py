"""The second half of a report's photos, off the request (core/jobs.py, one job per report): each photo stored at
once by intake (``pending``: metadata-free, not yet decoded, not shown) is decoded, hashed and given the copy
that is shown (``photos.finish``), then compared with the photos of the other reports in the duplicate window.
A photo whose pixels do not decode is removed and marked ``unreadable`` with the reason, so staff see why a
report has no photo. The same photo sent for two matters joins them (``duplicate_reason`` "photo", the earliest
report first) a few seconds after the second was accepted, which is how FixMyStreet and Ushahidi moderate too:
staff meet the flag when they open the report, the reporter's receipt does not wait for it.

A photo is claimed before it is decoded (pending → processing in a short transaction of its own), so two jobs
for one report do not both decode it. The job names its report (``subject``): when the process running it stops,
the jobs sweep of any serving process (core/jobs.py, within about two minutes) fails it and ``submit_again``
puts the report's half-done photos back to pending with a new job. At start-up (``retention.running``) photos
left pending or processing with no unfinished job at all (one that failed on a database error) get one too;
photos that a live process's job is decoding are left to it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from citysafe.core import jobs
from citysafe.core.context import AppContext, context_of
from citysafe.core.db import unit_of_work
from citysafe.public.reports import photo_files, photos, rules
from citysafe.public.reports.models import (
    PHOTO_PENDING,
    PHOTO_READY,
    PHOTO_UNREADABLE,
    CitizenReport,
    ReportPhoto,
)

log = logging.getLogger(__name__)
JOB_KIND = "report_photos"
ACTOR = "system:report-photos"
_PROCESSING = "processing"
UNREADABLE_ZH = "照片无法解码（文件损坏或不完整），已删除"


def schedule_for(session: Session, *, report_id: int, region_code: str) -> None:
    """A job for the pending photos of report ``report_id``; it starts once ``session`` commits (nothing if it
    rolls back)."""
    ctx = context_of(session)
    jobs.queue(session, kind=JOB_KIND, region_code=region_code, created_by=ACTOR,
               work=lambda _progress: process_report(ctx, report_id), subject=str(report_id))


def submit_again(session: Session, subject: str) -> None:
    """The resumer of this kind (``jobs.RESUMERS``): the photos of report ``subject`` that a stopped job left
    claimed go back to pending, and the report gets a new job if any photo waits."""
    report = session.get(CitizenReport, int(subject), execution_options={"skip_scope": True})
    if report is None:  # the report went meanwhile
        return
    session.execute(update(ReportPhoto).where(ReportPhoto.report_id == report.id,
                                              ReportPhoto.status == _PROCESSING).values(status=PHOTO_PENDING))
    if session.scalar(select(ReportPhoto.id).where(ReportPhoto.report_id == report.id,
                                                   ReportPhoto.status == PHOTO_PENDING).limit(1)) is not None:
        schedule_for(session, report_id=report.id, region_code=report.region_code)


def _claim(ctx: AppContext, report_id: int) -> list[int]:
    with unit_of_work(ctx.session_factory, actor=ACTOR) as session:
        ids = list(session.scalars(select(ReportPhoto.id).where(ReportPhoto.report_id == report_id,
                                                               ReportPhoto.status == PHOTO_PENDING)
                                   .order_by(ReportPhoto.id)))
        claimed = []
        for photo_id in ids:
            taken = session.execute(update(ReportPhoto).where(ReportPhoto.id == photo_id,
                                                              ReportPhoto.status == PHOTO_PENDING)
                                    .values(status=_PROCESSING))
            if getattr(taken, "rowcount", 0) == 1:
                claimed.append(photo_id)
        return claimed


def _finish_one(ctx: AppContext, photo_id: int) -> str:
    """Decode one claimed photo and record the outcome; its status."""
    root = ctx.settings.data_dir
    with unit_of_work(ctx.read_session_factory, actor=ACTOR) as session:
        row = session.get(ReportPhoto, photo_id)
        if row is None:  # the report went meanwhile
            return ""
        old_path, orientation = row.path, row.orientation
        try:
            content = photo_files.read(root, row)
        except FileNotFoundError:  # replaced meanwhile by a job submitted again (see submit_again)
            return ""
    try:
        done = photos.finish(content, orientation=orientation)
    except photos.Undecodable as exc:
        with unit_of_work(ctx.session_factory, actor=ACTOR) as session:
            session.execute(update(ReportPhoto).where(ReportPhoto.id == photo_id).values(
                status=PHOTO_UNREADABLE, problem=f"{UNREADABLE_ZH}：{exc}"[:200], path="", content=None, size=0))
        photo_files.remove(root, old_path)
        return PHOTO_UNREADABLE
    values: dict[str, Any] = {"status": PHOTO_READY, "phash": done.phash, "width": done.width,
                              "height": done.height, "content_type": done.content_type}
    with unit_of_work(ctx.session_factory, actor=ACTOR) as session:
        if done.content is not None:  # the shown copy replaces the received one (scaled, upright)
            values |= {"path": photo_files.write(session, root=root, content=done.content,
                                                 content_type=done.content_type, now=ctx.clock.now()),
                       "size": len(done.content), "content": None}
        session.execute(update(ReportPhoto).where(ReportPhoto.id == photo_id).values(**values))
    if done.content is not None and old_path:
        photo_files.remove(root, old_path)
    return PHOTO_READY


def _matching(session: Session, *, report_id: int, figures: dict[str, int]) -> set[int]:
    """The other reports with a photo matching one of ``report_id``'s (pHash within the distance, received within
    the window before or after it). Read-only: up to 20,000 photos compared in Python, which inside the write
    transaction held SQLite's one write lock — every writer of the city waited — for as long as they took."""
    report = session.get(CitizenReport, report_id)
    if report is None:
        return set()
    window = timedelta(hours=figures["duplicate_window_hours"])
    own = list(session.scalars(select(ReportPhoto.phash).where(ReportPhoto.report_id == report_id,
                                                               ReportPhoto.status == PHOTO_READY)))
    if not own:
        return set()
    others = session.execute(select(ReportPhoto.phash, ReportPhoto.report_id)
                             .join(CitizenReport, CitizenReport.id == ReportPhoto.report_id)
                             .where(CitizenReport.created_at.between(report.created_at - window,
                                                                     report.created_at + window),
                                    ReportPhoto.report_id != report_id,
                                    ReportPhoto.status == PHOTO_READY)
                             .order_by(CitizenReport.created_at, CitizenReport.id).limit(20_000)).all()
    return {other_id for phash, other_id in others
            if any(photos.distance(phash, h) <= figures["photo_hash_distance"] for h in own)}


def _join(session: Session, *, report_id: int, matched: set[int]) -> int | None:
    """Join ``report_id`` and the ``matched`` reports into the matter of the earliest of them (their groups read
    now, in the write transaction): a report that is the first of its own matter and joined none by place moves,
    with its members. The group joined, or None when the report went meanwhile."""
    members = list(session.scalars(select(CitizenReport).where(CitizenReport.id.in_([report_id, *matched]))
                                   .order_by(CitizenReport.created_at, CitizenReport.id)))
    if not any(member.id == report_id for member in members):
        return None
    first = members[0]
    group = first.group_id or first.id
    for member in members[1:]:
        if member.group_id in (None, member.id) and not member.duplicate_reason and member.id != group:
            session.execute(update(CitizenReport).where(CitizenReport.group_id == member.id)
                            .values(group_id=group).execution_options(skip_scope=True))
            member.group_id, member.duplicate_reason = group, "photo"
    return group


def process_report(ctx: AppContext, report_id: int) -> dict[str, Any]:
    """Decode the pending photos of ``report_id`` and look for the same photo in other reports: the job's
    result (how many photos became ready or unreadable, the matter joined)."""
    outcomes = [_finish_one(ctx, photo_id) for photo_id in _claim(ctx, report_id)]
    # Compared outside the write transaction: each of two reports with the same photo compares after its own
    # photo was committed ready, so the later of the two comparisons sees the other's.
    with unit_of_work(ctx.read_session_factory, actor=ACTOR) as session:
        matched = _matching(session, report_id=report_id, figures=rules.values(session))
    group = None
    if matched:
        with unit_of_work(ctx.session_factory, actor=ACTOR) as session:
            group = _join(session, report_id=report_id, matched=matched)
    return {"report_id": report_id, "ready": outcomes.count(PHOTO_READY),
            "unreadable": outcomes.count(PHOTO_UNREADABLE), "group_id": group}


def resume_unfinished(ctx: AppContext) -> int:
    """Photos left pending or half-way whose report has no unfinished job (its job failed on an error, or was
    recorded before jobs named their subject): put back to pending and a job submitted for each report. How many
    reports."""
    with unit_of_work(ctx.session_factory, actor=ACTOR) as session:
        running = jobs.unfinished_subjects(session, kind=JOB_KIND)
        waiting = set(session.scalars(select(ReportPhoto.report_id).where(
            ReportPhoto.status.in_([PHOTO_PENDING, _PROCESSING])).distinct()))
        orphans = sorted(report_id for report_id in waiting if str(report_id) not in running)
        for report_id in orphans:
            submit_again(session, str(report_id))
    if orphans:
        log.info("report photos: jobs submitted again for %d reports left unprocessed", len(orphans))
    return len(orphans)
