"""The demo's duty operator: fires nobody in the console took up are acknowledged and judged after a delay,
as a monitoring centre's night shift would, so the board, the risk map (alarm-raised sources) and the white
paper still read as a city's after the demo ran for an hour instead of filling with unhandled fires.

Only fires still 待处理 or 已受理 and older than ``DELAY`` are touched: one a visitor is verifying stays theirs.
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from citysafe.core.clock import Clock
from citysafe.core.db import unit_of_work
from citysafe.firewatch import service as fw

log = logging.getLogger(__name__)

DELAY = timedelta(minutes=10)
ACTOR = "operator"
# How the simulated fires turn out; a panel's fires are mostly smoke from kitchens, dust and maintenance.
VERDICTS = (("false_alarm", "值班员电话核实：厨房油烟误报"), ("false_alarm", "值班员电话核实：施工粉尘误报"),
            ("test", "维保单位测试，已登记"), ("false_alarm", "值班员视频核实：无烟无火"),
            ("confirm", "单位消控室确认小火已扑灭"))


def resolve_stale_fires(session: Session, *, now: datetime, rng: random.Random, delay: timedelta = DELAY) -> list[int]:
    """Acknowledge and decide every open fire older than ``delay``; returns the alarms decided."""
    decided = []
    for alarm in fw.open_alarms(session, kinds={"fire"}):
        if alarm.first_received_at > now - delay or alarm.state not in ("new", "acknowledged"):
            continue
        action, note = rng.choice(VERDICTS)
        if alarm.state == "new":
            fw.transition_alarm(session, alarm_id=alarm.alarm_id, action="acknowledge", actor=ACTOR, at=now)
        if action == "confirm":
            fw.transition_alarm(session, alarm_id=alarm.alarm_id, action="verify", actor=ACTOR, at=now)
        fw.transition_alarm(session, alarm_id=alarm.alarm_id, action=action, actor=ACTOR, at=now, note=note)
        if action == "confirm":
            phone_119(session, alarm_id=alarm.alarm_id, at=now)
        decided.append(alarm.alarm_id)
    return decided


def phone_119(session: Session, *, alarm_id: int, at: datetime) -> None:
    """The duty operator's call to 119 about a confirmed fire, a minute after confirming (the demo has no
    119 link, so every confirmed fire is forwarded by phone)."""
    called = at + timedelta(minutes=1)
    fw.record_119_call(session, alarm_id=alarm_id, called_by="监控中心值班员", called_at=called,
                       answered_by="119接警员", actor=ACTOR, now=called)


def start(factory: sessionmaker[Session], clock: Clock, *, interval: float = 30.0) -> threading.Event:
    """Run ``resolve_stale_fires`` every ``interval`` seconds in a daemon thread; set the event to stop it."""
    stop = threading.Event()
    rng = random.Random()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                with unit_of_work(factory, actor=ACTOR) as session:
                    resolve_stale_fires(session, now=clock.now(), rng=rng)
            except Exception:  # the demo keeps serving; the next round tries again
                log.exception("demo operator round failed")

    threading.Thread(target=loop, name="demo-operator", daemon=True).start()
    return stop
