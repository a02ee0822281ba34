"""Fixtures of the risk tests: an office account, a quick way to register sources, and demo streets that
are removed again afterwards (the region table is kept between tests, so generated boundaries must not leak)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from risk_helpers import XUANWU_LAKE, SourceFactory, clear_generated_streets
from tests.conftest import UserFactory

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.risk.service import boundaries


@pytest.fixture
def city(make_user: UserFactory) -> dict[str, str]:
    """Bearer headers of Nanjing's city safety office."""
    return make_user("city_office", "320100", display_name="南京市安委办")


@pytest.fixture
def add_source(client: TestClient, city: dict[str, str]) -> SourceFactory:
    """Register a source through the API; keyword arguments override the defaults."""

    def factory(name: str = "测试化工有限公司", kind: str = "hazchem_firm", at: tuple[float, float] = XUANWU_LAKE,
                headers: dict[str, str] | None = None, expect: int = 201, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "kind": kind, "responsible_unit": f"{name}（责任单位）",
                                "geometry": {"type": "Point", "coordinates": list(at)}}
        body.update(extra)
        response = client.post("/api/v1/risk/sources", json=body, headers=headers or city)
        assert response.status_code == expect, response.text
        data: dict[str, Any] = response.json()
        return data

    return factory


@pytest.fixture
def demo_streets(ctx: AppContext) -> Iterator[int]:
    """Voronoi street boundaries for Nanjing, removed after the test."""
    with unit_of_work(ctx.session_factory) as session:
        count = boundaries.generate_demo_streets(session, city_code="320100")
    yield count
    clear_generated_streets(ctx)
