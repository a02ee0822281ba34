"""The province dashboard in Chromium: the targets, the map with the creation objects, the ranking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.e2e.e2e_support import login_as
from tests.evaluation.test_dashboard import _registry

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work

pytestmark = pytest.mark.e2e


def test_the_province_reads_its_progress(ctx: AppContext, live_server: str, browser_page: Any,
                                         artifacts_dir: Path) -> None:
    _registry(ctx)
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        auth_service.create_user(session, user_in=UserCreate(
            username="province", password="correct-horse", role="province_office", region_code="320000",
            display_name="省安委办"))
    page = browser_page
    login_as(page, live_server, "province", "correct-horse", "/evaluation")
    page.wait_for_selector("[data-testid=progress-map][data-loaded=true]")
    assert page.locator("[data-testid=target-2020] .big").inner_text() == "2 / 13"
    assert page.locator("[data-testid=city-ranking] tbody tr").count() == 13
    assert page.locator(".leaflet-interactive").count() >= 3  # the creation objects with a place
    page.screenshot(path=str(artifacts_dir / "evaluation-progress.png"), full_page=True)
