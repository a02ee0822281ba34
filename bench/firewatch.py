"""Benchmark: GB/T 26875.3 devices against a real `citysafe serve --gb26875-port` process.

A fresh embedded SQLite database is created in a temporary directory and served by a subprocess;
this process plays N UITDs over loopback TCP (asyncio protocols on uvloop, one connection each, one
frame in flight per device as real devices do, frames pre-encoded so the client stays cheap):

1. throughput: every device sends its next frame as soon as the previous one is ACKed, for
   ``--duration`` seconds → ACKed frames/s and ACK latency p50/p99 (each ACK means stored: the
   gateway ACKs after the group commit);
2. alarm visibility: ``--rate`` frames/s in total, ``--fire-share`` of them fires on distinct points,
   while an SSE client follows /api/v1/firewatch/stream → latency from writing a fire frame to its
   AlarmRaised event on the stream, p50/p99;
3. ceiling, in the same run: the same traffic as (1) against a bare asyncio server in its own process
   that only frames (the codec's StreamFramer) and ACKs; citysafe's throughput is reported as a
   share of it.

Targets (2-core machine): ≥ 5,000 frames/s fully processed, alarm-visible p99 ≤ 1 s at 2,000 frames/s,
≥ 50 % of the ceiling.

    .venv/bin/python bench/firewatch.py [--devices 400] [--duration 10] [--rate 2000]
    .venv/bin/python bench/firewatch.py --mode nats --workers 2   # the multi-process path: bench/firewatch_nats.py
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from citysafe.core.clock import SHANGHAI
from citysafe.firewatch.protocols.gb26875 import (
    AnalogValue,
    ComponentStatus,
    DeviceTime,
    Frame,
    StreamFramer,
    SystemStatus,
    UitdStatus,
    build_ack,
    build_upload,
    encode_description,
    encode_frame,
)
from harness import free_port

REPO = Path(__file__).resolve().parents[1]
CITYSAFE = str(REPO / ".venv" / "bin" / "citysafe")
CENTRE = 88888
BASE_ADDRESS = 0x0000_5A00_0000
PASSWORD = "bench-password-1"  # noqa: S105 - a throw-away account in a temporary database



def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def china_now() -> datetime:
    return datetime.now(SHANGHAI).replace(tzinfo=None)


# -- traffic ---------------------------------------------------------------------------------------
class Template:
    """A pre-encoded frame whose serial is patched in place (and the checksum adjusted)."""

    __slots__ = ("base", "data")

    def __init__(self, frame: Frame) -> None:
        self.data = bytearray(encode_frame(frame))
        self.base = (self.data[-3] - self.data[2] - self.data[3]) & 0xFF

    def with_serial(self, serial: int) -> bytes:
        lo, hi = serial & 0xFF, serial >> 8
        self.data[2], self.data[3] = lo, hi
        self.data[-3] = (self.base + lo + hi) & 0xFF
        return bytes(self.data)


def templates(address: int, rng: random.Random) -> list[Template]:
    """Ordinary traffic of one unit: heartbeats, system status, analog values, component status."""
    now = china_now()
    t = DeviceTime.of(now)
    out = []
    for i in range(8):
        point = 1 << 16 | rng.randint(1, 200)
        adu: tuple[int, list[Any]]
        if i < 4:
            adu = (21, [UitdStatus(0x01, t)])
        elif i == 4:
            adu = (1, [SystemStatus(1, 1, 0x0001, t)])
        elif i == 5:
            adu = (3, [AnalogValue(1, 1, 99, point, 5, rng.randint(2800, 4200), t)])
        else:
            adu = (2, [ComponentStatus(1, 1, 40, point, 0x0001, encode_description("走廊"), t)])
        out.append(Template(build_upload(adu[0], adu[1], serial=0, source=address, destination=CENTRE, sent=now)))
    return out


def fire_frame(address: int, serial: int, token: int) -> bytes:
    now = china_now()
    obj = ComponentStatus(1, 1, 40, 2 << 16 | token % 60000, 0x0003, encode_description(f"压测{token}"),
                          DeviceTime.of(now))
    return encode_frame(build_upload(2, [obj], serial=serial, source=address, destination=CENTRE, sent=now))


class Recorder:
    def __init__(self) -> None:
        self.window: tuple[float, float] = (float("inf"), float("inf"))
        self.acks = 0
        self.latencies: list[float] = []
        self.fires_sent: dict[str, float] = {}

    def ack(self, sent: float, now: float) -> None:
        if self.window[0] <= now < self.window[1]:
            self.acks += 1
            self.latencies.append(now - sent)


class Device(asyncio.Protocol):
    """One UITD: at most one frame in flight; closed loop (next on ACK) or paced by the driver."""

    def __init__(self, address: int, recorder: Recorder, closed_loop: bool, rng: random.Random) -> None:
        self.address, self.recorder, self.closed_loop = address, recorder, closed_loop
        self.templates = templates(address, rng)
        self.serial = 0
        self.sent_at = 0.0
        self.busy = False
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.ready = asyncio.get_running_loop().create_future()
        self.clock = time.perf_counter

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.ready.set_result(None)

    def send(self, data: bytes | None = None) -> None:
        serial = self.serial
        self.serial = (serial + 1) & 0xFFFF
        if data is None:
            data = self.templates[serial % len(self.templates)].with_serial(serial)
        self.busy = True
        self.sent_at = self.clock()
        assert self.transport is not None
        self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        while len(buf) >= 30:
            if buf[0] != 0x40 or buf[1] != 0x40:
                start = buf.find(b"@@", 1)
                del buf[: start if start > 0 else len(buf)]
                continue
            end = 30 + (buf[24] | buf[25] << 8)
            if len(buf) < end:
                break
            command = buf[26]
            frame = bytes(buf[:end])
            del buf[:end]
            if command == 3:
                now = self.clock()
                self.recorder.ack(self.sent_at, now)
                self.busy = False
                if self.closed_loop:
                    self.send()
            elif command in (1, 4):  # clock sync or patrol from the centre: a plain ACK keeps it content
                from citysafe.firewatch.protocols.gb26875 import decode_frame

                assert self.transport is not None
                self.transport.write(encode_frame(build_ack(decode_frame(frame), china_now())))


async def connect_devices(port: int, count: int, recorder: Recorder, closed_loop: bool, seed: int) -> list[Device]:
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    devices = []
    for start in range(0, count, 100):
        batch = []
        for i in range(start, min(count, start + 100)):
            device = Device(BASE_ADDRESS + seed * 100_000 + i, recorder, closed_loop, rng)
            batch.append(loop.create_connection(lambda d=device: d, "127.0.0.1", port))  # type: ignore[misc]
            devices.append(device)
        await asyncio.gather(*batch)
    return devices


async def throughput(port: int, devices: int, duration: float, seed: int) -> dict[str, Any]:
    recorder = Recorder()
    fleet = await connect_devices(port, devices, recorder, closed_loop=True, seed=seed)
    warmup = 2.0
    start = time.perf_counter()
    recorder.window = (start + warmup, start + warmup + duration)
    for device in fleet:
        device.send()
    await asyncio.sleep(warmup + duration)
    for device in fleet:
        if device.transport is not None:
            device.transport.close()
    return {
        "acked_frames_per_s": round(recorder.acks / duration),
        "ack_latency_ms": {"p50": percentile(recorder.latencies, 0.5), "p99": percentile(recorder.latencies, 0.99)},
    }


async def follow_stream(base_url: str, token: str, seen: dict[str, float], ready: asyncio.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    # no read timeout: the stream is quiet between alarms (pings every 15 s)
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=None)) as client, client.stream(
        "GET", f"{base_url}/api/v1/firewatch/stream", headers=headers, params={"kind": "fire"},
    ) as response:
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
                if event == "hello":
                    ready.set()
            elif line.startswith("data:") and event == "AlarmRaised":
                payload = json.loads(line[5:])
                seen.setdefault(payload.get("description", ""), time.perf_counter())


async def alarm_visibility(port: int, base_url: str, token: str, devices: int, duration: float, rate: float,
                           fire_share: float, seed: int) -> dict[str, Any]:
    recorder = Recorder()
    fleet = await connect_devices(port, devices, recorder, closed_loop=False, seed=seed)
    seen: dict[str, float] = {}
    ready = asyncio.Event()
    streaming = asyncio.create_task(follow_stream(base_url, token, seen, ready))
    await asyncio.wait_for(ready.wait(), 10)
    start = time.perf_counter()
    recorder.window = (start, start + duration)
    sent = skipped = 0
    token_counter = 0
    every = max(1, round(1 / fire_share))
    cursor = 0
    while (now := time.perf_counter()) < start + duration:
        due = int((now - start) * rate) - sent - skipped
        for _ in range(due):
            # a device waits for its ACK before sending the next frame: take the next idle one
            for _probe in range(len(fleet)):
                device = fleet[cursor % len(fleet)]
                cursor += 1
                if not device.busy:
                    break
            else:
                skipped += 1
                continue
            sent += 1
            if sent % every == 0:
                token_counter += 1
                description = f"压测{token_counter}"
                device.send(fire_frame(device.address, device.serial, token_counter))
                recorder.fires_sent[description] = device.sent_at
            else:
                device.send()
        await asyncio.sleep(0.002)
    deadline = time.perf_counter() + 5
    while len(seen) < len(recorder.fires_sent) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    streaming.cancel()
    for device in fleet:
        if device.transport is not None:
            device.transport.close()
    latencies = [seen[d] - t for d, t in recorder.fires_sent.items() if d in seen]
    return {
        "target_rate": rate,
        "sent_frames_per_s": round(sent / duration),
        "not_sent_all_devices_busy": skipped,
        "fires_sent": len(recorder.fires_sent),
        "fires_seen_on_stream": len(latencies),
        "alarm_visible_latency_ms": {"p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99),
                                     "max": percentile(latencies, 1.0)},
        "ack_latency_ms": {"p50": percentile(recorder.latencies, 0.5), "p99": percentile(recorder.latencies, 0.99)},
    }


# -- the two servers -------------------------------------------------------------------------------
def run_bare_server(port: int) -> None:
    """Only framing and ACK: the ceiling for the same traffic on the same loop implementation."""
    import uvloop

    class Bare(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport: Any = transport
            self.framer = StreamFramer()

        def data_received(self, data: bytes) -> None:
            label = DeviceTime.of(china_now())
            acks = [encode_frame(build_ack(item, label)) for item in self.framer.feed(data) if isinstance(item, Frame)]
            if acks:
                self.transport.write(b"".join(acks))

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Bare, "127.0.0.1", port, backlog=4096)
        print("ready", flush=True)
        await server.serve_forever()

    uvloop.run(main())


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        # Not listening yet: wait on the process itself (it may exit) rather than sleep blindly.
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.1)
    raise SystemExit(f"nothing listens on {port}")


def start_citysafe(data_dir: Path) -> tuple[subprocess.Popen[bytes], int, int, dict[str, str]]:
    env = {**os.environ, "CITYSAFE_DATA_DIR": str(data_dir), "CITYSAFE_DATABASE_URL": "", "CITYSAFE_NATS_URL": ""}
    subprocess.run([CITYSAFE, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([CITYSAFE, "regions", "load-jiangsu"], env=env, check=True, capture_output=True)
    subprocess.run([CITYSAFE, "user", "create", "bench", "--role", "admin", "--region", "320000", "--password-stdin"],
                   env=env, check=True, capture_output=True, input=f"{PASSWORD}\n".encode())
    http_port, gw_port = free_port(), free_port()
    with open(data_dir / "serve.log", "wb") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([CITYSAFE, "serve", "--port", str(http_port), "--gb26875-port", str(gw_port)],
                                env=env, stdout=subprocess.DEVNULL, stderr=log)
    wait_for_port(http_port, proc)
    wait_for_port(gw_port, proc)
    return proc, http_port, gw_port, env


def gateway_counters(base_url: str, token: str) -> dict[str, int]:
    response = httpx.get(f"{base_url}/api/v1/firewatch/gateway", headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    counters: dict[str, int] = response.json()["gateway"]
    return counters


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {
        "benchmark": "firewatch GB/T 26875.3 gateway",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "devices": args.devices, "duration_s": args.duration,
        # the machine may be shared: the load before the run says how much of it was ours
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory(prefix="citysafe-bench-") as tmp:
        proc, http_port, gw_port, _env = start_citysafe(Path(tmp))
        try:
            base_url = f"http://127.0.0.1:{http_port}"
            token = httpx.post(f"{base_url}/api/v1/auth/token",
                               data={"username": "bench", "password": PASSWORD}).json()["access_token"]
            before = gateway_counters(base_url, token)
            result["citysafe"] = await throughput(gw_port, args.devices, args.duration, seed=1)
            after = gateway_counters(base_url, token)
            batches = after["batches"] - before["batches"]
            # group commits of the throughput phase (its warm-up included): how much each transaction carried
            result["citysafe"]["group_commits"] = {
                "count": batches, "mean_frames": round((after["frames"] - before["frames"]) / batches, 1) if batches
                else None, "largest": after["largest_batch"]}
            result["alarm_visibility"] = await alarm_visibility(
                gw_port, base_url, token, args.devices, args.duration, args.rate, args.fire_share, seed=2)
        finally:
            stop(proc)
    bare_port = free_port()
    bare = subprocess.Popen([sys.executable, __file__, "--bare-server", str(bare_port)], stdout=subprocess.PIPE)
    try:
        wait_for_port(bare_port, bare)
        result["ceiling_bare_framing_and_ack"] = await throughput(bare_port, args.devices, args.duration, seed=3)
    finally:
        stop(bare)
    done = result["citysafe"]["acked_frames_per_s"]
    ceiling = result["ceiling_bare_framing_and_ack"]["acked_frames_per_s"]
    p99 = result["alarm_visibility"]["alarm_visible_latency_ms"]["p99"]
    result["share_of_ceiling"] = round(done / ceiling, 3) if ceiling else None
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result["targets"] = {
        "frames_per_s_ge_5000": done >= 5000,
        "alarm_visible_p99_le_1s_at_rate": p99 is not None and p99 <= 1000,
        "share_of_ceiling_ge_0.5": bool(ceiling) and done / ceiling >= 0.5,
    }
    return result


def main(argv: list[str] | None = None, on_result: Callable[[dict[str, Any]], None] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--devices", type=int, default=400)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=2000.0, help="frames/s of the alarm-visibility phase")
    parser.add_argument("--fire-share", type=float, default=0.05)
    parser.add_argument("--mode", choices=("embedded", "nats"), default="embedded")
    parser.add_argument("--workers", type=int, default=1, help="--mode nats: ingest worker processes")
    parser.add_argument("--partitions", type=int, default=8, help="--mode nats: JetStream partitions")
    parser.add_argument("--gateways", type=int, default=1, help="--mode nats: gateway processes")
    parser.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare_server:
        run_bare_server(args.bare_server)
        return
    import uvloop

    if args.mode == "nats":
        from firewatch_nats import bench_nats

        template = templates(BASE_ADDRESS, random.Random(5))[6].with_serial(1)
        result = uvloop.run(bench_nats(args, CITYSAFE, throughput, wait_for_port, stop, template))
        result.update({"benchmark": "firewatch GB/T 26875.3 over NATS JetStream", "devices": args.devices,
                       "duration_s": args.duration, "load_average_after": [round(x, 2) for x in os.getloadavg()]})
    else:
        result = uvloop.run(bench(args))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if on_result is not None:
        on_result(result)


if __name__ == "__main__":
    main()
