"""Benchmark: CPU time per request of the console's busiest pages (issue #11 "Speed"), in one process.

bench/console.py measures what 20 browsers wait for; on a shared machine those waits are mostly queueing
behind other work. This one measures what each request costs the server: the demo city of
bench/console.py (its skeleton, 40 networked units, the risk register of Nanjing) is seeded into a temporary
SQLite file, the app is built in this process and the city office ``nanjing``, logged in with a session
cookie, fetches each page of a browser round ``--repeat`` times after one warm pass, through httpx's ASGI
transport with the worker-thread hops run inline (so a profile sees the whole request in one thread). Per
page it prints the CPU milliseconds per fetch (``time.process_time``, mean and median; the client's share is
what the baseline ``/api/v1/health`` shows), the median wall milliseconds and the SQL statements per fetch
(a count that does not depend on how busy the machine is). ``--profile NAME``
writes a cProfile of that page's fetches to ``--profile-out`` (open it with ``python -m pstats``).

With ``--changes`` every fetch follows a small write the page reads (a new hazard ticket, a new alarm, a
changed risk assessment, in turn), so caches keyed by what a page reads must recompute: the cost of a page
when its data keeps changing.

    .venv/bin/python bench/console_cpu.py [--repeat 30] [--changes] [--profile workbench]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
from sqlalchemy import event

from citysafe.core.context import AppContext

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tests.support.busy_city import PASSWORD

from console import PAGES, seed_with_risk_register


def _writer(client: httpx.AsyncClient, ctx: AppContext) -> Callable[[int], Awaitable[None]]:
    """A write that some page reads, a different one each call: a hazard report, a risk source, a fire alarm."""
    from datetime import UTC, datetime

    from citysafe.core.db import unit_of_work
    from citysafe.demo.firewatch import CENTRE, component_address, uitd_address
    from citysafe.firewatch import service as fw

    headers: dict[str, dict[str, str]] = {}

    async def bearer(username: str) -> dict[str, str]:
        if username not in headers:
            answer = await client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            headers[username] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        return headers[username]

    async def write(n: int) -> None:
        if n % 3 == 0:
            body = {"category": "nine_small", "description": f"灭火器过期（{n}）", "region_code": "320102002001"}
            answer = await client.post("/api/v1/hazards/tickets", json=body, headers=await bearer("grid"))
        elif n % 3 == 1:
            body = {"name": f"基准风险源{n}", "kind": "hazchem_firm", "responsible_unit": "玄武区应急管理局",
                    "geometry": {"type": "Point", "coordinates": [118.79 + n * 0.0001, 32.06]},
                    "assessment": {"method": "lec", "params": {"l": 3, "e": 6, "c": 7, "preset": "A"}}}
            answer = await client.post("/api/v1/risk/sources", json=body, headers=await bearer("xuanwu"))
        else:
            unit = 1 + n % 40
            frame = fw.component_status_frame(source=uitd_address(unit), destination=CENTRE, serial=n % 60000,
                                              at=datetime.now(UTC), system_type=1, system_address=1,
                                              component_type=42, component_address=component_address(1, 1 + n % 8),
                                              status=0x0003, peer="10.25.0.1:5010")
            with unit_of_work(ctx.session_factory, actor="bench") as session:
                fw.ingest_frames(session, items=[frame], clock=ctx.clock)
            return
        assert answer.status_code == 201, answer.text

    return write


async def _inline(func: Callable[..., Any], *args: Any, **_options: Any) -> Any:
    """``anyio.to_thread.run_sync`` in the calling thread: the request's work in the profiled thread."""
    return func(*args)


async def measure(data_dir: Path, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    from citysafe.api import create_app
    from citysafe.core.config import Settings

    app = create_app(Settings(data_dir=data_dir, database_url=""))
    statements = [0]

    @event.listens_for(app.state.ctx.engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        statements[0] += 1

    results: dict[str, dict[str, float]] = {}
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers={"Origin": "http://testserver"}) as client:
        login = await client.post("/login", data={"username": "nanjing", "password": PASSWORD, "next": "/"})
        assert login.status_code == 303, login.status_code
        cookie = {"Cookie": f"citysafe_session={login.cookies['citysafe_session']}"}
        write = _writer(client, app.state.ctx) if args.changes else None
        for paths in PAGES.values():  # the warm pass: first-use caches
            for path in paths:
                assert (await client.get(path, headers=cookie)).status_code == 200, path
        n = 0
        for name, paths in PAGES.items():
            cpu: list[float] = []
            wall: list[float] = []
            counted = 0
            profiler = cProfile.Profile() if name == args.profile else None
            for _ in range(args.repeat):
                if write is not None:
                    await write(n)
                    n += 1
                started_cpu, started, counted_before = time.process_time(), time.perf_counter(), statements[0]
                if profiler:
                    profiler.enable()
                for path in paths:
                    answer = await client.get(path, headers=cookie)
                    assert answer.status_code == 200, (path, answer.status_code)
                if profiler:
                    profiler.disable()
                cpu.append((time.process_time() - started_cpu) * 1000)
                counted += statements[0] - counted_before
                wall.append((time.perf_counter() - started) * 1000)
            if profiler:
                profiler.dump_stats(args.profile_out)
            results[name] = {"cpu_ms_mean": round(statistics.fmean(cpu), 1),
                             "cpu_ms_median": round(statistics.median(cpu), 1),
                             "wall_ms_median": round(statistics.median(wall), 1),
                             "statements": round(counted / args.repeat, 1)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--changes", action="store_true", help="a write before every fetch")
    parser.add_argument("--profile", choices=list(PAGES), default=None)
    parser.add_argument("--profile-out", default="console.prof")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citysafe-bench-console-cpu-") as tmp:
        seed_with_risk_register(Path(tmp))
        with mock.patch("anyio.to_thread.run_sync", _inline):
            results = asyncio.run(measure(Path(tmp), args))
    baseline = results["health (baseline)"]["cpu_ms_median"]
    round_ms = sum(r["cpu_ms_median"] for r in results.values())
    print(json.dumps({"repeat": args.repeat, "changes": args.changes, "pages": results,
                      "cpu_ms_per_browser_round": round(round_ms, 1),
                      "ratio_to_baseline": {k: round(r["cpu_ms_median"] / baseline, 1) for k, r in results.items()}},
                     ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
