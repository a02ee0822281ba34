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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from shapely.geometry import MultiPolygon, Polygon, shape
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from citysafe.core.scope import in_region
from citysafe.emergency.warnings.calc.area import inside
from citysafe.emergency.warnings.models import WarningSubscriber
from citysafe.firewatch.registry import service as units_service
from citysafe.hazards.grids import service as grids_service
from citysafe.orgs import service as orgs_service

# (recipient_kind, recipient_ref, recipient_name, channel, address)
Row = tuple[str, str, str, str, str]
Area = Polygon | MultiPolygon


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


def subscribers(session: Session, target: Target) -> list[Row]:
    s = WarningSubscriber
    stmt = select(s.id, s.lon, s.lat, s.name, s.phone, s.email, s.webhook_url).where(s.active.is_(True))
    # Test receivers take the test alerts, and only those: a live warning is not sent to a staging terminal.
    stmt = stmt.where(s.test.is_(target.test))
    box = _bbox(target)
    if box is not None:
        stmt = stmt.where(s.lon.between(box[0], box[2]), s.lat.between(box[1], box[3]))
    else:
        stmt = stmt.where(_in_codes(s.region_code, target.region_codes))  # type: ignore[arg-type]
    found = session.execute(stmt).all()
    if not found:
        return []
    if target.geometry is not None:
        lon = np.fromiter((r[1] for r in found), dtype=np.float64, count=len(found))
        lat = np.fromiter((r[2] for r in found), dtype=np.float64, count=len(found))
        keep = np.flatnonzero(inside(target.geometry, lon, lat))
        chosen: Iterable[Sequence[object]] = (found[i] for i in keep)
    else:
        chosen = found
    rows: list[Row] = []
    add = rows.append
    sms, email, webhook = ("sms" in target.channels, "email" in target.channels, "webhook" in target.channels)
    for sid, _lon, _lat, name, phone, mail, hook in chosen:
        ref = str(sid)
        if sms and phone:
            add(("subscriber", ref, str(name), "sms", str(phone)))
        if email and mail:
            add(("subscriber", ref, str(name), "email", str(mail)))
        if webhook and hook:
            add(("subscriber", ref, str(name), "webhook", str(hook)))
    return rows


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
    """Every recipient × channel, people first (officers, contacts, units), then the public. A Test alert
    reaches only test subscribers: no officer or unit is disturbed by a test; a drill (not ``public``) no
    subscriber of the public."""
    if target.test:
        return subscribers(session, target)
    people = [*grid_officers(session, target), *org_contacts(session, target), *fire_units(session, target)]
    return [*people, *subscribers(session, target)] if target.public else people
