"""Aid requests between offices (支援请求): ask, accept or decline, withdraw, dispatch across the boundary, record
arrival and release, close.

Every step is written twice: on the requesting incident's timeline (the requesting side's record) and on the
request's own chained log (the giving side's record, which is where the giver's console reads the job). The
giver's teams go out as ordinary dispatch orders of the requesting incident (emergency/dispatch), so the
incident room, its map and its timeline show them like the city's own.

Crossing the boundary: the scope filter (core/scope.py) keeps every office to its own rows, and a step of one
side writes rows of the other (the giver's answer on the requester's timeline, the giver's team sent to the
requester's incident). ``_crossing`` lifts the filter for exactly those writes, after the service has checked
that the actor stands on the side the step belongs to; nothing else runs while it is lifted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.clock import format_local
from citysafe.core.errors import Conflict, Forbidden, field_error, not_found
from citysafe.core.scope import Scope, bind_scope, current_scope, region_clause
from citysafe.core.validators import region_prefix
from citysafe.emergency import service as incidents
from citysafe.emergency import timeline
from citysafe.emergency.calc import chain
from citysafe.emergency.dispatch import service as dispatching
from citysafe.emergency.dispatch.schemas import OrderRead
from citysafe.emergency.models import Incident
from citysafe.emergency.mutualaid.models import AidLogEntry, AidRequest
from citysafe.emergency.mutualaid.schemas import (
    STATE_NAMES_ZH,
    AcceptIn,
    AidRequestIn,
    AidRequestRead,
    AidState,
    LogEntryRead,
)
from citysafe.emergency.resources import service as resources
from citysafe.emergency.resources.calc.status import TeamStatus
from citysafe.emergency.resources.models import Team
from citysafe.emergency.resources.schemas import TEAM_KIND_NAMES_ZH, TeamKind
from citysafe.regions import service as regions_service

REQUESTER, GIVER = "requester", "giver"


@contextmanager
def _crossing(session: Session) -> Iterator[None]:
    """The scope filter lifted for the other side's rows of one checked step; flushed before it is restored."""
    saved = current_scope(session)
    session.flush()
    bind_scope(session, None)
    try:
        yield
        session.flush()
    finally:
        bind_scope(session, saved)


def visible(stmt: Select[Any], scope: Scope | None) -> Select[Any]:
    """Requests whose incident or whose giving office lies in ``scope``: each side sees its own, nobody else."""
    if scope is None:
        return stmt
    return stmt.where(or_(region_clause(AidRequest.incident_region, scope.prefix),
                          region_clause(AidRequest.giver_region, scope.prefix)))


def sides(session: Session, aid: AidRequest) -> set[str]:
    scope = current_scope(session)
    if scope is None:
        return {REQUESTER, GIVER}
    return ({REQUESTER} if scope.covers(aid.incident_region) else set()) | (
        {GIVER} if scope.covers(aid.giver_region) else set())


def _require(session: Session, aid: AidRequest, side: str) -> None:
    if side not in sides(session, aid):
        who = "the office asked" if side == GIVER else "the asking office"
        raise Forbidden(detail=f"only {who} takes this step",
                        detail_zh="只有支援方可以答复和派出" if side == GIVER else "只有请求方可以撤回")


def _state(aid: AidRequest, *allowed: AidState) -> None:
    if aid.state not in {a.value for a in allowed}:
        raise Conflict(detail=f"the request is {aid.state}", detail_zh=f"该支援请求当前为“"
                       f"{STATE_NAMES_ZH[AidState(aid.state)]}”，不能进行此操作")


def get(session: Session, *, aid_id: int, lock: bool = False) -> AidRequest:
    """The request if the reader takes part in it; ``lock`` for a step (``FOR UPDATE`` on PostgreSQL), so two
    answers at once are taken one after the other and the second sees the first's state."""
    stmt = visible(select(AidRequest).where(AidRequest.id == aid_id), current_scope(session))
    aid: AidRequest | None = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if aid is None:
        raise not_found("aid request", "支援请求", aid_id)
    return aid


