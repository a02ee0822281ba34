"""Sending teams to an incident by travel time: suggest the nearest standing by, dispatch (the team's status
and the incident's timeline change together), record arrival and release.

Travel time comes from the road network in service (emergency/routing); without one it is a straight-line
estimate, and every answer and timeline entry says which.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, field_error, not_found
from citysafe.emergency import timeline
from citysafe.emergency.calc.lifecycle import State
from citysafe.emergency.dispatch.models import DispatchOrder
from citysafe.emergency.dispatch.schemas import OrderRead, Suggestion, SuggestionsOut
from citysafe.emergency.models import Incident
from citysafe.emergency.resources import service as resources
from citysafe.emergency.resources.calc.status import TeamStatus
from citysafe.emergency.resources.schemas import TEAM_KIND_NAMES_ZH, TeamKind, TeamPoint
from citysafe.emergency.routing import service as routing
from citysafe.emergency.routing.calc.dispatch import Candidate, Route, routes_to

METHOD_NAMES_ZH = {"road_network": "按路网行程时间", "straight_line": "按直线距离估算"}
STATE_NAMES_ZH = {"on_the_way": "途中", "on_scene": "到场", "released": "已撤离"}
# An incident whose response has ended (响应终止, then 善后 and 归档) takes no more teams.
_CLOSED = {State.RESPONSE_ENDED.value, State.AFTERMATH.value, State.ARCHIVED.value}
OPEN_STATES = frozenset(s.value for s in State) - _CLOSED


def _scene(incident: Incident) -> tuple[float, float]:
    if incident.lon is None or incident.lat is None:
        raise Conflict(detail="the incident has no location yet: record where it is before dispatching by travel "
                              "time", detail_zh="事件尚无位置，请先补充事发位置再按行程时间调派")
    return incident.lon, incident.lat


def _kind_name(kind: str) -> str:
    try:
        return TEAM_KIND_NAMES_ZH[TeamKind(kind)]
    except ValueError:
        return kind


def _routes(session: Session, incident: Incident, teams: Iterable[TeamPoint]) -> tuple[str, str, list[Route]]:
    used, _ = routing.metric(session)
    candidates = [Candidate(str(t.id), t.lon, t.lat) for t in teams]
    return used.method, used.note, routes_to(used, _scene(incident), candidates)


def suggest(session: Session, *, incident: Incident, k: int, kinds: list[str] | None) -> SuggestionsOut:
    """The ``k`` teams standing by that reach the scene soonest (in the reader's region), with their routes."""
    teams = {t.id: t for t in resources.available_teams(session, kinds=kinds)}
    method, note, routes = _routes(session, incident, teams.values())
    out = []
    for route in routes[:k]:
        team = teams[int(route.candidate_id)]
        out.append(Suggestion(team_id=team.id, team_name=team.name, kind=team.kind, kind_name=_kind_name(team.kind),
                              seconds=round(route.seconds, 1), metres=round(route.metres, 1),
                              route=routing.feature(route, team_id=team.id, team_name=team.name)))
    return SuggestionsOut(method=method, note=note, suggestions=out)


def dispatch(session: Session, *, incident: Incident, team_ids: list[int], note: str, principal: Principal,
             now: datetime) -> list[DispatchOrder]:
    """One order per team; each team becomes 已出动 for this incident and the timeline says who goes, how far and
    when they are expected. All or nothing: one team that cannot go refuses the whole order."""
    if incident.state in _CLOSED:
        raise Conflict(detail="the response has ended: no more teams are sent",
                       detail_zh="应急响应已终止，不再调派队伍")
    if len(set(team_ids)) != len(team_ids):
        raise field_error("team_ids", "a team is named twice", "同一支队伍重复出现")
    teams = [resources.get_team(session, team_id=team_id) for team_id in team_ids]
    method, _, routes = _routes(session, incident, [resources.team_point(t) for t in teams])
    by_team = {int(r.candidate_id): r for r in routes}
    orders = []
    for team in teams:
        if team.id not in by_team:
            raise field_error("team_ids", f"team {team.id} cannot reach the scene on the road network",
                              f"队伍“{team.name}”经路网无法到达事发地点")
        route = by_team[team.id]
        resources.set_team_status(session, team_id=team.id, status=TeamStatus.DISPATCHED, incident_id=incident.id,
                                  actor=principal.display_name, now=now, note=note)
        order = DispatchOrder(incident_id=incident.id, region_code=incident.region_code, team_id=team.id,
                              team_name=team.name, method=method, eta_seconds=route.seconds, metres=route.metres,
                              route=[list(c) for c in route.coordinates], note=note, dispatched_at=now,
                              dispatched_by=principal.display_name)
        session.add(order)
        session.flush()
        minutes = max(1, round(route.seconds / 60))
        timeline.append(session, incident=incident, kind="dispatch", actor=principal.display_name,
                        actor_id=principal.user_id, at=now,
                        text=(f"调派 {team.name}（{_kind_name(team.kind)}），{route.metres / 1000:.1f} 公里，"
                              f"预计 {minutes} 分钟到达（{METHOD_NAMES_ZH[method]}）"
                              + (f"。{note.strip()}" if note.strip() else "")),
                        payload={"dispatch_id": order.id, "team_id": team.id, "eta_seconds": round(route.seconds),
                                 "metres": round(route.metres), "method": method})
        orders.append(order)
    return orders


def order_of(session: Session, *, incident: Incident, order_id: int) -> DispatchOrder:
    """The incident's order ``order_id``; another incident's answers as absent (404), like one out of scope."""
    order = get_or_404(session, DispatchOrder, order_id, what="dispatch order", what_zh="调派记录")
    if order.incident_id != incident.id:
        raise not_found("dispatch order", "调派记录", order_id)
    return order


def arrive(session: Session, *, incident: Incident, order: DispatchOrder, principal: Principal,
           now: datetime) -> DispatchOrder:
    """到场: the team is on scene; the timeline keeps how long it took against the estimate."""
    if order.arrived_at is not None or order.released_at is not None:
        raise Conflict(detail="arrival is already recorded", detail_zh="已记录到场")
    resources.set_team_status(session, team_id=order.team_id, status=TeamStatus.ON_SCENE, actor=principal.display_name,
                              now=now)
    order.arrived_at = now
    took = max(1, round((now - order.dispatched_at).total_seconds() / 60))
    expected = max(1, round(order.eta_seconds / 60))
    timeline.append(session, incident=incident, kind="dispatch", actor=principal.display_name,
                    actor_id=principal.user_id, at=now,
                    text=f"{order.team_name} 到达现场，用时 {took} 分钟（预计 {expected} 分钟）",
                    payload={"dispatch_id": order.id, "team_id": order.team_id, "arrived": True})
    return order


def release(session: Session, *, incident: Incident, order: DispatchOrder, principal: Principal,
            now: datetime) -> DispatchOrder:
    """撤离: the team leaves the scene (or is called off on the way) and returns."""
    if order.released_at is not None:
        raise Conflict(detail="the team has already been released", detail_zh="该队伍已撤离")
    resources.set_team_status(session, team_id=order.team_id, status=TeamStatus.RETURNING,
                              actor=principal.display_name, now=now)
    order.released_at = now
    text = f"{order.team_name} 撤离返回" if order.arrived_at else f"{order.team_name} 途中取消调派，返回"
    timeline.append(session, incident=incident, kind="dispatch", actor=principal.display_name,
                    actor_id=principal.user_id, at=now, text=text,
                    payload={"dispatch_id": order.id, "team_id": order.team_id, "released": True})
    return order


def of_incident(session: Session, *, incident_id: int) -> list[DispatchOrder]:
    return list(session.scalars(select(DispatchOrder).where(DispatchOrder.incident_id == incident_id)
                                .order_by(DispatchOrder.dispatched_at, DispatchOrder.id)))


def order_read(order: DispatchOrder) -> OrderRead:
    state = "released" if order.released_at else "on_scene" if order.arrived_at else "on_the_way"
    coords: list[Any] = order.route or []
    if len(coords) == 1:
        coords = [coords[0], coords[0]]
    route = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
             "properties": {"team_id": order.team_id, "team_name": order.team_name, "state": state}}
    return OrderRead(id=order.id, incident_id=order.incident_id, team_id=order.team_id, team_name=order.team_name,
                     method=order.method, eta_seconds=round(order.eta_seconds, 1), metres=round(order.metres, 1),
                     expected_at=order.dispatched_at + timedelta(seconds=order.eta_seconds),
                     dispatched_at=order.dispatched_at, dispatched_by=order.dispatched_by, arrived_at=order.arrived_at,
                     released_at=order.released_at, state=state, state_name=STATE_NAMES_ZH[state], route=route)
