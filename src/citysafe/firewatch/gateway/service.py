"""The gateway as a service of the web app: which sink it writes to, its limits from the settings, and
``running(app, ctx)``, which starts the listener and its downlink when ``gb26875_port`` is set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from citysafe.core.context import AppContext
from citysafe.firewatch.gateway.connection import GatewayConfig
from citysafe.firewatch.gateway.downlink import Downlink
from citysafe.firewatch.gateway.server import Gateway
from citysafe.firewatch.gateway.sinks import DatabaseSink, FrameSink, JetStreamSink, ProcessSink
from citysafe.firewatch.ingest.worker import StreamNames
from citysafe.firewatch.live.hub import broadcaster

__all__ = ["config_from_settings", "running", "sink_for"]


def sink_for(ctx: AppContext) -> FrameSink:
    """JetStream when ``nats_url`` is set (workers ingest); else the database, written by a child
    process (``gb26875_writer = "process"``, the default) or by a thread of this one."""
    if ctx.settings.nats_url:
        return JetStreamSink(ctx.settings.nats_url, partitions=ctx.settings.gb26875_partitions,
                             names=StreamNames.of(ctx.settings.gb26875_nats_stream))
    if ctx.settings.gb26875_writer == "process":
        return ProcessSink(ctx.settings, on_events=broadcaster(ctx))
    return DatabaseSink(ctx.session_factory, ctx.clock)


def config_from_settings(ctx: AppContext) -> GatewayConfig:
    settings = ctx.settings
    return GatewayConfig(host=settings.gb26875_host, port=settings.gb26875_port or 0,
                         idle_timeout=float(max(3 * settings.gb26875_patrol_seconds, 600)))


@asynccontextmanager
async def running(app: Any, ctx: AppContext) -> AsyncIterator[None]:
    """The gateway as a service of the web app, when ``gb26875_port`` is set."""
    if ctx.settings.gb26875_port is None:
        yield
        return
    sink = sink_for(ctx)
    await sink.start()
    gateway = Gateway(sink=sink, clock=ctx.clock, config=config_from_settings(ctx))
    downlink = Downlink.from_settings(gateway, ctx)
    gateway.observer = downlink
    await gateway.start()
    downlink.start()
    ctx.extras["gb26875_gateway"] = gateway
    ctx.extras["gb26875_downlink"] = downlink
    try:
        yield
    finally:
        ctx.extras.pop("gb26875_gateway", None)
        ctx.extras.pop("gb26875_downlink", None)
        await downlink.stop()
        await gateway.stop()
