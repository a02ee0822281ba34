"""Answers kept per application and reused while what they read has not changed.

A dashboard asks the same questions again and again (twenty office users on their workbench ask for the
same digests of the same region). An answer is kept under a key that holds everything it depends on:
the question, the reader's scope and a *version* of the data it reads — a cheap statement each domain
offers (the newest timeline step of hazards, the change counters of the risk register, the newest domain
event) — so a change committed by any process makes the next lookup miss, and the answer is computed again.
An answer that also depends on the clock (overdue counts) is kept at most ``ttl`` seconds.

``Answers`` is per application: a domain declares a ``Slot`` holding one (``answers_slot``), never a
module-level cache (DESIGN.md §3). Answers are shared between requests: callers must not change them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Final, TypeVar, cast

from sqlalchemy import event
from sqlalchemy.orm import Session

from citysafe.core.context import AppContext, Slot
from citysafe.core.scope import current_scope

T = TypeVar("T")
_NEVER: Final = float("inf")


class Answers:
    """At most ``kept`` answers by key, the least recently used dropped first; each with its expiry on the
    monotonic clock."""

    def __init__(self, kept: int = 256) -> None:
        self.kept = kept
        self.entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def reused(self, key: Hashable, compute: Callable[[], T], *, ttl: float | None = None) -> T:
        """The kept answer of ``key``, else ``compute()``'s (kept for ``ttl`` seconds; None: until dropped).
        A ``ttl`` of 0 or less switches the cache off: always ``compute()``, nothing kept."""
        if ttl is not None and ttl <= 0:
            return compute()
        now = time.monotonic()
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None and hit[0] > now:
                self.entries.move_to_end(key)
                return cast(T, hit[1])
        value = compute()
        with self.lock:
            self.entries[key] = (_NEVER if ttl is None else now + ttl, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.kept:
                self.entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


def answers_slot(name: str, kept: int = 256) -> Slot[Answers]:
    """A per-application ``Answers`` under ``name``."""

    def make(_ctx: AppContext) -> Answers:
        return Answers(kept)

    return Slot(name, make)


def scope_key(session: Session) -> tuple[str | None, int | None]:
    """The part of a key that says whose view an answer is: the session's region and organisation scope."""
    scope = current_scope(session)
    return (scope.region_code, scope.organization_id) if scope else (None, None)


_MEMOS: Final = "citysafe.cache.memos"


def memo(session: Session, name: str, read: Callable[[], T]) -> T:
    """``read()`` once per session (one request) until the session writes: versions asked by several
    answers of one page cost one statement. Forgotten when the session writes or its transaction ends."""
    kept: dict[str, Any] = session.info.setdefault(_MEMOS, {})
    if name not in kept:
        kept[name] = read()
    return cast(T, kept[name])


@event.listens_for(Session, "after_flush")
def _forget_after_flush(session: Session, _flush_context: Any) -> None:
    session.info.pop(_MEMOS, None)  # this session wrote something: read the versions again


@event.listens_for(Session, "after_transaction_end")
def _forget_after_transaction(session: Session, _transaction: Any) -> None:
    session.info.pop(_MEMOS, None)  # a new transaction may see what others committed since
