"""Incidents: opening one (接报, or a confirmed fire), moving it through its lifecycle, casualty reports that
re-grade it. Every change writes the timeline in the same transaction; the audit log records the row.

What other domains may ask of emergency (DESIGN.md §3: ``emergency.service``, ``.schemas``, ``.events``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import Principal
from citysafe.core.clock import as_utc, format_local
from citysafe.core.config import Settings
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, NotFound, field_error
from citysafe.core.events import publish
from citysafe.core.geo import location_wgs84
from citysafe.core.pagination import PageParams
from citysafe.core.scope import in_region
from citysafe.emergency import drill_mode, roster, timeline
from citysafe.emergency.calc.grade import DIMENSION_NAMES_ZH, Casualties, grade
from citysafe.emergency.calc.lifecycle import (
    ACTION_NAMES_ZH,
    ACTIVE_STATES,
    STATE_NAMES_ZH,
    Action,
    State,
    TransitionRefused,
    decide,
)
from citysafe.emergency.events import IncidentGraded, IncidentOpened, IncidentStateChanged
from citysafe.emergency.ledger import service as ledger
from citysafe.emergency.models import Incident, IncidentGrading
from citysafe.emergency.rules import Rules, rules
from citysafe.emergency.schemas import CasualtiesIn, IncidentCreate, IncidentFilter, TransitionIn
from citysafe.orgs import service as orgs_service
from citysafe.regions import service as regions_service

__all__ = ["close_drill_incident", "get", "list_incidents", "on_duty", "open_for_fire", "open_incident",
           "report_casualties", "set_roster_day", "transition"]

log = logging.getLogger(__name__)
SYSTEM_NAME = "系统"
FIGURES = ("deaths", "missing", "serious_injuries", "minor_injuries", "loss_yuan")
# The duty roster (roster.py), as other domains and the demo city may ask it.
set_roster_day = roster.set_day
on_duty = roster.on_duty


def _actor(principal: Principal | None) -> tuple[str, int | None]:
    return (principal.display_name, principal.user_id) if principal else (SYSTEM_NAME, None)


def _event_fields(incident: Incident) -> dict[str, Any]:
    return {"incident_id": incident.id, "region_code": incident.region_code, "category": incident.category,
            "subtype": incident.subtype, "grade": incident.grade, "state": incident.state,
            "alarm_id": incident.alarm_id, "is_drill": incident.is_drill}


def _figures(incident: Incident) -> dict[str, int]:
    return {name: int(getattr(incident, name)) for name in FIGURES}


def _grade_name(the_rules: Rules, code: str | None) -> str:
    return the_rules.grades.by_code(code).name if code else "未定级"


def _check_kind(the_rules: Rules, category: str, subtype: str) -> None:
    if category not in the_rules.categories:
        names = "、".join(c.name for c in the_rules.categories.values())
        raise field_error("category", f"unknown category {category!r}", f"未知的事件类别，应为：{names}")
    if not the_rules.has_subtype(category, subtype):
        raise field_error("subtype", f"unknown sub-type {subtype!r} of {category}",
                          f"“{the_rules.category_name(category)}”下没有这个事件类型")


def _regrade(session: Session, incident: Incident, *, the_rules: Rules, actor: str, now: datetime,
             note: str = "") -> tuple[str | None, bool]:
    """Grade the incident's current figures; records the report. Returns (previous grade, counted)."""
    previous = incident.grade
    counted = the_rules.windows.is_open(incident.subtype, incident.occurred_at, now)
    decided_by = incident.grade_decided_by
    if the_rules.categories[incident.category].graded_by_reg493 and counted:
        result = grade(Casualties(**_figures(incident)), the_rules.grades)
        incident.grade, incident.grade_decided_by = result.grade.code, result.decided_by
        decided_by = result.decided_by
    session.add(IncidentGrading(incident_id=incident.id, region_code=incident.region_code, at=now,
                                grade=incident.grade, decided_by=decided_by, counted=counted, actor=actor, note=note,
                                **_figures(incident)))
    return previous, counted


