"""城市安全状况 indicators: deaths by class and year from the accident ledger (``emergency.ledger.service``),
the denominators imported per region and year, the five rates, and the trend and benchmark verdicts.

Which ledger entries count in which class is data (``evaluation/data/indicator-rules.json``, each rule tagged):
the ledger records a GB 6441 type (or road traffic) and a GB/T 4754 门类, not a statistics class. A rate whose
denominator is missing or zero is not computed: it is null with a note saying why, never a crash or a guess.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.db import get_or_404
from citysafe.core.errors import Forbidden, field_error
from citysafe.core.scope import current_scope
from citysafe.emergency.ledger import service as ledger_service
from citysafe.emergency.ledger.schemas import LedgerFilter
from citysafe.evaluation.calc import indicators as calc
from citysafe.evaluation.indicators.models import IndicatorBase, IndicatorTarget
from citysafe.evaluation.indicators.schemas import (
    VERDICT_NAMES_ZH,
    BaseRowIn,
    DeathCount,
    IndicatorTable,
    Link,
    RateValue,
    RateVerdicts,
    TargetIn,
    TargetRead,
    YearRow,
)
from citysafe.regions import service as regions_service

# The ledger class each rate's deaths come from (calc.RATES names the deaths field).
DEATH_CLASS: dict[str, str] = {"production_deaths": "production", "road_deaths": "road", "fire_deaths": "fire",
                               "industrial_deaths": "industrial",
                               "special_equipment_deaths": "special_equipment"}
ALL_ZERO_POLICY = "连续三年均为零视为达标（此口径待省级确认）"


@lru_cache(maxsize=1)
def rules_data() -> dict[str, Any]:
    text = (resources.files("citysafe.evaluation") / "data" / "indicator-rules.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def rate_names() -> dict[str, str]:
    return {rate.name: rate.name_zh for rate in calc.RATES}


def check_region(session: Session, region_code: str) -> None:
    """A region outside the caller's scope is refused, not answered with an empty table."""
    scope = current_scope(session)
    if scope is not None and not scope.covers(region_code):
        raise Forbidden(detail=f"region {region_code} is outside your scope {scope.region_code}",
                        detail_zh=f"行政区划 {region_code} 不在您的管辖范围 {scope.region_code} 内")


def in_class(entry: Any, rule: dict[str, Any]) -> bool:
    if rule.get("subtypes") is not None and entry.subtype not in rule["subtypes"]:
        return False
    if entry.subtype in rule.get("exclude_subtypes", []):
        return False
    sections = rule.get("industry_sections")
    return sections is None or entry.industry_code in sections


def ledger_url(region_code: str, year: int, rule: dict[str, Any]) -> str:
    query: dict[str, Any] = {"year_from": year, "year_to": year, "region": region_code}
    if rule.get("subtypes") is not None and len(rule["subtypes"]) == 1:
        query["subtype"] = rule["subtypes"][0]
    return "/emergency/ledger?" + urlencode(query)


def _fraction(value: Decimal | int | None) -> Fraction | None:
    return None if value is None else Fraction(str(value))


def _rate(rate: calc.Rate, deaths: int, base: Fraction | None) -> tuple[Fraction | None, str]:
    if base is None:
        return None, f"未导入{rate.base_zh}，无法计算"
    if base == 0:
        return None, f"{rate.base_zh}为 0，{rate.name_zh}无定义（分母为零），不计算"
    return Fraction(deaths) / base * rate.per, ""


def bases(session: Session, *, region_code: str) -> dict[int, IndicatorBase]:
    rows = session.scalars(select(IndicatorBase).where(IndicatorBase.region_code == region_code)).all()
    return {row.year: row for row in rows}


