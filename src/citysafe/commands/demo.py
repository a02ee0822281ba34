"""What `citysafe demo` does around building the city: the port check before anything is built, keeping
the built city and its password across restarts (``--reset`` rebuilds), and the demo's running parts.

The city counts as built once ``demo-password`` exists beside the database: it is written after the build
committed, so a build cut short is redone on the next start instead of serving half a city.
"""

from __future__ import annotations

import errno
import shutil
import socket
from pathlib import Path

from citysafe.commands.support import fail

PASSWORD_FILE = "demo-password"  # noqa: S105 (the file's name, not a password)


def ensure_port_free(host: str, port: int) -> None:
    """Exit 2 with one line (Chinese, then English) when ``host:port`` cannot be listened on, before the
    minute of building a city that could not be served."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no obstacle
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(f"端口 {port} 已被占用，请换一个：make demo PORT={port + 1} / "
                     f"port {port} on {host} is already in use, choose another: make demo PORT={port + 1}")
            fail(f"无法在 {host}:{port} 上监听 / cannot listen on {host}:{port}: {exc.strerror}")


def saved_password(data_dir: Path, *, reset: bool) -> str | None:
    """The password of a city already built in ``data_dir``; None (after clearing the directory) when the
    city is to be built: asked to reset, never built, or its build was interrupted."""
    password_file = data_dir / PASSWORD_FILE
    if not reset and password_file.is_file():
        return password_file.read_text(encoding="utf-8").strip()
    if data_dir.exists():
        shutil.rmtree(data_dir)
    return None


def save_password(data_dir: Path, password: str) -> None:
    password_file = data_dir / PASSWORD_FILE
    password_file.touch(mode=0o600)  # readable by the one who started the demo only
    password_file.write_text(password + "\n", encoding="utf-8")
