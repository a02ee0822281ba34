"""Statistics of tickets: by level, state, category, source and child region; overdue rate; time to close.

Two ways to the same numbers. A city's or the province's view (no filters beyond level, category,
source and state) reads the per-district tally kept with every change, plus one index-only count of overdue
tickets. Anything smaller or more finely filtered groups the tickets themselves in one scan of the
covering index. ``tests/hazards/test_hazards_stats.py`` checks that both ways agree.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.scope import in_region
from citysafe.core.validators import region_prefix
from citysafe.hazards.calc.lifecycle import DEADLINE_STATES, OPEN_STATES, STATE_NAMES_ZH, State
from citysafe.hazards.enums import (
    CATEGORY_NAMES_ZH,
    LEVEL_NAMES_ZH,
    SOURCE_NAMES_ZH,
    HazardCategory,
    HazardLevel,
    HazardSource,
    zh,
)
from citysafe.hazards.schemas import NamedCount
from citysafe.hazards.tickets import cache, tally
from citysafe.hazards.tickets.models import HazardTally, HazardTicket
from citysafe.hazards.tickets.queries import filtered, overdue_clause
from citysafe.hazards.tickets.reads import region_names
from citysafe.hazards.tickets.schemas import HazardStats, RegionCount, TicketFilter

_RUNNING = [s.value for s in DEADLINE_STATES]
_OPEN = {s.value for s in OPEN_STATES}
# Filters the tallies can answer; any other filter groups the tickets themselves.
_TALLY_FILTERS = {"level", "category", "source", "state", "open", "region"}


def child_key_length(region_code: str) -> int:
    """How many leading characters of a ticket's region code name the child region of ``region_code``."""
    prefix = region_prefix(region_code)
    return {2: 4, 4: 6, 6: 9, 9: 12, 12: 15}.get(len(prefix), len(prefix))


def _child_code(key: str) -> str:
    # "3201" (a city's prefix) is the city 320100.
    return key + "0" * (6 - len(key)) if len(key) < 6 else key


class _Totals:
    def __init__(self) -> None:
        self.by_state: Counter[str] = Counter()
        self.by_level: Counter[str] = Counter()
        self.by_category: Counter[str] = Counter()
        self.by_source: Counter[str] = Counter()
        self.regions: dict[str, Counter[str]] = defaultdict(Counter)
        self.overdue = self.close_seconds = self.closed_counted = self.closed_on_time = 0

    def add(self, child: str, state: str, level: str, category: str, n: int, seconds: Any, counted: Any,
            on_time: Any) -> None:
        self.by_state[state] += n
        self.by_level[level] += n
        self.by_category[category] += n
        self.close_seconds += int(seconds or 0)
        self.closed_counted += int(counted or 0)
        self.closed_on_time += int(on_time or 0)
        bucket = self.regions[_child_code(child)]
        bucket["total"] += n
        if state in _OPEN:
            bucket["open"] += n
            if level == HazardLevel.MAJOR.value:
                bucket["major_open"] += n

    def add_overdue(self, child: str, n: int) -> None:
        self.overdue += n
        self.regions[_child_code(child)]["overdue"] += n


def _uses_tally(session: Session, filters: TicketFilter, region: str) -> bool:
    # Child regions of a city or the province are districts or cities: the tally's rows group into them.
    used = {name for name, value in filters.model_dump().items() if value is not None}
    return len(region_prefix(region)) <= 4 and used <= _TALLY_FILTERS and tally.usable(session, region)


def _from_tally(session: Session, totals: _Totals, filters: TicketFilter, region: str, width: int) -> None:
    t = HazardTally
    child = func.substr(t.region_code, 1, width)
    where = [in_region(t.region_code, region)]
    if filters.state:
        where.append(t.state.in_([s.value for s in filters.state]))
    if filters.open is not None:
        where.append(t.state.in_(_OPEN) if filters.open else t.state.not_in(_OPEN))
    for name in ("level", "category", "source"):
        value = getattr(filters, name)
        if value is not None:
            where.append(getattr(t, name) == value.value)
    rows = session.execute(
        select(child, t.state, t.level, t.category, t.source, func.sum(t.tickets), func.sum(t.close_seconds),
               func.sum(t.closed_counted), func.sum(t.closed_on_time))
        .where(*where).group_by(child, t.state, t.level, t.category, t.source))
    for key, state, level, category, source, n, seconds, counted, on_time in rows:
        if n:
            totals.add(key, state, level, category, int(n), seconds, counted, on_time)
            totals.by_source[source] += int(n)


