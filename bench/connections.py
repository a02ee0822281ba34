"""A province on one gateway box: 100,000 concurrent UITD connections on loopback (issue #16 point 2).

The arrangement, all real processes: ``citysafe gb26875 gateway --processes G`` (SO_REUSEPORT, JetStream
sink), ``--workers`` ``citysafe gb26875 worker`` processes ingesting into a PostgreSQL database of the run's
own, one ``citysafe serve`` whose live board (the SSE stream /api/v1/firewatch/stream) hears the alarms over
NATS, and C client processes (``uitd_fleet.py``) holding the devices, each from its own 127.0.0.x source
addresses.

Phases: the gateway processes' RSS at rest (the baseline); the clients connect; the ramp's backlog drains
(at most ``--drain-timeout``); the hold, during which every device sends a heartbeat each ``--heartbeat`` s
plus some status and fault frames and answers the patrols (every ``--patrol`` s), ``--probes`` devices of
this process each send one fire and its time to AlarmRaised on the live board is measured, hop by hop
(client send → gateway receive → ACK after the JetStream ack → the worker's commit, seen as its AlarmRaised
on NATS → the SSE stream), and ``--silent`` devices per client go silent (sockets left open): the time
until the gateway closes each, and until its UnitOffline is committed (``fw_uitd.offline_since`` set,
counted in the database at the end), are the offline detection delays. The whole run keeps to
``--budget`` seconds (the hold is cut), and each scrape of a gateway's /metrics is asynchronous, so a
saturated process cannot stall the live board or the probes.

Prints one JSON document. ``--connections 2000`` for a short run while developing.

Figures on the 2-core machine shared with other engineers' runs (load average 5–15; docs/operations.md):
``--connections 10000 --gateways 2 --clients 2``, before → after the urgent lane, same session:
fire → live board p50 0.094 → 0.086 s, p99 2.06 → 0.71 s (100 fires each; the wait was between the ACK
and the worker's commit: p99 0.58 s of the 0.71 after); offline recorded in the database for 40 of 40
silenced, 126 s after silence with a 120 s patrol (bound 180 s); 3.2 KB RSS per connection.
``--connections 100000`` (defaults): ~99,500 held, the run printing its JSON in 500–660 s, 2.7–3.1 KB RSS
per connection, 120 of 120 silenced devices recorded offline in the database within the bound, the
near-limit line and metric in all 6 processes; the fire's p99 was seconds to tens of seconds there while
every heartbeat was stored, because the workers on this machine ingested barely as fast as the heartbeats
arrived. With the gateways ACKing keep-alives themselves (2026-12-07): 99,933 held in 325 s, 2.6 KB per
connection, 1,186 of 1,204 frames/s absorbed, 18/s ingested, fire p50 0.019 s, p99 0.86 s (the table in
docs/operations.md, with where the time goes). ``CITYSAFE_GB26875_HEARTBEAT_SAMPLE_SECONDS=0`` in the
environment runs the old way for comparison.
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
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from citysafe.firewatch.ingest.worker import StreamNames
from citysafe.firewatch.live.hub import NATS_SUBJECT as NATS_EVENTS
from citysafe.firewatch.protocols.gb26875 import ComponentStatus, DeviceTime, encode_description
from citysafe.firewatch.simulator import SimulatedUitd, china_now
from harness import free_port

NATS_URL = "nats://127.0.0.1:4222"
HERE = Path(__file__).resolve().parent
CITYSAFE = str(Path(sys.executable).parent / "citysafe")
PASSWORD = "correct-horse-battery"  # noqa: S105 - a throwaway database of the run
FIRST_ADDRESS = 0x0010_0000_0000
PROBE_ADDRESS = 0x0020_0000_0000
PARTITIONS = 4


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 4)


def stages(sent: dict[int, float], received: dict[int, float], acked: dict[int, float],
           committed: dict[int, float], board: dict[int, float]) -> dict[str, dict[str, float | None]]:
    """Where a fire's second goes, p50/p99 of each hop (wall clock, one machine): the client's send →
    the gateway's receive (received_at of the alarm) → the device's ACK (after the JetStream ack) → the
    worker's commit (its AlarmRaised on NATS) → the live board (SSE)."""
    hops = {"send_to_gateway": (sent, received), "gateway_to_ack": (received, acked),
            "ack_to_commit": (acked, committed), "commit_to_board": (committed, board),
            "gateway_to_commit": (received, committed)}
    out = {}
    for name, (start, end) in hops.items():
        values = [end[a] - start[a] for a in start if a in end]
        out[name] = {"p50_s": quantile(values, 0.5), "p99_s": quantile(values, 0.99)}
    return out


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def scrape(port: int) -> dict[str, float]:
    """One gateway process's /metrics; empty if it does not answer within 60 s (a saturated loop)."""
    try:
        async with httpx.AsyncClient(timeout=60) as client:
            text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    except httpx.HTTPError:
        return {}
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            if line and not line.startswith("#")}


