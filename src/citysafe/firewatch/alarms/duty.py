"""Who is on duty in a division, as firewatch asks it when an alarm escalates: a lookup interface.

The duty roster (值班表) belongs to emergency, a domain above firewatch (DESIGN.md §3), so firewatch cannot
import it. It asks through ``DUTY_LOOKUP``, a per-application slot holding a ``DutyLookup``: the
composition (``citysafe.registry.install_lookups``) puts emergency's roster there; without it (a process
that has no roster) the slot answers nobody, and the escalation notice falls back to the division's name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Final, NamedTuple

from sqlalchemy.orm import Session

from citysafe.core.context import AppContext, Slot


class OnDuty(NamedTuple):
    post: str  # 带班领导, 值班员 …
    name: str
    phone: str


# (session, division code, local day) -> the division whose roster answers for that division that day (its
# own or the nearest one above it) and its people as (post, name, phone); (None, ()) when no roster covers it.
# Plain tuples, so the domain that keeps the roster need not import firewatch.
DutyLookup = Callable[[Session, str, date], tuple[str | None, Sequence[tuple[str, str, str]]]]


def no_roster(session: Session, region_code: str, day: date) -> tuple[str | None, Sequence[tuple[str, str, str]]]:
    del session, region_code, day
    return None, ()


def _default(ctx: AppContext) -> DutyLookup:
    del ctx
    return no_roster


DUTY_LOOKUP: Final = Slot[DutyLookup]("firewatch.duty_lookup", _default)
