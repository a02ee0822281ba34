"""A real ``citysafe serve`` process on a fresh SQLite file, with an admin and a district office user.

The database is built the way an operator builds one (``citysafe db upgrade``, ``regions load-jiangsu``,
``user create``), and a few objects of each kind are created through the API so that small ids exist and
a fuzzed request reaches the code behind the 404.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from tests.support.waiting import wait_serving

PASSWORD = "correct-horse-battery"
CLI = [sys.executable, "-m", "citysafe"]


@dataclass(frozen=True)
class LiveServer:
    base: str
    tokens: dict[str, str]  # role -> bearer token

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYSAFE_")}
    # The gateway writes from a thread: one process is enough for a fuzzer's trickle of requests.
    return env | {"CITYSAFE_DATA_DIR": str(data_dir), "CITYSAFE_SECRET_KEY": "fuzz-secret",
                  "CITYSAFE_GB26875_WRITER": "thread"}


def _run(args: list[str], env: dict[str, str], stdin: str = "") -> None:
    subprocess.run(CLI + args, env=env, input=stdin, text=True, check=True, capture_output=True, timeout=120)


def _seed(client: httpx.Client, admin: dict[str, str]) -> None:
    org = client.post("/api/v1/organizations", headers=admin, json={
        "name": "南京玄武模糊测试有限公司", "kind": "enterprise", "region_code": "320102002", "sector": "商贸",
        "address": "玄武区中山路1号", "location": {"lon": 118.79, "lat": 32.05}})
    org.raise_for_status()
    org_id = org.json()["id"]
    for body in ({"category": "nine_small", "description": "灭火器过期", "region_code": "320102002",
                  "organization_id": org_id},
                 {"category": "flood", "description": "积水", "region_code": "320104002"}):
        client.post("/api/v1/hazards/tickets", headers=admin, json=body).raise_for_status()
    client.post("/api/v1/risk/sources", headers=admin, json={
        "name": "模糊测试化工", "kind": "hazchem_firm", "responsible_unit": "模糊测试化工",
        "organization_id": org_id, "geometry": {"type": "Point", "coordinates": [118.80, 32.05]},
        "assessment": {"method": "lec", "params": {"l": 3, "e": 6, "c": 15}}}).raise_for_status()
    client.post("/api/v1/hazards/places", headers=admin, json={
        "name": "老王小吃店", "place_type": "nine_small", "region_code": "320102002",
        "location": {"lon": 118.80, "lat": 32.048}})


@contextmanager
def live_server(data_dir: Path) -> Iterator[LiveServer]:
    env = server_env(data_dir)
    _run(["db", "upgrade"], env)
    _run(["regions", "load-jiangsu"], env)
    users = {"admin": ("fuzz-admin", "320000"), "district_office": ("fuzz-xuanwu", "320102")}
    for role, (name, region) in users.items():
        _run(["user", "create", name, "--role", role, "--region", region, "--password-stdin"], env, PASSWORD + "\n")
    port = _free_port()
    log = (data_dir / "server.log").open("w")
    # With its GB/T 26875.3 gateway, as a monitoring centre runs it: duty checks and patrols are fuzzed too.
    serve = ["serve", "--port", str(port), "--gb26875-port", str(_free_port())]
    proc = subprocess.Popen(CLI + serve, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            wait_serving(base, proc, data_dir / "server.log")
            tokens = {}
            for role, (name, _) in users.items():
                answer = client.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
                answer.raise_for_status()
                tokens[role] = answer.json()["access_token"]
            _seed(client, {"Authorization": f"Bearer {tokens['admin']}"})
        yield LiveServer(base=base, tokens=tokens)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()
