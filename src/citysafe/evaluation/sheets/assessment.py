"""安全生产责任考核 of a year: the assessed lower governments and departments of the reader's region, each with its
total, grade (the set's bands) and the 部门绩效等级 the grade leads to (plan 四（三）: "建立完善安全生产绩效与部门
绩效等级挂钩制度"; the table itself is [U] data on the criteria version, see criteria_store)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.evaluation import criteria_store
from citysafe.evaluation.models import CriteriaVersion, Sheet
from citysafe.evaluation.sheets.schemas import STATE_NAMES_ZH, Overview, OverviewRow, Purpose, SheetState


def overview(session: Session, *, year: int) -> Overview:
    """Locked sheets first (their figures are final), then by total, highest first."""
    sheets = list(session.scalars(select(Sheet).where(Sheet.purpose == Purpose.ASSESSMENT.value, Sheet.year == year)))
    versions = {v.id: v for v in session.scalars(select(CriteriaVersion).where(
        CriteriaVersion.id.in_({s.criteria_id for s in sheets})))} if sheets else {}
    sheets.sort(key=lambda s: (s.state != SheetState.LOCKED.value, -(s.total or 0), s.subject_name))
    rows = [OverviewRow(sheet_id=s.id, subject_name=s.subject_name, region_code=s.region_code,
                        state=SheetState(s.state), state_name=STATE_NAMES_ZH[SheetState(s.state)],
                        total=None if s.total is None else float(s.total), grade=s.grade,
                        performance_grade=criteria_store.performance_grade(versions[s.criteria_id], s.grade),
                        criteria_version=versions[s.criteria_id].version) for s in sheets]
    by_grade: dict[str, int] = {}
    for row in rows:
        if row.state == SheetState.LOCKED and row.grade:
            by_grade[row.grade] = by_grade.get(row.grade, 0) + 1
    return Overview(year=year, rows=rows, by_grade=by_grade, performance_source=criteria_store.PERFORMANCE_SOURCE)
