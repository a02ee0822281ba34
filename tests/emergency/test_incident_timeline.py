"""The incident timeline: append-only, hash-chained; a changed, deleted or last-deleted row is detected;
corrections are new entries; exports in time order (JSON and CSV)."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from tests.conftest import UserFactory

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.emergency.calc import chain

T0 = datetime(2026, 5, 12, 6, 30, tzinfo=UTC)
CALL = {"category": "accident", "subtype": "fire", "description": "仓库起火", "place": "玄武区某仓库",
        "region_code": "320102002"}


def _entry(seq: int, prev: str, **extra: Any) -> dict[str, Any]:
    entry = {"incident_id": 7, "seq": seq, "kind": "note", "text": f"第{seq}条", "actor": "张",
             "at": T0 + timedelta(minutes=seq), "payload": {"n": seq}} | extra
    entry["prev_hash"] = prev
    entry["hash"] = chain.link(entry, prev)
    return entry


def _chain(n: int) -> list[dict[str, Any]]:
    out, prev = [], chain.GENESIS
    for seq in range(1, n + 1):
        entry = _entry(seq, prev)
        out.append(entry)
        prev = entry["hash"]
    return out


@given(st.integers(min_value=1, max_value=12), st.data())
def test_any_change_or_removal_is_named(n: int, data: st.DataObject) -> None:
    entries = _chain(n)
    head = entries[-1]["hash"]
    assert chain.verify(entries, expected_length=n, expected_head=head).ok
    victim = data.draw(st.integers(min_value=0, max_value=n - 1))
    field = data.draw(st.sampled_from(["text", "actor", "kind", "payload", "at"]))
    changed = [dict(e) for e in entries]
    changed[victim][field] = {"n": -1} if field == "payload" else (
        T0 - timedelta(days=1) if field == "at" else "改过的")
    verdict = chain.verify(changed, expected_length=n, expected_head=head)
    assert not verdict.ok and verdict.first_bad_seq == victim + 1
    removed = entries[:victim] + entries[victim + 1:]
    assert not chain.verify(removed, expected_length=n, expected_head=head).ok


def test_canonical_time_ignores_the_zone_it_was_given_in() -> None:
    from zoneinfo import ZoneInfo

    local = T0.astimezone(ZoneInfo("Asia/Shanghai"))
    assert chain.canonical({"incident_id": 1, "seq": 1, "kind": "k", "text": "t", "actor": "a", "at": local}) == \
        chain.canonical({"incident_id": 1, "seq": 1, "kind": "k", "text": "t", "actor": "a", "at": T0})


@pytest.fixture
def incident(client: TestClient, ctx: AppContext, make_user: UserFactory) -> tuple[dict[str, str], int]:
    ctx.clock = FixedClock(T0)
    duty = make_user("department", "320102", display_name="值班员李")
    created = client.post("/api/v1/emergency/incidents", headers=duty, json=CALL)
    assert created.status_code == 201, created.text
    incident_id = int(created.json()["id"])
    url = f"/api/v1/emergency/incidents/{incident_id}"
    for step in ({"action": "verify"}, {"action": "respond", "response_level": "4"}):
        ctx.clock.advance(minutes=5)  # type: ignore[attr-defined]
        assert client.post(f"{url}/transitions", headers=duty, json=step).status_code == 200
    ctx.clock.advance(minutes=5)  # type: ignore[attr-defined]
    assert client.patch(url, headers=duty, json={"serious_injuries": 12}).status_code == 200
    return duty, incident_id


def test_the_timeline_verifies_and_a_correction_is_a_new_entry(client: TestClient,
                                                               incident: tuple[dict[str, str], int]) -> None:
    duty, incident_id = incident
    url = f"/api/v1/emergency/incidents/{incident_id}/timeline"
    entries = client.get(url, headers=duty).json()
    assert [e["kind"] for e in entries] == ["opened", "graded", "transition", "transition", "casualties", "regraded"]
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    assert entries[0]["prev_hash"] == "0" * 64 and all(
        later["prev_hash"] == earlier["hash"] for earlier, later in itertools.pairwise(entries))
    fix = client.post(url, headers=duty, json={"kind": "correction", "text": "重伤人数应为 11 人", "corrects_seq": 5})
    assert fix.status_code == 201 and fix.json()[-1]["payload"] == {"corrects_seq": 5}
    assert fix.json()[4] == entries[4]  # the corrected entry stays as it was
    bad = client.post(url, headers=duty, json={"kind": "correction", "text": "更正"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "corrects_seq"
    verdict = client.get(f"{url}/verify", headers=duty).json()
    assert verdict == verdict | {"ok": True, "entries": 7, "first_bad_seq": None}


def test_a_changed_row_a_deleted_row_and_a_deleted_last_row_are_detected(
        client: TestClient, ctx: AppContext, incident: tuple[dict[str, str], int]) -> None:
    duty, incident_id = incident
    verify = f"/api/v1/emergency/incidents/{incident_id}/timeline/verify"
    with ctx.engine.begin() as conn:  # someone edits the database behind the platform's back
        conn.execute(text("UPDATE em_timeline_entry SET text = '无人受伤' WHERE incident_id = :i AND seq = 5"),
                     {"i": incident_id})
    verdict = client.get(verify, headers=duty).json()
    assert verdict["ok"] is False and verdict["first_bad_seq"] == 5 and "改动" in verdict["reason_zh"]
    with ctx.engine.begin() as conn:
        conn.execute(text("DELETE FROM em_timeline_entry WHERE incident_id = :i AND seq = 3"), {"i": incident_id})
    assert client.get(verify, headers=duty).json()["first_bad_seq"] == 3
    with ctx.engine.begin() as conn:
        conn.execute(text("DELETE FROM em_timeline_entry WHERE incident_id = :i AND seq >= 3"), {"i": incident_id})
    tail = client.get(verify, headers=duty).json()
    assert tail["ok"] is False and tail["entries"] == 2 and "删除" in tail["reason_zh"]


def test_csv_export_in_time_order(client: TestClient, incident: tuple[dict[str, str], int]) -> None:
    duty, incident_id = incident
    response = client.get(f"/api/v1/emergency/incidents/{incident_id}/timeline.csv", headers=duty)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["序号", "时间（北京时间）", "时间（UTC）"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "4", "5", "6"]
    assert rows[1][1] == "2026-05-12 14:30:00" and rows[1][3] == "接报立案"
    assert rows[6][3] == "等级调整" and "较大" in rows[6][4]


def test_concurrent_appends_keep_one_unbroken_chain(ctx: AppContext) -> None:
    """Writers appending to one incident at once (the duty desk and a handler, say) never fork the chain."""
    from concurrent.futures import ThreadPoolExecutor

    from citysafe.core.db import unit_of_work
    from citysafe.emergency import service, timeline
    from citysafe.emergency.schemas import IncidentCreate

    with unit_of_work(ctx.session_factory, actor="tests") as session:
        incident_id = service.open_incident(session, incident_in=IncidentCreate.model_validate(CALL), principal=None,
                                            settings=ctx.settings, now=T0).id

    def write(worker: int) -> None:
        for n in range(10):
            with unit_of_work(ctx.session_factory, actor="tests") as session:
                service.append_note(session, incident=service.get(session, incident_id=incident_id), kind="note",
                                    text=f"{worker}-{n}", corrects_seq=None, principal=None, now=T0)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(4)))
    with unit_of_work(ctx.session_factory) as session:
        incident = service.get(session, incident_id=incident_id)
        verdict = timeline.verify(session, incident=incident)
    assert verdict.ok and verdict.entries == 2 + 40
