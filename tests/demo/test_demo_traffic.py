"""The demo's simulated traffic is a pace one operator handles: a few fires an hour among many more faults,
and the demo operator judges every fire nobody took up within ``DELAY``, so after an hour the board shows
today's few open alarms, not a wall of fires. Simulated time, seeded generators: nothing sleeps."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from tests.support.demo_parts import demo_traffic, seed_city, simulated_hour

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.demo import firewatch, operator
from citysafe.firewatch import service as fw
from citysafe.firewatch.alarms.models import Alarm
from citysafe.firewatch.simulator import DEMO_RATE, DEMO_UNITS, FAULT, FIRE

FIRES_PER_HOUR_AT_MOST = 10


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_hour_of_demo_traffic_has_a_few_fires_and_more_faults(seed: int) -> None:
    traffic, rng, fires, faults = demo_traffic(seed), random.Random(seed), 0, 0
    now = datetime(2026, 12, 6, 9, 0)
    for _ in range(int(DEMO_RATE * 3600)):
        _, objects = traffic.next(firewatch.uitd_address(rng.randint(1, DEMO_UNITS)), now)
        statuses = [getattr(o, "status", None) for o in objects]
        fires += statuses.count(FIRE)
        faults += statuses.count(FAULT)
    assert 1 <= fires <= FIRES_PER_HOUR_AT_MOST
    assert faults >= 3 * fires


def _fire(session: object, n: int, at: datetime) -> int:
    frame = firewatch._frame(firewatch.uitd_address(n), 9000 + n, at, 1, 1, FIRE)
    outcome = fw.ingest_frames(session, items=[frame], clock=FixedClock(at))  # type: ignore[arg-type]
    return outcome[0].alarms_raised[0]


def test_demo_operator_judges_only_untouched_fires_past_the_delay(ctx: AppContext) -> None:
    seed_city(ctx)
    now = datetime.now(UTC).replace(microsecond=0)
    with unit_of_work(ctx.session_factory) as session:
        stale = _fire(session, 11, now - timedelta(minutes=15))
        fresh = _fire(session, 12, now - timedelta(minutes=2))
        taken = _fire(session, 13, now - timedelta(minutes=30))
        for action in ("acknowledge", "verify"):  # a visitor in the console is on this one
            fw.transition_alarm(session, alarm_id=taken, action=action, actor="visitor", at=now)
    with unit_of_work(ctx.session_factory) as session:
        decided = operator.resolve_stale_fires(session, now=now, rng=random.Random(1))
        assert stale in decided and fresh not in decided and taken not in decided
        states = dict(session.execute(select(Alarm.id, Alarm.state).where(Alarm.id.in_([stale, fresh, taken]))).all())
    assert states[stale] in ("false_alarm", "test", "confirmed")
    assert states[fresh] == "new" and states[taken] == "verified"


@pytest.mark.timeout(240)
def test_after_a_simulated_hour_no_fire_waits_past_the_delay(ctx: AppContext) -> None:
    seed_city(ctx)
    end = datetime.now(UTC).replace(microsecond=0)
    sent = simulated_hour(ctx, end=end)
    assert 1 <= sent["fire"] <= FIRES_PER_HOUR_AT_MOST and sent["fault"] >= 3 * sent["fire"]
    with unit_of_work(ctx.session_factory) as session:
        open_fires = fw.open_alarms(session, kinds={"fire"})
    assert all(a.first_received_at > end - operator.DELAY - timedelta(seconds=30) for a in open_fires), open_fires