def listing(session: Session, *, direction: str | None = None, incident_id: int | None = None,
            limit: int = 200) -> list[AidRequest]:
    scope = current_scope(session)
    stmt = visible(select(AidRequest), scope)
    if scope is not None and direction == "outgoing":
        stmt = stmt.where(region_clause(AidRequest.incident_region, scope.prefix))
    if scope is not None and direction == "incoming":
        stmt = stmt.where(region_clause(AidRequest.giver_region, scope.prefix))
    if incident_id is not None:
        stmt = stmt.where(AidRequest.incident_id == incident_id)
    return list(session.scalars(stmt.order_by(AidRequest.created_at.desc(), AidRequest.id.desc()).limit(limit)))


def _names(session: Session, codes: list[str]) -> dict[str, str]:
    with _crossing(session):  # the other side's division name: reference data, read only
        return regions_service.names(session, codes=codes)


def _log(session: Session, aid: AidRequest, *, side: str, kind: str, text: str, actor: str, at: datetime,
         payload: dict[str, Any] | None = None) -> None:
    # Locked and re-read like an incident's timeline (timeline.py): two steps at once never share a sequence.
    session.flush()
    session.execute(select(AidRequest.id).where(AidRequest.id == aid.id).with_for_update())
    session.refresh(aid, ["log_length", "log_head"])
    seq = aid.log_length + 1
    clean = dict(payload or {})
    digest = chain.link({"incident_id": aid.id, "seq": seq, "kind": kind, "text": text, "actor": actor, "at": at,
                         "payload": clean}, aid.log_head)
    session.add(AidLogEntry(aid_request_id=aid.id, seq=seq, side=side, kind=kind, text=text, actor=actor[:100],
                            at=at, payload=clean, prev_hash=aid.log_head, hash=digest))
    aid.log_length, aid.log_head = seq, digest


def _record(session: Session, aid: AidRequest, *, side: str, kind: str, text: str, principal: Principal,
            now: datetime, payload: dict[str, Any] | None = None) -> None:
    """One step on both records: the request's log and the requesting incident's timeline."""
    body = {"aid_request_id": aid.id, "step": kind, **(payload or {})}
    _log(session, aid, side=side, kind=kind, text=text, actor=principal.display_name, at=now, payload=body)
    with _crossing(session):
        incident = incidents.get(session, incident_id=aid.incident_id)
        timeline.append(session, incident=incident, kind="mutual_aid", actor=principal.display_name,
                        actor_id=principal.user_id, at=now, text=text, payload=body)


def _asked_text(aid: AidRequest) -> str:
    parts = [f"{TEAM_KIND_NAMES_ZH.get(TeamKind(t['kind']), t['kind'])} {t['count']} 支" for t in aid.teams_asked]
    parts += [f"{s['name']}（{s['code']}）{s['quantity']} {s['unit']}" for s in aid.supplies_asked]
    return "、".join(parts)


def request(session: Session, *, incident: Incident, data: AidRequestIn, principal: Principal,
            now: datetime) -> AidRequest:
    """支援请求 of the reader's office, for one of its incidents, to an office outside its region."""
    if incident.state not in dispatching.OPEN_STATES:
        raise Conflict(detail="the response has ended: no aid is asked for", detail_zh="应急响应已终止，不再请求支援")
    if incident.is_drill:  # a drill sends nothing outward (drill_mode.py): another city's desk would take it as real
        raise Conflict(detail="a drill incident does not ask other offices for aid",
                       detail_zh="演练事件不向其他地区发出支援请求")
    names = _names(session, [data.giver_region, principal.region_code])
    if data.giver_region not in names:
        raise field_error("giver_region", f"no division {data.giver_region}",
                          f"行政区划代码 {data.giver_region} 不存在")
    if data.giver_region.startswith(region_prefix(principal.region_code)):
        raise field_error("giver_region", "that office is inside your own region: dispatch its teams directly",
                          "该地区在本辖区内，可直接调派，无需请求支援")
    if data.needed_by is not None and data.needed_by <= now:
        raise field_error("needed_by", "the time lies in the past", "要求到达时间应晚于当前时间")
    aid = AidRequest(incident_id=incident.id, incident_region=incident.region_code,
                     requester_region=principal.region_code, giver_region=data.giver_region,
                     teams_asked=[t.model_dump(mode="json") for t in data.teams],
                     supplies_asked=[s.model_dump(mode="json") for s in data.supplies], reason=data.reason.strip(),
                     needed_by=data.needed_by, contact=data.contact.strip(), state=AidState.REQUESTED.value,
                     requested_by=principal.display_name[:100], created_at=now, updated_at=now)
    session.add(aid)
    session.flush()
    by = f"，要求 {format_local(data.needed_by)[:16]} 前到达" if data.needed_by else ""
    text = (f"{names.get(principal.region_code, principal.region_code)}向{names[data.giver_region]}请求支援："
            f"{_asked_text(aid)}{by}。理由：{aid.reason[:300]}")
    _record(session, aid, side=REQUESTER, kind="requested", text=text, principal=principal, now=now,
            payload={"giver_region": aid.giver_region})
    return aid


