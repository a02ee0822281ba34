"""The `citysafe` command as a user runs it: a real process, a real embedded database."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.support.waiting import until

CITYSAFE = [sys.executable, "-m", "citysafe"]


def run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CITYSAFE, *args], input=stdin, capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return os.environ | {"CITYSAFE_DATA_DIR": str(tmp_path), "CITYSAFE_DATABASE_URL": ""}


def test_db_upgrade_and_user_create(env: dict[str, str]) -> None:
    upgraded = run(["db", "upgrade"], env)
    assert upgraded.returncode == 0, upgraded.stderr
    loaded = run(["regions", "load-jiangsu"], env)
    assert loaded.returncode == 0 and '"divisions": 23563' in loaded.stdout, loaded.stderr
    created = run(["user", "create", "wang", "--role", "district_office", "--region", "320102",
                   "--password-stdin"], env, stdin="a-long-password\n")
    assert created.returncode == 0, created.stderr
    assert "created user wang" in created.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "emperor", "--region", "320102"], "role"),
    (["--role", "admin", "--region", "12ab"], "region_code"),
])
def test_bad_user_input_exits_2_with_one_line(env: dict[str, str], args: list[str], message: str) -> None:
    assert run(["db", "upgrade"], env).returncode == 0
    result = run(["user", "create", "li", *args, "--password-stdin"], env, stdin="a-long-password\n")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_short_password_is_refused(env: dict[str, str]) -> None:
    assert run(["db", "upgrade"], env).returncode == 0
    result = run(["user", "create", "li", "--role", "admin", "--region", "320000", "--password-stdin"], env,
                 stdin="short\n")
    assert result.returncode == 2 and "password" in result.stderr


@pytest.mark.parametrize(("setting", "value", "expected"), [
    ("CITYSAFE_FIREWATCH_FORWARDER", "smtp", "CITYSAFE_FIREWATCH_FORWARDER: Input should be 'log' or 'webhook'"),
    ("CITYSAFE_FIREWATCH_NOTIFIER", "pigeon", "CITYSAFE_FIREWATCH_NOTIFIER: Input should be 'log' or 'webhook'"),
])
def test_serve_refuses_an_unknown_forwarder_with_one_line(env: dict[str, str], setting: str, value: str,
                                                          expected: str) -> None:
    result = run(["serve", "--port", "1"], env | {setting: value})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [f"error: {expected} (got '{value}')"]


def test_serve_refuses_a_webhook_forwarder_without_its_url(env: dict[str, str]) -> None:
    assert run(["db", "upgrade"], env).returncode == 0
    result = run(["serve", "--port", "1"], env | {"CITYSAFE_FIREWATCH_FORWARDER": "webhook"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: CITYSAFE_FIREWATCH_FORWARDER=webhook needs its URL (CITYSAFE_FIREWATCH_FORWARD_URL)"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def demo_server(tmp_path: Path, env: dict[str, str]) -> Iterator[tuple[str, str]]:
    data_dir = tmp_path / "demo"
    built = run(["demo", "--no-serve", "--data-dir", str(data_dir)], env)
    assert built.returncode == 0, built.stderr
    password = next(line.split(":", 1)[1].strip() for line in built.stdout.splitlines() if "password" in line)
    port = _free_port()
    serve_env = env | {"CITYSAFE_DATA_DIR": str(data_dir)}
    process = subprocess.Popen([*CITYSAFE, "serve", "--port", str(port)], env=serve_env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert process.poll() is None, process.stderr.read() if process.stderr else "server exited"
        try:
            return httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False  # not listening yet

    try:
        asyncio.run(until(healthy, what=f"citysafe serve answering {base}/api/v1/health", timeout=60, interval=0.1))
        yield base, password
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_demo_then_serve(demo_server: tuple[str, str]) -> None:
    base, password = demo_server
    assert httpx.get(f"{base}/api/v1/health").json() == {"status": "ok"}
    token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "xuanwu", "password": password}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    orgs = httpx.get(f"{base}/api/v1/organizations", headers=headers).json()
    assert orgs["total"] > 0
    assert all(o["region_code"].startswith("320102") for o in orgs["items"])
    assert httpx.get(f"{base}/api/v1/organizations").status_code == 401


def test_user_deactivate_activate_and_set_password(env: dict[str, str]) -> None:
    assert run(["db", "upgrade"], env).returncode == 0
    assert run(["regions", "load-jiangsu"], env).returncode == 0
    assert run(["user", "create", "zhao", "--role", "operator", "--region", "320102", "--password-stdin"], env,
               stdin="a-long-password\n").returncode == 0
    deactivated = run(["user", "deactivate", "zhao"], env)
    assert deactivated.returncode == 0 and "deactivated" in deactivated.stdout, deactivated.stderr
    assert run(["user", "activate", "zhao"], env).returncode == 0
    short = run(["user", "set-password", "zhao", "--password-stdin"], env, stdin="short\n")
    assert short.returncode == 2 and "password" in short.stderr and "Traceback" not in short.stderr
    changed = run(["user", "set-password", "zhao", "--password-stdin"], env, stdin="another-long-one\n")
    assert changed.returncode == 0 and "password of zhao set" in changed.stdout, changed.stderr
    unknown = run(["user", "deactivate", "nobody"], env)
    assert unknown.returncode == 2 and len(unknown.stderr.strip().splitlines()) == 1
