"""Drill mode (issue #12 point 6): a drill run in the live system opens an incident marked 演练 end to end.

One question, one place: ``is_drill(incident)``. Everything that shows, counts or sends an incident asks it:

- the timeline prefixes every entry's text with 【演练】 (``timeline.append``), so the CSV export, the incident
  room and any printout say so;
- information reports: the 事故快报 DOCX is titled 【演练】事故快报, and a drill's clocks are shown but never
  counted as 迟报 in the desk-wide count (``reports.service.due``);
- the accident ledger leaves it out (``ledger.service.counts_in_ledger``) and incident lists and statistics
  exclude drills unless asked (``drill=only|exclude|include``, ``condition``);
- the events it publishes carry ``is_drill`` so a consumer may skip them.

**The seam for what leaves the platform** (dispatches and warnings, issue #13, are not built yet): whatever
sends a message about an incident (a dispatch order, a CAP warning, an SMS) calls ``outbound_drill(incident)``
and puts it on the ``core.outbound.Message`` (``drill=True``): SMS texts and e-mail subjects then start with
【演练】, webhooks carry ``"drill": true`` and ``X-Citysafe-Drill: 1``, channels configured to refuse drills
(``CITYSAFE_OUTBOUND_REFUSE_DRILLS``, e.g. a live 119 link) send nothing; a CAP message takes
``cap_status(incident)`` (``Exercise`` for a drill, CAP 1.2 §3.2.1 ``status``), and a public channel (a warning
broadcast to the population) must not be used at all while ``sends_to_public(incident)`` is False.

firewatch's 119 forwarder is driven by a confirmed alarm, never by an incident, so a drill incident (opened by
``drills.service.start_live``, not by an alarm) never reaches it; tests/emergency/test_em_drill_mode.py proves
that nothing leaves through the application's ``outbound`` during a whole drill.
"""

from __future__ import annotations

from typing import Final, Literal, Protocol

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import InstrumentedAttribute

from citysafe.core.outbound import DRILL_PREFIX

DRILL_MARK: Final = DRILL_PREFIX  # 【演练】, the same mark an outbound drill message carries
DrillFilter = Literal["only", "exclude", "include"]
DRILL_FILTER_NAMES_ZH: dict[str, str] = {"only": "仅演练", "exclude": "不含演练", "include": "含演练"}


class _MaybeDrill(Protocol):
    is_drill: bool


def is_drill(incident: _MaybeDrill) -> bool:
    """True for an incident a drill opened in drill mode: the one answer every consumer asks."""
    return bool(incident.is_drill)


def marked(text: str, incident: _MaybeDrill) -> str:
    """The text with 【演练】 in front when the incident is a drill (once, never twice)."""
    if not is_drill(incident) or text.startswith(DRILL_MARK):
        return text
    return DRILL_MARK + text


def outbound_drill(incident: _MaybeDrill) -> bool:
    """What a message about this incident puts in ``core.outbound.Message.drill``."""
    return is_drill(incident)


def cap_status(incident: _MaybeDrill) -> str:
    """CAP 1.2 ``status`` of a warning about this incident: ``Exercise`` for a drill, ``Actual`` otherwise."""
    return "Exercise" if is_drill(incident) else "Actual"


def sends_to_public(incident: _MaybeDrill) -> bool:
    """False for a drill: no public channel (population warning, public page, media) carries it."""
    return not is_drill(incident)


def condition(column: ColumnElement[bool] | InstrumentedAttribute[bool], drill: DrillFilter) -> ColumnElement[bool]:
    """The WHERE clause of ``drill=only|exclude|include`` over an ``is_drill`` column."""
    if drill == "only":
        return column.is_(True)
    if drill == "exclude":
        return column.is_(False)
    return true()
