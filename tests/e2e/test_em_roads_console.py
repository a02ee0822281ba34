"""The 调度路网 page in Chromium: an administrator sees that dispatch measures straight lines, imports the OSM
file through the form, sees the network (nodes, segments, source, its extent on the map), then tries a malformed
file and reads the error naming it while the network stays. Screenshots are kept in artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.e2e.e2e_support import login_as
from tests.emergency.routing_samples import DATA, STREETS
from tests.web.console_scan import problems

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"


def test_import_a_road_network_from_the_console(ctx: AppContext, live_server: str, browser_page: Any,
                                                artifacts_dir: Path) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        auth_service.create_user(session, user_in=UserCreate(
            username="roads-admin", password=PASSWORD, role="admin", region_code="320000", display_name="系统管理员"))
    page = browser_page
    login_as(page, live_server, "roads-admin", PASSWORD, "/emergency/roads")
    expect(page.get_by_test_id("roads-fallback")).to_contain_text("直线距离")
    page.screenshot(path=str(artifacts_dir / "emergency-roads-1-fallback.png"), full_page=True)
    page.set_input_files("[data-testid=roads-import-form] input[name=file]", str(STREETS))
    page.click("[data-testid=roads-import-form] button[type=submit]")
    expect(page.get_by_test_id("flash-ok")).to_contain_text("7 个节点，14 条有向路段")
    expect(page.get_by_test_id("roads-source")).to_have_text("streets.osm")
    extent = page.locator("#roads-map .leaflet-overlay-pane path")
    expect(extent).to_have_count(1)  # the network's extent
    # A trial route: from C (top right) to A (top left) — against 北街's one-way, so round by 南路.
    box = extent.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] - 2, box["y"] + 2)
    page.mouse.click(box["x"] + 2, box["y"] + 2)
    expect(page.get_by_test_id("roads-route")).to_contain_text("分钟")
    expect(page.get_by_test_id("roads-route")).to_contain_text("0.82 公里")  # 822 m round the block, not 377 m
    expect(page.locator("#roads-map path.leaflet-interactive")).to_have_count(3)  # the route and its two ends
    page.screenshot(path=str(artifacts_dir / "emergency-roads-2-imported.png"), full_page=True)
    page.set_input_files("[data-testid=roads-import-form] input[name=file]", str(DATA / "malformed.osm"))
    page.click("[data-testid=roads-import-form] button[type=submit]")
    expect(page.get_by_test_id("flash-error")).to_contain_text("malformed.osm")
    expect(page.get_by_test_id("roads-source")).to_have_text("streets.osm")
    page.screenshot(path=str(artifacts_dir / "emergency-roads-3-malformed.png"), full_page=True)
    assert problems(page.content()) == []
