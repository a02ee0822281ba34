"""Bulk writes for the high-volume tables of ingest and the alarm store (SQLite and PostgreSQL).

``table_of`` gives the Core table of a model, so bulk statements skip the ORM's per-row bookkeeping;
``insert_with_ids`` inserts rows and answers their ids on either database: ``insert_numbered`` on SQLite,
``copy_rows`` on PostgreSQL (ids drawn from the table's sequence in one query, the rows sent by COPY);
``insert_rows`` inserts rows whose ids nobody needs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from functools import lru_cache
from typing import Any, Final, NamedTuple, cast

from sqlalchemy import BigInteger, Integer, LargeBinary, Table
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

from citysafe.core.db import Base

# Ids of the high-volume tables: 64-bit, but SQLite's INTEGER PRIMARY KEY (its rowid) there.
BIGID: Final = BigInteger().with_variant(Integer, "sqlite")


def table_of(model: type[Base]) -> Table:
    """The Core table of a model: bulk statements on it skip the ORM's per-row bookkeeping."""
    return cast(Table, model.__table__)


@lru_cache(maxsize=32)
def _bind_processors(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[
        tuple[int, Callable[[Any], Any]], ...]:
    # The dialect's own type (``dialect_impl``), as SQLAlchemy would bind it: UTCDateTime becomes SQLite's
    # DATETIME text (the generic DateTime has no processor and would hand the driver a datetime).
    # Binary columns are left out: the stdlib driver takes bytes as they are, and wrapping every raw frame
    # in sqlite3.Binary (a memoryview) only costs time.
    found = ((i, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for i, name in enumerate(columns)
             if not isinstance(table.c[name].type, LargeBinary))
    return tuple((i, p) for i, p in found if p is not None)


def insert_numbered(connection: Connection, table: Table, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]], *, converted: Collection[str] = ()) -> list[int]:
    """SQLite only: insert ``rows`` (values in ``columns`` order) into ``table`` with its ``id`` INTEGER
    PRIMARY KEY, and return the ids of the rows, in order.

    One prepared statement run by the driver's executemany, each value converted once the way the
    column's type would: SQLAlchemy's executemany with RETURNING re-renders and re-processes every row
    and cost several times the insert itself. Instead of RETURNING, the ids are numbered here just as
    SQLite numbers an INTEGER PRIMARY KEY (max + 1, …). That needs the write lock from the max() on,
    which ingest holds (BEGIN IMMEDIATE, core/db.py); a deferred transaction that lost a race fails on
    its stale snapshot or on the primary key instead and rolls back: ids are never matched wrongly.
    ``converted`` names columns whose values the caller gave as the driver takes them (a JSON column's
    text: dicts cannot be converted value by value here, as they cannot be hashed).
    """
    assert connection.dialect.name == "sqlite", "qmark placeholders and rowid numbering are SQLite's"
    if not rows:
        return []
    first = int(connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) + 1 FROM {table.name}").scalar_one())
    ids = range(first, first + len(rows))
    marks = ", ".join("?" * (len(columns) + 1))
    connection.exec_driver_sql(f"INSERT INTO {table.name} (id, {', '.join(columns)}) VALUES ({marks})",
                               _bound(connection, table, columns, rows, converted, ids))
    return list(ids)


def insert_with_ids(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                    converted: Collection[str] = ()) -> list[int]:
    """Insert ``rows`` (values in ``columns`` order) and return their ids, in order, rising: numbered as SQLite
    numbers them (``insert_numbered``), or drawn from the sequence and sent by COPY on PostgreSQL (``copy_rows``)."""
    if connection.dialect.name == "sqlite":
        return insert_numbered(connection, table, columns, rows, converted=converted)
    return copy_rows(connection, table, columns, rows, numbered=True, converted=converted)


