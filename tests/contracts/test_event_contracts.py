"""Event contracts: every subscription names a real event, and every by-name subscriber works on the real
event's payload (DESIGN.md §3, docs/events.md).

Domains on one layer (hazards | firewatch) may not import each other, so one subscribes to the other's
events by name and reads the payload dict. Nothing in the type system ties those keys to the publishing
event class; this test does. It builds a bus with every domain's reactions (``registry.register_handlers``),
walks its subscriptions, and for each by-name one takes a real instance of the publisher's event class,
turns it into the payload the outbox stores (``payload()`` through JSON), and runs the real subscriber on it
in a real database session, checking its effect. The payload is a ``_Watched`` dict: any key the
subscriber reads that the event does not carry fails the test, so renaming a field in ``firewatch/events.py``
fails here even where the subscriber would have fallen back to a default.

Typed subscriptions (``bus.subscribe(AlarmUpdated, …)``, risk's) are checked by mypy; their ``when`` filters
still read the payload, so they are fed a real payload too.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

import citysafe
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.events import DomainEvent, EventBus, Subscription
from citysafe.emergency import events as em
from citysafe.emergency.models import Incident, TimelineEntry
from citysafe.firewatch import events as fw
from citysafe.hazards import events as hz
from citysafe.hazards.tickets.models import HazardTicket
from citysafe.orgs import service as orgs_service
from citysafe.orgs.enums import OrganizationKind
from citysafe.orgs.schemas import OrganizationCreate
from citysafe.registry import EVENT_TYPES, register_handlers
from citysafe.risk import events as rk

OPENED = datetime(2025, 4, 28, 8, 0, tzinfo=UTC)


def _event_classes() -> dict[str, type[DomainEvent]]:
    """Every concrete event class of every domain (each ``citysafe.…events`` module), by name."""
    for info in pkgutil.walk_packages(citysafe.__path__, "citysafe."):
        if info.name.rsplit(".", 1)[-1] == "events":
            importlib.import_module(info.name)
    found: dict[str, type[DomainEvent]] = {}
    stack = list(DomainEvent.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if "name" in vars(cls) and cls.__module__.startswith("citysafe."):
            assert cls.name not in found or found[cls.name] is cls, f"two event classes named {cls.name}"
            found[cls.name] = cls
    return found


EVENT_CLASSES = _event_classes()


def _bus() -> EventBus:
    bus = EventBus(EVENT_TYPES)
    register_handlers(bus)
    return bus


SUBSCRIPTIONS = _bus().subscriptions()


def test_every_event_class_is_on_every_applications_bus() -> None:
    """A domain's ``events.EVENTS`` lists each class it defines, so typed handlers get them back."""
    assert {cls.name: cls for cls in EVENT_TYPES} == EVENT_CLASSES


def _label(sub: Subscription) -> str:
    return f"{sub.name}->{sub.handler.__module__}.{sub.handler.__qualname__}"