def _grade_text(the_rules: Rules, incident: Incident) -> str:
    if incident.grade is None:
        return f"{the_rules.category_name(incident.category)}不按第493号令定级"
    why = (f"，由{DIMENSION_NAMES_ZH[incident.grade_decided_by]}决定" if incident.grade_decided_by else "")
    return f"事故等级：{_grade_name(the_rules, incident.grade)}{why}"


def _casualty_text(incident: Incident) -> str:
    return (f"死亡 {incident.deaths} 人、下落不明 {incident.missing} 人、重伤 {incident.serious_injuries} 人、"
            f"轻伤 {incident.minor_injuries} 人，直接经济损失 {incident.loss_yuan:,} 元")


def _region(session: Session, *, given: str | None, lon: float | None, lat: float | None, fallback: str) -> str:
    """The given division if it exists; else the street (or district) whose boundary holds the point."""
    if given:
        if not regions_service.names(session, codes=[given]):
            raise field_error("region_code", f"unknown division {given}", "行政区划不存在或不在您的管辖范围内")
        return given
    if lon is not None and lat is not None:
        for level in ("street", "county"):
            found = regions_service.locate(session, lon=lon, lat=lat, level=level, within=fallback)
            if found is not None:
                return found.code
    return fallback


def open_incident(
    session: Session, *, incident_in: IncidentCreate, principal: Principal | None, settings: Settings, now: datetime,
    source: str = "duty_desk", source_ref: str | None = None, link: Mapping[str, Any] | None = None,
    opening: Mapping[str, Any] | None = None,
) -> Incident:
    """接报: a new incident in state ``received``, graded from the figures reported with the call. ``link``
    sets columns tying it to a unit or an alarm; ``opening`` adds keys to the opening entry's payload (the
    hazard ticket an incident was promoted from, emergency/promote.py)."""
    the_rules = rules(settings)
    _check_kind(the_rules, incident_in.category, incident_in.subtype)
    reported_at = as_utc(incident_in.reported_at) if incident_in.reported_at else now
    occurred_at = as_utc(incident_in.occurred_at) if incident_in.occurred_at else reported_at
    if reported_at > now or occurred_at > now:
        field = "reported_at" if reported_at > now else "occurred_at"
        raise field_error(field, "the time lies in the future", "时间不能晚于当前时间")
    if occurred_at > reported_at:
        raise field_error("occurred_at", "it cannot have happened after the call", "发生时间不能晚于接报时间")
    lon, lat = location_wgs84(incident_in.location)
    fallback = principal.region_code if principal else settings.root_region
    region = _region(session, given=incident_in.region_code, lon=lon, lat=lat, fallback=fallback)
    actor, actor_id = _actor(principal)
    subtype_name = the_rules.subtype_name(incident_in.category, incident_in.subtype)
    title = incident_in.title.strip() or f"{incident_in.place[:60]}{subtype_name}"
    extra = dict(link or {})
    incident = Incident(
        category=incident_in.category, subtype=incident_in.subtype, state=State.RECEIVED.value, title=title[:200],
        description=incident_in.description, region_code=region, occurred_at=occurred_at, reported_at=reported_at,
        opened_at=now, caller_name=incident_in.caller_name.strip(), caller_phone=incident_in.caller_phone.strip(),
        place=incident_in.place, lon=lon, lat=lat, source=source, source_ref=source_ref, opened_by=actor,
        created_at=now, updated_at=now, **{name: getattr(incident_in, name) for name in FIGURES}, **extra)
    session.add(incident)
    session.flush()
    _regrade(session, incident, the_rules=the_rules, actor=actor, now=now, note="首报")
    caller = f"，报告人 {incident.caller_name}" if incident.caller_name else ""
    phone = f"（{incident.caller_phone}）" if incident.caller_phone else ""
    timeline.append(session, incident=incident, kind="opened", actor=actor, actor_id=actor_id, at=now,
                    text=(f"接报：{format_local(reported_at)}{caller}{phone}；{incident.place}；"
                          f"{subtype_name}：{incident.description[:500]}"),
                    payload={"source": source, "category": incident.category, "subtype": incident.subtype,
                             "reported_at": reported_at.isoformat(), "occurred_at": occurred_at.isoformat(),
                             "lon": lon, "lat": lat, "alarm_id": incident.alarm_id, **_figures(incident),
                             **dict(opening or {})})
    timeline.append(session, incident=incident, kind="graded", actor=actor, actor_id=actor_id, at=now,
                    text=f"{_grade_text(the_rules, incident)}；{_casualty_text(incident)}",
                    payload={"grade": incident.grade, "decided_by": incident.grade_decided_by})
    publish(session, IncidentOpened(**_event_fields(incident), source=source, opened_at=now.isoformat()))
    return incident


