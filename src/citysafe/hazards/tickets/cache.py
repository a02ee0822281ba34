"""A cache of statistics, list totals and the punishment list that is never stale, only reused.

Dashboards ask the same questions again and again (every office user opening the hazard page asks for
its region's statistics). An answer is reused while nothing it depends on has changed: each lookup reads
a *generation* — the newest timeline step and escalation in the reader's scope, and the newest change to
the joint-punishment list — in one index-only query, so a change committed by any process (or any
worker) invalidates it at once. ``hazard_stats_cache_seconds`` bounds how long an unchanged answer is
kept (overdue counts move with the clock); 0 switches the cache off. Each application has its own
(``CACHE``, on the context of the session's factory).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from citysafe.core.context import Slot
from citysafe.core.scope import current_scope
from citysafe.hazards.enforcement.models import JointPunishment
from citysafe.hazards.tickets.models import HazardEscalation, HazardStep

T = TypeVar("T")
_MAX_ENTRIES = 2048
_PUNISHMENTS = JointPunishment.__table__


class StatsCache:
    """Answers by scope and key: (expiry on the monotonic clock, generation, value); newest at the end."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[Any, ...], tuple[float, tuple[Any, ...], Any]] = OrderedDict()
        self.lock = threading.Lock()

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


CACHE: Final = Slot("hazards.stats_cache", lambda _ctx: StatsCache())


_MEMO = "hazards.generation"


@event.listens_for(Session, "after_flush")
def _forget_generation(session: Session, _flush_context: Any) -> None:
    session.info.pop(_MEMO, None)  # this session wrote something: look again


def generation(session: Session) -> tuple[Any, ...]:
    """What has changed last, as this session sees it: every ticket change writes a timeline step. Read
    once per session (one request) until it writes."""
    memo = session.info.get(_MEMO)
    if memo is not None:
        return cast(tuple[Any, ...], memo)
    value = tuple(session.execute(select(
        select(func.max(HazardStep.id)).scalar_subquery(),
        select(func.max(HazardEscalation.id)).scalar_subquery(),
        # The punishment list is public: a change anywhere matters to everyone's organisation badges, so it
        # is read through the table (no scope criteria apply) rather than the mapped class.
        select(func.max(_PUNISHMENTS.c.updated_at)).scalar_subquery(),
    )).one())
    session.info[_MEMO] = value
    return value


def cached(session: Session, key: tuple[Any, ...], ttl: float, compute: Callable[[], T]) -> T:
    """``compute()``'s answer for this scope and ``key``, reused while nothing changed (at most ``ttl`` s)."""
    if ttl <= 0:
        return compute()
    scope = current_scope(session)
    full_key = (scope.region_code if scope else None, scope.organization_id if scope else None, *key)
    now = time.monotonic()
    current = generation(session)
    cache = CACHE.of(session)
    with cache.lock:
        hit = cache.entries.get(full_key)
        if hit is not None and hit[0] > now and hit[1] == current:
            cache.entries.move_to_end(full_key)
            return cast(T, hit[2])
    value = compute()
    with cache.lock:
        cache.entries[full_key] = (now + ttl, current, value)
        while len(cache.entries) > _MAX_ENTRIES:
            cache.entries.popitem(last=False)
    return value
