"""The facts of a region and year, read through the other domains' services only, each in the format the
score sheet page renders (``SheetItem.facts``):

    {"key", "label", "value", "unit", "as_of" (ISO UTC), "records": [{"type", "id", "label", "url"}], "note"}

``value`` is a number, a word (是/否) or null when it cannot be computed — ``note`` then says why. A figure
counted over many records links its first records and, as the last record, the filtered list (type "list").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.clock import SHANGHAI
from citysafe.core.config import Settings
from citysafe.core.pagination import PageParams
from citysafe.emergency.drills import service as drills_service
from citysafe.emergency.plans import service as plans_service
from citysafe.emergency.reports import service as reports_service
from citysafe.emergency.shelters import service as shelters_service
from citysafe.evaluation.indicators import service as indicators
from citysafe.evaluation.indicators.schemas import RATE_UNITS_ZH
from citysafe.evaluation.models import Sheet, SheetItem
from citysafe.firewatch import service as firewatch_service
from citysafe.hazards import service as hazards_service
from citysafe.risk.schemas import SourceFilter
from citysafe.risk.service import reports as risk_reports
from citysafe.risk.service import sources as risk_sources
from citysafe.risk.service import stats as risk_stats

Fact = dict[str, Any]

FACTS: dict[str, tuple[str, str]] = {  # key -> (label, unit)
    "risk_sources": ("风险源登记数", "个"),
    "risk_assessed_share": ("风险源已评估比例（风险地图完整度）", "%"),
    "white_paper": ("城市安全风险白皮书（本年度）", ""),
    "hazards_found": ("排查发现隐患", "条"),
    "hazard_closure_rate": ("隐患整改销号率", "%"),
    "hazard_on_time_rate": ("隐患按期整改率", "%"),
    "work_permits": ("危险作业许可", "张"),
    "enforcement_records": ("执法检查", "次"),
    "joint_punishments": ("联合惩戒", "家次"),
    "fire_units_online_rate": ("消防联网单位在线率", "%"),
    "fire_alarms_handled_rate": ("火警处置率", "%"),
    "plans_filed_rate": ("应急预案备案率", "%"),
    "drills_held": ("应急演练开展", "次"),
    "drill_duties_overdue": ("逾期未演练的演练义务", "项"),
    "late_reports": ("信息报告迟报", "次"),
    "shelter_capacity_per_resident": ("应急避难场所人均容量（每百名常住人口可容纳）", "人/百人"),
    **{f"rate_{rate}": (label, RATE_UNITS_ZH[rate]) for rate, label in indicators.rate_names().items()},
}


@lru_cache(maxsize=1)
def fact_items() -> dict[str, list[str]]:
    """criteria item id -> the fact keys it shows (``evaluation/data/fact-items.json``)."""
    text = (resources.files("citysafe.evaluation") / "data" / "fact-items.json").read_text(encoding="utf-8")
    data: dict[str, list[str]] = json.loads(text)["items"]
    return data


@lru_cache(maxsize=1)
def item_titles() -> dict[str, str]:
    """criteria item id -> its title in the shipped national-2019 set, without the "（待核实）" marks."""
    text = (resources.files("citysafe.evaluation") / "data" / "national-2019.json").read_text(encoding="utf-8")
    out: dict[str, str] = {}

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            title = str(item.get("title", ""))
            title = title.replace("其余三级项（待核实）", "（其余三级项）").replace("三级项（待核实）", "")
            out[str(item.get("id"))] = title.replace("（待核实）", "")
            walk(item.get("children") or item.get("items") or [])

    walk(json.loads(text)["items"])
    return out


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year in China as a UTC range [start, end)."""
    return (datetime(year, 1, 1, tzinfo=SHANGHAI).astimezone(UTC),
            datetime(year + 1, 1, 1, tzinfo=SHANGHAI).astimezone(UTC))


def _records(kind: str, rows: Any, url: Callable[[int], str]) -> list[dict[str, Any]]:
    return [{"type": kind, "id": rid, "label": label, "url": url(rid)} for rid, label in rows]


def _list(label: str, url: str) -> dict[str, Any]:
    return {"type": "list", "id": None, "label": label, "url": url}


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part * 100 / whole, 1)


def _fact(key: str, value: Any, as_of: datetime, records: list[dict[str, Any]], note: str = "") -> Fact:
    label, unit = FACTS[key]
    return {"key": key, "label": label, "value": value, "unit": unit, "as_of": as_of.astimezone(UTC).isoformat(),
            "records": records, "note": note}