def get(session: Session, *, incident_id: int) -> Incident:
    return get_or_404(session, Incident, incident_id, what="incident", what_zh="突发事件")


def list_incidents(session: Session, *, filters: IncidentFilter, params: PageParams) -> tuple[Sequence[Incident], int]:
    """Newest first, in the session's scope."""
    stmt = select(Incident)
    if filters.state:
        stmt = stmt.where(Incident.state.in_([s.value for s in filters.state]))
    if filters.active is not None:
        active = Incident.state.in_([s.value for s in ACTIVE_STATES])
        stmt = stmt.where(active if filters.active else ~active)
    if filters.category:
        stmt = stmt.where(Incident.category == filters.category)
    if filters.region:
        stmt = stmt.where(in_region(Incident.region_code, filters.region))
    if filters.alarm_id is not None:
        stmt = stmt.where(Incident.alarm_id == filters.alarm_id)
    stmt = stmt.where(drill_mode.condition(Incident.is_drill, filters.drill))
    total = int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    rows = session.scalars(stmt.order_by(Incident.opened_at.desc(), Incident.id.desc())
                           .offset(params.offset).limit(params.size)).all()
    return rows, total


def transition(session: Session, *, incident: Incident, change: TransitionIn, principal: Principal | None,
               settings: Settings, now: datetime) -> Incident:
    the_rules = rules(settings)
    level = (change.response_level or "").strip() or None
    try:
        target = decide(State(incident.state), change.action, response_level=level,
                        levels=frozenset(the_rules.response_levels))
    except TransitionRefused as refused:
        if refused.conflict:
            raise Conflict(detail=refused.message, detail_zh=refused.message_zh, fields=[
                field_error(refused.field, refused.message, refused.message_zh).fields[0]]) from refused
        raise field_error(refused.field, refused.message, refused.message_zh) from refused
    actor, actor_id = _actor(principal)
    previous_state, previous_level = incident.state, incident.response_level
    if change.action in (Action.RESPOND, Action.SET_LEVEL):
        incident.response_level = level
    incident.state = target.value
    incident.updated_at = now
    if target is State.ARCHIVED:
        incident.archived_at = now
    note = f"：{change.note.strip()}" if change.note.strip() else ""
    if change.action is Action.SET_LEVEL:
        text = (f"响应级别由{the_rules.response_levels.get(previous_level or '', '未定')}"
                f"调整为{the_rules.response_levels[level or '']}{note}")
        kind = "response_level"
    else:
        lvl = f"（{the_rules.response_levels[level or '']}响应）" if change.action is Action.RESPOND else ""
        text = (f"{ACTION_NAMES_ZH[change.action]}{lvl}：{STATE_NAMES_ZH[previous_state]} → "
                f"{STATE_NAMES_ZH[target]}{note}")
        kind = "transition"
    timeline.append(session, incident=incident, kind=kind, text=text, actor=actor, actor_id=actor_id, at=now,
                    payload={"action": change.action.value, "from": previous_state, "to": target.value,
                             "response_level": incident.response_level, "note": change.note.strip()})
    if target in (State.RESPONSE_ENDED, State.ARCHIVED):  # closed: into the accident ledger (ledger/service.py)
        ledger.record_incident(session, incident=incident, settings=settings, now=now)
    publish(session, IncidentStateChanged(**_event_fields(incident), previous_state=previous_state,
                                          response_level=incident.response_level))
    return incident


