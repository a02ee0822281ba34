"""Helpers shared by the risk tests (imported as ``risk_helpers``; the test folder is on sys.path)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import update

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.regions.models import Region
from citysafe.risk.service import boundaries

SourceFactory = Callable[..., dict[str, Any]]

# Points (WGS84) well inside districts of Nanjing.
XUANWU_LAKE = (118.7903, 32.0716)  # 玄武区
FUZIMIAO = (118.7886, 32.0203)  # 秦淮区
LIUHE_PARK = (118.8450, 32.2550)  # 六合区, the chemical park
JIANGNING = (118.8400, 31.9500)  # 江宁区


def lec(l: float, e: float, c: float, preset: str = "A") -> dict[str, Any]:  # noqa: E741
    return {"method": "lec", "params": {"l": l, "e": e, "c": c, "preset": preset}}


def matrix(likelihood: int, severity: int, preset: str = "M1") -> dict[str, Any]:
    return {"method": "matrix", "params": {"likelihood": likelihood, "severity": severity, "preset": preset}}


def clear_generated_streets(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        session.execute(update(Region).where(Region.boundary_source == boundaries.GENERATED_STREETS_SOURCE).values(
            boundary=None, boundary_source=None, centroid_lon=None, centroid_lat=None, min_lon=None, min_lat=None,
            max_lon=None, max_lat=None))
    boundaries.clear_cache(ctx)
