"""Benchmark: citizen reports through the public API (issue #15: "the public report page handles ≥ 200 reports/s
with photos of 2 MB"), each with a 2 MB phone photo: a 4000×3000 JPEG as a camera writes it (EXIF with camera,
time and GPS, XMP, an sRGB ICC profile). ``--side 2000`` sends 2000×1500 photos of about the same bytes instead
(kept as received by the job: hashed at 1/8 scale, not re-encoded).

A report is accepted in the request without a pixel decoded (photos.receive: the container walked, the metadata
stripped, the file written, the report and its job stored); a background job (core/jobs.py, photo_jobs) then
decodes the photo, hashes it, looks for the same photo elsewhere and makes the copy shown. So three rates:

- accepted (burst): reports/s answered 201 while the jobs are held back (bench/report_sink.py holds them until a
  file appears), and the server CPU per report: the request's own cost;
- background: the held photos decoded once released, with no request coming in: photos/s and CPU per photo;
- sustained: reports sent with the jobs running beside them, timed until the last photo is decoded: the rate the
  whole pipeline keeps up, and the CPU per report of both halves.

The server is the deployment's shape (deploy/): ``--workers`` one-process servers on ports of their own behind
nginx running deploy/nginx/citysafe.conf, nginx's CPU counted as the server's (``--front workers``: one uvicorn
with ``--workers`` processes sharing its socket; its 16 keep-alive clients all landed on one process). The
clients write requests encoded before each phase starts and read the answers (as wrk does), on keep-alive
connections, each from an address of its own (X-Forwarded-For, believed from loopback as from nginx).

Floors in the same run, same server and concurrency: ``/api/v1/health``; the same 2 MB body POSTed raw to an
endpoint that only reads it; the report's multipart form to a sync endpoint that reads the files as the report
view does (``read_capped``) and nothing else, on the report's route class (core/uploads.UploadsInMemory: parts
kept in memory) and on FastAPI's default (Starlette rolls a part over 1 MB to a temporary file) — all three only
in bench/report_sink.py; the same report with a small photo (640×480, ~70 KB: the report's own work without the
2 MB). Server CPU is the server processes' CPU time (/proc) over the phase divided by the requests answered
(PostgreSQL's own processes are not counted); what two cores can do is 2000 / that. The clients run on the same
machine and take CPU of their own (``client_cpu_ms_per_request``). uvicorn runs with uvloop and httptools when
installed (``--loop auto --http auto``; the JSON says which: both were). Prints one JSON document.

Measured 2026-12-07 on the 2-core machine, otherwise idle, 300 reports a phase (docs/operations.md, "Measured as
deployed"): accepted 98-131 reports/s on SQLite (server CPU 11.9-15.2 ms a report, nginx included), 99.5/s on
PostgreSQL (15.0 ms); the multipart 2 MB floor 205-279/s (5.7-7.2 ms). At the session's start, with one uvicorn
``--workers 2`` and httpx clients: 60.5/s at 17.6 ms. The photo jobs decode 21-30 photos/s (64-78 ms each).

Is >= 200 accepted reports/s met on this 2-core machine? No: 200/s on two cores is 10 ms of CPU per report, all
in; the request costs 12-15 ms, of which the 2 MB upload and its multipart form are 6-7 ms before any of the
report's code runs.

    .venv/bin/python bench/public_reports.py [--reports 300] [--clients 16] [--workers 2] [--side 4000] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import io
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from PIL import Image, ImageCms
from sqlalchemy import Engine, create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.arrangement import nginx_binary, render_nginx

from citysafe.core.db import create_db_engine, make_session_factory, unit_of_work
from citysafe.core.migrate import upgrade
from citysafe.regions import service as regions_service
from harness import cpu_seconds, free_port
from report_sink import RELEASE_FILE

PG_ADMIN = os.environ.get("CITYSAFE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def phone_photo(seed: int, target: int = 2 * 1024 * 1024, size: tuple[int, int] = (4000, 3000)) -> bytes:
    """A JPEG of ``size`` of at most ``target`` bytes (the highest quality that fits) carrying what a phone
    writes: EXIF (camera, time, GPS), XMP and an sRGB ICC profile."""
    rng = random.Random(seed)
    small = Image.effect_noise((size[0] // 8, size[1] // 8), 60).convert("RGB")
    small = Image.merge("RGB", [c.point(lambda v, k=k: (v + k) % 256) for k, c in
                                zip((rng.randrange(256) for _ in range(3)), small.split(), strict=True)])
    image = small.resize(size, Image.Resampling.BICUBIC)
    exif = Image.Exif()
    exif.update({0x010F: "BenchCam", 0x0110: "Phone 15", 0x0131: "Camera 1.0"})
    exif.get_ifd(0x8769).update({36867: "2026:05:10 09:30:00", 36881: "+08:00"})
    exif.get_ifd(0x8825).update({1: "N", 2: (32.0, 3.0, 0.0), 3: "E", 4: (118.0, 47.0, 0.0)})
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    quality, data = 100, b""
    while quality >= 30:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, exif=exif.tobytes(), icc_profile=icc, xmp=xmp)
        data = out.getvalue()
        if len(data) <= target:
            break
        quality -= 2
    return data


def prepare(url: str) -> None:
    engine = create_db_engine(url)
    upgrade(engine)
    with unit_of_work(make_session_factory(engine), actor="bench") as session:
        regions_service.import_packaged_jiangsu(session)
    engine.dispose()


def start_server(url: str, port: int, workers: int, data_dir: str) -> subprocess.Popen[bytes]:
    """``uvicorn report_sink:create`` on ``port``, with ``workers`` processes sharing its socket, once healthy."""
    bench_dir = str(Path(__file__).resolve().parent)
    # The clients' X-Forwarded-For is believed from loopback (nginx, or the clients themselves), so each report
    # comes from an address of its own, as from phones, and the per-address limits apply as in production.
    env = os.environ | {"CITYSAFE_DATABASE_URL": url, "CITYSAFE_DATA_DIR": data_dir,
                        "CITYSAFE_SECRET_KEY": "bench-secret", "CITYSAFE_HAZARD_SWEEP_SECONDS": "3600",
                        "CITYSAFE_BENCH_HOLD_JOBS": "1", "CITYSAFE_TRUSTED_PROXIES": "127.0.0.1",
                        "PYTHONPATH": os.pathsep.join(filter(None, [bench_dir, os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "uvicorn", "report_sink:create", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, env=env)
    healthy(server, port)
    return server


def healthy(server: subprocess.Popen[bytes], port: int) -> None:
    """Wait until ``port`` answers the health check; exit when ``server`` dies first."""
    for _ in range(3000):  # up to ~5 min: on a loaded shared machine the app takes long to import
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        try:
            server.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        raise SystemExit("the server exited during start-up")
    server.kill()
    raise SystemExit("the server did not start")


def start_front(url: str, workers: int, data_dir: str) -> tuple[list[subprocess.Popen[bytes]], int]:
    """The deployment's shape (deploy/: ``citysafe-web@PORT`` processes behind nginx): ``workers`` one-process
    servers on ports of their own, nginx with deploy/nginx/citysafe.conf in front; the processes and nginx's
    port."""
    nginx = nginx_binary()
    if nginx is None:
        raise SystemExit("nginx is not installed (scripts/ensure-system.sh test installs it); or --front workers")
    ports = [free_port() for _ in range(workers)]
    servers = [start_server(url, port, 1, data_dir) for port in ports]
    directory = Path(data_dir) / "nginx"
    directory.mkdir()
    # nginx's workers run as an unprivileged user when started by root: they may need its temporary files.
    for path in (Path(data_dir), directory):
        path.chmod(0o755)
    listen = free_port()
    conf = render_nginx(directory, listen, ports)
    front = subprocess.Popen([nginx, "-c", str(conf), "-p", str(directory)])
    healthy(front, listen)
    return [front, *servers], listen


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of ``pid`` and its living descendants (uvicorn's worker processes)."""
    total = cpu_seconds(pid)
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        total += sum(tree_cpu_seconds(int(child)) for child in children)
    return total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 1) if ordered else 0.0


