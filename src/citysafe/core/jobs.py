"""Long work (a white paper, a large export) as background jobs: recorded, run off the request, watched.

A request ``submit``s a job in its own unit of work and answers at once; the job starts in the
application's worker threads only once that unit of work has committed (a rolled-back request starts
nothing). The work reports its progress (0–100 and a Chinese step) through short transactions of their
own, so no write lock is held while it computes. When it fails, its partial output is removed by the
``cleanup`` it was submitted with and the job records the error in Chinese.

A job left queued or running by a process that stopped is marked failed (``abandon_unfinished``), honestly;
a kind of work that can safely start over (a report's photos) names its ``subject`` when submitted and has a
resumer (``RESUMERS``, set by the registry), which submits it again in the transaction that fails the stale
one, so the work is done once the stopped process is found out, not when a process next restarts.

Several ``citysafe serve`` processes share one database, so "stopped" cannot mean "not this process": each
job names its runner (host, pid and a nonce of the process's context) and the runner stamps a heartbeat on its
unfinished jobs every ``HEARTBEAT_SECONDS``; a job whose heartbeat is older than ``STALE_SECONDS`` belongs to a
process that is gone. Every serving process sweeps at start and with each beat,
so a crashed process's jobs are failed within a minute or two even when no process restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Integer, String, event, insert, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from citysafe.core.clock import utcnow
from citysafe.core.context import AppContext, Slot, context_of
from citysafe.core.db import Base, RegionScoped, Timestamped, UTCDateTime, get_or_404, unit_of_work
from citysafe.core.errors import CitysafeError

log = logging.getLogger(__name__)
INTERNAL_ERROR_ZH = "内部错误，已记录，请联系管理员"
ABANDONED_ZH = "服务重启，任务被中断，请重新提交"
RESUBMITTED_ZH = "服务重启，任务被中断，已自动重新提交"
HEARTBEAT_SECONDS = 30.0
# Four missed beats: a process busy enough to miss one (a long GC pause, a slow disk) is not taken for dead.
STALE_SECONDS = 4 * HEARTBEAT_SECONDS


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Job(Timestamped, RegionScoped, Base):
    __tablename__ = "job"
    __audited__ = False  # progress rows of machine work; what the job produces is audited where it is written

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default=JobStatus.QUEUED.value, index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[str] = mapped_column(String(200), default="排队等待")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(1000))
    created_by: Mapped[str] = mapped_column(String(100))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The process that runs it and its last sign of life (``beat``); None on jobs recorded before runners.
    runner: Mapped[str | None] = mapped_column(String(120), index=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the work is about ("report id"), for a kind that a resumer can submit again after its runner stopped.
    subject: Mapped[str | None] = mapped_column(String(80))

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class JobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    progress: int
    step: str
    result: dict[str, Any] | None
    error: str | None
    region_code: str
    created_by: str
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Progress:
    """What a job's work calls to report how far it got: ``progress(40, "绘制风险分布图")``."""

    ctx: AppContext
    job_id: int

    def __call__(self, percent: int, step: str) -> None:
        _update(self.ctx, self.job_id, progress=max(0, min(100, percent)), step=step[:200])


# The work returns the job's result (ids of what it made, say); it raises to fail the job.
Work = Callable[[Progress], dict[str, Any]]


def _executor(ctx: AppContext) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=ctx.settings.job_workers, thread_name_prefix="citysafe-job")


EXECUTOR: Slot[ThreadPoolExecutor] = Slot("core.jobs.executor", _executor)


def _runner_name(ctx: AppContext) -> str:
    del ctx
    # The nonce tells apart two contexts of one process (tests) and a pid reused after a restart.
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


RUNNER: Slot[str] = Slot("core.jobs.runner", _runner_name)

# Submits a job of its kind again for a subject, in the session given (it starts once that commits).
Resume = Callable[[Session, str], None]


def _no_resumers(ctx: AppContext) -> Mapping[str, Resume]:
    del ctx
    return {}


# Kind → resumer; the registry sets it (a domain's job kinds are its own; core cannot import them).
RESUMERS: Slot[Mapping[str, Resume]] = Slot("core.jobs.resumers", _no_resumers)


