"""The gateway's limits watched: one warning line and a metric the moment one is near, before it refuses.

Three limits per process: open descriptors against RLIMIT_NOFILE (the wall at which ``accept`` fails and
the process can no longer open a log file or reconnect to NATS), UITD connections against the cap
(``GatewayConfig.max_connections``, where the gateway starts refusing devices) and, when a budget is
set, resident memory. Each is *near* from ``near_share`` of it and clear again below ``clear_share``
(the gap keeps a process hovering at the mark from logging every second); each crossing logs one line
and counts in ``warnings``, and ``near`` says what is near now (``citysafe_gb26875_limit_near`` on
/metrics, a gauge an alert rule can fire on).

Connections are checked at every accept (``on_connections``: one comparison); descriptors and memory
by the gateway's sweep every few seconds (``sample``: a listing of /proc/self/fd and one read of
/proc/self/statm), since a descriptor or a page can be taken by something other than a connection.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from typing import Final

__all__ = ["LIMITS", "LimitWatch", "open_descriptors", "resident_bytes"]

log = logging.getLogger(__name__)

LIMITS: Final = ("descriptors", "connections", "memory")
_PAGE: Final = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def open_descriptors() -> int | None:
    """Descriptors this process has open now (None where /proc is not there)."""
    try:
        return len(os.listdir("/proc/self/fd")) - 1  # the listing's own descriptor
    except OSError:
        return None


def resident_bytes() -> int | None:
    """Resident set size of this process (None where /proc is not there)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def descriptor_limit() -> int | None:
    """The soft RLIMIT_NOFILE in force (None without the resource module)."""
    if sys.platform == "win32":
        return None
    import resource

    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return None if soft == resource.RLIM_INFINITY else int(soft)


@dataclass
class LimitWatch:
    """Which limits are near, how often each became near, and the last figures seen."""

    connection_cap: int
    memory_budget: int | None = None  # bytes of RSS; None: not watched
    # Near at 80 %: at a connection rate of a few hundred a second (a district's devices coming back after a
    # power cut) the last fifth of 20,000 descriptors lasts long enough for an operator's alert to fire
    # and a process to be added; clear at 70 % so one hovering at the mark logs once, not on every accept.
    near_share: float = 0.8
    clear_share: float = 0.7
    descriptor_limit: int | None = field(default_factory=descriptor_limit)
    near: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(LIMITS, False))
    warnings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LIMITS, 0))
    figures: dict[str, int] = field(default_factory=dict)
    _near_connections: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._near_connections = int(self.connection_cap * self.near_share)

    def on_connections(self, connections: int) -> None:
        """At each accept: the cheap check (one comparison until the mark is reached)."""
        if connections >= self._near_connections or self.near["connections"]:
            self._judge("connections", connections, self.connection_cap)

    def sample(self, connections: int) -> None:
        """At the gateway's sweep: descriptors and memory as the kernel counts them, and connections."""
        self._judge("connections", connections, self.connection_cap)
        descriptors = open_descriptors()
        if descriptors is not None and self.descriptor_limit:
            self._judge("descriptors", descriptors, self.descriptor_limit)
        rss = resident_bytes()
        if rss is not None:
            self.figures["memory"] = rss
            if self.memory_budget:
                self._judge("memory", rss, self.memory_budget)

    def over_budget(self) -> bool:
        """Resident memory at or past its budget: new connections are refused until it is below again."""
        return bool(self.memory_budget) and self.figures.get("memory", 0) >= (self.memory_budget or 0)

    def _judge(self, limit: str, value: int, bound: int) -> None:
        self.figures[limit] = value
        share = value / bound if bound else 0.0
        if not self.near[limit] and share >= self.near_share:
            self.near[limit] = True
            self.warnings[limit] += 1
            log.warning("gateway near its %s limit: %d of %d (%.0f %%; refusing new devices at %s)", limit, value,
                        bound, 100 * share, self._refusing_at(limit))
        elif self.near[limit] and share < self.clear_share:
            self.near[limit] = False
            log.info("gateway %s back to %d of %d (%.0f %%)", limit, value, bound, 100 * share)

    def _refusing_at(self, limit: str) -> str:
        if limit == "memory":
            return f"{self.memory_budget} bytes"
        return f"{self.connection_cap} connections"