async def fleet_figures(metrics: int, gateways: int) -> list[dict[str, float]]:
    """All processes at once, without blocking this loop (the live board and the probes run on it)."""
    return list(await asyncio.gather(*(scrape(metrics + i) for i in range(gateways))))


def total(figures: list[dict[str, float]], name: str) -> float:
    return sum(f.get(name, 0.0) for f in figures)


POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def database(name: str, *, create: bool) -> None:
    """CREATE or DROP the run's own PostgreSQL database (the province deployment's database)."""
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            statement = f'CREATE DATABASE "{name}"' if create else f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
            conn.execute(text(statement))
    finally:
        admin.dispose()


def offline_rows(url: str, addresses: list[int]) -> int:
    """Of ``addresses``, the UITDs the database holds as offline (fw_uitd.offline_since set)."""
    from sqlalchemy import bindparam, create_engine, text

    if not addresses:
        return 0
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            query = text("SELECT count(*) FROM fw_uitd WHERE offline_since IS NOT NULL AND address IN :addresses"
                         ).bindparams(bindparam("addresses", expanding=True))
            return int(conn.execute(query, {"addresses": addresses}).scalar_one())
    finally:
        engine.dispose()


async def delete_stream(names: StreamNames) -> None:
    import nats

    nc = await nats.connect(NATS_URL)
    try:
        await nc.jetstream().delete_stream(names.stream)
    finally:
        await nc.close()


async def ingest_backlog(names: StreamNames, partitions: int) -> int:
    """Frames published but not yet ingested (and acked) by the workers, over all partitions."""
    import nats

    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream()
        pending = 0
        for p in range(partitions):
            for urgent in (False, True):
                info = await js.consumer_info(names.stream, names.durable(p, urgent=urgent))
                pending += int(info.num_pending or 0) + int(info.num_ack_pending or 0)
        return pending
    finally:
        await nc.close()


def prepare(data: Path, env: dict[str, str]) -> None:
    for args in (["db", "upgrade"], ["regions", "load-jiangsu"]):
        subprocess.run([CITYSAFE, *args], env=env, check=True, capture_output=True)
    subprocess.run([CITYSAFE, "user", "create", "watch", "--role", "admin", "--region", "320000", "--password-stdin"],
                   env=env, check=True, capture_output=True, input=f"{PASSWORD}\n".encode())


async def live_board(base: str, token: str, arrivals: dict[int, float], ready: asyncio.Event,
                     received: dict[int, float]) -> None:
    """Read the SSE stream; note when each device's first AlarmRaised arrives (wall clock, as the other
    stages), and the gateway's receive time the event carries."""
    async with httpx.AsyncClient(timeout=httpx.Timeout(30, read=None)) as client, client.stream(
            "GET", f"{base}/api/v1/firewatch/stream", headers={"Authorization": f"Bearer {token}"}) as stream:
        event = ""
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
                if event == "hello":
                    ready.set()
            elif line.startswith("data:") and event == "AlarmRaised":
                payload = json.loads(line[5:])
                address = int(payload["device_address"])
                if address >= PROBE_ADDRESS and address not in arrivals:
                    arrivals[address] = time.time()
                    received[address] = datetime.fromisoformat(payload["received_at"]).timestamp()


