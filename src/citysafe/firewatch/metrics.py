"""Fire monitoring's figures for ``/metrics`` (core/metrics.py), read when Prometheus scrapes.

From the gateway of this process: connections and their cap (a limit near is a limit about to refuse devices),
frames read, ACKed and withheld, refusals, the ACK latency histogram and the ingest writer's restarts. From the
database: alarms open now by kind, and the 119 hand-overs of the last hour (how many, how many failed, their
delay).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.alarms.models import Alarm, Forwarding
from citysafe.firewatch.gateway.limits import LIMITS
from citysafe.firewatch.gateway.service import GATEWAY_EXTRA
from citysafe.firewatch.ingest.mqtt import SUBSCRIBER_EXTRA

#: Gateway counters exposed as ``citysafe_gb26875_<name>_total`` (GatewayStats' fields of the same name).
GATEWAY_COUNTERS = {
    "accepted": "Connections accepted", "frames": "Valid frames read", "acked": "Frames ACKed after commit",
    "withheld": "Frames whose ACK was withheld (not stored; the device retransmits)", "naks": "NAKs sent",
    "refused": "Connections refused at accept (caps, penalty box)", "timeouts": "Connections closed for silence",
    "unidentified": "Connections closed for sending no valid frame", "dropped_invalid": "Peers dropped for invalid "
    "input", "batches": "Group commits", "offline": "Connections closed for not answering a patrol (device offline)",
    "refused_memory": "Connections refused because the process's memory was at its budget",
    "keepalives": "Of frames: keep-alives (a repeated normal type-21 status) ACKed without being stored; their "
    "devices reach the workers in the seen summary",
}
#: MQTT subscriber counters exposed as ``citysafe_mqtt_<name>_total`` (ingest.mqtt.MqttStats' fields).
MQTT_COUNTERS = {
    "received": "MQTT messages received", "stored": "MQTT messages stored and acknowledged after commit",
    "duplicates": "Redelivered copies recognised and not stored again", "rejected": "Payloads that can never "
    "be stored (acknowledged, logged)", "poisoned": "Messages ingest raised on, set aside", "failed_batches":
    "Batches not stored (not acknowledged; the broker redelivers)", "reconnects": "Connections to the broker "
    "re-opened", "broker_dropped": "Messages the broker reported dropped ($SYS), each raised as a fault",
}
FORWARDING_WINDOW = timedelta(hours=1)


class FirewatchCollector(Collector):
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Metric]:
        gateway: Any = self.ctx.extras.get(GATEWAY_EXTRA)
        if gateway is not None:
            yield from _gateway(gateway)
        subscriber: Any = self.ctx.extras.get(SUBSCRIBER_EXTRA)
        if subscriber is not None:
            for name, text in MQTT_COUNTERS.items():
                counter = CounterMetricFamily(f"citysafe_mqtt_{name}", text)
                counter.add_metric([], float(getattr(subscriber.stats, name)))
                yield counter
        yield from self._database()

    def _database(self) -> Iterator[Metric]:
        since = self.ctx.clock.now() - FORWARDING_WINDOW
        with unit_of_work(self.ctx.read_session_factory) as session:
            open_by_kind = session.execute(select(Alarm.kind, func.count()).where(Alarm.is_open.is_(True))
                                           .group_by(Alarm.kind)).all()
            handovers = session.execute(select(Forwarding.status, func.count(), func.max(Forwarding.delay_ms),
                                               func.avg(Forwarding.delay_ms))
                                        .where(Forwarding.sent_at >= since).group_by(Forwarding.status)).all()
        alarms = GaugeMetricFamily("citysafe_alarms_open", "Alarms open now, by kind", labels=["kind"])
        for kind, count in open_by_kind:
            alarms.add_metric([str(kind)], float(count))
        yield alarms
        count = GaugeMetricFamily("citysafe_forwardings_last_hour", "Hand-overs to 119 in the last hour, by status",
                                  labels=["status"])
        slowest = GaugeMetricFamily("citysafe_forwarding_delay_max_seconds",
                                    "Longest delay from confirmation to the 119 hand-over in the last hour",
                                    labels=["status"])
        mean = GaugeMetricFamily("citysafe_forwarding_delay_mean_seconds",
                                 "Mean delay from confirmation to the 119 hand-over in the last hour",
                                 labels=["status"])
        for status, n, longest, average in handovers:
            count.add_metric([str(status)], float(n))
            slowest.add_metric([str(status)], float(longest or 0) / 1000)
            mean.add_metric([str(status)], float(average or 0) / 1000)
        yield from (count, slowest, mean)


def _gateway(gateway: Any) -> Iterator[Metric]:
    stats, cap = gateway.stats, gateway.config.max_connections
    connections = GaugeMetricFamily("citysafe_gb26875_connections", "UITD connections open now")
    connections.add_metric([], float(len(gateway.connections)))
    limit = GaugeMetricFamily("citysafe_gb26875_connection_limit", "Connections this gateway accepts at most")
    limit.add_metric([], float(cap))
    yield from (connections, limit)
    for name, text in GATEWAY_COUNTERS.items():
        counter = CounterMetricFamily(f"citysafe_gb26875_{name}", text)
        counter.add_metric([], float(getattr(stats, name)))
        yield counter
    latency = gateway.ack_latency
    histogram = HistogramMetricFamily("citysafe_gb26875_ack_seconds", "From reading a frame to writing its ACK")
    histogram.add_metric([], [(le, float(n)) for le, n in latency.cumulative()], sum_value=latency.total_seconds)
    yield histogram
    yield from _limits(gateway.limits)
    restarts = getattr(gateway.sink, "restarts", None)
    if restarts is not None:
        writer = CounterMetricFamily("citysafe_gb26875_writer_restarts", "Times the ingest writer process was "
                                     "started again after it died")
        writer.add_metric([], float(restarts))
        yield writer


def _limits(watch: Any) -> Iterator[Metric]:
    near = GaugeMetricFamily("citysafe_gb26875_limit_near", "1 while a limit of this gateway process is near "
                             "(descriptors, connections, memory: from 80 % of it until below 70 %)", labels=["limit"])
    warnings = CounterMetricFamily("citysafe_gb26875_limit_warnings", "Times a limit of this gateway process "
                                   "became near (one warning line each)", labels=["limit"])
    for name in LIMITS:
        near.add_metric([name], 1.0 if watch.near[name] else 0.0)
        warnings.add_metric([name], float(watch.warnings[name]))
    yield from (near, warnings)
    figures = watch.figures
    if watch.descriptor_limit:
        limit = GaugeMetricFamily("citysafe_gb26875_descriptor_limit", "Open-file limit (RLIMIT_NOFILE) of the process")
        limit.add_metric([], float(watch.descriptor_limit))
        yield limit
    if "descriptors" in figures:
        used = GaugeMetricFamily("citysafe_gb26875_open_descriptors", "Descriptors open in the process at the last "
                                 "sweep")
        used.add_metric([], float(figures["descriptors"]))
        yield used
    if "memory" in figures:
        rss = GaugeMetricFamily("citysafe_gb26875_resident_bytes", "Resident memory of the process at the last sweep")
        rss.add_metric([], float(figures["memory"]))
        yield rss


class GatewayCollector(Collector):
    """The figures of a gateway process without the web API (``gateway.standalone``): no database to ask."""

    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway

    def collect(self) -> Iterator[Metric]:
        yield from _gateway(self.gateway)


def health(ctx: AppContext) -> dict[str, dict[str, Any]]:
    """The gateway, its writer (a child process, or NATS when the multi-process arrangement is configured) and
    the MQTT subscriber, each ``{"ok": …}`` or ``{"ok": None, "state": "off"}`` where this process runs none."""
    off: dict[str, Any] = {"ok": None, "state": "off"}
    gateway: Any = ctx.extras.get(GATEWAY_EXTRA)
    parts: dict[str, dict[str, Any]] = {"gateway": dict(off), "writer": dict(off), "nats": dict(off),
                                        "mqtt": dict(off)}
    if gateway is not None:
        cap = gateway.config.max_connections
        parts["gateway"] = {"ok": True, "port": gateway.port, "connections": len(gateway.connections),
                            "limit": cap, "near_limit": len(gateway.connections) >= 0.9 * cap}
        sink_health = getattr(gateway.sink, "health", None)
        if sink_health is not None:
            parts["nats" if ctx.settings.nats_url else "writer"] = sink_health()
        else:
            parts["writer"] = {"ok": True, "state": "in-process"}
    elif ctx.settings.gb26875_port is not None:
        parts["gateway"] = {"ok": False, "state": "not running"}
    subscriber: Any = ctx.extras.get(SUBSCRIBER_EXTRA)
    if subscriber is not None:
        sink = subscriber.sink
        parts["mqtt"] = {"ok": subscriber.ready.is_set(), "topics": list(subscriber.topics),
                         "writer": sink.health() if sink is not None else None,
                         "broker_problems": list(subscriber.broker_problems),
                         "broker_dropped": subscriber.stats.broker_dropped}
    return parts