def _giver_team(session: Session, aid: AidRequest, team_id: int) -> Team:
    """One of the giving office's own teams (looked up in the actor's scope: another's answers 404)."""
    team = resources.get_team(session, team_id=team_id)
    if not team.region_code.startswith(region_prefix(aid.giver_region)):
        raise field_error("team_ids", f"team {team_id} is not one of the asked office's",
                          f"队伍“{team.name}”不属于被请求的地区")
    return team


def accept(session: Session, *, aid: AidRequest, data: AcceptIn, principal: Principal, now: datetime) -> AidRequest:
    _require(session, aid, GIVER)
    _state(aid, AidState.REQUESTED)
    if not data.team_ids and not data.supplies:
        raise field_error("team_ids", "offer at least one team or one supply line", "请至少提供一支队伍或一项物资")
    if len(set(data.team_ids)) != len(data.team_ids):
        raise field_error("team_ids", "a team is named twice", "同一支队伍重复出现")
    teams = [_giver_team(session, aid, t) for t in data.team_ids]
    for team in teams:
        if team.status != TeamStatus.AVAILABLE.value:
            raise field_error("team_ids", f"team {team.id} is not standing by", f"队伍“{team.name}”当前不在待命状态")
    aid.state, aid.answered_by, aid.answered_at = AidState.ACCEPTED.value, principal.display_name[:100], now
    aid.answer_note = data.note.strip()
    aid.teams_offered = [t.id for t in teams]
    aid.supplies_offered = [s.model_dump(mode="json") for s in data.supplies]
    aid.updated_at = now
    offered = [f"{t.name}（{TEAM_KIND_NAMES_ZH.get(TeamKind(t.kind), t.kind)}，{t.headcount} 人）" for t in teams]
    offered += [f"{s.name}（{s.code}）{s.quantity} {s.unit}" for s in data.supplies]
    giver = _names(session, [aid.giver_region]).get(aid.giver_region, aid.giver_region)
    text = f"{giver}同意支援：{'、'.join(offered)}" + (f"。{aid.answer_note[:300]}" if aid.answer_note else "")
    _record(session, aid, side=GIVER, kind="accepted", text=text, principal=principal, now=now,
            payload={"team_ids": aid.teams_offered})
    return aid


def decline(session: Session, *, aid: AidRequest, reason: str, principal: Principal, now: datetime) -> AidRequest:
    _require(session, aid, GIVER)
    _state(aid, AidState.REQUESTED)
    aid.state, aid.answered_by, aid.answered_at = AidState.DECLINED.value, principal.display_name[:100], now
    aid.answer_note, aid.updated_at = reason.strip(), now
    giver = _names(session, [aid.giver_region]).get(aid.giver_region, aid.giver_region)
    _record(session, aid, side=GIVER, kind="declined", text=f"{giver}无法支援：{aid.answer_note[:500]}",
            principal=principal, now=now)
    return aid


