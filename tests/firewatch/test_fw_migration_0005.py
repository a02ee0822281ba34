"""Migration 0005: the old ``ok`` of a 119 forwarding becomes an honest ``status``: a ``log`` "success"
sent nothing (manual_pending), a webhook success was sent, a failure stays failed unless its alarm's
automatic attempts ran out (the last becomes manual_pending)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from tests.conftest import BACKENDS, POSTGRES_ADMIN_URL

from citysafe.core.db import create_db_engine
from citysafe.core.migrate import upgrade


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"citysafe_mig_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_db_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _alarm(conn: object, alarm_id: int) -> None:
    at = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    conn.execute(text(  # type: ignore[attr-defined]
        "INSERT INTO fw_alarm (id, point_key, kind, cause, state, is_open, source, region_code, unit_name,"
        " unregistered, device_address, component, description, occurrences, corroborated, flapping,"
        " maintenance, test_mode, first_received_at, last_received_at, decided_at, escalation_level)"
        " VALUES (:id, :key, 'fire', '', 'confirmed', false, 'gb26875', '320102', '单位', false, '100001', '', '',"
        " 1, false, false, false, false, :at, :at, :at, 0)"), {"id": alarm_id, "key": f"p{alarm_id}", "at": at})


def _forwarding(conn: object, alarm_id: int, forwarder: str, ok: bool) -> None:
    at = datetime(2026, 3, 1, 2, 0, 1, tzinfo=UTC)
    conn.execute(text(  # type: ignore[attr-defined]
        "INSERT INTO fw_forwarding (alarm_id, forwarder, confirmed_at, sent_at, delay_ms, ok, reference, error)"
        " VALUES (:alarm, :forwarder, :at, :at, 1000, :ok, :ref, :err)"),
        {"alarm": alarm_id, "forwarder": forwarder, "at": at, "ok": ok, "ref": "logged" if ok else "",
         "err": "" if ok else "HTTP 503"})


def test_old_forwardings_are_mapped_honestly(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0002_firewatch")
    with empty_engine.begin() as conn:
        columns = {c for c, in conn.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'fw_alarm'"))} \
            if empty_engine.dialect.name == "postgresql" else {
            row[1] for row in conn.execute(text("PRAGMA table_info(fw_alarm)"))}
        assert {"point_key", "decided_at"} <= columns
        for alarm_id in (1, 2, 3, 4):
            _alarm(conn, alarm_id)
        _forwarding(conn, 1, "log", True)  # "forwarded" by the log: nothing left
        _forwarding(conn, 2, "webhook", False)
        _forwarding(conn, 2, "webhook", True)  # retried and sent
        for _ in range(10):
            _forwarding(conn, 3, "webhook", False)  # ran out
        _forwarding(conn, 4, "webhook", False)  # still being retried
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        rows = conn.execute(text("SELECT alarm_id, status, error FROM fw_forwarding ORDER BY id")).all()
    statuses = [(alarm, status) for alarm, status, _ in rows]
    assert statuses == [(1, "manual_pending"), (2, "failed"), (2, "sent"), *[(3, "failed")] * 9,
                        (3, "manual_pending"), (4, "failed")]
    assert "nothing left the platform" in rows[0][2]