# A realistic instance of every event a domain publishes: the payloads subscribers get are these.
EXAMPLES: dict[str, DomainEvent] = {e.name: e for e in (
    fw.AlarmRaised(alarm_id=4711, kind="fire", state="new", region_code="320102002", unit_organization_id=12,
                   unit_id=3, unit_name="南京新街口购物中心", lon=118.7845, lat=32.0423, device_address="100003",
                   component="1-1-42-65538", description="1回路2号光电感烟", received_at=OPENED.isoformat(),
                   device_time="2025-04-28 16:00:00", occurrences=1, corroborated=False, maintenance=False,
                   unregistered=False, source="gb26875"),
    fw.AlarmUpdated(alarm_id=4711, kind="fire", state="false_alarm", region_code="320102002",
                    unit_organization_id=12, unit_id=3, lon=118.7845, lat=32.0423, device_address="100003",
                    received_at=OPENED.isoformat(), occurrences=2, corroborated=False, flapping=False,
                    change="false_alarm"),
    fw.AlarmCleared(alarm_id=4711, kind="fault", state="restored", region_code="320102002", unit_organization_id=12,
                    unit_id=3, lon=118.7845, lat=32.0423, device_address="100003", received_at=OPENED.isoformat(),
                    closed=True),
    fw.FireConfirmed(alarm_id=4711, kind="fire", region_code="320102002", unit_organization_id=12, unit_id=3,
                     unit_name="南京新街口购物中心", address="南京市玄武区中山路1号", lon=118.7845, lat=32.0423,
                     device_address="100003", component="1-1-42-65538", description="1回路2号光电感烟",
                     first_received_at=OPENED.isoformat(), confirmed_at=OPENED.isoformat(), confirmed_by="operator",
                     note="现场确认起火"),
    fw.UnitOffline(alarm_id=4712, region_code="320102002", unit_organization_id=12, unit_id=3,
                   unit_name="南京新街口购物中心", device_address="100003", last_seen_at=OPENED.isoformat(),
                   lon=118.7845, lat=32.0423),
    fw.FaultOverdue(alarm_id=4713, unit_organization_id=12, region_code="320102002", description="主机报 5 层感烟故障",
                    device_address="100003", component="点型感烟火灾探测器 1-2-005", opened_at=OPENED.isoformat()),
    fw.AlarmEscalated(alarm_id=4711, kind="fire", region_code="320102002", escalated_region_code="320102",
                      level=1, unit_organization_id=12, device_address="100003", first_received_at=OPENED.isoformat()),
    fw.AlarmReminded(alarm_id=4711, kind="fire", region_code="320102002"),
    fw.NoticeRetryDue(alarm_id=4711, channel="region_duty", level=1, region_code="320102", attempt=2),
    hz.HazardReported(ticket_id=31, region_code="320102002", organization_id=12, level="major",
                      category="fire_safety", source="inspection", lon=118.7845, lat=32.0423,
                      deadline="2025-06-30T00:00:00+00:00"),
    hz.HazardClosed(ticket_id=31, region_code="320102002", organization_id=12, level="major", category="fire_safety",
                    source="inspection", lon=118.7845, lat=32.0423, outcome="closed",
                    closed_at="2025-05-20T00:00:00+00:00"),
    hz.HazardOverdue(ticket_id=31, region_code="320102002", organization_id=12, level="major",
                     category="fire_safety", source="inspection", lon=118.7845, lat=32.0423, step=2,
                     escalation_region_code="320102", deadline="2025-05-01T00:00:00+00:00", overdue_hours=30.0),
    hz.HazardLevelChanged(ticket_id=31, region_code="320102002", organization_id=12, level="general",
                          category="fire_safety", source="inspection", lon=118.7845, lat=32.0423,
                          previous_level="major"),
    rk.RiskAssessed(source_id=5, region_code="320116001", method="lec", level="orange", assessed_level="orange"),
    rk.RiskLevelChanged(source_id=5, region_code="320116001", organization_id=12, previous_level="yellow",
                        current_level="orange", assessed_level="yellow", reasons=["重大隐患1处（31）"]),
    rk.RiskSourcesImported(import_id=1, region_code="320116", created=120, updated=3, assessed=118),
    em.IncidentOpened(incident_id=9, region_code="320102002", category="accident", subtype="fire", grade="general",
                      state="received", alarm_id=4711, source="firewatch", opened_at=OPENED.isoformat()),
    em.IncidentStateChanged(incident_id=9, region_code="320102002", category="accident", subtype="fire",
                            grade="general", state="responding", alarm_id=4711, previous_state="verified",
                            response_level="4"),
    em.IncidentGraded(incident_id=9, region_code="320102002", category="accident", subtype="fire", grade="larger",
                      state="handling", alarm_id=4711, previous_grade="general"),
    em.TimelineAppended(incident_id=9, region_code="320102002", seq=7, kind="task", kind_name="任务",
                        text="任务“设置警戒区”（治安警戒组）：待办 → 已完成", actor="玄武公安分局联络员",
                        at=OPENED.isoformat()),
)}


