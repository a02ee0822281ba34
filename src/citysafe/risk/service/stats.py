"""Counts and lists for dashboards and the white paper: level × category, level × division, major lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from citysafe.core.scope import region_clause
from citysafe.core.validators import region_prefix
from citysafe.regions import service as regions_service
from citysafe.risk.calc.levels import LEVELS_ASCENDING
from citysafe.risk.calc.registry import method_label
from citysafe.risk.enums import CATEGORIES, KINDS, Category
from citysafe.risk.models import RiskAssessment, RiskSource
from citysafe.risk.service import statscache

LEVELS_DESC = [lvl.value for lvl in reversed(LEVELS_ASCENDING)]
# The divisions one level down that a region's counts break into, by the length of their codes.
_CHILD_CODE_LENGTH = {"province": 4, "city": 6, "district": 9, "street": 12}


@dataclass(frozen=True)
class Crosstab:
    """Counts by row key × level (red … blue, then 'none' for unassessed), with row labels."""

    rows: list[tuple[str, str, dict[str, int]]]  # (key, label, counts)

    def totals(self) -> dict[str, int]:
        out = dict.fromkeys([*LEVELS_DESC, "none"], 0)
        for _, _, counts in self.rows:
            for key, n in counts.items():
                out[key] += n
        return out


def _level_key(value: str | None) -> str:
    return value or "none"


def _base(prefix: str, basis: str) -> tuple[Any, Any]:
    level = RiskSource.current_level if basis == "current" else RiskSource.assessed_level
    cond = region_clause(RiskSource.region_code, prefix) & (RiskSource.status == "active")
    return level, cond


def data_version(session: Session, *, region_code: str) -> tuple[int, int]:
    """The change counters of ``region_code``'s sources (read once per request): a key for answers built
    from these counts, kept while no source of the region changed."""
    return statscache.data_version(session, prefix=region_prefix(region_code))


def by_category(session: Session, *, region_code: str, basis: str = "current") -> Crosstab:
    return statscache.reused(session, region_code=region_code, key=("by_category", basis),
                             compute=lambda: _by_category(session, region_code=region_code, basis=basis))


def _by_category(session: Session, *, region_code: str, basis: str) -> Crosstab:
    level, cond = _base(region_prefix(region_code), basis)
    counts: dict[str, dict[str, int]] = {c.value: dict.fromkeys([*LEVELS_DESC, "none"], 0) for c in Category}
    for category, lvl, n in session.execute(select(RiskSource.category, level, func.count())
                                            .where(cond).group_by(RiskSource.category, level)):
        counts.setdefault(category, dict.fromkeys([*LEVELS_DESC, "none"], 0))[_level_key(lvl)] += int(n)
    return Crosstab([(c.value, CATEGORIES[c], counts[c.value]) for c in Category])


def by_kind(session: Session, *, region_code: str, basis: str = "current") -> Crosstab:
    level, cond = _base(region_prefix(region_code), basis)
    counts: dict[str, dict[str, int]] = {}
    for kind, lvl, n in session.execute(select(RiskSource.kind, level, func.count())
                                        .where(cond).group_by(RiskSource.kind, level)):
        counts.setdefault(kind, dict.fromkeys([*LEVELS_DESC, "none"], 0))[_level_key(lvl)] += int(n)
    rows = [(k, KINDS[k].name_zh, counts[k]) for k in KINDS if k in counts]
    return Crosstab(rows)


def by_division(session: Session, *, region_code: str, basis: str = "current") -> Crosstab:
    """Counts per child division (districts of a city, streets of a district), by the source's code."""
    return statscache.reused(session, region_code=region_code, key=("by_division", basis),
                             compute=lambda: _by_division(session, region_code=region_code, basis=basis))