def encoded(port: int, method: str, path: str, *, address: str = "", **body: object) -> bytes:
    """One HTTP/1.1 request as it goes on the wire (httpx encodes the form), for ``_run``'s clients."""
    request = httpx.Request(method, f"http://127.0.0.1:{port}{path}", **body)  # type: ignore[arg-type]
    content = request.read()
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(content)}"]
    if "content-type" in request.headers:
        head.append(f"Content-Type: {request.headers['content-type']}")
    if address:
        head.append(f"X-Forwarded-For: {address}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + content


async def _run(port: int, clients: int, requests: list[bytes]) -> dict[str, object]:
    """``requests`` (encoded beforehand) sent by ``clients`` keep-alive connections, each waiting for its answer
    before sending the next, as a browser's connection does: rate, statuses, latency. The clients only write
    bytes and read answers (as wrk does), so they take little of the two cores the server runs on; httpx
    building a 2 MB form per request took 3.7-4.7 ms of CPU a report."""
    pending = list(reversed(requests))
    statuses: dict[int, int] = {}
    latencies: list[float] = []

    async def answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
        """Read one response: its status, and whether the server keeps the connection open."""
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        headers: dict[bytes, bytes] = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip().lower()
        if headers.get(b"transfer-encoding") == b"chunked":
            while size := int((await reader.readline()).split(b";")[0], 16):
                await reader.readexactly(size + 2)
            await reader.readline()
        else:
            await reader.readexactly(int(headers.get(b"content-length", b"0")))
        return int(status_line.split()[1]), headers.get(b"connection") != b"close"

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while pending:
                request = pending.pop()
                began = time.perf_counter()
                writer.write(request)
                await writer.drain()
                status, open_still = await answer(reader)
                latencies.append(time.perf_counter() - began)
                statuses[status] = statuses.get(status, 0) + 1
                if not open_still:
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "statuses": statuses, "p50_ms": percentile(latencies, 0.5),
            "p95_ms": percentile(latencies, 0.95)}


