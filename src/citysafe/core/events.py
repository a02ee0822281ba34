"""Domain events: published inside the unit of work, delivered after it commits.

``publish`` writes the event to the outbox table in the same transaction as the change that caused it,
so no event announces a change that was rolled back. After the commit the application's bus (one per
``AppContext``, hooked to its session factories by ``install_outbox``) hands it to subscribed handlers,
each in its own unit of work; a handler that fails leaves the outbox row undelivered for
``deliver_pending`` to retry. A multi-process deployment relays the outbox to NATS.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Integer, Row, ScalarSelect, String, event, func, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from citysafe.core.clock import utcnow
from citysafe.core.db import Base, UTCDateTime, unit_of_work

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class DomainEvent:
    """Base of every event; subclasses are frozen, past-tense and carry only plain data."""

    name: ClassVar[str] = "domain_event"

    def payload(self) -> dict[str, Any]:
        return {
            k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in dataclasses.asdict(self).items()
        }


class OutboxEvent(Base):
    __tablename__ = "outbox_event"
    __audited__ = False

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


Handler = Callable[[Session, DomainEvent], None]
# For events of a domain on the same layer, which the subscriber may not import: the payload as a dict.
PayloadHandler = Callable[[Session, dict[str, Any]], None]
PayloadObserver = Callable[[str, dict[str, Any]], None]
Wanted = Callable[[dict[str, Any]], bool]


@dataclasses.dataclass(frozen=True)
class Subscription:
    """One handler subscribed on a bus: typed (gets the event) or by name (gets the payload dict)."""

    name: str
    handler: Handler | PayloadHandler
    when: Wanted | None
    by_name: bool


class EventBus:
    def __init__(self, event_types: Iterable[type[DomainEvent]] = ()) -> None:
        # The event classes typed handlers get back (each domain's ``events.EVENTS``, composed in
        # ``citysafe.registry``): fixed when the bus is made.
        self.event_types = MappingProxyType({cls.name: cls for cls in event_types})
        # Each handler with its ``when``: a test of the payload, so an event no handler wants costs no
        # transaction (AlarmUpdated fires on every alarm occurrence; risk wants only the terminal ones).
        self._handlers: dict[str, list[tuple[Handler, Wanted | None]]] = defaultdict(list)
        self._payload_handlers: dict[str, list[tuple[PayloadHandler, Wanted | None]]] = defaultdict(list)
        self._factory: sessionmaker[Session] | None = None
        # Set by ``defer()``: committed events wait here for ``deliver_deferred`` instead of being
        # delivered inside the commit (a writer process answers its caller first).
        self.deferred: deque[tuple[int, str, dict[str, Any]]] | None = None
        self._commit_observers: list[PayloadObserver] = []

    def bind(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def subscribe(self, event_type: type[DomainEvent], handler: Handler, *, when: Wanted | None = None) -> None:
        """Run ``handler`` for every event of the type (only those whose payload passes ``when``, if given)."""
        if self.event_types.get(event_type.name) is not event_type:
            raise ValueError(f"{event_type.__name__} is not among this bus's event types")
        entries = self._handlers[event_type.name]
        if all(h is not handler for h, _ in entries):
            entries.append((handler, when))

    def subscribe_name(self, name: str, handler: PayloadHandler, *, when: Wanted | None = None) -> None:
        """Subscribe by event name, receiving the payload: no import of the publishing domain needed."""
        entries = self._payload_handlers[name]
        if all(h is not handler for h, _ in entries):
            entries.append((handler, when))

    def unsubscribe_name(self, name: str, handler: PayloadHandler) -> None:
        entries = self._payload_handlers.get(name, [])
        entries[:] = [(h, when) for h, when in entries if h is not handler]

    def clear(self) -> None:
        self._handlers.clear()
        self._payload_handlers.clear()
        self._commit_observers.clear()
        self.deferred = None

    def subscriptions(self) -> list[Subscription]:
        """Every subscription on this bus, typed ones first (contract tests walk them)."""
        typed = [Subscription(name, h, when, False) for name, entries in self._handlers.items() for h, when in entries]
        return typed + [Subscription(name, h, when, True)
                        for name, entries in self._payload_handlers.items() for h, when in entries]

    def has_handlers(self, name: str) -> bool:
        return bool(self._handlers.get(name)) or bool(self._payload_handlers.get(name))

    def wants(self, name: str, payload: dict[str, Any]) -> bool:
        """Whether any handler would run for this event."""
        entries = [*self._handlers.get(name, ()), *self._payload_handlers.get(name, ())]
        return any(when is None or when(payload) for _, when in entries)

    def deliver(self, outbox_id: int, name: str, payload: dict[str, Any]) -> bool:
        """Run every handler of one event in one unit of work that also marks the outbox row delivered.

        On PostgreSQL (where several processes share the database) the row is claimed first — marked delivered
        where it was not yet, in the handlers' transaction: another process delivering the same event at the
        same moment (``deliver_pending`` at its start, beside the process that committed it) waits on that one
        row and then finds it taken, so the handlers run once; if this transaction rolls back, the claim goes
        with it and the event stays for a retry. On SQLite a write at the start would take the database's one
        write lock for the whole of the handlers (which call SMS gateways: tests/firewatch/test_fw_notify.py),
        so the row is marked at the end, as a single process's outbox needs."""
        if self._factory is None:
            return False
        event_type = self.event_types.get(name)
        try:
            with unit_of_work(self._factory, actor="system:events") as session:
                claim_first = session.get_bind().dialect.name != "sqlite"
                if claim_first and not _claimed(session, outbox_id):
                    return True  # delivered by another process, or the row is gone: nothing left to do here
                typed_handlers = [h for h, when in self._handlers.get(name, ()) if when is None or when(payload)]
                # Rebuild the typed event only for typed handlers: by-name subscribers take the payload
                # as it is, so a payload the class cannot rebuild never blocks them.
                if event_type is not None and typed_handlers:
                    evt = _rebuild(event_type, payload)
                    for handler in typed_handlers:
                        handler(session, evt)
                for payload_handler, when in self._payload_handlers.get(name, ()):
                    if when is None or when(payload):
                        payload_handler(session, dict(payload))
                if not claim_first:
                    session.execute(update(OutboxEvent).where(OutboxEvent.id == outbox_id)
                                    .values(delivered_at=utcnow()))
        except Exception:
            log.exception("event %s (outbox %s) failed; left for retry", name, outbox_id)
            return False
        return True

    def observe_commits(self, observer: PayloadObserver) -> None:
        """Call ``observer(name, payload)`` for every event as its transaction commits, before any
        delivery (a writer process forwards live alarms to the web process this way)."""
        self._commit_observers.append(observer)

    def unobserve_commits(self, observer: PayloadObserver) -> None:
        self._commit_observers[:] = [o for o in self._commit_observers if o is not observer]

    def committed(self, rows: list[OutboxEvent]) -> None:
        """The events of a transaction that just committed: tell the observers, then deliver or queue."""
        for observer in self._commit_observers:
            for row in rows:
                observer(row.name, row.payload)
        wanted = [row for row in rows if self.wants(row.name, row.payload)]
        if self.deferred is not None:
            self.deferred.extend((row.id, row.name, row.payload) for row in wanted)
            return
        for row in wanted:
            self.deliver(row.id, row.name, row.payload)

    def defer(self) -> None:
        """From now on queue committed events in ``deferred``; ``deliver_deferred`` runs their handlers."""
        if self.deferred is None:
            self.deferred = deque()

    def deliver_deferred(self, limit: int | None = None) -> int:
        """Deliver up to ``limit`` queued events (all when None), oldest first; returns how many were taken."""
        queue = self.deferred
        taken = 0
        while queue and (limit is None or taken < limit):
            outbox_id, name, payload = queue.popleft()
            taken += 1
            self.deliver(outbox_id, name, payload)
        return taken

    def deliver_pending(self, batch: int = 500) -> int:
        """Retry every event left undelivered (a crash or a failed handler); returns how many were settled.

        Walks the outbox by id, so an event whose handler keeps failing is tried once per call, not forever.
        Events no handler wants (``committed`` leaves them in the outbox) are marked delivered a page at a
        time, not one transaction each: alarm occurrences alone can leave millions of them.
        """
        if self._factory is None:
            return 0
        settled, after_id = 0, 0
        while True:
            with self._factory() as session:
                rows = session.execute(
                    select(OutboxEvent.id, OutboxEvent.name, OutboxEvent.payload)
                    .where(OutboxEvent.delivered_at.is_(None), OutboxEvent.id > after_id)
                    .order_by(OutboxEvent.id).limit(batch)
                ).all()
            if not rows:
                return settled
            wanted: list[Row[tuple[int, str, dict[str, Any]]]] = []
            unwanted: list[Row[tuple[int, str, dict[str, Any]]]] = []
            for r in rows:
                (wanted if self.wants(r.name, r.payload) else unwanted).append(r)
            if unwanted:
                with unit_of_work(self._factory, actor="system:events") as session:
                    session.execute(update(OutboxEvent).where(OutboxEvent.id.in_([r.id for r in unwanted]))
                                    .values(delivered_at=utcnow()))
            settled += len(unwanted) + sum(self.deliver(r.id, r.name, r.payload) for r in wanted)
            after_id = rows[-1].id


