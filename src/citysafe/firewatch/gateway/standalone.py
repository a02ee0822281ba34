"""The gateway without the web API (``citysafe gb26875 gateway``): one process, or several sharing a port.

Why a process of its own: inside ``serve`` the gateway shares the web process's open-file limit (20,000
on the production boxes, and root cannot raise it there); at 19,977 UITD connections the limit was
reached, and the web API and every new device were refused. A standalone gateway process holds only
UITD connections and the few descriptors of its sink; N of them listen on one port with SO_REUSEPORT (the
kernel hashes each new connection to one of the listeners), so one box holds N times what one process
may open, and the web API keeps its own limit.

- ``run_process``: one gateway process — its sink (JetStream when ``nats_url`` is set: ACK after the
  stream's ack; else the writer child that commits to the database), the listener, the downlink
  (patrols, clock sync), until ``stop`` is set.
- ``Fleet``: the supervisor of ``--processes N``. It holds the port (bound, never listening, so port 0
  becomes one concrete port for all), starts N children, starts again one that dies, and on SIGTERM
  stops them all with SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Final

from citysafe.core import heap
from citysafe.core.clock import Clock, SystemClock
from citysafe.core.config import Settings
from citysafe.firewatch.alarms.patrol import patrol_period
from citysafe.firewatch.gateway.connection import GatewayConfig
from citysafe.firewatch.gateway.downlink import Downlink, DownlinkConfig
from citysafe.firewatch.gateway.guard import raise_open_files_limit
from citysafe.firewatch.gateway.server import Gateway
from citysafe.firewatch.gateway.service import config_from_settings
from citysafe.firewatch.gateway.sinks import FrameSink, JetStreamSink, ProcessSink
from citysafe.firewatch.gateway.verdicts import OfflineRecorder
from citysafe.firewatch.ingest.worker import StreamNames

__all__ = ["CHILD_COMMAND", "Fleet", "reserve_port", "run_process", "serve_metrics", "standalone_config",
           "standalone_connection_cap", "standalone_sink"]

log = logging.getLogger(__name__)

#: What a fleet starts each gateway process as; tests and benchmarks may point it elsewhere.
CHILD_COMMAND: Final = (sys.executable, "-m", "citysafe", "gb26875", "gateway")
#: Pending connections the kernel queues per listener; also the most a stdlib asyncio loop accepts in one
#: turn before the first ``connection_made`` runs the admission check, so the descriptor reserve covers it.
LISTEN_BACKLOG: Final = 1024
#: Descriptors a gateway process keeps for itself besides its connections: at rest it has about 20
#: (stdio, the loop's epoll and self-pipe, the listener, the writer child's pipes or the NATS socket);
#: the rest is headroom for a NATS reconnect, /metrics scrapes and the log, so that the process can still
#: log and publish when it is full.
OWN_DESCRIPTORS: Final = 256
#: A child that exits this soon after it started is failing at start-up: wait before starting it again.
_QUICK_EXIT_SECONDS: Final = 5.0
#: The exit code of bad input (commands.support.fail): a child that exits with it will not do better.
_BAD_INPUT: Final = 2


def standalone_connection_cap(open_files: int) -> int:
    """UITD connections a gateway process without the web API accepts under ``open_files``: all but its own
    descriptors and one accept burst (``LISTEN_BACKLOG``), so a full process refuses cleanly instead of
    meeting EMFILE."""
    return max(16, open_files - OWN_DESCRIPTORS - LISTEN_BACKLOG)


def standalone_config(settings: Settings, *, host: str, port: int, open_files: int) -> GatewayConfig:
    """The serve-embedded gateway's limits (``service.config_from_settings``), on ``host:port`` with
    SO_REUSEPORT and the standalone cap (no HTTP to leave a quarter of the descriptors to)."""
    base = config_from_settings(settings, open_files)
    cap = settings.gb26875_max_connections or standalone_connection_cap(open_files)
    return replace(base, host=host, port=port, reuse_port=True, max_connections=cap)


def standalone_sink(settings: Settings) -> FrameSink:
    """JetStream when ``nats_url`` is set (ingest workers store, web processes hear the live events from
    them); else the writer child commits to the database. Its live events have no web process to go to
    here: the console's lists show the alarms, and a live board across processes needs NATS."""
    if settings.nats_url:
        return JetStreamSink(settings.nats_url, partitions=settings.gb26875_partitions,
                             names=StreamNames.of(settings.gb26875_nats_stream))

    def no_live_board(name: str, payload: dict[str, Any]) -> None:
        log.debug("live event %s not relayed (no CITYSAFE_NATS_URL): %s", name, payload.get("id"))

    return ProcessSink(settings, on_events=no_live_board)


async def serve_metrics(gateway: Gateway, port: int) -> asyncio.Server:
    """``GET /metrics`` of this gateway process on 127.0.0.1:``port`` (loopback only, as the web API's
    /metrics without a token): Prometheus's text format, nothing else."""
    from prometheus_client import CollectorRegistry, generate_latest

    from citysafe.firewatch.metrics import GatewayCollector

    registry = CollectorRegistry(auto_describe=True)
    registry.register(GatewayCollector(gateway))

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10.0)
            if request.split(b" ", 2)[:2] == [b"GET", b"/metrics"]:
                body, status = generate_latest(registry), b"200 OK"
            else:
                body, status = b"only GET /metrics here\n", b"404 Not Found"
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: text/plain; version=0.0.4\r\n"
                         b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", port, limit=16 * 1024)


