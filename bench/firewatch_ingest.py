"""Micro-benchmark of firewatch.ingest.service.ingest_frames alone (frames decoded beforehand, as the gateway
hands them over), on an embedded SQLite file in WAL mode, group-committed in batches.

Traffic mix per batch: mostly UITD heartbeats (type 21), normal component statuses, and a share of
fire, fault and restore reports on a few thousand points, from registered and unregistered UITDs.
Baseline, measured in the same run on a fresh database: the same number of bare raw-frame INSERTs
(Core executemany) in the same batches (no dedup, no registry, no alarm engine), i.e. the floor of durable storage.

Prints one JSON object. Usage: python bench/firewatch_ingest.py [--frames 60000] [--batch 500]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from citysafe.core.clock import FixedClock
from citysafe.core.config import Settings
from citysafe.core.db import create_db_engine, unit_of_work
from citysafe.core.migrate import upgrade
from citysafe.firewatch.bulk import table_of
from citysafe.firewatch.ingest.models import RawFrame
from citysafe.firewatch.ingest.service import ReceivedFrame, ingest_frames
from citysafe.firewatch.protocols.gb26875 import (
    ComponentStatus,
    DeviceTime,
    UitdStatus,
    build_upload,
    decode_frame,
    dedup_key,
    encode_description,
    encode_frame,
)
from citysafe.firewatch.registry import cache as regcache
from citysafe.firewatch.registry.models import FireUnit, Uitd
from citysafe.registry import load_models, new_context

START = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
UITDS = 500


MIXES = {
    # (share of component-status frames, of fire reports, of fault reports); the rest are heartbeats
    "typical": (0.20, 0.002, 0.005),
    "alarm_heavy": (0.30, 0.012, 0.009),
}


def traffic(count: int, mix: tuple[float, float, float], seed: int = 7) -> list[bytes]:
    status_share, fire_share, fault_share = mix
    rng = random.Random(seed)
    serials = [0] * UITDS
    frames = []
    for n in range(count):
        device = rng.randrange(UITDS)
        address = 100001 + device if device < UITDS * 9 // 10 else 900000 + device
        serials[device] = (serials[device] + 1) % 65536
        local = START.replace(tzinfo=None) + timedelta(hours=8, milliseconds=n)
        kind = rng.random()
        if kind >= status_share:
            objects: list[Any] = [UitdStatus(0x01, DeviceTime.of(local))]
            adu_type = 21
        else:
            status = 0x0003 if kind < fire_share else (0x0005 if kind < fire_share + fault_share else 0x0001)
            point = rng.randrange(8)
            objects = [ComponentStatus(1, 1, 40, 0x00010000 + point, status, encode_description(f"{point}号探测器"),
                                       DeviceTime.of(local))]
            adu_type = 2
        frames.append(encode_frame(build_upload(adu_type, objects, serial=serials[device], source=address,
                                                destination=88888, sent=local)))
    return frames


def fresh_db(directory: Path, name: str) -> Any:
    engine = create_db_engine(f"sqlite:///{directory / name}")
    upgrade(engine)
    return engine


def register(factory: Any) -> None:
    from citysafe.orgs.models import Organization

    with unit_of_work(factory, actor="bench") as session:
        for i in range(UITDS * 9 // 10):
            org = Organization(name=f"单位{i}", kind="networked_unit", region_code="320102002", sector="",
                               address="", contacts=[])
            session.add(org)
            session.flush()
            unit = FireUnit(organization_id=org.id, name=org.name, region_code="320102002", lon=118.8, lat=32.0)
            session.add(unit)
            session.flush()
            session.add(Uitd(address=100001 + i, unit_id=unit.id, organization_id=org.id, region_code="320102002"))
        regcache.bump(session)


def settle() -> None:
    """Collect the set-up's garbage before a timed run: the half million objects of the decoded traffic
    otherwise trigger full collections in the middle of it (~4 µs a frame that ingest did not cause)."""
    gc.collect()


def run_ingest(factory: Any, items: list[ReceivedFrame], batch: int) -> tuple[float, int]:
    clock = FixedClock(START)
    alarms = 0
    settle()
    began = time.perf_counter()
    for i in range(0, len(items), batch):
        with unit_of_work(factory, actor="bench") as session:
            outcomes = ingest_frames(session, items=items[i:i + batch], clock=clock)
        alarms += sum(len(o.alarms_raised) for o in outcomes)
    return time.perf_counter() - began, alarms


def run_baseline(factory: Any, items: list[ReceivedFrame], batch: int) -> float:
    rows = []
    for item in items:
        source, serial, digest = dedup_key(item.frame)
        rows.append({"received_at": item.received_at, "source_address": source, "destination_address": 88888,
                     "serial": serial, "command": 2, "adu_type": 2, "adu_hash": int.from_bytes(digest, "big",
                                                                                              signed=True),
                     "device_time": None, "peer": item.peer, "raw": item.raw})
    settle()
    began = time.perf_counter()
    for i in range(0, len(rows), batch):
        with unit_of_work(factory, actor="bench") as session:
            session.connection().execute(insert(table_of(RawFrame)), rows[i:i + batch])
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=60_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    load_models()
    results: dict[str, Any] = {}
    for name, mix in MIXES.items():
        raws = traffic(args.frames, mix)
        items = [ReceivedFrame(raw=r, frame=decode_frame(r), peer="10.0.0.1:50000",
                               received_at=START + timedelta(milliseconds=n)) for n, r in enumerate(raws)]
        with tempfile.TemporaryDirectory() as tmp:
            base_engine = fresh_db(Path(tmp), "baseline.db")
            settings = Settings(data_dir=Path(tmp), secret_key="bench")  # noqa: S106
            baseline_s = run_baseline(new_context(settings, engine=base_engine).session_factory, items, args.batch)
            engine = fresh_db(Path(tmp), "ingest.db")
            factory = new_context(settings, engine=engine).session_factory
            register(factory)
            ingest_s, alarms = run_ingest(factory, items, args.batch)
            base_engine.dispose()
            engine.dispose()
        results[name] = {
            "mix": {"component_status": mix[0], "fire": mix[1], "fault": mix[2]}, "alarm_reports": alarms,
            "ingest_frames_per_s": round(args.frames / ingest_s),
            "baseline_bare_inserts_per_s": round(args.frames / baseline_s),
            "ingest_vs_baseline": round(baseline_s / ingest_s, 3), "ingest_seconds": round(ingest_s, 3),
        }
    print(json.dumps({
        "benchmark": "firewatch.ingest_frames", "database": "sqlite (WAL, synchronous=NORMAL)",
        "frames": args.frames, "batch": args.batch, "uitds": UITDS, "results": results,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
