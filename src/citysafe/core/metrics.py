"""``/metrics`` in Prometheus's text format: one registry per application (never prometheus_client's global one,
so two apps in one process — the test suite — count apart).

The HTTP figures are counted as requests pass (core/observe.py). The domains' figures are read when Prometheus
scrapes: each domain offers a ``Collector`` (``firewatch.metrics``, ``core.metrics.platform_collector``) that
asks the database and the running services at that moment, so nothing is counted twice and a restarted
process starts from the database's truth.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from citysafe.core.context import AppContext, Slot
from citysafe.core.db import unit_of_work
from citysafe.core.events import OutboxEvent
from citysafe.core.jobs import Job

#: Request durations of an interactive console (s): the console's targets sit between 0.05 and 1 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class AppMetrics:
    registry: CollectorRegistry = field(default_factory=lambda: CollectorRegistry(auto_describe=True))

    def __post_init__(self) -> None:
        self.requests = Counter("citysafe_http_requests", "HTTP requests answered, by route template and status",
                                ("method", "route", "status"), registry=self.registry)
        self.latency = Histogram("citysafe_http_request_seconds", "Time to answer an HTTP request",
                                 ("method", "route"), buckets=LATENCY_BUCKETS, registry=self.registry)
        self._collectors: dict[str, Collector] = {}

    def observe_request(self, *, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def add(self, name: str, collector: Collector) -> None:
        """A domain's figures, read at every scrape; the first collector of a name stays (one per application)."""
        if name not in self._collectors:
            self._collectors[name] = collector
            self.registry.register(collector)


METRICS = Slot("core.metrics", lambda _ctx: AppMetrics())


def may_read(peer: str | None, token: str, expected: str) -> bool:
    """``/metrics`` for a loopback peer (Prometheus beside the server, or nginx in front of it) or a bearer
    token equal to ``CITYSAFE_METRICS_TOKEN``; nobody else learns the platform's traffic and queues."""
    if expected and token == expected:
        return True
    try:
        return peer is not None and ipaddress.ip_address(peer).is_loopback
    except ValueError:
        return False


class PlatformCollector(Collector):
    """The platform's own queues: events not yet delivered to their handlers, background jobs by state."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Metric]:
        with unit_of_work(self.ctx.read_session_factory) as session:
            pending = session.scalar(select(func.count()).select_from(OutboxEvent)
                                     .where(OutboxEvent.delivered_at.is_(None))) or 0
            jobs = session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
        outbox = GaugeMetricFamily("citysafe_outbox_pending", "Domain events committed but not yet delivered")
        outbox.add_metric([], float(pending))
        yield outbox
        by_state = GaugeMetricFamily("citysafe_jobs", "Background jobs (white papers, imports) by status",
                                     labels=["status"])
        for state, count in jobs:
            by_state.add_metric([str(state)], float(count))
        yield by_state
        outbound = self.ctx.outbound
        sent = GaugeMetricFamily("citysafe_outbound_deliveries", "Messages sent through core.outbound since the "
                                 "process started, by channel and outcome", labels=["channel", "outcome"])
        for (channel, outcome), count in sorted(outbound.tally.items()):
            sent.add_metric([channel, outcome], float(count))
        yield sent


def add_collectors(ctx: AppContext, collectors: Iterable[tuple[str, Collector]]) -> AppMetrics:
    metrics = METRICS.get(ctx)
    for name, collector in collectors:
        metrics.add(name, collector)
    return metrics
