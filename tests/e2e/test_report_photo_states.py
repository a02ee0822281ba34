"""The report photo's states on the staff detail page, in Chromium: accepted before its pixels are decoded
(public/reports/photo_jobs.py), the page says 照片处理中 until the job has run, then shows the processed copy; a
photo whose pixels do not decode is removed and the page says so. Screenshots ``artifacts/reports-photo-*.png``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.e2e.e2e_support import login_as
from tests.public.reports_support import XUANWU, hold_jobs, photo, run_jobs

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.public.reports.models import CitizenReport

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"


def _undecodable(sent: bytes) -> bytes:
    """A whole JPEG container whose scan names Huffman tables no segment defines: libjpeg refuses its pixels."""
    sos = sent.index(b"\xff\xda")
    return sent[:sos + 6] + b"\x33" + sent[sos + 7:]


def _report(live_server: str, image: bytes, description: str) -> None:
    answer = httpx.post(f"{live_server}/api/v1/public/reports", data={
        "category": "fire_safety", "description": description, "lon": str(XUANWU[0]), "lat": str(XUANWU[1]),
        "address": "玄武区某商场"}, files=[("photos", ("p.jpg", image, "image/jpeg"))], timeout=30)
    assert answer.status_code == 201, answer.text


@pytest.fixture
def held_ctx(ctx: AppContext) -> AppContext:
    hold_jobs(ctx)  # before the server starts: its photo jobs wait for the test
    return ctx


def test_the_staff_page_shows_a_photo_processing_then_shown_or_removed(held_ctx: AppContext, live_server: str,
                                                                      browser_page: Any, artifacts_dir: Path) -> None:
    ctx = held_ctx
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        auth_service.create_user(session, user_in=UserCreate(
            username="xuanwu", password=PASSWORD, role="district_office", region_code="320102",
            display_name="玄武区安委办张核实"))
    _report(live_server, photo(seed=3, size=(1600, 1200)), "商场消防通道被货物堵死，安全出口上锁")
    _report(live_server, _undecodable(photo(seed=4, size=(800, 600))), "小区楼道电动车充电，堵住安全出口")
    with unit_of_work(ctx.session_factory) as session:
        first, second = session.scalars(select(CitizenReport.id).order_by(CitizenReport.id)).all()
    page = browser_page
    page.set_viewport_size({"width": 1400, "height": 900})
    login_as(page, live_server, "xuanwu", PASSWORD, f"/reports/{first}")
    assert "照片处理中" in page.locator("[data-testid=photo-pending]").inner_text()
    assert page.locator("[data-testid=photo]").count() == 0
    page.screenshot(path=str(artifacts_dir / "reports-photo-1-processing.png"), full_page=True)

    assert run_jobs(ctx) == 2
    page.reload()
    page.wait_for_function("document.querySelector('[data-testid=photo]')?.naturalWidth > 0")
    assert page.locator("[data-testid=photo-pending]").count() == 0
    page.screenshot(path=str(artifacts_dir / "reports-photo-2-shown.png"), full_page=True)
    page.goto(f"{live_server}/reports/{second}")
    assert "无法解码" in page.locator("[data-testid=photo-unreadable]").inner_text()
    page.screenshot(path=str(artifacts_dir / "reports-photo-3-removed.png"), full_page=True)
