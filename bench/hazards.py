"""Benchmark: the hazard ticket list and statistics endpoints on 1,000,000 tickets in PostgreSQL.

Creates its own PostgreSQL database (dropped at the end unless --keep), applies the migrations, loads
Jiangsu's divisions and N synthetic tickets spread over every community (bulk COPY), then starts a real
``uvicorn`` server process and drives it with 16 concurrent httpx clients, each logged in as a province,
city or district office. Prints one JSON document with p50/p95/p99 (ms) per request kind and per
endpoint family, and two baselines measured in the same run: ``/api/v1/health`` under the same load (the
cost of the HTTP stack itself) and the same list/statistics service calls timed in-process on one
connection (the database's share).

Target (issue "Hazards"): p95 of the filtered list and of the statistics endpoints ≤ 200 ms.

    .venv/bin/python bench/hazards.py [--tickets 1000000] [--clients 16] [--rounds 12] [--workers 2] [--keep]

PostgreSQL: $CITYSAFE_BENCH_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import httpx
import numpy as np
from sqlalchemy import Engine, create_engine, text

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.config import Settings
from citysafe.core.db import create_db_engine, unit_of_work
from citysafe.core.migrate import upgrade
from citysafe.hazards.enums import HazardCategory, HazardSource
from citysafe.registry import load_models, new_context
from harness import free_port

ADMIN_URL = os.environ.get("CITYSAFE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway account in a throwaway database
USERS = {"province": ("province_office", "320000"), "city": ("city_office", "320100"),
         "district": ("district_office", "320102")}
# (name, family, user, path): the filters an office actually uses, from the district to the province.
SCENARIOS = [
    ("list_district_open", "list", "district", "/api/v1/hazards/tickets?open=true&size=20"),
    ("list_city_major_open", "list", "city", "/api/v1/hazards/tickets?level=major&open=true&size=20"),
    ("list_city_overdue", "list", "city", "/api/v1/hazards/tickets?overdue=true&sort=deadline&size=20"),
    ("list_province_category", "list", "province", "/api/v1/hazards/tickets?category=fire_safety&size=20"),
    ("list_province_region_state", "list", "province",
     "/api/v1/hazards/tickets?region=320500&state=rectifying&size=20"),
    ("stats_district", "stats", "district", "/api/v1/hazards/stats"),
    ("stats_city", "stats", "city", "/api/v1/hazards/stats"),
    ("stats_province", "stats", "province", "/api/v1/hazards/stats"),
    ("stats_city_category", "stats", "city", "/api/v1/hazards/stats?category=nine_small"),
    ("health", "baseline", "district", "/api/v1/health"),
]
# Tickets older than half a year are nearly all closed; recent ones are spread over the open states.
OPEN_STATES = (["reported", "assigned", "rectifying", "submitted", "reinspected", "returned"],
               [0.15, 0.20, 0.35, 0.12, 0.05, 0.13])
CATEGORY_WEIGHTS = {HazardCategory.NINE_SMALL: 6, HazardCategory.FIRE_SAFETY: 6, HazardCategory.HIGH_RISE: 3,
                    HazardCategory.GROUP_RENTAL: 3, HazardCategory.CONSTRUCTION: 3, HazardCategory.INDUSTRY_TRADE: 3,
                    HazardCategory.HAZARDOUS_CHEMICALS: 2, HazardCategory.TOWN_GAS: 2}


def communities() -> list[str]:
    text_csv = (resources.files("citysafe.regions") / "data" / "divisions.csv").read_text(encoding="utf-8")
    return [row["code"] for row in csv.DictReader(io.StringIO(text_csv)) if row["level"] == "community"]


def create_database() -> tuple[Engine, str, str]:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"citysafe_bench_hazards_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return admin, name, admin.url.set(database=name).render_as_string(hide_password=False)


def _rows(n: int, seed: int, codes: list[str], now: datetime) -> list[str]:
    rng = np.random.default_rng(seed)
    cats = [c.value for c in HazardCategory]
    weights = np.array([CATEGORY_WEIGHTS.get(HazardCategory(c), 1) for c in cats], dtype=float)
    category = rng.choice(cats, n, p=weights / weights.sum())
    source = rng.choice([s.value for s in HazardSource], n, p=[0.30, 0.40, 0.20, 0.07, 0.03])
    major = rng.random(n) < 0.03
    region = rng.choice(np.array(codes), n)
    age = rng.uniform(0, 730 * 86400, n)
    p_closed = np.where(age < 180 * 86400, 0.2 + 0.78 * age / (180 * 86400), 0.985)
    closed_draw = rng.random(n) < p_closed
    state = np.where(closed_draw, np.where(rng.random(n) < 0.03, "dismissed", "closed"),
                     rng.choice(OPEN_STATES[0], n, p=OPEN_STATES[1]))
    close_after = np.minimum(rng.exponential(20 * 86400, n), age)
    lon, lat = rng.uniform(116.4, 121.9, n), rng.uniform(30.8, 35.1, n)
    lines = []
    for i in range(n):
        created = now - timedelta(seconds=float(age[i]))
        level = "major" if major[i] else "general"
        deadline = created + timedelta(days=90 if major[i] else 30)
        closed = state[i] in ("closed", "dismissed")
        closed_at = created + timedelta(seconds=float(close_after[i])) if closed else None
        seconds = int(close_after[i]) if state[i] == "closed" else None
        late = ("t" if closed_at > deadline else "f") if seconds is not None and closed_at else None
        lines.append("\t".join([
            str(source[i]), str(category[i]), level, str(state[i]), f"隐患{i}", "批量生成的测试隐患", "[]", "", "",
            f"{lon[i]:.6f}", f"{lat[i]:.6f}", "", "", "", deadline.isoformat(),
            closed_at.isoformat() if closed_at else r"\N", str(seconds) if seconds is not None else r"\N",
            late or r"\N", "0", str(region[i]), created.isoformat(), created.isoformat()]) + "\n")
    return lines


COLUMNS = ("source, category, level, state, title, description, criteria, place_name, address, lon, lat, "
           "organization_name, responsible_name, reporter_name, deadline, closed_at, close_seconds, closed_late, "
           "escalation_step, region_code, created_at, updated_at")


def _factory(engine: Engine) -> Any:
    """Sessions of an application context on ``engine`` (the services reach their caches through it)."""
    return new_context(Settings(database_url=engine.url.render_as_string(hide_password=False),
                                secret_key="bench"), engine=engine).session_factory  # noqa: S106


def load(url: str, n: int, seed: int) -> dict[str, float]:
    load_models()
    engine = create_db_engine(url)
    started = time.perf_counter()
    upgrade(engine)
    from citysafe.regions import service as regions_service

    with unit_of_work(_factory(engine), actor="bench") as session:
        regions_service.import_packaged_jiangsu(session)
        for username, (role, region) in USERS.items():
            auth_service.create_user(session, user_in=UserCreate(username=username, password=PASSWORD, role=role,
                                                                 region_code=region))
    schema_s = time.perf_counter() - started
    codes, now = communities(), datetime.now(UTC)
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        with conn.cursor() as cursor, cursor.copy(f"COPY hazard_ticket ({COLUMNS}) FROM STDIN") as copy:
            for start in range(0, n, 100_000):
                copy.write("".join(_rows(min(100_000, n - start), seed + start, codes, now)))
        conn.commit()
    finally:
        raw.close()
    copy_s = time.perf_counter() - started
    started = time.perf_counter()
    from citysafe.hazards.tickets import tally

    with unit_of_work(_factory(engine), actor="bench") as session:
        tally.rebuild(session)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return {"schema_s": round(schema_s, 1), "copy_s": round(copy_s, 1),
            "tally_and_vacuum_s": round(time.perf_counter() - started, 1)}



def start_server(url: str, port: int, workers: int, data_dir: str,
                 extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    env = os.environ | {"CITYSAFE_DATABASE_URL": url, "CITYSAFE_DATA_DIR": data_dir,
                        "CITYSAFE_SECRET_KEY": "bench-secret", "CITYSAFE_HAZARD_SWEEP_SECONDS": "3600"}
    env |= extra_env or {}
    command = [sys.executable, "-m", "uvicorn", "citysafe.api:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, env=env)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        try:  # not listening yet: wait briefly on the process itself (and notice if it died)
            server.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        raise SystemExit("the server exited during start-up")
    server.kill()
    raise SystemExit("the server did not start")


async def drive(base: str, clients: int, rounds: int) -> dict[str, list[float]]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as login:
        tokens = {}
        for username in USERS:
            response = await login.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            response.raise_for_status()
            tokens[username] = response.json()["access_token"]
    timings: dict[str, list[float]] = {name: [] for name, *_ in SCENARIOS}

    async def client(number: int) -> None:
        order = list(SCENARIOS)
        rng = random.Random(number)
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            for _ in range(rounds):
                rng.shuffle(order)
                for name, _family, user, path in order:
                    started = time.perf_counter()
                    response = await http.get(path, headers={"Authorization": f"Bearer {tokens[user]}"})
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200:
                        raise SystemExit(f"{name}: HTTP {response.status_code} {response.text[:300]}")
                    timings[name].append(elapsed)

    await asyncio.gather(*(client(i) for i in range(clients)))
    return timings


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"n": len(ordered), "p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 1)}


def in_process_baseline(url: str, repeats: int = 7) -> dict[str, float]:
    """The same service calls the endpoints make, on one connection with no HTTP: the database's share."""
    from urllib.parse import parse_qsl, urlsplit

    from citysafe.auth.service import act_as, principal_for
    from citysafe.core.pagination import PageParams
    from citysafe.hazards.tickets import queries, stats
    from citysafe.hazards.tickets.schemas import TicketFilter

    engine = create_db_engine(url)
    factory = _factory(engine)
    out: dict[str, float] = {}
    now = datetime.now(UTC)
    for name, family, username, path in SCENARIOS:
        if family == "baseline":
            continue
        query = dict(parse_qsl(urlsplit(path).query))
        size, sort = int(query.pop("size", 50)), query.pop("sort", "-created_at")
        filters = TicketFilter.model_validate({k: ([v] if k == "state" else v) for k, v in query.items()})
        samples = []
        for _ in range(repeats):
            with factory() as session:
                from citysafe.auth.models import User

                user = session.query(User).filter_by(username=username).one()
                principal = principal_for(user)
                act_as(session, principal)
                started = time.perf_counter()
                if family == "list":
                    queries.page(session, filters=filters, params=PageParams(size=size), principal=principal, now=now,
                                 sort=sort)
                else:
                    stats.hazard_stats(session, filters=filters, principal=principal, now=now,
                                       scope_region=principal.region_code)
                samples.append((time.perf_counter() - started) * 1000)
        out[name] = round(statistics.median(samples), 1)
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=20, help="passes over every request kind per client")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    args = parser.parse_args()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    admin, name, url = create_database()
    try:
        loading = load(url, args.tickets, args.seed)
        baseline_sql = in_process_baseline(url)
        phases = {phase: run_phase(url, args, env) for phase, env in PHASES.items()}
        default = phases["default"]
        result: dict[str, Any] = {
            "benchmark": "hazards list and statistics endpoints", "tickets": args.tickets,
            "clients": args.clients, "server_workers": args.workers, "target_p95_ms": 200, "load": loading,
            "families": default["families"], "endpoints": default["endpoints"],
            "baseline": {"health_under_same_load_ms": default["endpoints"]["health"],
                         "in_process_service_median_ms": baseline_sql},
            "meets_target": all(default["families"][f]["p95"] <= 200 for f in ("list", "stats")),
            "phases": phases,
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
                        "load_average_at_start": load_at_start},
            "database": name if args.keep else "dropped",
        }
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# "default": the settings a deployment runs with (statistics and list totals cached for 30 s, cleared by
# every committed change); "uncached": the same load with that cache off, every answer computed afresh.
PHASES = {"default": {}, "uncached": {"CITYSAFE_HAZARD_STATS_CACHE_SECONDS": "0"}}


def run_phase(url: str, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(url, port, args.workers, data_dir, env)
        try:
            started = time.perf_counter()
            timings = asyncio.run(drive(f"http://127.0.0.1:{port}", args.clients, args.rounds))
            wall = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(30)
    families: dict[str, list[float]] = {}
    for scenario, family, *_ in SCENARIOS:
        families.setdefault(family, []).extend(timings[scenario])
    requests = sum(map(len, timings.values()))
    return {"settings": env or "defaults", "requests": requests, "wall_s": round(wall, 1),
            # The machine may be shared: its load while this phase ran says how much of it the bench had.
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "requests_per_s": round(requests / wall, 1),
            "families": {family: percentiles(values) for family, values in families.items()},
            "endpoints": {scenario: percentiles(values) for scenario, values in timings.items()}}


if __name__ == "__main__":
    main()
