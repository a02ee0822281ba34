"""What rewards ask of the citizen reports (public.reports): a small protocol, and its implementation on
``public.reports.service``.

Rewards need four answers: the facts of one report (its division, when it was received and found true, whether the
reporter gave a real name), the reports about the same matter ordered by time, an SMS to the reporter (the 领奖通知:
the phone stays inside the reports, never read here), and — for the console of whoever pays, each read audited by the
reports — the reporter's identity to check at the claim. ``REPORT_SOURCE`` is a per-application slot holding a
``ReportSource``: ``ReportsLink`` by default; tests put a stand-in there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final, NamedTuple, Protocol

from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.context import AppContext, Slot
from citysafe.core.errors import NotFound
from citysafe.hazards.enums import CATEGORY_NAMES_ZH
from citysafe.public.reports import service as reports


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
    id_number: str  # to check against the document shown at the claim


class ReportSource(Protocol):
    def get_report(self, session: Session, report_id: int) -> ReportFacts | None: ...

    def by_receipt(self, session: Session, receipt: str) -> int:
        """The id of the report with this receipt number; a problem naming the receipt when none has it."""
        ...

    def same_matter(self, session: Session, report_id: int) -> Sequence[ReportFacts]:
        """The reports about the same matter as ``report_id``, itself included, oldest first."""
        ...

    def notify_reporter(self, session: Session, report_id: int, text: str, correlation_key: str) -> bool:
        """An SMS to the reporter; False when there is no phone or it did not arrive."""
        ...

    def reporter_identity(self, session: Session, report_id: int, principal: Principal) -> Identity | None:
        """Who reported (403 without ``reports:identity``; each read audited); None for an anonymous report."""
        ...


class ReportsLink:
    """The citizen reports of this application (``public.reports.service``)."""

    def get_report(self, session: Session, report_id: int) -> ReportFacts | None:
        try:
            report = reports.get_report(session, report_id=report_id)
        except NotFound:
            return None
        return ReportFacts(report_id=report.id, region_code=report.region_code, received_at=report.created_at,
                           real_name=report.real_name, verified_at=report.verified_at,
                           label=f"{report.receipt} {CATEGORY_NAMES_ZH.get(report.category, report.category)}")

    def by_receipt(self, session: Session, receipt: str) -> int:
        return reports.by_receipt(session, receipt=receipt).id

    def same_matter(self, session: Session, report_id: int) -> Sequence[ReportFacts]:
        out = []
        for member in reports.report_group(session, report_id=report_id):
            facts = self.get_report(session, member.id)
            if facts is not None:
                out.append(facts._replace(real_name=member.real_name))
        return out

    def notify_reporter(self, session: Session, report_id: int, text: str, correlation_key: str) -> bool:
        return reports.notify_reporter(session, report_id=report_id, text=text, correlation_key=correlation_key)

    def reporter_identity(self, session: Session, report_id: int, principal: Principal) -> Identity | None:
        found = reports.reporter_identity(session, report_id=report_id, principal=principal)
        if found.erased or not (found.name or found.phone):
            return None
        return Identity(name=found.name, phone=found.phone, id_number=found.id_number)


def _default(ctx: AppContext) -> ReportSource:
    del ctx
    return ReportsLink()


REPORT_SOURCE: Final = Slot[ReportSource]("public.rewards.report_source", _default)
