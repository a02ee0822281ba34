"""Teams and experts, and the functions the dispatch engine (emergency/routing) calls: ``available_teams``,
``set_team_status``, ``depot_stock`` (the last from ``depots``).

A team's status moves only along ``calc.status.MOVES``; each move is a ``TeamStatusChange`` row (the history)
and, like every change, an audit entry. Services never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.clock import to_local
from citysafe.core.context import context_of
from citysafe.core.db import get_or_404, require_references
from citysafe.core.errors import Conflict, NotFound, field_error
from citysafe.core.geo import haversine_m, location_wgs84
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import in_region
from citysafe.emergency.resources.calc.status import ON_A_JOB, STATUS_NAMES_ZH, TeamStatus, can_move
from citysafe.emergency.resources.depots import create_agreement, depot_stock, put_stock, save_depot
from citysafe.emergency.resources.models import Team, TeamStatusChange
from citysafe.emergency.resources.schemas import (
    EXPERT_FIELDS_ZH,
    SPECIALTY_NAMES_ZH,
    TEAM_KIND_NAMES_ZH,
    ExpertIn,
    ExpertRead,
    TeamCreate,
    TeamFilter,
    TeamKind,
    TeamPoint,
    TeamRead,
    TeamUpdate,
)
from citysafe.knowledge.thinktank import service as thinktank
from citysafe.knowledge.thinktank.schemas import ExpertCreate
from citysafe.knowledge.thinktank.schemas import ExpertRead as ExpertView
from citysafe.orgs import service as orgs_service
from citysafe.regions import service as regions_service

# The depot functions other packages (the demo, the dispatch engine) use are part of this public module.
__all__ = ["available_teams", "create_agreement", "create_team", "depot_stock", "list_teams", "put_stock",
           "save_depot", "set_team_status", "team_reads"]


def check_division(session: Session, code: str, field: str = "region_code") -> None:
    """The division exists (in the caller's scope: one outside is refused at flush with 403 anyway)."""
    if code not in regions_service.names(session, codes=[code]):
        raise field_error(field, f"no division {code}", f"行政区划代码 {code} 不存在")


def check_organization(session: Session, org_id: int | None, field: str = "organization_id") -> None:
    if org_id is None:
        return
    try:
        orgs_service.get(session, org_id=org_id)
    except NotFound:
        raise field_error(field, f"no organisation {org_id}", f"单位 {org_id} 不存在或不在您的辖区") from None


def _fill(team: Team, data: TeamCreate | TeamUpdate) -> None:
    lon, lat = location_wgs84(data.location)
    assert lon is not None
    assert lat is not None
    team.name, team.kind, team.specialty = data.name, data.kind.value, data.specialty
    team.region_code, team.organization_id, team.lon, team.lat = data.region_code, data.organization_id, lon, lat
    team.address, team.headcount = data.address, data.headcount
    team.equipment = [e.model_dump() for e in data.equipment]
    team.contact_name, team.contact_phone = data.contact_name, data.contact_phone


def create_team(session: Session, *, data: TeamCreate, now: datetime) -> Team:
    check_division(session, data.region_code)
    check_organization(session, data.organization_id)
    team = Team(status=TeamStatus.AVAILABLE.value, status_since=now, created_at=now, updated_at=now)
    _fill(team, data)
    session.add(team)
    session.flush()
    return team


def update_team(session: Session, *, team: Team, data: TeamCreate | TeamUpdate, now: datetime) -> Team:
    check_division(session, data.region_code)
    check_organization(session, data.organization_id)
    _fill(team, data)
    team.updated_at = now
    session.flush()
    return team


def get_team(session: Session, *, team_id: int) -> Team:
    return get_or_404(session, Team, team_id, what="team", what_zh="救援队伍")


def list_teams(session: Session, *, filters: TeamFilter, params: PageParams | None) -> tuple[list[Team], int]:
    stmt = select(Team).order_by(Team.region_code, Team.kind, Team.id)
    if filters.q:
        stmt = stmt.where(Team.name.contains(filters.q))
    if filters.kind:
        stmt = stmt.where(Team.kind == filters.kind.value)
    if filters.status:
        stmt = stmt.where(Team.status == filters.status.value)
    if filters.region:
        stmt = stmt.where(in_region(Team.region_code, filters.region))
    if params is None:
        rows = list(session.scalars(stmt))
        return rows, len(rows)
    return paginate(session, stmt, params)


def team_reads(session: Session, teams: Sequence[Team]) -> list[TeamRead]:
    names = regions_service.names(session, codes={t.region_code for t in teams})
    out = []
    for team in teams:
        read = TeamRead.model_validate(team)
        read.kind_name = TEAM_KIND_NAMES_ZH.get(TeamKind(team.kind), team.kind)
        read.specialty_name = SPECIALTY_NAMES_ZH.get(team.specialty, "")
        read.region_name = names.get(team.region_code, team.region_code)
        read.status_name = STATUS_NAMES_ZH[TeamStatus(team.status)]
        out.append(read)
    return out


def set_team_status(session: Session, *, team_id: int, status: TeamStatus | str, incident_id: int | None = None,
                    actor: str, now: datetime, note: str = "") -> Team:
    """Move a team to ``status`` (409 for a move the status machine does not allow). Dispatching names the
    incident; the following moves of the same job keep it; back to available or out of service clears it."""
    team = get_team(session, team_id=team_id)
    current, target = TeamStatus(team.status), TeamStatus(status)
    if not can_move(current, target):
        raise Conflict(detail=f"a team {current.value} cannot become {target.value}",
                       detail_zh=f"队伍当前为“{STATUS_NAMES_ZH[current]}”，不能改为“{STATUS_NAMES_ZH[target]}”")
    if target == TeamStatus.DISPATCHED and incident_id is None:
        raise field_error("incident_id", "dispatching names the incident", "出动须指明事件")
    job = incident_id if incident_id is not None else team.incident_id
    change = TeamStatusChange(team_id=team.id, region_code=team.region_code, from_status=current.value,
                              to_status=target.value, incident_id=job, actor=actor[:100], note=note, at=now)
    # The history row keeps a named incident even on a move that clears the team's own (back to available), so
    # the name is checked there: checking only the team let an unknown id through to the flush (a fuzzed 500).
    require_references(session, change, "incident_id")
    team.incident_id = job if target in ON_A_JOB else None
    team.status, team.status_since, team.updated_at = target.value, now, now
    session.add(change)
    session.flush()
    return team


def team_history(session: Session, *, team_id: int, limit: int = 50) -> list[TeamStatusChange]:
    get_team(session, team_id=team_id)
    stmt = (select(TeamStatusChange).where(TeamStatusChange.team_id == team_id)
            .order_by(TeamStatusChange.at.desc(), TeamStatusChange.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def team_point(team: Team, *, near: tuple[float, float] | None = None) -> TeamPoint:
    """What the dispatch engine needs of a team; with ``near`` its straight-line distance from there."""
    return TeamPoint(id=team.id, name=team.name, kind=team.kind, specialty=team.specialty, lon=team.lon,
                     lat=team.lat, status=TeamStatus(team.status),
                     distance_m=None if near is None else round(haversine_m(near[0], near[1], team.lon, team.lat), 1))


def available_teams(session: Session, *, kinds: Iterable[str] | None = None,
                    near: tuple[float, float] | None = None, region: str | None = None) -> list[TeamPoint]:
    """Teams standing by (status available) in the caller's scope, of ``kinds`` if given; with ``near`` (WGS84
    lon, lat) nearest first by straight-line distance, which the dispatch engine replaces by travel time."""
    stmt = select(Team).where(Team.status == TeamStatus.AVAILABLE.value).order_by(Team.id)
    if kinds is not None:
        stmt = stmt.where(Team.kind.in_([str(k) for k in kinds]))
    if region:
        stmt = stmt.where(in_region(Team.region_code, region))
    points = [team_point(t, near=near) for t in session.scalars(stmt)]
    if near is not None:
        points.sort(key=lambda p: (p.distance_m or 0.0, p.id))
    return points


# --- experts ------------------------------------------------------------------------------------------------


def _today(session: Session) -> date:
    return to_local(context_of(session).clock.now()).date()


def create_expert(session: Session, *, data: ExpertIn, now: datetime) -> ExpertView:
    """Into the think tank's registry (``knowledge.thinktank``), in emergency's pool."""
    return thinktank.create_expert(session, data=ExpertCreate(**data.model_dump(), emergency_pool=True), now=now,
                                   today=to_local(now).date())


def list_experts(session: Session, *, field: str | None, region: str | None,
                 params: PageParams) -> tuple[list[ExpertView], int]:
    """The experts emergency may call, fields in the registry's order (hazchem, fire, structure…)."""
    return thinktank.list_experts(session, params=params, today=_today(session), field=field, region=region,
                                  emergency_only=True)


def expert_counts(session: Session, *, region: str | None = None) -> dict[str, int]:
    """How many experts of each field (in the caller's scope, and ``region`` when given)."""
    return thinktank.expert_counts(session, region=region, emergency_only=True)


def expert_read(expert: ExpertView) -> ExpertRead:
    read = ExpertRead.model_validate(expert, from_attributes=True)
    read.field_name = EXPERT_FIELDS_ZH.get(expert.field, expert.field)
    return read
