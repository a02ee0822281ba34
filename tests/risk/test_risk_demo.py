"""The demo city's risk register reads like a city's: thousands of assessed sources of every kind, placed
in their districts' streets (generated, and saying so), with a plausible mix of levels."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from risk_helpers import clear_generated_streets
from sqlalchemy import func, select

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.demo.risk import seed_demo
from citysafe.risk.enums import KINDS
from citysafe.risk.models import RiskAssessment, RiskSource


@pytest.fixture
def demo(ctx: AppContext) -> Iterator[int]:
    with unit_of_work(ctx.session_factory, actor="demo") as session:
        count = seed_demo(session, random.Random(2020))
    yield count
    clear_generated_streets(ctx)


@pytest.mark.timeout(300)  # the demo fixture seeds the whole risk register: 52-77 s of setup on a loaded machine
def test_demo_register(ctx: AppContext, client: TestClient, city: dict[str, str], demo: int) -> None:
    assert demo > 4000
    with unit_of_work(ctx.session_factory) as session:
        kinds = Counter(dict(session.execute(select(RiskSource.kind, func.count()).group_by(RiskSource.kind)).all()))
        levels = Counter(dict(session.execute(
            select(RiskSource.current_level, func.count()).group_by(RiskSource.current_level)).all()))
        assessments = session.scalar(select(func.count()).select_from(RiskAssessment))
        streets = session.scalar(select(func.count()).select_from(RiskSource)
                                 .where(func.length(RiskSource.region_code) == 9))
    assert set(kinds) == set(KINDS)  # every kind of the four domains
    assert assessments == demo and None not in levels  # every source assessed
    assert streets == demo  # each placed in the (generated) street containing it
    share = {level: n / demo for level, n in levels.items()}
    assert share["red"] < 0.05 and 0.08 < share["orange"] < 0.25 and share["blue"] > 0.3
    assert kinds["small_venue"] > kinds["hazchem_firm"] > kinds["major_hazard"] > kinds["tailings_pond"]

    body = client.get("/api/v1/risk/map", headers=city, params={"region": "320100", "unit": "street"}).json()
    assert len(body["features"]) == 140 and body["totals"]["total"] == demo and body["totals"]["unassigned"] == 0
    assert body["notes"][0] == "街道边界为演示用 Voronoi 自动生成，并非官方边界"
    # the demo's live fire alarms raise their sources one level for a stated time, and the map says so
    assert all("临时上调一级至" in note for note in body["notes"][1:])
    # The default rule (risk density) tells the districts apart; "highest wins" paints nearly all red.
    def district_levels(**rule: str) -> list[str]:
        found = client.get("/api/v1/risk/map", headers=city, params={"region": "320100", "unit": "district", **rule})
        return [f["properties"]["level"] for f in found.json()["features"]]
    assert len(set(district_levels())) >= 3
    assert district_levels(rule="highest").count("red") >= 9 and len(set(district_levels(rule="highest"))) <= 2
    raised = client.get("/api/v1/risk/stats", headers=city, params={"region": "320100"}).json()["summary"]["raised"]
    assert raised > 0  # the demo shows the dynamic level at work
    chemical = client.get("/api/v1/risk/sources", headers=city, params={"kind": "major_hazard", "size": 1}).json()
    assert chemical["items"][0]["organization_id"] is not None  # installations belong to registered firms