def submit(session: Session, *, kind: str, region_code: str, created_by: str, work: Work,
           cleanup: Callable[[], None] | None = None, subject: str | None = None) -> Job:
    """Record a queued job in ``session``; it runs in the background once ``session`` commits. ``subject``
    names what it works on, for a kind with a resumer (``RESUMERS``)."""
    ctx = context_of(session)
    job = Job(kind=kind, region_code=region_code, created_by=created_by, status=JobStatus.QUEUED.value,
              progress=0, step="排队等待", runner=RUNNER.get(ctx), heartbeat_at=utcnow(), subject=subject)
    session.add(job)
    session.flush()
    _start_after_commit(session, ctx, job.id, work, cleanup)
    return job


_INSERT_JOB = insert(Job).returning(Job.id)


def queue(session: Session, *, kind: str, region_code: str, created_by: str, work: Work,
          subject: str | None = None) -> int:
    """``submit`` without the ORM: the job's row inserted by one statement on the session's connection, for a
    path that stores the rest of its unit of work the same way (a citizen's report: public/reports/intake.py).
    The job's id; it runs once ``session`` commits."""
    ctx, now = context_of(session), utcnow()
    # The values as parameters of a statement built once: ``.values(...)`` coerced each of them anew (~0.4 ms).
    job_id = session.connection().execute(_INSERT_JOB, {
        "kind": kind, "region_code": region_code, "created_by": created_by, "status": JobStatus.QUEUED.value,
        "progress": 0, "step": "排队等待", "runner": RUNNER.get(ctx), "heartbeat_at": now, "created_at": now,
        "updated_at": now, "subject": subject}).scalar_one()
    _start_after_commit(session, ctx, job_id, work, None)
    return int(job_id)


def _start_after_commit(session: Session, ctx: AppContext, job_id: int, work: Work,
                        cleanup: Callable[[], None] | None) -> None:
    started = False

    def start(committed: Session) -> None:
        # SQLAlchemy fires after_commit for a released SAVEPOINT too: the job's row is not visible to other
        # connections until the outermost transaction commits, so a job submitted inside ``begin_nested``
        # (a resumer of the sweep) waits for that. (A listener cannot remove itself while the event runs.)
        nonlocal started
        if started or committed.in_nested_transaction():
            return
        started = True
        EXECUTOR.get(ctx).submit(run, ctx, job_id, work, cleanup)

    event.listen(session, "after_commit", start)


def run(ctx: AppContext, job_id: int, work: Work, cleanup: Callable[[], None] | None = None) -> None:
    """Run one job's work to its end and record how it ended; never raises (it runs in a worker thread)."""
    try:
        claimed = _claimed(ctx, job_id)
    except Exception:  # the database away: the job stays queued, as when its end cannot be recorded
        log.exception("job %d could not be started", job_id)
        return
    if not claimed:
        # Its row went with a rolled-back SAVEPOINT whose outer transaction committed, or it was taken already.
        log.warning("job %d: not queued when its worker came to it, not run", job_id)
        return
    try:
        result = work(Progress(ctx, job_id))
    except Exception as exc:  # the job records every failure; a programming error is also logged in full
        if isinstance(exc, CitysafeError):
            # One field's problem reads naturally on its own; the summary prefixes the field's name.
            only = exc.fields[0] if len(exc.fields) == 1 else None
            message = (only.message_zh or only.message) if only else (exc.detail_zh or exc.detail)
        else:
            log.exception("job %d failed", job_id)
            message = INTERNAL_ERROR_ZH
        if cleanup is not None:
            try:
                cleanup()
            except Exception:
                log.exception("job %d: cleaning up after the failure failed", job_id)
        _finish(ctx, job_id, JobStatus.FAILED, error=message[:1000])
        return
    _finish(ctx, job_id, JobStatus.SUCCEEDED, result=result)


def _claimed(ctx: AppContext, job_id: int) -> bool:
    """Queued → running; False when the job is not (or no longer) queued."""
    with unit_of_work(ctx.session_factory, actor="system:jobs") as session:
        outcome = session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED.value)
                                  .values(status=JobStatus.RUNNING.value, step="开始处理", updated_at=utcnow())
                                  .execution_options(skip_scope=True))
        return int(getattr(outcome, "rowcount", 0) or 0) == 1


def _update(ctx: AppContext, job_id: int, **values: Any) -> None:
    with unit_of_work(ctx.session_factory, actor="system:jobs") as session:
        session.execute(update(Job).where(Job.id == job_id).values(updated_at=utcnow(), **values)
                        .execution_options(skip_scope=True))


