"""`citysafe gb26875 gateway`: gateway processes without the web API, on real sockets and real processes.

Two processes share the port with SO_REUSEPORT and publish to the real JetStream on 127.0.0.1:4222 (their
own stream per test); one process commits through the database writer child into its own SQLite file;
SIGTERM stops cleanly; bad options end with one line and exit code 2."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import httpx
import nats
import pytest
from sqlalchemy import create_engine, func, select
from tests.support.nats_streams import NATS_URL, fresh_stream_names
from tests.support.waiting import until, until_sync

from citysafe.firewatch.ingest.models import RawFrame
from citysafe.firewatch.ingest.worker import StreamNames
from citysafe.firewatch.protocols.gb26875 import ComponentStatus, DeviceTime, encode_description
from citysafe.firewatch.simulator import SimulatedUitd

CITYSAFE = str(Path(sys.executable).parent / "citysafe")
WAIT = 30.0


def fire(point: int) -> ComponentStatus:
    return ComponentStatus(1, 1, 40, point, 0x0003, encode_description(f"{point}号探测器"),
                           DeviceTime.of(datetime(2026, 3, 1, 10, 0)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def gateway(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([CITYSAFE, "gb26875", "gateway", "--host", "127.0.0.1", *args], env=env,
                                stdout=out, stderr=out)


def scrape(port: int) -> dict[str, float]:
    """A gateway process's /metrics as {name{labels}: value}."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=WAIT).text
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            if line and not line.startswith("#")}


def answers(port: int) -> bool:
    """A gateway process answers /metrics once it listens (standalone.run_process starts it after)."""
    try:
        return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(WAIT)


@pytest.fixture
async def names() -> AsyncIterator[StreamNames]:
    async with fresh_stream_names("TEST_GWSTANDALONE") as names:
        yield names


@pytest.mark.parametrize(("args", "says"), [
    (["--processes", "0"], "--processes 0 is outside 1..64"),
    (["--port", "70000"], "--port 70000 is outside 0..65535"),
    (["--host", "203.0.113.9", "--port", "0"], "cannot run the gateway on 203.0.113.9:0"),
])
def test_bad_options_end_with_one_line_and_exit_2(args: list[str], says: str) -> None:
    done = subprocess.run([CITYSAFE, "gb26875", "gateway", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "CITYSAFE_NATS_URL": ""})
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if not line[:4].isdigit()]  # log lines carry a date
    assert lines == [lines[0]] and lines[0].startswith(f"error: {says}"), done.stderr


