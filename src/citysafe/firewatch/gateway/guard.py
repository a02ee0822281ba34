"""What the gateway lets in, and how much a peer that misbehaves may cost the process.

- The open-file limit: ``raise_open_files_limit`` lifts the soft limit to the hard one at start-up;
  ``connection_cap`` leaves a quarter of it (at least 256 descriptors) to everything else in the web
  process — HTTP above all, then the database, the writer's pipe and the logs. 20,000 silent sockets
  once filled the limit and the health check and the login page answered nothing.
- ``Admission``: connections in total, per source host, and hosts in the penalty box (peers dropped for
  invalid input, refused for a short while so reconnecting does not buy a fresh budget). A refused
  connection is closed at once; refusals are counted and logged as one summary every few seconds, so
  a flood of them cannot flood the log as well.
- ``TokenBucket``: what one connection may spend on invalid input and on replies (NAK, "OK!") before
  it is dropped or its replies are withheld — one peer writing "@" bytes once took 18 s of CPU in 20 s.

Per gateway, never per module: two apps in one process share nothing.
"""

from __future__ import annotations

import ipaddress
import logging
import sys
from dataclasses import dataclass, field
from typing import Final

__all__ = ["Admission", "Refusals", "TokenBucket", "connection_cap", "host_key", "raise_open_files_limit"]

log = logging.getLogger(__name__)

# Where the limit is unbounded (macOS reports RLIM_INFINITY) the kernel still refuses an infinite soft
# limit; this is asked for instead.
_UNBOUNDED_TARGET: Final = 65536
# Without the resource module (Windows) the C runtime's default.
_NO_RLIMIT: Final = 512
_LOG_EVERY: Final = 10.0


def raise_open_files_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit where allowed; log and return the soft limit in force."""
    if sys.platform == "win32":
        return _NO_RLIMIT
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = _UNBOUNDED_TARGET if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:
            log.warning("open-file limit stays %d: raising it to %d failed (%s)", soft, target, exc)
            return int(soft)
        log.info("open-file limit raised from %d to %d", soft, target)
        return int(target)
    log.info("open-file limit %d (hard limit %s)", soft, "unlimited" if hard == resource.RLIM_INFINITY else hard)
    return int(_UNBOUNDED_TARGET if soft == resource.RLIM_INFINITY else soft)


def connection_cap(open_files: int) -> int:
    """Gateway connections allowed under an open-file limit: all but a quarter of it (at least 256)."""
    return max(16, open_files - max(256, open_files // 4))


def host_key(address: str) -> str:
    """What the per-host cap and the penalty box count: an IPv4 address (also one mapped into IPv6) as
    it is, an IPv6 address by its /64 — one site's, or one attacker's, whole allocation."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return f"{ipaddress.IPv6Network((ip, 64), strict=False).network_address}/64"
    return str(ip)


@dataclass(slots=True)
class TokenBucket:
    """``rate`` tokens a second up to ``burst``; ``take`` spends ``cost`` if that many are there.

    Ten lines, synchronous and on the loop's clock: the rate-limiting libraries are awaitable (they make
    the caller wait), and a protocol callback must decide at once."""

    rate: float
    burst: float
    tokens: float = field(init=False)
    stamp: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def start(self, now: float) -> TokenBucket:
        self.stamp = now
        return self

    def take(self, now: float, cost: float = 1.0) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        self.tokens = 0.0
        return False


@dataclass
class Refusals:
    """Connections refused since the last log line, by reason."""

    full: int = 0
    per_host: int = 0
    penalised: int = 0
    last_host: str = ""

    def total(self) -> int:
        return self.full + self.per_host + self.penalised


@dataclass
class Admission:
    """Who may connect: the caps in total and per host, and the penalty box."""

    max_connections: int
    max_per_host: int
    penalty_seconds: float
    # The penalty box holds hosts, not connections; past this many the oldest entries go first, so a
    # spray of addresses cannot grow it without bound.
    max_penalised: int = 10_000
    open_by_host: dict[str, int] = field(default_factory=dict)
    penalised: dict[str, float] = field(default_factory=dict)
    pending: Refusals = field(default_factory=Refusals)
    refused: Refusals = field(default_factory=Refusals)
    _logged_at: float = 0.0

    def refusal(self, host: str, open_connections: int, now: float) -> str | None:
        """Why a new connection from ``host`` is refused, or None to let it in (and count it)."""
        until = self.penalised.get(host)
        if until is not None and until > now:
            reason = "penalised"
        elif open_connections >= self.max_connections:
            reason = "full"
        elif self.open_by_host.get(host, 0) >= self.max_per_host:
            reason = "per_host"
        else:
            self.open_by_host[host] = self.open_by_host.get(host, 0) + 1
            return None
        for counts in (self.pending, self.refused):
            setattr(counts, reason, getattr(counts, reason) + 1)
            counts.last_host = host
        if now - self._logged_at >= _LOG_EVERY:
            self.log_refusals(now)
        return reason

    def closed(self, host: str) -> None:
        left = self.open_by_host.get(host, 0) - 1
        if left > 0:
            self.open_by_host[host] = left
        else:
            self.open_by_host.pop(host, None)

    def penalise(self, host: str, now: float) -> None:
        if self.penalty_seconds <= 0:
            return
        self.penalised.pop(host, None)  # re-inserted last: the dict stays ordered by expiry
        self.penalised[host] = now + self.penalty_seconds
        while len(self.penalised) > self.max_penalised:
            del self.penalised[next(iter(self.penalised))]

    def sweep(self, now: float) -> None:
        """Let expired hosts out of the penalty box; log refusals not yet logged."""
        for host in [h for h, until in self.penalised.items() if until <= now]:
            del self.penalised[host]
        if self.pending.total() and now - self._logged_at >= _LOG_EVERY:
            self.log_refusals(now)

    def log_refusals(self, now: float) -> None:
        pending = self.pending
        if pending.total():
            log.warning("refused %d GB/T 26875.3 connections in %.0f s (%d over the cap of %d, %d over %d per host, "
                        "%d from penalised hosts); the last from %s", pending.total(), now - self._logged_at,
                        pending.full, self.max_connections, pending.per_host, self.max_per_host,
                        pending.penalised, pending.last_host)
        self.pending = Refusals()
        self._logged_at = now
