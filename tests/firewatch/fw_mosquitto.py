"""A Mosquitto of a test's own (or a benchmark's), on a free loopback port with the options it is given:
queue limits can be set without touching the machine's broker on 1883; and citysafe's subscriber on it."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from tests.support.waiting import until_sync

from citysafe.core.context import AppContext
from citysafe.firewatch.ingest import mqtt


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def mosquitto(**options: str | int) -> Iterator[tuple[int, Path]]:
    """A broker with ``options`` (mosquitto.conf lines) on a free port; yields (port, its config file)."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    with tempfile.TemporaryDirectory(prefix="cs-mosquitto-") as folder:
        port = free_port()
        conf = Path(folder) / "mosquitto.conf"
        lines = [f"listener {port} 127.0.0.1", "allow_anonymous true", f"persistence_location {folder}/"]
        lines += [f"{name} {value}" for name, value in options.items()]
        conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
        proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            def listening() -> bool:
                assert proc.poll() is None, f"mosquitto exited before listening on {port}"
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return True
                return False

            until_sync(listening, what=f"mosquitto listening on {port}", timeout=10)
            yield port, conf
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.asynccontextmanager
async def subscribed(ctx: AppContext, sink: Any = None) -> AsyncIterator[mqtt.Subscriber]:
    """The MQTT service as ``serve`` runs it on ``ctx``'s settings, once its subscriptions are in place."""
    async with mqtt.running(FastAPI(), ctx, sink):
        subscriber: mqtt.Subscriber = ctx.extras[mqtt.SUBSCRIBER_EXTRA]
        subscriber.first_pause = 0.1
        # A writer process starts first: importing the application took up to 16 s on the loaded machine.
        await asyncio.wait_for(subscriber.ready.wait(), timeout=90)
        yield subscriber