def measured(port: int, clients: int, requests: list[bytes], server_pids: list[int]) -> dict[str, object]:
    """One phase, with the server's (every process's, nginx's included) and this process's CPU over it."""
    count = len(requests)
    server_before, client_before = sum(map(tree_cpu_seconds, server_pids)), time.process_time()
    result = asyncio.run(_run(port, clients, requests))
    server_cpu = sum(map(tree_cpu_seconds, server_pids)) - server_before
    client_cpu = time.process_time() - client_before
    ok = sum(n for status, n in result["statuses"].items() if 200 <= status < 300)  # type: ignore[attr-defined]
    seconds = float(result["seconds"])  # type: ignore[arg-type]
    return {"sent": count, "ok": ok, "statuses": result["statuses"], "per_s": round(ok / seconds, 1),
            "p50_ms": result["p50_ms"], "p95_ms": result["p95_ms"],
            "server_cpu_ms_per_request": round(server_cpu * 1000 / max(ok, 1), 1),
            "client_cpu_ms_per_request": round(client_cpu * 1000 / max(ok, 1), 1)}


def unprocessed(engine: Engine) -> int:
    """Photos stored but not decoded yet (pending, or being decoded by a job)."""
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM pub_report_photo "
                                     "WHERE status IN ('pending', 'processing')")).scalar_one())