def _deaths(session: Session, region_code: str, years: Sequence[int]) -> tuple[
        dict[int, dict[str, DeathCount]], dict[int, int]]:
    classes: dict[str, dict[str, Any]] = rules_data()["classes"]
    entries, _total = ledger_service.list_entries(
        session, filters=LedgerFilter(region=region_code, year_from=min(years), year_to=max(years)), params=None)
    out: dict[int, dict[str, DeathCount]] = {
        year: {key: DeathCount(key=key, label=rule["label"], deaths=0, accidents=0,
                               url=ledger_url(region_code, year, rule)) for key, rule in classes.items()}
        for year in years}
    unclassified: dict[int, int] = {}
    for entry in entries:
        counts = out.get(entry.occurred_year)
        if counts is None:
            continue
        for key, rule in classes.items():
            if in_class(entry, rule):
                counts[key].deaths += entry.deaths
                counts[key].accidents += 1
                counts[key].entry_ids.append(entry.id)
        if not entry.industry_code and entry.subtype not in classes["industrial"]["exclude_subtypes"]:
            unclassified[entry.occurred_year] = unclassified.get(entry.occurred_year, 0) + entry.deaths
    return out, unclassified


def _years(session: Session, region_code: str, stored: Iterable[int], year_from: int | None,
           year_to: int | None) -> list[int]:
    entries, _ = ledger_service.list_entries(session, filters=LedgerFilter(region=region_code), params=None)
    known = {*stored, *(e.occurred_year for e in entries)}
    if year_from is not None:
        known = {y for y in known if y >= year_from} | {year_from}
    if year_to is not None:
        known = {y for y in known if y <= year_to} | {year_to}
    return list(range(min(known), max(known) + 1)) if known else []


def table(session: Session, *, region_code: str, year_from: int | None = None, year_to: int | None = None,
          all_zero: calc.AllZero = "pass") -> IndicatorTable:
    """Every year from the first with a denominator or an accident to the last, each with its deaths by class,
    denominators (with their source) and rates; then the trend and benchmark verdicts per rate."""
    check_region(session, region_code)
    stored = bases(session, region_code=region_code)
    years = _years(session, region_code, stored, year_from, year_to)
    deaths, unclassified = _deaths(session, region_code, years) if years else ({}, {})
    rows: list[YearRow] = []
    series: dict[str, list[tuple[int, Fraction | None]]] = {rate.name: [] for rate in calc.RATES}
    for year in years:
        base = stored.get(year)
        counts = deaths[year]
        rates = []
        for rate in calc.RATES:
            count = counts[DEATH_CLASS[rate.deaths]].deaths
            value, note = _rate(rate, count, _fraction(getattr(base, rate.base)) if base else None)
            series[rate.name].append((year, value))
            rates.append(RateValue(name=rate.name, label=rate.name_zh, value=calc.shown(value),
                                   deaths_key=DEATH_CLASS[rate.deaths], base=rate.base, note=note))
        rows.append(YearRow(
            year=year, gdp_yi=float(base.gdp_yi) if base and base.gdp_yi is not None else None,
            vehicles=base.vehicles if base else None, residents=base.residents if base else None,
            industrial_employees=base.industrial_employees if base else None,
            special_equipment_units=base.special_equipment_units if base else None,
            base_id=base.id if base else None, source_note=base.source_note if base else "",
            source=Link(label=base.source_note or base.import_file or "导入",
                        url=f"/evaluation/indicators?region={region_code}#base-{year}") if base else None,
            imported_by=base.imported_by if base else "", imported_at=base.imported_at if base else None,
            deaths=list(counts.values()), rates=rates))
    names = regions_service.names(session, codes=[region_code])
    return IndicatorTable(region_code=region_code, region_name=names.get(region_code, region_code), years=rows,
                          verdicts=verdicts(session, region_code=region_code, series=series, all_zero=all_zero),
                          all_zero_policy=ALL_ZERO_POLICY if all_zero == "pass" else "连续三年均为零视为未达标",
                          classes={k: f"{r['label']}：{r['rule']}" + ("（口径待核实）" if r.get("tag") == "U" else "")
                                   for k, r in rules_data()["classes"].items()},
                          unclassified_deaths={y: n for y, n in unclassified.items() if n})


