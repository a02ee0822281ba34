from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.events import DomainEvent, EventBus, OutboxEvent, publish


@dataclass(frozen=True)
class ThingHappened(DomainEvent):
    name: ClassVar[str] = "ThingHappened"
    thing_id: int
    region_code: str


@pytest.fixture
def things(ctx: AppContext) -> AppContext:
    """An application on the test's database whose bus knows ThingHappened."""
    return AppContext(settings=ctx.settings, engine=ctx.engine, signer=ctx.signer, event_types=(ThingHappened,))


def test_handlers_run_after_commit_and_by_name(things: AppContext) -> None:
    seen_typed: list[int] = []
    seen_payload: list[dict[str, Any]] = []

    def typed(session: Session, evt: DomainEvent) -> None:
        assert isinstance(evt, ThingHappened)
        seen_typed.append(evt.thing_id)

    bus = things.bus
    bus.subscribe(ThingHappened, typed)
    bus.subscribe_name("ThingHappened", lambda _s, payload: seen_payload.append(payload))
    try:
        with unit_of_work(things.session_factory) as session:
            publish(session, ThingHappened(thing_id=7, region_code="320102"))
            assert seen_typed == []  # nothing before the commit
        assert seen_typed == [7]
        assert seen_payload == [{"thing_id": 7, "region_code": "320102"}]
    finally:
        bus.clear()


def test_rolled_back_events_are_never_delivered(things: AppContext) -> None:
    seen: list[dict[str, Any]] = []
    bus = things.bus
    bus.subscribe_name("ThingHappened", lambda _s, payload: seen.append(payload))
    try:
        try:
            with unit_of_work(things.session_factory) as session:
                publish(session, ThingHappened(thing_id=1, region_code="320102"))
                raise RuntimeError("abort")
        except RuntimeError:
            pass
        assert seen == []
        with things.session_factory() as session:
            assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 0
    finally:
        bus.clear()


def test_a_savepoint_neither_delivers_early_nor_loses_the_events_before_it(things: AppContext) -> None:
    """A savepoint inside a unit of work (a race caught with ``begin_nested``): releasing it delivers nothing
    yet, rolling it back drops only what it recorded; the commit delivers the rest, once."""
    seen: list[int] = []
    bus = things.bus
    bus.subscribe_name("ThingHappened", lambda _s, payload: seen.append(payload["thing_id"]))
    try:
        with unit_of_work(things.session_factory) as session:
            publish(session, ThingHappened(thing_id=1, region_code="320102"))
            with session.begin_nested():
                publish(session, ThingHappened(thing_id=2, region_code="320102"))
            assert seen == []  # a released savepoint is not the commit
            try:
                with session.begin_nested():
                    publish(session, ThingHappened(thing_id=3, region_code="320102"))
                    session.flush()
                    raise RuntimeError("lost the race")
            except RuntimeError:
                pass
            publish(session, ThingHappened(thing_id=4, region_code="320102"))
        assert seen == [1, 2, 4]
        with things.session_factory() as session:
            assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 3
    finally:
        bus.clear()


def test_pending_events_are_delivered_later_and_bad_payloads_do_not_block_by_name(ctx: AppContext) -> None:
    local = EventBus((ThingHappened,))
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


def test_deferred_events_are_observed_at_commit_and_handled_only_when_asked(things: AppContext) -> None:
    """The gateway's writer process answers its caller between commit and handlers (firewatch.ingest.writer)."""
    handled: list[int] = []
    observed: list[tuple[str, int]] = []
    bus = things.bus
    bus.subscribe_name("ThingHappened", lambda _s, payload: handled.append(payload["thing_id"]))
    bus.observe_commits(lambda name, payload: observed.append((name, payload["thing_id"])))
    bus.defer()
    try:
        for thing in (1, 2, 3):
            with unit_of_work(things.session_factory) as session:
                publish(session, ThingHappened(thing_id=thing, region_code="320102"))
        assert observed == [("ThingHappened", 1), ("ThingHappened", 2), ("ThingHappened", 3)]
        assert handled == []
        assert bus.deliver_deferred(2) == 2
        assert handled == [1, 2]
        assert bus.deliver_deferred() == 1
        assert handled == [1, 2, 3]
        with things.session_factory() as session:  # delivered means marked so: deliver_pending skips them
            assert session.scalar(select(func.count()).select_from(OutboxEvent)
                                  .where(OutboxEvent.delivered_at.is_(None))) == 0
    finally:
        bus.clear()
    assert bus.deferred is None


