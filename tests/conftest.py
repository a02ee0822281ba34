"""Shared fixtures: every test that touches the database runs on SQLite and on PostgreSQL.

One schema per backend and test session (built by the Alembic history, so the migrations are tested
too), with Jiangsu's divisions loaded once; after each test every other table is emptied.
PostgreSQL is required: set CITYSAFE_TEST_POSTGRES_URL to point elsewhere. Running without it needs
an explicit CITYSAFE_TEST_BACKENDS=sqlite, so a missing server can never pass silently.
"""

from __future__ import annotations

import os
import uuid

# Before citysafe is imported: the suite's accounts and logins hash with argon2's cheapest parameters
# (core/security.py says why); the servers and CLI runs the tests start inherit it.
os.environ["CITYSAFE_TEST_CHEAP_PASSWORD_HASH"] = "1"
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from tests.support.snapshots import SeedSnapshots

from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.core.db import create_db_engine, make_session_factory, unit_of_work
from citysafe.core.security import TokenSigner
from citysafe.registry import EVENT_TYPES, load_models
from citysafe.risk.service.boundaries import GENERATED_STREETS_SOURCE

POSTGRES_ADMIN_URL = os.environ.get(
    "CITYSAFE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = [b for b in os.environ.get("CITYSAFE_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
KEPT_TABLES = {"region", "alembic_version"}
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist (`make test` runs two workers, ``--dist loadgroup``) the browser tests form one group, so
    one Chromium at a time shares the machine with the other worker's tests, as they did before xdist."""
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.xdist_group("browser"))


def _prepare(engine: Engine) -> None:
    from citysafe.core.migrate import upgrade
    from citysafe.regions import service as regions_service

    upgrade(engine)
    with unit_of_work(make_session_factory(engine), actor="tests") as session:
        regions_service.import_packaged_jiangsu(session)


@pytest.fixture(scope="session")
def _engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Engine]]:
    load_models()
    engines: dict[str, Engine] = {}
    pg_name = f"citysafe_test_{uuid.uuid4().hex[:8]}"
    admin: Engine | None = None
    if "sqlite" in BACKENDS:
        path = tmp_path_factory.mktemp("db") / "test.db"
        engines["sqlite"] = create_db_engine(f"sqlite:///{path}")
        _prepare(engines["sqlite"])
    if "postgresql" in BACKENDS:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        url = admin.url.set(database=pg_name).render_as_string(hide_password=False)
        engines["postgresql"] = create_db_engine(url, pool_size=5)
        _prepare(engines["postgresql"])
    yield engines
    for engine in engines.values():
        engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
        admin.dispose()


# The divisions are kept between tests, but a test's community grids (rows of the same table, made by the
# hazards demo and the grid tests) are that test's data: left behind, they overlap the next test's grids.
GRIDS = "DELETE FROM region WHERE level = 'grid'"
# Likewise the demo's generated street boundaries (risk/service/boundaries.py): left on the kept divisions,
# they make the next test locate a point to a street where it expects the district.
STREETS = ("UPDATE region SET boundary = NULL, boundary_source = NULL, centroid_lon = NULL, centroid_lat = NULL, "
           "min_lon = NULL, min_lat = NULL, max_lon = NULL, max_lat = NULL "
           "WHERE boundary_source = :source")


def _serial_sequences(tables: list[Any]) -> str:
    """One statement restarting the id sequences of these tables at 1 (a test's rolled-back inserts advance
    them too), leaving the kept tables' sequences alone."""
    columns = [(t.name, c.name) for t in tables for c in t.primary_key.columns
               if c.autoincrement in (True, "auto") and c.type.python_type is int]
    names = ", ".join(f"pg_get_serial_sequence('\"{table}\"', '{column}')" for table, column in columns)
    return f"SELECT setval(s::regclass, 1, false) FROM unnest(ARRAY[{names}]) AS s WHERE s IS NOT NULL"


def _empty_tables(engine: Engine) -> None:
    metadata = load_models().metadata
    tables = [t for t in reversed(metadata.sorted_tables) if t.name not in KEPT_TABLES]
    if engine.dialect.name == "postgresql":
        # DELETE, not TRUNCATE: a test leaves a few rows in a few tables, and TRUNCATE of ~100 tables costs
        # ~0.5 s per test (new files for every table) against a few ms here. Foreign keys are not checked
        # while everything goes (replica role), so the order and cycles do not matter.
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table.name}"'))
            conn.execute(text(GRIDS))
            conn.execute(text(STREETS), {"source": GENERATED_STREETS_SOURCE})
            conn.execute(text(_serial_sequences(tables)))
        return
    # SQLite ignores PRAGMA foreign_keys inside a transaction, and the driver runs in autocommit mode.
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        for table in tables:
            cursor.execute(f'DELETE FROM "{table.name}"')
        cursor.execute(GRIDS)
        cursor.execute(STREETS, {"source": GENERATED_STREETS_SOURCE})
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
    finally:
        raw.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ctx(backend: str, _engines: dict[str, Engine], tmp_path: Path) -> Iterator[AppContext]:
    engine = _engines[backend]
    settings = Settings(data_dir=tmp_path, database_url=engine.url.render_as_string(hide_password=False),
                        secret_key="test-secret")
    # A fresh application per test (its own bus, caches and configs) on the backend's shared engine.
    context = AppContext(settings=settings, engine=engine, signer=TokenSigner("test-secret", 3600),
                         event_types=EVENT_TYPES)
    yield context
    _empty_tables(engine)


@pytest.fixture
def client(ctx: AppContext) -> Iterator[TestClient]:
    from citysafe.api import create_app

    # Sends the console's own Origin, as a browser does on every write: cookie-authenticated writes
    # without it are refused as cross-site (web/guard.py).
    with TestClient(create_app(ctx=ctx), raise_server_exceptions=False,
                    headers={"Origin": "http://testserver"}) as test_client:
        # The hazards' overdue sweep runs once as the app starts, in a thread of its own: a test's data made
        # while it still ran could be swept (escalated) in the middle of the test. It is waited for here.
        assert test_client.portal is not None
        test_client.portal.call(ctx.extras["hazards.swept"].wait)
        yield test_client


UserFactory = Callable[..., dict[str, str]]


@pytest.fixture
def make_user(ctx: AppContext, client: TestClient) -> UserFactory:
    """Create a user and return bearer headers for it (through the real token endpoint)."""
    from citysafe.auth import service as auth_service
    from citysafe.auth.schemas import UserCreate

    counter = iter(range(1, 10_000))

    def factory(role: str = "admin", region: str = "320000", **extra: Any) -> dict[str, str]:
        username = extra.pop("username", f"{role}{next(counter)}")
        with unit_of_work(ctx.session_factory, actor="tests") as session:
            auth_service.create_user(session, user_in=UserCreate(
                username=username, password="correct-horse", role=role, region_code=region, **extra))
        response = client.post("/api/v1/auth/token", data={"username": username, "password": "correct-horse"})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return factory


@pytest.fixture(scope="session")
def seed_snapshots(tmp_path_factory: pytest.TempPathFactory) -> SeedSnapshots:
    """Seeds of the demo kept for the run (tests/support/snapshots.py): seeded once, restored after. The folder
    is the run's, above each xdist worker's own, so the workers share it."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    folder = shared / "seeds"
    folder.mkdir(exist_ok=True)
    return SeedSnapshots(folder)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
