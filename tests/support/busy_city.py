"""A real ``citysafe serve`` process on an embedded (SQLite) database with the demo's simulated devices
sending to its gateway, and the office load of issue #10 finding 1 thrown at it: parallel logins, hazard
reports and white papers. Used by ``tests/core/test_sqlite_under_load.py`` and ``bench/sqlite_concurrency.py``.

The city is the demo's skeleton (Jiangsu's divisions, organisations, accounts, the 40 networked units and
their devices) without the risk register and the hazard loop, so it is seeded in a few seconds.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tests.support.waiting import wait_serving

PASSWORD = "correct-horse"  # every seeded account's password
CITYSAFE = str(Path(sys.executable).with_name("citysafe"))
DEMO_RATE = "2"  # frames per second of `citysafe demo`'s simulator (commands/simulate.py start_for_demo)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(data_dir: Path) -> None:
    """Migrate a fresh SQLite database in ``data_dir`` and load the demo city's skeleton."""
    from citysafe.core.config import Settings
    from citysafe.core.db import unit_of_work
    from citysafe.core.migrate import upgrade
    from citysafe.demo import firewatch
    from citysafe.demo.city import seed_accounts, seed_organizations
    from citysafe.regions import service as regions_service
    from citysafe.registry import new_context

    ctx = new_context(Settings(data_dir=data_dir, database_url=""))
    upgrade(ctx.engine)
    rng = random.Random(2020)
    with unit_of_work(ctx.session_factory, actor="test") as session:
        regions_service.import_packaged_jiangsu(session)
        session.flush()
        seed_organizations(session, rng)
        seed_accounts(session, PASSWORD)
        firewatch.seed_demo(session, rng)
    ctx.engine.dispose()


