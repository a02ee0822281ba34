"""The multi-process deployment (docs/deploy.md) on loopback, with a worker and a web process killed mid-stream.

Two `citysafe serve` processes behind a real nginx running deploy/nginx/citysafe.conf, a gateway publishing to
JetStream, two `citysafe gb26875 worker` processes (partitions 0-1 and 2-3), a fresh PostgreSQL database and a
JetStream stream of this test's own. Simulated UITDs send numbered status and fire frames without pause while
one worker, one web process and one gateway process are killed with SIGKILL and the worker is started again.

Then: every frame a device saw ACKed is stored exactly once, each device's frames in the order it sent them;
two browser-side streams through nginx (one on each web process) saw fires committed by both workers, and the
stream whose web process died reconnected through nginx to the other and went on seeing them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import nats
import pytest
from sqlalchemy import create_engine, text
from tests.support.arrangement import (
    NATS_URL,
    PASSWORD,
    Arrangement,
    FreshDatabase,
    free_port,
    nginx_binary,
    render_nginx,
)
from tests.support.waiting import until

from citysafe.firewatch.protocols.gb26875 import ComponentStatus, DeviceTime, encode_description, encode_frame
from citysafe.firewatch.simulator import SimulatedUitd

PARTITIONS = 4
WORKERS = {"worker-a": "0-1", "worker-b": "2-3"}  # names and the partitions each consumes
DEVICES = 8  # two per partition
BASE = 0x00DE_0000_0000
PERIOD = 0.1  # s between a device's frames: ~80 frames/s in all, light enough for a loaded shared machine
FIRE_EVERY = 3  # every third frame a fire on a new point, so each raises its own alarm (AlarmRaised)
WAIT = 40.0
START = 300.0  # s for the processes to start: 12 CPU-s each; ~150 s elapsed when the shared machine's load was 15

# Most of its time is five processes importing the package (about 12 CPU-s each): 327 s when the shared
# 2-core machine's load average was 23.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def partition_of(address: int) -> int:
    return address % PARTITIONS  # as StreamNames.subject_for


def worker_of(address: int) -> str:
    return "worker-a" if partition_of(address) < 2 else "worker-b"


@dataclass
class Device:
    uitd: SimulatedUitd
    acked: list[bytes] = field(default_factory=list)  # raw frames in the order their ACKs came
    sent: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sent += 1
            number = self.sent
            status = 0x0003 if number % FIRE_EVERY == 0 else 0x0001
            component = 1 << 16 | number
            obj = ComponentStatus(1, 1, 40, component, status, encode_description(f"第{number}号"),
                                  DeviceTime.of(datetime(2026, 3, 1, 10, 0)))
            result = await self.uitd.send(2, [obj])
            if result.acked:
                self.acked.append(encode_frame(result.frame))
            await asyncio.sleep(PERIOD)


@dataclass
class Browser:
    """A console's EventSource through nginx: reconnects when its stream ends, as the browser does."""

    base: str
    token: str
    instances: list[str] = field(default_factory=list)  # the web process behind each connection, in order
    fires: list[tuple[int, str]] = field(default_factory=list)  # (connection number, device address)
    connected: asyncio.Event = field(default_factory=asyncio.Event)

    async def follow(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=None)) as client:
            while not stop.is_set():
                with contextlib.suppress(httpx.HTTPError):
                    await self._one(client)
                self.connected.clear()
                await asyncio.sleep(0.2)  # EventSource's retry, shortened

    async def _one(self, client: httpx.AsyncClient) -> None:
        async with client.stream("GET", f"{self.base}/api/v1/firewatch/stream", params={"kind": "fire"},
                                 headers={"Authorization": f"Bearer {self.token}"}) as response:
            if response.status_code != 200:
                return
            event = ""
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event == "hello":
                    self.instances.append(json.loads(line[5:])["instance"])
                    self.connected.set()
                elif line.startswith("data:") and event == "AlarmRaised":
                    self.fires.append((len(self.instances), json.loads(line[5:])["device_address"]))

    def saw_both_workers(self, *, after: int = 0) -> bool:
        """Fires of the partitions of both workers among those seen after the first ``after``."""
        return {worker_of(int(address)) for _, address in self.fires[after:]} == set(WORKERS)


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[tuple[Arrangement, FreshDatabase, dict[str, int]]]:
    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed (scripts/ensure-system.sh test installs it)")
    database = FreshDatabase()
    stream = f"TEST_DEPLOY_{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "CITYSAFE_DATABASE_URL": database.url, "CITYSAFE_DATA_DIR": str(tmp_path),
           "CITYSAFE_NATS_URL": NATS_URL, "CITYSAFE_GB26875_NATS_STREAM": stream,
           "CITYSAFE_GB26875_PARTITIONS": str(PARTITIONS), "CITYSAFE_SECRET_KEY": "deploy-test-secret-" + "x" * 20,
           "CITYSAFE_TRUSTED_PROXIES": "127.0.0.1", "CITYSAFE_GB26875_WRITER": "thread"}
    arrangement = Arrangement(tmp_path, env)
    ports = {"web-1": free_port(), "web-2": free_port(), "nginx": free_port(), "gateway": free_port()}
    try:
        await asyncio.to_thread(database.prepare, "watch")
        for web in ("web-1", "web-2"):
            arrangement.start(web, ["serve", "--port", str(ports[web])])
        arrangement.start("gateway", ["gb26875", "gateway", "--host", "127.0.0.1", "--port", str(ports["gateway"]),
                                      "--processes", "2"])
        for name, partitions in WORKERS.items():
            arrangement.start(name, ["gb26875", "worker", "--partitions", partitions])
        conf = render_nginx(tmp_path, ports["nginx"], [ports["web-1"], ports["web-2"]])
        arrangement.start("nginx", [nginx, "-c", str(conf), "-p", str(tmp_path)])
        yield arrangement, database, ports
    finally:
        arrangement.stop()
        with contextlib.suppress(Exception):
            nc = await nats.connect(NATS_URL)
            with contextlib.suppress(Exception):
                await nc.jetstream().delete_stream(stream)
            await nc.close()
        database.drop()


