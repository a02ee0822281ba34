"""Incidents, timelines and rosters as the API and the console read them: codes with their Chinese names."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.config import Settings
from citysafe.emergency import timeline
from citysafe.emergency.calc.lifecycle import ACTION_NAMES_ZH, STATE_NAMES_ZH, State, available_actions
from citysafe.emergency.models import DutyShift, Incident, IncidentGrading, TimelineEntry
from citysafe.emergency.rules import Rules, rules
from citysafe.emergency.schemas import (
    ActionOption,
    DutyEntryRead,
    GradingRead,
    IncidentDetail,
    IncidentRead,
    RosterRead,
    TimelineEntryRead,
)
from citysafe.regions import service as regions_service


def _grade_name(the_rules: Rules, code: str | None) -> str:
    if code is None:
        return "未定级"
    try:
        return the_rules.grades.by_code(code).name
    except KeyError:
        return code


def state_name(state: str) -> str:
    return STATE_NAMES_ZH.get(state, state)


def grade_name(settings: Settings, code: str | None) -> str:
    return _grade_name(rules(settings), code)


def _read(incident: Incident, the_rules: Rules, names: dict[str, str]) -> IncidentRead:
    return IncidentRead(
        id=incident.id, number=incident.number, category=incident.category,
        category_name=the_rules.category_name(incident.category), subtype=incident.subtype,
        subtype_name=the_rules.subtype_name(incident.category, incident.subtype), grade=incident.grade,
        grade_name=_grade_name(the_rules, incident.grade), grade_decided_by=incident.grade_decided_by,
        response_level=incident.response_level,
        response_level_name=the_rules.response_levels.get(incident.response_level or "", "未启动"),
        state=incident.state, state_name=STATE_NAMES_ZH.get(incident.state, incident.state),
        region_code=incident.region_code, region_name=names.get(incident.region_code, ""), title=incident.title,
        place=incident.place, lon=incident.lon, lat=incident.lat, opened_at=incident.opened_at,
        occurred_at=incident.occurred_at, reported_at=incident.reported_at, deaths=incident.deaths,
        missing=incident.missing, serious_injuries=incident.serious_injuries, minor_injuries=incident.minor_injuries,
        loss_yuan=incident.loss_yuan, source=incident.source, alarm_id=incident.alarm_id, unit_name=incident.unit_name,
        organization_id=incident.organization_id,
        is_drill=incident.is_drill, drill_id=incident.drill_id)


def incident_reads(session: Session, rows: Sequence[Incident], *, settings: Settings) -> list[IncidentRead]:
    the_rules = rules(settings)
    names = regions_service.names(session, codes=[r.region_code for r in rows])
    return [_read(row, the_rules, names) for row in rows]


def timeline_reads(rows: Sequence[TimelineEntry]) -> list[TimelineEntryRead]:
    return [TimelineEntryRead.model_validate(row).model_copy(
        update={"kind_name": timeline.KIND_NAMES_ZH.get(row.kind, row.kind)}) for row in rows]


def incident_detail(session: Session, incident: Incident, *, settings: Settings) -> IncidentDetail:
    the_rules = rules(settings)
    session.flush()
    base = _read(incident, the_rules, regions_service.names(session, codes=[incident.region_code]))
    gradings = session.scalars(select(IncidentGrading).where(IncidentGrading.incident_id == incident.id)
                               .order_by(IncidentGrading.at, IncidentGrading.id)).all()
    return IncidentDetail(
        **base.model_dump(), description=incident.description, caller_name=incident.caller_name,
        caller_phone=incident.caller_phone, opened_by=incident.opened_by,
        report_window_closes_at=the_rules.windows.closes_at(incident.subtype, incident.occurred_at),
        gradings=[GradingRead.model_validate(g).model_copy(update={"grade_name": _grade_name(the_rules, g.grade)})
                  for g in gradings],
        allowed_actions=[ActionOption(action=a.value, name=ACTION_NAMES_ZH[a])
                         for a in available_actions(State(incident.state))],
        timeline=timeline_reads(timeline.entries(session, incident_id=incident.id)))


def roster_read(session: Session, region_code: str, day: date, source: str | None,
                shifts: Sequence[DutyShift]) -> RosterRead:
    names = regions_service.names(session, codes=[region_code])
    return RosterRead(region_code=region_code, region_name=names.get(region_code, ""), day=day,
                      roster_region_code=source, entries=[DutyEntryRead.model_validate(s) for s in shifts])