def _risk(session: Session, region: str, year: int, now: datetime) -> list[Fact]:
    summary = risk_stats.counts_summary(session, region_code=region)
    total = int(summary["total"])
    unassessed = int(summary["by_level"].get("none", 0))
    rows, _ = risk_sources.list_sources(session, filters=SourceFilter(region=region), params=PageParams(size=10))
    listed = [*_records("risk_source", [(r.id, r.name) for r in rows], lambda i: f"/risk/sources/{i}"),
              _list("风险源清单", "/risk/sources?" + urlencode({"region": region}))]
    paper = risk_reports.latest_report(session, region_code=region, year=year)
    return [
        _fact("risk_sources", total, now, listed),
        _fact("risk_assessed_share", _pct(total - unassessed, total), now, listed,
              "尚无登记的风险源" if total == 0 else f"已评估 {total - unassessed} 个，未评估 {unassessed} 个"),
        _fact("white_paper", "已编制" if paper else "未编制", now,
              [{"type": "white_paper", "id": paper.id, "label": paper.title, "url": "/risk/whitepaper"}] if paper
              else [_list("风险白皮书", "/risk/whitepaper")],
              f"{year}年度白皮书" + (f"，编制人 {paper.created_by}" if paper else "尚未在平台生成")),
    ]


def _hazards(session: Session, region: str, year: int, now: datetime) -> list[Fact]:
    start, end = year_bounds(year)
    f = hazards_service.evaluation_figures(session, region_code=region, start=start, end=end)

    def ticket(rows: Any) -> list[dict[str, Any]]:
        return _records("hazard_ticket", rows, lambda i: f"/hazards/tickets/{i}")

    tickets_list = _list("隐患清单", "/hazards?" + urlencode({"region": region}))
    found, closed, on_time = (f[k]["count"] for k in ("tickets_found", "tickets_closed", "tickets_on_time"))
    return [
        _fact("hazards_found", found, now, [*ticket(f["tickets_found"]["records"]), tickets_list]),
        _fact("hazard_closure_rate", _pct(closed, found), now, [*ticket(f["tickets_closed"]["records"]), tickets_list],
              f"{year}年发现 {found} 条，已销号 {closed} 条" if found else f"{year}年无隐患记录，比率无定义"),
        _fact("hazard_on_time_rate", _pct(on_time, found), now,
              [*ticket(f["tickets_on_time"]["records"]), tickets_list],
              f"按期销号 {on_time} 条 / 发现 {found} 条" if found else f"{year}年无隐患记录，比率无定义"),
        _fact("work_permits", f["permits"]["count"], now,
              [*_records("work_permit", f["permits"]["records"], lambda i: f"/hazards/permits/{i}"),
               _list("作业许可清单", "/hazards/permits")]),
        _fact("enforcement_records", f["enforcement"]["count"], now,
              [*_records("enforcement_record", f["enforcement"]["records"], lambda i: f"/supervision/enforcement/{i}"),
               _list("执法记录", "/supervision/enforcement")]),
        _fact("joint_punishments", f["punishments"]["count"], now,
              [*_records("joint_punishment", f["punishments"]["records"], lambda i: "/supervision/punishments"),
               _list("联合惩戒名单", "/supervision/punishments")]),
    ]


def _firewatch(session: Session, region: str, year: int, now: datetime) -> list[Fact]:
    start, end = year_bounds(year)
    f: dict[str, Any] = firewatch_service.evaluation_figures(session, region_code=region, start=start, end=end)
    units, online = f["units"]["count"], f["units_online"]["count"]
    fires, handled = f["fire_alarms"]["count"], f["fire_alarms_handled"]["count"]
    return [
        _fact("fire_units_online_rate", _pct(online, units), now,
              [*_records("fire_unit", f["units_online"]["records"], lambda i: f"/firewatch/units/{i}"),
               _list("联网单位", "/firewatch/registry")],
              f"联网单位 {units} 家，当前在线 {online} 家（截至统计时刻）" if units else "尚无联网单位"),
        _fact("fire_alarms_handled_rate", _pct(handled, fires), now,
              [*_records("fire_alarm", f["fire_alarms_handled"]["records"], lambda i: "/firewatch"),
               _list("火警记录", "/firewatch")],
              f"{year}年火警 {fires} 起，已处置（确认、误报或测试） {handled} 起" if fires else f"{year}年无火警"),
    ]


