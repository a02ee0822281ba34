"""The gateway cannot be starved (#10 finding 2), over real loopback sockets.

20,000 silent connections once filled the web process's open-file limit, and one peer writing "@" while
reading the NAKs took 18 s of CPU in 20 s and delayed a real device's ACK to 9 s. Here: connections
are capped in total and per host, a peer that never sends a valid frame is closed, a peer that keeps
sending invalid input is dropped and its host refused for a while, NAKs are capped — and through all of
it a real device connects and gets its ACKs. Attackers connect from other loopback addresses
(127.0.0.2, 127.0.0.3) than the device (127.0.0.1), as they would from other hosts. No timing asserts:
every wait is bounded, and the assertions are about who got in and what was answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from tests.firewatch.test_gw_crash import CITYSAFE, Server
from tests.firewatch.test_gw_protocol import T0, MemorySink, Peer, heartbeat, upload
from tests.support.waiting import until

from citysafe.core.clock import FixedClock
from citysafe.core.config import Settings
from citysafe.firewatch.gateway.connection import GatewayConfig
from citysafe.firewatch.gateway.guard import Admission, connection_cap, host_key
from citysafe.firewatch.gateway.server import Gateway
from citysafe.firewatch.gateway.service import config_from_settings
from citysafe.firewatch.protocols.gb26875 import encode_frame

WAIT = 10.0
ATTACKER, FLOODER = "127.0.0.2", "127.0.0.3"
PASSWORD = "starve-password-1"  # a throw-away admin in the server test's temporary database


async def connect_from(host: str, port: int) -> Peer:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(host, 0))
    return Peer(reader, writer)


async def device_gets_acks(port: int, address: int, count: int = 3) -> None:
    device = await Peer.connect(port)
    for serial in range(count):
        device.send(heartbeat(serial, address))
        ack = await device.next_frame()
        while ack.command == 1:  # a real server's downlink (clock sync, patrol) may come first
            ack = await device.next_frame()
        assert (ack.command, ack.serial, ack.destination) == (3, serial, address)
    device.close()


async def refused_at_once(peer: Peer) -> bool:
    """The gateway closed the connection without a byte (a refused peer is told nothing)."""
    try:
        data = await asyncio.wait_for(peer.reader.read(1), WAIT)
    except ConnectionResetError:
        return True
    return data == b""


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    config = GatewayConfig(port=0, max_connections=12, max_connections_per_host=4, identify_timeout=0.5,
                           invalid_burst=20, invalid_per_second=1, replies_burst=5, replies_per_second=1,
                           penalty_seconds=300)
    gw = Gateway(sink=MemorySink(), clock=FixedClock(T0), config=config)
    await gw.start()
    yield gw
    await gw.stop()


async def test_silent_connections_are_closed_and_a_talking_device_is_kept(gateway: Gateway) -> None:
    silent = [await connect_from(ATTACKER, gateway.port) for _ in range(4)]
    device = await Peer.connect(gateway.port)
    device.send(heartbeat(0, 501))
    assert (await device.next_frame()).serial == 0
    for peer in silent:
        assert await peer.closed_by_gateway()
    await until(lambda: gateway.stats.unidentified == 4, what="4 silent connections closed", timeout=WAIT)
    # The device connected with them and is past the same deadline: it stays, having spoken.
    device.send(heartbeat(1, 501))
    assert (await device.next_frame()).serial == 1
    assert len(gateway.connections) == 1
    assert gateway.admission.open_by_host == {"127.0.0.1": 1}
    device.close()


async def test_a_host_over_its_cap_is_refused_while_a_device_connects(gateway: Gateway) -> None:
    peers = [await connect_from(ATTACKER, gateway.port) for _ in range(10)]
    await until(lambda: gateway.stats.refused == 6, what="6 connections over the per-host cap refused",
                timeout=WAIT)
    assert [await refused_at_once(p) for p in peers[4:]] == [True] * 6
    assert gateway.admission.open_by_host[ATTACKER] == 4
    await device_gets_acks(gateway.port, 502)
    for peer in peers:
        peer.close()


async def test_the_total_cap_refuses_and_frees_its_places(gateway: Gateway) -> None:
    hosts = [f"127.0.1.{i}" for i in range(1, 5)]  # 4 hosts x 4 = 16 attempts on a cap of 12
    peers = [await connect_from(host, gateway.port) for host in hosts for _ in range(4)]
    await until(lambda: gateway.stats.refused == 4, what="4 connections over the total cap refused", timeout=WAIT)
    assert len(gateway.connections) == 12
    assert sum(gateway.admission.open_by_host.values()) == 12
    for peer in peers:
        peer.close()
    await until(lambda: not gateway.connections, what="the attackers' places freed", timeout=WAIT)
    assert gateway.admission.open_by_host == {}
    await device_gets_acks(gateway.port, 503)


@pytest.mark.parametrize("chunk", [b"@" * 65536, bytes(65536), (b"@@" + bytes(22) + b"\xff\xff") * 2048],
                         ids=["at-signs", "zeros", "oversize-frames"])
async def test_a_flooder_is_dropped_and_refused_while_a_device_gets_its_acks(gateway: Gateway,
                                                                             chunk: bytes) -> None:
    flooder = await connect_from(FLOODER, gateway.port)
    replies = 0

    async def flood() -> None:
        nonlocal replies
        async def read() -> None:
            nonlocal replies
            while data := await flooder.reader.read(65536):
                replies += len(data)

        reading = asyncio.create_task(read())
        try:
            for _ in range(200):  # bounded: 13 MB at most, if it were never dropped
                flooder.send(chunk)
                await flooder.writer.drain()
        finally:
            await asyncio.wait_for(reading, WAIT)

    flooding = asyncio.create_task(flood())
    await device_gets_acks(gateway.port, 504)
    with pytest.raises((ConnectionResetError, BrokenPipeError)):
        await asyncio.wait_for(flooding, WAIT)
    assert gateway.stats.dropped_invalid == 1
    assert replies <= 5 * 30 + 3  # at most the burst of NAKs, 30 bytes each
    # Its host is in the penalty box: a new connection is refused at once, a device elsewhere is not.
    assert await refused_at_once(await connect_from(FLOODER, gateway.port))
    await device_gets_acks(gateway.port, 504)


async def test_naks_are_capped_per_second(gateway: Gateway) -> None:
    bad = bytearray(encode_frame(upload(30, source=505)))
    bad[-3] ^= 0xFF
    peer = await Peer.connect(gateway.port)
    peer.send(bytes(bad) * 15 + encode_frame(upload(31, source=505)))  # 15 invalid: under the drop threshold
    naks = 0
    while (frame := await peer.next_frame()).command == 6:
        naks += 1
    assert (frame.command, frame.serial) == (3, 31)  # the good frame behind them is ACKed
    assert naks == 5  # the reply burst; the other 10 were withheld
    assert gateway.stats.replies_withheld == 10
    peer.close()


def test_the_cap_leaves_room_under_the_open_file_limit() -> None:
    assert connection_cap(1024) == 768
    assert connection_cap(20_000) == 15_000
    assert connection_cap(300) == 44
    assert connection_cap(100) == 16


def test_refusals_are_logged_as_one_summary_every_few_seconds(caplog: pytest.LogCaptureFixture) -> None:
    admission = Admission(max_connections=1, max_per_host=1, penalty_seconds=0)
    assert admission.refusal("127.0.0.9", 0, now=100.0) is None
    with caplog.at_level(logging.WARNING, logger="citysafe.firewatch.gateway.guard"):
        reasons = {admission.refusal("127.0.0.8", 1, now=100.0 + i / 100) for i in range(100)}
        assert reasons == {"full"}
        assert len(caplog.records) == 1  # the first, then quiet
        admission.sweep(now=111.0)
    assert len(caplog.records) == 2
    assert caplog.records[1].getMessage().startswith("refused 99 GB/T 26875.3 connections in 11 s (99 over")
    assert admission.refused.full == 100


def test_the_penalty_box_expires_and_stays_bounded() -> None:
    admission = Admission(max_connections=10, max_per_host=10, penalty_seconds=60, max_penalised=3)
    for i in range(5):
        admission.penalise(f"127.0.2.{i}", now=float(i))
    assert list(admission.penalised) == ["127.0.2.2", "127.0.2.3", "127.0.2.4"]  # the oldest went first
    assert admission.refusal("127.0.2.4", 0, now=10.0) == "penalised"
    admission.sweep(now=63.0)
    assert list(admission.penalised) == ["127.0.2.4"]
    assert admission.refusal("127.0.2.3", 0, now=63.0) is None


def test_hosts_are_counted_by_ipv4_address_and_ipv6_64() -> None:
    assert host_key("127.0.0.2") == "127.0.0.2"
    assert host_key("::ffff:192.0.2.7") == "192.0.2.7"  # a dual-stack socket's IPv4 peer
    assert host_key("2001:db8:1:2:aaaa::1") == host_key("2001:db8:1:2:bbbb::9%eth0") == "2001:db8:1:2::/64"
    assert host_key("2001:db8:1:3::1") == "2001:db8:1:3::/64"


# -- the web process itself --------------------------------------------------------------------------
@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """`citysafe serve --gb26875-port` with an open-file limit of 300, soft and hard: the service cannot
    raise it, the gateway's share is 44, and the attack below is 400 sockets instead of 20,000."""
    srv = Server(tmp_path)
    for command in (["db", "upgrade"], ["regions", "load-jiangsu"],
                    ["user", "create", "ops", "--role", "admin", "--region", "320000", "--password-stdin"]):
        subprocess.run([CITYSAFE, *command], env=srv.env, check=True, capture_output=True,
                       input=f"{PASSWORD}\n".encode())

    def limit_open_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (300, 300))

    with (tmp_path / "serve.log").open("ab") as log:
        srv.proc = subprocess.Popen(
            [CITYSAFE, "serve", "--port", str(srv.http_port), "--gb26875-port", str(srv.gateway_port)],
            env=srv.env, stdout=log, stderr=log, preexec_fn=limit_open_files)
    yield srv
    srv.stop()


