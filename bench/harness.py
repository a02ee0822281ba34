"""What the benchmarks share: a free loopback port and a process's CPU time.

Each benchmark is run as a script (``python bench/x.py``), so this folder is first on ``sys.path`` and
``from harness import free_port`` finds this module.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds ``pid`` has used so far (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_healthy(client: httpx.Client, *, tries: int = 300) -> None:
    """Poll the server's health until it answers 200 (a fresh ``citysafe serve`` takes a few seconds)."""
    for _ in range(tries):
        try:
            if client.get("/api/v1/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{client.base_url} did not become healthy")


def bearer(client: httpx.Client, username: str, password: str) -> dict[str, str]:
    """The Authorization header of ``username``'s API token."""
    token = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    token.raise_for_status()
    return {"Authorization": f"Bearer {token.json()['access_token']}"}