def _finish(ctx: AppContext, job_id: int, status: JobStatus, *, result: dict[str, Any] | None = None,
            error: str | None = None) -> None:
    try:
        done = {"progress": 100, "step": "已完成"} if status == JobStatus.SUCCEEDED else {"step": "失败"}
        _update(ctx, job_id, status=status.value, result=result, error=error, finished_at=utcnow(), **done)
    except Exception:  # the database itself failing: the next start marks the job failed
        log.exception("job %d: its end could not be recorded", job_id)


def get(session: Session, *, job_id: int) -> Job:
    """A job inside the session's scope, else the same 404 as a missing one."""
    return get_or_404(session, Job, job_id, what="job", what_zh="任务")


def _unfinished() -> Any:
    return Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value])


def beat(ctx: AppContext) -> None:
    """Stamp this process's unfinished jobs as alive."""
    with unit_of_work(ctx.session_factory, actor="system:jobs") as session:
        session.execute(update(Job).where(_unfinished(), Job.runner == RUNNER.get(ctx))
                        .values(heartbeat_at=utcnow()).execution_options(skip_scope=True))


def unfinished_subjects(session: Session, *, kind: str) -> set[str]:
    """The subjects of the queued and running jobs of ``kind``, whichever process runs them."""
    return {subject for subject in session.scalars(
        select(Job.subject).where(_unfinished(), Job.kind == kind, Job.subject.is_not(None))
        .execution_options(skip_scope=True)) if subject}


def abandon_unfinished(ctx: AppContext) -> int:
    """Mark failed the unfinished jobs of processes that stopped (no heartbeat for ``STALE_SECONDS``, or none
    recorded), never this process's own, and submit again those a resumer takes back; returns how many failed.

    Each is failed by an update of its own row that still finds it unfinished, so of two processes sweeping at
    once only one resubmits it."""
    stale_before = utcnow() - timedelta(seconds=STALE_SECONDS)
    stale = (_unfinished(), or_(Job.runner.is_(None), Job.runner != RUNNER.get(ctx)),
             or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale_before))
    resumers = RESUMERS.get(ctx)
    failed = 0
    with unit_of_work(ctx.session_factory, actor="system:jobs") as session:
        found = session.execute(select(Job.id, Job.kind, Job.subject).where(*stale).order_by(Job.id)
                                .execution_options(skip_scope=True)).all()
        for job_id, kind, subject in found:
            resume = resumers.get(kind) if subject else None
            outcome = session.execute(
                update(Job).where(Job.id == job_id, *stale)
                .values(status=JobStatus.FAILED.value, error=RESUBMITTED_ZH if resume else ABANDONED_ZH,
                        step="失败", finished_at=utcnow(), updated_at=utcnow())
                .execution_options(skip_scope=True))
            if int(getattr(outcome, "rowcount", 0) or 0) != 1:
                continue  # another process's sweep took it first
            failed += 1
            if resume is not None and subject:
                _resume_or_leave_failed(session, job_id, resume, subject)
    return failed


def _resume_or_leave_failed(session: Session, job_id: int, resume: Resume, subject: str) -> None:
    """Run one resumer in a savepoint: when it fails, the job stays failed with the usual message (resubmit by
    hand) and the sweep goes on, so one broken resumer cannot stop every later sweep."""
    try:
        with session.begin_nested():
            resume(session, subject)
    except Exception:
        log.exception("jobs: job %d could not be submitted again", job_id)
        session.execute(update(Job).where(Job.id == job_id).values(error=ABANDONED_ZH)
                        .execution_options(skip_scope=True))


def _beat_and_sweep(ctx: AppContext) -> None:
    beat(ctx)
    abandoned = abandon_unfinished(ctx)
    if abandoned:
        log.warning("jobs: %d left unfinished by a stopped process marked failed", abandoned)


@asynccontextmanager
async def running(app: Any, ctx: AppContext) -> AsyncIterator[None]:
    """The jobs of a serving process: the unfinished ones of stopped processes are failed at start and at each
    heartbeat, this process's own are kept alive, and the worker threads are stopped (running work finishes
    first) when the app stops."""
    async def keep_beating() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await asyncio.to_thread(_beat_and_sweep, ctx)
            except Exception:  # a database that is briefly away: the next beat tries again
                log.exception("jobs: heartbeat failed")

    await asyncio.to_thread(_beat_and_sweep, ctx)
    beating = asyncio.create_task(keep_beating(), name="citysafe-job-heartbeat")
    try:
        yield
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
        executor = ctx.extras.pop(EXECUTOR.name, None)  # a later start of the same context makes a new one
        if isinstance(executor, ThreadPoolExecutor):
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
