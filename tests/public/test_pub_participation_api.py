"""Publicity, training and participation (issue #15 point 6): an event's registrations stop at its capacity; an
experience base's session is booked by schools and companies, never past its capacity nor twice by the same unit;
volunteer teams register members and activities whose hours add up per member and per team."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows, error_fields

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.public.participation.models import Booking, Registration

P = "/api/v1/participation"
NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


def _event(**extra: object) -> dict[str, object]:
    return {"title": "安全生产月宣传咨询日", "kind": "publicity", "audience": "public", "organiser": "南京市安委办",
            "place": "新街口广场", "region_code": "320102", "capacity": 50,
            "starts_at": "2026-06-16T09:00:00+08:00", "ends_at": "2026-06-16T12:00:00+08:00"} | extra


def test_registrations_stop_at_capacity(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ctx.clock = FixedClock(NOW)
    office = make_user("city_office", "320100")
    event = client.post(f"{P}/events", headers=office, json=_event())
    assert event.status_code == 201, event.text
    eid = event.json()["id"]
    assert client.post(f"{P}/events/{eid}/registrations", headers=office,
                       json={"registrant": "玄武区锁金村街道", "people": 30}).status_code == 201
    before = count_rows(ctx, Registration)
    full = client.post(f"{P}/events/{eid}/registrations", headers=office,
                       json={"registrant": "梅园新村街道", "people": 21})
    assert full.status_code == 409 and "剩余 20" in full.json()["detail_zh"]
    twice = client.post(f"{P}/events/{eid}/registrations", headers=office,
                        json={"registrant": "玄武区锁金村街道", "people": 1})
    assert twice.status_code == 409 and count_rows(ctx, Registration) == before
    assert client.post(f"{P}/events/{eid}/registrations", headers=office,
                       json={"registrant": "梅园新村街道", "people": 20}).status_code == 201
    june = client.get(f"{P}/events", headers=office, params={"start": "2026-06-01T00:00:00+08:00",
                                                             "end": "2026-07-01T00:00:00+08:00"}).json()
    assert [(e["registered"], e["seats_left"]) for e in june] == [(50, 0)]
    bad = client.post(f"{P}/events", headers=office, json=_event(kind="party", capacity=0))
    assert bad.status_code == 422 and sorted(error_fields(bad)) == ["capacity", "kind"]
    backwards = client.post(f"{P}/events", headers=office, json=_event(ends_at="2026-06-16T08:00:00+08:00"))
    assert backwards.status_code == 422


def test_bookings_refuse_overbooking_and_double_booking(client: TestClient, ctx: AppContext,
                                                        make_user: UserFactory) -> None:
    ctx.clock = FixedClock(NOW)
    office = make_user("city_office", "320100")
    base = client.post(f"{P}/bases", headers=office, json={
        "name": "南京市安全教育体验馆", "region_code": "320104", "address": "秦淮区应天大街",
        "themes": ["消防", "地震"]})
    assert base.status_code == 201, base.text
    bid = base.json()["id"]
    slot = client.post(f"{P}/bases/{bid}/sessions", headers=office, json={
        "starts_at": "2026-06-18T09:00:00+08:00", "ends_at": "2026-06-18T11:00:00+08:00", "capacity": 60})
    assert slot.status_code == 201
    overlap = client.post(f"{P}/bases/{bid}/sessions", headers=office, json={
        "starts_at": "2026-06-18T10:00:00+08:00", "ends_at": "2026-06-18T12:00:00+08:00", "capacity": 60})
    assert overlap.status_code == 422 and error_fields(overlap) == ["starts_at"]
    sid = slot.json()["id"]
    school = {"visitor": "南京市琅琊路小学", "visitor_kind": "school", "people": 45, "contact": "王老师"}
    assert client.post(f"{P}/sessions/{sid}/bookings", headers=office, json=school).status_code == 201
    before = count_rows(ctx, Booking)
    again = client.post(f"{P}/sessions/{sid}/bookings", headers=office, json=school | {"people": 5})
    assert again.status_code == 409 and "重复预约" in again.json()["detail_zh"]
    company = {"visitor": "南京钢铁股份有限公司", "visitor_kind": "company", "people": 16}
    over = client.post(f"{P}/sessions/{sid}/bookings", headers=office, json=company)
    assert over.status_code == 409 and count_rows(ctx, Booking) == before
    assert client.post(f"{P}/sessions/{sid}/bookings", headers=office, json=company | {"people": 15}).status_code == 201
    assert [(s["booked"], s["seats_left"]) for s in client.get(f"{P}/bases/{bid}/sessions", headers=office).json()] \
        == [(60, 0)]
    ctx.clock = FixedClock(datetime(2026, 6, 18, 2, 0, tzinfo=UTC))  # 10:00, the session is on
    late = client.post(f"{P}/sessions/{sid}/bookings", headers=office,
                       json=company | {"visitor": "某中学", "people": 1})
    assert late.status_code == 409


def test_volunteer_hours_add_up(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ctx.clock = FixedClock(NOW)
    office = make_user("city_office", "320100")
    team = client.post(f"{P}/groups", headers=office, json={
        "name": "秦淮区蓝天救援志愿队", "kind": "volunteer_team", "region_code": "320104", "focus": "水上救援"})
    assert team.status_code == 201, team.text
    gid = team.json()["id"]
    a = client.post(f"{P}/groups/{gid}/members", headers=office, json={"name": "张伟", "joined_on": "2024-03-01"})
    b = client.post(f"{P}/groups/{gid}/members", headers=office, json={"name": "刘洋", "joined_on": "2025-01-10"})
    ids = [a.json()["id"], b.json()["id"]]
    assert client.post(f"{P}/groups/{gid}/activities", headers=office, json={
        "title": "秦淮河防溺水巡护", "held_on": "2026-05-30", "hours": 3.5, "member_ids": ids}).status_code == 201
    client.post(f"{P}/groups/{gid}/activities", headers=office, json={
        "title": "社区消防宣传", "held_on": "2026-05-31", "hours": 2, "member_ids": ids[:1]})
    members = {m["name"]: m["hours"] for m in client.get(f"{P}/groups/{gid}/members", headers=office).json()}
    assert members == {"张伟": 5.5, "刘洋": 3.5}
    listed = client.get(f"{P}/groups", headers=office).json()
    assert [(g["members"], g["activities"], g["hours"]) for g in listed] == [(2, 2, 9.0)]
    stranger = client.post(f"{P}/groups/{gid}/activities", headers=office, json={
        "title": "x", "held_on": "2026-05-30", "hours": 1, "member_ids": [99999]})
    assert stranger.status_code == 422 and error_fields(stranger) == ["member_ids"]
    future = client.post(f"{P}/groups/{gid}/activities", headers=office, json={
        "title": "x", "held_on": "2026-07-01", "hours": 1})
    assert future.status_code == 422 and error_fields(future) == ["held_on"]
