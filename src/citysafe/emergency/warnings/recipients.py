"""Who a warning reaches: everyone registered inside its area, on each channel they can be reached by.

- grid officers (hazards grids): the grids whose polygon meets the area (or that lie in the chosen divisions);
  an SMS to the officer's phone and the console;
- enterprises' safety contacts (orgs): organisations located inside the area, each contact with a phone;
- networked units (firewatch): the unit's contact phone;
- public subscribers (``WarningSubscriber``): phone, e-mail, webhook (a broadcaster).

Subscribers are the many (a city registers hundreds of thousands): they are picked by a bounding-box query on
the (lon, lat) index and then shapely 2's vectorised point test over numpy arrays (calc/area.py ``inside``),
never one Python object per point. ``bench/warning.py`` measures it against a plain shapely loop.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt
from shapely.geometry import MultiPolygon, Polygon, shape
from sqlalchemy import BigInteger, Select, String, bindparam, case, cast, func, insert, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from citysafe.core.scope import in_region
from citysafe.emergency.warnings.calc.area import inside
from citysafe.emergency.warnings.models import DELIVERY_TABLE, WarningSubscriber
from citysafe.firewatch.registry import service as units_service
from citysafe.hazards.grids import service as grids_service
from citysafe.orgs import service as orgs_service

# (recipient_kind, recipient_ref, recipient_name, channel, address)
Row = tuple[str, str, str, str, str]
NO_IDS: Final = np.zeros(0, dtype=np.int64)
Area: TypeAlias = Polygon | MultiPolygon


@dataclass(frozen=True)
class Target:
    """Where and how: the drawn area or the divisions, the channels that may be used, and whether the scope
    is the issuer's (``within``). ``test``: a CAP Test alert, only test subscribers."""

    geometry: Area | None
    region_codes: tuple[str, ...]
    within: str
    channels: frozenset[str]
    test: bool = False
    public: bool = True


def _in_codes(column: object, codes: Sequence[str]) -> object:
    return or_(*(in_region(column, code) for code in codes))


def _located(target: Target, lon: float | None, lat: float | None, region_code: str) -> bool:
    if target.geometry is None:
        return any(region_code.startswith(code) for code in target.region_codes)
    if lon is None or lat is None:
        return False
    return bool(inside(target.geometry, np.array([lon]), np.array([lat]))[0])


def _bbox(target: Target) -> tuple[float, float, float, float] | None:
    if target.geometry is None:
        return None
    b = target.geometry.bounds
    return (b[0], b[1], b[2], b[3])


def subscriber_ids(session: Session, target: Target) -> npt.NDArray[np.int64]:
    """The ids of the active subscribers inside the area (or the divisions), in the session's scope.

    A drawn area: the bounding box is read from the covering (lon, lat, test, active) index alone, then the
    points are tested at numpy speed (calc/area.py ``inside``); no row becomes a Python object of its own."""
    s = WarningSubscriber
    # Test receivers take the test alerts, and only those: a live warning is not sent to a staging terminal.
    stmt = select(s.id, s.lon, s.lat).where(s.active.is_(True), s.test.is_(target.test))
    box = _bbox(target)
    if box is None:
        stmt = stmt.where(_in_codes(s.region_code, target.region_codes))  # type: ignore[arg-type]
        return np.fromiter((r[0] for r in session.execute(stmt)), dtype=np.int64)
    # The issuer's region spelled out (the scope filter's own clause), so the query can bypass the ORM below.
    stmt = stmt.where(s.lon.between(box[0], box[2]), s.lat.between(box[1], box[3]), in_region(s.region_code,
                                                                                               target.within))
    found = np.array(_driver_rows(session, stmt), dtype=np.float64).reshape(-1, 3)
    if not len(found):
        return NO_IDS
    assert target.geometry is not None
    keep = inside(target.geometry, found[:, 1], found[:, 2])
    ids: npt.NDArray[np.int64] = found[keep, 0].astype(np.int64)
    return ids


def _driver_rows(session: Session, stmt: Select[Any]) -> list[tuple[Any, ...]]:
    """The rows as the database driver returns them (plain tuples), in the session's transaction: a city's
    hundred thousand candidate points cost ~4 µs each as SQLAlchemy rows, a quarter of that as tuples."""
    connection = session.connection()
    compiled = stmt.compile(dialect=connection.dialect)
    params: Any = compiled.params
    if compiled.positiontup is not None:  # qmark/format drivers (SQLite) take a sequence in statement order
        params = tuple(compiled.params[name] for name in compiled.positiontup)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


