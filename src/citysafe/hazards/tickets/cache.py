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

from collections.abc import Callable
from typing import Any, Final, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.core.cache import answers_slot, memo, scope_key
from citysafe.hazards.enforcement.models import JointPunishment
from citysafe.hazards.tickets.models import HazardEscalation, HazardStep

T = TypeVar("T")
_PUNISHMENTS = JointPunishment.__table__

CACHE: Final = answers_slot("hazards.stats_cache", kept=2048)


def generation(session: Session) -> tuple[Any, ...]:
    """What has changed last, as this session sees it: every ticket change writes a timeline step. Read
    once per session (one request) until it writes."""
    def read() -> tuple[Any, ...]:
        return tuple(session.execute(select(
            select(func.max(HazardStep.id)).scalar_subquery(),
            select(func.max(HazardEscalation.id)).scalar_subquery(),
            # The punishment list is public: a change anywhere matters to everyone's organisation badges, so
            # it is read through the table (no scope criteria apply) rather than the mapped class.
            select(func.max(_PUNISHMENTS.c.updated_at)).scalar_subquery(),
        )).one())

    return memo(session, "hazards.generation", read)


def cached(session: Session, key: tuple[Any, ...], ttl: float, compute: Callable[[], T]) -> T:
    """``compute()``'s answer for this scope and ``key``, reused while nothing changed (at most ``ttl`` s)."""
    if ttl <= 0:
        return compute()
    return CACHE.of(session).reused((*scope_key(session), *key, generation(session)), compute, ttl=ttl)
