"""`bench/firewatch.py --mode nats --workers N`: the multi-process path of docs/deploy.md, end to end.

A fresh PostgreSQL database and a JetStream stream of this run's own; a gateway process (`citysafe gb26875
gateway`, or `citysafe serve --gb26875-port` where this tree has no such command) publishing to the stream
and ACKing after its ack; N `citysafe gb26875 worker` processes sharing the partitions. The same closed-loop
devices as the embedded benchmark (bench/firewatch.py: one frame in flight per device) for ``--duration`` s:

- ``gateway_acked_frames_per_s``: ACKs the devices got (each means: in the stream);
- ``committed_frames_per_s``: raw frames committed to PostgreSQL by the workers over the same window
  (rows counted at its start and end): the end-to-end rate, gateway → JetStream → workers → commit;
- ``drained_after_s``: how long after the devices stopped the workers took to commit the rest;
- ``run_frames_per_s_to_commit``: all frames of the run over the whole run (warm-up, window, drain): the
  end-to-end rate when the workers fall behind during the window and catch up after it;
- baseline, in the same run: ``bare_jetstream_publish_per_s``, this process publishing the same frames with
  the gateway's headers (message id for de-duplication) to a stream of the same configuration, pipelined
  1,000 at a time, acks awaited: what the stream itself takes, with no gateway and no worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text

from citysafe.firewatch.ingest.worker import MSG_ID_HEADER, PEER_HEADER, RECEIVED_HEADER, StreamNames, ensure_stream
from harness import free_port

NATS_URL = os.environ.get("CITYSAFE_BENCH_NATS_URL", "nats://127.0.0.1:4222")
POSTGRES_ADMIN_URL = os.environ.get("CITYSAFE_BENCH_POSTGRES_URL",
                                    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def split(partitions: int, workers: int) -> list[str]:
    """``--partitions`` ranges for ``workers`` workers: 8 over 2 → 0-3, 4-7."""
    bounds = [round(i * partitions / workers) for i in range(workers + 1)]
    return [f"{bounds[i]}-{bounds[i + 1] - 1}" for i in range(workers) if bounds[i + 1] > bounds[i]]


async def bare_publish_rate(template: bytes, seconds: float, names: StreamNames, partitions: int) -> dict[str, Any]:
    import nats

    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream(publish_async_max_pending=20_000)
        await ensure_stream(js, names)
        now = time.perf_counter()
        deadline, sent, serial = now + seconds, 0, 0
        while time.perf_counter() < deadline:
            futures = []
            for _ in range(1000):
                serial += 1
                headers = {MSG_ID_HEADER: f"bare-{serial}", PEER_HEADER: "127.0.0.1:1",
                           RECEIVED_HEADER: "2026-03-01T02:00:00+00:00"}
                futures.append(await js.publish_async(names.subject(serial % partitions), template, headers=headers))
            await asyncio.gather(*futures)
            sent += len(futures)
        elapsed = time.perf_counter() - now
        await js.delete_stream(names.stream)
    finally:
        await nc.close()
    return {"bare_jetstream_publish_per_s": round(sent / elapsed), "messages": sent}


def prepare(url: str) -> None:
    """Schema and Jiangsu's divisions in this process (a `citysafe` command would import the package again)."""
    from citysafe.core.db import create_db_engine, make_session_factory, unit_of_work
    from citysafe.core.migrate import upgrade
    from citysafe.regions import service as regions_service
    from citysafe.registry import load_models

    load_models()
    engine = create_db_engine(url, pool_size=1)
    try:
        upgrade(engine)
        with unit_of_work(make_session_factory(engine), actor="bench") as session:
            regions_service.import_packaged_jiangsu(session)
    finally:
        engine.dispose()


def duplicates(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT source_address, serial, adu_hash "
                "FROM fw_raw_frame) AS d) FROM fw_raw_frame")).scalar_one())
    finally:
        engine.dispose()


