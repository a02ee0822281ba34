"""Benchmark: the console's busiest pages under the demo's simulated device traffic (issue #11 "Speed").

Seeds the demo city's skeleton (divisions, organisations, accounts, 40 networked units) plus the demo's risk
register of Nanjing into a temporary SQLite file, starts a real ``citysafe serve`` with its GB/T 26875.3
gateway and the demo's simulator sending to it (tests/support/busy_city.py), then lets ``--clients``
browsers, each logged in with its own session cookie (the city office ``nanjing``), fetch in turn the
workbench (``/``), the alarm board (``/firewatch``), the hazard list (``/hazards``), the risk map page
(``/risk``) and the map's data (``/api/v1/risk/map?region=320100``), ``--rounds`` times each. The alarm
board draws its list from the API after the page has loaded (web/static/js/firewatch-board.js ``load``:
the open alarms and the confirmed ones awaiting 119, asked for at once), so "alarm board data" fetches those
two at once, as the browser does, and counts as done when both have answered (``--in-turn``: one after the
other, as the board did before #11's speed work). The baseline, ``/api/v1/health``, is fetched
by the same clients in the same rounds. ``server_cpu_ms_per_browser_round`` is the server process's CPU time
over the measured rounds (the simulator's traffic it takes in included) divided by the browser rounds: what
the waits are made of, measured apart from the other work on the machine.

Prints one JSON document: per page the count, p50, p95 and max (ms) and the answers by status; the target
is p95 ≤ 300 ms for every page.

    .venv/bin/python bench/console.py [--clients 20] [--rounds 10]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.busy_city import PASSWORD, running_city, seed

from harness import cpu_seconds

# A page is done when each of its fetches, made one after another, has answered.
PAGES: dict[str, tuple[str, ...]] = {
    "health (baseline)": ("/api/v1/health",),
    "workbench": ("/",),
    "alarm board": ("/firewatch",),
    "alarm board data": ("/api/v1/firewatch/alarms?size=300&open=true",
                         "/api/v1/firewatch/alarms?size=100&state=confirmed"),
    "hazard list": ("/hazards",),
    "risk map page": ("/risk",),
    "risk map data": ("/api/v1/risk/map?region=320100",),
}


def seed_with_risk_register(data_dir: Path) -> None:
    """The skeleton of busy_city plus the demo's risk register, so the risk map and workbench have data."""
    from citysafe.core.config import Settings
    from citysafe.core.db import unit_of_work
    from citysafe.demo.risk import seed_demo
    from citysafe.registry import new_context

    seed(data_dir)
    ctx = new_context(Settings(data_dir=data_dir, database_url=""))
    with unit_of_work(ctx.session_factory, actor="demo") as session:
        seed_demo(session, random.Random(2020))
    ctx.engine.dispose()


def browse(base: str, rounds: int, seed_n: int, in_turn: bool = False) -> list[tuple[str, int, float]]:
    """One browser: logs in (cookie), then fetches every page ``rounds`` times in a shuffled order; a page of
    several fetches makes them at once (``in_turn``: one after the other)."""
    out: list[tuple[str, int, float]] = []
    order = list(PAGES)
    rng = random.Random(seed_n)
    with httpx.Client(base_url=base, timeout=60, headers={"Origin": base}) as client, \
            ThreadPoolExecutor(2) as fetches:
        login = client.post("/login", data={"username": "nanjing", "password": PASSWORD, "next": "/"})
        assert login.status_code == 303, login.status_code
        assert "citysafe_session" in client.cookies
        for _ in range(rounds):
            rng.shuffle(order)
            for name in order:
                start = time.perf_counter()
                paths = PAGES[name]
                answers = [client.get(p) for p in paths] if in_turn or len(paths) == 1 \
                    else list(fetches.map(client.get, paths))
                status = max(a.status_code for a in answers)  # the worst answer
                out.append((name, status, (time.perf_counter() - start) * 1000))
    return out


def _quantile(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1) if len(values) > 1 \
        else round(values[0], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of device traffic before measuring")
    parser.add_argument("--in-turn", action="store_true", help="a page's several fetches one after the other")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citysafe-bench-console-") as tmp:
        template = Path(tmp) / "template"
        template.mkdir()
        seed_with_risk_register(template)
        with running_city(Path(tmp) / "city", template) as city:
            time.sleep(args.warmup)
            frames_before = city.frames_stored()
            browse(city.base, 1, 0)  # one warm pass: first-use caches are not what a user waits for daily
            server_pid = city.procs[0].pid
            cpu_before = cpu_seconds(server_pid)
            started = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                results = [r for batch in pool.map(lambda n: browse(city.base, args.rounds, n, args.in_turn),
                                                             range(args.clients))
                           for r in batch]
            wall = time.perf_counter() - started
            server_cpu = cpu_seconds(server_pid) - cpu_before
            frames = city.frames_stored() - frames_before
    by_page: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, Counter[int]] = defaultdict(Counter)
    for name, status, ms in results:
        by_page[name].append(ms)
        statuses[name][status] += 1
    pages = {name: {"path": " + ".join(PAGES[name]), "n": len(by_page[name]), "p50_ms": _quantile(by_page[name], 50),
                    "p95_ms": _quantile(by_page[name], 95), "max_ms": round(max(by_page[name]), 1),
                    "status": dict(statuses[name])} for name in PAGES}
    print(json.dumps({"clients": args.clients, "rounds": args.rounds, "target_p95_ms": 300, "in_turn": args.in_turn,
                      "simulator": {"units": 40, "frames_per_second": 2}, "frames_stored_meanwhile": frames,
                      "wall_seconds": round(wall, 1),
                      # What one browser round costs the server, whatever else runs on the machine.
                      "server_cpu_ms_per_browser_round": round(server_cpu * 1000 / (args.clients * args.rounds), 1),
                      "pages": pages,
                      "met": {n: p["p95_ms"] <= 300 for n, p in pages.items()}}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
