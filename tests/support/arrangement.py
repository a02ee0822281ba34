"""The multi-process deployment of docs/deploy.md on loopback, for tests: a fresh PostgreSQL database, a
JetStream stream of its own, web processes behind a real nginx (deploy/nginx/citysafe.conf, its ports
rewritten), a gateway and ingest workers, each a real ``citysafe`` process that a test may ``kill -9``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import create_engine, make_url, text

REPO = Path(__file__).resolve().parents[2]
NGINX_CONF = REPO / "deploy" / "nginx" / "citysafe.conf"
CITYSAFE = str(Path(sys.executable).parent / "citysafe")
NATS_URL = "nats://127.0.0.1:4222"
POSTGRES_ADMIN_URL = os.environ.get(
    "CITYSAFE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "correct-horse-battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def render_nginx(directory: Path, listen: int, upstreams: list[int]) -> Path:
    """A whole nginx.conf around the shipped deploy/nginx/citysafe.conf, with this run's ports in it.

    The shipped file is used as it is except for its ``listen`` and upstream ``server`` lines, so the test
    exercises what operators install; a change to those lines makes this fail loudly, not silently."""
    site = NGINX_CONF.read_text(encoding="utf-8")
    servers = re.findall(r"^\s*server 127\.0\.0\.1:\d+[^;]*;\n", site, flags=re.M)
    assert len(servers) >= 2, "deploy/nginx/citysafe.conf: no upstream server lines to rewrite"
    options = re.sub(r"^\s*server 127\.0\.0\.1:\d+", "", servers[0]).strip()
    site = site.replace("".join(servers), "".join(f"    server 127.0.0.1:{p} {options}\n" for p in upstreams))
    site, listens = re.subn(r"^(\s*)listen 80;", rf"\1listen 127.0.0.1:{listen};", site, flags=re.M)
    assert listens == 1, "deploy/nginx/citysafe.conf: expected one `listen 80;`"
    (directory / "citysafe.conf").write_text(site, encoding="utf-8")
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (directory / sub).mkdir(exist_ok=True)
    conf = directory / "nginx.conf"
    conf.write_text(f"""daemon off;
pid {directory}/nginx.pid;
error_log {directory}/error.log info;
worker_processes 1;
events {{ worker_connections 1024; }}
http {{
    access_log {directory}/access.log;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/citysafe.conf;
}}
""", encoding="utf-8")
    return conf


@dataclass
class Arrangement:
    """Processes by name, their logs in ``directory``; ``stop`` ends every one still running."""

    directory: Path
    env: dict[str, str]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: list[IO[bytes]] = field(default_factory=list)

    def start(self, name: str, args: list[str], instance: str | None = None) -> subprocess.Popen[bytes]:
        log = (self.directory / f"{name}.log").open("ab")
        self.logs.append(log)
        env = {**self.env, "CITYSAFE_INSTANCE": instance or name}
        command = args if args[0] == nginx_binary() else [CITYSAFE, *args]
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        self.procs[name] = proc
        return proc

    def kill9(self, name: str) -> None:
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def log_tail(self, name: str, size: int = 3000) -> str:
        return (self.directory / f"{name}.log").read_bytes()[-size:].decode(errors="replace")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        for log in self.logs:
            log.close()


class FreshDatabase:
    """A PostgreSQL database of its own, dropped afterwards (with any connection still open to it)."""

    def __init__(self) -> None:
        self.name = f"citysafe_deploy_{uuid.uuid4().hex[:8]}"
        self.admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = make_url(POSTGRES_ADMIN_URL).set(database=self.name).render_as_string(hide_password=False)

    def prepare(self, username: str) -> None:
        """The schema by the Alembic history, Jiangsu's divisions and one province-wide admin, in this process:
        three `citysafe` commands would each pay the package's import again (seconds on a loaded machine)."""
        from citysafe.auth import service as auth_service
        from citysafe.auth.schemas import UserCreate
        from citysafe.core.db import create_db_engine, make_session_factory, unit_of_work
        from citysafe.core.migrate import upgrade
        from citysafe.regions import service as regions_service
        from citysafe.registry import load_models

        load_models()
        engine = create_db_engine(self.url, pool_size=1)
        try:
            upgrade(engine)
            with unit_of_work(make_session_factory(engine), actor="tests") as session:
                regions_service.import_packaged_jiangsu(session)
                auth_service.create_user(session, user_in=UserCreate(
                    username=username, password=PASSWORD, role="admin", region_code="320000"))
        finally:
            engine.dispose()

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()