def raw_frames(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM fw_raw_frame")).scalar_one())
    finally:
        engine.dispose()


async def bench_nats(args: Any, citysafe: str, throughput: Any, wait_for_port: Any, stop: Any,
                     template: bytes) -> dict[str, Any]:
    name = f"citysafe_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    stream = f"BENCH_GB26875_{uuid.uuid4().hex[:8]}"
    names = StreamNames.of(stream)
    data_dir = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    env = {**os.environ, "CITYSAFE_DATABASE_URL": url, "CITYSAFE_DATA_DIR": str(data_dir),
           "CITYSAFE_NATS_URL": NATS_URL,
           "CITYSAFE_GB26875_NATS_STREAM": stream, "CITYSAFE_GB26875_PARTITIONS": str(args.partitions),
           "CITYSAFE_SECRET_KEY": "bench-secret-" + "x" * 24}
    procs: list[subprocess.Popen[bytes]] = []
    result: dict[str, Any] = {"mode": "nats", "workers": args.workers, "partitions": args.partitions}
    try:
        await asyncio.to_thread(prepare, url)
        gw_port = free_port()
        has_gateway = subprocess.run([citysafe, "gb26875", "gateway", "--help"], capture_output=True,
                                     check=False).returncode == 0
        gateway = ([citysafe, "gb26875", "gateway", "--port", str(gw_port), "--processes", str(args.gateways)]
                   if has_gateway else [citysafe, "serve", "--port", str(free_port()), "--gb26875-port", str(gw_port)])
        result["gateway"] = " ".join(gateway[1:3]) + ("" if has_gateway else " (no gateway command in this tree)")
        with open(data_dir / "processes.log", "wb") as log:
            procs.append(subprocess.Popen(gateway, env=env, stdout=log, stderr=log))
            for partitions in split(args.partitions, args.workers):
                procs.append(subprocess.Popen([citysafe, "gb26875", "worker", "--partitions", partitions],
                                              env=env, stdout=log, stderr=log))
        wait_for_port(gw_port, procs[0])
        await workers_pulling(names, args.partitions, procs)

        async def sample() -> tuple[int, int]:
            await asyncio.sleep(2.0)  # throughput()'s warm-up
            first = await asyncio.to_thread(raw_frames, url)
            await asyncio.sleep(args.duration)
            return first, await asyncio.to_thread(raw_frames, url)

        counting = asyncio.create_task(sample())
        measured = await throughput(gw_port, args.devices, args.duration, seed=4)
        first, last = await counting
        stopped = time.perf_counter()
        # Every frame ACKed is in the stream (which drops retransmissions); the last ones still cross the gateway.
        in_stream = -1
        while in_stream != (in_stream := await stream_messages(names)):
            await asyncio.sleep(1.0)
        committed = await asyncio.to_thread(raw_frames, url)
        while committed < in_stream and time.perf_counter() - stopped < 300:
            await asyncio.sleep(0.5)
            committed = await asyncio.to_thread(raw_frames, url)
        result["end_to_end"] = {
            "gateway_acked_frames_per_s": measured["acked_frames_per_s"],
            "ack_latency_ms": measured["ack_latency_ms"],
            "committed_frames_per_s": round((last - first) / args.duration),
            "drained_after_s": round(time.perf_counter() - stopped, 1),
            # every frame of the run over the whole run, warm-up and drain included: the pipeline's own rate
            "run_frames_per_s_to_commit": round(committed / (2.0 + args.duration + time.perf_counter() - stopped)),
            "duplicates_in_database": await asyncio.to_thread(duplicates, url),
            "frames_in_stream": in_stream,
            "frames_committed": committed,
        }
    finally:
        for proc in procs:
            stop(proc)
        admin_drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        with admin.connect() as conn:
            conn.execute(text(admin_drop))
        admin.dispose()
        await _delete_stream(stream)
        shutil.rmtree(data_dir, ignore_errors=True)
    result["baseline"] = await bare_publish_rate(template, args.duration,
                                                 StreamNames.of(f"BENCH_BARE_{uuid.uuid4().hex[:8]}"), args.partitions)
    bare = result["baseline"]["bare_jetstream_publish_per_s"]
    done = result["end_to_end"]["run_frames_per_s_to_commit"]
    result["end_to_end_share_of_bare_publish"] = round(done / bare, 3) if bare else None
    return result


async def workers_pulling(names: StreamNames, partitions: int, procs: list[subprocess.Popen[bytes]]) -> None:
    """Until every partition's durable consumer has a worker pulling from it (starting takes seconds)."""
    import nats

    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream()
        deadline = time.perf_counter() + 300
        pending = set(range(partitions))
        while pending and time.perf_counter() < deadline:
            if any(proc.poll() is not None for proc in procs):
                raise SystemExit("a gateway or worker process exited; see its log")
            for partition in sorted(pending):
                with contextlib.suppress(Exception):  # not made yet
                    info = await js.consumer_info(names.stream, f"{names.durable_prefix}-{partition:03d}")
                    if info.num_waiting:
                        pending.discard(partition)
            await asyncio.sleep(0.5)
        if pending:
            raise SystemExit(f"no worker pulls partitions {sorted(pending)}")
    finally:
        await nc.close()


async def stream_messages(names: StreamNames) -> int:
    import nats

    nc = await nats.connect(NATS_URL)
    try:
        return int((await nc.jetstream().stream_info(names.stream)).state.messages)
    finally:
        await nc.close()


async def _delete_stream(stream: str) -> None:
    import nats

    nc = await nats.connect(NATS_URL)
    try:
        await nc.jetstream().delete_stream(stream)
    except Exception:  # noqa: S110 - never created: nothing to clean
        pass
    finally:
        await nc.close()
