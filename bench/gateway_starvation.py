"""Benchmark: can the GB/T 26875.3 gateway be starved? A real device's ACK latency and the HTTP health
check, alone and under two attacks, against a real `citysafe serve --gb26875-port` process.

The server runs on a fresh embedded SQLite database with its open-file limit set to ``--nofile`` (soft
and hard, so the run is the same whatever the machine's limit), which makes descriptor exhaustion
reachable with ``--silent`` connections instead of 20,000. Three phases of ``--seconds`` each:

1. baseline: nothing else happens;
2. flood: one peer from 127.0.0.3 writes "@" bytes as fast as the gateway reads them and reads the
   NAKs; when it is dropped it reconnects at once, all phase long;
3. silent: ``--silent`` TCP connections from 127.0.0.2 that never send a byte, opened before the phase
   and held through it (the attacker keeps whatever the gateway leaves open). Last, because on the
   unfixed gateway it leaves the process without descriptors.

In each phase a device (from 127.0.0.1) opens a fresh connection and sends one heartbeat every 0.1 s,
waiting for each ACK (at most ``--ack-timeout`` s): ACK latency median and p95, frames never ACKed;
``/api/v1/health`` is asked once a second (at most 5 s each). ``server_cpu_s`` is the web process's CPU
time over the phase (utime + stime from /proc): the flood phase minus the baseline is what the
flooder's connection handling cost. Linux only (/proc, setrlimit).

    .venv/bin/python bench/gateway_starvation.py [--nofile 1024] [--silent 1200] [--seconds 6]

To measure another checkout's gateway with the same bench (the figures before a change), put its
``src`` first: ``PYTHONPATH=/path/to/other/src .venv/bin/python bench/gateway_starvation.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import socket
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from citysafe.core.clock import SHANGHAI
from citysafe.firewatch.protocols.gb26875 import (
    DeviceTime,
    Frame,
    StreamFramer,
    UitdStatus,
    build_upload,
    encode_frame,
)
from harness import cpu_seconds, free_port

REPO = Path(__file__).resolve().parents[1]
CITYSAFE = str(REPO / ".venv" / "bin" / "citysafe")
DEVICE = 0x0000_5B00_0001
FLOOD_CHUNK = b"@" * 65536



def ms(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)



def heartbeat(serial: int) -> bytes:
    now = datetime.now(SHANGHAI).replace(tzinfo=None)
    return encode_frame(build_upload(21, [UitdStatus(0x01, DeviceTime.of(now))], serial=serial, source=DEVICE,
                                     destination=0, sent=now))


async def device(port: int, seconds: float, ack_timeout: float) -> dict[str, Any]:
    """One UITD on a fresh connection: a heartbeat every 0.1 s, each waiting for its ACK."""
    latencies: list[float] = []
    sent = lost = 0
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), ack_timeout)
    except (OSError, TimeoutError):
        return {"connected": False, "sent": 0, "acked": 0, "ack_latency_ms": {"median": None, "p95": None}}
    framer = StreamFramer()
    pending: list[Frame] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    serial = 0
    while loop.time() < end:
        started = loop.time()
        sent += 1
        try:
            writer.write(heartbeat(serial))
            async with asyncio.timeout(ack_timeout):
                while not any(f.command == 3 and f.serial == serial for f in pending):
                    chunk = await reader.read(4096)
                    if not chunk:
                        raise ConnectionResetError("closed by the gateway")
                    pending.extend(i for i in framer.feed(chunk) if isinstance(i, Frame))
            latencies.append(loop.time() - started)
            pending.clear()
        except (OSError, TimeoutError):
            lost += 1
            break  # a device whose link is gone reconnects; here the phase just records the loss
        serial += 1
        await asyncio.sleep(max(0.0, 0.1 - (loop.time() - started)))
    writer.close()
    return {"connected": True, "sent": sent, "acked": len(latencies), "not_acked": lost,
            "ack_latency_ms": {"median": ms(latencies, 0.5), "p95": ms(latencies, 0.95)}}


async def health(base_url: str, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    failed = 0
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    # A new connection for every request: what starved was accepting connections, and a kept-alive one
    # would hide it.
    async with httpx.AsyncClient(timeout=5.0, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        while loop.time() < end:
            started = loop.time()
            try:
                response = await client.get(f"{base_url}/api/v1/health")
                response.raise_for_status()
                latencies.append(loop.time() - started)
            except httpx.HTTPError:
                failed += 1
            await asyncio.sleep(max(0.0, 1.0 - (loop.time() - started)))
    return {"answered": len(latencies), "failed": failed,
            "latency_ms": {"median": ms(latencies, 0.5), "max": ms(latencies, 1.0)}}


async def open_silent(port: int, count: int) -> list[asyncio.StreamWriter]:
    async def one() -> asyncio.StreamWriter | None:
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.2", 0)), 3.0)
            return writer
        except (OSError, TimeoutError):
            return None

    writers: list[asyncio.StreamWriter] = []
    for start in range(0, count, 200):
        opened = await asyncio.gather(*(one() for _ in range(min(200, count - start))))
        writers.extend(w for w in opened if w is not None)
    return writers


async def flood(port: int, stop: asyncio.Event, counts: dict[str, int]) -> None:
    """Write "@" bytes and read the NAKs; reconnect whenever the gateway drops the connection."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.3", 0)), 2.0)
        except (OSError, TimeoutError):
            counts["connect_failures"] += 1
            await asyncio.sleep(0.05)
            continue
        counts["connections"] += 1

        async def drain(reader: asyncio.StreamReader = reader) -> None:
            while chunk := await reader.read(65536):
                counts["reply_bytes"] += len(chunk)

        draining = asyncio.create_task(drain())
        try:
            while not stop.is_set() and not draining.done():
                writer.write(FLOOD_CHUNK)
                await writer.drain()
                counts["sent_bytes"] += len(FLOOD_CHUNK)
        except OSError:
            pass
        draining.cancel()
        with contextlib.suppress(asyncio.CancelledError, OSError):
            await draining
        writer.close()
        await asyncio.sleep(0.01)


