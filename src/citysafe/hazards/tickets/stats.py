"""Statistics of tickets: by level, state, category, source and child region; overdue rate; time to close.

One grouped scan answers everything (the covering index ``ix_hazard_ticket_stats`` lets PostgreSQL read
it from the index alone), and the small result is folded in Python, so a dashboard costs one query.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import case, func
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
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
from citysafe.hazards.tickets.models import HazardTicket
from citysafe.hazards.tickets.queries import filtered
from citysafe.hazards.tickets.reads import region_names
from citysafe.hazards.tickets.schemas import HazardStats, RegionCount, TicketFilter


def child_key_length(region_code: str) -> int:
    """How many leading characters of a ticket's region code name the child region of ``region_code``."""
    prefix = region_prefix(region_code)
    return {2: 4, 4: 6, 6: 9, 9: 12, 12: 15}.get(len(prefix), len(prefix))


def _child_code(key: str) -> str:
    # "3201" (a city's prefix) is the city 320100; "32" would be the province 320000.
    return key + "0" * (6 - len(key)) if len(key) < 6 else key


def _named(counter: Counter[str], names: dict[str, str], order: list[str]) -> list[NamedCount]:
    keys = [k for k in order if counter.get(k)] + sorted(k for k in counter if k not in order and counter[k])
    return [NamedCount(key=k, name=zh(names, k), count=counter[k]) for k in keys]


def _region_label(code: str, region: str, names: dict[str, str]) -> str:
    # Tickets filed at the region itself (not in any child) are shown as the region's own row.
    name = names.get(code, code)
    return f"{name}（本级）" if code == region else name


def hazard_stats(
    session: Session, *, filters: TicketFilter, principal: Principal | None, now: datetime, scope_region: str,
) -> HazardStats:
    t = HazardTicket
    region = filters.region or scope_region
    width = child_key_length(region)
    running = [s.value for s in DEADLINE_STATES]
    child = func.substr(t.region_code, 1, width).label("child")
    overdue = func.sum(case((t.state.in_(running) & (t.deadline < now), 1), else_=0))
    on_time = func.sum(case((t.closed_late.is_(False), 1), else_=0))
    grouped = (filtered(filters, principal=principal, now=now)
               .with_only_columns(child, t.state, t.level, t.category, t.source, func.count(), overdue,
                                  func.sum(t.close_seconds), func.count(t.close_seconds), on_time)
               .group_by(child, t.state, t.level, t.category, t.source))
    by_state: Counter[str] = Counter()
    by_level: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    by_source: Counter[str] = Counter()
    regions: dict[str, Counter[str]] = defaultdict(Counter)
    overdue_total = close_seconds = closed_counted = closed_on_time = 0
    open_states = {s.value for s in OPEN_STATES}
    for key, state, level, category, source, n, late, seconds, n_closed, n_on_time in session.execute(grouped):
        by_state[state] += n
        by_level[level] += n
        by_category[category] += n
        by_source[source] += n
        overdue_total += int(late or 0)
        close_seconds += int(seconds or 0)
        closed_counted += int(n_closed or 0)
        closed_on_time += int(n_on_time or 0)
        bucket = regions[_child_code(key)]
        bucket["total"] += n
        bucket["overdue"] += int(late or 0)
        if state in open_states:
            bucket["open"] += n
            if level == HazardLevel.MAJOR.value:
                bucket["major_open"] += n
    total = sum(by_state.values())
    open_count = sum(by_state[s] for s in open_states)
    running_count = sum(by_state[s] for s in running)
    major_open = sum(b["major_open"] for b in regions.values())
    names = region_names(session, list(regions))
    return HazardStats(
        region_code=region, total=total, open=open_count, closed=by_state[State.CLOSED.value],
        dismissed=by_state[State.DISMISSED.value], major_open=major_open, overdue=overdue_total,
        overdue_rate=round(overdue_total / running_count, 4) if running_count else 0.0,
        closed_on_time_rate=round(closed_on_time / closed_counted, 4) if closed_counted else None,
        avg_close_days=round(close_seconds / closed_counted / 86400, 2) if closed_counted else None,
        by_level=_named(by_level, LEVEL_NAMES_ZH, [lv.value for lv in HazardLevel]),
        by_state=_named(by_state, STATE_NAMES_ZH, [s.value for s in State]),
        by_category=_named(by_category, CATEGORY_NAMES_ZH, [c.value for c in HazardCategory]),
        by_source=_named(by_source, SOURCE_NAMES_ZH, [s.value for s in HazardSource]),
        by_region=sorted(
            (RegionCount(code=code, name=_region_label(code, region, names), total=c["total"], open=c["open"],
                         overdue=c["overdue"], major_open=c["major_open"])
             for code, c in regions.items()),
            key=lambda r: r.code),
        as_of=now)
