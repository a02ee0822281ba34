"""An escalated fire alarm names the people on the duty roster of the division it went up to (issue #12
point 1: "Firewatch's escalations notify the roster's duty officer instead of a bare region code"): the
roster is emergency's, asked through firewatch's lookup interface (alarms/duty.py) that the composition
fills (registry.install_lookups); a division without a roster of its own is covered by the one above it,
and with no roster at all the notice names the division's duty office, as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.firewatch.fakes import RecordingAdapter, fake_notifier, install
from tests.firewatch.fw_support import FIRE, T0, component_frame, ingest, make_unit

from citysafe.core.clock import FixedClock, to_local
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.emergency import roster
from citysafe.emergency.schemas import DutyEntryIn
from citysafe.firewatch import handlers
from citysafe.firewatch.alarms.duty import DUTY_LOOKUP, no_roster
from citysafe.firewatch.alarms.links import links
from citysafe.firewatch.alarms.models import AlarmAction
from citysafe.firewatch.alarms.timers import tick
from citysafe.firewatch.config import FirewatchConfig
from citysafe.registry import install_lookups

CONFIG = FirewatchConfig(remind_after=timedelta(minutes=3), escalate_after=timedelta(minutes=5))


@pytest.fixture
def fake(ctx: AppContext) -> RecordingAdapter:
    adapter = RecordingAdapter()
    install(ctx, notifier=fake_notifier(adapter, FixedClock(T0 + timedelta(minutes=5))))
    handlers.register(ctx.bus)
    return adapter


def _set_roster(ctx: AppContext, region: str, leader: str, officer: str) -> None:
    with unit_of_work(ctx.session_factory) as session:
        roster.set_day(session, region_code=region, day=to_local(T0).date(), entries=[
            DutyEntryIn(post="值班员", name=officer, phone="13900000002"),
            DutyEntryIn(post="带班领导", name=leader, phone="13900000001")])


def _escalate(ctx: AppContext) -> tuple[dict[str, object], AlarmAction]:
    make_unit(ctx, address=100001, region="320102002")
    [outcome] = ingest(ctx, [component_frame(100001, FIRE, description="3层A区感烟")], FixedClock(T0))
    alarm_id = outcome.alarms_raised[0]
    with unit_of_work(ctx.session_factory, actor="system:timer") as session:
        report = tick(session, now=T0 + timedelta(minutes=5), config=CONFIG, forwarder=links(ctx).forwarder)
    assert report.escalated == [alarm_id]
    with ctx.session_factory() as session:
        action = session.scalars(select(AlarmAction).where(AlarmAction.alarm_id == alarm_id,
                                                           AlarmAction.action == "notify")
                                 .order_by(AlarmAction.id.desc())).first()
    assert action is not None
    return action.data, action


def test_the_escalation_names_the_district_duty_officers(ctx: AppContext, fake: RecordingAdapter) -> None:
    install_lookups(ctx)
    _set_roster(ctx, "320102", "张建国", "李静")
    _set_roster(ctx, "320100", "市里领导", "市值班员")  # the district's own roster answers, not the city's
    data, action = _escalate(ctx)
    escalation = next(n for n in fake.notices if n["type"] == "escalation")
    assert escalation["region_code"] == "320102"
    message = str(escalation["message"])
    assert "带班领导张建国（13900000001）、值班员李静（13900000002）" in message, message
    assert "已升级至玄武区" in message and "市里领导" not in message
    to = escalation["to"]
    assert to["phones"] == ["13900000001", "13900000002"] and to["roster_region_code"] == "320102"
    assert [p["name"] for p in to["people"]] == ["张建国", "李静"]
    assert data["to"] == to and "张建国" in action.note and "13900000001" in action.note


def test_a_district_without_a_roster_is_covered_by_the_city(ctx: AppContext, fake: RecordingAdapter) -> None:
    install_lookups(ctx)
    _set_roster(ctx, "320100", "王海燕", "陈磊")
    data, _ = _escalate(ctx)
    assert data["to"]["people"][0]["name"] == "王海燕"
    escalation = next(n for n in fake.notices if n["type"] == "escalation")
    assert "带班领导王海燕（13900000001）" in str(escalation["message"])
    assert escalation["to"]["roster_region_code"] == "320100"


def test_no_roster_falls_back_to_the_division_name(ctx: AppContext, fake: RecordingAdapter) -> None:
    install_lookups(ctx)
    data, action = _escalate(ctx)
    assert data["to"] == {"region_code": "320102", "phones": [], "name": "玄武区值班人员"}
    assert "请玄武区值班人员立即督促处置" in str(next(n for n in fake.notices if n["type"] == "escalation")["message"])
    assert "玄武区值班人员" in action.note


def test_without_the_composition_firewatch_asks_nobody(ctx: AppContext) -> None:
    assert DUTY_LOOKUP.get(ctx) is no_roster  # firewatch alone: no roster, the division's name
    install_lookups(ctx)
    assert DUTY_LOOKUP.get(ctx) is roster.duty_people