async def http_up(server: Server) -> None:
    # uvicorn binds its port after the app's start-up, which starts the gateway: wait for both.
    async def health() -> bool:
        try:
            async with httpx.AsyncClient(timeout=WAIT) as client:
                return (await client.get(f"http://127.0.0.1:{server.http_port}/api/v1/health")).status_code == 200
        except httpx.ConnectError:
            return False

    await until(health, what="citysafe serve answering HTTP", timeout=60, interval=0.1)


async def http_answers(server: Server) -> None:
    """/api/v1/health and /login answer on new connections (what starved was accepting them)."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.http_port}", timeout=WAIT,
                                 limits=httpx.Limits(max_keepalive_connections=0)) as client:
        assert (await client.get("/api/v1/health")).status_code == 200
        assert (await client.get("/login")).status_code == 200


@pytest.mark.slow
async def test_http_answers_while_the_gateway_is_flooded_and_full(server: Server) -> None:
    await server.listening()
    await http_up(server)
    silent: list[Peer] = []
    try:
        # A flooder writing "@" is dropped; HTTP and a device are served meanwhile.
        flooder = await connect_from(FLOODER, server.gateway_port)
        for _ in range(64):
            flooder.send(b"@" * 65536)
        await http_answers(server)
        await device_gets_acks(server.gateway_port, 506)
        assert await flooder.closed_by_gateway()
        accepted_before_silent = (await gateway_counters(server))["accepted"]
        # 400 sockets from one host that say one byte and then nothing: most are refused at once, and the
        # process keeps descriptors for HTTP (before, they exhausted its limit and /api/v1/health answered
        # nothing). Wholly silent ones the kernel keeps until they speak (TCP_DEFER_ACCEPT): not even accepted.
        for _ in range(100):
            with contextlib.suppress(OSError):
                silent.append(await connect_from(ATTACKER, server.gateway_port))
        await http_answers(server)
        assert (await gateway_counters(server))["accepted"] == accepted_before_silent
        for _ in range(400):
            with contextlib.suppress(OSError):
                peer = await connect_from(ATTACKER, server.gateway_port)
                peer.send(b"@")
                silent.append(peer)
        await until(lambda: refused_at_least(server, 400 - 44), what="most of the 400 refused", timeout=60)
        await http_answers(server)
        counters = await gateway_counters(server)
        assert counters["connections"] <= 44
        assert counters["refused"] >= 400 - 44
    finally:
        for peer in silent:
            peer.close()


async def refused_at_least(server: Server, count: int) -> bool:
    return (await gateway_counters(server))["refused"] >= count


async def gateway_counters(server: Server) -> dict[str, int]:
    """The gateway's counters, read the way an operator reads them (a token for an admin account)."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.http_port}", timeout=WAIT) as client:
        token = (await client.post("/api/v1/auth/token", data={"username": "ops", "password": PASSWORD})
                 ).json()["access_token"]
        response = await client.get("/api/v1/firewatch/gateway", headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        counters: dict[str, int] = response.json()["gateway"]
        return counters


def test_the_settings_set_the_limits_and_the_cap_follows_the_open_file_limit() -> None:
    derived = config_from_settings(Settings(), open_files=4096)
    assert derived.max_connections == connection_cap(4096) == 3072
    explicit = config_from_settings(Settings(gb26875_max_connections=100, gb26875_max_connections_per_host=3,
                                             gb26875_identify_seconds=4, gb26875_invalid_burst=7,
                                             gb26875_penalty_seconds=0), open_files=4096)
    assert (explicit.max_connections, explicit.max_connections_per_host, explicit.identify_timeout,
            explicit.invalid_burst, explicit.penalty_seconds) == (100, 3, 4.0, 7.0, 0.0)


def test_start_up_raises_the_soft_open_file_limit_to_the_hard_one() -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < 512:
        pytest.skip(f"hard open-file limit {hard}: no room below it to start lower")
    start = 256

    def lower_soft_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (start, hard))

    script = ("import resource; from citysafe.firewatch.gateway.guard import raise_open_files_limit; "
              "print(raise_open_files_limit(), resource.getrlimit(resource.RLIMIT_NOFILE)[0])")
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True,
                         preexec_fn=lower_soft_limit).stdout.split()
    expected = 65536 if hard == resource.RLIM_INFINITY else hard
    assert [int(x) for x in out] == [expected, expected]
