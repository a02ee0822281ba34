"""A stand-in for the citizen reports (public.reports) as rewards ask them (``public/rewards/sources.py``):
reports kept in a dict (each with a bare ``pub_report`` row for the cases' foreign key), the same-matter groups by
a matter key, identities looked up (each look-up counted), notices sent through the application's ``core.outbound``
to the phone on file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.context import AppContext, context_of
from citysafe.core.db import unit_of_work
from citysafe.core.errors import not_found
from citysafe.core.outbound import Message
from citysafe.public.reports.models import CitizenReport
from citysafe.public.rewards.sources import REPORT_SOURCE, Identity, ReportFacts


@dataclass
class FakeReports:
    ctx: AppContext
    reports: dict[int, ReportFacts] = field(default_factory=dict)
    matter: dict[int, str] = field(default_factory=dict)
    identities: dict[int, Identity] = field(default_factory=dict)
    identity_reads: list[tuple[int, str]] = field(default_factory=list)  # (report id, who read it)

    def add(self, report_id: int, *, region_code: str, received_at: datetime, verified_at: datetime | None,
            real_name: bool = True, matter: str = "", name: str = "王某", phone: str = "13900000001") -> ReportFacts:
        with unit_of_work(self.ctx.session_factory, actor="tests") as session:  # the row the foreign key needs
            session.add(CitizenReport(id=report_id, receipt=f"JB{report_id:06d}", state="verified",
                                      category="fire_safety", description="消防通道堵塞", lon=118.8, lat=32.05,
                                      public_lon=118.8, public_lat=32.05, displacement_m=0, region_code=region_code,
                                      created_at=received_at, real_name=real_name, verified_at=verified_at))
        facts = ReportFacts(report_id=report_id, region_code=region_code, received_at=received_at,
                            real_name=real_name, verified_at=verified_at, label=f"JB{report_id:06d} 消防通道堵塞")
        self.reports[report_id] = facts
        self.matter[report_id] = matter or f"m{report_id}"
        if real_name:
            self.identities[report_id] = Identity(name=name, phone=phone, id_number="320102199001011232")
        return facts

    def get_report(self, session: Session, report_id: int) -> ReportFacts | None:
        del session
        return self.reports.get(report_id)

    def by_receipt(self, session: Session, receipt: str) -> int:
        del session
        found = next((i for i, r in self.reports.items() if r.label.split()[0] == receipt.strip().upper()), None)
        if found is None:
            raise not_found("report", "举报", receipt)
        return found

    def same_matter(self, session: Session, report_id: int) -> Sequence[ReportFacts]:
        del session
        key = self.matter.get(report_id)
        return sorted((r for i, r in self.reports.items() if self.matter[i] == key),
                      key=lambda r: (r.received_at, r.report_id))

    def notify_reporter(self, session: Session, report_id: int, text: str, correlation_key: str) -> bool:
        found = self.identities.get(report_id)
        if found is None or not found.phone:
            return False
        sent = context_of(session).outbound.send(Message(channel="sms", recipients=(found.phone,), text=text,
                                                         correlation_key=correlation_key, sensitive=True))
        return sent.all_delivered

    def reporter_identity(self, session: Session, report_id: int, principal: Principal) -> Identity | None:
        del session
        self.identity_reads.append((report_id, principal.username))
        return self.identities.get(report_id)


def install(ctx: AppContext) -> FakeReports:
    fake = FakeReports(ctx)
    REPORT_SOURCE.set(ctx, fake)
    return fake
