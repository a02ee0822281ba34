"""Engine, sessions and the unit of work.

Services never commit: the request's (or worker's) unit of work does, so every change of one request,
its audit entries and its outbox events land in one transaction or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Select,
    String,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, class_mapper, mapped_column, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from citysafe.core.clock import as_utc, utcnow
from citysafe.core.errors import field_error, not_found

M = TypeVar("M")

# 64-bit keys on PostgreSQL; SQLite's rowid alias must be spelled INTEGER to autoincrement.
BigId = BigInteger().with_variant(Integer, "sqlite")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; hands back aware UTC datetimes on every database (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Tables whose rows are high-volume machine data (raw frames, readings) set this False.
    __audited__ = True


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class RegionScoped:
    """Rows that belong to a division; the scope filter in ``core.scope`` applies to them."""

    region_code: Mapped[str] = mapped_column(String(20), index=True)


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def create_db_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> Engine:
    parsed = make_url(url)
    if _is_sqlite(parsed):
        # A connection to a local file is cheap, and a request may hold two (login reads in its own session
        # while a short unit of work counts a failure): the pool is sized past the server's 40 worker threads
        # so no request waits for — or, at the pool's timeout, fails for — a free connection.
        engine = create_engine(parsed, echo=echo, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=10, max_overflow=90)
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and pool_size <= 0:
        return create_engine(parsed, echo=echo, poolclass=NullPool)
    return create_engine(parsed, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # The stdlib driver's own transaction handling is off so BEGIN IMMEDIATE can be issued: writers
        # then queue on the lock instead of failing later with "database is locked".
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY_SNAPSHOT when
        # another writer (the fire gateway) committed in between; taking the write lock at BEGIN makes
        # writers (gateway, workers, timers, requests with an unsafe method) wait their turn instead. Reading
        # requests opt out (``make_read_session_factory``) so they never wait for a writer, as do the few
        # views that write through short units of work of their own (``auth.deps.commits_on_its_own``).
        immediate = conn.get_execution_options().get("sqlite_immediate", True)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def make_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that begin deferred on SQLite: reads never wait for writers (HTTP requests that only read)."""
    return sessionmaker(bind=engine.execution_options(sqlite_immediate=False), expire_on_commit=False,
                        autoflush=True)


@contextmanager
def unit_of_work(factory: sessionmaker[Session], **info: Any) -> Iterator[Session]:
    """One transaction: commits when the block ends normally, rolls back on any exception."""
    session = factory()
    session.info.update(info)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_or_404(session: Session, model: type[M], key: Any, *, what: str, what_zh: str,
               visible: Callable[[M], bool] | None = None) -> M:
    """``session.get(model, key)``, or the bilingual 404 ``not_found(what, what_zh, key)``.

    The scope filter (``core.scope``) applies to the load as to every query, so an object outside the
    caller's scope answers 404 like a missing one. ``visible`` narrows further (an officer of another grid,
    an attachment of a ticket the caller cannot see): when it says False the answer is the same 404.
    """
    obj = session.get(model, key)
    if obj is None or (visible is not None and not visible(obj)):
        raise not_found(what, what_zh, key)
    return obj


def first_or_404(session: Session, stmt: Select[tuple[M]], *, key: Any, what: str, what_zh: str) -> M:
    """The first row of ``stmt`` (a select by id with loader options, say), or the same 404 as ``get_or_404``."""
    obj = session.scalars(stmt).first()
    if obj is None:
        raise not_found(what, what_zh, key)
    return obj


def require_references(session: Session, obj: object, *names: str) -> None:
    """Check that each foreign key ``names`` of ``obj`` that is set points at an existing row.

    An unknown id would otherwise fail at flush as an IntegrityError (a 500, and on PostgreSQL an aborted
    transaction); this answers 422 naming the field. The referenced table is read from the mapping, so a
    lower layer can check a reference to a higher layer's table (a user's organisation) without importing
    it. Existence only: whether the caller may use the row is the service's scope check.
    """
    table = class_mapper(type(obj)).local_table
    for name in names:
        value = getattr(obj, name)
        if value is None:
            continue
        for key in table.c[name].foreign_keys:
            target = key.column
            found = session.execute(select(target).where(target == value).execution_options(skip_scope=True))
            if found.first() is None:
                raise field_error(name, f"no {target.table.name} with id {value}", f"编号 {value} 的记录不存在")


@dataclass(frozen=True)
class Units:
    """How long work opens its transactions: ``read()`` a reader's (deferred on SQLite: it never waits for a
    writer nor holds one up), ``write()`` a short writer's. Batched work (a large import) opens one
    ``write()`` per batch so the write lock is held for one batch at a time, never for the whole job."""

    read: Callable[[], AbstractContextManager[Session]]
    write: Callable[[], AbstractContextManager[Session]]


def take_turn(session: Session, name: str) -> bool:
    """True when this transaction may do the periodic work ``name`` now: on PostgreSQL, several processes
    share the database (docs/deploy.md) and only one at a time gets the transaction-scoped advisory lock;
    the others skip their turn. SQLite is one process's: always True."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _lock_key(name)}).scalar())


def one_at_a_time(session: Session, names: Iterable[str]) -> None:
    """Wait until this transaction alone holds each of ``names`` (until it ends): on PostgreSQL, transactions
    of several processes that must see each other's committed work (two fires in one zone, stored by two
    writers at once) take their turns. Taken in a fixed order, so two such transactions cannot deadlock.
    SQLite's writers already take turns (one write lock): nothing to do."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted({_lock_key(name) for name in names}):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
