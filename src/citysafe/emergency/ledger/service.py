"""The accident ledger: closed 事故灾难 incidents written into it, listed, counted and exported.

Which incidents enter it is decided in one place, ``counts_in_ledger``: an incident of 事故灾难 that is not a
drill. A drill run in drill mode (issue #12 point 6, emergency/drill_mode.py) is an incident with ``is_drill``:
it never enters, so no list or statistic of the ledger counts it.

When: the incident's response ends (响应终止), not when it is archived (归档). An accident whose response has
ended is over as an emergency and its figures are the ones of record; 善后/调查 may take months (the
investigation report is due within 60 days, 第493号令 第二十九条, extendable) and a ledger waiting for 归档 would
leave this year's statistics short. Casualties re-reported afterwards within the 补报 window (第十三条) update
the entry (``emergency.service.report_casualties``), and 归档 writes it once more; outside the window the figures
are recorded on the incident only, as its grade is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from citysafe.core.clock import to_local
from citysafe.core.config import Settings
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, NotFound, field_error
from citysafe.core.pagination import PageParams
from citysafe.core.scope import in_region
from citysafe.emergency import drill_mode
from citysafe.emergency.calc.grade import Casualties, grade
from citysafe.emergency.ledger import industries
from citysafe.emergency.ledger.models import LedgerEntry
from citysafe.emergency.ledger.schemas import (
    SOURCE_NAMES_ZH,
    LedgerFilter,
    LedgerRead,
    LedgerStats,
    LedgerUpdate,
    StatRow,
)
from citysafe.emergency.models import Incident, IncidentGrading
from citysafe.emergency.rules import Rules, rules
from citysafe.orgs import service as orgs_service
from citysafe.regions import service as regions_service

PLATFORM, IMPORTED = "platform", "import"
LEDGER_CATEGORY = "accident"
PEOPLE = ("deaths", "missing", "serious_injuries", "minor_injuries")
FIGURES = (*PEOPLE, "direct_loss_yuan")


def counts_in_ledger(incident: Incident) -> bool:
    """The one seam deciding what enters the ledger: 事故灾难, and not a drill (an incident run in drill mode
    "stays out of the accident ledger and the statistics", drill_mode.is_drill)."""
    return incident.category == LEDGER_CATEGORY and not drill_mode.is_drill(incident)


def natural_key(*, occurred_at: datetime, region_code: str, subtype: str, uscc: str | None, unit_name: str) -> str:
    """One accident: the minute it happened (China time), the division, the type and the unit (its credit code
    when known, else its name). The same accident imported twice, or imported after the platform recorded it,
    has the same key."""
    text = "|".join((to_local(occurred_at).strftime("%Y-%m-%dT%H:%M"), region_code, subtype,
                     uscc or unit_name.strip()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def set_figures(entry: LedgerEntry, the_rules: Rules, **figures: int) -> None:
    """The figures, and the grade 第493号令 第三条 gives them (calc/grade.py, the rules' thresholds)."""
    for name in FIGURES:
        setattr(entry, name, int(figures[name]))
    result = grade(Casualties(deaths=entry.deaths, missing=entry.missing, serious_injuries=entry.serious_injuries,
                              minor_injuries=entry.minor_injuries, loss_yuan=entry.direct_loss_yuan),
                   the_rules.grades)
    entry.grade, entry.grade_decided_by = result.grade.code, result.decided_by


def _uscc_of(session: Session, incident: Incident) -> str | None:
    if incident.organization_id is None:
        return None
    try:
        return orgs_service.get(session, org_id=incident.organization_id).uscc
    except NotFound:
        return None


def _counted_figures(session: Session, incident: Incident) -> dict[str, int]:
    """The figures of the incident's last casualty report that counted (within the 补报 window, 第十三条), the
    ones its grade follows; a report after the window is recorded on the incident but not in the ledger."""
    last = session.scalars(select(IncidentGrading).where(IncidentGrading.incident_id == incident.id,
                                                         IncidentGrading.counted.is_(True))
                           .order_by(IncidentGrading.at.desc(), IncidentGrading.id.desc()).limit(1)).first()
    source: Any = last if last is not None else incident
    return {"deaths": source.deaths, "missing": source.missing, "serious_injuries": source.serious_injuries,
            "minor_injuries": source.minor_injuries, "direct_loss_yuan": source.loss_yuan}


def record_incident(session: Session, *, incident: Incident, settings: Settings, now: datetime) -> LedgerEntry | None:
    """Write or update the incident's entry in the caller's transaction; None for an incident the ledger
    leaves out. An imported row of the same accident (same natural key) becomes the platform's entry."""
    if not counts_in_ledger(incident):
        return None
    figures = _counted_figures(session, incident)
    entry = session.scalars(select(LedgerEntry).where(LedgerEntry.incident_id == incident.id)).first()
    # What the incident knows wins; what an office completed on the entry (unit, credit code) is kept.
    uscc = _uscc_of(session, incident) or (entry.uscc if entry else None)
    unit_name = incident.unit_name or (entry.unit_name if entry else "")
    key = natural_key(occurred_at=incident.occurred_at, region_code=incident.region_code, subtype=incident.subtype,
                      uscc=uscc, unit_name=unit_name)
    if entry is None:
        entry = session.scalars(select(LedgerEntry).where(LedgerEntry.natural_key == key)).first()
    if entry is None:
        entry = LedgerEntry(created_at=now)
    entry.source, entry.incident_id, entry.import_file, entry.import_row = PLATFORM, incident.id, "", None
    entry.natural_key, entry.region_code, entry.occurred_at = key, incident.region_code, incident.occurred_at
    entry.occurred_year = to_local(incident.occurred_at).year
    entry.category, entry.subtype = incident.category, incident.subtype
    entry.industry_code = entry.industry_code or ""
    entry.unit_name, entry.uscc = unit_name, uscc
    entry.description = entry.description or f"{incident.title}：{incident.description}"[:1000]
    set_figures(entry, rules(settings), **figures)
    entry.updated_at = now
    session.add(entry)
    session.flush()
    return entry


def get_entry(session: Session, *, entry_id: int) -> LedgerEntry:
    return get_or_404(session, LedgerEntry, entry_id, what="ledger entry", what_zh="事故台账记录")


def update_entry(session: Session, *, entry: LedgerEntry, change: LedgerUpdate, now: datetime) -> LedgerEntry:
    """Complete an entry (门类, unit, credit code, account); the figures stay the incident's or the import's."""
    if change.industry_code is not None:
        code = industries.lookup(change.industry_code) if change.industry_code.strip() else ""
        if code is None:
            raise field_error("industry_code", "unknown industry section",
                              "未知的行业门类，应为 GB/T 4754-2017 门类字母 A–T 或其名称")
        entry.industry_code = code
    if change.unit_name is not None:
        entry.unit_name = change.unit_name.strip()
    if "uscc" in change.model_fields_set:
        entry.uscc = change.uscc
    if change.description is not None:
        entry.description = change.description.strip()
    key = natural_key(occurred_at=entry.occurred_at, region_code=entry.region_code, subtype=entry.subtype,
                      uscc=entry.uscc, unit_name=entry.unit_name)
    other = session.scalars(select(LedgerEntry.id).where(LedgerEntry.natural_key == key,
                                                         LedgerEntry.id != entry.id)).first()
    if other is not None:
        raise Conflict(detail=f"ledger entry {other} records the same accident",
                       detail_zh="台账中已有同一起事故（发生时间、区划、类型、单位均相同）",
                       fields=[field_error("unit_name", "the same accident is in the ledger",
                                           "台账中已有同一起事故").fields[0]])
    entry.natural_key, entry.updated_at = key, now
    session.flush()
    return entry


def entry_of(session: Session, *, incident_id: int) -> LedgerEntry | None:
    return session.scalars(select(LedgerEntry).where(LedgerEntry.incident_id == incident_id)).first()


# --- reading ------------------------------------------------------------------------------------------------

def _conditions(filters: LedgerFilter) -> list[ColumnElement[bool]]:
    """Every list, statistic and export of the ledger is filtered here (and by the session's scope)."""
    found: list[ColumnElement[bool]] = [LedgerEntry.category == LEDGER_CATEGORY]
    if filters.year_from is not None:
        found.append(LedgerEntry.occurred_year >= filters.year_from)
    if filters.year_to is not None:
        found.append(LedgerEntry.occurred_year <= filters.year_to)
    if filters.region:
        found.append(in_region(LedgerEntry.region_code, filters.region))
    if filters.industry is not None:
        found.append(LedgerEntry.industry_code == filters.industry.upper())
    if filters.grade:
        found.append(LedgerEntry.grade == filters.grade)
    if filters.subtype:
        found.append(LedgerEntry.subtype == filters.subtype)
    if filters.source:
        found.append(LedgerEntry.source == filters.source)
    return found


def list_entries(session: Session, *, filters: LedgerFilter,
                 params: PageParams | None) -> tuple[Sequence[LedgerEntry], int]:
    """Latest accident first; ``params`` None: every row (the export)."""
    stmt = select(LedgerEntry).where(*_conditions(filters))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    ordered = stmt.order_by(LedgerEntry.occurred_at.desc(), LedgerEntry.id.desc())
    if params is not None:
        ordered = ordered.offset(params.offset).limit(params.size)
    return session.scalars(ordered).all(), total


def reads(session: Session, rows: Sequence[LedgerEntry], *, settings: Settings) -> list[LedgerRead]:
    the_rules = rules(settings)
    names = regions_service.names(session, codes={r.region_code for r in rows})
    out = []
    for row in rows:
        read = LedgerRead.model_validate(row)
        read.source_name = SOURCE_NAMES_ZH[row.source]
        read.incident_number = f"SJ{row.incident_id:08d}" if row.incident_id else None
        read.region_name = names.get(row.region_code, row.region_code)
        read.subtype_name = the_rules.subtype_name(row.category, row.subtype)
        read.industry_name = industries.name(row.industry_code)
        read.grade_name = grade_name(the_rules, row.grade)
        out.append(read)
    return out


def grade_name(the_rules: Rules, code: str) -> str:
    try:
        return the_rules.grades.by_code(code).name
    except KeyError:  # a grade code an administrator's rules no longer list
        return code


def _sums() -> list[Any]:
    return [func.count(LedgerEntry.id), *(func.coalesce(func.sum(getattr(LedgerEntry, f)), 0) for f in FIGURES)]


def _stat(key: str | int, name: str, values: Sequence[Any]) -> StatRow:
    count, *figures = (int(v or 0) for v in values)
    return StatRow(key=key, name=name, accidents=count, **dict(zip(FIGURES, figures, strict=True)))


def _grouped(session: Session, key: Any, conditions: list[ColumnElement[bool]]) -> list[tuple[Any, Sequence[Any]]]:
    rows = session.execute(select(key, *_sums()).where(*conditions).group_by(key).order_by(key)).all()
    return [(row[0], row[1:]) for row in rows]


def _years(found: list[tuple[Any, Sequence[Any]]]) -> list[StatRow]:
    """Every year from the first to the last with an accident, a year without one counted as zero (a series)."""
    by_year = {int(year): values for year, values in found}
    if not by_year:
        return []
    zero = (0,) * (len(FIGURES) + 1)
    return [_stat(year, f"{year}年", by_year.get(year, zero)) for year in range(min(by_year), max(by_year) + 1)]


def stats(session: Session, *, filters: LedgerFilter, region_code: str, settings: Settings) -> LedgerStats:
    """Counts, deaths, injuries and loss by year, district, city, 门类, grade and type, in the session's scope."""
    the_rules = rules(settings)
    conditions = _conditions(filters)
    total_row = session.execute(select(*_sums()).where(*conditions)).one()
    district = func.substr(LedgerEntry.region_code, 1, 6)
    city = func.substr(LedgerEntry.region_code, 1, 4)
    by_district = _grouped(session, district, conditions)
    by_city = [(f"{code}00", values) for code, values in _grouped(session, city, conditions)]
    names = regions_service.names(session, codes={c for c, _ in by_district} | {c for c, _ in by_city})
    grade_rank = {level.code: i for i, level in enumerate(the_rules.grades.levels)}
    by_grade = sorted(_grouped(session, LedgerEntry.grade, conditions), key=lambda kv: grade_rank.get(kv[0], 99))
    return LedgerStats(
        region_code=filters.region or region_code,
        total=_stat("total", "合计", total_row),
        by_year=_years(_grouped(session, LedgerEntry.occurred_year, conditions)),
        by_district=[_stat(c, names.get(c, c), v) for c, v in by_district],
        by_city=[_stat(c, names.get(c, c), v) for c, v in by_city],
        by_industry=[_stat(c or "", industries.name(c), v)
                     for c, v in _grouped(session, LedgerEntry.industry_code, conditions)],
        by_grade=[_stat(c, grade_name(the_rules, c), v) for c, v in by_grade],
        by_subtype=[_stat(c, the_rules.subtype_name(LEDGER_CATEGORY, c), v)
                    for c, v in _grouped(session, LedgerEntry.subtype, conditions)])