def drained(engine: Engine, server_pids: list[int], began: float, cpu_before: float, *,
             timeout: float = 1800) -> dict[str, float]:
    """Wait until every stored photo is decoded: seconds since ``began`` and server CPU since ``cpu_before``."""
    deadline = time.perf_counter() + timeout
    while unprocessed(engine) and time.perf_counter() < deadline:
        time.sleep(0.05)
    return {"seconds": time.perf_counter() - began,
            "server_cpu": sum(map(tree_cpu_seconds, server_pids)) - cpu_before, "left": unprocessed(engine)}


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--health", type=int, default=3000)
    parser.add_argument("--floor", type=int, default=300, help="2 MB bodies to the trivial endpoints")
    parser.add_argument("--small", type=int, default=300, help="reports with a small photo (baseline)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--side", type=int, default=4000, choices=(4000, 2000),
                        help="long side of the 2 MB photos: 4000 (scaled by the job) or 2000 (kept as sent)")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--front", choices=("nginx", "workers"), default="nginx",
                        help="nginx: --workers one-process servers behind nginx (deploy/); workers: one uvicorn "
                             "with --workers processes sharing its socket")
    args = parser.parse_args()
    photos = [phone_photo(seed, size=(args.side, args.side * 3 // 4)) for seed in range(8)]
    small_photos = [phone_photo(100 + seed, target=80 * 1024, size=(640, 480)) for seed in range(8)]
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
    watcher = create_db_engine(url)
    if args.front == "nginx":
        servers, port = start_front(url, args.workers, folder)
    else:
        port = free_port()
        servers = [start_server(url, port, args.workers, folder)]
    pids = [server.pid for server in servers]
    rng = random.Random(1)

    def reports(images: list[bytes], count: int, first_address: int,
                path: str = "/api/v1/public/reports") -> list[bytes]:
        """``count`` reports, each from an address of its own, encoded before the phase's clock starts."""
        def one(i: int) -> bytes:
            n = first_address + i
            form = {"category": "fire_safety", "description": f"楼道堆放杂物堵塞安全出口（第 {i} 件）",
                    "lon": f"{118.70 + rng.random() * 0.2:.6f}", "lat": f"{31.95 + rng.random() * 0.15:.6f}"}
            return encoded(port, "POST", path, address=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
                           data=form, files=[("photos", ("p.jpg", images[i % len(images)], "image/jpeg"))])
        return [one(i) for i in range(count)]

    def phase(requests: list[bytes]) -> dict[str, object]:
        return measured(port, args.clients, requests, pids)

    try:
        # Warm-up (imports, connections) with small photos, so the held jobs are almost all the 2 MB photos.
        asyncio.run(_run(port, args.clients, reports(small_photos, 16, 1_000_000)))
        health_phase = phase([encoded(port, "GET", "/api/v1/health")] * args.health)
        raw_phase = phase([encoded(port, "POST", "/bench/sink/raw", content=photos[i % len(photos)],
                                   headers={"Content-Type": "image/jpeg"}) for i in range(args.floor)])
        multipart_phase = phase(reports(photos, args.floor, 4_000_000, "/bench/sink/multipart"))
        spooled_phase = phase(reports(photos, args.floor, 6_000_000, "/bench/sink/spooled"))
        # 1. accepted: the jobs held back, so this is the request's own cost.
        accept_phase = phase(reports(photos, args.reports, 3_000_000))
        # 2. background: the held jobs released, the photos decoded with no request coming in.
        waiting = unprocessed(watcher)
        began, cpu_before = time.perf_counter(), sum(map(tree_cpu_seconds, pids))
        (Path(folder) / RELEASE_FILE).touch()
        drain = drained(watcher, pids, began, cpu_before)
        # 3. sustained: reports sent with the jobs running beside them, until the last photo is decoded.
        sustained_requests = reports(photos, args.reports, 5_000_000)
        began, cpu_before = time.perf_counter(), sum(map(tree_cpu_seconds, pids))
        sustained_accept = phase(sustained_requests)
        sustained = drained(watcher, pids, began, cpu_before)
        small_phase = phase(reports(small_photos, args.small, 2_000_000))
        drained(watcher, pids, time.perf_counter(), 0.0)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(30)
        watcher.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
        shutil.rmtree(folder, ignore_errors=True)
    rate = float(accept_phase["per_s"])  # type: ignore[arg-type]
    cpu = float(accept_phase["server_cpu_ms_per_request"])  # type: ignore[arg-type]
    multipart_cpu = float(multipart_phase["server_cpu_ms_per_request"])  # type: ignore[arg-type]
    ok = int(sustained_accept["ok"])  # type: ignore[call-overload]
    print(json.dumps({
        "bench": "public_reports", "python": platform.python_version(), "cpus": os.cpu_count(),
        "database": "postgresql" if args.postgres else "sqlite", "workers": args.workers, "clients": args.clients,
        "front": args.front,
        "uvicorn_loop": "uvloop" if installed("uvloop") else "asyncio",
        "uvicorn_http": "httptools" if installed("httptools") else "h11",
        "photo_bytes": sum(len(p) for p in photos) // len(photos), "photo_pixels": f"{args.side}x{args.side * 3 // 4}",
        "reports_accepted_per_s": rate, "server_cpu_ms_per_report_accepted": cpu,
        "accepted_reports_per_s_two_cores_could_do": round(2000 / cpu, 1) if cpu else None,
        "accepted": accept_phase,
        "background": {"photos": waiting, "seconds": round(drain["seconds"], 2), "left": drain["left"],
                       "photos_per_s": round(waiting / drain["seconds"], 1),
                       "server_cpu_ms_per_photo": round(drain["server_cpu"] * 1000 / max(waiting, 1), 1)},
        "sustained": {"reports": ok, "seconds": round(sustained["seconds"], 2), "left": sustained["left"],
                      "end_to_end_per_s": round(ok / sustained["seconds"], 1),
                      "accepted_per_s_meanwhile": sustained_accept["per_s"],
                      "p50_ms": sustained_accept["p50_ms"], "p95_ms": sustained_accept["p95_ms"],
                      "server_cpu_ms_per_report": round(sustained["server_cpu"] * 1000 / max(ok, 1), 1)},
        "floor_raw_2mb": raw_phase, "floor_multipart_2mb": multipart_phase,
        "floor_multipart_2mb_spooled_to_disk": spooled_phase,
        "ratio_accepted_to_multipart_floor": round(rate / float(multipart_phase["per_s"]), 3),  # type: ignore[arg-type]
        "report_cpu_over_floor_ms": round(cpu - multipart_cpu, 1),
        "baseline_health": health_phase, "baseline_small_photo_reports": small_phase,
        "target_per_s": 200,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
