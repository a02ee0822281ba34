"""Benchmark: the gateway's writer process alone (firewatch.gateway.sinks.ProcessSink), no TCP.

The traffic of bench/firewatch.py (400 unregistered UITDs: heartbeats, system status, analog values,
component status), cut into batches of ``--batch`` frames as the gateway's group commits are, goes to a
real ``citysafe gb26875 ingest-writer`` child on a fresh embedded SQLite database with up to
``ProcessSink.concurrent_batches`` batches in flight; the child decodes every frame itself. Baseline, in
the same run on another fresh database: the same batches, decoded beforehand, written in this small
process by ``DatabaseSink.write`` (the thread mode's writer: one transaction per batch, no pipe).

Prints one JSON object: frames/s of each and the child's CPU per frame.

    .venv/bin/python bench/firewatch_writer.py [--frames 60000] [--batch 135]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for the traffic of bench/firewatch.py

from citysafe.core.clock import SystemClock
from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.core.migrate import upgrade
from citysafe.firewatch.gateway.sinks import DatabaseSink, ProcessSink
from citysafe.firewatch.ingest.service import ReceivedFrame
from citysafe.firewatch.protocols.gb26875 import decode_frame
from citysafe.registry import load_models
from firewatch import BASE_ADDRESS, templates
from harness import cpu_seconds

DEVICES = 400


def traffic(count: int) -> list[bytes]:
    rng = random.Random(1)
    fleet = [templates(BASE_ADDRESS + 100_000 + i, rng) for i in range(DEVICES)]
    return [fleet[n % DEVICES][(n // DEVICES) % 8].with_serial((n // DEVICES) & 0xFFFF) for n in range(count)]


def fresh(directory: Path) -> Settings:
    settings = Settings(data_dir=directory, database_url="")
    ctx = AppContext.from_settings(settings)
    upgrade(ctx.engine)
    ctx.engine.dispose()
    return settings



async def through_child(settings: Settings, batches: list[list[ReceivedFrame]]) -> dict[str, Any]:
    sink = ProcessSink(settings, on_events=lambda name, payload: None)
    await sink.start()
    try:
        assert sink._proc is not None
        pid = sink._proc.pid
        slots = asyncio.Semaphore(sink.concurrent_batches)

        async def one(batch: list[ReceivedFrame]) -> None:
            async with slots:
                if not all(await sink.store(batch)):
                    raise SystemExit("the writer withheld a batch")

        await one(batches[0])  # warm-up: the child's caches and compiled statements
        frames = sum(len(b) for b in batches[1:])
        cpu_before, began = cpu_seconds(pid), time.perf_counter()
        await asyncio.gather(*(one(b) for b in batches[1:]))
        elapsed, cpu = time.perf_counter() - began, cpu_seconds(pid) - cpu_before
    finally:
        await sink.aclose()
    return {"frames_per_s": round(frames / elapsed), "child_cpu_us_per_frame": round(cpu / frames * 1e6, 1)}


def in_process(settings: Settings, batches: list[list[ReceivedFrame]]) -> dict[str, Any]:
    ctx = AppContext.from_settings(settings)
    sink = DatabaseSink(ctx.session_factory, SystemClock())
    items = [[i._replace(frame=decode_frame(i.raw)) for i in b] for b in batches]  # decoded, as the gateway hands them
    sink.write(items[0])
    frames = sum(len(b) for b in items[1:])
    began = time.perf_counter()
    for batch in items[1:]:
        if not all(sink.write(batch)):
            raise SystemExit("the in-process writer withheld a batch")
    elapsed = time.perf_counter() - began
    ctx.engine.dispose()
    return {"frames_per_s": round(frames / elapsed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--frames", type=int, default=60_000)
    parser.add_argument("--batch", type=int, default=135)
    args = parser.parse_args()
    load_models()
    start = datetime.now(UTC)
    # The child decodes the raw bytes itself; the frame field is filled only for the in-process writer.
    frames = [ReceivedFrame(raw=raw, frame=None, peer="127.0.0.1:50000",  # type: ignore[arg-type]
                            received_at=start + timedelta(microseconds=30 * n))
              for n, raw in enumerate(traffic(args.frames))]
    batches = [frames[i:i + args.batch] for i in range(0, len(frames), args.batch)]
    with tempfile.TemporaryDirectory(prefix="citysafe-bench-") as tmp:
        child = asyncio.run(through_child(fresh(Path(tmp) / "child"), batches))
        baseline = in_process(fresh(Path(tmp) / "thread"), batches)
    print(json.dumps({
        "benchmark": "firewatch ingest writer process", "frames": args.frames, "batch": args.batch,
        "devices": DEVICES, "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "writer_process": child, "baseline_in_process_writer": baseline,
        "ratio": round(child["frames_per_s"] / baseline["frames_per_s"], 2),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
