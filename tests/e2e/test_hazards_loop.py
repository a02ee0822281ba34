"""The closed loop in Chromium: a grid officer reports from a phone with a photo and its location, the
district office assigns it, the enterprise rectifies with evidence, the inspector re-inspects and closes
the ticket (销号). Screenshots of each step are kept in artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.e2e.e2e_support import login_as
from tests.hazards.conftest import XUANWU_SQUARE, tiny_png

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.hazards.grids import service as grids_service
from citysafe.hazards.grids.schemas import GridCreate
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import Location, OrganizationCreate

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"
PHONE_AT = {"longitude": 118.8001, "latitude": 32.0481, "accuracy": 12}  # inside the grid drawn below


def _world(ctx: AppContext) -> int:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        org = orgs_service.create(session, org_in=OrganizationCreate(
            name="南京大行宫餐饮管理有限公司", kind="enterprise", region_code="320102002", sector="餐饮",
            address="玄武区长江路 1 号", location=Location(lon=118.8002, lat=32.0482)))
        grids_service.create_grid(session, grid_in=GridCreate(community_code="320102002001", name="大行宫第一网格",
                                                               boundary=XUANWU_SQUARE))
        for username, role, region, name, org_id in [
            ("wangwu", "grid_officer", "320102002", "网格员王五", None),
            ("xuanwu", "district_office", "320102", "玄武区安委办", None),
            ("qiye", "enterprise", "320102", "企业安全员张伟", org.id),
            ("jiancha", "department", "320102", "区应急管理局检查员", None),
        ]:
            auth_service.create_user(session, user_in=UserCreate(
                username=username, password=PASSWORD, role=role, region_code=region, display_name=name,
                organization_id=org_id))
        return org.id


def _login(page: Any, base: str, username: str, target: str) -> None:
    login_as(page, base, username, PASSWORD, target)


def _act(page: Any, action: str, note: str = "", photo: Path | None = None, **fields: str) -> None:
    form = page.locator(f"form[data-action='{action}']")
    if not form.is_visible():
        page.locator("details", has=form).locator("summary").click()
    for name, value in fields.items():
        form.locator(f"[name={name}]").select_option(value) if name == "organization_id" else \
            form.locator(f"[name={name}]").fill(value)
    if photo is not None:
        form.locator("input[name=photos]").set_input_files(str(photo))
    if note:
        form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=flash-ok], [data-testid=flash-error]")


def test_report_rectify_close_in_the_browser(ctx: AppContext, live_server: str, browser_page: Any,
                                             artifacts_dir: Path, tmp_path: Path) -> None:
    org_id = _world(ctx)
    page = browser_page
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(tiny_png((220, 40, 40), size=64))
    fake = tmp_path / "不是照片.jpg"
    fake.write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")

    # 1. the grid officer, on a phone, with its location
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.grant_permissions(["geolocation"], origin=live_server)
    page.context.set_geolocation(PHONE_AT)
    _login(page, live_server, "wangwu", "/hazards/report")
    page.wait_for_selector("#geo[data-located='1']")
    page.select_option("select[name=category]", "nine_small")
    page.fill("textarea[name=description]", "后厨液化气瓶未固定，灶台旁堆放纸箱")
    page.fill("input[name=place_name]", "大行宫小吃店")
    page.set_input_files("input[name=photos]", str(fake))
    page.click("#submit-report")
    refusal = page.locator("[data-testid=flash-error]")
    assert "仅接受 JPG、PNG、WEBP 格式" in refusal.inner_text()  # a bad upload is refused, saying why
    assert page.input_value("textarea[name=description]") == "后厨液化气瓶未固定，灶台旁堆放纸箱"  # nothing retyped
    page.screenshot(path=str(artifacts_dir / "hazards-0-bad-upload-refused.png"), full_page=True)
    page.wait_for_selector("#geo[data-located='1']")
    page.select_option("select[name=organization_id]", str(org_id))
    page.set_input_files("input[name=photos]", str(photo))
    page.wait_for_selector("#preview img")
    page.screenshot(path=str(artifacts_dir / "hazards-1-report-mobile.png"), full_page=True)
    page.click("#submit-report")
    page.wait_for_selector("[data-testid=flash-ok]")
    assert page.locator("[data-testid=ticket-state]").inner_text() == "已上报"
    assert "大行宫第一网格" in page.content()  # the phone's position put it in its grid
    ticket_url = page.url.split("?")[0]
    page.screenshot(path=str(artifacts_dir / "hazards-2-reported.png"), full_page=True)

    # 2. the district office assigns it to the unit
    page.set_viewport_size({"width": 1400, "height": 900})
    _login(page, live_server, "xuanwu", "/hazards")
    assert page.locator("[data-testid=tickets] tbody tr").count() == 1
    page.goto(ticket_url)
    _act(page, "assign", note="请于期限内完成整改", organization_id=str(org_id))
    assert page.locator("[data-testid=ticket-state]").inner_text() == "已交办"

    # 3. the enterprise rectifies and submits its evidence
    _login(page, live_server, "qiye", "/hazards")
    page.goto(ticket_url)
    _act(page, "start")
    _act(page, "submit", note="液化气瓶已加装固定链条，纸箱已清理", photo=photo)
    assert page.locator("[data-testid=ticket-state]").inner_text() == "待复查"
    page.screenshot(path=str(artifacts_dir / "hazards-3-rectified.png"), full_page=True)

    # 4. the inspector re-inspects on site and closes the ticket
    _login(page, live_server, "jiancha", "/hazards")
    page.goto(ticket_url)
    _act(page, "pass", note="现场复查：气瓶已固定，通道畅通", photo=photo)
    assert page.locator("[data-testid=ticket-state]").inner_text() == "复查通过待销号"
    _act(page, "close", note="同意销号")
    assert page.locator("[data-testid=ticket-state]").inner_text() == "已销号"
    timeline = page.locator("[data-testid=timeline] li")
    assert timeline.count() == 6
    assert "上报" in timeline.nth(0).inner_text() and "销号" in timeline.nth(5).inner_text()
    assert page.locator("[data-testid=timeline] img").count() == 3  # report, rectification, re-inspection
    page.screenshot(path=str(artifacts_dir / "hazards-4-closed.png"), full_page=True)

    page.goto(f"{live_server}/hazards/stats")
    assert "按区划" in page.content()
    page.screenshot(path=str(artifacts_dir / "hazards-5-stats.png"), full_page=True)