def _claimed(session: Session, outbox_id: int) -> bool:
    """Mark the event delivered if nobody has: whether this transaction took it."""
    outcome = session.execute(update(OutboxEvent)
                              .where(OutboxEvent.id == outbox_id, OutboxEvent.delivered_at.is_(None))
                              .values(delivered_at=utcnow()))
    return int(getattr(outcome, "rowcount", 0) or 0) == 1


def _rebuild(event_type: type[DomainEvent], payload: dict[str, Any]) -> DomainEvent:
    fields = {f.name: f for f in dataclasses.fields(event_type)}
    values: dict[str, Any] = {}
    for key, value in payload.items():
        if key not in fields:
            continue
        if isinstance(value, str) and "datetime" in str(fields[key].type):
            values[key] = datetime.fromisoformat(value)
        else:
            values[key] = value
    return event_type(**values)


def newest_event_id_query() -> ScalarSelect[Any]:
    """The id of the newest event any transaction committed (as the reading session sees it; NULL before
    the first), as a scalar subquery to read beside other versions in one statement: a version of
    everything that publishes, for answers kept while nothing changed (core/cache.py). Outbox rows are never
    deleted, so the id only grows (read through the primary key: one index step)."""
    return select(func.max(OutboxEvent.id)).scalar_subquery()


