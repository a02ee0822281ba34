"""The demo city as its visitors see it in Chromium (issue #11 point 10): a hazard ticket whose photos are
generated site scenes marked 示例, and the operator's board after an hour of the demo's simulated traffic
with the demo operator at work — a few open alarms, fires judged, names and addresses of real districts.
Screenshots go to artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.e2e.e2e_support import login_as
from tests.support.demo_parts import PASSWORD, remove_grids, seed_city, simulated_hour

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch import service as fw
from citysafe.hazards.tickets.models import HazardAttachment, HazardTicket

pytestmark = pytest.mark.e2e


@pytest.fixture
def ctx(ctx: AppContext) -> Iterator[AppContext]:
    """The demo stores its photos beside an embedded database (demo/hazards.py); serve them from there."""
    database = ctx.engine.url.database
    assert database
    ctx.settings = ctx.settings.model_copy(update={"data_dir": Path(database).parent})
    yield ctx
    remove_grids(ctx)


@pytest.mark.timeout(300)
def test_hazard_ticket_shows_its_sample_site_photos(ctx: AppContext, live_server: str, browser_page: Any,
                                                    page_problems: list[str], artifacts_dir: Path) -> None:
    seed_city(ctx, with_firewatch=False, with_hazards=True)
    with unit_of_work(ctx.session_factory) as session:
        ticket_id = session.scalars(select(HazardTicket.id).join(HazardAttachment, HazardAttachment.ticket_id
                                    == HazardTicket.id).where(HazardTicket.state == "closed",
                                                              HazardTicket.region_code.startswith("320102"))
                                    .order_by(HazardTicket.id)).first()
    assert ticket_id is not None
    page = browser_page
    login_as(page, live_server, "xuanwu", PASSWORD, f"/hazards/tickets/{ticket_id}")
    photos = page.locator(".photos img")
    assert photos.count() >= 2
    page.wait_for_load_state("networkidle")
    # Every photo loaded as an image (a broken one has no natural width).
    widths = page.eval_on_selector_all(".photos img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert widths and all(w == 480 for w in widths), widths
    page.screenshot(path=str(artifacts_dir / "demo-1-ticket-with-sample-photos.png"), full_page=True)
    page.goto(live_server + str(page.get_attribute(".photos a", "href")))  # the photo itself, full size
    page.screenshot(path=str(artifacts_dir / "demo-1b-sample-photo.png"))
    # A bare image has no page to name an icon, so Chromium asks for /favicon.ico: not the console's fault.
    page_problems[:] = [p for p in page_problems if "favicon.ico" not in p]


@pytest.mark.timeout(300)
def test_the_board_after_a_simulated_hour(ctx: AppContext, live_server: str, browser_page: Any,
                                          artifacts_dir: Path) -> None:
    seed_city(ctx)
    sent = simulated_hour(ctx, end=datetime.now(UTC).replace(microsecond=0))
    with unit_of_work(ctx.session_factory) as session:
        open_fires = fw.open_alarms(session, kinds={"fire"})
    assert len(open_fires) <= 3, (sent, open_fires)
    page = browser_page
    login_as(page, live_server, "operator", PASSWORD, "/firewatch")
    page.wait_for_selector("body")
    text = page.inner_text("main")
    assert "示范" not in text and "demo" not in text.lower()
    page.screenshot(path=str(artifacts_dir / "demo-2-board-after-an-hour.png"), full_page=True)