def report_casualties(session: Session, *, incident: Incident, change: CasualtiesIn, principal: Principal | None,
                      settings: Settings, now: datetime) -> Incident:
    """补报: new figures; within the window (30 days, 7 for road traffic and fire) the grade follows them."""
    if incident.state == State.ARCHIVED.value:
        raise Conflict(detail="an archived incident takes no casualty report; add a correction to its timeline",
                       detail_zh="已归档的事件不能补报伤亡，更正请追加时间线记录",
                       fields=[field_error("deaths", "archived", "已归档").fields[0]])
    the_rules = rules(settings)
    before = _figures(incident)
    for name in FIGURES:
        value = getattr(change, name)
        if value is not None:
            setattr(incident, name, value)
    after = _figures(incident)
    if after == before:
        raise field_error("deaths", "the figures are the ones already recorded", "伤亡和损失数字与已记录的相同")
    actor, actor_id = _actor(principal)
    incident.updated_at = now
    previous, counted = _regrade(session, incident, the_rules=the_rules, actor=actor, now=now, note=change.note)
    changed = {k: [before[k], after[k]] for k in FIGURES if before[k] != after[k]}
    if counted and ledger.entry_of(session, incident_id=incident.id) is not None:  # 补报 after it was closed
        ledger.record_incident(session, incident=incident, settings=settings, now=now)
    window = the_rules.windows.days(incident.subtype)
    outside = "" if counted else f"（已超过自发生之日起 {window} 日的补报期，等级不再调整）"
    timeline.append(session, incident=incident, kind="casualties", actor=actor, actor_id=actor_id, at=now,
                    text=f"伤亡补报：{_casualty_text(incident)}{outside}" + (f"；{change.note}" if change.note else ""),
                    payload={"changed": changed, "counted": counted, "window_days": window})
    if incident.grade != previous:
        timeline.append(session, incident=incident, kind="regraded", actor=actor, actor_id=actor_id, at=now,
                        text=(f"事故等级由{_grade_name(the_rules, previous)}调整为"
                              f"{_grade_text(the_rules, incident).removeprefix('事故等级：')}"),
                        payload={"previous_grade": previous, "grade": incident.grade,
                                 "decided_by": incident.grade_decided_by})
        publish(session, IncidentGraded(**_event_fields(incident), previous_grade=previous))
    return incident


def append_note(session: Session, *, incident: Incident, kind: str, text: str, corrects_seq: int | None,
                principal: Principal | None, now: datetime) -> None:
    """A note or a correction on the timeline; a correction names an existing entry, which stays unchanged."""
    if corrects_seq is not None and corrects_seq > incident.timeline_length:
        raise field_error("corrects_seq", "no such timeline entry", "时间线中没有这条记录")
    if kind == "correction" and corrects_seq is None:
        raise field_error("corrects_seq", "name the entry this corrects", "更正须指明被更正的记录序号")
    actor, actor_id = _actor(principal)
    timeline.append(session, incident=incident, kind=kind, text=text, actor=actor, actor_id=actor_id, at=now,
                    payload={"corrects_seq": corrects_seq} if corrects_seq else {})


# --- a confirmed fire (firewatch's FireConfirmed, taken by name) --------------------------------------------

def _moment(value: Any, default: datetime) -> datetime:
    try:
        return as_utc(datetime.fromisoformat(str(value)))
    except (TypeError, ValueError):
        return default


def _known_region(session: Session, code: Any, fallback: str) -> str:
    text = str(code or "")
    return text if text.isdigit() and regions_service.names(session, codes=[text]) else fallback


