"""Information reports: filing one (in one transaction with its timeline entry and, when its figures changed, the
casualty report that re-grades the incident), listing them, and the clocks computed from them at read time.

Kinds follow one another per receiving level: a 首报 first (one written and one by phone at most), then 续报; a
终报 closes that level's chain, after which only a 补报 within the 补报 window of 493号令 第十三条 is taken.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.clock import as_utc, format_local
from citysafe.core.config import Settings
from citysafe.core.db import first_or_404
from citysafe.core.errors import Conflict, field_error
from citysafe.core.scope import in_region
from citysafe.emergency import drill_mode, timeline
from citysafe.emergency import service as incidents
from citysafe.emergency.calc import clocks as calc
from citysafe.emergency.calc.lifecycle import ACTIVE_STATES, State
from citysafe.emergency.models import Incident, IncidentGrading
from citysafe.emergency.reports.models import IncidentReport
from citysafe.emergency.reports.schemas import KIND_NAMES_ZH, ReportCreate, ReportKind
from citysafe.emergency.rules import rules
from citysafe.emergency.schemas import CasualtiesIn
from citysafe.regions import service as regions_service

FIGURES = ("deaths", "missing", "serious_injuries", "minor_injuries", "loss_yuan")
ITEMS = ("unit_overview", "time_place_scene", "course", "casualty_note", "measures", "other")
# Items a 终报 must give beyond what every report gives (第十二条 (一) and (五)).
FINAL_ITEMS = ("unit_overview", "measures")


def _refuse(field: str, message: str, message_zh: str) -> Conflict:
    return Conflict(detail=message, detail_zh=message_zh, fields=[field_error(field, message, message_zh).fields[0]])


def reports_of(session: Session, *, incident_id: int) -> list[IncidentReport]:
    return list(session.scalars(select(IncidentReport).where(IncidentReport.incident_id == incident_id)
                                .order_by(IncidentReport.number)))


def get_report(session: Session, *, incident: Incident, report_id: int) -> IncidentReport:
    return first_or_404(session, select(IncidentReport).where(IncidentReport.id == report_id,
                                                              IncidentReport.incident_id == incident.id),
                        key=report_id, what="information report", what_zh="信息报告")


def _check_sequence(report_in: ReportCreate, earlier: Sequence[IncidentReport], incident: Incident,
                    settings: Settings, now: datetime) -> None:
    level = report_in.to_level.value
    to_level = [r for r in earlier if r.to_level == level]
    has_initial = any(r.kind == ReportKind.INITIAL for r in to_level)
    closed = any(r.kind == ReportKind.FINAL for r in to_level)
    kind = report_in.kind
    if kind is ReportKind.INITIAL:
        if any(r.kind == ReportKind.INITIAL and r.channel == report_in.channel.value for r in to_level):
            raise _refuse("kind", f"a first report ({report_in.channel}) to {level} was filed already; file a "
                                  "follow-up", f"已向{calc.LEVEL_NAMES_ZH[level]}首报，请续报")
        return
    if not has_initial:
        raise _refuse("kind", f"file the first report to {level} before a {kind}",
                      f"尚未向{calc.LEVEL_NAMES_ZH[level]}首报，请先首报")
    if kind in (ReportKind.FOLLOW_UP, ReportKind.FINAL) and closed:
        raise _refuse("kind", f"the final report to {level} closed its chain; only a supplementary report within "
                              "the 补报 window follows",
                      f"已向{calc.LEVEL_NAMES_ZH[level]}终报，之后只能在补报期内补报")
    if kind is ReportKind.SUPPLEMENTARY:
        windows = rules(settings).windows
        if not windows.is_open(incident.subtype, incident.occurred_at, now):
            days = windows.days(incident.subtype)
            raise _refuse("kind", f"the 补报 window ({days} days from the accident) has closed",
                          f"已超过自事故发生之日起 {days} 日的补报期（第493号令第十三条）")
    if kind is ReportKind.FINAL:
        for name in FINAL_ITEMS:
            if not getattr(report_in, name).strip():
                raise field_error(name, "a final report states this item (493号令 第十二条)",
                                  "终报须填写此项（第493号令第十二条）")


def _levels(report_in: ReportCreate, incident: Incident, settings: Settings) -> tuple[str, str, str | None]:
    codes = calc.chain_codes(incident.region_code, rules(settings).clocks.municipalities)
    to_level = report_in.to_level
    if to_level not in codes:
        raise field_error("to_level", f"an incident in {incident.region_code} does not report to {to_level}",
                          "该事件的报告链上没有这一级")
    below = [level for level in (calc.Level.UNIT, *codes) if calc.level_rank(level) < calc.level_rank(to_level)]
    from_level = report_in.from_level or below[-1]
    if calc.level_rank(from_level) >= calc.level_rank(to_level) or (
            from_level is not calc.Level.UNIT and from_level not in codes):
        raise field_error("from_level", "the reporting level lies below the receiving one in the chain",
                          "报送层级须低于接收层级")
    return from_level.value, to_level.value, codes[to_level]


def file_report(session: Session, *, incident: Incident, report_in: ReportCreate, principal: Principal | None,
                settings: Settings, now: datetime) -> IncidentReport:
    """File one report; with it the timeline entry and, if its figures changed, the casualty report (one
    transaction: the caller's unit of work commits all of it or none)."""
    if incident.state == State.ARCHIVED.value:
        raise _refuse("kind", "an archived incident takes no information report; add a correction to its timeline",
                      "已归档的事件不能再报送信息报告，更正请追加时间线记录")
    filed_at = as_utc(report_in.filed_at) if report_in.filed_at else now
    if filed_at > now:
        raise field_error("filed_at", "the time lies in the future", "报送时间不能晚于当前时间")
    if filed_at < incident.occurred_at:
        raise field_error("filed_at", "a report cannot precede the incident", "报送时间不能早于事件发生时间")
    from_level, to_level, to_code = _levels(report_in, incident, settings)
    earlier = reports_of(session, incident_id=incident.id)
    _check_sequence(report_in, earlier, incident, settings, now)
    figures = {name: int(getattr(report_in, name)) for name in FIGURES}
    if any(getattr(incident, name) != value for name, value in figures.items()):
        incidents.report_casualties(session, incident=incident, principal=principal, settings=settings, now=now,
                                    change=CasualtiesIn(**figures, note=f"{KIND_NAMES_ZH[report_in.kind]}所报"))
    actor, actor_id = (principal.display_name, principal.user_id) if principal else (incidents.SYSTEM_NAME, None)
    report = IncidentReport(
        incident_id=incident.id, region_code=incident.region_code, number=len(earlier) + 1,
        kind=report_in.kind.value, channel=report_in.channel.value, from_level=from_level, to_level=to_level,
        to_code=to_code, **{name: getattr(report_in, name).strip() for name in ITEMS}, **figures,
        grade=incident.grade, reporting_unit=report_in.reporting_unit, issuer=report_in.issuer.strip(),
        reporter=report_in.reporter.strip() or actor, reporter_phone=report_in.reporter_phone.strip(),
        filed_at=filed_at, recorded_at=now, recorded_by=actor, recorded_by_id=actor_id)
    session.add(report)
    session.flush()
    channel = calc.CHANNEL_NAMES_ZH[report.channel]
    place = regions_service.cached_names(session).name(to_code) if to_code else None
    target = f"{place}（{calc.LEVEL_NAMES_ZH[to_level]}）" if place else calc.LEVEL_NAMES_ZH[to_level]
    timeline.append(session, incident=incident, kind=f"report_{report.kind}", actor=actor, actor_id=actor_id,
                    at=now,
                    text=(f"{KIND_NAMES_ZH[report.kind]}（{channel}）：{report.reporting_unit}向"
                          f"{target}报送，报送时间 {format_local(filed_at)[:16]}；"
                          f"{report.course[:300]}"),
                    payload={"report_id": report.id, "number": report.number, "kind": report.kind,
                             "channel": report.channel, "from_level": from_level, "to_level": to_level,
                             "to_code": to_code, "filed_at": filed_at.isoformat(), **figures})
    return report


def known_at(incident: Incident) -> datetime:
    """When the incident became known (接报): the clocks start here."""
    return min(as_utc(incident.reported_at), as_utc(incident.opened_at))


def _history(gradings: Sequence[IncidentGrading]) -> list[tuple[datetime, str | None]]:
    return [(as_utc(g.at), g.grade) for g in gradings if g.counted]


def _filings(reports: Sequence[IncidentReport]) -> list[calc.Filing]:
    return [calc.Filing(r.to_level, r.channel, as_utc(r.filed_at)) for r in reports]


def clocks(session: Session, *, incident: Incident, settings: Settings, now: datetime) -> list[calc.Clock]:
    gradings = session.scalars(select(IncidentGrading).where(IncidentGrading.incident_id == incident.id)
                               .order_by(IncidentGrading.at, IncidentGrading.id)).all()
    return calc.compute(region_code=incident.region_code, grade_history=_history(gradings),
                        known_at=known_at(incident), filings=_filings(reports_of(session, incident_id=incident.id)),
                        rules=rules(settings).clocks, now=now)


@dataclass(frozen=True)
class DeskClocks:
    rows: list[tuple[Incident, calc.Clock]]  # unmet clocks, overdue first, then by deadline
    late_count: int


def _clocks(session: Session, incidents: list[Incident], *, settings: Settings,
            now: datetime) -> Iterator[tuple[Incident, list[calc.Clock]]]:
    """Each incident with its information-report clocks, from two queries (its gradings, its filed reports)."""
    ids = [i.id for i in incidents]
    gradings: dict[int, list[IncidentGrading]] = {i: [] for i in ids}
    filed: dict[int, list[IncidentReport]] = {i: [] for i in ids}
    if ids:
        for g in session.scalars(select(IncidentGrading).where(IncidentGrading.incident_id.in_(ids))
                                 .order_by(IncidentGrading.at, IncidentGrading.id)):
            gradings[g.incident_id].append(g)
        for r in session.scalars(select(IncidentReport).where(IncidentReport.incident_id.in_(ids))):
            filed[r.incident_id].append(r)
    the_rules = rules(settings).clocks
    for incident in incidents:
        yield incident, calc.compute(region_code=incident.region_code, grade_history=_history(gradings[incident.id]),
                                     known_at=known_at(incident), filings=_filings(filed[incident.id]),
                                     rules=the_rules, now=now)


def due(session: Session, *, settings: Settings, now: datetime, limit: int = 200) -> DeskClocks:
    """The unmet clocks of the active incidents in the session's scope, and their 迟报 count (three queries);
    a drill's clocks are listed (its incident badged 演练) but not counted."""
    active = list(session.scalars(select(Incident).where(Incident.state.in_([s.value for s in ACTIVE_STATES]))
                                  .order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(1000)))
    rows: list[tuple[Incident, calc.Clock]] = []
    late = 0
    for incident, computed in _clocks(session, active, settings=settings, now=now):
        if not drill_mode.is_drill(incident):  # a drill's clocks are shown, never counted as 迟报 (drill_mode.py)
            late += calc.late_count(computed)
        rows.extend((incident, c) for c in computed if c.status is not calc.Status.MET)
    rows.sort(key=lambda row: (row[1].status is not calc.Status.OVERDUE, row[1].deadline, row[0].id))
    return DeskClocks(rows=rows[:limit], late_count=late)


def count_reports(session: Session, *, incident_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(IncidentReport)
                              .where(IncidentReport.incident_id == incident_id)) or 0)


