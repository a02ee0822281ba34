"""Live factors from other domains (open hazards, active alarms) and the sources they raise.

Hazards and fire monitoring publish ``HazardReported``/``HazardClosed`` and ``AlarmRaised``/
``AlarmCleared``; risk sits above both and takes the event classes themselves. It keeps one row per
ticket or alarm while it is open. A factor applies to every source of its organisation; a report without
an organisation applies to the nearest source within the match radius of its position. Every change
recomputes the affected sources' current level.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.geo import haversine_m
from citysafe.firewatch.events import AlarmRaised
from citysafe.hazards.events import HazardLevelChanged, HazardReported
from citysafe.risk.models import RiskFactor, RiskSource
from citysafe.risk.rules import ActiveFactor, DynamicRule
from citysafe.risk.service.assessments import refresh_current


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def nearest_source(session: Session, *, lon: float, lat: float, radius_m: float) -> RiskSource | None:
    dlat = radius_m / 111_000
    dlon = radius_m / (111_000 * max(math.cos(math.radians(lat)), 0.1))
    stmt = (select(RiskSource).where(RiskSource.status == "active",
                                     RiskSource.lon.between(lon - dlon, lon + dlon),
                                     RiskSource.lat.between(lat - dlat, lat + dlat))
            .execution_options(skip_scope=True))
    best: tuple[float, RiskSource] | None = None
    for source in session.scalars(stmt):
        distance = haversine_m(lon, lat, source.lon, source.lat)
        if distance <= radius_m and (best is None or distance < best[0]):
            best = (distance, source)
    return best[1] if best else None


def affected_sources(session: Session, factor: RiskFactor) -> list[RiskSource]:
    cond = []
    if factor.organization_id is not None:
        cond.append(RiskSource.organization_id == factor.organization_id)
    if factor.source_id is not None:
        cond.append(RiskSource.id == factor.source_id)
    if not cond:
        return []
    from sqlalchemy import or_

    stmt = select(RiskSource).where(or_(*cond)).execution_options(skip_scope=True).order_by(RiskSource.id)
    return list(session.scalars(stmt))


def open_factor(session: Session, *, kind: str, ref_id: str, subkind: str, organization_id: int | None,
                lon: float | None, lat: float | None, region_code: str, detail: Mapping[str, Any],
                at: datetime, rules: Sequence[DynamicRule], radius_m: float) -> RiskFactor:
    """Record (or re-open, or update) the factor ``kind``/``ref_id`` and raise the sources it touches."""
    factor = session.scalars(select(RiskFactor).where(RiskFactor.kind == kind, RiskFactor.ref_id == ref_id)
                             .execution_options(skip_scope=True)).first()
    before = affected_sources(session, factor) if factor is not None else []
    if factor is None:
        factor = RiskFactor(kind=kind, ref_id=ref_id, opened_at=at, region_code=region_code)
        session.add(factor)
    elif factor.cleared_at is not None:
        factor.opened_at = at  # re-opened: a held raise runs from now, not from its first opening
    factor.subkind = subkind
    factor.organization_id = organization_id
    factor.lon, factor.lat = lon, lat
    factor.detail = dict(detail)
    factor.cleared_at = None
    factor.source_id = None
    if organization_id is None and lon is not None and lat is not None:
        near = nearest_source(session, lon=lon, lat=lat, radius_m=radius_m)
        factor.source_id = near.id if near else None
        if near is not None and not region_code:
            factor.region_code = near.region_code
    session.flush()
    touched = {s.id: s for s in [*before, *affected_sources(session, factor)]}
    refresh_current(session, sources=list(touched.values()), rules=rules, at=at)
    return factor


def clear_factor(session: Session, *, kind: str, ref_id: str, at: datetime,
                 rules: Sequence[DynamicRule]) -> RiskFactor | None:
    factor = session.scalars(select(RiskFactor).where(RiskFactor.kind == kind, RiskFactor.ref_id == ref_id)
                             .execution_options(skip_scope=True)).first()
    if factor is None or factor.cleared_at is not None:
        return factor
    factor.cleared_at = at
    session.flush()
    refresh_current(session, sources=affected_sources(session, factor), rules=rules, at=at)
    return factor


def on_hazard_reported(session: Session, event: HazardReported | HazardLevelChanged, *, at: datetime,
                       rules: Sequence[DynamicRule], radius_m: float) -> RiskFactor:
    """An open ticket (reported, or re-judged general ↔ major): its factor follows the ticket's level."""
    detail = {"category": event.category, "source": event.source, "level": event.level}
    return open_factor(session, kind="hazard", ref_id=str(event.ticket_id), subkind=event.level or "general",
                       organization_id=event.organization_id, lon=_float(event.lon), lat=_float(event.lat),
                       region_code=event.region_code or "", detail=detail, at=at, rules=rules, radius_m=radius_m)