def verdicts(session: Session, *, region_code: str, series: dict[str, list[tuple[int, Fraction | None]]],
             all_zero: calc.AllZero) -> list[RateVerdicts]:
    chosen = {t.rate: t for t in targets(session, region_code=region_code)}
    out = []
    for rate in calc.RATES:
        points = series[rate.name]
        latest = points[-1] if points else None
        target = chosen[rate.name]
        trend = calc.trend(points, all_zero=all_zero)
        lte = calc.lte(latest[1] if latest else None, Fraction(str(target.value)))
        out.append(RateVerdicts(name=rate.name, label=rate.name_zh, trend=trend, trend_name=VERDICT_NAMES_ZH[trend],
                                target=target.value, target_label=target.label, target_source=target.source,
                                target_unverified=target.unverified, lte=lte, lte_name=VERDICT_NAMES_ZH[lte],
                                latest_year=latest[0] if latest else None))
    return out


def targets(session: Session, *, region_code: str) -> list[TargetRead]:
    """Per rate, the target set for the region or the nearest region above it; else the shipped default."""
    rows = session.scalars(select(IndicatorTarget)).all()
    defaults: dict[str, dict[str, Any]] = rules_data()["targets"]
    out = []
    for rate in calc.RATES:
        mine = sorted((r for r in rows if r.rate == rate.name and region_code.startswith(r.region_code.rstrip("0"))),
                      key=lambda r: len(r.region_code.rstrip("0")), reverse=True)
        if mine:
            r = mine[0]
            out.append(TargetRead(rate=rate.name, rate_label=rate.name_zh, value=float(r.value), label=r.label,
                                  source=r.source, unverified=False, region_code=r.region_code))
        else:
            d = defaults[rate.name]
            out.append(TargetRead(rate=rate.name, rate_label=rate.name_zh, value=float(d["value"]), label=d["label"],
                                  source=d["source"], unverified=d.get("tag") == "U", region_code=""))
    return out


def set_target(session: Session, *, data: TargetIn, actor: str, now: datetime) -> TargetRead:
    if data.rate not in rate_names():
        raise field_error("rate", f"unknown rate; known: {', '.join(rate_names())}", "未知指标")
    check_region(session, data.region_code)
    row = session.scalars(select(IndicatorTarget).where(IndicatorTarget.region_code == data.region_code,
                                                        IndicatorTarget.rate == data.rate)).first()
    if row is None:
        row = IndicatorTarget(region_code=data.region_code, rate=data.rate, created_at=now)
        session.add(row)
    row.value, row.label, row.source = Decimal(str(data.value)), data.label.strip(), data.source.strip()
    row.updated_by, row.updated_at = actor, now
    session.flush()
    return TargetRead(rate=row.rate, rate_label=rate_names()[row.rate], value=float(row.value), label=row.label,
                      source=row.source, unverified=False, region_code=row.region_code)


def save_bases(session: Session, *, rows: Sequence[BaseRowIn], file_name: str, actor: str,
               now: datetime) -> list[IndicatorBase]:
    """Write checked rows (the caller's transaction): a region and year already stored is replaced."""
    for row in rows:
        check_region(session, row.region_code)
    saved = []
    for row in rows:
        base = session.scalars(select(IndicatorBase).where(IndicatorBase.region_code == row.region_code,
                                                           IndicatorBase.year == row.year)).first()
        if base is None:
            base = IndicatorBase(region_code=row.region_code, year=row.year, created_at=now)
            session.add(base)
        base.gdp_yi = Decimal(row.gdp_yi) if row.gdp_yi is not None else None
        base.vehicles, base.residents = row.vehicles, row.residents
        base.industrial_employees, base.special_equipment_units = row.industrial_employees, row.special_equipment_units
        base.source_note, base.import_file, base.import_row = row.source_note, file_name[:200], row.row
        base.imported_by, base.imported_at, base.updated_at = actor, now, now
        saved.append(base)
    session.flush()
    return saved


def get_base(session: Session, *, base_id: int) -> IndicatorBase:
    return get_or_404(session, IndicatorBase, base_id, what="indicator denominators", what_zh="指标分母数据")


def residents(session: Session, *, region_code: str, year: int) -> tuple[int | None, IndicatorBase | None]:
    """The resident population of a region in a year (or the latest year before it), for per-resident figures."""
    row = session.scalars(select(IndicatorBase).where(IndicatorBase.region_code == region_code,
                                                      IndicatorBase.year <= year,
                                                      IndicatorBase.residents.is_not(None))
                          .order_by(IndicatorBase.year.desc()).limit(1)).first()
    return (row.residents if row else None), row
