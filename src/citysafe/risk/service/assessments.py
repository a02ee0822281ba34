"""Assessing sources: run a named calculator, store the record, derive the assessed and current level.

A source's assessed level is the highest level among the latest assessment of each method (就高): a
chemical plant graded by GB 18218 and by LEC answers for the worse of the two. Its current level then
adds the live factors (open hazards, active alarms) by the dynamic rules; the assessed level stays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.clock import utcnow
from citysafe.core.errors import field_error
from citysafe.core.events import publish
from citysafe.risk.calc.levels import RiskLevel, max_level
from citysafe.risk.calc.registry import Assessment, get_method
from citysafe.risk.events import RiskAssessed, RiskLevelChanged
from citysafe.risk.models import RiskAssessment, RiskFactor, RiskSource
from citysafe.risk.rules import ActiveFactor, DynamicRule, dynamic_level
from citysafe.risk.schemas import AssessmentCreate

Outcome = Assessment  # what ``evaluate`` answers: the method's assessment, graded


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])


def evaluate(method: str, params: Mapping[str, Any], *, grade_levels: Mapping[int, RiskLevel]) -> Outcome:
    """Run ``method`` on ``params``; ValueError with a one-line reason on bad input."""
    chosen = get_method(method)
    try:
        record = chosen.assess(dict(params))
    except ValidationError as exc:
        raise ValueError(_first_error(exc)) from None
    return chosen.grade(record, grade_levels)


def evaluate_or_error(assessment_in: AssessmentCreate, *, grade_levels: Mapping[int, RiskLevel]) -> Outcome:
    try:
        return evaluate(assessment_in.method, assessment_in.params, grade_levels=grade_levels)
    except ValueError as exc:
        raise field_error("params", str(exc).splitlines()[0], f"评估参数有误：{str(exc).splitlines()[0]}") from None


def build(*, source: RiskSource, outcome: Outcome, assessor: str, assessor_name: str, at: datetime,
          note: str = "") -> RiskAssessment:
    """The record of an assessment, not yet added (bulk loads add many and flush once)."""
    return RiskAssessment(
        source_id=source.id, region_code=source.region_code, organization_id=source.organization_id,
        method=outcome.method, version=outcome.version, preset=outcome.preset, inputs=outcome.inputs,
        result=outcome.result, level=outcome.level.value if outcome.level else None,
        assessor=assessor, assessor_name=assessor_name or assessor, assessed_at=at, note=note,
    )


def store(session: Session, *, source: RiskSource, outcome: Outcome, assessor: str, assessor_name: str,
          at: datetime, note: str = "") -> RiskAssessment:
    record = build(source=source, outcome=outcome, assessor=assessor, assessor_name=assessor_name, at=at, note=note)
    session.add(record)
    session.flush()
    return record


def assess_source(session: Session, *, source: RiskSource, assessment_in: AssessmentCreate, assessor: str,
                  assessor_name: str, at: datetime, grade_levels: Mapping[int, RiskLevel],
                  rules: Sequence[DynamicRule]) -> RiskAssessment:
    outcome = evaluate_or_error(assessment_in, grade_levels=grade_levels)
    record = store(session, source=source, outcome=outcome, assessor=assessor, assessor_name=assessor_name,
                   at=at, note=assessment_in.note)
    refresh_assessed(session, source=source)
    refresh_current(session, sources=[source], rules=rules)
    publish(session, RiskAssessed(source_id=source.id, region_code=source.region_code, method=record.method,
                                  level=record.level, assessed_level=source.assessed_level))
    return record


def history(session: Session, *, source_id: int) -> list[RiskAssessment]:
    stmt = (select(RiskAssessment).where(RiskAssessment.source_id == source_id)
            .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc()))
    return list(session.scalars(stmt))


def refresh_assessed(session: Session, *, source: RiskSource) -> None:
    """Assessed level = the highest of the latest assessment of each method."""
    latest: dict[str, RiskAssessment] = {}
    for record in history(session, source_id=source.id):
        latest.setdefault(record.method, record)
    levels = [RiskLevel(r.level) if r.level else None for r in latest.values()]
    best = max_level(levels)
    source.assessed_level = best.value if best else None
    source.assessed_at = max((r.assessed_at for r in latest.values()), default=None)


def active_factors(session: Session, *, sources: Sequence[RiskSource]) -> dict[int, list[RiskFactor]]:
    """Active factors per source id: those pinned to the source and those of its organisation."""
    ids = [s.id for s in sources]
    orgs = {s.organization_id for s in sources if s.organization_id is not None}
    if not ids:
        return {}
    cond: Any = RiskFactor.source_id.in_(ids)
    if orgs:
        cond = cond | RiskFactor.organization_id.in_(orgs)
    rows = session.scalars(select(RiskFactor).where(RiskFactor.cleared_at.is_(None), cond)
                           .execution_options(skip_scope=True).order_by(RiskFactor.id))
    out: dict[int, list[RiskFactor]] = {i: [] for i in ids}
    by_org: dict[int, list[int]] = {}
    for s in sources:
        if s.organization_id is not None:
            by_org.setdefault(s.organization_id, []).append(s.id)
    for factor in rows:
        targets = set()
        if factor.source_id in out:
            targets.add(factor.source_id)
        if factor.organization_id is not None:
            targets.update(by_org.get(factor.organization_id, []))
        for target in targets:
            out[target].append(factor)
    return out


def refresh_current(session: Session, *, sources: Sequence[RiskSource], rules: Sequence[DynamicRule],
                    announce: bool = True, at: datetime | None = None) -> int:
    """Recompute the current level of ``sources`` as of ``at`` (now); publishes RiskLevelChanged for each change.

    Bulk loads (imports, the demo) pass ``announce=False`` and publish one summary event instead.
    """
    factors = active_factors(session, sources=sources)
    now = at or utcnow()
    changed = 0
    for source in sources:
        assessed = RiskLevel(source.assessed_level) if source.assessed_level else None
        active = [ActiveFactor(f.kind, f.subkind, f.ref_id, f.opened_at) for f in factors.get(source.id, [])]
        current, reasons = dynamic_level(assessed, active, rules, now=now)
        new_value = current.value if current else None
        if reasons != (source.level_reasons or []):
            source.level_reasons = reasons
        if new_value != source.current_level:
            previous = source.current_level
            source.current_level = new_value
            changed += 1
            if not announce:
                continue
            publish(session, RiskLevelChanged(
                source_id=source.id, region_code=source.region_code, organization_id=source.organization_id,
                previous_level=previous, current_level=new_value, assessed_level=source.assessed_level,
                reasons=[r["reason_zh"] for r in reasons]))
    session.flush()
    return changed

