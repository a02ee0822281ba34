"""The gateway as a service of the web app: which sink it writes to, its limits from the settings, and
``running(app, ctx)``, which raises the open-file limit and starts the listener and its downlink when
``gb26875_port`` is set."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.firewatch.gateway.connection import GatewayConfig
from citysafe.firewatch.gateway.downlink import Downlink
from citysafe.firewatch.gateway.guard import connection_cap, raise_open_files_limit
from citysafe.firewatch.gateway.server import Gateway
from citysafe.firewatch.gateway.sinks import DatabaseSink, FrameSink, JetStreamSink, ProcessSink
from citysafe.firewatch.gateway.verdicts import OfflineRecorder
from citysafe.firewatch.ingest.worker import StreamNames
from citysafe.firewatch.live.hub import broadcaster

__all__ = ["GATEWAY_EXTRA", "config_from_settings", "running", "sink_for"]

#: Where the running gateway is kept on the application context (the downlink views and /metrics read it).
GATEWAY_EXTRA = "gb26875_gateway"

log = logging.getLogger(__name__)


def sink_for(ctx: AppContext) -> FrameSink:
    """JetStream when ``nats_url`` is set (workers ingest); else the database, written by a child
    process (``gb26875_writer = "process"``, the default) or by a thread of this one."""
    if ctx.settings.nats_url:
        return JetStreamSink(ctx.settings.nats_url, partitions=ctx.settings.gb26875_partitions,
                             names=StreamNames.of(ctx.settings.gb26875_nats_stream))
    if ctx.settings.gb26875_writer == "process":
        return ProcessSink(ctx.settings, on_events=broadcaster(ctx))
    return DatabaseSink(ctx.session_factory, ctx.clock)


def config_from_settings(settings: Settings, open_files: int) -> GatewayConfig:
    """The gateway's limits; without an explicit ``gb26875_max_connections`` the total cap leaves a quarter
    of ``open_files`` (the process's open-file limit) to HTTP and the rest of the process."""
    return GatewayConfig(host=settings.gb26875_host, port=settings.gb26875_port or 0,
                         idle_timeout=float(max(3 * settings.gb26875_patrol_seconds, 600)),
                         max_connections=settings.gb26875_max_connections or connection_cap(open_files),
                         max_connections_per_host=settings.gb26875_max_connections_per_host,
                         identify_timeout=settings.gb26875_identify_seconds,
                         invalid_burst=float(settings.gb26875_invalid_burst),
                         penalty_seconds=settings.gb26875_penalty_seconds,
                         memory_budget=(settings.gb26875_memory_budget_mb or 0) * 2**20 or None,
                         heartbeat_sample=float(settings.gb26875_heartbeat_sample_seconds))


@asynccontextmanager
async def running(app: Any, ctx: AppContext) -> AsyncIterator[None]:
    """The gateway as a service of the web app, when ``gb26875_port`` is set."""
    if ctx.settings.gb26875_port is None:
        yield
        return
    config = config_from_settings(ctx.settings, raise_open_files_limit())
    log.info("GB/T 26875.3 gateway: at most %d connections, %d per host", config.max_connections,
             config.max_connections_per_host)
    sink = sink_for(ctx)
    await sink.start()
    gateway = Gateway(sink=sink, clock=ctx.clock, config=config)
    downlink = Downlink.from_settings(gateway, ctx)
    gateway.observer = downlink
    verdicts = OfflineRecorder(sink, ctx.session_factory)
    downlink.on_offline(verdicts)
    await gateway.start()
    downlink.start()
    ctx.extras[GATEWAY_EXTRA] = gateway
    ctx.extras["gb26875_downlink"] = downlink
    try:
        yield
    finally:
        ctx.extras.pop(GATEWAY_EXTRA, None)
        ctx.extras.pop("gb26875_downlink", None)
        await downlink.stop()
        await verdicts.aclose()
        await gateway.stop()
