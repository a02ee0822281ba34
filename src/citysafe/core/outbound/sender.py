"""``Outbound``: routes a message to its channel's adapter, retries transient failures, returns results.

A delivery problem never raises to the caller — not a refused number, not a gateway that is down, not
an adapter that raised — because callers (event handlers in worker threads, a warning fan-out) must go
on and record what happened; they read the ``DeliveryReport``. Only a malformed ``Message`` raises, when
it is built. The object holds no state between calls, so one instance serves every thread.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from citysafe.core.clock import Clock, SystemClock
from citysafe.core.outbound.adapter import Adapter
from citysafe.core.outbound.message import Attempt, Channel, DeliveryReport, DeliveryResult, Message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts per recipient (the first included) and the pause before each retry: ``backoff_seconds``,
    multiplied by ``factor`` each time, at most ``max_backoff_seconds``."""

    max_attempts: int = 3
    backoff_seconds: float = 1.0
    factor: float = 2.0
    max_backoff_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.backoff_seconds < 0 or self.factor < 1 or self.max_backoff_seconds < 0:
            raise ValueError(f"invalid retry policy: {self}")

    def delay(self, failed_attempt: int) -> float:
        """Seconds to wait after attempt number ``failed_attempt`` (1-based) before the next."""
        return min(self.max_backoff_seconds, self.backoff_seconds * self.factor ** (failed_attempt - 1))


class Outbound:
    """The platform's one way out: ``send(message)`` → ``DeliveryReport``.

    ``adapters``: one per channel (keyed by its ``channel``); a message on a channel without one is
    ``not_sent``. ``sleep`` and ``clock`` are injected so tests neither wait nor depend on the time.
    """

    def __init__(self, adapters: Iterable[Adapter], *, retry: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Clock | None = None) -> None:
        self._adapters: dict[Channel, Adapter] = {}
        for adapter in adapters:
            if adapter.channel in self._adapters:
                raise ValueError(f"two adapters for the {adapter.channel} channel")
            if adapter.test_only and not adapter.accepts_drills:
                raise ValueError(f"the {adapter.channel} channel is test-only and refuses drills: it sends nothing")
            self._adapters[adapter.channel] = adapter
        self.retry = retry or RetryPolicy()
        self._sleep, self._clock = sleep, clock or SystemClock()
        # Recipients' final outcomes since this instance was made, by (channel, status): /metrics reads them.
        self.tally: collections.Counter[tuple[str, str]] = collections.Counter()
        self._tally_lock = threading.Lock()  # sends run on several worker threads at once

    @property
    def channels(self) -> tuple[Channel, ...]:
        """The channels this instance can send on."""
        return tuple(self._adapters)

    def adapter(self, channel: Channel) -> Adapter | None:
        return self._adapters.get(channel)

    def send(self, message: Message, *, max_attempts: int | None = None) -> DeliveryReport:
        """Deliver ``message`` to each recipient, retrying transient failures up to ``max_attempts`` attempts
        per recipient (default: the retry policy's). Blocks for the attempts and the pauses between them."""
        if max_attempts is not None and max_attempts < 1:
            raise ValueError(f"max_attempts must be ≥ 1, not {max_attempts}")
        adapter = self._adapters.get(message.channel)
        refusal = _refusal(message, adapter)
        if adapter is None or refusal:
            report = _report(message, {r: (Attempt(r, "not_sent", error=refusal), 0, None) for r in message.recipients})
        else:
            report = self._attempt(adapter, message, max_attempts or self.retry.max_attempts)
        with self._tally_lock:
            self.tally.update((r.channel, r.status) for r in report.results)
        level = logging.INFO if report.all_delivered else logging.WARNING
        log.log(level, "outbound %s", report.summary())
        return report

    async def send_async(self, message: Message, *, max_attempts: int | None = None) -> DeliveryReport:
        """``send`` in a worker thread, so an event loop is not blocked by SMTP, HTTP or the backoff."""
        return await asyncio.to_thread(self.send, message, max_attempts=max_attempts)

    def _attempt(self, adapter: Adapter, message: Message, limit: int) -> DeliveryReport:
        outcomes: dict[str, tuple[Attempt, int, datetime | None]] = {}
        pending: list[str] = list(message.recipients)
        for number in range(1, limit + 1):
            attempts = _call(adapter, message, pending)
            now = self._clock.now()
            for recipient in pending:
                outcomes[recipient] = (attempts[recipient], number, now)
            pending = [r for r in pending if attempts[r].status == "failed" and attempts[r].transient]
            if not pending or number == limit:
                break
            self._sleep(self.retry.delay(number))
        return _report(message, outcomes)



def _refusal(message: Message, adapter: Adapter | None) -> str:
    if adapter is None:
        return f"the {message.channel} channel is not enabled (CITYSAFE_OUTBOUND_CHANNELS)"
    if message.drill and not adapter.accepts_drills:
        return f"a drill: the {message.channel} channel is configured to refuse drills"
    if not message.drill and adapter.test_only:
        return f"a live message: the {message.channel} channel is configured for drills and tests only"
    return ""


def _call(adapter: Adapter, message: Message, recipients: Sequence[str]) -> dict[str, Attempt]:
    """One attempt for ``recipients``, keyed by recipient; an adapter's exception or a missing answer is a
    (permanent) failure, since retrying a bug would only repeat it."""
    try:
        attempts = {a.recipient: a for a in adapter.deliver(message, recipients)}
    except Exception as exc:
        log.exception("outbound %s adapter raised on %s", adapter.channel, message.correlation_key)
        error = f"adapter error: {type(exc).__name__}: {exc}"[:500]
        return {r: Attempt(r, "failed", error=error) for r in recipients}
    return {r: attempts.get(r) or Attempt(r, "failed", error="the adapter gave no result") for r in recipients}


def _report(message: Message, outcomes: dict[str, tuple[Attempt, int, datetime | None]]) -> DeliveryReport:
    results = []
    for recipient in message.recipients:
        attempt, count, at = outcomes[recipient]
        results.append(DeliveryResult(recipient=recipient, channel=message.channel, status=attempt.status,
                                      reference=attempt.reference, error=attempt.error, attempts=count,
                                      sent_at=at, segments=attempt.segments))
    return DeliveryReport(message.correlation_key, message.channel, message.drill, tuple(results))
