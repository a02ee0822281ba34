"""Benchmark: latency of the four-colour map API on the demo city's register, over real HTTP.

Builds the demo register (Nanjing: Jiangsu's divisions, Voronoi demo streets, several thousand assessed
sources) in an embedded database, serves the app with uvicorn on a loopback port, and times
``GET /api/v1/risk/map`` for a city-level request by district, by street and by H3 cell, and a district's
streets. The baseline, measured in the same run and over the same connection, is ``GET /api/v1/health``
(authentication, routing and HTTP only). Repeated identical requests are served from the map cache until
a source changes; the last case changes the register's counters before every request, so each one is
built from the database. Prints one JSON document; the target (issue "Risk") is a p95 of at most 300 ms
for the city-level request.

    .venv/bin/python bench/risk_map_api.py [--requests 200] [--data-dir var/bench-risk]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import text

from citysafe.api import create_app
from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.migrate import upgrade
from citysafe.demo.risk import seed_demo
from citysafe.regions import service as regions_service
from citysafe.registry import load_models
from harness import free_port

PASSWORD = "bench-password"  # noqa: S105 - a throwaway account in a throwaway database
CASES = {
    "health (baseline)": ("/api/v1/health", {}),
    "city by district": ("/api/v1/risk/map", {"region": "320100", "unit": "district"}),
    "city by street": ("/api/v1/risk/map", {"region": "320100", "unit": "street"}),
    "city by H3 r7": ("/api/v1/risk/map", {"region": "320100", "unit": "h3", "res": "7"}),
    "city weighted by district": ("/api/v1/risk/map", {"region": "320100", "unit": "district", "rule": "weighted"}),
    "district by street": ("/api/v1/risk/map", {"region": "320116", "unit": "street"}),
}


def build(data_dir: Path) -> tuple[AppContext, int]:
    load_models()
    # settle_heap: served as `citysafe serve` serves (boundaries warmed and the heap frozen at start).
    ctx = AppContext.from_settings(Settings(data_dir=data_dir, database_url="", secret_key="bench",  # noqa: S106
                                            settle_heap=True))
    upgrade(ctx.engine)
    with unit_of_work(ctx.session_factory, actor="bench") as session:
        regions_service.import_packaged_jiangsu(session)
        session.flush()
        count = seed_demo(session, random.Random(2020))
        auth_service.create_user(session, user_in=UserCreate(
            username="bench", password=PASSWORD, role="city_office", region_code="320100"))
    return ctx, count


def touch(ctx: AppContext) -> None:
    """What any write to a source does to the change counters (here without changing a source)."""
    with ctx.engine.begin() as connection:
        connection.execute(text("UPDATE risk_version SET version = version + 1 WHERE county = '320102'"))



def serve(ctx: AppContext) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(ctx=ctx), host="127.0.0.1", port=port, log_level="warning",
                                          access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def measure(client: httpx.Client, path: str, params: dict[str, str], n: int,
            before: Any = None) -> dict[str, Any]:
    start = time.perf_counter()
    first = client.get(path, params=params)
    cold_ms = (time.perf_counter() - start) * 1000
    first.raise_for_status()
    for _ in range(5):  # warm caches and the connection
        client.get(path, params=params)
    times = []
    for _ in range(n):
        if before is not None:
            before()
        start = time.perf_counter()
        response = client.get(path, params=params)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    body = response.json()
    return {"requests": n, "first_ms": round(cold_ms, 1), "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 95), 1), "p99_ms": round(percentile(times, 99), 1),
            "max_ms": round(max(times), 1), "bytes": len(response.content),
            "features": len(body.get("features", [])) if isinstance(body, dict) else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--data-dir", type=Path, default=None, help="where to build the database (default: temp)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        started = time.perf_counter()
        ctx, sources = build(data_dir)
        build_s = time.perf_counter() - started
        server, thread, base = serve(ctx)
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                token = client.post("/api/v1/auth/token", data={"username": "bench", "password": PASSWORD}).json()
                client.headers["Authorization"] = f"Bearer {token['access_token']}"
                results = {name: measure(client, path, params, args.requests) for name, (path, params) in CASES.items()}
                # Every request after a change to the register: nothing can come from the result cache.
                results["city by district, each after a change"] = measure(
                    client, *CASES["city by district"], args.requests, before=lambda: touch(ctx))
        finally:
            server.should_exit = True
            thread.join(10)
    city = results["city by district"]
    uncached = results["city by district, each after a change"]
    print(json.dumps({
        "benchmark": "risk map API (GET /api/v1/risk/map) on the demo register, loopback HTTP",
        "sources": sources, "build_seconds": round(build_s, 1), "database": "SQLite (embedded, WAL)",
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine()},
        "results": results,
        "target": {"city_p95_ms_max": 300, "city_p95_ms": city["p95_ms"],
                   "city_p95_ms_uncached": uncached["p95_ms"], "met": max(city["p95_ms"], uncached["p95_ms"]) <= 300},
    }, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
