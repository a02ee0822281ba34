"""Names, not codes (issue #11, point 4) in Chromium, on the whole demo city: the header names the user's
division, an escalated ticket names where it was escalated to, a networked unit names its components'
types, a risk source names its assessment method and preset, the white paper list names its region and its
preparer, and a refused form names its field as the form does. Screenshots in artifacts/names-*.png."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.e2e.e2e_support import login_as
from tests.support.demo_parts import seed_whole_demo
from tests.support.snapshots import SeedSnapshots
from tests.web.console_scan import DIVISION_CODE
from tests.web.test_console_words import PASSWORD, path_ids

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.registry.models import Component, Uitd
from citysafe.hazards.tickets.models import HazardTicket
from citysafe.risk.whitepaper import service as whitepaper

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]  # the whole demo city is seeded first


def _login(page: Any, base: str, username: str, target: str) -> None:
    login_as(page, base, username, PASSWORD, target)


def _no_code(text: str) -> None:
    assert not DIVISION_CODE.search(text), text


def test_pages_name_what_they_show(ctx: AppContext, seed_snapshots: SeedSnapshots, live_server: str, browser_page: Any,
                                   artifacts_dir: Path, tmp_path: Path) -> None:
    seed_whole_demo(ctx, seed_snapshots)
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        ids = path_ids(session)
        # The ticket is read by 玄武's office: the first escalated ticket of 玄武 (the demo spreads them over
        # six districts, so the scan's "richest ticket" may lie elsewhere).
        ids["ticket_id"] = session.scalars(select(HazardTicket.id).where(
            HazardTicket.escalation_step > 0, HazardTicket.region_code.startswith("320102"))
            .order_by(HazardTicket.id)).first() or 0
        escalated_to = session.scalar(select(HazardTicket.escalation_region_code)
                                      .where(HazardTicket.id == ids["ticket_id"]))
        unit_types = set(session.scalars(select(Component.component_type).join(Uitd, Uitd.id == Component.uitd_id)
                                         .where(Uitd.unit_id == ids["unit_id"])))
        whitepaper.build(session, settings=ctx.settings, region_code="320100", year=2024, out_dir=tmp_path,
                         formats=("html",), author="nanjing", at=ctx.clock.now())
    assert escalated_to and unit_types
    # The demo keeps its photos beside its SQLite file (demo/hazards.py); the tests' database file is shared
    # by the session, so the photos are copied to where this application serves them from.
    seeded_at = Path(ctx.engine.url.database or "").parent / "uploads"
    if seeded_at.is_dir():
        shutil.copytree(seeded_at, ctx.settings.data_dir / "uploads", dirs_exist_ok=True)
    page = browser_page
    base = live_server

    # 1. the header names the user's division; an escalated ticket names where it went, and its own division
    _login(page, base, "xuanwu", f"/hazards/tickets/{ids['ticket_id']}")
    assert page.inner_text("[data-testid=current-region]") == "玄武区"
    badges = page.inner_text("h1 + p")
    assert re.search(r"已督办至(南京市|江苏省)（第 \d 级）", badges), badges
    assert page.inner_text("[data-testid=ticket-region]").startswith("玄武区")
    _no_code(page.inner_text("main") + page.inner_text("header"))
    page.screenshot(path=str(artifacts_dir / "names-ticket-escalated.png"), full_page=True)

    # 2. a networked unit names its components' types (GB/T 26875.3 table 5), not their numbers
    _login(page, base, "nanjing", f"/firewatch/units/{ids['unit_id']}")
    assert page.inner_text("[data-testid=current-region]") == "南京市"
    types = page.locator("[data-testid=component-type]").all_inner_texts()
    assert types and all(re.search(r"[\u4e00-\u9fff]", t) and not t.strip().isdigit() for t in types), types
    _no_code(page.inner_text("main"))
    page.screenshot(path=str(artifacts_dir / "names-firewatch-unit.png"), full_page=True)

    # 3. a risk source names its assessment method and preset; the preset select offers names
    page.goto(f"{base}/risk/sources/{ids['source_id']}")
    methods = page.locator("[data-testid=assessment-method]").all_inner_texts()
    assert any("风险矩阵" in m for m in methods) and not any("MATRIX" in m.upper() for m in methods), methods
    presets = page.locator("[data-testid=assessment-preset]").all_inner_texts()
    assert any(p.startswith("风险矩阵 M") for p in presets), presets
    options = page.locator("select[name=matrix_preset] option").all_inner_texts()
    assert all(o.startswith("风险矩阵 ") for o in options), options
    page.screenshot(path=str(artifacts_dir / "names-risk-source.png"), full_page=True)

    # 4. the white paper page names the region and the preparer (not 320100 and nanjing)
    page.goto(f"{base}/risk/whitepaper")
    row = page.locator("#reports tbody tr").first
    assert "南京市" in row.inner_text() and "320100" not in row.inner_text()
    assert page.inner_text("[data-testid=report-author]") == "南京市安委办（南京市 · 市安委办）"
    page.screenshot(path=str(artifacts_dir / "names-whitepaper.png"), full_page=True)

    # 5. a refused form names the field as the form does, in Chinese (the location from a broken GPS fix)
    _login(page, base, "grid", "/hazards/report")
    page.select_option("select[name=category]", index=1)
    page.fill("textarea[name=description]", "消防通道堆放杂物")
    page.evaluate("document.getElementById('lon').value = '518.8'; document.getElementById('lat').value = '32.05'")
    page.wait_for_function("!document.getElementById('geo').textContent.includes('正在获取')")
    assert not re.search(r"[A-Za-z]", page.inner_text("[data-testid=geo]")), page.inner_text("[data-testid=geo]")
    page.click("#submit-report")
    error = page.inner_text("[data-testid=flash-error]")
    assert "经度" in error and "location" not in error and "body" not in error, error
    page.screenshot(path=str(artifacts_dir / "names-form-error.png"), full_page=True)

    # 6. the maps' numbers say what they count: risk sources per district, networked units per cluster
    _login(page, base, "nanjing", "/risk")
    page.wait_for_selector("#map[data-loaded='320100:district']")
    counts = page.locator("#units li small.count").all_inner_texts()
    assert counts and all(re.fullmatch(r"风险源 \d+", c) for c in counts), counts
    assert not DIVISION_CODE.search(page.inner_text("#region-meta")), page.inner_text("#region-meta")
    page.screenshot(path=str(artifacts_dir / "names-risk-map.png"))
    page.goto(f"{base}/firewatch/map")
    page.wait_for_selector(".fw-cluster")
    title = page.locator(".fw-cluster").first.get_attribute("title") or ""
    assert re.fullmatch(r"联网单位 \d+ 家", title), title
