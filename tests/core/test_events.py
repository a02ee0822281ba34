from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.core.context import AppContext
from citysafe.core.db import make_session_factory, unit_of_work
from citysafe.core.events import DomainEvent, EventBus, OutboxEvent, bus, publish, register_event


@register_event
@dataclass(frozen=True)
class ThingHappened(DomainEvent):
    name: ClassVar[str] = "ThingHappened"
    thing_id: int
    region_code: str


def test_handlers_run_after_commit_and_by_name(ctx: AppContext) -> None:
    seen_typed: list[int] = []
    seen_payload: list[dict[str, Any]] = []

    def typed(session: Session, evt: DomainEvent) -> None:
        assert isinstance(evt, ThingHappened)
        seen_typed.append(evt.thing_id)

    ctx.bus.bind(ctx.session_factory)
    ctx.bus.subscribe(ThingHappened, typed)
    ctx.bus.subscribe_name("ThingHappened", lambda _s, payload: seen_payload.append(payload))
    try:
        with unit_of_work(ctx.session_factory) as session:
            publish(session, ThingHappened(thing_id=7, region_code="320102"))
            assert seen_typed == []  # nothing before the commit
        assert seen_typed == [7]
        assert seen_payload == [{"thing_id": 7, "region_code": "320102"}]
    finally:
        ctx.bus.clear()


def test_rolled_back_events_are_never_delivered(ctx: AppContext) -> None:
    seen: list[dict[str, Any]] = []
    ctx.bus.bind(ctx.session_factory)
    ctx.bus.subscribe_name("ThingHappened", lambda _s, payload: seen.append(payload))
    try:
        try:
            with unit_of_work(ctx.session_factory) as session:
                publish(session, ThingHappened(thing_id=1, region_code="320102"))
                raise RuntimeError("abort")
        except RuntimeError:
            pass
        assert seen == []
        with ctx.session_factory() as session:
            assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 0
    finally:
        ctx.bus.clear()


def test_pending_events_are_delivered_later_and_bad_payloads_do_not_block_by_name(ctx: AppContext) -> None:
    local = EventBus()
    local.bind(ctx.session_factory)
    with unit_of_work(ctx.session_factory) as session:  # no handlers yet: stays in the outbox
        for i in range(3):
            publish(session, ThingHappened(thing_id=i, region_code="320102"))
        session.add(OutboxEvent(name="ThingHappened", payload={"unexpected": True}))
    seen: list[dict[str, Any]] = []
    local.subscribe_name("ThingHappened", lambda _s, payload: seen.append(payload))
    assert local.deliver_pending(batch=2) == 4
    assert [p.get("thing_id") for p in seen] == [0, 1, 2, None]
    assert local.deliver_pending() == 0


def test_deferred_events_are_observed_at_commit_and_handled_only_when_asked(ctx: AppContext) -> None:
    """The gateway's writer process answers its caller between commit and handlers (firewatch.ingest.writer)."""
    handled: list[int] = []
    observed: list[tuple[str, int]] = []
    ctx.bus.bind(ctx.session_factory)
    ctx.bus.subscribe_name("ThingHappened", lambda _s, payload: handled.append(payload["thing_id"]))
    ctx.bus.observe_commits(lambda name, payload: observed.append((name, payload["thing_id"])))
    ctx.bus.defer()
    try:
        for thing in (1, 2, 3):
            with unit_of_work(ctx.session_factory) as session:
                publish(session, ThingHappened(thing_id=thing, region_code="320102"))
        assert observed == [("ThingHappened", 1), ("ThingHappened", 2), ("ThingHappened", 3)]
        assert handled == []
        assert ctx.bus.deliver_deferred(2) == 2
        assert handled == [1, 2]
        assert ctx.bus.deliver_deferred() == 1
        assert handled == [1, 2, 3]
        with ctx.session_factory() as session:  # delivered means marked so: deliver_pending skips them
            assert session.scalar(select(func.count()).select_from(OutboxEvent)
                                  .where(OutboxEvent.delivered_at.is_(None))) == 0
    finally:
        ctx.bus.clear()
    assert ctx.bus.deferred is None


def test_a_handler_runs_only_for_the_payloads_it_wants(ctx: AppContext) -> None:
    seen: list[int] = []
    ctx.bus.bind(ctx.session_factory)
    ctx.bus.subscribe_name("ThingHappened", lambda _s, payload: seen.append(payload["thing_id"]),
                       when=lambda payload: payload["thing_id"] % 2 == 0)
    try:
        for thing in (1, 2, 3, 4):
            with unit_of_work(ctx.session_factory) as session:
                publish(session, ThingHappened(thing_id=thing, region_code="320102"))
        assert seen == [2, 4]
        assert not ctx.bus.wants("ThingHappened", {"thing_id": 3})
        with ctx.session_factory() as session:  # unwanted events cost no delivery transaction
            delivered = session.scalars(select(OutboxEvent.payload).where(OutboxEvent.delivered_at.is_not(None)))
            assert sorted(p["thing_id"] for p in delivered) == [2, 4]
    finally:
        ctx.bus.clear()


def test_pending_events_nobody_wants_are_settled_without_running_anything(ctx: AppContext) -> None:
    local = EventBus()
    local.bind(ctx.session_factory)
    seen: list[int] = []
    local.subscribe_name("ThingHappened", lambda _s, payload: seen.append(payload["thing_id"]),
                         when=lambda payload: payload["thing_id"] == 1)
    with unit_of_work(ctx.session_factory) as session:
        for i in range(3):
            session.add(OutboxEvent(name="ThingHappened", payload={"thing_id": i, "region_code": "320102"}))
        session.add(OutboxEvent(name="NobodyListens", payload={}))
    assert local.deliver_pending(batch=3) == 4
    assert seen == [1]
    with ctx.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEvent)
                              .where(OutboxEvent.delivered_at.is_(None))) == 0
    assert local.deliver_pending() == 0


def test_a_context_s_sessions_announce_on_its_own_bus(ctx: AppContext) -> None:
    """Two applications in one process: what one commits is handled by its bus only, never the module's."""
    other = AppContext(settings=ctx.settings, engine=ctx.engine,
                       session_factory=make_session_factory(ctx.engine), signer=ctx.signer)
    seen: dict[str, list[int]] = {"ctx": [], "other": [], "module": []}
    for name, target in (("ctx", ctx.bus), ("other", other.bus), ("module", bus)):
        target.bind(ctx.session_factory)
        target.subscribe_name("ThingHappened", lambda _s, payload, n=name: seen[n].append(payload["thing_id"]))
    try:
        with unit_of_work(other.session_factory) as session:
            publish(session, ThingHappened(thing_id=2, region_code="320102"))
        with unit_of_work(ctx.session_factory) as session:
            publish(session, ThingHappened(thing_id=1, region_code="320102"))
        assert seen == {"ctx": [1], "other": [2], "module": []}
    finally:
        bus.clear()
