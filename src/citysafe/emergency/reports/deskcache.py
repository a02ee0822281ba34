"""The duty desk's 报告时限 panel, reused between requests while nothing it depends on has changed.

Computing every active incident's clocks costs ~0.2 s with a thousand of them open (bench/emergency.py), and
every duty officer's desk asks for the same answer many times a minute. The answer changes only when

- the data changes: an incident opened (the newest incident id), closed (the number of active ones; the
  lifecycle never reopens), re-graded (the newest grading id) or reported on (the newest report id) — read
  in one statement in the reader's scope, in every process; notes, tasks and decisions, the bulk of a busy
  timeline, leave the clocks as they are and the answer reused; or
- time passes a deadline: a clock that is due becomes overdue at its deadline, to the minute.

So an answer is kept under (the reader's scope, the timeline version, the rules) and only until the earliest
deadline still due; after it the clocks are computed again. The clocks are never stale, only reused: the
"kept to the minute" rule of the issue holds, with no periodic job involved. The remaining time a row shows
is computed from the request's own time when the page is drawn.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.core.config import Settings
from citysafe.core.context import Slot
from citysafe.core.scope import current_scope
from citysafe.emergency.calc import clocks as calc
from citysafe.emergency.calc.lifecycle import ACTIVE_STATES
from citysafe.emergency.models import Incident, IncidentGrading
from citysafe.emergency.reports import service
from citysafe.emergency.reports.models import IncidentReport
from citysafe.emergency.rules import rules

_KEPT: Final = 64  # answers kept per application (one per scope in practice), least recently used dropped


@dataclass(frozen=True)
class DeskAnswer:
    rows: tuple[tuple[int, calc.Clock], ...]  # (incident id, unmet clock), overdue first, then by deadline
    late_count: int
    valid_until: datetime | None  # the earliest deadline still due when computed: after it, compute again


class _Answers:
    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[object, ...], DeskAnswer] = OrderedDict()
        self.lock = threading.Lock()


ANSWERS: Final = Slot("emergency.desk_clocks", lambda _ctx: _Answers())


def _compute(session: Session, *, settings: Settings, now: datetime, limit: int) -> DeskAnswer:
    desk = service.due(session, settings=settings, now=now, limit=limit)
    due_deadlines = [c.deadline for _, c in desk.rows if c.status is calc.Status.DUE]
    return DeskAnswer(rows=tuple((incident.id, clock) for incident, clock in desk.rows), late_count=desk.late_count,
                      valid_until=min(due_deadlines) if due_deadlines else None)


def _version(session: Session) -> tuple[object, ...]:
    row = session.execute(select(
        select(func.max(Incident.id)).scalar_subquery(),
        select(func.count()).select_from(Incident)
        .where(Incident.state.in_([s.value for s in ACTIVE_STATES])).scalar_subquery(),
        select(func.max(IncidentGrading.id)).scalar_subquery(),
        select(func.max(IncidentReport.id)).scalar_subquery())).one()
    return tuple(row)


def desk_clocks(session: Session, *, settings: Settings, now: datetime, limit: int
                ) -> tuple[list[tuple[Incident, calc.Clock]], int]:
    """The unmet clocks (with their incidents, read in this session) and the 迟报 count, as ``service.due``."""
    try:
        answers = ANSWERS.of(session)
    except LookupError:  # a session made outside an application: nothing to share
        answer = _compute(session, settings=settings, now=now, limit=limit)
    else:
        scope = current_scope(session)
        version = _version(session)
        key = (scope, version, id(rules(settings)), limit)
        with answers.lock:
            kept = answers.entries.get(key)
        if kept is not None and (kept.valid_until is None or now < kept.valid_until):
            answer = kept
        else:
            answer = _compute(session, settings=settings, now=now, limit=limit)
            with answers.lock:
                answers.entries[key] = answer
                answers.entries.move_to_end(key)
                while len(answers.entries) > _KEPT:
                    answers.entries.popitem(last=False)
    ids = {incident_id for incident_id, _ in answer.rows}
    incidents = {i.id: i for i in session.scalars(select(Incident).where(Incident.id.in_(ids)))} if ids else {}
    return [(incidents[i], clock) for i, clock in answer.rows if i in incidents], answer.late_count
