"""`citysafe simulate`: simulated UITDs (GB/T 26875.3 over TCP) and fire-IoT devices (MQTT JSON).

The defaults match the demo city (citysafe.demo.firewatch): UITD addresses 100001…, a panel of 2 loops × 8
photoelectric smoke detectors (component type 42), IoT devices NJ-SMK-001… on the MQTT broker.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
from typing import Annotated

import typer

from citysafe.commands.support import fail
from citysafe.core.config import Settings

app = typer.Typer(help="simulated fire-monitoring devices", no_args_is_help=True)


def parse_endpoint(text: str, option: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        fail(f"{option} must be HOST:PORT, got {text!r}")
    return host, int(port)


@app.callback(invoke_without_command=True)
def simulate(
    target: Annotated[str, typer.Option(help="the GB/T 26875.3 gateway, HOST:PORT (serve --gb26875-port)")],
    units: Annotated[int, typer.Option(min=1, max=100_000, help="simulated UITDs, one TCP connection each")] = 40,
    rate: Annotated[float, typer.Option(min=0.0, help="frames per second, all units together")] = 5.0,
    duration: Annotated[float | None, typer.Option(help="seconds to run; default until Ctrl-C")] = None,
    mqtt: Annotated[str | None, typer.Option(help="also publish fire-IoT JSON to this broker, HOST:PORT")] = None,
    mqtt_rate: Annotated[float, typer.Option(min=0.01, help="IoT messages per second")] = 1.0,
    first_address: Annotated[int, typer.Option(help="address of the first UITD; the others follow")] = 100001,
    fire_share: Annotated[float, typer.Option(min=0.0, max=1.0, help="share of frames that are fires")] = 0.03,
    fault_share: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.08,
    first_fire: Annotated[bool, typer.Option(help="send a fire as soon as connected")] = True,
    ack_timeout: Annotated[float, typer.Option(min=0.1, help="seconds before a retransmission")] = 10.0,
    seed: Annotated[int | None, typer.Option(help="random seed, for a repeatable run")] = None,
    wait: Annotated[float, typer.Option(min=0.0, help="seconds to wait for the gateway to come up")] = 0.0,
) -> None:
    """Run simulated UITDs against a gateway: heartbeats, status, analog values, faults and fires,
    retransmitting what is not ACKed; prints the totals as JSON when it stops."""
    from citysafe.firewatch.simulator import SimulatorStats, Traffic, demo_iot_devices, run

    host, port = parse_endpoint(target, "--target")
    broker = parse_endpoint(mqtt, "--mqtt") if mqtt else None
    stats = SimulatorStats()

    async def reachable() -> None:
        # A simulated device would retry for ever; a mistyped target is reported instead (after --wait).
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
                writer.close()
                return
            except (OSError, TimeoutError) as exc:
                if asyncio.get_running_loop().time() >= deadline:
                    reason = getattr(exc, "strerror", None) or "timed out"
                    fail(f"cannot reach the gateway at {host}:{port}: {reason}")
                await asyncio.sleep(0.25)

    async def main() -> None:
        await reachable()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        traffic = Traffic(random.Random(seed), fire_share=fire_share, fault_share=fault_share, loops=2, points=8,
                          component_type=42)
        typer.echo(f"simulating {units} UITDs ({first_address}…{first_address + units - 1}) at {rate:g} frames/s "
                   f"against {host}:{port}" + (f", IoT over MQTT {broker[0]}:{broker[1]}" if broker else ""),
                   err=True)
        await run(host, port, addresses=range(first_address, first_address + units), rate=rate, duration=duration,
                  stop=stop, seed=seed, ack_timeout=ack_timeout, stats=stats, traffic=traffic, first_fire=first_fire,
                  mqtt=broker, mqtt_rate=mqtt_rate, iot_devices=demo_iot_devices() if broker else ())

    asyncio.run(main())
    typer.echo(json.dumps(stats.as_dict()))


def start_for_demo(settings: Settings, host: str) -> Settings:
    """For `citysafe demo`: a gateway on a free port and the simulator against it in a child process, so
    live alarms reach the console within seconds. Returns the settings to serve with."""
    import atexit
    import socket
    import subprocess
    import sys

    with socket.socket() as sock:
        sock.bind((host, 0))
        port = int(sock.getsockname()[1])
    from citysafe.firewatch.simulator import DEMO_FAULT_SHARE, DEMO_FIRE_SHARE, DEMO_RATE, DEMO_UNITS

    child = subprocess.Popen([sys.executable, "-m", "citysafe", "simulate", "--target", f"{host}:{port}",  # noqa: S603
                              "--units", str(DEMO_UNITS), "--rate", str(DEMO_RATE), "--wait", "60",
                              "--fire-share", str(DEMO_FIRE_SHARE), "--fault-share", str(DEMO_FAULT_SHARE)])
    atexit.register(child.terminate)
    typer.echo(f"  GB/T 26875.3 gateway: {host}:{port}, {DEMO_UNITS} simulated UITDs sending (alarms on /firewatch)")
    return settings.model_copy(update={"gb26875_port": port, "gb26875_host": host})
