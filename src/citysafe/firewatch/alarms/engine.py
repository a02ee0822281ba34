"""The alarm state machine of one point, pure: previous state and one report in, new state and
decisions out. No database, no clock (times come in with the report).

Rules:

* A report of a condition that has no open alarm raises one (``raise``). A condition that newly
  appeared while its alarm is still open counts another occurrence (``occur``); a steady condition
  reported again (say in a read response) is not a new occurrence.
* A *momentary* report (an operation such as the manual alarm key, which has no restore) raises or
  counts an occurrence and never changes the point's lasting state.
* A condition that disappeared is a restore (``clear``). Faults, supervisory and offline alarms close
  with it; fire, gas and electrical alarms stay open until an operator decides, because a fire the
  panel was reset on is still a fire until someone verified it.
* A condition that changed ``flap_changes`` times within ``flap_window`` is flapping: its alarm is
  not closed by the restore (the periodic job closes it once the point has been calm for a window),
  so a chattering detector makes one alarm with many occurrences instead of a flood.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from citysafe.firewatch.enums import ALARM_KINDS, DECISION_KINDS

Change = Literal["raise", "occur", "clear"]


@dataclass(frozen=True, slots=True)
class PointSnapshot:
    active: frozenset[str] = frozenset()
    # (condition, epoch seconds) of recent appear/disappear changes, oldest first
    changes: tuple[tuple[str, float], ...] = ()
    flapping: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Decision:
    kind: str
    change: Change
    close: bool = False       # for "clear": the restore also closes the alarm
    flapping: bool = False


@dataclass(frozen=True, slots=True)
class Rules:
    flap_changes: int = 6
    flap_window: timedelta = timedelta(minutes=10)


EMPTY = PointSnapshot()


def step(
    prev: PointSnapshot,
    *,
    observed: frozenset[str],
    at: datetime,
    open_kinds: frozenset[str],
    momentary: bool = False,
    rules: Rules = Rules(),
) -> tuple[PointSnapshot, list[Decision]]:
    """Apply one report of a point; ``open_kinds`` are the kinds with an open alarm before it."""
    if momentary:
        return prev, [Decision(k, "occur" if k in open_kinds else "raise") for k in sorted(observed & ALARM_KINDS)]

    appeared = observed - prev.active
    disappeared = prev.active - observed
    stamp = at.timestamp()
    horizon = stamp - rules.flap_window.total_seconds()
    changes = tuple(c for c in prev.changes if c[1] >= horizon)
    changes += tuple((k, stamp) for k in sorted(appeared | disappeared))
    counts: dict[str, int] = {}
    for kind, _ in changes:
        counts[kind] = counts.get(kind, 0) + 1
    flapping = frozenset(k for k, n in counts.items() if n >= rules.flap_changes)

    decisions: list[Decision] = []
    for kind in sorted(observed & ALARM_KINDS):
        if kind not in open_kinds:
            decisions.append(Decision(kind, "raise", flapping=kind in flapping))
        elif kind in appeared:
            decisions.append(Decision(kind, "occur", flapping=kind in flapping))
    for kind in sorted(disappeared & ALARM_KINDS & open_kinds):
        close = kind not in DECISION_KINDS and kind not in flapping
        decisions.append(Decision(kind, "clear", close=close, flapping=kind in flapping))
    return PointSnapshot(frozenset(observed), changes, flapping), decisions


def is_calm(snapshot: PointSnapshot, kind: str, now: datetime, rules: Rules = Rules()) -> bool:
    """True when ``kind`` has not changed within the flap window before ``now``."""
    horizon = now.timestamp() - rules.flap_window.total_seconds()
    return not any(k == kind and t >= horizon for k, t in snapshot.changes)
