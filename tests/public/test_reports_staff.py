"""Staff handling citizen reports: a claim that expires, verify, reject with a reason, a hazard ticket that keeps
the report as its source, the ticket's closing (hazards' real ``HazardClosed``) followed on the tracking view
without names; the reporter's identity only for ``reports:identity``, every view audited."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from reports_support import NOW, photo, staff, submit
from sqlalchemy import select

from citysafe.auth.service import act_as
from citysafe.core.audit import AuditEntry
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import Conflict, Forbidden, NotFound
from citysafe.hazards.tickets import service as tickets
from citysafe.hazards.tickets.files import store
from citysafe.hazards.tickets.models import HazardTicket
from citysafe.hazards.tickets.schemas import TransitionIn
from citysafe.public.reports import service
from citysafe.public.reports import staff as handling
from citysafe.registry import register_handlers

PLAN = {"measures": "清理楼道", "funds": "0", "responsible": "物业", "deadline": "2030-01-01T00:00:00Z",
        "safeguards": "设置警示"}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_a_claim_keeps_others_out_until_it_expires(ctx: AppContext) -> None:
    report = submit(ctx)
    first, second = staff(ctx, name="张核实"), staff(ctx, name="李复核", username="li")
    with unit_of_work(ctx.session_factory) as session:
        handling.claim(session, report_id=report.id, principal=first, now=NOW)
    with unit_of_work(ctx.session_factory) as session:
        with pytest.raises(Conflict) as caught:
            handling.claim(session, report_id=report.id, principal=second, now=NOW + timedelta(minutes=29))
        assert "张核实正在核实" in caught.value.detail_zh
        with pytest.raises(Conflict):
            handling.verify(session, report_id=report.id, principal=second, now=NOW + timedelta(minutes=29))
    with unit_of_work(ctx.session_factory) as session:  # 30 minutes on, the claim has run out
        handling.claim(session, report_id=report.id, principal=second, now=NOW + timedelta(minutes=30))
    with unit_of_work(ctx.session_factory) as session:
        with pytest.raises(Conflict):
            handling.verify(session, report_id=report.id, principal=first, now=NOW + timedelta(minutes=31))
        handling.verify(session, report_id=report.id, principal=second, now=NOW + timedelta(minutes=31))


def test_a_rejection_needs_a_reason_the_reporter_reads(ctx: AppContext) -> None:
    report = submit(ctx)
    office = staff(ctx)
    with unit_of_work(ctx.session_factory) as session:
        handling.claim(session, report_id=report.id, principal=office, now=NOW)
        with pytest.raises(Exception, match="reason"):
            handling.reject(session, report_id=report.id, principal=office, now=NOW, reason=" ")
        handling.reject(session, report_id=report.id, principal=office, now=NOW,
                        reason="现场核查，楼道已清理，未发现隐患")
    with unit_of_work(ctx.session_factory) as session:
        view = service.public_report(session, receipt=report.receipt)
    assert [s.stage_name for s in view.steps] == ["已受理", "不予采纳"]
    assert view.steps[-1].note == "现场核查，楼道已清理，未发现隐患" and "张核实" not in view.model_dump_json()


def test_report_to_ticket_to_closed_shows_each_step_without_names(ctx: AppContext) -> None:
    register_handlers(ctx.bus)
    report = submit(ctx, images=[photo(seed=5)])
    office = staff(ctx, name="张核实")
    checker = staff(ctx, name="王复查", username="wang")
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        act_as(session, office)
        handling.claim(session, report_id=report.id, principal=office, now=NOW)
        handling.verify(session, report_id=report.id, principal=office, now=NOW + timedelta(minutes=5))
        moved = handling.to_ticket(session, report_id=report.id, principal=office, now=NOW + timedelta(minutes=6))
        ticket_id = moved.ticket_id
    assert ticket_id is not None
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        ticket = session.get(HazardTicket, ticket_id)
        assert ticket is not None
        assert (ticket.source, ticket.source_ref) == ("citizen", f"citizen-report:{report.id}")
        assert (ticket.lon, ticket.lat, ticket.region_code) == (report.lon, report.lat, "320102")
        for k, (action, who) in enumerate([("assign", office), ("start", office), ("submit", office),
                                           ("pass", checker), ("close", office)]):
            later = NOW + timedelta(days=1, hours=k)
            evidence = [store(session, data=_png(), filename="p.png", field="file", root=ctx.settings.data_dir,
                              max_bytes=10**6, region_code=ticket.region_code, uploaded_by=who.user_id,
                              now=later).id] if action in ("submit", "pass") else []
            tickets.transition(session, ticket=ticket, principal=who, settings=ctx.settings, now=later,
                               change=TransitionIn.model_validate({"action": action, "note": "ok", "plan": PLAN,
                                                                   "responsible_name": "物业",
                                                                   "attachment_ids": evidence}))
    with unit_of_work(ctx.session_factory) as session:
        view = service.public_report(session, receipt=report.receipt)
        read = service.get_report(session, report_id=report.id)
    assert [s.stage_name for s in view.steps] == ["已受理", "已核实", "已转交整改", "已整改销号"]
    assert view.state == "rectified" and read.closed_at is not None and read.ticket_number
    dumped = view.model_dump_json()
    assert "张核实" not in dumped and "王复查" not in dumped and str(report.lon) not in dumped


def test_a_dismissed_ticket_tells_the_reporter(ctx: AppContext) -> None:
    register_handlers(ctx.bus)
    report = submit(ctx)
    office = staff(ctx)
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        handling.claim(session, report_id=report.id, principal=office, now=NOW)
        ticket_id = handling.to_ticket(session, report_id=report.id, principal=office, now=NOW).ticket_id
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        ticket = tickets.get(session, ticket_id=ticket_id or 0)
        tickets.transition(session, ticket=ticket, principal=office, settings=ctx.settings, now=NOW,
                           change=TransitionIn.model_validate({"action": "dismiss", "note": "不构成隐患"}))
    with unit_of_work(ctx.session_factory) as session:
        assert service.public_report(session, receipt=report.receipt).state == "dismissed"


def test_an_incident_keeps_the_report_as_its_source(ctx: AppContext) -> None:
    report = submit(ctx)
    office = staff(ctx)
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        handling.claim(session, report_id=report.id, principal=office, now=NOW)
        moved = handling.to_incident(session, report_id=report.id, principal=office, now=NOW,
                                     category="accident", subtype="fire")
        assert moved.incident_number and moved.state == "incident"
    with unit_of_work(ctx.session_factory) as session:
        assert [s.stage_name for s in service.public_report(session, receipt=report.receipt).steps] == [
            "已受理", "已核实", "已转交应急处置"]


def test_the_identity_is_only_for_reward_handlers_and_every_view_is_audited(ctx: AppContext) -> None:
    report = submit(ctx)
    office = staff(ctx, role="city_office", region="320100")
    department = staff(ctx, role="department", region="320102", name="住建", username="dept")
    with unit_of_work(ctx.session_factory, actor="dept") as session, pytest.raises(Forbidden):
        service.reporter_identity(session, report_id=report.id, principal=department)
    for _ in range(2):
        with unit_of_work(ctx.session_factory, actor=office.username) as session:
            who = service.reporter_identity(session, report_id=report.id, principal=office)
            assert who.name == "" and not who.real_name  # this report was anonymous
    with unit_of_work(ctx.session_factory) as session:
        views = session.scalars(select(AuditEntry).where(AuditEntry.entity == "pub_reporter_vault",
                                                         AuditEntry.action == "view")).all()
        assert [v.actor for v in views] == [office.username, office.username]
        with pytest.raises(NotFound):
            service.get_report(session, report_id=report.id + 100)


def test_personal_information_is_erased_when_its_retention_ends(ctx: AppContext) -> None:
    from reports_support import last_code, with_sms

    from citysafe.core.clock import FixedClock
    from citysafe.public.reports import guards, retention
    from citysafe.public.reports.models import ReporterVault

    box = with_sms(ctx)
    with unit_of_work(ctx.session_factory) as session:
        guards.send_code(session, phone="13800000005", purpose="report", now=NOW, minutes=10, per_hour=5)
    report = submit(ctx, phone="13800000005", code=last_code(box), name="钱某")
    ctx.clock = FixedClock(NOW + timedelta(days=364))
    assert retention.run_once(ctx) == 0
    ctx.clock = FixedClock(NOW + timedelta(days=365))
    assert retention.run_once(ctx) == 1
    with unit_of_work(ctx.session_factory) as session:
        row = session.get(ReporterVault, report.vault_id)
        assert row is not None and (row.name, row.phone, row.erased_reason) == ("", "", "retention")
