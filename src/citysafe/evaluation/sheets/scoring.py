"""A sheet's score: its items' findings through the engine, or the result it was locked with; and the sheet as
read — the criteria's words beside each item's score and explanation, its owners, progress, facts and evidence.

A locked sheet is read from its ``result`` snapshot and its own criteria version, so neither a later version
nor a change of the engine moves its figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.errors import field_error
from citysafe.evaluation import criteria_store
from citysafe.evaluation.calc.criteria import CriteriaSet, Item
from citysafe.evaluation.calc.engine import Finding, ScoreError, ScoreResult, score
from citysafe.evaluation.models import CriteriaVersion, Evidence, Sheet, SheetItem
from citysafe.evaluation.sheets.schemas import (
    PURPOSE_NAMES_ZH,
    STATE_NAMES_ZH,
    EvidenceRead,
    LineRead,
    Purpose,
    SheetDetail,
    SheetItemRead,
    SheetRead,
    SheetState,
)


def finding_of(row: SheetItem) -> Finding:
    """The engine's input for one stored item."""
    if row.not_applicable:
        return Finding(not_applicable=row.na_reason)
    return Finding.model_validate({"findings": row.findings or {}, "deduction": row.deduction,
                                   "reason": row.reason})


def refusal(exc: ScoreError, field: str = "findings") -> Exception:
    """An engine refusal as a problem naming the field, the item's path kept in both languages."""
    english, _, chinese = str(exc).partition(" / ")
    where = english.split(":", 1)[0]
    return field_error(field, english, f"{where}：{chinese}" if chinese else english)


def compute(criteria: CriteriaSet, findings: Mapping[str, Finding]) -> ScoreResult:
    try:
        return score(criteria, findings)
    except ScoreError as exc:
        raise refusal(exc) from None


def items_of(session: Session, sheet: Sheet) -> list[SheetItem]:
    return list(session.scalars(select(SheetItem).where(SheetItem.sheet_id == sheet.id).order_by(SheetItem.id)))


def result_of(session: Session, sheet: Sheet, criteria: CriteriaSet) -> dict[str, Any]:
    """The locked snapshot, or the result computed now from the stored findings."""
    if sheet.state == SheetState.LOCKED and sheet.result is not None:
        return sheet.result
    findings = {row.item_id: finding_of(row) for row in items_of(session, sheet)}
    return compute(criteria, findings).as_dict()


def header(sheet: Sheet, version: CriteriaVersion) -> dict[str, Any]:
    return {"id": sheet.id, "purpose": sheet.purpose, "purpose_name": PURPOSE_NAMES_ZH[Purpose(sheet.purpose)],
            "year": sheet.year, "applicant_id": sheet.applicant_id, "subject_name": sheet.subject_name,
            "subject_org_id": sheet.subject_org_id, "region_code": sheet.region_code, "criteria_id": version.id,
            "criteria_set": version.set_id, "criteria_version": version.version, "criteria_title": version.title,
            "state": sheet.state, "state_name": STATE_NAMES_ZH[SheetState(sheet.state)],
            "state_note": sheet.state_note, "total": None if sheet.total is None else float(sheet.total),
            "grade": sheet.grade, "performance_grade": criteria_store.performance_grade(version, sheet.grade),
            "locked_at": sheet.locked_at, "locked_by": sheet.locked_by, "created_by": sheet.created_by}


def read_sheet(sheet: Sheet, version: CriteriaVersion) -> SheetRead:
    return SheetRead.model_validate(header(sheet, version))


def _rules_text(item: Item) -> list[str]:
    return [rule.text or rule.id for rule in item.rules] or ["由评审人员按评价内容扣分并说明理由"]


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def detail(session: Session, sheet: Sheet) -> SheetDetail:
    """The sheet with every scored item, its criteria words and its explanation."""
    version = criteria_store.get(session, criteria_id=sheet.criteria_id)
    criteria = criteria_store.as_set(version)
    result = result_of(session, sheet, criteria)
    rows = {row.item_id: row for row in items_of(session, sheet)}
    evidence: dict[int, list[EvidenceRead]] = {}
    for ev in session.scalars(select(Evidence).where(Evidence.sheet_id == sheet.id).order_by(Evidence.id)):
        evidence.setdefault(ev.sheet_item_id, []).append(EvidenceRead.model_validate(ev))
    scored = {entry["item"]: entry for entry in result["items"]}
    items = [_item_read(above, item, scored[item.id], rows.get(item.id), evidence)
             for above, item in criteria.leaves() if item.id in scored]
    base = header(sheet, version)
    if sheet.state != SheetState.LOCKED:  # a draft shows the figures as they stand
        base["total"], base["grade"] = result["total"], result["grade"] or ""
        base["performance_grade"] = criteria_store.performance_grade(version, base["grade"])
    return SheetDetail.model_validate(base | {
        "summary": result["summary_zh"], "total_points": result["total_points"],
        "applicable_points": result["applicable_points"], "base": result["base"], "bonus": result["bonus"],
        "levels": result["levels"], "items": items})


def _item_read(above: Sequence[Item], item: Item, scored: Mapping[str, Any], row: SheetItem | None,
               evidence: Mapping[int, list[EvidenceRead]]) -> SheetItemRead:
    level1 = above[0].label if above else ""
    level2 = above[1].label if len(above) > 1 else ""
    return SheetItemRead(
        item_id=item.id, no=item.no, label=item.label, level1=level1, level2=level2, content=item.content,
        rules_text=_rules_text(item), verified=item.verified, points=float(item.points),
        score=_number(scored["score"]), deduction=float(scored["deduction"]), bonus=bool(scored["bonus"]),
        lines=[LineRead.model_validate(line) for line in scored["lines"]], explanation=scored["text_zh"],
        findings=dict(row.findings or {}) if row else {},
        reviewer_deduction=_number(row.deduction) if row else None, reason=row.reason if row else "",
        not_applicable=bool(row and row.not_applicable), na_reason=row.na_reason if row else "",
        responsible_units=list(row.responsible_units or []) if row else [],
        supporting_units=list(row.supporting_units or []) if row else [], contact=row.contact if row else "",
        deadline=row.deadline if row else None, progress=row.progress if row else "",
        done=bool(row and row.done), facts=list(row.facts or []) if row else [],
        evidence=evidence.get(row.id, []) if row else [])


def refresh_total(session: Session, sheet: Sheet, criteria: CriteriaSet) -> ScoreResult:
    """Keep a draft's total and grade current (a locked sheet's are frozen)."""
    findings = {row.item_id: finding_of(row) for row in items_of(session, sheet)}
    result = compute(criteria, findings)
    sheet.total = result.total.quantize(Decimal("0.01"))
    sheet.grade = result.grade or ""
    return result