def publish(session: Session, evt: DomainEvent) -> None:
    """Record ``evt`` in this transaction's outbox; handlers run after the commit."""
    row = OutboxEvent(name=evt.name, payload=evt.payload())
    session.add(row)
    session.info.setdefault("outbox", []).append(row)


def install_outbox(factory: sessionmaker[Session], event_bus: EventBus) -> None:
    """Hand the events of every transaction committed by ``factory``'s sessions to ``event_bus``.

    Listens on the factory (its own Session subclass), not on the Session class: sessions of another
    application's factory deliver to that application's bus.
    """
    # SQLAlchemy also signals these for a savepoint (``session.begin_nested()``) inside the transaction: releasing
    # one must not deliver the events so far (the transaction may still roll back, and a handler's own session
    # would wait for the write lock this one holds), and rolling one back must not forget the events recorded
    # before it. At the real commit, the events a rolled-back savepoint recorded are no longer in the session.
    def after_commit(session: Session) -> None:
        if session.in_nested_transaction():
            return
        rows = [row for row in session.info.pop("outbox", []) if inspect(row).persistent]
        if rows:
            event_bus.committed(rows)

    def after_rollback(session: Session) -> None:
        if not session.in_nested_transaction():
            session.info.pop("outbox", None)

    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_rollback", after_rollback)