def _overdue(session: Session, totals: _Totals, filters: TicketFilter, principal: Principal | None,
             now: datetime, width: int) -> None:
    t = HazardTicket
    child = func.substr(t.region_code, 1, width)
    stmt = (filtered(filters, principal=principal, now=now).where(overdue_clause(now))
            .with_only_columns(child, func.count()).group_by(child))
    for key, n in session.execute(stmt):
        totals.add_overdue(key, int(n))


def _from_tickets(session: Session, totals: _Totals, filters: TicketFilter, principal: Principal | None,
                  now: datetime, width: int) -> None:
    t = HazardTicket
    child = func.substr(t.region_code, 1, width)
    overdue = func.sum(case((overdue_clause(now), 1), else_=0))
    on_time = func.sum(case((t.closed_late.is_(False), 1), else_=0))
    grouped = (filtered(filters, principal=principal, now=now)
               .with_only_columns(child, t.state, t.level, t.category, t.source, func.count(), overdue,
                                  func.sum(t.close_seconds), func.count(t.close_seconds), on_time)
               .group_by(child, t.state, t.level, t.category, t.source))
    for key, state, level, category, source, n, late, seconds, counted, n_on_time in session.execute(grouped):
        totals.add(key, state, level, category, n, seconds, counted, n_on_time)
        totals.by_source[source] += n
        if late:
            totals.add_overdue(key, int(late))


def _named(counter: Counter[str], names: dict[str, str], order: list[str]) -> list[NamedCount]:
    keys = [k for k in order if counter.get(k)] + sorted(k for k in counter if k not in order and counter[k])
    return [NamedCount(key=k, name=zh(names, k), count=counter[k]) for k in keys]


def _region_label(code: str, region: str, names: dict[str, str]) -> str:
    # Tickets filed at the region itself (not in any child) are shown as the region's own row.
    name = names.get(code, code)
    return f"{name}（本级）" if code == region else name


def hazard_stats(
    session: Session, *, filters: TicketFilter, principal: Principal | None, now: datetime, scope_region: str,
    use_tally: bool | None = None, cache_seconds: float = 0,
) -> HazardStats:
    """``use_tally`` None chooses by the query; True/False force one way (the tests compare both)."""
    key = ("stats", filters.model_dump_json(), scope_region, use_tally,
           principal.user_id if filters.mine and principal else None)
    return cache.cached(session, key, cache_seconds,
                        lambda: _compute(session, filters, principal, now, scope_region, use_tally))


def _compute(session: Session, filters: TicketFilter, principal: Principal | None, now: datetime,
             scope_region: str, use_tally: bool | None) -> HazardStats:
    region = filters.region or scope_region
    filters = filters.model_copy(update={"region": region})
    width = child_key_length(region)
    totals = _Totals()
    if use_tally if use_tally is not None else _uses_tally(session, filters, region):
        _from_tally(session, totals, filters, region, width)
        _overdue(session, totals, filters, principal, now, width)
    else:
        _from_tickets(session, totals, filters, principal, now, width)
    by_state = totals.by_state
    running_count = sum(by_state[s] for s in _RUNNING)
    counted = totals.closed_counted
    names = region_names(session, list(totals.regions))
    return HazardStats(
        region_code=region, total=sum(by_state.values()), open=sum(by_state[s] for s in _OPEN),
        closed=by_state[State.CLOSED.value], dismissed=by_state[State.DISMISSED.value],
        major_open=sum(b["major_open"] for b in totals.regions.values()), overdue=totals.overdue,
        overdue_rate=round(totals.overdue / running_count, 4) if running_count else 0.0,
        closed_on_time_rate=round(totals.closed_on_time / counted, 4) if counted else None,
        avg_close_days=round(totals.close_seconds / counted / 86400, 2) if counted else None,
        by_level=_named(totals.by_level, LEVEL_NAMES_ZH, [lv.value for lv in HazardLevel]),
        by_state=_named(by_state, STATE_NAMES_ZH, [s.value for s in State]),
        by_category=_named(totals.by_category, CATEGORY_NAMES_ZH, [c.value for c in HazardCategory]),
        by_source=_named(totals.by_source, SOURCE_NAMES_ZH, [s.value for s in HazardSource]),
        by_region=sorted((RegionCount(code=code, name=_region_label(code, region, names), total=c["total"],
                                      open=c["open"], overdue=c["overdue"], major_open=c["major_open"])
                          for code, c in totals.regions.items() if c["total"]), key=lambda r: r.code),
        as_of=now)
