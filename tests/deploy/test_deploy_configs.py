"""deploy/: the files operators install are checked by the tools that will read them (nginx -t, systemd-analyze
verify), and every setting and command they name exists in this release."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.support.arrangement import CITYSAFE, REPO, nginx_binary, render_nginx

from citysafe.core.config import Settings

SYSTEMD = REPO / "deploy" / "systemd"
UNITS = ("citysafe-web@8001.service", "citysafe-worker@0-3.service", "citysafe-gateway.service",
         "citysafe-migrate.service", "citysafe.target")
INSTALLED_CITYSAFE = "/opt/citysafe/venv/bin/citysafe"


def test_the_nginx_configuration_is_accepted_by_nginx(tmp_path: Path) -> None:
    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed (scripts/ensure-system.sh test installs it)")
    conf = render_nginx(tmp_path, 8080, [8001, 8002])
    checked = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True,
                             check=False)
    assert checked.returncode == 0, checked.stderr


def test_the_nginx_configuration_streams_and_forwards_the_client_address() -> None:
    site = (REPO / "deploy" / "nginx" / "citysafe.conf").read_text(encoding="utf-8")
    stream = site[site.index("location = /api/v1/firewatch/stream"):]
    stream = stream[:stream.index("}")]
    assert "proxy_buffering off;" in stream  # each alarm leaves at once, not when a buffer fills
    assert re.search(r"proxy_read_timeout\s+1h;", stream)  # the 15 s pings keep a live stream under it
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (part of systemd; absent in containers without it)")
    # The units name the installed path; here the tree's own command stands in for it, so verify can check
    # that every ExecStart is an executable.
    for unit in SYSTEMD.iterdir():
        if unit.suffix in {".service", ".target"}:
            (tmp_path / unit.name).write_text(unit.read_text(encoding="utf-8").replace(INSTALLED_CITYSAFE, CITYSAFE),
                                              encoding="utf-8")
    checked = subprocess.run([analyze, "verify", "--man=no", *UNITS], cwd=tmp_path, capture_output=True, text=True,
                             check=False)
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr


def test_the_units_are_hardened_and_restarted() -> None:
    for name in ("citysafe-web@.service", "citysafe-worker@.service", "citysafe-gateway.service"):
        unit = (SYSTEMD / name).read_text(encoding="utf-8")
        for line in ("Restart=always", "NoNewPrivileges=yes", "ProtectSystem=strict",
                     "EnvironmentFile=/etc/citysafe/citysafe.env"):
            assert line in unit, f"{name}: {line}"
        assert re.search(r"^LimitNOFILE=\d+$", unit, flags=re.M), f"{name}: LimitNOFILE"
        assert "User=citysafe" in unit, f"{name} runs as root"


def test_every_setting_of_the_environment_example_exists() -> None:
    known = {f"CITYSAFE_{name.upper()}" for name in Settings.model_fields}
    example = (SYSTEMD / "citysafe.env.example").read_text(encoding="utf-8")
    named = re.findall(r"^(CITYSAFE_[A-Z0-9_]+)=", example, flags=re.M)
    assert named
    assert sorted(set(named) - known) == []
    units = "".join((SYSTEMD / u).read_text(encoding="utf-8") for u in ("citysafe-web@.service",
                                                                         "citysafe-worker@.service"))
    assert sorted(set(re.findall(r"Environment=(CITYSAFE_[A-Z0-9_]+)=", units)) - known) == []


@pytest.mark.parametrize("unit", ["citysafe-web@.service", "citysafe-worker@.service", "citysafe-migrate.service",
                                  "citysafe-gateway.service"])
def test_the_command_of_each_unit_exists(unit: str) -> None:
    text = (SYSTEMD / unit).read_text(encoding="utf-8")
    command = re.search(rf"^ExecStart={re.escape(INSTALLED_CITYSAFE)} (.+)$", text, flags=re.M)
    assert command is not None
    words = [w for w in command.group(1).split() if not w.startswith("-") and "%" not in w and not w.isdigit()
             and w not in {"127.0.0.1", "0.0.0.0"}]
    helped = subprocess.run([CITYSAFE, *words, "--help"], capture_output=True, text=True, check=False)
    assert helped.returncode == 0, f"{unit}: citysafe {' '.join(words)}: {helped.stderr}"
    for option in re.findall(r"(--[a-z0-9-]+)", command.group(1)):
        assert option in helped.stdout, f"{unit}: citysafe {' '.join(words)} has no {option}"