async def worker_events(committed: dict[int, float], offline: dict[int, float]) -> None:
    """The ingest workers' AlarmRaised and UnitOffline as they relay them over NATS after the commit (the
    live board's source)."""
    import nats

    nc = await nats.connect(NATS_URL)
    try:
        async def on_message(msg: Any) -> None:
            address = int(json.loads(msg.data)["device_address"])
            if msg.subject.endswith("UnitOffline"):
                offline.setdefault(address, time.time())
            elif address >= PROBE_ADDRESS:
                committed.setdefault(address, time.time())

        await nc.subscribe(f"{NATS_EVENTS}.AlarmRaised", cb=on_message)
        await nc.subscribe(f"{NATS_EVENTS}.UnitOffline", cb=on_message)
        await asyncio.Event().wait()
    finally:
        await nc.close()


async def probe_fires(port: int, count: int, gap: float, sent: dict[int, float], acked: list[int],
                      ack_times: dict[int, float], known: float) -> None:
    """``count`` devices, each one fire; the send time is taken as the frame goes out (wall clock). Cancelled
    at the end of the hold if not done (``acked`` holds what was ACKed by then)."""
    uitds = [SimulatedUitd(PROBE_ADDRESS + i, host="127.0.0.1", port=port, ack_timeout=10) for i in range(count)]
    for uitd in uitds:
        await uitd.connect()
    # Devices among the others, known to the platform before their fire (a first frame creates the UITD's
    # row and bumps the registry version, which would make the fire wait for the row lock of whichever
    # heartbeat transaction created the last new device): one normal status each, in the urgent lane.
    for i, uitd in enumerate(uitds):
        normal = ComponentStatus(1, 1, 40, 1 << 16 | (i % 60 + 1), 0x0001, encode_description("探测器"),
                                 DeviceTime.of(china_now()))
        await uitd.send(2, [normal])
    await asyncio.sleep(known)
    for i, uitd in enumerate(uitds):
        point = ComponentStatus(1, 1, 40, 1 << 16 | (i % 60 + 1), 0x0003, encode_description("探测器"),
                                DeviceTime.of(china_now()))

        def stamp(_frame: Any, address: int = uitd.address) -> None:
            sent.setdefault(address, time.time())

        result = await uitd.send(2, [point], on_sent=stamp)
        acked.append(int(result.acked))
        if result.acked:
            ack_times[uitd.address] = time.time()
        await asyncio.sleep(gap)
    for uitd in uitds:
        await uitd.close()


