"""The bulk inserts of IoT ingest (executemany on SQLite, COPY on PostgreSQL): every message gets its own
id, rising in the batch's order, its payload comes back as sent (tabs, backslashes and non-ASCII text
included), its times and numbers exact, and each reading points at the message it came in."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.firewatch.fw_support import T0

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.ingest.iot_store import ReceivedMessage, ingest_messages
from citysafe.firewatch.ingest.models import IotMessage, Reading

PAYLOADS = [
    ("E1", "electrical_fire", {"seq": 1, "residual_current_ma": 12.5, "temperature_c": [21.0, 22.5, 23.0]}),
    ("P1", "hydrant_pressure", {"seq": 7, "pressure_mpa": 0.31, "note": "tab\there, back\\slash, 消火栓"}),
    ("S1", "smoke", {"event": "heartbeat"}),
    ("E1", "electrical_fire", {"seq": 2, "residual_current_ma": 13.0, "battery_pct": 88}),
]


def test_messages_and_readings_are_linked_in_order(ctx: AppContext) -> None:
    clock = FixedClock(T0)
    items = [ReceivedMessage(payload, f"mqtt:t/{kind}/{device}", T0 + timedelta(milliseconds=n), device, kind,
                             False, json.dumps(payload, ensure_ascii=False))
             for n, (device, kind, payload) in enumerate(PAYLOADS)]
    for _ in range(2):  # a second batch: its ids continue after the first's
        with unit_of_work(ctx.session_factory) as session:
            outcomes = ingest_messages(session, items=items, clock=clock)
        assert [o.error for o in outcomes] == [None] * len(items)
    with ctx.session_factory() as session:
        messages = session.execute(select(IotMessage).order_by(IotMessage.id)).scalars().all()
        readings = session.execute(select(Reading).order_by(Reading.id)).scalars().all()
    ids = [m.id for m in messages]
    assert ids == sorted(set(ids)) and len(ids) == 2 * len(items)
    assert [m.device_id for m in messages] == [device for device, _, _ in PAYLOADS] * 2
    assert [m.payload for m in messages] == [payload for _, _, payload in PAYLOADS] * 2
    # Times and numbers as sent (PostgreSQL's COPY is binary: each value sent in its column's own type).
    assert [m.received_at for m in messages] == [T0 + timedelta(milliseconds=n) for n in range(len(items))] * 2
    assert [r.value for r in readings if r.iot_message_id == ids[0]] == [12.5, 21.0, 22.5, 23.0]
    by_message = {m.id: m for m in messages}
    assert all(r.received_at == by_message[r.iot_message_id].received_at for r in readings)
    assert all(by_message[r.iot_message_id].device_id == r.device_id for r in readings)
    per_message = [sum(r.iot_message_id == m.id for r in readings) for m in messages]
    assert per_message == [4, 1, 0, 2] * 2  # residual current + three temperatures; pressure; none; current + battery
    assert {r.quantity for r in readings if r.iot_message_id == ids[-1]} == {"residual_current", "battery"}


def test_a_row_the_database_refuses_raises_sqlalchemys_error_on_both(ctx: AppContext) -> None:
    """COPY runs on the driver's own connection; its errors still come as SQLAlchemy's classes, by which the
    MQTT writer tells the database's trouble (withhold the batch) from a message's (set it aside)."""
    from sqlalchemy.exc import IntegrityError

    from citysafe.firewatch.bulk import insert_with_ids, table_of

    with pytest.raises(IntegrityError), unit_of_work(ctx.session_factory) as session:
        insert_with_ids(session.connection(), table_of(IotMessage), ("received_at", "device_id", "source", "payload"),
                        [(T0, None, "mqtt:t", "{}")], converted=("payload",))  # device_id is NOT NULL
