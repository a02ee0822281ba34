"""The register's counts and lists for dashboards, reused while no source of their region has changed.

Every office user's workbench asks the same questions of the register (how many red and orange sources,
which ones, how the districts stand); the answers change only when a source does. An answer is kept per
application (``ANSWERS``, on the context of the session's factory) under the reader's scope, the question
and the region's change counters (``versions.data_version``: bumped in the transaction of every change to
a source, by any process) and the generation of the division names (answers name divisions; an import of
divisions renames them). So it is never stale, only reused; the counters are read once per session until
it writes. A session made outside an application computes every answer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

from sqlalchemy import event
from sqlalchemy.orm import Session

from citysafe.core.context import Slot
from citysafe.core.scope import current_scope
from citysafe.core.validators import region_prefix
from citysafe.regions import service as regions_service
from citysafe.risk.service import versions

T = TypeVar("T")
_KEPT = 512  # answers kept per application, least recently used dropped first
_MEMO = "risk.data_versions"  # this session's counters by region prefix


class Answers:
    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.lock = threading.Lock()


ANSWERS: Final = Slot("risk.stats_answers", lambda _ctx: Answers())


@event.listens_for(Session, "after_flush")
def _forget_versions(session: Session, _flush_context: Any) -> None:
    session.info.pop(_MEMO, None)  # this session changed something: read the counters again


def data_version(session: Session, *, prefix: str) -> tuple[int, int]:
    memo: dict[str, tuple[int, int]] = session.info.setdefault(_MEMO, {})
    if prefix not in memo:
        memo[prefix] = versions.data_version(session, prefix=prefix)
    return memo[prefix]


def reused(session: Session, *, region_code: str, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()``'s answer about ``region_code``'s sources for this reader's scope, reused while none of
    them has changed. The answer is shared between requests: callers must not change it."""
    try:
        answers = ANSWERS.of(session)
    except LookupError:
        return compute()
    scope = current_scope(session)
    prefix = region_prefix(region_code)
    full_key = (scope.region_code if scope else None, scope.organization_id if scope else None, region_code, *key,
                data_version(session, prefix=prefix), regions_service.cached_names(session).generation)
    with answers.lock:
        if full_key in answers.entries:
            answers.entries.move_to_end(full_key)
            return cast(T, answers.entries[full_key])
    value = compute()
    with answers.lock:
        answers.entries[full_key] = value
        while len(answers.entries) > _KEPT:
            answers.entries.popitem(last=False)
    return value