@dataclass
class City:
    data_dir: Path
    http_port: int = field(default_factory=free_port)
    gateway_port: int = field(default_factory=free_port)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def _spawn(self, args: list[str], log_name: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, "CITYSAFE_DATA_DIR": str(self.data_dir), "CITYSAFE_DATABASE_URL": "",
               "CITYSAFE_NATS_URL": ""}
        with (self.data_dir / log_name).open("ab") as log:
            proc = subprocess.Popen([CITYSAFE, *args], env=env, stdout=log, stderr=log)
        self.procs.append(proc)
        return proc

    def start(self) -> None:
        server = self._spawn(["serve", "--port", str(self.http_port), "--gb26875-port", str(self.gateway_port)],
                             "serve.log")
        # Start-up (imports, migrations check, pending events) takes ~5 s on an idle laptop but was measured at
        # 28 s and over 60 s on the shared 2-core machine while other test runs were busy.
        wait_serving(self.base, server, self.data_dir / "serve.log", timeout=180)
        self._register_sources()
        self._spawn(["simulate", "--target", f"127.0.0.1:{self.gateway_port}", "--units", "40", "--rate", DEMO_RATE,
                     "--wait", "30", "--seed", "7"], "simulate.log")

    def _register_sources(self, count: int = 12) -> None:
        """A few risk sources in 玄武区, so its white paper has something to say."""
        headers = {"Authorization": f"Bearer {token(self.base, 'xuanwu')}"}
        for n in range(count):
            body = {"name": f"并发测试风险源{n}", "kind": "hazchem_firm", "responsible_unit": "玄武区应急管理局",
                    "geometry": {"type": "Point", "coordinates": [118.79 + n * 0.001, 32.06]},
                    "assessment": {"method": "lec", "params": {"l": 3, "e": 6, "c": 7, "preset": "A"}}}
            answer = httpx.post(f"{self.base}/api/v1/risk/sources", json=body, headers=headers, timeout=60)
            assert answer.status_code == 201, answer.text

    def frames_stored(self) -> int:
        import sqlite3

        with sqlite3.connect(self.data_dir / "citysafe.db", timeout=30) as db:
            return int(db.execute("select count(*) from fw_raw_frame").fetchone()[0])

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@contextmanager
def running_city(data_dir: Path, template: Path | None = None) -> Iterator[City]:
    """A seeded city served with its simulator running; ``template`` (a seeded data dir) is copied if given."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if template is not None:
        shutil.copy(template / "citysafe.db", data_dir / "citysafe.db")
        shutil.copy(template / "secret.key", data_dir / "secret.key")
    else:
        seed(data_dir)
    city = City(data_dir)
    try:
        city.start()
        yield city
    finally:
        city.stop()


@dataclass
class Outcome:
    kind: str
    status: int
    seconds: float
    detail: str = ""


def token(base: str, username: str) -> str:
    answer = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD}, timeout=60)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def timed(kind: str, call: Callable[[], httpx.Response]) -> Outcome:
    started = time.perf_counter()
    try:
        answer = call()
    except httpx.HTTPError as exc:
        return Outcome(kind, 0, time.perf_counter() - started, type(exc).__name__)
    detail = answer.text[:200] if answer.status_code >= 400 else ""
    return Outcome(kind, answer.status_code, time.perf_counter() - started, detail)


def login(base: str, username: str) -> Outcome:
    return timed("login", lambda: httpx.post(f"{base}/api/v1/auth/token", timeout=120,
                                             data={"username": username, "password": PASSWORD}))


def report_hazard(base: str, bearer: str, n: int) -> Outcome:
    body = {"category": "nine_small", "description": f"灭火器过期（并发上报 {n}）", "region_code": "320102002001"}
    return timed("hazard", lambda: httpx.post(f"{base}/api/v1/hazards/tickets", json=body, timeout=120,
                                              headers={"Authorization": f"Bearer {bearer}"}))


def whitepaper(base: str, bearer: str) -> Outcome:
    """Ask for a white paper; when the server answers with a job (202), follow the job to its end."""
    headers = {"Authorization": f"Bearer {bearer}"}
    started = time.perf_counter()
    try:
        answer = httpx.post(f"{base}/api/v1/reports/risk-whitepapers", headers=headers, timeout=300,
                            json={"region": "320102", "year": 2025, "formats": ["html"]})
        if answer.status_code != 202:
            detail = answer.text[:200] if answer.status_code >= 400 else ""
            return Outcome("whitepaper", answer.status_code, time.perf_counter() - started, detail)
        job_url = f"{base}/api/v1/jobs/{answer.json()['id']}"
        while time.perf_counter() - started < 300:
            polled = httpx.get(job_url, headers=headers, timeout=60)
            if polled.status_code != 200:
                return Outcome("whitepaper", polled.status_code, time.perf_counter() - started, polled.text[:200])
            job = polled.json()
            if job["status"] in ("succeeded", "failed"):
                status = 200 if job["status"] == "succeeded" else 500  # a failed job counts as a server error
                return Outcome("whitepaper", status, time.perf_counter() - started, str(job.get("error") or ""))
            time.sleep(0.2)
    except httpx.HTTPError as exc:
        return Outcome("whitepaper", 0, time.perf_counter() - started, type(exc).__name__)
    return Outcome("whitepaper", 0, time.perf_counter() - started, "the job did not finish in 300 s")


def mixed_load(base: str, *, logins: int, hazards: int, whitepapers: int) -> list[Outcome]:
    """All at once: ``logins`` logins, ``hazards`` hazard reports and ``whitepapers`` white papers."""
    grid, office = token(base, "grid"), token(base, "xuanwu")
    usernames = ["admin", "nanjing", "xuanwu", "qinhuai", "operator", "grid"]
    calls: list[Callable[[], Outcome]] = []
    calls += [lambda i=i: login(base, usernames[i % len(usernames)]) for i in range(logins)]
    calls += [lambda i=i: report_hazard(base, grid, i) for i in range(hazards)]
    calls += [lambda: whitepaper(base, office) for _ in range(whitepapers)]
    random.Random(1).shuffle(calls)
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def parallel_writers(base: str, *, writers: int, each: int) -> list[Outcome]:
    """``writers`` clients in parallel, each reporting ``each`` hazards one after another."""
    grid = token(base, "grid")

    def client(w: int) -> list[Outcome]:
        return [report_hazard(base, grid, w * 1000 + i) for i in range(each)]

    with ThreadPoolExecutor(writers) as pool:
        return [o for outcomes in pool.map(client, range(writers)) for o in outcomes]


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    ok = [o for o in outcomes if 200 <= o.status < 300]
    return {"requests": len(outcomes), "succeeded": len(ok), "success_ratio": round(len(ok) / max(len(outcomes), 1), 3),
            "statuses": dict(Counter(str(o.status) for o in outcomes)),
            "median_ms": round(statistics.median(o.seconds for o in outcomes) * 1000, 1) if outcomes else None}
