"""A short-lived cache of statistics and list totals, cleared by every committed ticket change.

Dashboards ask the same questions again and again (every office user opening the hazard page asks for
its region's statistics). Answers are kept for ``hazard_stats_cache_seconds`` per scope and filters and
dropped as soon as a ticket change commits in this process; another process's change shows within the
TTL. Each answer carries its ``as_of`` time, so a reader knows how fresh it is. 0 switches it off.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import event
from sqlalchemy.orm import Session

from citysafe.core.scope import current_scope

T = TypeVar("T")
_MAX_ENTRIES = 2048
_lock = threading.Lock()
_entries: OrderedDict[tuple[Any, ...], tuple[float, int, Any]] = OrderedDict()
_generation = 0


def mark_changed(session: Session) -> None:
    """Called with every ticket change: the cache is cleared when (and only if) the change commits."""
    session.info["hazards.changed"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    global _generation
    if session.info.pop("hazards.changed", False):
        with _lock:
            _generation += 1
            _entries.clear()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("hazards.changed", None)


def cached(session: Session, key: tuple[Any, ...], ttl: float, compute: Callable[[], T]) -> T:
    """``compute()``'s answer for this scope and ``key``, reused for ``ttl`` seconds."""
    if ttl <= 0:
        return compute()
    scope = current_scope(session)
    full_key = (scope.region_code if scope else None, scope.organization_id if scope else None, *key)
    now = time.monotonic()
    with _lock:
        hit = _entries.get(full_key)
        generation = _generation
        if hit is not None and hit[0] > now and hit[1] == generation:
            _entries.move_to_end(full_key)
            return cast(T, hit[2])
    value = compute()
    with _lock:
        if generation == _generation:  # nothing committed meanwhile: the answer is still current
            _entries[full_key] = (now + ttl, generation, value)
            while len(_entries) > _MAX_ENTRIES:
                _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
