"""Benchmark: the incident room and the duty desk under a busy day (issue #12 "Speed").

Seeds a temporary embedded database with the demo city's skeleton (divisions, organisations, accounts) and
``--incidents`` open incidents of ``--entries`` timeline entries each: the incidents through the service, their
entries written straight into the table with the chain's own hashing (emergency/calc/chain.py), so that
seeding 100,000 entries takes a minute instead of an hour; one chain per incident is verified before the
server starts, so a seed that the service would not have written fails the run.

Then a real ``citysafe serve`` process: ``--streams`` clients open the live timeline
(``GET /api/v1/emergency/incidents/{id}/stream``, server-sent events) spread over ``--rooms`` incidents,
and the city office (``nanjing``) records ``--notes`` notes (记录) on those incidents through the API
(``POST …/timeline``), one after another. For each note, the delay from sending the POST to its entry
arriving on each stream of its incident is one sample ("a new timeline entry is visible on every
stream": a note not seen on a stream counts as missing). Meanwhile ``--desk-clients`` browsers (cookie
sessions) fetch the duty desk (``/emergency``) and, as the baseline in the same run, ``/api/v1/health``,
in turn.

Prints one JSON document; the targets are stream delivery p99 ≤ 500 ms and the desk p95 ≤ 200 ms.

    .venv/bin/python bench/emergency.py [--incidents 1000] [--entries 100] [--streams 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from harness import free_port, wait_healthy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.busy_city import PASSWORD, seed

CITYSAFE = str(Path(sys.executable).with_name("citysafe"))
SUBTYPES = ("fire", "collapse", "road_traffic", "poisoning_asphyxia")
T0 = datetime.now(UTC) - timedelta(hours=6)


def seed_incidents(data_dir: Path, incidents: int, entries: int) -> list[int]:
    """Open incidents through the service, then give each ``entries`` chained entries in bulk."""
    from sqlalchemy import insert, update

    from citysafe.core.config import Settings
    from citysafe.core.db import unit_of_work
    from citysafe.emergency import service, timeline
    from citysafe.emergency.calc import chain
    from citysafe.emergency.models import Incident, TimelineEntry
    from citysafe.emergency.schemas import IncidentCreate
    from citysafe.registry import new_context

    ctx = new_context(Settings(data_dir=data_dir, database_url=""))
    districts = ("320102", "320104", "320105", "320106", "320111", "320113", "320114", "320115")
    ids: list[int] = []
    with unit_of_work(ctx.session_factory, actor="bench") as session:
        for n in range(incidents):
            call = IncidentCreate.model_validate({
                "category": "accident", "subtype": SUBTYPES[n % len(SUBTYPES)], "region_code": districts[n % 8],
                "description": f"第 {n} 起：现场情况正在核实", "place": f"南京市某路 {n} 号"})
            ids.append(service.open_incident(session, incident_in=call, principal=None, settings=ctx.settings,
                                             now=T0 + timedelta(seconds=n)).id)
    with unit_of_work(ctx.session_factory, actor="bench") as session:
        for incident_id in ids:
            incident = session.get_one(Incident, incident_id)
            head, seq, rows = incident.timeline_head, incident.timeline_length, []
            for k in range(max(0, entries - seq)):
                seq += 1
                at = T0 + timedelta(minutes=1 + k)
                content = {"incident_id": incident_id, "seq": seq, "kind": "note",
                           "text": f"第 {k} 条现场记录：救援队伍已到达，正在展开搜救", "actor": "bench", "at": at,
                           "payload": {}}
                digest = chain.link(content, head)
                rows.append({**content, "region_code": incident.region_code, "actor_id": None, "prev_hash": head,
                             "hash": digest})
                head = digest
            if rows:
                session.execute(insert(TimelineEntry), rows)
            session.execute(update(Incident).where(Incident.id == incident_id)
                            .values(timeline_length=seq, timeline_head=head))
    with unit_of_work(ctx.read_session_factory) as session:
        verdict = timeline.verify(session, incident=session.get_one(Incident, ids[-1]))
        assert verdict.ok, verdict
    ctx.engine.dispose()
    return ids


def _quantile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)


async def _login_cookie(client: httpx.AsyncClient) -> None:
    answer = await client.post("/login", data={"username": "nanjing", "password": PASSWORD, "next": "/"})
    assert answer.status_code == 303, answer.status_code


async def _stream(client: httpx.AsyncClient, incident_id: int, after: int, seen: dict[str, float],
                  ready: asyncio.Event, stop: asyncio.Event, counter: list[int]) -> None:
    """One browser on one incident's stream: notes the arrival time of each entry by its text."""
    async with client.stream("GET", f"/api/v1/emergency/incidents/{incident_id}/stream?after={after}",
                             timeout=None) as answer:
        assert answer.status_code == 200, answer.status_code
        event = ""
        async for line in answer.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
                if event == "hello":
                    counter[0] += 1
                    if counter[0] >= counter[1]:
                        ready.set()
            elif line.startswith("data:") and event == "entry":
                text = json.loads(line[5:]).get("text", "")
                if text.startswith("BENCH-"):
                    seen.setdefault(text, time.perf_counter())
            if stop.is_set():
                return