def open_for_fire(session: Session, payload: Mapping[str, Any], *, settings: Settings,
                  now: datetime) -> Incident | None:
    """An incident of 事故灾难 / 火灾 for a fire an operator confirmed, linked to the alarm, its unit and place.

    One per alarm: the alarm id is the incident's ``source_ref`` (unique), so a redelivered event finds its
    incident and does nothing. An unknown region falls back to the root region; an unknown unit is left out.
    """
    alarm_id = payload.get("alarm_id")
    if alarm_id is None:
        log.warning("FireConfirmed without alarm_id ignored: %s", payload)
        return None
    ref = f"firewatch-fire:{alarm_id}"
    existing = session.scalars(select(Incident).where(Incident.source_ref == ref)).first()
    if existing is not None:
        return existing
    org_id = str(payload.get("unit_organization_id") or "")
    try:
        org = orgs_service.get(session, org_id=int(org_id)) if org_id.isdigit() else None
    except NotFound:
        org = None
    unit_name = str(payload.get("unit_name") or (org.name if org else "") or "联网单位")
    address = str(payload.get("address") or "")
    component = str(payload.get("component") or "")
    detail = str(payload.get("description") or "")
    confirmed_at = _moment(payload.get("confirmed_at"), now)
    first = min(_moment(payload.get("first_received_at"), confirmed_at), confirmed_at)
    lon, lat = payload.get("lon"), payload.get("lat")
    location = ({"lon": float(lon), "lat": float(lat)}
                if isinstance(lon, int | float) and isinstance(lat, int | float) else None)
    note = str(payload.get("note") or "")
    # The event carries the operator's account; the record names the person, as the desk would say it.
    confirmer = str(payload.get("confirmed_by") or "")
    account = auth_service.users_by_username(session, usernames=[confirmer]).get(confirmer) if confirmer else None
    confirmed_by = (account.display_name if account else confirmer) or "值班员"
    description = (f"消防物联网监控中心确认火警：{unit_name}，{component or '火灾探测器'}报警"
                   f"{('（' + detail + '）') if detail else ''}；首次报警 {format_local(first)}，"
                   f"{confirmed_by}于 {format_local(confirmed_at)} 确认。{note}")[:4000]
    incident_in = IncidentCreate.model_validate({
        "category": "accident", "subtype": "fire", "description": description, "title": f"{unit_name}火灾"[:200],
        "place": (f"{unit_name} {address}".strip())[:300], "location": location,
        "region_code": _known_region(session, payload.get("region_code"), settings.root_region),
        "caller_name": "消防物联网监控中心", "reported_at": confirmed_at, "occurred_at": first})
    unit_id = payload.get("unit_id")
    return open_incident(session, incident_in=incident_in, principal=None, settings=settings,
                         now=max(now, confirmed_at), source="firewatch", source_ref=ref,
                         link={"alarm_id": int(alarm_id), "unit_id": int(unit_id) if unit_id is not None else None,
                               "unit_name": unit_name, "organization_id": org.id if org else None})


# --- drill mode (drill_mode.py): a drill's incident closes with the drill ----------------------------------

def close_drill_incident(session: Session, *, incident: Incident, principal: Principal | None, settings: Settings,
                         now: datetime, note: str = "") -> Incident:
    """The drill ended: its incident's response is terminated and the incident archived in one step, with one
    timeline entry saying so. Only a drill incident closes this way; an archived one is left as it is."""
    if not drill_mode.is_drill(incident):
        raise Conflict(detail="only a drill's incident closes with its drill", detail_zh="只有演练事件随演练结束关闭")
    if incident.state == State.ARCHIVED.value:
        return incident
    actor, actor_id = _actor(principal)
    previous_state = incident.state
    incident.state, incident.archived_at, incident.updated_at = State.ARCHIVED.value, now, now
    tail = f"：{note.strip()}" if note.strip() else ""
    timeline.append(session, incident=incident, kind="drill_closed", actor=actor, actor_id=actor_id, at=now,
                    text=(f"演练结束，事件随演练关闭：{STATE_NAMES_ZH[previous_state]} → "
                          f"{STATE_NAMES_ZH[State.RESPONSE_ENDED]} → {STATE_NAMES_ZH[State.ARCHIVED]}{tail}"),
                    payload={"from": previous_state, "to": State.ARCHIVED.value, "drill_id": incident.drill_id})
    ledger.record_incident(session, incident=incident, settings=settings, now=now)  # writes nothing for a drill
    publish(session, IncidentStateChanged(**_event_fields(incident), previous_state=previous_state,
                                          response_level=incident.response_level))
    return incident