def insert_rows(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (values in ``columns`` order) whose ids nobody needs: the driver's executemany on SQLite
    (the ids numbered by SQLite itself, no max() first), one COPY on PostgreSQL."""
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        copy_rows(connection, table, columns, rows)
        return
    marks = ", ".join("?" * len(columns))
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})",
                               _bound(connection, table, columns, rows, (), None))


def _bound(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
           converted: Collection[str], ids: Sequence[int] | None) -> list[tuple[Any, ...]]:
    """``rows`` (prefixed with ``ids``) with each value converted the way its column's type would bind it."""
    processors = [(i, p) for i, p in _bind_processors(connection.dialect, table, tuple(columns))
                  if columns[i] not in converted]
    if not processors and ids is None:
        return [tuple(row) for row in rows]
    # Column by column, each distinct value converted once: device time labels have one-second
    # resolution and the frames of one read share their receive time, so most values of a batch repeat.
    values: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for i, process in processors:
        done = {value: process(value) for value in set(values[i])}
        values[i] = [done[value] for value in values[i]]
    return list(zip(ids, *values, strict=True) if ids is not None else zip(*values, strict=True))


def copy_rows(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
              numbered: bool = False, converted: Collection[str] = ()) -> list[int]:
    """PostgreSQL only: insert ``rows`` (values in ``columns`` order) into ``table`` with one binary COPY; with
    ``numbered``, their ids (drawn from the table's ``id`` sequence first), in order, else [].

    SQLAlchemy's executemany with RETURNING renders, binds and sends the rows in pages of parameters and
    cost more than everything else ingest does with a message; COPY streams them in the driver's C code.
    Binary, with the columns' types given: the text format had the driver look up a dumper for every value
    (~3 µs a reading's row against ~0.4) and the server parse every value back from text.
    ``converted`` as for ``insert_numbered``: a JSON column's text goes as it is (``json``'s binary form is
    its text).
    """
    assert connection.dialect.name == "postgresql", "COPY and sequences are PostgreSQL's"
    if not rows:
        return []
    ids: list[int] | None = None
    if numbered:
        # One nextval per row in one query and one row; sorted, so ids rise in the rows' order as on SQLite.
        ids = sorted(connection.exec_driver_sql(
            f"SELECT array_agg(nextval('{_sequence_of(connection, table.name)}')) FROM generate_series(1, %(n)s)",
            {"n": len(rows)}).scalar_one())
    names = ("id", *columns) if ids is not None else tuple(columns)
    types = _catalogue(connection, table.name).types
    # The driver's own connection, in the transaction the session holds: COPY is not SQLAlchemy's.
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types([_TEXT_OID if name in converted else types[name] for name in names])
            for row in _bound(connection, table, columns, rows, converted, ids):
                copy.write_row(row)
    except connection.dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy raises a statement's: callers tell the database's trouble (OperationalError: down,
        # restarting) from a row's (IntegrityError, DataError) by these classes.
        raise DBAPIError.instance(statement, None, exc, connection.dialect.loaded_dbapi.Error) from exc
    return ids or []


_TEXT_OID: Final = 25  # pg_type's text: what a JSON column's text is sent as (json's binary form is its text)


class _Catalogue(NamedTuple):
    types: dict[str, int]   # column name → type OID
    sequence: str | None    # the ``id`` column's sequence


def _catalogue(connection: Connection, table: str) -> _Catalogue:
    """What COPY needs of ``table`` from the catalogue, read once per database connection (kept in its
    ``info``): asked per row, ``pg_get_serial_sequence`` alone took 1.4 ms of a 500-message batch."""
    kept: dict[str, _Catalogue] = connection.info.setdefault("citysafe_copy_catalogue", {})
    found = kept.get(table)
    if found is None:
        types = dict(connection.exec_driver_sql(
            "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %(table)s::regclass AND attnum > 0"
            " AND NOT attisdropped", {"table": table}).tuples().all())
        sequence = connection.exec_driver_sql("SELECT pg_get_serial_sequence(%(table)s, 'id')",
                                              {"table": table}).scalar() if "id" in types else None
        found = kept[table] = _Catalogue(types, sequence)
    return found


def _sequence_of(connection: Connection, table: str) -> str:
    sequence = _catalogue(connection, table).sequence
    assert sequence is not None, f"{table}.id has no sequence"
    return sequence