def _emergency(session: Session, region: str, year: int, now: datetime, settings: Settings) -> list[Fact]:
    start, end = year_bounds(year)
    f: dict[str, Any] = plans_service.evaluation_figures(session, region_code=region, first=date(year, 1, 1),
                                                          last=date(year, 12, 31))
    plans, filed = f["plans"]["count"], f["plans_filed"]["count"]
    today = min(now.astimezone(SHANGHAI).date(), date(year, 12, 31))
    overdue = drills_service.overdue(session, today=today, region=region)
    late: dict[str, Any] = reports_service.late_reports(session, region_code=region, start=start, end=end,
                                                         settings=settings, now=min(now, end))
    shelters: dict[str, Any] = shelters_service.evaluation_figures(session, region_code=region)
    residents, base = indicators.residents(session, region_code=region, year=year)
    per_hundred = None if not residents else round(shelters["capacity"] * 100 / residents, 2)
    shelter_records = [*_records("shelter", shelters["records"], lambda i: f"/emergency/shelters/{i}"),
                       _list("避难场所", "/emergency/shelters")]
    if base is not None:
        shelter_records.append({"type": "indicator_base", "id": base.id, "label": f"{base.year}年常住人口（分母）",
                                "url": f"/evaluation/indicators?region={region}"})
    return [
        _fact("plans_filed_rate", _pct(filed, plans), now,
              [*_records("emergency_plan", f["plans_filed"]["records"], lambda i: f"/emergency/plans/{i}"),
               _list("预案库", "/emergency/plans")],
              f"预案 {plans} 份，已备案 {filed} 份" if plans else "尚无预案"),
        _fact("drills_held", f["drills_held"]["count"], now,
              [*_records("drill", f["drills_held"]["records"], lambda i: f"/emergency/drills/{i}"),
               _list("演练记录", "/emergency/drills")]),
        _fact("drill_duties_overdue", len(overdue), now,
              [*({"type": "emergency_plan", "id": o.plan_ids[0], "url": f"/emergency/plans/{o.plan_ids[0]}",
                  "label": f"{o.unit_name or o.plan_titles[0]}：{o.rule_name}"} for o in overdue[:10]),
               _list("演练义务", "/emergency/drills")],
              f"按演练义务规则计算，截至 {today.isoformat()}"),
        _fact("late_reports", late["late"], now,
              [*_records("incident", late["records"], lambda i: f"/emergency/incidents/{i}"),
               _list("值班台", "/emergency")],
              f"{year}年事件 {late['incidents']} 起，其中 {late['late_incidents']} 起有迟报（演练不计）"),
        _fact("shelter_capacity_per_resident", per_hundred, now, shelter_records,
              (f"避难场所 {shelters['count']} 处，可容纳 {shelters['capacity']:,} 人；常住人口 {residents:,} 人"
               f"（{base.year if base else ''}年）") if residents
              else "未导入常住人口（城市安全状况指标页导入分母），无法计算"),
    ]


def _rates(session: Session, region: str, year: int, now: datetime) -> list[Fact]:
    """The 城市安全状况 rates of the year with the trend and benchmark verdicts, linked to the indicators page."""
    table = indicators.table(session, region_code=region, year_to=year)
    row = next((y for y in table.years if y.year == year), None)
    out = []
    for verdict in table.verdicts:
        rate = next((r for r in row.rates if r.name == verdict.name), None) if row else None
        deaths = next((d for d in row.deaths if rate and d.key == rate.deaths_key), None) if row else None
        records = [{"type": "indicators", "id": None, "label": "城市安全状况指标",
                    "url": f"/evaluation/indicators?region={region}#year-{year}"}]
        if deaths is not None:
            records.insert(0, {"type": "ledger", "id": None, "label": f"{year}年{deaths.label}（{deaths.deaths} 人）",
                               "url": deaths.url})
        note = (f"近三年逐年下降：{verdict.trend_name}；不高于对标值 {verdict.target:g}：{verdict.lte_name}"
                + (f"；{rate.note}" if rate and rate.note else ""))
        out.append(_fact(f"rate_{verdict.name}", rate.value if rate else None, now, records,
                         note if row else f"{year}年无事故台账记录，也未导入分母"))
    return out


def compute(session: Session, *, region_code: str, year: int, settings: Settings, now: datetime) -> list[Fact]:
    """Every fact of the region and year, in the order of ``FACTS``."""
    indicators.check_region(session, region_code)
    found = [*_risk(session, region_code, year, now), *_hazards(session, region_code, year, now),
             *_firewatch(session, region_code, year, now), *_emergency(session, region_code, year, now, settings),
             *_rates(session, region_code, year, now)]
    order = list(FACTS)
    return sorted(found, key=lambda fact: order.index(fact["key"]))


def refresh_sheet_facts(session: Session, *, sheet: Sheet, now: datetime, settings: Settings | None = None) -> int:
    """Fill every mapped item of the sheet with its facts (creating the item rows where needed) and stamp
    ``facts_at``; returns how many items were filled. Running it again only brings the figures up to date."""
    mapping = fact_items()
    if not mapping:
        return 0
    facts = {f["key"]: f for f in compute(session, region_code=sheet.region_code, year=sheet.year,
                                           settings=settings or Settings(), now=now)}
    items = {i.item_id: i for i in session.scalars(select(SheetItem).where(SheetItem.sheet_id == sheet.id))}
    filled = 0
    for item_id, keys in mapping.items():
        item = items.get(item_id)
        if item is None:
            item = SheetItem(sheet_id=sheet.id, item_id=item_id, created_at=now)
            session.add(item)
        item.facts = [facts[k] for k in keys if k in facts]
        item.facts_at, item.updated_at = now, now
        filled += 1
    session.flush()
    return filled