def prefill(incident: Incident, *, settings: Settings) -> dict[str, str]:
    """The six items as far as the incident knows them, for the console's form."""
    the_rules = rules(settings)
    subtype = the_rules.subtype_name(incident.category, incident.subtype)
    kind = f"{the_rules.category_name(incident.category)}（{subtype}）"
    unit = incident.unit_name or ""
    return {
        "unit_overview": unit,
        "time_place_scene": f"{format_local(incident.occurred_at)[:16]}，{incident.place}，{kind}",
        "course": incident.description,
        **{name: str(getattr(incident, name)) for name in FIGURES},
        "casualty_note": "", "measures": "", "other": "",
    }



def late_reports(session: Session, *, region_code: str, start: datetime, end: datetime, settings: Settings,
                 now: datetime, limit: int = 10) -> dict[str, object]:
    """For the evaluation domain's evidence (issue #14 point 4), read-only: incidents of the region opened in
    [start, end) (drills left out) with their information-report clocks missed (迟报), as on the duty desk."""
    incidents_in = list(session.scalars(select(Incident).where(
        in_region(Incident.region_code, region_code), Incident.opened_at >= start, Incident.opened_at < end)
        .order_by(Incident.opened_at.desc(), Incident.id.desc())))
    incidents_in = [i for i in incidents_in if not drill_mode.is_drill(i)]
    late_total, late_incidents = 0, []
    for incident, computed in _clocks(session, incidents_in, settings=settings, now=now):
        late = calc.late_count(computed)
        if late:
            late_total += late
            late_incidents.append((incident.id, incident.title))
    return {"incidents": len(incidents_in), "late": late_total, "late_incidents": len(late_incidents),
            "records": late_incidents[:limit]}