def withdraw(session: Session, *, aid: AidRequest, note: str, principal: Principal, now: datetime) -> AidRequest:
    _require(session, aid, REQUESTER)
    _state(aid, AidState.REQUESTED, AidState.ACCEPTED)
    aid.state, aid.closed_at, aid.updated_at = AidState.WITHDRAWN.value, now, now
    _record(session, aid, side=REQUESTER, kind="withdrawn",
            text="撤回支援请求" + (f"：{note.strip()[:500]}" if note.strip() else ""), principal=principal, now=now)
    return aid


def dispatch(session: Session, *, aid: AidRequest, team_ids: list[int], note: str, principal: Principal,
             now: datetime) -> AidRequest:
    """The giver sends its teams (the offered ones by default) to the requesting incident: ordinary dispatch
    orders of that incident, routed from each team to the scene; the requester's timeline gets each order."""
    _require(session, aid, GIVER)
    _state(aid, AidState.ACCEPTED, AidState.DISPATCHED)
    chosen = team_ids or [t for t in aid.teams_offered if t not in _sent_teams(session, aid)]
    if not chosen:
        raise field_error("team_ids", "choose the teams to send", "请选择要派出的队伍")
    teams = [_giver_team(session, aid, t) for t in chosen]
    giver = _names(session, [aid.giver_region]).get(aid.giver_region, aid.giver_region)
    with _crossing(session):
        incident = incidents.get(session, incident_id=aid.incident_id)
        orders = dispatching.dispatch(session, incident=incident, team_ids=[t.id for t in teams],
                                      note=(f"跨区域支援（{giver}）" + (f"：{note.strip()}" if note.strip() else "")),
                                      principal=principal, now=now)
    aid.dispatch_ids = [*aid.dispatch_ids, *(o.id for o in orders)]
    aid.state, aid.updated_at = AidState.DISPATCHED.value, now
    for order in orders:
        minutes = max(1, round(order.eta_seconds / 60))
        _log(session, aid, side=GIVER, kind="dispatched", actor=principal.display_name, at=now,
             text=f"派出 {order.team_name} 赴{incident.title}，{order.metres / 1000:.1f} 公里，预计 {minutes} 分钟到达",
             payload={"dispatch_id": order.id, "team_id": order.team_id})
    return aid


def _sent_teams(session: Session, aid: AidRequest) -> set[int]:
    with _crossing(session):
        return {o.team_id for o in dispatching.of_incident(session, incident_id=aid.incident_id)
                if o.id in aid.dispatch_ids}


def step(session: Session, *, aid: AidRequest, dispatch_id: int, arrived: bool, principal: Principal,
         now: datetime) -> AidRequest:
    """到场 or 撤离 of a team sent under the request, recorded by either side (the scene sees it arrive, the
    team's own office hears from it)."""
    if not sides(session, aid):
        raise not_found("aid request", "支援请求", aid.id)
    if dispatch_id not in aid.dispatch_ids:
        raise not_found("dispatch order", "调派记录", dispatch_id)
    side = REQUESTER if REQUESTER in sides(session, aid) else GIVER
    with _crossing(session):
        incident = incidents.get(session, incident_id=aid.incident_id)
        order = dispatching.order_of(session, incident=incident, order_id=dispatch_id)
        if arrived:
            dispatching.arrive(session, incident=incident, order=order, principal=principal, now=now)
        else:
            dispatching.release(session, incident=incident, order=order, principal=principal, now=now)
    text = f"{order.team_name} 到达现场" if arrived else f"{order.team_name} 撤离返回"
    _log(session, aid, side=side, kind="arrived" if arrived else "released", text=text,
         actor=principal.display_name, at=now, payload={"dispatch_id": dispatch_id})
    aid.updated_at = now
    return aid


def close(session: Session, *, aid: AidRequest, note: str, principal: Principal, now: datetime) -> AidRequest:
    """支援结束: every team sent has left the scene; either side closes."""
    here = sides(session, aid)
    _state(aid, AidState.ACCEPTED, AidState.DISPATCHED)
    with _crossing(session):
        out = [o.team_name for o in dispatching.of_incident(session, incident_id=aid.incident_id)
               if o.id in aid.dispatch_ids and o.released_at is None]
    if out:
        raise Conflict(detail="teams sent under the request are still out: release them first",
                       detail_zh="以下支援队伍尚未撤离，请先记录撤离：" + "、".join(out))
    aid.state, aid.closed_at, aid.updated_at = AidState.CLOSED.value, now, now
    _record(session, aid, side=REQUESTER if REQUESTER in here else GIVER, kind="closed",
            text="支援结束" + (f"：{note.strip()[:500]}" if note.strip() else ""), principal=principal, now=now)
    return aid