def gateway_children(arrangement: Arrangement) -> list[int]:
    """The gateway processes of `citysafe gb26875 gateway --processes 2` (children of its supervisor)."""
    pid = arrangement.procs["gateway"].pid
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in children.read_text().split()] if children.exists() else []


def stored_frames(url: str) -> dict[int, list[bytes]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT source_address, raw FROM fw_raw_frame ORDER BY id")).all()
    finally:
        engine.dispose()
    by_device: dict[int, list[bytes]] = defaultdict(list)
    for source, raw in rows:
        by_device[int(source)].append(bytes(raw))
    return by_device


async def test_kill_9_of_a_worker_and_a_web_process_loses_and_doubles_nothing_acked(
    deployment: tuple[Arrangement, FreshDatabase, dict[str, int]],
) -> None:
    arrangement, database, ports = deployment
    base = f"http://127.0.0.1:{ports['nginx']}"
    async with httpx.AsyncClient(base_url=base, timeout=10.0) as client:
        async def web_up() -> bool:
            with contextlib.suppress(httpx.HTTPError, ValueError):  # refused, or nginx's 502 page while both start
                answers = {(await client.get("/api/v1/health/components")).json().get("instance") for _ in range(4)}
                return answers == {"web-1", "web-2"}  # both behind nginx answer
            return False

        # Five processes import the whole package at once: a minute or more on a loaded 2-core machine.
        await until(web_up, what="both web processes answering through nginx", timeout=START, interval=0.2)
        token = (await client.post("/api/v1/auth/token", data={"username": "watch", "password": PASSWORD})
                 ).json()["access_token"]

    stop_devices, stop_browsers = asyncio.Event(), asyncio.Event()
    # One browser on each web process: streams are opened until nginx has put one on each.
    browsers: list[Browser] = []
    tasks: list[asyncio.Task[None]] = []
    while {b.instances[-1] for b in browsers if b.instances} != {"web-1", "web-2"}:
        browser = Browser(base, token)
        tasks.append(asyncio.create_task(browser.follow(stop_browsers)))
        await asyncio.wait_for(browser.connected.wait(), WAIT)
        browsers.append(browser)  # a second stream on a process already covered just follows along
        assert len(browsers) <= 8, "nginx put every stream on the same web process"
    on = {name: next(b for b in browsers if b.instances[0] == name) for name in ("web-1", "web-2")}
    victim_web = "web-1"

    async def gateway_up() -> bool:
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", ports["gateway"])
            writer.close()
            return True
        return False

    await until(gateway_up, what="the gateway listening", timeout=START, interval=0.2)
    devices = [Device(SimulatedUitd(BASE + i, host="127.0.0.1", port=ports["gateway"], ack_timeout=10.0))
               for i in range(DEVICES)]
    for device in devices:
        await device.uitd.connect()
    sending = [asyncio.create_task(device.run(stop_devices)) for device in devices]

    def acked() -> int:
        return sum(len(d.acked) for d in devices)

    try:
        # 1. Everything up: fires from both workers' partitions reach the consoles of both web processes.
        for browser in on.values():
            await until(browser.saw_both_workers, what="fires of both workers on each web process",
                        timeout=WAIT)
        # 2. kill -9 a worker in the middle of the stream; devices go on being ACKed (JetStream holds them).
        arrangement.kill9("worker-a")
        before = acked()
        await until(lambda: acked() >= before + 100, what="100 more frames ACKed with worker-a dead", timeout=WAIT)
        # 3. kill -9 the web process holding one of the streams; that browser reconnects through nginx.
        arrangement.kill9(victim_web)
        reconnected = on[victim_web]
        await until(lambda: len(reconnected.instances) >= 2 and reconnected.connected.is_set(),
                    what="the stream of the killed web process reconnected", timeout=WAIT)
        assert reconnected.instances[-1] != victim_web
        # 3b. kill -9 one gateway process: its devices reconnect (SO_REUSEPORT: to the other, or to the one the
        # gateway starts again) and retransmit what was not ACKed; the stream drops what it already had.
        children = gateway_children(arrangement)
        assert len(children) == 2, "citysafe gb26875 gateway --processes 2 runs two gateway processes"
        os.kill(children[0], signal.SIGKILL)
        before = acked()
        await until(lambda: acked() >= before + 50, what="50 more frames ACKed after a gateway process died",
                    timeout=WAIT)
        # 4. worker-a again: it resumes its partitions from the stream, and its fires reach both browsers.
        arrangement.start("worker-a", ["gb26875", "worker", "--partitions", WORKERS["worker-a"]])
        seen_before = {name: len(b.fires) for name, b in on.items()}
        for name, browser in on.items():
            await until(lambda b=browser, n=name: b.saw_both_workers(after=seen_before[n]),
                        what=f"fires of both workers on the stream first opened on {name} after the kills",
                        timeout=START)  # the new worker-a starts (imports) first
        before = acked()
        await until(lambda: acked() >= before + 100, what="100 more frames ACKed after the restart", timeout=WAIT)
    finally:
        stop_devices.set()
        await asyncio.gather(*sending, return_exceptions=True)
        for device in devices:
            await device.uitd.close()
        stop_browsers.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    total = acked()
    assert total >= 200

    def all_stored() -> bool:
        return sum(len(v) for v in stored_frames(database.url).values()) >= total

    # The workers catch up with the backlog worker-a's death left; what is missing after that is named below.
    with contextlib.suppress(AssertionError):
        await until(all_stored, what=f"the {total} ACKed frames in the database", timeout=START, interval=0.5)
    stored = stored_frames(database.url)
    for device in devices:
        address = device.uitd.address
        rows = stored.get(address, [])
        assert len(rows) == len(set(rows)), f"device {address:#x}: a frame stored twice"
        # Every ACKed frame once, in the device's order; a frame sent but never ACKed may be there too.
        positions = [rows.index(raw) if raw in rows else -1 for raw in device.acked]
        missing = positions.count(-1)
        assert missing == 0, f"device {address:#x}: {missing} ACKed frames not stored (worker {worker_of(address)})"
        assert positions == sorted(positions), f"device {address:#x}: frames stored out of order"
    for name, proc in arrangement.procs.items():
        if name != victim_web:
            assert proc.poll() is None, f"{name} died: {arrangement.log_tail(name)}"
