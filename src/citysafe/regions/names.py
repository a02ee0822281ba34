"""Division names by code for pages and documents, per application (``REGION_NAMES``).

A page names dozens of divisions (its header, every row's region, an escalation's target); a query for each
would cost more than the page. The names are read a county at a time on first use and kept, so a page
that names the streets of one district reads them once. A name is public reference data, so it is read
outside the reader's scope: a district official sees the name of the city its ticket was escalated to.
Importing divisions forgets every name (``forget``), so a renamed division shows its new name.
"""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citysafe.core.context import AppContext, Slot
from citysafe.regions.models import Region

_COUNTY = 6  # digits of a county code: province, city and county codes are read together as one chunk


def _chunk(code: str) -> str:
    """The chunk a code is read with: '' for province, city and county codes, else its county."""
    return "" if len(code) <= _COUNTY else code[:_COUNTY]


class RegionNames:
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._names: dict[str, str] = {}
        self._loaded: set[str] = set()
        self._lock = threading.Lock()
        # Counts ``forget``s: caches that hold names inside their answers (risk's dashboard counts) key on it.
        self.generation = 0

    def name(self, code: str | None) -> str | None:
        """The division's name, or None for a code that names no division."""
        if not code:
            return None
        found = self._names.get(code)
        if found is None and _chunk(code) not in self._loaded:
            self._load(_chunk(code))
            found = self._names.get(code)
        return found

    def full_name(self, code: str | None) -> str | None:
        """'玄武区 玄武门街道' below a county (a street's name alone is ambiguous across a city)."""
        own = self.name(code)
        if own is None or code is None or len(code) <= _COUNTY:
            return own
        county = self.name(code[:_COUNTY])
        return f"{county} {own}" if county else own

    def forget(self) -> None:
        with self._lock:
            self._names = {}
            self._loaded = set()
            self.generation += 1

    def _load(self, chunk: str) -> None:
        stmt = select(Region.code, Region.name)
        stmt = stmt.where(Region.code.startswith(chunk)) if chunk else stmt.where(Region.level.in_(
            ("province", "city", "district")))
        with self._factory() as session:
            rows = {str(code): str(name) for code, name in session.execute(stmt).all()}
        with self._lock:
            self._names.update(rows)
            self._loaded.add(chunk)


def _make(ctx: AppContext) -> RegionNames:
    return RegionNames(ctx.read_session_factory)


REGION_NAMES = Slot("regions.names", _make)