def read(session: Session, aid: AidRequest, *, with_log: bool = False) -> AidRequestRead:
    here = sides(session, aid)
    names = _names(session, [aid.requester_region, aid.giver_region])
    with _crossing(session):
        incident = session.get(Incident, aid.incident_id)
        log = list(session.scalars(select(AidLogEntry).where(AidLogEntry.aid_request_id == aid.id)
                                   .order_by(AidLogEntry.seq))) if with_log else []
    out = AidRequestRead.model_validate(aid)
    out.incident_title = incident.title if incident else ""
    out.incident_number = incident.number if incident else ""
    out.requester_name = names.get(aid.requester_region, aid.requester_region)
    out.giver_name = names.get(aid.giver_region, aid.giver_region)
    out.direction = "both" if len(here) == 2 else "outgoing" if REQUESTER in here else "incoming"
    out.state_name = STATE_NAMES_ZH[AidState(aid.state)]
    out.log = [LogEntryRead.model_validate(e) for e in log]
    return out


# --- what the console offers --------------------------------------------------------------------------------


def partner_offices(session: Session, *, principal: Principal) -> list[tuple[str, str]]:
    """The offices one may ask: the cities outside the reader's own region, and the province (which may send
    any of its cities' teams)."""
    own = region_prefix(principal.region_code)
    with _crossing(session):  # the divisions list: reference data, read only
        rows = regions_service.search(session, level="city", limit=500) + regions_service.search(
            session, level="province", limit=50)
    return [(r.code, r.name) for r in rows if not r.code.startswith(own)]


def offer_choices(session: Session, *, aid: AidRequest, limit: int = 10) -> list[dict[str, Any]]:
    """The giving office's teams standing by, those of an asked kind first, then nearest the scene (straight
    line: the giver picks, the page does not decide)."""
    with _crossing(session):
        incident = session.get(Incident, aid.incident_id)
    near = (incident.lon, incident.lat) if incident and incident.lon is not None and incident.lat is not None else None
    asked = {t["kind"] for t in aid.teams_asked}
    points = resources.available_teams(session, near=near, region=aid.giver_region)
    points.sort(key=lambda p: (p.kind not in asked, p.distance_m or 0.0, p.id))
    return [{"id": p.id, "name": p.name, "kind_name": TEAM_KIND_NAMES_ZH.get(TeamKind(p.kind), p.kind),
             "km": None if p.distance_m is None else round(p.distance_m / 1000, 1)} for p in points[:limit]]


def orders_of(session: Session, *, aid: AidRequest) -> list[OrderRead]:
    """The dispatch orders sent under the request, as either side reads them."""
    with _crossing(session):
        return [dispatching.order_read(o) for o in dispatching.of_incident(session, incident_id=aid.incident_id)
                if o.id in aid.dispatch_ids]


def import_partner(session: Session, *, principal: Principal, document: dict[str, Any], now: datetime) -> None:
    """A partner's catalogue given as a parsed document (the demo's sample): validated, then stored."""
    from citysafe.emergency.mutualaid import catalogue, exchange  # the exchange stays out of request handling

    catalogue.import_catalogue(session, principal=principal, doc=exchange.validate(document), now=now)


def awaiting_answer(session: Session) -> list[AidRequest]:
    """Requests asked of the reader's office and not yet answered: the duty desk shows them first."""
    scope = current_scope(session)
    stmt = select(AidRequest).where(AidRequest.state == AidState.REQUESTED.value)
    if scope is not None:
        stmt = stmt.where(region_clause(AidRequest.giver_region, scope.prefix))
    return list(session.scalars(stmt.order_by(AidRequest.created_at, AidRequest.id).limit(20)))