def _by_division(session: Session, *, region_code: str, basis: str) -> Crosstab:
    region = regions_service.get(session, code=region_code)
    length = _CHILD_CODE_LENGTH.get(region.level)
    if length is None:
        return Crosstab([])
    level, cond = _base(region_prefix(region_code), basis)
    child = func.substr(RiskSource.region_code, 1, length)
    counts: dict[str, dict[str, int]] = {}
    for code, lvl, n in session.execute(select(child, level, func.count()).where(cond).group_by(child, level)):
        counts.setdefault(code, dict.fromkeys([*LEVELS_DESC, "none"], 0))[_level_key(lvl)] += int(n)
    names = {r.code[:length]: r.name for r in regions_service.children(session, code=region.code)}
    if region.level == "province":  # cities' codes end in 00: their sources' codes share four digits
        names = {code[:4]: name for code, name in names.items()}
    rows = [(code, names.get(code, code), counts.get(code, dict.fromkeys([*LEVELS_DESC, "none"], 0)))
            for code in sorted(set(names) | set(counts))]
    return Crosstab(rows)


@dataclass(frozen=True)
class ListedSource:
    id: int
    code: str
    name: str
    category: str
    kind: str
    region_code: str
    region_name: str
    level: str
    assessed_level: str | None
    method: str
    responsible_unit: str
    supervising_department: str
    reasons: list[str]


def major_sources(session: Session, *, region_code: str, levels: tuple[str, ...] = ("red", "orange"),
                  basis: str = "current", limit: int | None = None) -> list[ListedSource]:
    """Sources at ``levels`` (most severe first), with their responsible unit and supervising department."""
    return list(statscache.reused(
        session, region_code=region_code, key=("major_sources", levels, basis, limit),
        compute=lambda: _major_sources(session, region_code=region_code, levels=levels, basis=basis, limit=limit)))


def _major_sources(session: Session, *, region_code: str, levels: tuple[str, ...], basis: str,
                   limit: int | None) -> list[ListedSource]:
    level_col, cond = _base(region_prefix(region_code), basis)
    severity = case({lvl: i for i, lvl in enumerate(LEVELS_DESC)}, value=level_col, else_=9)
    stmt = select(RiskSource).where(cond, level_col.in_(levels)).order_by(
        severity, RiskSource.region_code, RiskSource.code)
    if limit:
        stmt = stmt.limit(limit)
    sources = list(session.scalars(stmt))
    methods = _latest_methods(session, [s.id for s in sources])
    names = _division_names(session, {s.region_code for s in sources})
    return [ListedSource(
        id=s.id, code=s.code, name=s.name, category=s.category, kind=s.kind, region_code=s.region_code,
        region_name=names.get(s.region_code, s.region_code),
        level=(s.current_level if basis == "current" else s.assessed_level) or "",
        assessed_level=s.assessed_level, method=methods.get(s.id, ""), responsible_unit=s.responsible_unit,
        supervising_department=s.supervising_department,
        reasons=[r.get("reason_zh", "") for r in (s.level_reasons or [])]) for s in sources]


def _latest_methods(session: Session, ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        stmt = (select(RiskAssessment.source_id, RiskAssessment.method)
                .where(RiskAssessment.source_id.in_(chunk))
                .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc()))
        for source_id, method in session.execute(stmt):
            # The method's name, as a reader of a list or the white paper knows it (风险矩阵法), not its code.
            out.setdefault(source_id, method_label(method))
    return out


def _division_names(session: Session, codes: set[str]) -> dict[str, str]:
    """'玄武区 玄武门街道' for a street code: the county and the division itself. From the application's cached
    names (a county's names are read once, then kept): one query per code made the workbench's list slow."""
    try:
        cached = regions_service.cached_names(session)
    except LookupError:  # a session made outside an application (a script's own): one query for them all
        known = regions_service.names(session, codes={c[:6] for c in codes} | codes)
        return {c: (known.get(c[:6], "") + (" " + known[c] if c in known and len(c) > 6 else "")).strip() or c
                for c in codes}
    return {c: cached.full_name(c) or c for c in codes}


def counts_summary(session: Session, *, region_code: str, basis: str = "current") -> dict[str, Any]:
    table = by_category(session, region_code=region_code, basis=basis)
    totals = table.totals()
    prefix = region_prefix(region_code)
    raised = session.scalar(select(func.count()).select_from(RiskSource).where(
        region_clause(RiskSource.region_code, prefix), RiskSource.status == "active",
        RiskSource.current_level.is_not(None),
        RiskSource.current_level != func.coalesce(RiskSource.assessed_level, "")))
    return {"by_level": totals, "total": sum(totals.values()), "raised": int(raised or 0),
            "by_category": {key: counts for key, _, counts in table.rows}}
