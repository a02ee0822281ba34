"""The command service on both databases, without HTTP: an activation is one transaction (rolled back, it
leaves no command, task or timeline entry, and no live entry is announced); the live feed hears an entry only
once its transaction commits; 降级 after 升级 keeps the tasks without repeating them; 我的任务 gathers a
liaison's groups across incidents; the chain verifies after all of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.emergency.api_support import count_rows as _count
from tests.emergency.plan_samples import fire_plan

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import Principal, UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.emergency import service as incidents
from citysafe.emergency import timeline
from citysafe.emergency.calc.lifecycle import Action
from citysafe.emergency.command import reads, service
from citysafe.emergency.command.models import Command, CommandTask, PlanActivation
from citysafe.emergency.command.schemas import ActivationIn, MemberIn, TaskState, TaskUpdateIn
from citysafe.emergency.models import Incident, TimelineEntry
from citysafe.emergency.plans import service as plans
from citysafe.emergency.plans.schemas import PlanCreate
from citysafe.emergency.schemas import IncidentCreate, TransitionIn

T0 = datetime(2026, 5, 12, 6, 30, tzinfo=UTC)


def _people(ctx: AppContext) -> dict[str, Principal]:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        made = {name: auth_service.create_user(session, user_in=UserCreate(
            username=name, password="correct-horse", role=role, region_code="320102", display_name=name))
            for name, role in (("office", "district_office"), ("duty", "department"), ("liaison", "department"))}
        session.flush()
        return {name: auth_service.principal_for(user) for name, user in made.items()}


def _as(ctx: AppContext, principal: Principal) -> Any:
    unit = unit_of_work(ctx.session_factory)

    class Acting:
        def __enter__(self) -> Session:
            session = unit.__enter__()
            auth_service.act_as(session, principal)
            return session

        def __exit__(self, *exc: Any) -> Any:
            return unit.__exit__(*exc)

    return Acting()


def _verified_fire(session: Session, ctx: AppContext, duty: Principal, place: str) -> Incident:
    incident = incidents.open_incident(session, incident_in=IncidentCreate(
        category="accident", subtype="fire", description="起火", place=place, region_code="320102"),
        principal=duty, settings=ctx.settings, now=T0)
    incidents.transition(session, incident=incident, change=TransitionIn(action=Action.VERIFY), principal=duty,
                         settings=ctx.settings, now=T0)
    return incident




@pytest.fixture
def world(ctx: AppContext) -> dict[str, Any]:
    people = _people(ctx)
    with _as(ctx, people["office"]) as session:
        plan = plans.create(session, plan_in=PlanCreate.model_validate(fire_plan()), principal=people["office"],
                            now=T0)
        plan_id = plan.id
    with _as(ctx, people["duty"]) as session:
        first = _verified_fire(session, ctx, people["duty"], "商场").id
        second = _verified_fire(session, ctx, people["duty"], "仓库").id
    return {**people, "plan_id": plan_id, "first": first, "second": second}


def test_an_activation_rolled_back_leaves_nothing_and_announces_nothing(ctx: AppContext,
                                                                        world: dict[str, Any]) -> None:
    heard: list[tuple[str, dict[str, Any]]] = []
    ctx.bus.observe_commits(lambda name, payload: heard.append((name, payload)))
    before = _count(ctx, TimelineEntry)

    class Abort(Exception):
        pass

    def activate_then_fail() -> None:
        with _as(ctx, world["duty"]) as session:
            incident = incidents.get(session, incident_id=world["first"])
            service.activate(session, incident=incident, principal=world["duty"], settings=ctx.settings, now=T0,
                             activation_in=ActivationIn(plan_id=world["plan_id"], level="4"))
            assert session.scalar(select(func.count()).select_from(CommandTask)) == 2  # written, then rolled back
            raise Abort

    with pytest.raises(Abort):
        activate_then_fail()
    assert (_count(ctx, Command), _count(ctx, CommandTask), _count(ctx, PlanActivation)) == (0, 0, 0)
    assert _count(ctx, TimelineEntry) == before and heard == []
    with unit_of_work(ctx.session_factory) as session:
        incident = session.get(Incident, world["first"])
        assert incident is not None and incident.state == "verified" and incident.response_level is None

    with _as(ctx, world["duty"]) as session:
        incident = incidents.get(session, incident_id=world["first"])
        service.activate(session, incident=incident, activation_in=ActivationIn(plan_id=world["plan_id"], level="4"),
                         principal=world["duty"], settings=ctx.settings, now=T0)
        assert heard == []  # not before the commit
    appended = [p for name, p in heard if name == "TimelineAppended"]
    assert [(p["kind"], p["incident_id"]) for p in appended] == [("transition", world["first"]),
                                                                  ("activation", world["first"])]
    assert appended[-1]["seq"] == appended[0]["seq"] + 1 and appended[-1]["kind_name"] == "启动预案"


def test_escalation_then_deescalation_keeps_tasks_once_and_the_chain_holds(ctx: AppContext,
                                                                           world: dict[str, Any]) -> None:
    levels = [("4", T0), ("3", T0 + timedelta(minutes=30)), ("4", T0 + timedelta(hours=2))]
    with _as(ctx, world["duty"]) as session:
        incident = incidents.get(session, incident_id=world["first"])
        for level, at in levels:
            service.activate(session, incident=incident, principal=world["duty"], settings=ctx.settings, now=at,
                             activation_in=ActivationIn(plan_id=world["plan_id"], level=level))
        titles = sorted(t.title for t in session.scalars(select(CommandTask)))
        assert titles == ["开设临时医疗点", "核实火情并首报", "设置警戒区"]  # back at 四级: nothing repeated
        texts = [e.text for e in timeline.entries(session, incident_id=incident.id) if e.kind == "activation"]
        assert [t.split("：")[0] for t in texts] == ["启动预案", "升级响应", "降级响应"]
        assert "下达任务 0 项" in texts[-1]
        assert incident.response_level == "4" and incident.state == "responding"
        assert timeline.verify(session, incident=incident).ok
        activations = session.scalars(select(PlanActivation).order_by(PlanActivation.at)).all()
        assert [(a.level, a.previous_level) for a in activations] == [("4", None), ("3", "4"), ("4", "3")]


def test_my_tasks_gathers_the_liaison_groups_across_incidents(ctx: AppContext, world: dict[str, Any]) -> None:
    liaison = world["liaison"]
    with _as(ctx, world["duty"]) as session:
        for key, group in (("first", "治安警戒组"), ("second", "综合协调组")):
            incident = incidents.get(session, incident_id=world[key])
            service.activate(session, incident=incident, principal=world["duty"], settings=ctx.settings, now=T0,
                             activation_in=ActivationIn(plan_id=world["plan_id"], level="4"))
            service.add_member(session, incident=incident, principal=world["duty"], now=T0,
                               member_in=MemberIn(post="member", group_name=group, user_id=liaison.user_id))
    with _as(ctx, liaison) as session:
        mine = reads.my_tasks(session, principal=liaison, now=T0 + timedelta(minutes=25))
        assert [(t.title, t.incident_title.endswith("仓库火灾"), t.overdue) for t in mine] == [
            ("设置警戒区", False, True), ("核实火情并首报", True, False)]  # earliest deadline first; 20 min passed
        assert all(t.may_update and t.mine for t in mine)
        task = service.get_task(session, task_id=mine[0].id)
        service.update_task(session, task=task, update_in=TaskUpdateIn(state=TaskState.BLOCKED, note="道路拥堵"),
                            principal=liaison, now=T0 + timedelta(minutes=26))
    with _as(ctx, liaison) as session:
        mine = reads.my_tasks(session, principal=liaison, now=T0 + timedelta(minutes=27))
        assert (mine[0].title, mine[0].state_name) == ("设置警戒区", "受阻")
        assert mine[0].updates[0].note == "道路拥堵" and mine[0].updates[0].actor == "liaison"
    with _as(ctx, world["office"]) as session:  # an office reads, and may direct, but is in no group
        assert reads.my_tasks(session, principal=world["office"], now=T0) == []