async def read_client(proc: asyncio.subprocess.Process, reports: list[dict[str, Any]]) -> None:
    assert proc.stdout is not None
    while line := await proc.stdout.readline():
        reports.append(json.loads(line))


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    begun = time.monotonic()
    data = Path(tempfile.mkdtemp(prefix="bench-connections-"))
    run = uuid.uuid4().hex[:8]
    stream, db_name = f"BENCH_CONN_{run}", f"bench_connections_{run}"
    names = StreamNames.of(stream)
    database(db_name, create=True)
    env = {**os.environ, "CITYSAFE_DATA_DIR": str(data), "CITYSAFE_NATS_URL": NATS_URL,
           "CITYSAFE_DATABASE_URL": POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{db_name}",
           "CITYSAFE_GB26875_NATS_STREAM": stream, "CITYSAFE_GB26875_PARTITIONS": str(PARTITIONS),
           "CITYSAFE_GB26875_PATROL_SECONDS": str(args.patrol),
           # Every client address carries thousands of devices here; on a real network each site has its own.
           "CITYSAFE_GB26875_MAX_CONNECTIONS_PER_HOST": "30000"}
    prepare(data, env)
    port, metrics, http = free_port(), free_port(), free_port()
    log = (data / "processes.log").open("wb")
    procs = {
        "gateway": subprocess.Popen([CITYSAFE, "gb26875", "gateway", "--port", str(port), "--processes",
                                     str(args.gateways), "--metrics-port", str(metrics)], env=env, stdout=log,
                                    stderr=log),
        **{f"worker{w}": subprocess.Popen([CITYSAFE, "gb26875", "worker",
                                           *(f"--partition={p}" for p in range(w, PARTITIONS, args.workers))],
                                          env=env, stdout=log, stderr=log) for w in range(args.workers)},
        "serve": subprocess.Popen([CITYSAFE, "serve", "--port", str(http)], env=env, stdout=log, stderr=log),
    }
    clients: list[asyncio.subprocess.Process] = []
    try:
        base = f"http://127.0.0.1:{http}"
        for _ in range(600):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200 and all(
                        await fleet_figures(metrics, args.gateways)):
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
        gateway_pids = children(procs["gateway"].pid)
        rest = {pid: rss(pid) for pid in gateway_pids}
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "watch", "password": PASSWORD}
                           ).json()["access_token"]
        arrivals: dict[int, float] = {}
        received: dict[int, float] = {}
        committed: dict[int, float] = {}
        ack_times: dict[int, float] = {}
        board_ready = asyncio.Event()
        board = asyncio.create_task(live_board(base, token, arrivals, board_ready, received))
        offline_at: dict[int, float] = {}
        relayed = asyncio.create_task(worker_events(committed, offline_at))
        await asyncio.wait_for(board_ready.wait(), 60)

        per_client = (args.connections - args.probes) // args.clients
        reports: list[list[dict[str, Any]]] = [[] for _ in range(args.clients)]
        started = time.monotonic()
        for k in range(args.clients):
            sources = ",".join(f"127.0.0.{10 + args.sources * k + s}" for s in range(args.sources))
            clients.append(await asyncio.create_subprocess_exec(
                sys.executable, str(HERE / "uitd_fleet.py"), "--port", str(port), "--index", str(k),
                "--count", str(per_client), "--first-address", str(FIRST_ADDRESS + k * 1_000_000),
                "--sources", sources, "--heartbeat", str(args.heartbeat), "--silent", str(args.silent),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env))
        readers = [asyncio.create_task(read_client(c, r)) for c, r in zip(clients, reports, strict=True)]
        while not all(any(m["event"] == "connected" for m in r) for r in reports):
            if any(c.returncode is not None for c in clients):
                raise RuntimeError(f"a client process exited during the ramp: {reports}")
            await asyncio.sleep(0.5)
        ramp = time.monotonic() - started
        # The ramp's first frames (one heartbeat per device) are ingested before the hold: a fire then
        # meets the steady traffic, not the start-up backlog (whose drain is reported).
        drain_until = time.monotonic() + args.drain_timeout
        while (backlog_ramp := await ingest_backlog(names, PARTITIONS)) > args.connections // 100:
            if time.monotonic() > drain_until:
                break
            await asyncio.sleep(2)
        drained = time.monotonic() - started - ramp
        held = await fleet_figures(metrics, args.gateways)
        before_frames, before_time = total(held, "citysafe_gb26875_frames_total"), time.monotonic()
        before_keepalives = total(held, "citysafe_gb26875_keepalives_total")
        backlog_before = await ingest_backlog(names, PARTITIONS)

        silenced_at = time.time()
        for client in clients:  # the silent devices' clock starts now
            assert client.stdin is not None
            client.stdin.write(b"silence\n")
            await client.stdin.drain()
        sent: dict[int, float] = {}
        acked_list: list[int] = []
        probes = asyncio.create_task(probe_fires(port, args.probes, args.fire_gap, sent, acked_list, ack_times,
                                                 args.known_wait))
        # The hold ends by the run's time budget (the teardown of 100k connections needs its last minute).
        hold_until = min(time.monotonic() + args.hold, begun + args.budget - 60)
        peak = [f.get("citysafe_gb26875_connections", 0.0) for f in held]
        while time.monotonic() < hold_until:
            await asyncio.sleep(min(10.0, max(0.0, hold_until - time.monotonic())))
            figures = await fleet_figures(metrics, args.gateways)
            peak = [max(p, f.get("citysafe_gb26875_connections", 0.0)) for p, f in zip(peak, figures, strict=True)]
        probes.cancel()
        acked_fires = sum(acked_list)
        end = await fleet_figures(metrics, args.gateways)
        frames_rate = (total(end, "citysafe_gb26875_frames_total") - before_frames) / (time.monotonic() - before_time)
        keepalive_rate = (total(end, "citysafe_gb26875_keepalives_total") - before_keepalives
                          ) / (time.monotonic() - before_time)
        memory = {pid: rss(pid) for pid in gateway_pids if Path(f"/proc/{pid}").exists()}
        backlog_end = await ingest_backlog(names, PARTITIONS)
        # what the workers took off the stream during the hold: what was published (the frames read less the
        # keep-alives the gateways ACKed themselves) minus the backlog's growth
        published = (total(end, "citysafe_gb26875_frames_total") - before_frames
                     - (total(end, "citysafe_gb26875_keepalives_total") - before_keepalives))
        ingested_rate = (published - (backlog_end - backlog_before)) / (time.monotonic() - before_time)
        await asyncio.sleep(2)  # the last fires' (and verdicts') way to the board
        silent = [a for r in reports for m in r if m["event"] == "silenced" for a in m["addresses"]]
        offline_in_db = offline_rows(env["CITYSAFE_DATABASE_URL"], silent)
        for client in clients:
            assert client.stdin is not None
            client.stdin.write(b"stop\n")
            await client.stdin.drain()
        await asyncio.gather(*readers)
        board.cancel()
        relayed.cancel()
    finally:
        for client in clients:
            if client.returncode is None:
                client.kill()
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:  # the figures matter more than a graceful stop
                proc.kill()
                proc.wait()
        log.close()
        database(db_name, create=False)
        await delete_stream(names)
    done = [next(m for m in r if m["event"] == "done") for r in reports]
    delays = [d for r in done for d in r["offline_delays"]]
    lost_ages = [a for r in done for a in r.get("lost_ages_s", [])]
    recorded = [offline_at[a] - silenced_at for a in silent if a in offline_at]
    latencies = [arrivals[a] - sent[a] for a in sent if a in arrivals]
    connections = peak
    per_process = [(memory[pid] - rest[pid]) / max(1.0, c) for pid, c in zip(gateway_pids, connections, strict=True)
                   if pid in memory and c > 0]
    log_text = (data / "processes.log").read_text(errors="replace")
    return {
        "run_seconds": round(time.monotonic() - begun),
        "connections_held": int(sum(connections)),
        "connections_per_process": [int(c) for c in connections],
        "connections_target": args.connections,
        "ramp_seconds": round(ramp, 1),
        "connect_failures": sum(m.get("failed", 0) for r in reports for m in r if m["event"] == "connected"),
        "connect_failure_reasons": dict(sum((Counter(m.get("failure_reasons", {})) for r in reports for m in r
                                             if m["event"] == "connected"), Counter())),
        "ramp_ingest_backlog_drained_seconds": round(drained, 1),
        "ingest_backlog_after_ramp": backlog_ramp,
        "ingest_backlog_at_end": backlog_end,
        "ingested_per_second_during_hold": round(ingested_rate),
        "gateway_processes": args.gateways,
        "client_processes": args.clients,
        "client_source_addresses": args.clients * args.sources,
        "rss_per_connection_bytes": {"median": round(statistics.median(per_process)), "max": round(max(per_process)),
                                     "note": "(RSS at the end − RSS at rest) / connections, per gateway process"},
        "rss_gateway_process_mb": {"at_rest_median": round(statistics.median(rest.values()) / 2**20, 1),
                                   "held_max": round(max(memory.values()) / 2**20, 1)},
        "heartbeat_seconds": args.heartbeat,
        "patrol_seconds": args.patrol,
        "frames_per_second": round(frames_rate),
        "keepalives_acked_by_gateway_per_second": round(keepalive_rate),
        "acked_total": int(total(end, "citysafe_gb26875_acked_total")),
        "withheld_total": int(total(end, "citysafe_gb26875_withheld_total")),
        "refused_total": int(total(end, "citysafe_gb26875_refused_total")),
        "gateway_closed": {name: int(total(end, f"citysafe_gb26875_{name}_total"))
                           for name in ("offline", "unidentified", "timeouts", "dropped_invalid")},
        "client_unexpected_disconnects": sum(r["lost"] for r in done),
        "client_disconnect_reasons": dict(sum((Counter(r.get("lost_reasons", {})) for r in done), Counter())),
        "client_disconnected_after_s": {f"p{int(q * 100)}": quantile(lost_ages, q) for q in (0.0, 0.5, 1.0)},
        "offline": {"silenced": len(silent), "connection_closed": len(delays),
                    "undetected": sum(r["undetected"] for r in done),
                    "close_delay_p50_s": quantile(delays, 0.5), "close_delay_max_s": max(delays) if delays else None,
                    "recorded_unit_offline": len(recorded), "recorded_in_db": offline_in_db,
                    "recorded_delay_p50_s": quantile(recorded, 0.5), "recorded_delay_p95_s": quantile(recorded, 0.95),
                    "recorded_delay_max_s": quantile(recorded, 1.0),
                    "bound_s": args.patrol + 60,
                    "note": "closed: the gateway closed the socket; recorded: UnitOffline committed by the worker "
                            "(offline_since set in fw_uitd), both from the moment the devices went silent"},
        "fire_to_board": {"fires": len(sent), "acked": acked_fires, "on_board": len(latencies),
                          "p50_s": quantile(latencies, 0.5), "p99_s": quantile(latencies, 0.99),
                          "max_s": quantile(latencies, 1.0),
                          "stages": stages(sent, received, ack_times, committed, arrivals),
                          "slowest": sorted(((round(arrivals[a] - sent[a], 3), a - PROBE_ADDRESS) for a in sent
                                             if a in arrivals), reverse=True)[:5]},
        "near_limit": {"warning_lines": log_text.count("gateway near its"),
                       "metric_warnings": int(sum(v for f in end for k, v in f.items()
                                                  if k.startswith("citysafe_gb26875_limit_warnings_total")))},
        "data_dir": str(data),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=100_000)
    parser.add_argument("--gateways", type=int, default=6)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--sources", type=int, default=2, help="source addresses per client process")
    parser.add_argument("--heartbeat", type=int, default=300, help="seconds between a device's heartbeats")
    parser.add_argument("--patrol", type=int, default=120, help="CITYSAFE_GB26875_PATROL_SECONDS")
    parser.add_argument("--hold", type=float, default=175, help="seconds held after the ramp")
    parser.add_argument("--silent", type=int, default=20, help="devices per client that go silent")
    parser.add_argument("--probes", type=int, default=100, help="devices that each send one fire")
    parser.add_argument("--fire-gap", type=float, default=1.0)
    parser.add_argument("--known-wait", type=float, default=10.0,
                        help="seconds between the probes' first (normal) status and their fires")
    parser.add_argument("--workers", type=int, default=4, help="`citysafe gb26875 worker` processes")
    parser.add_argument("--drain-timeout", type=float, default=120, help="wait at most this for the ramp's backlog")
    parser.add_argument("--budget", type=float, default=660, help="seconds the whole run may take; the hold is cut")
    print(json.dumps(asyncio.run(bench(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
