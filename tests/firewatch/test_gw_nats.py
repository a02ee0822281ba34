"""The multi-process path against the real NATS JetStream on 127.0.0.1:4222: the gateway ACKs after the
stream's ack, a worker ingests into the database, live events travel back over NATS to a web hub.

Each test uses its own stream and subjects, so runs never consume each other's messages."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from sqlalchemy import func, select
from tests.support.nats_streams import NATS_URL, fresh_stream_names
from tests.support.waiting import until

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.firewatch.gateway.connection import GatewayConfig
from citysafe.firewatch.gateway.server import Gateway
from citysafe.firewatch.gateway.sinks import DatabaseSink, JetStreamSink
from citysafe.firewatch.ingest.models import RawFrame
from citysafe.firewatch.ingest.worker import OfflineVerdict, StreamNames, relay_events, run_worker
from citysafe.firewatch.live import hub as live
from citysafe.firewatch.protocols.gb26875 import ComponentStatus, DeviceTime, encode_description
from citysafe.firewatch.registry.models import Uitd
from citysafe.firewatch.simulator import SimulatedUitd

T0 = datetime(2026, 3, 1, 2, 0, 0, tzinfo=UTC)
WAIT = 20.0
PARTITIONS = 4


def fire(point: int) -> ComponentStatus:
    return ComponentStatus(1, 1, 40, point, 0x0003, encode_description(f"{point}号探测器"),
                           DeviceTime.of(datetime(2026, 3, 1, 10, 0)))


def frames_stored(ctx: AppContext, expected: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await raw_frames(ctx) == expected

    return check


@pytest.fixture
async def names() -> AsyncIterator[StreamNames]:
    async with fresh_stream_names("TEST_GB26875") as names:
        yield names


@pytest.fixture
async def pipeline(ctx: AppContext, names: StreamNames) -> AsyncIterator[tuple[Gateway, JetStreamSink]]:
    clock = FixedClock(T0)
    sink = JetStreamSink(NATS_URL, partitions=PARTITIONS, names=names)
    await sink.start()
    gateway = Gateway(sink=sink, clock=clock, config=GatewayConfig(port=0))
    await gateway.start()
    stop = asyncio.Event()
    writer = DatabaseSink(ctx.session_factory, clock)
    worker = asyncio.create_task(run_worker(writer, url=NATS_URL, partitions=range(PARTITIONS),
                                            partition_count=PARTITIONS, stop=stop, names=names))
    yield gateway, sink
    stop.set()
    await asyncio.wait_for(worker, WAIT)
    await writer.aclose()
    await gateway.stop()


async def raw_frames(ctx: AppContext) -> int:
    def count() -> int:
        with ctx.session_factory() as session:
            return int(session.scalar(select(func.count()).select_from(RawFrame)) or 0)

    return await asyncio.to_thread(count)


async def test_frames_go_through_jetstream_to_the_worker_and_the_database(
    ctx: AppContext, pipeline: tuple[Gateway, JetStreamSink], names: StreamNames,
) -> None:
    gateway, _ = pipeline
    uitds = [SimulatedUitd(0x00AB_0000_0000 + i, host="127.0.0.1", port=gateway.port, ack_timeout=WAIT)
             for i in range(6)]
    for uitd in uitds:
        await uitd.connect()
        for point in range(3):
            assert (await uitd.send(2, [fire(point)])).acked
    await until(frames_stored(ctx, 18), what="18 frames in the database")
    nc = await nats.connect(NATS_URL)
    try:
        info = await nc.jetstream().stream_info(names.stream, subjects_filter=">")
    finally:
        await nc.close()
    # partitioned by UITD address: devices 0 and 4 share partition 0, and so on; component statuses go in
    # each partition's urgent lane
    assert info.state.messages == 18
    assert info.state.subjects == {f"{names.subject_prefix}.000u": 6, f"{names.subject_prefix}.001u": 6,
                                   f"{names.subject_prefix}.002u": 3, f"{names.subject_prefix}.003u": 3}
    for uitd in uitds:
        await uitd.close()


async def test_a_retransmission_is_acked_and_dropped_by_the_stream(
    ctx: AppContext, pipeline: tuple[Gateway, JetStreamSink], names: StreamNames,
) -> None:
    gateway, _ = pipeline
    uitd = SimulatedUitd(0x00AB_0000_0100, host="127.0.0.1", port=gateway.port, ack_timeout=WAIT)
    await uitd.connect()
    frame = uitd.build(2, [fire(9)], serial=77)
    assert await uitd.transmit(frame)
    assert await uitd.transmit(frame)  # the device missed the first ACK
    await until(frames_stored(ctx, 1), what="the frame in the database")
    nc = await nats.connect(NATS_URL)
    try:
        assert (await nc.jetstream().stream_info(names.stream)).state.messages == 1
    finally:
        await nc.close()
    assert await raw_frames(ctx) == 1
    await uitd.close()


async def test_alarm_events_reach_a_web_process_hub_over_nats(
    ctx: AppContext, pipeline: tuple[Gateway, JetStreamSink],
) -> None:
    gateway, _ = pipeline
    hub = live.LiveHub(asyncio.get_running_loop())
    seen: list[tuple[str, dict[str, Any]]] = []
    hub.listen(lambda name, payload: seen.append((name, payload)))
    subscriber = await live._relay_from_nats(hub, NATS_URL)  # what a web process's live service does
    publisher = await nats.connect(NATS_URL)
    detach = relay_events(ctx.bus, publisher, asyncio.get_running_loop())  # what the worker command does
    try:
        uitd = SimulatedUitd(0x00AB_0000_0200, host="127.0.0.1", port=gateway.port, ack_timeout=WAIT)
        await uitd.connect()
        assert (await uitd.send(2, [fire(5)])).acked

        async def raised() -> bool:
            return any(name == "AlarmRaised" for name, _ in seen)

        await until(raised, what="AlarmRaised relayed over NATS")
        payload = next(p for name, p in seen if name == "AlarmRaised")
        assert payload["kind"] == "fire"
        assert payload["device_address"] == str(0x00AB_0000_0200)
        await uitd.close()
    finally:
        detach()
        await publisher.drain()
        await subscriber.drain()


async def test_an_offline_verdict_goes_through_jetstream_to_the_database(
    ctx: AppContext, pipeline: tuple[Gateway, JetStreamSink],
) -> None:
    """The gateway's verdict (a patrol unanswered) is recorded by the worker where the platform keeps online
    state; a stale one (the device was seen after it) changes nothing."""
    gateway, sink = pipeline
    seen, silent = 0x00AB_0000_0400, 0x00AB_0000_0401
    for address in (seen, silent):
        uitd = SimulatedUitd(address, host="127.0.0.1", port=gateway.port, ack_timeout=WAIT)
        await uitd.connect()
        assert (await uitd.send(2, [fire(1)])).acked
        await uitd.close()
    await until(frames_stored(ctx, 2), what="both devices known to the database")
    assert await sink.publish_offline(OfflineVerdict(seen, T0 - timedelta(minutes=5)))  # before its frame
    assert await sink.publish_offline(OfflineVerdict(silent, T0 + timedelta(minutes=3)))

    def offline() -> dict[int, datetime | None]:
        with ctx.session_factory() as session:
            return dict(session.execute(select(Uitd.address, Uitd.offline_since)).tuples().all())

    async def recorded() -> bool:
        return (await asyncio.to_thread(offline))[silent] is not None

    await until(recorded, what="the verdict recorded by the worker")
    assert await asyncio.to_thread(offline) == {seen: None, silent: T0 + timedelta(minutes=3)}


@pytest.mark.slow
@pytest.mark.timeout(300)  # four process starts (db upgrade, regions, serve, worker) on a loaded machine
async def test_serve_and_a_worker_process_share_the_work_over_nats(tmp_path: Path, names: StreamNames) -> None:
    """`citysafe serve --gb26875-port` publishes, `citysafe gb26875 worker` ingests, and the fire comes
    back to the web process's live stream over NATS: three processes as in a province deployment."""
    citysafe = str(Path(sys.executable).parent / "citysafe")
    env = {**os.environ, "CITYSAFE_DATA_DIR": str(tmp_path), "CITYSAFE_DATABASE_URL": "", "CITYSAFE_NATS_URL": NATS_URL,
           "CITYSAFE_GB26875_NATS_STREAM": names.stream, "CITYSAFE_GB26875_PARTITIONS": "2"}
    for args in (["db", "upgrade"], ["regions", "load-jiangsu"]):
        subprocess.run([citysafe, *args], env=env, check=True, capture_output=True)
    subprocess.run([citysafe, "user", "create", "watch", "--role", "admin", "--region", "320000", "--password-stdin"],
                   env=env, check=True, capture_output=True, input=b"correct-horse\n")
    http_port, gw_port = _free_port(), _free_port()
    log = (tmp_path / "processes.log").open("wb")
    serve = subprocess.Popen([citysafe, "serve", "--port", str(http_port), "--gb26875-port", str(gw_port)],
                             env=env, stdout=log, stderr=log)
    worker = subprocess.Popen([citysafe, "gb26875", "worker"], env=env, stdout=log, stderr=log)
    try:
        base = f"http://127.0.0.1:{http_port}"
        async with httpx.AsyncClient(timeout=httpx.Timeout(WAIT, read=None)) as client:
            async def up() -> bool:
                try:
                    return (await client.get(f"{base}/api/v1/health")).status_code == 200
                except httpx.TransportError:
                    return False

            # A process start, like wait_serving's: 20 s was outrun on a loaded machine (a fresh-machine run).
            await until(up, what="citysafe serve answering /api/v1/health", interval=0.1, timeout=120)
            token = (await client.post(f"{base}/api/v1/auth/token",
                                       data={"username": "watch", "password": "correct-horse"})).json()["access_token"]
            async with client.stream("GET", f"{base}/api/v1/firewatch/stream",
                                     headers={"Authorization": f"Bearer {token}"}) as stream:
                lines = stream.aiter_lines()
                assert (await anext(lines)).startswith("event: hello")
                uitd = SimulatedUitd(0x00AB_0000_0300, host="127.0.0.1", port=gw_port, ack_timeout=WAIT)
                await uitd.connect()
                assert (await uitd.send(2, [fire(11)])).acked
                await uitd.close()

                async def alarm() -> dict[str, Any]:
                    event = ""
                    async for line in lines:
                        if line.startswith("event:"):
                            event = line[6:].strip()
                        elif line.startswith("data:") and event == "AlarmRaised":
                            payload: dict[str, Any] = json.loads(line[5:])
                            if payload["device_address"] == str(0x00AB_0000_0300):
                                return payload
                    raise AssertionError("stream ended")

                payload = await asyncio.wait_for(alarm(), WAIT)
        assert payload["kind"] == "fire"
    finally:
        for proc in (worker, serve):
            proc.terminate()
        for proc in (worker, serve):
            proc.wait(WAIT)
        log.close()
    assert worker.returncode == 0  # SIGTERM is a clean stop for the worker


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