def test_a_handler_runs_only_for_the_payloads_it_wants(things: AppContext) -> None:
    seen: list[int] = []
    bus = things.bus
    bus.subscribe_name("ThingHappened", lambda _s, payload: seen.append(payload["thing_id"]),
                       when=lambda payload: payload["thing_id"] % 2 == 0)
    try:
        for thing in (1, 2, 3, 4):
            with unit_of_work(things.session_factory) as session:
                publish(session, ThingHappened(thing_id=thing, region_code="320102"))
        assert seen == [2, 4]
        assert not bus.wants("ThingHappened", {"thing_id": 3})
        with things.session_factory() as session:  # unwanted events cost no delivery transaction
            delivered = session.scalars(select(OutboxEvent.payload).where(OutboxEvent.delivered_at.is_not(None)))
            assert sorted(p["thing_id"] for p in delivered) == [2, 4]
    finally:
        bus.clear()


def test_pending_events_nobody_wants_are_settled_without_running_anything(ctx: AppContext) -> None:
    local = EventBus((ThingHappened,))
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


def test_a_bus_knows_only_the_event_types_it_was_given() -> None:
    bus = EventBus((ThingHappened,))
    assert dict(bus.event_types) == {"ThingHappened": ThingHappened}
    bus.subscribe(ThingHappened, lambda _s, _e: None)

    @dataclass(frozen=True)
    class Unknown(DomainEvent):
        name: ClassVar[str] = "Unknown"

    with pytest.raises(ValueError, match="not among this bus's event types"):
        bus.subscribe(Unknown, lambda _s, _e: None)


def test_a_handler_by_name_can_be_unsubscribed() -> None:
    bus = EventBus()

    def handler(_session: Session, _payload: dict[str, Any]) -> None: ...

    bus.subscribe_name("ThingHappened", handler)
    assert bus.has_handlers("ThingHappened")
    bus.unsubscribe_name("ThingHappened", handler)
    assert not bus.has_handlers("ThingHappened")


def test_two_processes_delivering_the_same_event_run_its_handlers_once(ctx: AppContext) -> None:
    """A starting process's ``deliver_pending`` races the process that committed the event and is delivering
    it at that moment (several ``citysafe serve`` on one database): the handlers run once."""
    import threading

    if ctx.engine.dialect.name == "sqlite":
        pytest.skip("several serving processes share PostgreSQL (docs/deploy.md); on SQLite the row is marked at "
                    "the end so that no write lock is held while handlers call out (EventBus.deliver)")

    handled: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def slow(_session: Session, payload: dict[str, Any]) -> None:
        handled.append("committing process")
        inside.set()
        assert release.wait(30)

    committing, starting = EventBus((ThingHappened,)), EventBus((ThingHappened,))
    for bus in (committing, starting):
        bus.bind(ctx.session_factory)
    committing.subscribe_name("ThingHappened", slow)
    starting.subscribe_name("ThingHappened", lambda _s, _p: handled.append("starting process"))
    with unit_of_work(ctx.session_factory) as session:  # the context's own bus has no handler: it stays pending
        publish(session, ThingHappened(thing_id=1, region_code="320102"))
    first = threading.Thread(target=committing.deliver_pending)
    first.start()
    assert inside.wait(30)
    results: list[int] = []
    second = threading.Thread(target=lambda: results.append(starting.deliver_pending()))
    second.start()
    second.join(0.5)  # it waits on the claimed row while the first delivery is still in its handler
    release.set()
    first.join(30)
    second.join(30)
    # The second saw the row pending, waited on its claim, found it taken: settled, not run.
    assert handled == ["committing process"]
    assert results == [1]
    with ctx.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEvent)
                              .where(OutboxEvent.delivered_at.is_(None))) == 0
