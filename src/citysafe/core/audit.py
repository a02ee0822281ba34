"""Append-only audit log of every change: who, when, what, before and after.

Captured in the flush itself, so an audit entry exists exactly when its change was committed.
The table lives in core because every domain's writes pass through here; the auth domain serves it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, event, insert, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from citysafe.core.clock import utcnow
from citysafe.core.db import Base, RegionScoped, UTCDateTime

_SKIPPED_ATTRIBUTES = {"password_hash", "updated_at"}


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __audited__ = False

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(10))
    entity: Mapped[str] = mapped_column(String(60), index=True)
    entity_id: Mapped[str] = mapped_column(String(60), index=True)
    region_code: Mapped[str | None] = mapped_column(String(20), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes | bytearray | memoryview):
        # A file (evidence up to 20 MB, a plan document) is recorded by its size and digest, never copied.
        data = bytes(value)
        return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if value is None or type(value) in (str, int, float, bool):  # already what JSON stores: no round trip
        return value
    if isinstance(value, dict | list | str | int | float | bool):
        return json.loads(json.dumps(value, default=str))
    return str(value)


def _column_values(obj: Any) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {
        attr.key: _plain(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in _SKIPPED_ATTRIBUTES
    }


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in _SKIPPED_ATTRIBUTES:
            continue
        history = state.attrs[attr.key].history
        if history.has_changes():
            before[attr.key] = _plain(history.deleted[0]) if history.deleted else None
            after[attr.key] = _plain(history.added[0]) if history.added else None
    return before, after


def _identity(obj: Any) -> str:
    # A row inserted in this flush has its primary key but no identity key yet (that comes after the flush):
    # read the key from the row itself, or every "create" entry would name no record.
    state = inspect(obj)
    key = state.identity or state.mapper.primary_key_from_instance(obj)
    return "/".join(str(part) for part in key) if key and None not in key else ""


def actor_of(session: Session) -> str:
    """Who the audit log names for what ``session`` writes (its unit of work's ``actor``)."""
    return str(session.info.get("actor", "system"))


def _parent_regions(session: Session, pending: list[tuple[dict[str, Any], Any]]) -> None:
    """Fill in the region of rows whose class names a region-scoped parent (``__audit_region_from__ =
    (foreign key attribute, parent table)``): an alarm's actions are audited in the alarm's region, so
    the offices of that region see them and nobody else does. One query per parent table and flush."""
    by_parent: dict[tuple[str, str], list[tuple[dict[str, Any], Any]]] = {}
    for row, obj in pending:
        key_attr, parent = obj.__audit_region_from__
        by_parent.setdefault((key_attr, parent), []).append((row, getattr(obj, key_attr)))
    for (_key_attr, parent), rows in by_parent.items():
        table = Base.metadata.tables[parent]
        ids = {parent_id for _row, parent_id in rows if parent_id is not None}
        found = dict(session.connection().execute(
            select(table.c.id, table.c.region_code).where(table.c.id.in_(ids))).tuples().all())
        for row, parent_id in rows:
            row["region_code"] = found.get(parent_id)


@event.listens_for(Session, "after_flush")
def _write_audit(session: Session, _ctx: Any) -> None:
    rows: list[dict[str, Any]] = []
    from_parent: list[tuple[dict[str, Any], Any]] = []
    at = utcnow()
    actor = actor_of(session)

    def add(obj: Any, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        row = {
            "at": at, "actor": actor, "action": action, "entity": type(obj).__tablename__,
            "entity_id": _identity(obj),
            "region_code": obj.region_code if isinstance(obj, RegionScoped) else None,
            "before": before, "after": after,
        }
        rows.append(row)
        if getattr(obj, "__audit_region_from__", None) is not None:
            from_parent.append((row, obj))

    # Checking __audited__ before building values keeps bulk machine rows (raw frames) cheap.
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            add(obj, "create", None, _column_values(obj))
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                add(obj, "update", before, after)
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            add(obj, "delete", _column_values(obj), None)
    if from_parent:
        _parent_regions(session, from_parent)
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def created_entry(model: type[Base], values: dict[str, Any], *, actor: str, at: datetime) -> dict[str, Any]:
    """The "create" entry the flush would write for a row of ``model`` inserted with ``values`` (every column,
    its primary key included), for the few hot paths that insert without the ORM (a citizen's report:
    public/reports/intake.py) and write their entries in the same statement batch instead."""
    mapper = inspect(model)
    after = {attr.key: _plain(values.get(attr.key)) for attr in mapper.column_attrs
             if attr.key not in _SKIPPED_ATTRIBUTES}
    key = "/".join(str(values[column.name]) for column in mapper.primary_key)
    return {"at": at, "actor": actor, "action": "create", "entity": model.__tablename__, "entity_id": key,
            "region_code": values.get("region_code") if issubclass(model, RegionScoped) else None,
            "before": None, "after": after}


def record(session: Session, *, action: str, entity: str, entity_id: str, region_code: str | None,
           after: dict[str, Any] | None = None) -> None:
    """An audit entry for an act that changes no audited column (a logout, a password change: the
    hash is never copied into the log), written in the same transaction as the act."""
    session.add(AuditEntry(at=utcnow(), actor=actor_of(session), action=action, entity=entity,
                           entity_id=entity_id, region_code=region_code, before=None, after=after))
