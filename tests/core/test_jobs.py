"""Background jobs (core/jobs.py): they start only after the submitting transaction commits, report
progress, record success or a Chinese error, clean up after a failure, and do not outlive a restart."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from tests.support.waiting import until_sync

from citysafe.core import jobs
from citysafe.core.clock import utcnow
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import field_error
from citysafe.registry import load_models


def wait_finished(ctx: AppContext, job_id: int) -> jobs.Job:
    def finished() -> bool:
        with unit_of_work(ctx.session_factory) as session:
            return jobs.get(session, job_id=job_id).finished

    until_sync(finished, what=f"job {job_id} to finish", timeout=30)
    with unit_of_work(ctx.session_factory) as session:
        return jobs.get(session, job_id=job_id)


def submit(ctx: AppContext, work: jobs.Work, cleanup: Any = None) -> int:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        return jobs.submit(session, kind="test", region_code="320102", created_by="tests", work=work,
                           cleanup=cleanup).id


def test_a_job_reports_progress_and_its_result(ctx: AppContext) -> None:
    seen: list[tuple[int, str]] = []
    release = threading.Event()

    def work(progress: jobs.Progress) -> dict[str, Any]:
        progress(40, "绘制风险分布图")
        release.wait(10)
        return {"report_id": 7}

    job_id = submit(ctx, work)

    def progressed() -> bool:
        with unit_of_work(ctx.session_factory) as session:
            job = jobs.get(session, job_id=job_id)
            if job.progress == 40:
                seen.append((job.progress, job.step))
        return bool(seen)

    until_sync(progressed, what="the job's progress 40", timeout=10, interval=0.02)
    release.set()
    assert seen == [(40, "绘制风险分布图")]
    done = wait_finished(ctx, job_id)
    assert (done.status, done.progress, done.result, done.error) == ("succeeded", 100, {"report_id": 7}, None)


def test_a_failed_job_cleans_up_and_says_why_in_chinese(ctx: AppContext, tmp_path: Path) -> None:
    out = tmp_path / "whitepaper-320102"

    def refused(progress: jobs.Progress) -> dict[str, Any]:
        out.mkdir()
        (out / "half.html").write_text("<p>")
        raise field_error("region", "no risk sources", "玄武区尚未登记风险源，无法编制白皮书")

    def broken(progress: jobs.Progress) -> dict[str, Any]:
        raise RuntimeError("a bug, with internals the user must not see")

    import shutil

    first = wait_finished(ctx, submit(ctx, refused, cleanup=lambda: shutil.rmtree(out)))
    assert (first.status, first.error) == ("failed", "玄武区尚未登记风险源，无法编制白皮书")
    assert not out.exists()  # the half-written folder is gone
    second = wait_finished(ctx, submit(ctx, broken))
    assert second.status == "failed" and second.error == jobs.INTERNAL_ERROR_ZH


def test_a_rolled_back_submission_starts_nothing(ctx: AppContext) -> None:
    ran = threading.Event()

    def work(progress: jobs.Progress) -> dict[str, Any]:
        ran.set()
        return {}

    session = ctx.session_factory()
    jobs.submit(session, kind="test", region_code="320102", created_by="tests", work=work)
    session.rollback()  # the request failed after submitting
    session.close()
    assert not ran.wait(0.5)


def test_jobs_left_running_by_a_stopped_process_are_failed_at_start(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        for status in ("queued", "running", "succeeded"):
            session.add(jobs.Job(kind="test", region_code="320102", created_by="tests", status=status))
    assert jobs.abandon_unfinished(ctx) == 2
    with unit_of_work(ctx.session_factory) as session:
        rows = session.query(jobs.Job).order_by(jobs.Job.id).all()
        assert [(j.status, j.error) for j in rows] == [("failed", jobs.ABANDONED_ZH), ("failed", jobs.ABANDONED_ZH),
                                                       ("succeeded", None)]


def second_process(ctx: AppContext) -> AppContext:
    """Another ``citysafe serve`` on the same database: a context of its own, hence another runner."""
    return AppContext(settings=ctx.settings, engine=ctx.engine, signer=ctx.signer)


def test_a_process_starting_beside_a_running_one_leaves_its_jobs_alone(ctx: AppContext) -> None:
    release, started = threading.Event(), threading.Event()

    def work(progress: jobs.Progress) -> dict[str, Any]:
        started.set()
        assert release.wait(30)
        return {"done": True}

    job_id = submit(ctx, work)
    assert started.wait(30)
    other = second_process(ctx)
    assert jobs.RUNNER.get(other) != jobs.RUNNER.get(ctx)
    assert jobs.abandon_unfinished(other) == 0  # what the other process does at its start and every beat
    release.set()
    job = wait_finished(ctx, job_id)
    assert (job.status, job.result, job.error) == ("succeeded", {"done": True}, None)


def test_jobs_of_a_process_that_stopped_beating_are_failed_by_another(ctx: AppContext) -> None:
    stale = utcnow() - timedelta(seconds=jobs.STALE_SECONDS + 5)
    recent = utcnow() - timedelta(seconds=jobs.HEARTBEAT_SECONDS)
    with unit_of_work(ctx.session_factory) as session:
        for runner, heartbeat in (("gone:1:aa", stale), ("alive:2:bb", recent), (jobs.RUNNER.get(ctx), stale)):
            session.add(jobs.Job(kind="test", region_code="320102", created_by="tests", status="running",
                                 runner=runner, heartbeat_at=heartbeat))
    assert jobs.abandon_unfinished(ctx) == 1
    with unit_of_work(ctx.session_factory) as session:
        rows = session.query(jobs.Job).order_by(jobs.Job.id).all()
        assert [(j.runner, j.status) for j in rows] == [
            ("gone:1:aa", "failed"), ("alive:2:bb", "running"), (jobs.RUNNER.get(ctx), "running")]
    # This process's beat brings its own job back to life; the other's is untouched.
    jobs.beat(ctx)
    with unit_of_work(ctx.session_factory) as session:
        own = session.query(jobs.Job).filter(jobs.Job.runner == jobs.RUNNER.get(ctx)).one()
        other = session.query(jobs.Job).filter(jobs.Job.runner == "alive:2:bb").one()
        assert own.heartbeat_at is not None and own.heartbeat_at > recent
        assert other.heartbeat_at is not None and abs((other.heartbeat_at - recent).total_seconds()) < 1
    assert jobs.abandon_unfinished(second_process(ctx)) == 0


def test_a_stale_job_of_a_kind_that_resumes_is_submitted_again_once(ctx: AppContext) -> None:
    """A kind with a resumer is failed with its own message and submitted again in the same transaction, by one
    sweeping process only; a kind without one, or a job without a subject, is failed as before."""
    stale = utcnow() - timedelta(seconds=jobs.STALE_SECONDS + 5)
    resumed: list[str] = []

    def resume(session: Any, subject: str) -> None:
        resumed.append(subject)
        jobs.submit(session, kind="photos", region_code="320102", created_by="tests", subject=subject,
                    work=lambda _progress: {"again": subject})

    with unit_of_work(ctx.session_factory) as session:
        for kind, subject in (("photos", "41"), ("test", "42"), ("photos", None)):
            session.add(jobs.Job(kind=kind, region_code="320102", created_by="tests", status="running",
                                 runner="gone:1:aa", heartbeat_at=stale, subject=subject))
    other = second_process(ctx)
    jobs.RESUMERS.set(ctx, {"photos": resume})
    jobs.RESUMERS.set(other, {"photos": resume})
    assert jobs.abandon_unfinished(ctx) == 3
    assert jobs.abandon_unfinished(other) == 0  # a neighbour sweeping after it finds nothing left to take
    assert resumed == ["41"]
    with unit_of_work(ctx.session_factory) as session:
        rows = session.query(jobs.Job).order_by(jobs.Job.id).all()
        assert [(j.kind, j.subject, j.error) for j in rows[:3]] == [
            ("photos", "41", jobs.RESUBMITTED_ZH), ("test", "42", jobs.ABANDONED_ZH),
            ("photos", None, jobs.ABANDONED_ZH)]
        again = rows[3].id
    job = wait_finished(ctx, again)
    assert (job.kind, job.subject, job.status, job.result) == ("photos", "41", "succeeded", {"again": "41"})


def test_a_failing_resumer_leaves_its_job_failed_and_the_sweep_goes_on(ctx: AppContext) -> None:
    stale = utcnow() - timedelta(seconds=jobs.STALE_SECONDS + 5)
    resumed: list[str] = []

    def resume(session: Any, subject: str) -> None:
        if subject == "41":
            session.add(jobs.Job(kind="half-written", region_code="320102", created_by="tests"))
            session.flush()
            raise RuntimeError("the database went away")
        resumed.append(subject)

    with unit_of_work(ctx.session_factory) as session:
        for subject in ("41", "43"):
            session.add(jobs.Job(kind="photos", region_code="320102", created_by="tests", status="running",
                                 runner="gone:1:aa", heartbeat_at=stale, subject=subject))
    jobs.RESUMERS.set(ctx, {"photos": resume})
    assert jobs.abandon_unfinished(ctx) == 2
    assert resumed == ["43"]
    with unit_of_work(ctx.session_factory) as session:
        rows = session.query(jobs.Job).order_by(jobs.Job.id).all()
        assert [(j.kind, j.subject, j.status, j.error) for j in rows] == [  # nothing of the broken one's work stays
            ("photos", "41", "failed", jobs.ABANDONED_ZH), ("photos", "43", "failed", jobs.RESUBMITTED_ZH)]


class _Submissions:
    """Stands in for the worker threads: records what would start, runs nothing until asked."""

    def __init__(self) -> None:
        self.started: list[tuple[Any, ...]] = []

    def submit(self, fn: Any, *args: Any) -> None:
        self.started.append((fn, *args))


def test_a_job_submitted_in_a_savepoint_starts_when_the_outer_transaction_commits(ctx: AppContext) -> None:
    """SQLAlchemy fires after_commit when a SAVEPOINT is released; a job started then would look for a row no
    other connection can see yet (on PostgreSQL its start and end updated nothing and it stayed queued)."""
    held, ran = _Submissions(), []
    jobs.EXECUTOR.set(ctx, held)  # type: ignore[arg-type]
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        with session.begin_nested():
            kept = jobs.submit(session, kind="test", region_code="320102", created_by="tests",
                               work=lambda _progress: {"kept": True}).id
        assert held.started == []  # the savepoint is released, the transaction is not committed
        try:
            with session.begin_nested():
                jobs.submit(session, kind="test", region_code="320102", created_by="tests",
                            work=lambda _progress: {"kept": bool(ran.append("undone"))})
                raise RuntimeError("this part of the work is undone")
        except RuntimeError:
            pass
    assert [args[2] for args in held.started] == [kept, kept + 1]  # both listeners fire at the commit…
    for fn, *args in held.started:
        fn(*args)
    with unit_of_work(ctx.session_factory) as session:  # …and only the job whose row exists runs
        rows = session.query(jobs.Job).order_by(jobs.Job.id).all()
        assert [(j.id, j.status, j.result) for j in rows] == [(kept, "succeeded", {"kept": True})]
    assert ran == []


def test_the_job_runner_migration_matches_the_model(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
        columns = {c["name"] for c in conn.dialect.get_columns(conn, "job")}
    assert {"runner", "heartbeat_at", "subject"} <= columns
    assert [d for d in diffs if "'job'" in repr(d) or "ix_job_" in repr(d)] == []
