"""Helpers shared by the browser tests of the risk demo city (its fixture ``demo_city`` is in conftest)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.regions.models import Region
from citysafe.risk.service import boundaries


def clear_generated_streets(ctx: AppContext) -> None:
    """The region table outlives each test: take the demo's generated street boundaries away again."""
    with unit_of_work(ctx.session_factory) as session:
        session.execute(update(Region).where(Region.boundary_source == boundaries.GENERATED_STREETS_SOURCE).values(
            boundary=None, boundary_source=None, centroid_lon=None, centroid_lat=None, min_lon=None, min_lat=None,
            max_lon=None, max_lat=None))
    boundaries.clear_cache()


def login_city_office(page: Any, base: str, target: str) -> None:
    """Log in as the ``demo_city`` fixture's 南京市安委办 user and open ``target``."""
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", "nanjing")
    page.fill("input[name=password]", "correct-horse")
    page.click("button[type=submit]")
