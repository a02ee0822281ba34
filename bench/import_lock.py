"""Benchmark: how long another writer waits while an import is handled (issue #10, finding 1 after the merge).

A fresh ``citysafe serve`` (embedded database) takes a workbook at ``POST /api/v1/risk/imports`` while a probe
— standing in for the fire gateway — writes one row into a table of its own every 100 ms through its own
SQLite connection (``BEGIN IMMEDIATE``, 60 s busy timeout, as every writer of the platform takes the lock).
Reported per case: the import's status and duration, and the probe's worst and median write latency during
the import; the baseline, measured in the same run, is the probe's latency on the idle server. ``--base
COMMIT`` also runs every case on that commit's code (before the fix), so one run prints both.

    .venv/bin/python bench/import_lock.py [--base 0bddf37] [--rows 20000] [--parse-rows 50000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from openpyxl import Workbook

from harness import bearer, free_port, wait_healthy
from hostile_imports import PASSWORD, ROOT, _citysafe, extract, prepare

PROBE_EVERY_SECONDS = 0.1


def register(rows: int) -> bytes:
    """A valid risk register of ``rows`` sources on a 2 km × 2 km grid inside 江宁区."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "风险源"
    sheet.append(["名称", "风险类型", "经度", "纬度", "责任单位", "评估方法", "可能性等级", "严重性等级"])
    for i in range(rows):
        sheet.append([f"基准测试风险源{i}", "危险化学品企业", 118.835 + (i % 100) * 0.0002, 31.93 + (i // 100) * 0.0001,
                      f"某公司{i}", "风险矩阵", 1 + i % 5, 1 + i // 5 % 5])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _probe(db_file: Path, stop: threading.Event, latencies: list[float], failures: list[str]) -> None:
    connection = sqlite3.connect(db_file, timeout=60, isolation_level=None)
    try:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("INSERT INTO bench_probe (at) VALUES (?)", (time.time(),))
                connection.execute("COMMIT")
            except sqlite3.OperationalError as exc:  # "database is locked": waited the whole busy timeout
                failures.append(str(exc))
            latencies.append((time.perf_counter() - started) * 1000)
            stop.wait(PROBE_EVERY_SECONDS)
    finally:
        connection.close()


def _summary(latencies: list[float], failures: list[str]) -> dict[str, Any]:
    return {"max": round(max(latencies, default=0), 1),
            "median": round(statistics.median(latencies), 1) if latencies else None, "count": len(latencies),
            "failed": len(failures)}


class _JobEnd:
    """The finished job's report, answered as the synchronous import would answer it."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.status_code = 200 if job["status"] == "succeeded" else 500
        self.job = job

    def json(self) -> dict[str, Any]:
        report: dict[str, Any] = (self.job.get("result") or {}).get("report") or {"detail_zh": self.job["error"]}
        return report


def _finished(client: httpx.Client, location: str, headers: dict[str, str]) -> _JobEnd:
    while True:
        job = client.get(location, headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            return _JobEnd(job)
        time.sleep(0.2)


def run_case(src: Path, data_dir: Path, name: str, content: bytes) -> dict[str, Any]:
    db_file = data_dir / "citysafe.db"
    with sqlite3.connect(db_file) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS bench_probe (id INTEGER PRIMARY KEY, at REAL)")
    command, env = _citysafe(src, data_dir)
    port = free_port()
    server = subprocess.Popen([*command, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
            wait_healthy(client)
            headers = bearer(client, "bench", PASSWORD)
            stop, idle, idle_failed = threading.Event(), list[float](), list[str]()
            probe = threading.Thread(target=_probe, args=(db_file, stop, idle, idle_failed))
            probe.start()
            time.sleep(2)
            stop.set()
            probe.join()
            stop, during, during_failed = threading.Event(), list[float](), list[str]()
            probe = threading.Thread(target=_probe, args=(db_file, stop, during, during_failed))
            probe.start()
            started = time.perf_counter()
            response = client.post("/api/v1/risk/imports", headers=headers, files={"file": (f"{name}.xlsx", content)},
                                   data={"dry_run": "false"})
            if response.status_code == 202:  # a large file runs as a job: the import ends when the job does
                response = _finished(client, response.headers["Location"], headers)
            seconds = time.perf_counter() - started
            stop.set()
            probe.join()
        body = response.json()
        return {"upload_kb": round(len(content) / 1024), "status": response.status_code,
                "created": body.get("created"), "detail_zh": str(body.get("detail_zh", ""))[:60],
                "first_error": (body.get("errors") or [{}])[0],
                "import_seconds": round(seconds, 2), "probe_write_during_import_ms": _summary(during, during_failed),
                "probe_write_idle_ms (baseline)": _summary(idle, idle_failed)}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="also run the cases on this commit's code (before the fix)")
    parser.add_argument("--rows", type=int, default=20000, help="rows of the valid register (parsed and applied)")
    parser.add_argument("--parse-rows", type=int, default=50000,
                        help="rows of a register parsed to the end, then refused (over the 20,000-row import limit)")
    args = parser.parse_args()
    import sys

    sys.path.insert(0, str(ROOT))
    from tests.support import workbooks

    cases: dict[str, Callable[[], bytes]] = {
        f"valid register, {args.rows} rows": lambda: register(args.rows),
        f"register of {args.parse_rows} rows, refused after parsing": lambda: workbooks.many_rows(args.parse_rows),
    }
    trees = {"after (this checkout)": ROOT / "src"}
    results: dict[str, Any] = {"python": platform.python_version(), "cpus": os.cpu_count(), "runs": {}}
    with tempfile.TemporaryDirectory(prefix="citysafe-import-lock-") as tmp:
        if args.base:
            trees = {f"before ({args.base})": extract(args.base, Path(tmp) / "base"), **trees}
        for label, src in trees.items():
            results["runs"][label] = {}
            for index, (name, build) in enumerate(cases.items()):
                data_dir = Path(tmp) / f"{label.split()[0]}-{index}"
                prepare(src, data_dir)
                results["runs"][label][name] = run_case(src, data_dir, name, build())
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
