"""Benchmark: what the hash-chained timeline costs (issue #12 point 4, its foundation).

On a fresh embedded database: opens ``--incidents`` incidents through the service and appends ``--entries``
notes to each, one unit of work per note (as the API does), then verifies every chain and reads the duty desk's
list of active incidents. The baseline, measured in the same run on the same database, is the same number of
plain rows of the same size written one unit of work each into a table with no chain and no lock.
Prints one JSON object.

    .venv/bin/python bench/emergency_timeline.py [--incidents 20] [--entries 100]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from citysafe.core.config import Settings
from citysafe.core.db import unit_of_work
from citysafe.core.migrate import upgrade
from citysafe.core.pagination import PageParams
from citysafe.emergency import service, timeline
from citysafe.emergency.schemas import IncidentCreate, IncidentFilter
from citysafe.regions import service as regions_service
from citysafe.registry import new_context

T0 = datetime(2026, 5, 12, 6, 30, tzinfo=UTC)
CALL = {"category": "accident", "subtype": "collapse", "description": "基坑坍塌", "place": "玄武区某工地",
        "region_code": "320102002"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=20)
    parser.add_argument("--entries", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ctx = new_context(Settings(data_dir=Path(tmp), database_url=""))
        upgrade(ctx.engine)
        with unit_of_work(ctx.session_factory, actor="bench") as session:
            regions_service.import_packaged_jiangsu(session)
        ids = []
        for _ in range(args.incidents):
            with unit_of_work(ctx.session_factory, actor="bench") as session:
                ids.append(service.open_incident(session, incident_in=IncidentCreate.model_validate(CALL),
                                                 principal=None, settings=ctx.settings, now=T0).id)
        appends: list[float] = []
        for incident_id in ids:
            for n in range(args.entries):
                start = time.perf_counter()
                with unit_of_work(ctx.session_factory, actor="bench") as session:
                    service.append_note(session, incident=service.get(session, incident_id=incident_id), kind="note",
                                        text=f"第 {n} 条现场情况记录：救援队伍已到达，正在展开搜救", corrects_seq=None,
                                        principal=None, now=T0)
                appends.append(time.perf_counter() - start)
        with ctx.engine.begin() as conn:
            conn.execute(text("CREATE TABLE bench_plain (id INTEGER PRIMARY KEY, incident_id INTEGER, text TEXT, "
                              "hash TEXT)"))
        plain: list[float] = []
        for i in range(len(appends)):
            start = time.perf_counter()
            with ctx.engine.begin() as conn:
                conn.execute(text("INSERT INTO bench_plain (incident_id, text, hash) VALUES (:i, :t, :h)"),
                             {"i": i % args.incidents, "t": f"第 {i} 条现场情况记录：救援队伍已到达，正在展开搜救",
                              "h": "0" * 64})
            plain.append(time.perf_counter() - start)
        verify: list[float] = []
        with unit_of_work(ctx.read_session_factory) as session:
            for incident_id in ids:
                start = time.perf_counter()
                verdict = timeline.verify(session, incident=service.get(session, incident_id=incident_id))
                verify.append(time.perf_counter() - start)
                assert verdict.ok
            start = time.perf_counter()
            service.list_incidents(session, filters=IncidentFilter(active=True), params=PageParams(size=50))
            listed = time.perf_counter() - start

    def ms(values: list[float], q: float) -> float:
        return round(statistics.quantiles(values, n=100)[int(q) - 1] * 1000, 2) if len(values) > 1 else 0.0

    print(json.dumps({
        "machine": platform.platform(), "incidents": args.incidents, "entries_per_incident": args.entries + 2,
        "append_ms": {"p50": ms(appends, 50), "p95": ms(appends, 95), "p99": ms(appends, 99)},
        "baseline_plain_insert_ms": {"p50": ms(plain, 50), "p95": ms(plain, 95), "p99": ms(plain, 99)},
        "verify_ms_per_incident": {"p50": ms(verify, 50), "p95": ms(verify, 95)},
        "list_active_ms": round(listed * 1000, 2),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