async def _desk(client: httpx.AsyncClient, stop: asyncio.Event, out: dict[str, list[float]],
                statuses: dict[str, dict[int, int]]) -> None:
    while not stop.is_set():
        for name, path in (("duty desk", "/emergency"), ("health (baseline)", "/api/v1/health")):
            start = time.perf_counter()
            answer = await client.get(path)
            out[name].append((time.perf_counter() - start) * 1000)
            statuses[name][answer.status_code] = statuses[name].get(answer.status_code, 0) + 1


async def run(base: str, ids: list[int], entries: int, args: argparse.Namespace) -> dict[str, Any]:
    rooms = ids[: args.rooms]
    limits = httpx.Limits(max_connections=args.streams + 10)
    async with httpx.AsyncClient(base_url=base, timeout=60, headers={"Origin": base}) as api, \
            httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as streams_client:
        token = (await api.post("/api/v1/auth/token", data={"username": "nanjing", "password": PASSWORD})).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        streams_client.headers.update(auth)
        seen: list[dict[str, float]] = [{} for _ in range(args.streams)]
        ready, stop = asyncio.Event(), asyncio.Event()
        counter = [0, args.streams]
        readers = [asyncio.create_task(_stream(streams_client, rooms[n % len(rooms)], entries, seen[n], ready, stop,
                                               counter)) for n in range(args.streams)]
        try:
            await asyncio.wait_for(ready.wait(), 120)
        except TimeoutError:
            failed = [t.exception() for t in readers if t.done() and t.exception() is not None]
            raise RuntimeError(f"only {counter[0]} of {args.streams} streams opened in 120 s; "
                               f"first failures: {failed[:3]!r}") from None
        desk_times: dict[str, list[float]] = defaultdict(list)
        desk_status: dict[str, dict[int, int]] = defaultdict(dict)
        desk_clients = [httpx.AsyncClient(base_url=base, timeout=60, headers={"Origin": base})
                        for _ in range(args.desk_clients)]
        for client in desk_clients:
            await _login_cookie(client)
        desks = [asyncio.create_task(_desk(client, stop, desk_times, desk_status)) for client in desk_clients]
        sent: dict[str, tuple[int, float]] = {}
        for n in range(args.notes):
            incident_id = rooms[n % len(rooms)]
            text = f"BENCH-{n} 现场指挥部：扩大警戒范围至两个路口"
            sent[text] = (incident_id, time.perf_counter())
            answer = await api.post(f"/api/v1/emergency/incidents/{incident_id}/timeline", json={"text": text},
                                    headers=auth)
            assert answer.status_code == 201, answer.text
            await asyncio.sleep(args.gap)
        await asyncio.sleep(3)  # the last notes reach every stream
        stop.set()
        for task in (*readers, *desks):
            task.cancel()
        outcomes = await asyncio.gather(*readers, *desks, return_exceptions=True)
        failures = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, asyncio.CancelledError)]
        for client in desk_clients:
            await client.aclose()
    delays: list[float] = []
    missing = 0
    for n in range(args.streams):
        room = rooms[n % len(rooms)]
        for text, (incident_id, at) in sent.items():
            if incident_id != room:
                continue
            if text in seen[n]:
                delays.append((seen[n][text] - at) * 1000)
            else:
                missing += 1
    return {
        "client_failures": [repr(f) for f in failures[:5]],
        "stream_delivery": {"samples": len(delays), "missing": missing, "p50_ms": _quantile(delays, 50),
                            "p99_ms": _quantile(delays, 99), "max_ms": round(max(delays), 1) if delays else None},
        "pages": {name: {"n": len(times), "p50_ms": _quantile(times, 50), "p95_ms": _quantile(times, 95),
                         "status": desk_status[name]} for name, times in desk_times.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=100)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--rooms", type=int, default=10, help="incidents the streams are spread over")
    parser.add_argument("--notes", type=int, default=50)
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between two notes")
    # The duty officers on shift at the same time (a city and a few districts), each with the desk open.
    parser.add_argument("--desk-clients", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citysafe-bench-emergency-") as tmp:
        data_dir = Path(tmp)
        started = time.perf_counter()
        seed(data_dir)
        ids = seed_incidents(data_dir, args.incidents, args.entries)
        seeded = time.perf_counter() - started
        port = free_port()
        env = {**os.environ, "CITYSAFE_DATA_DIR": str(data_dir), "CITYSAFE_DATABASE_URL": "", "CITYSAFE_NATS_URL": ""}
        with (data_dir / "serve.log").open("ab") as log:
            server = subprocess.Popen([CITYSAFE, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                wait_healthy(client, tries=1800)
            try:
                result = asyncio.run(run(f"http://127.0.0.1:{port}", ids, args.entries, args))
            except Exception:
                print((data_dir / "serve.log").read_text()[-3000:], file=sys.stderr)
                raise
        finally:
            server.terminate()
            server.wait(30)
    stream_p99 = result["stream_delivery"]["p99_ms"]
    desk_p95 = result["pages"].get("duty desk", {}).get("p95_ms")
    print(json.dumps({
        "incidents": args.incidents, "entries_per_incident": args.entries, "streams": args.streams,
        "rooms": args.rooms, "notes": args.notes, "desk_clients": args.desk_clients,
        "seed_seconds": round(seeded, 1), **result,
        "targets": {"stream_p99_ms": 500, "desk_p95_ms": 200},
        "met": {"stream_p99": stream_p99 is not None and stream_p99 <= 500
                and result["stream_delivery"]["missing"] == 0,
                "desk_p95": desk_p95 is not None and desk_p95 <= 200},
    }, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
