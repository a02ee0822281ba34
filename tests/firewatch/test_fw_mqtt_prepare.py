"""MQTT's writers parse a batch before its write transaction (``iot_store.prepare_messages``), so that on SQLite
one writer parses while the other holds the write lock, and they take the lock in turns the kernel queues
(``core.wal.write_turn``). The parses are used only while the registry is as they saw it; a batch's new
devices are created once each, in one flush."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select
from tests.firewatch.fw_support import T0, make_unit

from citysafe.core.audit import AuditEntry
from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import create_db_engine, unit_of_work
from citysafe.core.wal import write_turn
from citysafe.firewatch.alarms.models import Alarm
from citysafe.firewatch.config import FirewatchConfig
from citysafe.firewatch.enums import IotKind
from citysafe.firewatch.ingest.iot_store import ReceivedMessage, ingest_messages, prepare_messages
from citysafe.firewatch.registry import service as registry
from citysafe.firewatch.registry.models import IotDevice
from citysafe.firewatch.registry.schemas import IotDeviceCreate

CONFIG = FirewatchConfig()


def message(device: str, kind: str, payload: dict[str, object]) -> ReceivedMessage:
    return ReceivedMessage(payload, f"mqtt:citysafe/iot/{kind}/{device}", T0, device, kind)


def test_parses_made_before_a_registry_change_are_made_again(ctx: AppContext) -> None:
    """A hydrant at 0.30 MPa is normal by the default limit (0.10). Registered with a low limit of 0.35
    between the parse and the write, its message is read with the new limit: a low-pressure alarm."""
    unit = make_unit(ctx)
    items = [message("HYD-7", "hydrant_pressure", {"pressure_mpa": 0.30})]
    with unit_of_work(ctx.read_session_factory, actor="tests") as session:
        prepared = prepare_messages(session, items, CONFIG)
    parse = prepared.parses[0]
    assert not isinstance(parse, str) and all(not obs.observed for obs in parse.observations)  # normal, then
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        registry.register_iot_device(session, device_in=IotDeviceCreate(
            device_id="HYD-7", kind=IotKind.HYDRANT_PRESSURE, unit_id=unit["unit_id"], thresholds={"low_mpa": 0.35}))
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        [outcome] = ingest_messages(session, items=items, clock=FixedClock(T0), config=CONFIG, prepared=prepared)
    assert outcome.error is None and len(outcome.alarms_raised) == 1
    with ctx.session_factory() as session:
        assert session.scalar(select(Alarm.iot_device_id).where(Alarm.id == outcome.alarms_raised[0])) == "HYD-7"


def test_parses_of_an_unchanged_registry_are_used_as_they_are(ctx: AppContext) -> None:
    """What ``prepare_messages`` answered is what is stored: a parse kept from before is not redone (the
    payload's error comes back as the prepared one said, though the item alone would parse)."""
    items = [message("SMK-1", "smoke", {"event": "heartbeat"})]
    with unit_of_work(ctx.read_session_factory, actor="tests") as session:
        prepared = prepare_messages(session, items, CONFIG)
    kept = prepared._replace(parses=["prepared: not stored"])
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        [outcome] = ingest_messages(session, items=items, clock=FixedClock(T0), config=CONFIG, prepared=kept)
    assert outcome.error == "prepared: not stored"


def test_a_batchs_new_devices_are_created_once_each(ctx: AppContext) -> None:
    items = [message(f"SMK-{n % 40}", "smoke", {"event": "heartbeat", "seq": n // 40 + 1}) for n in range(120)]
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        outcomes = ingest_messages(session, items=items, clock=FixedClock(T0), config=CONFIG)
    assert all(o.error is None and o.message_id for o in outcomes)
    with ctx.session_factory() as session:
        devices = session.scalars(select(IotDevice.device_id).order_by(IotDevice.device_id)).all()
        audited = session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.entity == "fw_iot_device"))
    assert sorted(devices) == sorted(f"SMK-{n}" for n in range(40))
    assert audited == 40  # each creation audited once, as before


def test_writers_take_turns_and_the_next_goes_the_moment_the_first_lets_go(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    inside, release = threading.Event(), threading.Event()
    took_turn: list[float] = []

    def first() -> None:
        with write_turn(engine):
            inside.set()
            release.wait(30)

    def second() -> None:
        with write_turn(engine):
            took_turn.append(time.monotonic())

    one = threading.Thread(target=first)
    one.start()
    assert inside.wait(30)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.3)
    assert two.is_alive() and not took_turn, "the second writer did not wait for its turn"
    let_go = time.monotonic()
    release.set()
    one.join(30)
    two.join(30)
    assert took_turn and took_turn[0] >= let_go
    engine.dispose()


def test_other_databases_take_no_turns() -> None:
    for engine in (create_engine("sqlite://"), create_db_engine("postgresql+psycopg://localhost/none")):
        with write_turn(engine):
            pass  # nothing opened: no file for an in-memory database, PostgreSQL has its own locks
