"""The platform's own evidence under ``/api/v1/evaluation``: the facts of a region and year, and a score
sheet's items filled with them. A sheet outside the caller's region is not found."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.deps import Context, DbSession
from citysafe.core.bounds import MAX_YEAR, MIN_YEAR, RowId
from citysafe.core.errors import not_found
from citysafe.evaluation.access import Reader, Writer
from citysafe.evaluation.facts import compute
from citysafe.evaluation.indicators.views import Region, region_of
from citysafe.evaluation.models import Sheet

router = APIRouter(prefix="/evaluation", tags=["evaluation facts"])


class FactRecord(BaseModel):
    type: str
    id: int | str | None
    label: str
    url: str


class FactRead(BaseModel):
    key: str
    label: str
    value: float | int | str | None
    unit: str
    as_of: str = Field(description="ISO 8601, UTC")
    records: list[FactRecord]
    note: str


class FactsRead(BaseModel):
    region_code: str
    year: int
    facts: list[FactRead]


class RefreshRead(BaseModel):
    sheet_id: int
    items: int = Field(description="how many sheet items were filled")


def sheet_in_scope(session: Session, sheet_id: int) -> Sheet:
    """The sheet, read through the session's scope: one outside the caller's region is not found."""
    sheet = session.scalars(select(Sheet).where(Sheet.id == sheet_id)).first()
    if sheet is None:
        raise not_found("sheet", "评分表", sheet_id)
    return sheet


@router.get("/facts", response_model=FactsRead, operation_id="evaluation_facts")
def facts(db: DbSession, ctx: Context, principal: Reader, year: Annotated[int, Query(ge=MIN_YEAR, le=MAX_YEAR)],
          region: Region = None) -> Any:
    """Figures the platform holds for the region and year (risk registry, hazards, permits, enforcement, fire
    monitoring, plans, drills, reports, shelters), each with the records behind it."""
    code = region_of(principal, region)
    found = compute.compute(db, region_code=code, year=year, settings=ctx.settings, now=ctx.clock.now())
    return {"region_code": code, "year": year, "facts": found}


@router.post("/sheets/{sheet_id}/facts", response_model=RefreshRead, operation_id="evaluation_sheet_facts")
def refresh(sheet_id: RowId, db: DbSession, ctx: Context, principal: Writer) -> RefreshRead:
    """Fill the sheet's items that the platform can evidence (evaluation/data/fact-items.json) with the current
    facts of the sheet's region and year; running it again brings them up to date."""
    sheet = sheet_in_scope(db, sheet_id)
    count = compute.refresh_sheet_facts(db, sheet=sheet, now=ctx.clock.now(), settings=ctx.settings)
    return RefreshRead(sheet_id=sheet.id, items=count)