def test_a_port_held_by_another_listener_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([CITYSAFE, "gb26875", "gateway", "--port", str(port), "--processes", "2"],
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, "CITYSAFE_NATS_URL": "", "CITYSAFE_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1].startswith(f"error: cannot run the gateway on 127.0.0.1:{port}")


async def test_two_processes_share_the_port_and_ack_after_jetstream(tmp_path: Path, names: StreamNames) -> None:
    port = free_port()
    env = {**os.environ, "CITYSAFE_NATS_URL": NATS_URL, "CITYSAFE_GB26875_NATS_STREAM": names.stream,
           "CITYSAFE_DATA_DIR": str(tmp_path)}
    log = tmp_path / "gateway.log"
    metrics = free_port()
    proc = gateway(env, log, "--port", str(port), "--processes", "2", "--metrics-port", str(metrics))
    try:
        until_sync(lambda: proc.poll() is None and len(children(proc.pid)) == 2 and answers(metrics)
                   and answers(metrics + 1), what="two gateway processes listening", timeout=WAIT)
        uitds = [SimulatedUitd(0x00CD_0000_0000 + i, host="127.0.0.1", port=port, ack_timeout=WAIT)
                 for i in range(24)]
        for uitd in uitds:
            await uitd.connect()
        results = await asyncio.gather(*(uitd.send(2, [fire(i)]) for i, uitd in enumerate(uitds)))
        assert all(result.acked for result in results)
        # the kernel spread the 24 connections over both listeners (all on one: a chance of 2 in 2**24)
        accepted = [scrape(metrics + i)["citysafe_gb26875_accepted_total"] for i in range(2)]
        assert sum(accepted) == 24 and min(accepted) > 0, accepted  # the probes above went to /metrics
        for uitd in uitds:
            await uitd.close()
        nc = await nats.connect(NATS_URL)
        try:
            assert (await nc.jetstream().stream_info(names.stream)).state.messages == 24
        finally:
            await nc.close()
        pids = children(proc.pid)
    finally:
        code = stop(proc) if proc.poll() is None else proc.returncode
    assert code == 0, log.read_text()
    assert not any(Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()
                   for pid in pids)


async def test_one_process_commits_through_the_writer_into_the_database(tmp_path: Path) -> None:
    env = {**os.environ, "CITYSAFE_NATS_URL": "", "CITYSAFE_DATA_DIR": str(tmp_path), "CITYSAFE_DATABASE_URL": ""}
    subprocess.run([CITYSAFE, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    log = tmp_path / "gateway.log"
    proc = gateway(env, log, "--port", str(port))
    try:
        until_sync(lambda: proc.poll() is None and listening(port), what="the gateway listening", timeout=WAIT)
        uitd = SimulatedUitd(0x00CD_0000_0100, host="127.0.0.1", port=port, ack_timeout=WAIT)
        await uitd.connect()
        assert (await uitd.send(2, [fire(7)])).acked
        await uitd.close()
    finally:
        code = stop(proc) if proc.poll() is None else proc.returncode
    assert code == 0, log.read_text()
    engine = create_engine(f"sqlite:///{tmp_path / 'citysafe.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(RawFrame.source_address, func.count()).group_by(RawFrame.source_address)).all()
    finally:
        engine.dispose()
    assert [(int(address), n) for address, n in rows] == [(0x00CD_0000_0100, 1)]


async def test_sigterm_stops_a_gateway_holding_connections(tmp_path: Path, names: StreamNames) -> None:
    port = free_port()
    env = {**os.environ, "CITYSAFE_NATS_URL": NATS_URL, "CITYSAFE_GB26875_NATS_STREAM": names.stream,
           "CITYSAFE_DATA_DIR": str(tmp_path)}
    proc = gateway(env, tmp_path / "gateway.log", "--port", str(port))
    until_sync(lambda: proc.poll() is None and listening(port), what="the gateway listening", timeout=WAIT)
    uitd = SimulatedUitd(0x00CD_0000_0200, host="127.0.0.1", port=port, ack_timeout=WAIT)
    await uitd.connect()
    assert (await uitd.send(2, [fire(1)])).acked
    assert await asyncio.to_thread(stop, proc) == 0
    await until(lambda: not uitd.connected, what="the gateway closing the device's connection")
    await uitd.close()


def low_descriptor_limit() -> None:
    """In the gateway's child process before it runs: 300 descriptors, soft and hard (it cannot raise them)."""
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (300, 300))


async def test_near_limits_warn_once_and_show_on_metrics_then_the_cap_refuses(tmp_path: Path,
                                                                             names: StreamNames) -> None:
    port, metrics = free_port(), free_port()
    env = {**os.environ, "CITYSAFE_NATS_URL": NATS_URL, "CITYSAFE_GB26875_NATS_STREAM": names.stream,
           "CITYSAFE_DATA_DIR": str(tmp_path), "CITYSAFE_GB26875_MAX_CONNECTIONS": "250",
           "CITYSAFE_GB26875_MAX_CONNECTIONS_PER_HOST": "1000"}
    log = tmp_path / "gateway.log"
    with log.open("ab") as out:
        proc = subprocess.Popen([CITYSAFE, "gb26875", "gateway", "--port", str(port), "--metrics-port", str(metrics)],
                                env=env, stdout=out, stderr=out, preexec_fn=low_descriptor_limit)
    sockets: list[socket.socket] = []
    try:
        until_sync(lambda: proc.poll() is None and answers(metrics), what="the gateway listening", timeout=WAIT)
        assert scrape(metrics)['citysafe_gb26875_limit_near{limit="connections"}'] == 0
        for _ in range(260):  # 250 held (80 % of the cap is 200; of 300 descriptors, 240), 10 refused
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=WAIT))

        def near_and_refused() -> bool:
            figures = scrape(metrics)
            return (figures['citysafe_gb26875_limit_near{limit="descriptors"}'] == 1
                    and figures["citysafe_gb26875_refused_total"] == 10)

        until_sync(near_and_refused, what="descriptors near and 10 refusals", timeout=WAIT)
        figures = scrape(metrics)
        assert figures['citysafe_gb26875_limit_near{limit="connections"}'] == 1
        assert figures['citysafe_gb26875_limit_warnings_total{limit="connections"}'] == 1
        assert figures['citysafe_gb26875_limit_warnings_total{limit="descriptors"}'] == 1
        assert figures["citysafe_gb26875_connections"] == 250
        assert figures["citysafe_gb26875_descriptor_limit"] == 300
        assert 250 <= figures["citysafe_gb26875_open_descriptors"] < 300
    finally:
        for sock in sockets:
            sock.close()
        code = stop(proc) if proc.poll() is None else proc.returncode
    assert code == 0, log.read_text()
    warnings = [line for line in log.read_text().splitlines() if "near its" in line]
    assert len(warnings) == 2, warnings
    assert any("near its connections limit: 200 of 250" in line for line in warnings)
    assert any("near its descriptors limit" in line and "of 300" in line for line in warnings)


async def test_a_gateway_process_killed_is_started_again_and_the_port_keeps_serving(tmp_path: Path,
                                                                                   names: StreamNames) -> None:
    port, metrics = free_port(), free_port()
    env = {**os.environ, "CITYSAFE_NATS_URL": NATS_URL, "CITYSAFE_GB26875_NATS_STREAM": names.stream,
           "CITYSAFE_DATA_DIR": str(tmp_path)}
    log = tmp_path / "gateway.log"
    proc = gateway(env, log, "--port", str(port), "--processes", "2", "--metrics-port", str(metrics))
    try:
        until_sync(lambda: proc.poll() is None and len(children(proc.pid)) == 2 and answers(metrics)
                   and answers(metrics + 1), what="two gateway processes listening", timeout=WAIT)
        victim = children(proc.pid)[0]
        os.kill(victim, signal.SIGKILL)
        until_sync(lambda: victim not in children(proc.pid) and len(children(proc.pid)) == 2 and answers(metrics)
                   and answers(metrics + 1), what="the killed process started again", timeout=WAIT)
        uitd = SimulatedUitd(0x00CD_0000_0300, host="127.0.0.1", port=port, ack_timeout=WAIT)
        await uitd.connect()
        assert (await uitd.send(2, [fire(3)])).acked
        await uitd.close()
    finally:
        code = stop(proc) if proc.poll() is None else proc.returncode
    assert code == 0, log.read_text()
    assert "exited with -9; starting it again" in log.read_text()
