"""An in-process cache of the registry for the ingest path: UITD address → unit, organisation,
region and location; (UITD, system, component address) → component with its place.

Kept per application (``CACHE``, on the context of the session's factory). Validated once
per batch against ``fw_registry_version`` (one single-row query), which every registry write changes in
its own transaction, so the cache never outlives a committed registry change by more than one batch.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from citysafe.core.context import Slot
from citysafe.firewatch.registry.models import Building, Component, FireSystem, FireUnit, RegistryVersion, Uitd


@dataclass(frozen=True, slots=True)
class UitdInfo:
    uitd_id: int
    address: int
    registered: bool
    unit_id: int | None
    organization_id: int | None
    region_code: str
    unit_name: str
    lon: float | None
    lat: float | None
    offline: bool = False


@dataclass(frozen=True, slots=True)
class ComponentInfo:
    component_id: int
    component_type: int
    label: str
    zone_key: str | None


ComponentKey = tuple[int, int, int, int]  # uitd id, system type, system address, component address


class RegistryCache:
    def __init__(self) -> None:
        self.token: int | None = None
        self.uitds: dict[int, UitdInfo] = {}
        self.components: dict[ComponentKey, ComponentInfo | None] = {}
        # when this process last wrote each UITD's last_seen_at: heartbeats need not write every time
        self.seen_written: dict[int, float] = {}
        # the same for IoT devices (by device id), and the last ``seq`` each device sent (gap detection)
        self.iot_seen_written: dict[str, float] = {}
        self.iot_devices: dict[str, object] = {}  # device id → ingest.iot_store.IotInfo (that layer's type)
        self.iot_sequences: dict[str, int] = {}

    def reset(self) -> None:
        """Forget everything: the next batch reloads what it needs."""
        self.token = None
        self.uitds.clear()
        self.components.clear()
        self.seen_written.clear()
        self.iot_seen_written.clear()
        self.iot_devices.clear()
        self.iot_sequences.clear()


CACHE: Final = Slot("firewatch.registry_cache", lambda _ctx: RegistryCache())
_PENDING = "firewatch.regcache.pending"
_TOUCHED = "firewatch.regcache.touched"


def _cache(session: Session) -> RegistryCache:
    return CACHE.of(session)


def bump(session: Session, *, cache_still_valid: bool = False) -> None:
    """Mark the registry changed; call from every registry write and offline marking (same transaction).

    ``cache_still_valid``: the caller has put its change into this process's cache itself (ingest
    discovering a device). If nobody else moved the token since this cache was validated, the cache
    adopts the new token once the transaction commits instead of being dropped at the next batch.
    """
    token = secrets.randbits(62)
    cache = _cache(session)
    if cache_still_valid and cache.token is not None:
        result = session.execute(update(RegistryVersion).where(RegistryVersion.id == 1,
                                                               RegistryVersion.token == cache.token)
                                 .values(token=token).execution_options(synchronize_session=False))
        if getattr(result, "rowcount", 0) == 1:
            session.info.setdefault(_PENDING, []).append((cache, cache.token, token))
            return
    result = session.execute(update(RegistryVersion).where(RegistryVersion.id == 1).values(token=token)
                             .execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) == 0:
        try:
            # Two ingest workers on a fresh database both find no row and insert it (docs/deploy.md): the
            # one that loses updates the row the other made.
            with session.begin_nested():
                session.add(RegistryVersion(id=1, token=token))
        except IntegrityError:
            session.execute(update(RegistryVersion).where(RegistryVersion.id == 1).values(token=token)
                            .execution_options(synchronize_session=False))


@event.listens_for(Session, "after_commit")
def _adopt_tokens(session: Session) -> None:
    session.info.pop(_TOUCHED, None)
    for cache, old, new in session.info.pop(_PENDING, []):
        if cache.token == old:
            cache.token = new


@event.listens_for(Session, "after_rollback")
def _forget_tokens(session: Session) -> None:
    # What the rolled-back batch put in the cache (new UITDs, last-seen stamps) never reached the
    # database: drop those caches whole rather than serve ids of rows that do not exist.
    session.info.pop(_PENDING, None)
    for cache in session.info.pop(_TOUCHED, ()):
        cache.reset()


# Built once and run on the connection: it runs first in every ingest batch, however small.
_TOKEN = select(RegistryVersion.token).where(RegistryVersion.id == 1)


def validate(session: Session) -> None:
    """Drop this engine's cache when the registry changed since it was filled."""
    cache = _cache(session)
    token = session.connection().execute(_TOKEN).scalar()
    if token != cache.token:
        cache.reset()
        cache.token = token