def on_alarm_raised(session: Session, event: AlarmRaised, *, at: datetime, rules: Sequence[DynamicRule],
                    radius_m: float) -> RiskFactor:
    return open_factor(session, kind="alarm", ref_id=str(event.alarm_id), subkind=event.kind or "fire",
                       organization_id=event.unit_organization_id, lon=_float(event.lon), lat=_float(event.lat),
                       region_code=event.region_code or "", detail={"kind": event.kind}, at=at, rules=rules,
                       radius_m=radius_m)


def lapse_held_raises(session: Session, *, now: datetime, rules: Sequence[DynamicRule]) -> int:
    """Recompute the sources whose held raise (an unverified fire alarm's) has run out by ``now``.

    A stored level does not change by itself when time passes; the risk timer calls this. Each lapsed
    factor is marked (``detail.lapsed_at``) so it is handled once. Returns how many sources changed level.
    """
    held = [r for r in rules if r.hold_minutes]
    if not held:
        return 0
    oldest_possible = now - timedelta(minutes=min(r.hold_minutes or 0 for r in held))
    stmt = (select(RiskFactor).where(RiskFactor.cleared_at.is_(None), RiskFactor.opened_at <= oldest_possible)
            .execution_options(skip_scope=True).order_by(RiskFactor.id))
    touched: dict[int, RiskSource] = {}
    for factor in session.scalars(stmt):
        probe = ActiveFactor(factor.kind, factor.subkind, factor.ref_id, factor.opened_at)
        lapsed = any(r.factor == factor.kind and factor.subkind in r.subkinds and not r.holds(probe, now)
                     for r in held)
        if not lapsed or (factor.detail or {}).get("lapsed_at"):
            continue
        factor.detail = {**(factor.detail or {}), "lapsed_at": now.isoformat()}
        touched.update((s.id, s) for s in affected_sources(session, factor))
    if not touched:
        return 0
    return refresh_current(session, sources=list(touched.values()), rules=rules, at=now)


def list_factors(session: Session, *, source: RiskSource, include_cleared: bool = False) -> list[RiskFactor]:
    from sqlalchemy import or_

    cond = [RiskFactor.source_id == source.id]
    if source.organization_id is not None:
        cond.append(RiskFactor.organization_id == source.organization_id)
    stmt = select(RiskFactor).where(or_(*cond)).execution_options(skip_scope=True)
    if not include_cleared:
        stmt = stmt.where(RiskFactor.cleared_at.is_(None))
    return list(session.scalars(stmt.order_by(RiskFactor.opened_at.desc(), RiskFactor.id.desc())))


def factor_dict(factor: RiskFactor) -> dict[str, Any]:
    return {"kind": factor.kind, "ref_id": factor.ref_id, "subkind": factor.subkind,
            "organization_id": factor.organization_id, "source_id": factor.source_id,
            "opened_at": factor.opened_at.isoformat(),
            "cleared_at": factor.cleared_at.isoformat() if factor.cleared_at else None, "detail": factor.detail}
