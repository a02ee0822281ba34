"""Which overdue tickets escalate, and to whom: reminders that climb the region hierarchy.

At the deadline a ticket still unrectified reaches step 1: a reminder to its own region's office and
the responsible unit. Every ``period`` after that it climbs one level (grid → community → street →
district → city → province), until the top region. Each step is announced exactly once; a sweep that
missed several periods (a stopped server) announces every step it missed, in order, so no office in
the chain is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


def parent_code(code: str) -> str | None:
    """The division above ``code`` by the structure of Chinese division codes (None above a province)."""
    if len(code) > 12:
        return code[:12]
    if len(code) > 9:
        return code[:9]
    if len(code) > 6:
        return code[:6]
    if code.endswith("0000"):
        return None
    if code.endswith("00"):
        return code[:2] + "0000"
    return code[:4] + "00"


def chain(code: str, top: str) -> list[str]:
    """``code`` and its ancestors up to and including ``top`` (or the province when ``top`` is not above)."""
    out = [code]
    current: str | None = code
    while current is not None and current != top:
        current = parent_code(current)
        if current is not None:
            out.append(current)
    return out


@dataclass(frozen=True)
class EscalationPolicy:
    period: timedelta
    top_region: str = "320000"


@dataclass(frozen=True)
class DueTicket:
    id: int
    region_code: str
    deadline: datetime
    step: int  # the last step already announced (0: none)


@dataclass(frozen=True)
class Escalation:
    ticket_id: int
    step: int
    region_code: str
    overdue_by: timedelta


def reached_step(deadline: datetime, now: datetime, period: timedelta) -> int:
    if now < deadline:
        return 0
    return 1 + int((now - deadline) / period)


def next_escalation_at(ticket_region: str, deadline: datetime, step: int, policy: EscalationPolicy) -> datetime | None:
    """When the step after ``step`` begins; None once the top of the chain has been reached."""
    if step >= len(chain(ticket_region, policy.top_region)):
        return None
    return deadline + policy.period * step


def plan_escalations(tickets: Iterable[DueTicket], now: datetime, policy: EscalationPolicy) -> list[Escalation]:
    """Every escalation step due at ``now`` and not yet announced, ticket by ticket, step by step."""
    out: list[Escalation] = []
    for ticket in tickets:
        regions = chain(ticket.region_code, policy.top_region)
        target = min(reached_step(ticket.deadline, now, policy.period), len(regions))
        out.extend(
            Escalation(ticket_id=ticket.id, step=step, region_code=regions[step - 1], overdue_by=now - ticket.deadline)
            for step in range(ticket.step + 1, target + 1)
        )
    return out