def token(session: Session) -> int | None:
    """The registry version this process's cache holds (as of its last ``validate``)."""
    return _cache(session).token


def _uitd_info(uitd: Uitd, unit: FireUnit | None) -> UitdInfo:
    return UitdInfo(
        uitd_id=uitd.id, address=uitd.address, registered=uitd.registered, unit_id=uitd.unit_id,
        organization_id=uitd.organization_id, region_code=uitd.region_code,
        unit_name=unit.name if unit else "", lon=unit.lon if unit else None, lat=unit.lat if unit else None,
        offline=uitd.offline_since is not None,
    )


def uitds(session: Session, addresses: Collection[int]) -> dict[int, UitdInfo]:
    """Known UITDs among ``addresses`` (one query for those not cached yet)."""
    cache = _cache(session)
    missing = [a for a in addresses if a not in cache.uitds]
    if missing:
        rows = session.execute(
            select(Uitd, FireUnit).outerjoin(FireUnit, FireUnit.id == Uitd.unit_id)
            .where(Uitd.address.in_(missing)).execution_options(skip_scope=True)
        ).all()
        for uitd, unit in rows:
            cache.uitds[uitd.address] = _uitd_info(uitd, unit)
    return {a: cache.uitds[a] for a in addresses if a in cache.uitds}


def remember_uitd(session: Session, info: UitdInfo) -> None:
    """Put a row this transaction wrote into the cache; dropped again if the transaction rolls back."""
    cache = _cache(session)
    cache.uitds[info.address] = info
    session.info.setdefault(_TOUCHED, set()).add(cache)


def seen_written(session: Session) -> dict[int, float]:
    """Address → epoch seconds of the last last_seen_at this process wrote (cleared with the cache)."""
    cache = _cache(session)
    session.info.setdefault(_TOUCHED, set()).add(cache)
    return cache.seen_written


def iot_seen_written(session: Session) -> dict[str, float]:
    """Device id → epoch seconds of the last last_seen_at this process wrote (cleared with the cache)."""
    cache = _cache(session)
    session.info.setdefault(_TOUCHED, set()).add(cache)
    return cache.iot_seen_written


def iot_devices(session: Session) -> dict[str, object]:
    """Device id → what ingest keeps of an IoT device (``ingest.iot_store.IotInfo``); dropped with the cache
    when the registry changes or a batch that added to it rolls back."""
    cache = _cache(session)
    session.info.setdefault(_TOUCHED, set()).add(cache)
    return cache.iot_devices


def iot_sequences(session: Session) -> dict[str, int]:
    """Device id → the last ``seq`` it sent, as far as this process knows (cleared with the cache, so a
    rolled-back batch's numbers are forgotten and read again from the stored messages)."""
    cache = _cache(session)
    session.info.setdefault(_TOUCHED, set()).add(cache)
    return cache.iot_sequences


def components(session: Session, keys: set[ComponentKey]) -> dict[ComponentKey, ComponentInfo | None]:
    """Registered components among ``keys``; unregistered ones map to None (and are cached as such)."""
    cache = _cache(session)
    missing = {k for k in keys if k not in cache.components}
    if missing:
        uitd_ids = {k[0] for k in missing}
        rows = session.execute(
            select(Component, FireSystem, Building)
            .join(FireSystem, FireSystem.id == Component.system_id)
            .outerjoin(Building, Building.id == Component.building_id)
            .where(Component.uitd_id.in_(uitd_ids)).execution_options(skip_scope=True)
        ).all()
        for comp, system, building in rows:
            key = (comp.uitd_id, system.system_type, system.system_address, comp.component_address)
            place = " ".join(p for p in (building.name if building else "", comp.floor, comp.zone) if p)
            # Two fire points in one zone corroborate each other; a zone is named within a building
            # (or, with no building given, within the UITD's installation).
            where = f"b{comp.building_id}" if comp.building_id else f"d{comp.uitd_id}"
            zone_key = f"{where}/{comp.floor}/{comp.zone}" if comp.zone else None
            label = " ".join(p for p in (place, comp.description) if p)
            cache.components[key] = ComponentInfo(comp.id, comp.component_type, label, zone_key)
        for key in missing:
            cache.components.setdefault(key, None)
    return {k: cache.components[k] for k in keys}
