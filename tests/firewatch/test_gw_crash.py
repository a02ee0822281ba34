"""Crash safety: kill -9 the server while devices send; after a restart every ACKed frame is stored
and the frames retransmitted across the crash are stored once.

A real `citysafe serve --gb26875-port` process on an embedded SQLite database (WAL); simulated UITDs
retransmit what was not ACKed, exactly as devices do. Every frame carries a unique analog value, so
no two distinct frames can be mistaken for retransmissions of each other.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from tests.support.waiting import until

from citysafe.firewatch.protocols.gb26875 import AnalogValue, DeviceTime, Frame, decode_frame, dedup_key, encode_frame
from citysafe.firewatch.simulator import SimulatedUitd

pytestmark = pytest.mark.slow

CITYSAFE = str(Path(sys.executable).parent / "citysafe")
DEVICES = 30
KILLS = 3
WAIT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    data_dir: Path
    http_port: int = field(default_factory=free_port)
    gateway_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "CITYSAFE_DATA_DIR": str(self.data_dir), "CITYSAFE_DATABASE_URL": "",
                "CITYSAFE_NATS_URL": ""}

    def start(self) -> None:
        log = (self.data_dir / "serve.log").open("ab")
        self.proc = subprocess.Popen(
            [CITYSAFE, "serve", "--port", str(self.http_port), "--gb26875-port", str(self.gateway_port)],
            env=self.env, stdout=log, stderr=log)
        log.close()

    async def listening(self) -> None:
        async def accepting() -> bool:
            assert self.proc is not None and self.proc.poll() is None, "server exited"
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.gateway_port)
            except OSError:
                return False
            writer.close()
            return True

        await until(accepting, what="citysafe serve accepting on its GB26875 port", timeout=WAIT, interval=0.05)

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path)
    subprocess.run([CITYSAFE, "db", "upgrade"], env=srv.env, check=True, capture_output=True)
    yield srv
    srv.stop()


class Device:
    """A UITD that keeps sending distinct analog readings and remembers what was ACKed."""

    counter = 0
    kills = 0

    def __init__(self, address: int, port: int) -> None:
        # Short ACK timeout and many retries: the device keeps retransmitting through the restart.
        self.uitd = SimulatedUitd(address, host="127.0.0.1", port=port, ack_timeout=1.0, retries=60)
        self.acked: list[Frame] = []
        self.failed: list[Frame] = []
        self.retransmitted: list[tuple[Frame, int]] = []  # with the number of kills so far
        self.stop = asyncio.Event()

    async def run(self) -> None:
        while not self.stop.is_set():
            Device.counter += 1
            n = Device.counter
            label = DeviceTime.of(datetime(2026, 3, 1, 10, n // 60 % 60, n % 60))
            result = await self.uitd.send(3, [AnalogValue(1, 1, 99, self.uitd.address & 0xFFFF, 5, n, label)])
            (self.acked if result.acked else self.failed).append(result.frame)
            if result.attempts > 1:
                self.retransmitted.append((result.frame, Device.kills))


def stored(data_dir: Path) -> list[tuple[int, bytes]]:
    engine = create_engine(f"sqlite:///{data_dir / 'citysafe.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, raw FROM fw_raw_frame ORDER BY id")).all()
    finally:
        engine.dispose()
    return [(r[0], bytes(r[1])) for r in rows]


# 51 s on a loaded machine; its own waits (WAIT each) should fail with their message before the plugin does.
@pytest.mark.timeout(300)
async def test_no_acked_frame_is_lost_and_none_is_doubled_across_kill_9(server: Server) -> None:
    server.start()
    await server.listening()
    devices = [Device(0x00C0_0000_0000 + i, server.gateway_port) for i in range(DEVICES)]
    tasks = [asyncio.create_task(d.run()) for d in devices]

    async def acked_at_least(n: int) -> None:
        await until(lambda: sum(len(d.acked) for d in devices) >= n, what=f"{n} frames ACKed", timeout=WAIT)

    # Several kills at random moments: some frames are inside a transaction, some committed but not
    # yet ACKed, and each restart recovers the SQLite WAL left behind.
    last_ids: list[int] = []
    acked_before = 0
    for _ in range(KILLS):
        await acked_at_least(acked_before + 250)
        server.kill()
        Device.kills += 1
        acked_before = sum(len(d.acked) for d in devices)
        last_ids.append(max((i for i, _ in stored(server.data_dir)), default=0))
        server.start()
        await server.listening()
    await acked_at_least(acked_before + 250)
    for d in devices:
        d.stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), WAIT)
    for d in devices:
        await d.uitd.close()
    server.stop()

    rows = stored(server.data_dir)
    keys = [dedup_key(decode_frame(raw)) for _, raw in rows]
    first_id = {raw: i for i, raw in reversed(rows)}
    acked = [f for d in devices for f in d.acked]
    lost = [f for f in acked if encode_frame(f) not in first_id]
    assert lost == [], f"{len(lost)} ACKed frames missing after kill -9"
    assert len(keys) == len(set(keys)), "a retransmitted frame was stored twice"
    assert sum(len(d.failed) for d in devices) == 0
    retransmitted = [f for d in devices for f in d.retransmitted]
    assert len(retransmitted) >= 1
    # retransmissions of frames the crashed process had committed without ACKing: stored once, ACKed now
    # a retransmission after kill k whose frame has an id from before that kill: the killed process had
    # committed it but not ACKed it
    deduplicated = [f for f, kills in retransmitted if kills and first_id[encode_frame(f)] <= last_ids[kills - 1]]
    reconnects = sum(d.uitd.stats.reconnects for d in devices)
    assert reconnects >= DEVICES * KILLS
    print(f"\ncrash test: {KILLS} × kill -9, {len(acked)} frames ACKed, {len(rows)} stored, "
          f"{len(retransmitted)} retransmitted across the crashes ({len(deduplicated)} of them committed by a "
          f"killed process before its ACK went out, stored once), {reconnects} reconnects, 0 lost, 0 doubled")
