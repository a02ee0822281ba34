"""The unit map with thousands of networked units: canvas circles in clusters, coloured by status,
recoloured live when a unit raises an alarm."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work

pytestmark = pytest.mark.e2e

UNITS = 3000


@pytest.fixture
def ctx(ctx: AppContext) -> AppContext:
    """Thousands of units around Nanjing, written in bulk (the registry API would take minutes here)."""
    from citysafe.firewatch.registry.models import FireUnit
    from citysafe.orgs.models import Organization

    rng = random.Random(5)
    districts = ["320102", "320104", "320105", "320106", "320111", "320113", "320114", "320115"]
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        session.execute(insert(Organization), [
            {"name": f"联网单位{n:04d}", "kind": "networked_unit", "region_code": districts[n % len(districts)],
             "address": f"南京市测试路{n}号", "sector": "商贸综合体"} for n in range(UNITS)])
        orgs = session.execute(select(Organization.id, Organization.name, Organization.region_code)).all()
        session.execute(insert(FireUnit), [
            {"organization_id": o.id, "name": o.name, "region_code": o.region_code, "address": "",
             "lon": round(118.6 + rng.random() * 0.5, 6), "lat": round(31.85 + rng.random() * 0.4, 6)}
            for o in orgs])
        auth_service.create_user(session, user_in=UserCreate(
            username="city", password="correct-horse", role="city_office", region_code="320100"))
    return ctx


def test_thousands_of_units_cluster_on_the_map(ctx: AppContext, live_server: str, browser_page: Any,
                                               artifacts_dir: Path) -> None:
    page = browser_page
    page.goto(f"{live_server}/firewatch/map")
    page.fill("input[name=username]", "city")
    page.fill("input[name=password]", "correct-horse")
    page.click("button[type=submit]")
    page.wait_for_selector(f"#fw-map[data-loaded='{UNITS}']")
    assert page.locator("#fw-legend li[data-status=normal] b").inner_text() == str(UNITS)
    assert page.locator(".fw-cluster").count() > 0  # clustered, not thousands of DOM markers
    assert page.locator(".leaflet-marker-icon").count() < 300
    assert "共 3000 个联网单位" in page.locator("#fw-map-meta").inner_text()
    page.screenshot(path=str(artifacts_dir / "firewatch-map-3000-units.png"))
    # an alarm event recolours its unit at once (published into the live hub as the bus would)
    page.wait_for_selector("#fw-live.on")
    with ctx.session_factory() as session:
        from citysafe.firewatch.registry.models import FireUnit

        unit = session.execute(select(FireUnit).order_by(FireUnit.id).limit(1)).scalar_one()
    ctx.extras["firewatch_live"].publish("AlarmRaised", {
        "alarm_id": 1, "kind": "fire", "state": "new", "region_code": unit.region_code, "unit_id": unit.id,
        "unit_organization_id": unit.organization_id, "unit_name": unit.name, "device_address": "100001",
        "received_at": "2026-03-01T02:00:00+00:00"})
    page.wait_for_selector("#fw-legend li[data-status=fire] b:text('1')")
    assert page.locator("#fw-legend li[data-status=normal] b").inner_text() == str(UNITS - 1)
