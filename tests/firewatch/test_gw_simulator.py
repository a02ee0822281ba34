"""The simulator: real GB/T 26875.3 against a gateway on loopback (retransmitting what is not ACKed),
IoT payloads in the documented schema, MQTT through the real Mosquitto on 127.0.0.1:1883, and the
`citysafe simulate` command."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from citysafe.cli import app
from citysafe.core.clock import FixedClock
from citysafe.firewatch.gateway.connection import GatewayConfig
from citysafe.firewatch.gateway.server import Gateway
from citysafe.firewatch.ingest.iot import parse_payload
from citysafe.firewatch.ingest.service import ReceivedFrame
from citysafe.firewatch.simulator import (
    FIRE,
    SimulatedUitd,
    SimulatorStats,
    Traffic,
    demo_iot_devices,
    iot_payload,
    run,
)

T0 = datetime(2026, 3, 1, 2, 0, 0, tzinfo=UTC)
WAIT = 20.0


class Sink:
    concurrent_batches = 1

    def __init__(self, refuse_first: int = 0) -> None:
        self.items: list[ReceivedFrame] = []
        self.refuse_first = refuse_first

    async def start(self) -> None:
        return None

    async def store(self, items: Sequence[ReceivedFrame]) -> Sequence[bool]:
        out = []
        for item in items:
            refuse = self.refuse_first > 0
            self.refuse_first -= refuse
            out.append(not refuse)
            if not refuse:
                self.items.append(item)
        return out

    async def aclose(self) -> None:
        return None


async def test_units_send_a_mix_and_everything_is_acked() -> None:
    sink = Sink()
    gateway = Gateway(sink=sink, clock=FixedClock(T0), config=GatewayConfig(port=0))
    await gateway.start()
    try:
        traffic = Traffic(random.Random(1), fire_share=0.2, fault_share=0.2)
        stats = await run("127.0.0.1", gateway.port, addresses=range(500, 510), rate=400, duration=0.5, seed=1,
                          traffic=traffic, first_fire=True)
    finally:
        await gateway.stop()
    assert stats.sent > 50
    assert stats.acked == stats.sent and stats.failed == 0
    assert {i.frame.source for i in sink.items} == set(range(500, 510))
    types = {i.frame.adu.type for i in sink.items if i.frame.adu is not None}
    assert {2, 21} <= types
    fires = [o for i in sink.items if i.frame.adu for o in i.frame.adu.objects if getattr(o, "status", None) == FIRE]
    assert len(fires) == stats.fires >= 1


async def test_a_frame_without_ack_is_retransmitted_with_the_same_bytes() -> None:
    sink = Sink(refuse_first=2)  # the first two stores fail: no ACK, the device must send again
    gateway = Gateway(sink=sink, clock=FixedClock(T0), config=GatewayConfig(port=0))
    await gateway.start()
    stats = SimulatorStats()
    uitd = SimulatedUitd(777, host="127.0.0.1", port=gateway.port, ack_timeout=0.3, retries=3, stats=stats)
    try:
        await uitd.connect()
        result = await uitd.send(*Traffic(random.Random(2)).alarm(777, datetime(2026, 3, 1, 10, 0)))
    finally:
        await uitd.close()
        await gateway.stop()
    assert result.acked and result.attempts == 3
    assert stats.retransmitted == 2 and stats.acked == 1
    assert [i.raw for i in sink.items] == [sink.items[0].raw]


def test_iot_payloads_follow_the_documented_schema() -> None:
    rng = random.Random(3)
    devices = demo_iot_devices()
    assert len(devices) == 31 and ("NJ-HP-010", "hydrant_pressure") in devices
    kinds_alarmed = set()
    for _ in range(400):
        device_id, kind = rng.choice(devices)
        payload = iot_payload(device_id, kind, rng, alarm_share=0.3)
        facts = parse_payload(json.loads(json.dumps(payload)))  # as it travels: JSON
        assert (facts.device_id, facts.kind) == (device_id, kind)
        if any(obs.observed for obs in facts.observations):
            kinds_alarmed.add(kind)
    assert kinds_alarmed == {"smoke", "hydrant_pressure", "electrical_fire", "combustible_gas", "water_level"}


async def test_iot_messages_reach_the_mosquitto_broker() -> None:
    import aiomqtt

    from citysafe.firewatch import simulator

    received: list[tuple[str, dict[str, object]]] = []
    devices = [(f"T-{uuid.uuid4().hex[:6]}", "combustible_gas")]
    stats = SimulatorStats()
    async with aiomqtt.Client(hostname="127.0.0.1", port=1883) as client:
        await client.subscribe(f"citysafe/iot/combustible_gas/{devices[0][0]}", qos=1)
        publisher = asyncio.create_task(simulator._publish_iot(("127.0.0.1", 1883), devices, 50.0,
                                                                random.Random(4), stats))

        async def three() -> None:
            async for message in client.messages:
                received.append((str(message.topic), json.loads(bytes(message.payload))))  # type: ignore[arg-type]
                if len(received) == 3:
                    return

        try:
            await asyncio.wait_for(three(), WAIT)
        finally:
            publisher.cancel()
    assert received[0][0] == f"citysafe/iot/combustible_gas/{devices[0][0]}"
    assert all(body["device_id"] == devices[0][0] and "gas_lel" in body for _, body in received)


@pytest.fixture
def gateway_port() -> Iterator[int]:
    """A gateway on its own loop thread, as the CLI (which runs its own loop) would meet one."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Gateway] = {}

    async def start() -> None:
        holder["gw"] = Gateway(sink=Sink(), clock=FixedClock(T0), config=GatewayConfig(port=0))
        await holder["gw"].start()
        ready.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop)
    assert ready.wait(WAIT)
    yield holder["gw"].port
    asyncio.run_coroutine_threadsafe(holder["gw"].stop(), loop).result(WAIT)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(WAIT)


def test_simulate_command_prints_its_totals(gateway_port: int) -> None:
    result = CliRunner().invoke(app, ["simulate", "--target", f"127.0.0.1:{gateway_port}", "--units", "5",
                                      "--rate", "50", "--duration", "0.5", "--seed", "5"])
    assert result.exit_code == 0, result.output
    totals = json.loads(result.stdout.strip().splitlines()[-1])
    assert totals["acked"] == totals["sent"] > 0 and totals["fires"] >= 1  # the demo's first fire


def test_simulate_command_refuses_a_bad_target() -> None:
    result = CliRunner().invoke(app, ["simulate", "--target", "no-port"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --target must be HOST:PORT, got 'no-port'"
