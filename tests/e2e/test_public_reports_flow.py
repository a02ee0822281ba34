"""Issue #15 point 7, up to the ticket, in Chromium: a citizen on a phone-sized window (390 px, no account)
reports with a photo (a file that is not a photo first: refused, saying why); the district office claims,
verifies and turns it into a hazard ticket; the ticket is closed (hazards' own loop); the citizen's tracking
page shows 已受理 → 已核实 → 已转交整改 → 已整改销号 without the name of anyone who handled it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.e2e.e2e_support import login_as
from tests.hazards.conftest import tiny_png
from tests.public.reports_support import XUANWU, photo

from citysafe.auth import service as auth_service
from citysafe.auth.models import User
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.hazards.tickets import service as tickets
from citysafe.hazards.tickets.files import store
from citysafe.hazards.tickets.schemas import TransitionIn
from citysafe.public.reports.models import CitizenReport

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"
PLAN = {"measures": "清理通道", "funds": "0", "responsible": "物业", "deadline": "2030-01-01T00:00:00Z",
        "safeguards": "设置警示"}


def _staff(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        for username, role, name in [("xuanwu", "district_office", "玄武区安委办张核实"),
                                     ("jiancha", "department", "区应急管理局王复查")]:
            auth_service.create_user(session, user_in=UserCreate(
                username=username, password=PASSWORD, role=role, region_code="320102", display_name=name))


def _close_ticket(ctx: AppContext, ticket_id: int) -> None:
    """The hazards loop to 销号 (its own browser flow is tests/e2e/test_hazards_loop.py)."""
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        users = {u.username: u for u in session.scalars(select(User))}
        office, checker = (auth_service.principal_for(users[name]) for name in ("xuanwu", "jiancha"))
        ticket = tickets.get(session, ticket_id=ticket_id)
        now = ctx.clock.now()
        for k, (action, who) in enumerate([("assign", office), ("start", office), ("submit", office),
                                           ("pass", checker), ("close", office)]):
            evidence = [store(session, data=tiny_png(size=16), filename="p.png", field="file",
                              root=ctx.settings.data_dir, max_bytes=10**6, region_code=ticket.region_code,
                              uploaded_by=who.user_id, now=now).id] if action in ("submit", "pass") else []
            tickets.transition(session, ticket=ticket, principal=who, settings=ctx.settings,
                               now=now + timedelta(seconds=k),
                               change=TransitionIn.model_validate({"action": action, "note": "ok", "plan": PLAN,
                                                                   "responsible_name": "物业",
                                                                   "attachment_ids": evidence}))


def test_a_citizen_report_from_a_phone_to_a_closed_ticket(ctx: AppContext, live_server: str, browser_page: Any,
                                                          artifacts_dir: Path, tmp_path: Path,
                                                          page_problems: list[str]) -> None:
    _staff(ctx)
    page = browser_page
    picture = tmp_path / "现场.jpg"
    picture.write_bytes(photo(seed=9, size=(1200, 900)))
    fake = tmp_path / "不是照片.jpg"
    fake.write_bytes(b"just some text, not a picture")

    # 1. the citizen, on a phone, no account
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.grant_permissions(["geolocation"], origin=live_server)
    page.context.set_geolocation({"longitude": XUANWU[0], "latitude": XUANWU[1], "accuracy": 10})
    page.goto(f"{live_server}/public/reports")
    page.click("#pr-locate")
    page.wait_for_selector("#pr-where[data-picked='1']")
    page.select_option("[data-testid=category]", "fire_safety")
    page.fill("[data-testid=description]", "小区3栋楼道里停满电动车并在充电，堵住了安全出口")
    page.set_input_files("input[name=photos]", str(fake))
    page.click("[data-testid=submit]")
    refusal = page.locator("[data-testid=flash-error]")
    assert "现场照片" in refusal.inner_text() and "JPG" in refusal.inner_text()
    assert page.input_value("[data-testid=description]") == "小区3栋楼道里停满电动车并在充电，堵住了安全出口"
    page.screenshot(path=str(artifacts_dir / "reports-0-bad-photo-refused.png"), full_page=True)
    page_problems[:] = [p for p in page_problems if "422" not in p]  # the refusal's own status, on purpose
    page.wait_for_selector("#pr-where[data-picked='1']")  # the place picked is kept
    page.set_input_files("input[name=photos]", str(picture))
    page.wait_for_selector("#preview img")
    page.screenshot(path=str(artifacts_dir / "reports-1-form-mobile.png"), full_page=True)
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=receipt-number]")
    tracking = page.url.split("?")[0]
    assert page.locator("[data-testid=state]").inner_text().endswith("已受理")
    assert "200 米范围内随机偏移" in page.locator("[data-testid=offset-note]").inner_text()
    page.screenshot(path=str(artifacts_dir / "reports-2-receipt-mobile.png"), full_page=True)

    # 2. the district office claims, verifies and turns it into a hazard ticket
    page.set_viewport_size({"width": 1400, "height": 900})
    login_as(page, live_server, "xuanwu", PASSWORD, "/reports")
    page.locator("[data-testid=report-row] a").first.click()
    page.click("[data-testid=claim]")
    page.wait_for_selector("[data-testid=flash-ok]")
    page.fill("textarea[name=note]", "现场核查属实")
    page.click("[data-testid=verify]")
    page.wait_for_selector("[data-testid=flash-ok]")
    assert page.locator("[data-testid=report-state]").inner_text() == "已核实"
    page.screenshot(path=str(artifacts_dir / "reports-3-staff-verified.png"), full_page=True)
    page.click("[data-testid=to-ticket]")
    page.wait_for_selector("[data-testid=ticket-link]")
    assert page.locator("[data-testid=report-state]").inner_text() == "已转交整改"
    page.click("[data-testid=show-identity]")
    assert "匿名举报" in page.locator("[data-testid=identity]").inner_text()
    page.screenshot(path=str(artifacts_dir / "reports-4-staff-ticket.png"), full_page=True)

    # 3. the ticket is rectified and closed
    with unit_of_work(ctx.session_factory) as session:
        ticket_id = session.scalars(select(CitizenReport.ticket_id)).one()
    assert ticket_id is not None
    _close_ticket(ctx, ticket_id)

    # 4. the citizen follows it on the phone: each step, nobody's name
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/public/reports/track")
    page.fill("[data-testid=receipt]", tracking.rsplit("/", 1)[-1].lower())
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=steps]")
    steps = page.locator("[data-testid=steps] li.done b").all_inner_texts()
    assert steps == ["已受理", "已核实", "已转交整改", "已整改销号"]
    text = page.content()
    assert "张核实" not in text and "王复查" not in text and "玄武区安委办" not in text
    page.screenshot(path=str(artifacts_dir / "reports-5-tracking-mobile.png"), full_page=True)
