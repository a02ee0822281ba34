"""Benchmark: citizen reports accepted per second through the public API (issue #15 point 1), each with a
2 MB phone photo (4000×3000 JPEG with EXIF: decoded, read, stripped by re-encoding, hashed, stored).

Builds a fresh database (SQLite in a temporary folder, or PostgreSQL with --postgres: a database of its own,
dropped at the end), applies the migrations, loads Jiangsu's divisions, starts a real ``uvicorn`` server process
and drives it with ``--clients`` concurrent httpx clients. Each report comes from another client address
(X-Forwarded-For, which uvicorn trusts from loopback): the per-address limits are the defence against one sender,
not what is measured here. Baseline in the same run and under the same concurrency: ``/api/v1/health``.
Prints one JSON document.

Target (brief): ≥ 200 reports/s accepted.

    .venv/bin/python bench/public_reports.py [--reports 300] [--clients 16] [--workers 2] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from PIL import Image
from sqlalchemy import create_engine, text

from citysafe.core.db import create_db_engine, make_session_factory, unit_of_work
from citysafe.core.migrate import upgrade
from citysafe.regions import service as regions_service
from harness import free_port

PG_ADMIN = os.environ.get("CITYSAFE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def phone_photo(seed: int, target: int = 2 * 1024 * 1024) -> bytes:
    """A 4000×3000 JPEG of about ``target`` bytes with a camera's EXIF (GPS, time)."""
    rng = random.Random(seed)
    small = Image.effect_noise((500, 375), 60).convert("RGB")
    small = Image.merge("RGB", [c.point(lambda v, k=k: (v + k) % 256) for k, c in
                                zip((rng.randrange(256) for _ in range(3)), small.split(), strict=True)])
    image = small.resize((4000, 3000), Image.Resampling.BICUBIC)
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"
    exif.get_ifd(0x8769)[36867] = "2026:05:10 09:30:00"
    exif.get_ifd(0x8825).update({1: "N", 2: (32.0, 3.0, 0.0), 3: "E", 4: (118.0, 47.0, 0.0)})
    quality, data = 90, b""
    while quality >= 30:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, exif=exif.tobytes())
        data = out.getvalue()
        if len(data) <= target:
            break
        quality -= 10
    return data


def prepare(url: str) -> None:
    engine = create_db_engine(url)
    upgrade(engine)
    with unit_of_work(make_session_factory(engine), actor="bench") as session:
        regions_service.import_packaged_jiangsu(session)
    engine.dispose()


def start_server(url: str, port: int, workers: int, data_dir: str) -> subprocess.Popen[bytes]:
    env = os.environ | {"CITYSAFE_DATABASE_URL": url, "CITYSAFE_DATA_DIR": data_dir,
                        "CITYSAFE_SECRET_KEY": "bench-secret", "CITYSAFE_HAZARD_SWEEP_SECONDS": "3600"}
    command = [sys.executable, "-m", "uvicorn", "citysafe.api:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, env=env)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        try:
            server.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        raise SystemExit("the server exited during start-up")
    server.kill()
    raise SystemExit("the server did not start")


async def _run(base: str, clients: int, count: int, make: object) -> tuple[float, dict[int, int]]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)
    statuses: dict[int, int] = {}

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            while not queue.empty():
                i = queue.get_nowait()
                status = await make(client, i)  # type: ignore[operator]
                statuses[status] = statuses.get(status, 0) + 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - start, statuses


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--health", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    photos = [phone_photo(seed) for seed in range(8)]
    folder = tempfile.mkdtemp(prefix="bench-reports-")
    pg_name = f"citysafe_bench_reports_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT") if args.postgres else None
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        url = admin.url.set(database=pg_name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
    prepare(url)
    port = free_port()
    server = start_server(url, port, args.workers, folder)
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(1)

    async def report(client: httpx.AsyncClient, i: int) -> int:
        form = {"category": "fire_safety", "description": f"楼道堆放杂物堵塞安全出口（第 {i} 件）",
                "lon": f"{118.70 + rng.random() * 0.2:.6f}", "lat": f"{31.95 + rng.random() * 0.15:.6f}"}
        response = await client.post("/api/v1/public/reports", data=form,
                                      headers={"X-Forwarded-For": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"},
                                      files=[("photos", ("p.jpg", photos[i % len(photos)], "image/jpeg"))])
        return response.status_code

    async def health(client: httpx.AsyncClient, _i: int) -> int:
        return (await client.get("/api/v1/health")).status_code

    try:
        asyncio.run(_run(base, args.clients, 16, report))  # warm-up: imports, first connections
        health_s, health_status = asyncio.run(_run(base, args.clients, args.health, health))
        reports_s, report_status = asyncio.run(_run(base, args.clients, args.reports, report))
    finally:
        server.terminate()
        server.wait(30)
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
    accepted = report_status.get(201, 0)
    print(json.dumps({
        "bench": "public_reports", "python": platform.python_version(), "cpus": os.cpu_count(),
        "database": "postgresql" if args.postgres else "sqlite", "workers": args.workers, "clients": args.clients,
        "photo_bytes": sum(len(p) for p in photos) // len(photos), "photo_pixels": "4000x3000",
        "baseline_health_per_s": round(args.health / health_s, 1), "baseline_statuses": health_status,
        "reports_sent": args.reports, "reports_accepted": accepted, "statuses": report_status,
        "reports_accepted_per_s": round(accepted / reports_s, 1), "target_per_s": 200,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
