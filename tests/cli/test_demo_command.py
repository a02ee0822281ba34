"""`citysafe demo` around the build: a busy port is reported in one line before anything is built, and a
built city is kept with its password until --reset (the second start is tested in tests/hazards'
test_hazards_demo, which builds the whole city anyway)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from citysafe.commands import demo as demo_run


def test_a_busy_port_is_reported_before_the_city_is_built(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = os.environ | {"CITYSAFE_DATABASE_URL": "", "CITYSAFE_DATA_DIR": str(data_dir)}
        result = subprocess.run([sys.executable, "-m", "citysafe", "demo", "--port", str(port),
                                 "--data-dir", str(data_dir)], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"端口 {port} 已被占用" in lines[0] and f"port {port} on 127.0.0.1 is already in use" in lines[0]
    assert not data_dir.exists() and result.stdout == ""


def test_a_built_city_keeps_its_password_until_reset(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    assert demo_run.saved_password(data_dir, reset=False) is None  # never built
    data_dir.mkdir()
    (data_dir / "citysafe.db").write_bytes(b"half a build")
    assert demo_run.saved_password(data_dir, reset=False) is None  # interrupted: cleared for a rebuild
    assert not data_dir.exists()
    data_dir.mkdir()
    demo_run.save_password(data_dir, "Kept-Pass1")
    assert (data_dir / demo_run.PASSWORD_FILE).stat().st_mode & 0o077 == 0
    assert demo_run.saved_password(data_dir, reset=False) == "Kept-Pass1"
    assert demo_run.saved_password(data_dir, reset=True) is None
    assert not data_dir.exists()


def test_a_port_that_cannot_be_listened_on_is_one_line_too() -> None:
    with pytest.raises(typer.Exit) as exit_info:
        demo_run.ensure_port_free("192.0.2.1", 8000)  # TEST-NET-1: not an address of this machine
    assert exit_info.value.exit_code == 2
