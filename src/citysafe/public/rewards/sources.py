"""What rewards ask of the citizen reports: a small protocol, filled in by the composition.

The reports (public.reports) are built beside this package. Rewards need three answers from them: the facts of
one report (its division, when it was received and found true, whether the reporter gave a real name), the group of
reports about the same matter ordered by time, and — for the roles that handle rewards, audited by the reports
side — the reporter's name and phone for the notice. ``REPORT_SOURCE`` is a per-application slot holding a
``ReportSource``; ``citysafe.registry.install_lookups`` puts the reports' implementation there. Without one (a
process with no reports), every lookup answers "no such report" and no case can be opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final, NamedTuple, Protocol

from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.context import AppContext, Slot


class ReportFacts(NamedTuple):
    report_id: int
    region_code: str
    received_at: datetime
    real_name: bool  # the reporter gave a real name (实名举报)
    verified_at: datetime | None  # found true (核查属实); None while not verified or refused
    label: str  # the receipt number and category, as staff know the report


class Identity(NamedTuple):
    name: str
    phone: str  # '' when the reporter left none


class ReportSource(Protocol):
    def get_report(self, session: Session, report_id: int) -> ReportFacts | None: ...

    def same_matter(self, session: Session, report_id: int) -> Sequence[ReportFacts]:
        """The reports about the same matter as ``report_id``, itself included, oldest first."""
        ...

    def reporter_identity(self, session: Session, report_id: int, principal: Principal) -> Identity | None: ...


class Unlinked:
    """No reports in this process: nothing is found."""

    def get_report(self, session: Session, report_id: int) -> ReportFacts | None:
        del session, report_id
        return None

    def same_matter(self, session: Session, report_id: int) -> Sequence[ReportFacts]:
        del session, report_id
        return ()

    def reporter_identity(self, session: Session, report_id: int, principal: Principal) -> Identity | None:
        del session, report_id, principal
        return None


def _default(ctx: AppContext) -> ReportSource:
    del ctx
    return Unlinked()


REPORT_SOURCE: Final = Slot[ReportSource]("public.rewards.report_source", _default)
