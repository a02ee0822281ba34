"""The register's counts and lists for dashboards, reused while no source of their region has changed.

Every office user's workbench asks the same questions of the register (how many red and orange sources,
which ones, how the districts stand); the answers change only when a source does. An answer is kept per
application (``ANSWERS``, on the context of the session's factory) under the reader's scope, the question
and the region's change counters (``versions.data_version``: bumped in the transaction of every change to
a source, by any process) and the generation of the division names (answers name divisions; an import of
divisions renames them). So it is never stale, only reused; the counters are read once per session until
it writes (``core.cache.memo``). A session made outside an application computes every answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

from sqlalchemy.orm import Session

from citysafe.core.cache import answers_slot, memo, scope_key
from citysafe.core.validators import region_prefix
from citysafe.regions import service as regions_service
from citysafe.risk.service import versions

T = TypeVar("T")

ANSWERS: Final = answers_slot("risk.stats_answers", kept=512)  # least recently used dropped first


def data_version(session: Session, *, prefix: str) -> tuple[int, int]:
    """The counters of the counties under ``prefix``, read once per request (until the session writes)."""
    return memo(session, f"risk.data_version:{prefix}", lambda: versions.data_version(session, prefix=prefix))


def reused(session: Session, *, region_code: str, key: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()``'s answer about ``region_code``'s sources for this reader's scope, reused while none of
    them has changed. The answer is shared between requests: callers must not change it."""
    try:
        answers = ANSWERS.of(session)
    except LookupError:
        return compute()
    prefix = region_prefix(region_code)
    full_key = (*scope_key(session), region_code, *key, data_version(session, prefix=prefix),
                regions_service.cached_names(session).generation)
    return answers.reused(full_key, compute)
