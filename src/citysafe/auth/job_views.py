"""The jobs API: how far a background job (a white paper) has got, and what it made.

The job table lives in core (``core.jobs``) because every domain may run long work; auth serves it, as it
serves the audit log. A job belongs to the region it was submitted for: the caller's scope applies, and a
job outside it answers 404 like a missing one.
"""

from __future__ import annotations

from fastapi import APIRouter

from citysafe.auth.deps import CurrentPrincipal, DbSession
from citysafe.core import jobs
from citysafe.core.bounds import RowId
from citysafe.core.jobs import JobRead

router = APIRouter(tags=["jobs"])


@router.get("/jobs/{job_id}", response_model=JobRead, operation_id="jobs_get")
def get_job(job_id: RowId, db: DbSession, principal: CurrentPrincipal) -> JobRead:
    """A background job: ``status`` queued, running, succeeded or failed; ``progress`` 0–100 with the
    Chinese ``step``; ``result`` names what it made (``report_id``), ``error`` says in Chinese why it failed."""
    return JobRead.model_validate(jobs.get(db, job_id=job_id))
