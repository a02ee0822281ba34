"""The 城市安全状况 indicators and the platform's evidence in Chromium: 玄武区's office has three years of
accidents in the ledger, uploads a denominators file with a rate typed into a count column and reads the refusal
naming the row and column, uploads the corrected file, and reads the table per year, the verdicts in words and a
line per rate; then the facts page with the records behind each figure. Screenshots are kept in artifacts/."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.e2e_support import login_as
from tests.emergency.plan_samples import fire_plan
from tests.evaluation.indicator_samples import BASES, add_accidents
from tests.evaluation.test_indicator_store import ACCIDENTS
from tests.web.console_scan import problems

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"


def _csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _world(ctx: AppContext, base: str) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        auth_service.create_user(session, user_in=UserCreate(
            username="xuanwu", password=PASSWORD, role="district_office", region_code="320102",
            display_name="玄武区安委办 王芳"))
        add_accidents(session, ACCIDENTS[:-1], ctx.settings)
    with httpx.Client(base_url=base, timeout=30) as http:
        token = http.post("/api/v1/auth/token", data={"username": "xuanwu", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}", "Origin": base}
        plan = http.post("/api/v1/emergency/plans", headers=headers, json=fire_plan()).json()
        http.post(f"/api/v1/emergency/plans/{plan['id']}/records", headers=headers,
                  json={"kind": "filing", "on": "2026-05-10", "authority": "玄武区应急管理局",
                        "reference": "备2026-01"})
        drill = http.post("/api/v1/emergency/drills", headers=headers, json={
            "plan_id": plan["id"], "title": "玄武区商场火灾综合应急演练", "content_kind": "comprehensive",
            "form_kind": "live", "scheduled_on": "2026-05-20", "place": "新街口某商场",
            "organizer": "玄武区应急管理局"}).json()
        http.post(f"/api/v1/emergency/drills/{drill['id']}/record", headers=headers,
                  json={"held_on": "2026-05-20", "participants": 120, "summary": "按四级响应演练"})
        http.post(f"/api/v1/emergency/drills/{drill['id']}/findings", headers=headers, json={
            "description": "三楼东侧安全出口被货物堵塞", "follow_up": "hazard", "hazard_category": "fire_safety"})
        http.post("/api/v1/emergency/shelters", headers=headers, json={
            "name": "玄武湖公园应急避难场所", "grade": "city", "space": "outdoor", "function": "comprehensive",
            "duration": "emergency", "kind": "park", "region_code": "320102",
            "location": {"lon": 118.79, "lat": 32.07}, "effective_area_m2": 30000, "facilities": ["tents", "water"]})


def test_indicators_import_and_facts(ctx: AppContext, live_server: str, browser_page: Any, artifacts_dir: Path,
                                     tmp_path: Path) -> None:
    _world(ctx, live_server)
    bad_rows = [list(r) for r in BASES]
    bad_rows[2][5] = "3.2%"
    bad = tmp_path / "玄武区指标分母（待核对）.csv"
    bad.write_bytes(_csv(bad_rows))
    good = tmp_path / "玄武区指标分母.csv"
    good.write_bytes(_csv(BASES))
    page = browser_page
    login_as(page, live_server, "xuanwu", PASSWORD, "/evaluation/indicators")
    page.set_input_files("[data-testid=bases-import] input[type=file]", str(bad))
    page.click("[data-testid=bases-import] button[type=submit]")
    error = page.locator("[data-testid=import-error]")
    error.wait_for()
    assert "第 3 行「工矿商贸就业人员」" in error.inner_text() and "百分数" in error.inner_text()
    page.screenshot(path=str(artifacts_dir / "ev-indicators-import-refused.png"), full_page=True)
    page.set_input_files("[data-testid=bases-import] input[type=file]", str(good))
    page.click("[data-testid=bases-import] button[type=submit]")
    page.locator("[data-testid=flash-ok]").wait_for()
    page.locator("#chart-gdp_death_rate canvas").wait_for()
    verdicts = page.locator("[data-testid=verdicts]").inner_text()
    assert "达标" in verdicts and "未达标" in verdicts and "数据不足" in verdicts
    assert problems(page.content()) == []
    page.screenshot(path=str(artifacts_dir / "ev-indicators.png"), full_page=True)
    page.goto(f"{live_server}/evaluation/facts?year=2026")
    rows = page.locator("[data-testid=facts] tbody tr")
    assert rows.count() >= 10
    assert "玄武区商场火灾综合应急演练" in page.locator("[data-testid=facts]").inner_text()
    assert problems(page.content()) == []
    page.screenshot(path=str(artifacts_dir / "ev-facts.png"), full_page=True)
