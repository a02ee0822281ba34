"""Migration 0020_em_road_network creates exactly the table the road-network model describes, on both backends,
and its partial unique index lets only one network be in service."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.emergency.routing.models import RoadNetwork
from citysafe.registry import load_models

OURS = "em_road_network"


def test_migration_matches_the_road_network_model(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
        columns = {c["name"] for c in inspect(conn).get_columns(OURS)}
    assert [d for d in diffs if OURS in repr(d)] == []
    assert {"in_service", "source_name", "nodes", "edges", "min_lon", "max_lat", "data", "generated"} <= columns


def _row(in_service: bool) -> RoadNetwork:
    return RoadNetwork(in_service=in_service, source_name="x.osm", source_crs="wgs84", generated=False, nodes=1,
                       edges=1, min_lon=0, min_lat=0, max_lon=0, max_lat=0, speeds_source="",
                       imported_at=datetime(2026, 1, 1, tzinfo=UTC), data=b"")


def test_only_one_network_is_in_service(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        session.add_all([_row(True), _row(False), _row(False)])
    with pytest.raises(IntegrityError), unit_of_work(ctx.session_factory) as session:
        session.add(_row(True))