SUBSCRIBER_ADDRESS: Final = {"sms": WarningSubscriber.phone, "email": WarningSubscriber.email,
                             "webhook": WarningSubscriber.webhook_url}


def _id_set(session: Session, ids: npt.NDArray[np.int64]) -> Any:
    """The ids as one bound parameter the database unpacks (SQLite ``json_each``, PostgreSQL ``unnest``), so a
    hundred thousand ids are one statement, not a hundred thousand parameters."""
    if session.get_bind().dialect.name == "postgresql":
        return select(func.unnest(bindparam("ids", ids.tolist(), type_=ARRAY(BigInteger)))).scalar_subquery()
    each = func.json_each(bindparam("ids", json.dumps(ids.tolist()))).table_valued("value")
    return select(each.c.value).scalar_subquery()


def subscriber_channels(session: Session, ids: npt.NDArray[np.int64], channels: frozenset[str]) -> dict[str, int]:
    """How many of these subscribers each channel reaches (those with an address for it)."""
    if not len(ids):
        return {}
    wanted = [c for c in SUBSCRIBER_ADDRESS if c in channels]
    s = WarningSubscriber
    row = session.execute(select(*(func.sum(case((SUBSCRIBER_ADDRESS[c] != "", 1), else_=0)) for c in wanted))
                          .where(s.id.in_(_id_set(session, ids)))).one()
    return {c: int(n or 0) for c, n in zip(wanted, row, strict=True) if n}


def queue_subscribers(session: Session, *, ids: npt.NDArray[np.int64], channels: frozenset[str],
                      fixed: dict[str, Any]) -> int:
    """One delivery row per subscriber × channel with an address, written by the database itself
    (INSERT … SELECT): nothing per row passes through Python. ``fixed``: the message's columns."""
    if not len(ids):
        return 0
    s = WarningSubscriber
    table = DELIVERY_TABLE
    written = 0
    for channel, address in SUBSCRIBER_ADDRESS.items():
        if channel not in channels:
            continue
        values = {**fixed, "recipient_kind": "subscriber", "channel": channel, "status": "queued"}
        columns = [*values, "recipient_ref", "recipient_name", "address"]
        source = (select(*(literal(v) for v in values.values()), cast(s.id, String), s.name, address)
                  .where(s.id.in_(_id_set(session, ids)), address != ""))
        result = session.execute(insert(table).from_select(columns, source))
        written += max(int(getattr(result, "rowcount", 0) or 0), 0)
    return written


def grid_officers(session: Session, target: Target) -> list[Row]:
    if target.geometry is not None:
        features = grids_service.grid_features(session, within=target.within).get("features", [])
        codes = [str(f["properties"]["code"]) for f in features
                 if f.get("geometry") and shape(f["geometry"]).intersects(target.geometry)]
    else:
        codes = [g.code for code in target.region_codes for g in grids_service.list_grids(session, within=code)]
    rows: list[Row] = []
    for officer in grids_service.officers(session, codes=codes):
        ref = str(officer.id)
        if "sms" in target.channels and officer.phone:
            rows.append(("grid_officer", ref, officer.name, "sms", officer.phone))
        if "console" in target.channels:
            rows.append(("grid_officer", ref, officer.name, "console", f"user:{officer.user_id}"))
    return rows


def org_contacts(session: Session, target: Target) -> list[Row]:
    if "sms" not in target.channels:
        return []
    rows: list[Row] = []
    for code in target.region_codes or ("",):
        for org_id, name, region, lon, lat, contacts in orgs_service.located_contacts(
                session, bbox=_bbox(target), within=code or target.within):
            if not _located(target, lon, lat, region):
                continue
            for contact in contacts:
                phone = str(contact.get("phone") or "")
                if phone:
                    who = f"{name} {contact.get('name') or ''}".strip()
                    rows.append(("org_contact", str(org_id), who, "sms", phone))
    return rows


def fire_units(session: Session, target: Target) -> list[Row]:
    if "sms" not in target.channels:
        return []
    rows: list[Row] = []
    for code in target.region_codes or ("",):
        for unit_id, name, region, lon, lat, contact, phone in units_service.located_units(
                session, bbox=_bbox(target), within=code or target.within):
            if phone and _located(target, lon, lat, region):
                rows.append(("fire_unit", str(unit_id), f"{name} {contact}".strip(), "sms", phone))
    return rows


def select_all(session: Session, target: Target) -> list[Row]:
    """Every person × channel: officers, contacts, units (the public's subscribers: ``subscriber_ids``). A Test
    alert reaches only test subscribers: no officer or unit is disturbed by a test."""
    if target.test:
        return []
    return [*grid_officers(session, target), *org_contacts(session, target), *fire_units(session, target)]