async def phase(pid: int, port: int, base_url: str, seconds: float, ack_timeout: float) -> dict[str, Any]:
    cpu = cpu_seconds(pid)
    dev, http = await asyncio.gather(device(port, seconds, ack_timeout), health(base_url, seconds))
    return {"device": dev, "health": http, "server_cpu_s": round(cpu_seconds(pid) - cpu, 2)}


def start_server(data_dir: Path, nofile: int) -> tuple[subprocess.Popen[bytes], int, int]:
    env = {**os.environ, "CITYSAFE_DATA_DIR": str(data_dir), "CITYSAFE_DATABASE_URL": "", "CITYSAFE_NATS_URL": ""}
    subprocess.run([CITYSAFE, "db", "upgrade"], env=env, check=True, capture_output=True)
    http_port, gw_port = free_port(), free_port()

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    with open(data_dir / "serve.log", "wb") as log:
        proc = subprocess.Popen([CITYSAFE, "serve", "--port", str(http_port), "--gb26875-port", str(gw_port)],
                                env=env, stdout=subprocess.DEVNULL, stderr=log, preexec_fn=limit)
    for port in (http_port, gw_port):
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not come up: {(data_dir / 'serve.log').read_text()[-2000:]}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.1)
    return proc, http_port, gw_port


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {
        "benchmark": "GB/T 26875.3 gateway starvation",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "server_nofile": args.nofile, "silent_connections": args.silent, "phase_seconds": args.seconds,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory(prefix="citysafe-starve-") as tmp:
        proc, http_port, gw_port = start_server(Path(tmp), args.nofile)
        base_url = f"http://127.0.0.1:{http_port}"
        try:
            result["baseline"] = await phase(proc.pid, gw_port, base_url, args.seconds, args.ack_timeout)

            stop = asyncio.Event()
            counts = {"connections": 0, "connect_failures": 0, "sent_bytes": 0, "reply_bytes": 0}
            flooding = asyncio.create_task(flood(gw_port, stop, counts))
            await asyncio.sleep(0.5)
            result["flood"] = await phase(proc.pid, gw_port, base_url, args.seconds, args.ack_timeout)
            stop.set()
            await flooding
            result["flood"]["flooder"] = counts
            result["flood"]["flooder_cpu_s_over_baseline"] = round(
                result["flood"]["server_cpu_s"] - result["baseline"]["server_cpu_s"], 2)
            await asyncio.sleep(1.0)  # the server reads what the flooder left in flight

            silent = await open_silent(gw_port, args.silent)
            await asyncio.sleep(0.5)  # let the gateway accept (or refuse) what is queued
            result["silent"] = await phase(proc.pid, gw_port, base_url, args.seconds, args.ack_timeout)
            for writer in silent:
                writer.close()
            result["silent"]["attacker_connected"] = len(silent)
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nofile", type=int, default=1024, help="the server's open-file limit")
    parser.add_argument("--silent", type=int, default=1200, help="silent connections in phase 2")
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each phase")
    parser.add_argument("--ack-timeout", type=float, default=10.0, help="how long the device waits for an ACK")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench(args)), indent=2))


if __name__ == "__main__":
    main()