class _Watched(dict[str, Any]):
    """A payload that notes every key read from it that it does not hold."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload)
        self.missing: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        if key not in self:
            self.missing.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.missing.add(key)
        return super().get(key, default)


def _read_only_what_it_carries(sub: Subscription, payload: _Watched) -> None:
    assert payload.missing == set(), f"{_label(sub)} reads keys {sorted(payload.missing)} the event lacks"


def outbox_payload(event: DomainEvent) -> _Watched:
    """The payload as a subscriber receives it: stored as JSON in the outbox, read back."""
    return _Watched(json.loads(json.dumps(event.payload(), ensure_ascii=False)))


# --- one scenario per by-name subscription: seed, feed the real event, check the effect -----------------

def _fault_overdue_opens_a_ticket(ctx: AppContext, sub: Subscription) -> _Watched:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        org = orgs_service.create(session, org_in=OrganizationCreate(
            name="南京新街口购物中心", kind=OrganizationKind.NETWORKED_UNIT, region_code="320102"))
        org_id = org.id
    event = dataclasses.replace(EXAMPLES["FaultOverdue"], unit_organization_id=org_id)
    assert isinstance(event, fw.FaultOverdue)
    payload = outbox_payload(event)
    with unit_of_work(ctx.session_factory, actor="system:events") as session:
        sub.handler(session, payload)  # type: ignore[arg-type]
    _read_only_what_it_carries(sub, payload)
    with unit_of_work(ctx.session_factory) as session:
        [ticket] = session.scalars(select(HazardTicket)).all()
        assert ticket.source_ref == "firewatch-alarm:4713"
        assert ticket.source == "device_fault" and ticket.category == "fire_safety"
        assert ticket.organization_id == org_id
        assert ticket.region_code == "320102002"  # the alarm's street, not the unit's district
        assert "点型感烟火灾探测器 1-2-005" in ticket.title
        assert "设备 100003" in ticket.description and "主机报 5 层感烟故障" in ticket.description
        assert "2025-04-28 16:00:00" in ticket.description  # opened_at, in local time
    return payload


def _fire_confirmed_opens_an_incident(ctx: AppContext, sub: Subscription) -> _Watched:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        org = orgs_service.create(session, org_in=OrganizationCreate(
            name="南京新街口购物中心", kind=OrganizationKind.NETWORKED_UNIT, region_code="320102"))
        org_id = org.id
    event = dataclasses.replace(EXAMPLES["FireConfirmed"], unit_organization_id=org_id)
    assert isinstance(event, fw.FireConfirmed)
    payload = outbox_payload(event)
    for _delivery in range(2):  # redelivered: still one incident
        with unit_of_work(ctx.session_factory, actor="system:events") as session:
            sub.handler(session, payload)  # type: ignore[arg-type]
    _read_only_what_it_carries(sub, payload)
    with unit_of_work(ctx.session_factory) as session:
        [incident] = session.scalars(select(Incident)).all()
        assert incident.alarm_id == 4711 and incident.source_ref == "firewatch-fire:4711"
        assert (incident.category, incident.subtype, incident.state) == ("accident", "fire", "received")
        assert incident.organization_id == org_id and incident.unit_id == 3
        assert incident.unit_name == "南京新街口购物中心" and "中山路1号" in incident.place
        assert (incident.lon, incident.lat) == (118.7845, 32.0423)
        assert incident.region_code == "320102002"
        assert "1回路2号光电感烟" in incident.description and "现场确认起火" in incident.description
        assert "2025-04-28 16:00:00" in incident.description  # first_received_at, in local time
        kinds = [e.kind for e in session.scalars(select(TimelineEntry).order_by(TimelineEntry.seq))]
        assert kinds == ["opened", "graded"]
    return payload


SCENARIOS: dict[tuple[str, str], Callable[[AppContext, Subscription], _Watched]] = {
    ("FaultOverdue", "citysafe.hazards.handlers.on_fault_overdue"): _fault_overdue_opens_a_ticket,
    ("FireConfirmed", "citysafe.emergency.handlers.on_fire_confirmed"): _fire_confirmed_opens_an_incident,
}


def test_every_subscribed_name_is_a_published_event_class() -> None:
    unknown = sorted({_label(s) for s in SUBSCRIPTIONS if s.name not in EVENT_CLASSES})
    assert unknown == [], f"subscribed to events no domain defines: {unknown}"
    assert SUBSCRIPTIONS, "register_handlers subscribed nothing"


def test_live_feed_names_are_event_classes() -> None:
    from citysafe.firewatch.live.hub import LIVE_EVENTS

    assert set(LIVE_EVENTS) <= set(EVENT_CLASSES)


def test_every_event_class_has_an_example() -> None:
    assert set(EXAMPLES) == set(EVENT_CLASSES), "add a realistic instance of each new event to EXAMPLES"
    for name, example in EXAMPLES.items():
        assert type(example) is EVENT_CLASSES[name]


@pytest.mark.parametrize("sub", [s for s in SUBSCRIPTIONS if s.when is not None], ids=_label)
def test_filters_read_only_what_the_event_carries(sub: Subscription) -> None:
    assert sub.when is not None
    payload = outbox_payload(EXAMPLES[sub.name])
    assert sub.when(payload), f"{_label(sub)}: the example event should pass the filter"
    _read_only_what_it_carries(sub, payload)


BY_NAME = [s for s in SUBSCRIPTIONS if s.by_name]


def test_every_by_name_subscription_has_a_scenario() -> None:
    keys = {(s.name, f"{s.handler.__module__}.{s.handler.__qualname__}") for s in BY_NAME}
    assert keys == set(SCENARIOS), "each by-name subscription needs a contract scenario (and no stale ones)"


@pytest.mark.parametrize("sub", BY_NAME, ids=_label)
def test_by_name_subscriber_works_on_the_real_payload(ctx: AppContext, sub: Subscription) -> None:
    scenario = SCENARIOS.get((sub.name, f"{sub.handler.__module__}.{sub.handler.__qualname__}"))
    assert scenario is not None, f"no contract scenario for {_label(sub)}"
    _read_only_what_it_carries(sub, scenario(ctx, sub))
