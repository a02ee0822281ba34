"""Benchmark: what a hostile workbook does to a running server (issue #10, finding 3), before and after.

For each workbook a fresh ``citysafe serve`` process (embedded database) takes the upload at
``POST /api/v1/risk/imports`` while a thread asks ``GET /api/v1/health`` every 50 ms. Reported per case: the
import's status and duration, the server process's added resident memory (peak ``VmHWM`` during the case
minus ``VmRSS`` before it), the peak resident memory of its worker processes (the sheet parsers, after the
fix), and the worst and median health latency during the import. The baseline, measured in the same run, is
the health latency of the idle server. ``--base COMMIT`` also runs every case on that commit's code (the code
before the fix, extracted with ``git archive``), so one run prints both.

    .venv/bin/python bench/hostile_imports.py [--base a8301da] [--bomb-mb 100] [--grid-rows 2000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from harness import bearer, free_port, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password"  # noqa: S105 - a throwaway account in a throwaway database


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_children(int(child))]
    return found


def _citysafe(src: Path, data_dir: Path) -> tuple[list[str], dict[str, str]]:
    env = os.environ | {"PYTHONPATH": str(src), "CITYSAFE_DATA_DIR": str(data_dir), "CITYSAFE_DATABASE_URL": ""}
    return [sys.executable, "-m", "citysafe"], env


def prepare(src: Path, data_dir: Path) -> None:
    command, env = _citysafe(src, data_dir)
    for args in (["db", "upgrade"], ["regions", "load-jiangsu"]):
        subprocess.run([*command, *args], env=env, check=True, capture_output=True)
    subprocess.run([*command, "user", "create", "bench", "--role", "admin", "--region", "320000",
                    "--password-stdin"], env=env, check=True, capture_output=True, input=PASSWORD, text=True)


def _health_poller(base: str, stop: threading.Event, latencies: list[float]) -> None:
    with httpx.Client(base_url=base, timeout=300) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get("/api/v1/health")
            latencies.append((time.perf_counter() - started) * 1000)
            stop.wait(0.05)


def run_case(src: Path, data_dir: Path, name: str, content: bytes) -> dict[str, Any]:
    command, env = _citysafe(src, data_dir)
    port = free_port()
    server = subprocess.Popen([*command, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            wait_healthy(client)
            headers = bearer(client, "bench", PASSWORD)
            idle = []
            for _ in range(20):
                started = time.perf_counter()
                client.get("/api/v1/health")
                idle.append((time.perf_counter() - started) * 1000)
            rss_before = _status_kb(server.pid, "VmRSS")
            stop, latencies = threading.Event(), list[float]()
            poller = threading.Thread(target=_health_poller, args=(base, stop, latencies))
            poller.start()
            started = time.perf_counter()
            response = client.post("/api/v1/risk/imports", headers=headers, files={"file": (f"{name}.xlsx", content)})
            seconds = time.perf_counter() - started
            workers = [_status_kb(pid, "VmHWM") for pid in _children(server.pid)]
            peak = _status_kb(server.pid, "VmHWM")
            stop.set()
            poller.join()
        detail = response.json().get("detail_zh", "") if response.status_code >= 400 else ""
        return {
            "upload_kb": round(len(content) / 1024), "status": response.status_code, "detail_zh": detail[:80],
            "import_seconds": round(seconds, 2),
            "server_added_rss_mb": round((peak - rss_before) / 1024, 1),
            "worker_peak_rss_mb": round(max(workers, default=0) / 1024, 1),
            "health_during_import_ms": {"max": round(max(latencies, default=0), 1),
                                        "median": round(statistics.median(latencies), 1) if latencies else None,
                                        "count": len(latencies)},
            "health_idle_ms (baseline)": {"max": round(max(idle), 1), "median": round(statistics.median(idle), 1)},
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def extract(commit: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"], check=True, capture_output=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="also run the cases on this commit's code (before the fix)")
    parser.add_argument("--bomb-mb", type=int, default=100, help="expanded size of the bomb's sheet XML")
    parser.add_argument("--grid-rows", type=int, default=2000, help="rows of the A1:XFD1048576 workbook")
    parser.add_argument("--register-rows", type=int, default=20000, help="rows of the large valid-shaped workbook")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.support import workbooks

    cases: dict[str, Callable[[], bytes]] = {
        f"bomb ({args.bomb_mb} MB of sheet XML)": lambda: workbooks.bomb(args.bomb_mb * 1_000_000),
        f"A1:XFD1048576 declared, {args.grid_rows} rows": lambda: workbooks.huge_dimension(args.grid_rows),
        f"large register, {args.register_rows} rows (parsed)": lambda: workbooks.many_rows(args.register_rows),
    }
    trees = {"after (this checkout)": ROOT / "src"}
    results: dict[str, Any] = {"python": platform.python_version(), "cpus": os.cpu_count(), "runs": {}}
    with tempfile.TemporaryDirectory(prefix="citysafe-hostile-") as tmp:
        if args.base:
            trees = {f"before ({args.base})": extract(args.base, Path(tmp) / "base"), **trees}
        for label, src in trees.items():
            data_dir = Path(tmp) / label.split()[0]
            prepare(src, data_dir)
            results["runs"][label] = {name: run_case(src, data_dir, name, build()) for name, build in cases.items()}
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