async def run_process(
    settings: Settings, *, host: str, port: int, stop: asyncio.Event, clock: Clock | None = None,
    on_ready: Callable[[Gateway], None] | None = None, metrics_port: int | None = None,
) -> Gateway:
    """One gateway process until ``stop`` is set; returns the stopped gateway (its counters).
    A port it cannot listen on raises OSError before anything is accepted."""
    clock = clock or SystemClock()
    config = standalone_config(settings, host=host, port=port, open_files=raise_open_files_limit())
    sink = standalone_sink(settings)
    await sink.start()
    gateway = Gateway(sink=sink, clock=clock, config=config)
    downlink = Downlink(gateway, clock, DownlinkConfig(
        patrol=patrol_period(timedelta(seconds=settings.gb26875_patrol_seconds)),
        clock_sync=timedelta(seconds=settings.gb26875_clock_sync_seconds)))
    gateway.observer = downlink
    # No database here: with JetStream the verdicts go to the ingest workers; the writer-child sink has none.
    verdicts = OfflineRecorder(sink)
    downlink.on_offline(verdicts)
    try:
        await gateway.start(backlog=LISTEN_BACKLOG)
    except BaseException:
        await sink.aclose()
        raise
    metrics = None
    try:
        if metrics_port is not None:
            metrics = await serve_metrics(gateway, metrics_port)
    except BaseException:
        await gateway.stop()
        raise
    downlink.start()
    log.info("GB/T 26875.3 gateway process: at most %d connections (%d per host), %s", config.max_connections,
             config.max_connections_per_host, "JetStream" if settings.nats_url else "database writer process")
    heap.settle()  # a long-running process (core/heap.py)
    if on_ready is not None:
        on_ready(gateway)
    try:
        await stop.wait()
    finally:
        if metrics is not None:
            metrics.close()
        await downlink.stop()
        await verdicts.aclose()
        await gateway.stop()
    return gateway


def reserve_port(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` with SO_REUSEPORT and never listening: it fixes the port (port 0
    becomes a free one) for the gateway processes, and the kernel gives it no connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


@dataclass
class _Child:
    index: int
    proc: asyncio.subprocess.Process
    started: float


class Fleet:
    """``processes`` gateway children on one port, restarted when they die, stopped together."""

    def __init__(self, *, host: str, port: int, processes: int, command: Sequence[str] = CHILD_COMMAND,
                 metrics_port: int | None = None) -> None:
        self.host, self.processes, self.metrics_port = host, processes, metrics_port
        self._sock = reserve_port(host, port)
        self.port = int(self._sock.getsockname()[1])
        self._command = (*command, "--host", host, "--port", str(self.port), "--processes", "1")
        self._children: dict[int, _Child] = {}
        self.restarts = 0

    async def run(self, stop: asyncio.Event) -> int:
        """Run until ``stop`` is set (0) or a child fails on its input (2, as the child did)."""
        loop = asyncio.get_running_loop()
        try:
            for index in range(self.processes):
                await self._start(index)
            log.info("%d GB/T 26875.3 gateway processes on %s:%d", self.processes, self.host, self.port)
            while not stop.is_set():
                waits = {asyncio.ensure_future(c.proc.wait()): c for c in self._children.values()}
                stopping = asyncio.ensure_future(stop.wait())
                done, _ = await asyncio.wait([*waits, stopping], return_when=asyncio.FIRST_COMPLETED)
                for fut in (*waits, stopping):
                    if fut not in done:
                        fut.cancel()
                for fut in done:
                    child = waits.get(fut)
                    if child is None or stop.is_set():
                        continue
                    code = child.proc.returncode
                    if code == _BAD_INPUT:
                        log.error("gateway process %d rejected its input (exit 2); stopping", child.index)
                        return _BAD_INPUT
                    quick = loop.time() - child.started < _QUICK_EXIT_SECONDS
                    log.error("gateway process %d (pid %d) exited with %s; starting it again%s", child.index,
                              child.proc.pid, code, " in 5 s" if quick else "")
                    if quick:
                        await asyncio.sleep(_QUICK_EXIT_SECONDS)
                    self.restarts += 1
                    await self._start(child.index)
            return 0
        finally:
            await self._stop_all()
            self._sock.close()

    @property
    def pids(self) -> list[int]:
        return [c.proc.pid for c in self._children.values() if c.proc.returncode is None]

    async def _start(self, index: int) -> None:
        # Process i answers /metrics on metrics_port + i: Prometheus scrapes each (a shared port would give
        # one process's figures at random).
        metrics = () if self.metrics_port is None else ("--metrics-port", str(self.metrics_port + index))
        proc = await asyncio.create_subprocess_exec(*self._command, *metrics)
        self._children[index] = _Child(index, proc, asyncio.get_running_loop().time())

    async def _stop_all(self) -> None:
        children = [c for c in self._children.values() if c.proc.returncode is None]
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                child.proc.send_signal(signal.SIGTERM)
        for child in children:
            try:
                await asyncio.wait_for(child.proc.wait(), 30.0)
            except TimeoutError:
                log.warning("gateway process %d did not stop within 30 s; killing it", child.index)
                with contextlib.suppress(ProcessLookupError):
                    child.proc.kill()
                await child.proc.wait()
