"""Benchmark: what selecting an alarm on the live board costs, over real HTTP.

The board's panel asks for the alarm's detail (frames, decode, timeline, numbers) and its briefing (place,
units within 500 m, the unit's false alarms of 90 days) at once. Builds a city of ``--units`` networked
units scattered over central Nanjing (so each has neighbours within 500 m) and gives the alarm's unit
``--history`` decided fire alarms, most of them false; then times ``/api/v1/health`` (baseline: auth,
routing, HTTP), the detail and the briefing. Prints one JSON document.

    .venv/bin/python bench/alarm_panel.py [--units 5000] [--history 300] [--requests 200]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the HTTP harness of bench/risk_map_api.py
from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.migrate import upgrade
from citysafe.firewatch.alarms.models import Alarm
from citysafe.firewatch.registry.models import FireUnit
from citysafe.orgs.models import Organization
from citysafe.registry import load_models, new_context
from risk_map_api import measure, serve

PASSWORD = "bench-password"  # noqa: S105 - a throwaway account in a throwaway database
CENTRE = (118.79, 32.05)
SPREAD_DEG = 0.08  # ~8 km square: 5,000 units put a dozen or so within 500 m of any point


def build(data_dir: Path, units: int, history: int) -> tuple[AppContext, int]:
    load_models()
    ctx = new_context(Settings(data_dir=data_dir, database_url="", secret_key="bench",  # noqa: S106
                               settle_heap=True))  # served as `citysafe serve` serves (risk/warmup.py)
    upgrade(ctx.engine)
    rng = random.Random(11)
    now = ctx.clock.now()
    with unit_of_work(ctx.session_factory, actor="bench") as session:
        orgs = [Organization(name=f"联网单位{i}", kind="networked_unit", region_code="320102", address=f"中山路{i}号")
                for i in range(units)]
        session.add_all(orgs)
        session.flush()
        rows = [FireUnit(organization_id=o.id, name=o.name, region_code="320102", address=o.address,
                         lon=CENTRE[0] + rng.uniform(-SPREAD_DEG, SPREAD_DEG) / 2 if i else CENTRE[0],
                         lat=CENTRE[1] + rng.uniform(-SPREAD_DEG, SPREAD_DEG) / 2 if i else CENTRE[1],
                         contact_name="值班室", contact_phone="025-84000000", active=True)
                for i, o in enumerate(orgs)]
        session.add_all(rows)
        session.flush()
        unit = rows[0]

        def alarm(i: int, state: str, is_open: bool) -> Alarm:
            at = now - timedelta(hours=i * 7)
            return Alarm(point_key=f"bench:{i}", kind="fire", state=state, is_open=is_open, source="gb26875",
                         device_address="100001", unit_id=unit.id, organization_id=unit.organization_id,
                         unit_name=unit.name, region_code="320102", component="1号楼 3层 B区", lon=unit.lon,
                         lat=unit.lat, first_received_at=at, last_received_at=at,
                         decided_at=None if is_open else at + timedelta(minutes=4))
        session.add_all([alarm(i + 1, "false_alarm" if i % 5 else "confirmed", False) for i in range(history)])
        current = alarm(0, "new", True)
        session.add(current)
        auth_service.create_user(session, user_in=UserCreate(username="bench", password=PASSWORD, role="operator",
                                                             region_code="320100"))
        session.flush()
        return ctx, current.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--history", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ctx, alarm_id = build(Path(tmp), args.units, args.history)
        server, thread, base = serve(ctx)
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                token = client.post("/api/v1/auth/token", data={"username": "bench", "password": PASSWORD}).json()
                client.headers["Authorization"] = f"Bearer {token['access_token']}"
                cases = {"health (baseline)": "/api/v1/health",
                         "alarm detail": f"/api/v1/firewatch/alarms/{alarm_id}",
                         "alarm briefing": f"/api/v1/firewatch/alarms/{alarm_id}/briefing"}
                results = {name: measure(client, path, {}, args.requests) for name, path in cases.items()}
                briefing = client.get(cases["alarm briefing"]).json()
        finally:
            server.should_exit = True
            thread.join(10)
    for result in results.values():
        result.pop("features", None)
    print(json.dumps({
        "benchmark": "selecting an alarm on the board: detail and briefing, loopback HTTP",
        "units": args.units, "false_alarm_history": args.history, "database": "SQLite (embedded, WAL)",
        "nearby_found": len(briefing["nearby"]), "false_alarms_90_days": briefing["false_alarms"]["last_90_days"],
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine()},
        "results": results,
        "target": {"briefing_p95_ms_max": 300, "met": results["alarm briefing"]["p95_ms"] <= 300},
    }, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
