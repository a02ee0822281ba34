"""Handing confirmed fires to the 119 centre (城市消防通信指挥中心) through a pluggable forwarder.

GB 50440 asks for a confirmed fire to reach 119 within 3 s. Forwarding runs as the ``FireConfirmed``
handler, i.e. only once the confirmation has committed: a confirmation that rolled back is never sent,
and a slow 119 link never holds a database lock (the operator's request waits at most the forwarder's
timeout). The delay from confirmation to hand-over is recorded per attempt; a failed attempt is retried
by the periodic job (``timers.tick``) until one succeeds.

Adapters: ``log`` (writes the notice to the log; for sites whose 119 link is a phone call), ``webhook``
(POSTs JSON to a configured URL) and ``FakeForwarder`` for tests.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from citysafe.core.clock import Clock, SystemClock
from citysafe.core.config import Settings
from citysafe.firewatch.alarms.models import Alarm, AlarmAction, Forwarding

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class ForwardResult:
    ok: bool
    reference: str = ""
    error: str = ""


class Forwarder(Protocol):
    name: str

    def forward(self, notice: dict[str, Any]) -> ForwardResult: ...


class LogForwarder:
    name = "log"

    def forward(self, notice: dict[str, Any]) -> ForwardResult:
        log.warning("119 notice: alarm %s at %s (%s) %s", notice.get("alarm_id"), notice.get("unit_name"),
                    notice.get("address"), notice.get("description"))
        return ForwardResult(True, reference="logged")


class WebhookForwarder:
    name = "webhook"

    def __init__(self, url: str, timeout: float = 3.0) -> None:
        self.url, self.timeout = url, timeout

    def forward(self, notice: dict[str, Any]) -> ForwardResult:
        return post_json(self.url, notice, self.timeout)


def post_json(url: str, body: dict[str, Any], timeout: float,
              transport: httpx.BaseTransport | None = None) -> ForwardResult:
    """POST ``body``; any answer but 2xx, and any transport error, is a failure with its reason.

    The receiver's ``x-reference`` header, when it sends one, is kept as the attempt's reference.
    ``transport``: tests pass an ``httpx.MockTransport``.
    """
    try:
        with httpx.Client(transport=transport, timeout=timeout) as client:
            response = client.post(url, json=body)
    except httpx.HTTPError as exc:
        return ForwardResult(False, error=f"{type(exc).__name__}: {exc}"[:500])
    if response.status_code >= 300:
        return ForwardResult(False, error=f"HTTP {response.status_code}: {response.text[:200]}")
    return ForwardResult(True, reference=response.headers.get("x-reference", f"HTTP {response.status_code}"))


@dataclass
class FakeForwarder:
    """Records notices; ``fail`` makes the next attempts fail (tests of the retry)."""

    name: str = "fake"
    fail: int = 0
    notices: list[dict[str, Any]] = field(default_factory=list)

    def forward(self, notice: dict[str, Any]) -> ForwardResult:
        if self.fail > 0:
            self.fail -= 1
            return ForwardResult(False, error="119 link down (fake)")
        self.notices.append(dict(notice))
        return ForwardResult(True, reference=f"fake-{len(self.notices)}")


def build_forwarder(settings: Settings) -> Forwarder:
    if settings.firewatch_forwarder == "webhook":
        if not settings.firewatch_forward_url:
            raise ValueError("firewatch_forwarder=webhook needs CITYSAFE_FIREWATCH_FORWARD_URL")
        return WebhookForwarder(settings.firewatch_forward_url, settings.firewatch_forward_timeout_seconds)
    if settings.firewatch_forwarder != "log":
        raise ValueError(f"unknown 119 forwarder {settings.firewatch_forwarder!r} (log or webhook)")
    return LogForwarder()


@dataclass
class _Current:
    forwarder: Forwarder = field(default_factory=LogForwarder)
    clock: Clock = field(default_factory=SystemClock)


_current = _Current()


def use_forwarder(forwarder: Forwarder, clock: Clock | None = None) -> None:
    """Install the process's forwarder (the running service does, from settings or ctx.extras)."""
    _current.forwarder = forwarder
    if clock is not None:
        _current.clock = clock


def current_forwarder() -> Forwarder:
    return _current.forwarder


def forward(session: Session, *, notice: dict[str, Any], confirmed_at: datetime,
            forwarder: Forwarder | None = None, clock: Clock | None = None) -> Forwarding:
    """One attempt: hand ``notice`` (the FireConfirmed payload) over and record it with its delay."""
    chosen = forwarder or _current.forwarder
    result = chosen.forward(notice)
    sent_at = (clock or _current.clock).now()
    row = Forwarding(alarm_id=int(notice["alarm_id"]), forwarder=chosen.name, confirmed_at=confirmed_at,
                     sent_at=sent_at, delay_ms=max(0.0, (sent_at - confirmed_at).total_seconds() * 1000),
                     ok=result.ok, reference=result.reference[:200], error=result.error[:500])
    session.add(row)
    session.add(AlarmAction(alarm_id=row.alarm_id, action="forward_119", from_state="confirmed",
                            to_state="confirmed", actor=f"system:{chosen.name}", at=sent_at,
                            note=result.reference if result.ok else result.error[:1000],
                            data={"ok": result.ok, "delay_ms": row.delay_ms}))
    session.flush()
    if not result.ok:
        log.error("forwarding alarm %s to 119 failed: %s", row.alarm_id, result.error)
    return row


def retry_failed(session: Session, *, notice_for: Any, forwarder: Forwarder | None = None,
                 clock: Clock | None = None) -> int:
    """Forward again every confirmed alarm with no successful attempt yet (bounded attempts)."""
    ok = exists().where(Forwarding.alarm_id == Alarm.id, Forwarding.ok.is_(True))
    alarms = session.execute(
        select(Alarm).where(Alarm.state == "confirmed", ~ok).execution_options(skip_scope=True)
    ).scalars().all()
    done = 0
    for alarm in alarms:
        attempts = session.execute(select(Forwarding.id).where(Forwarding.alarm_id == alarm.id)).all()
        if len(attempts) >= MAX_ATTEMPTS or alarm.decided_at is None:
            continue
        forward(session, notice=notice_for(alarm), confirmed_at=alarm.decided_at, forwarder=forwarder, clock=clock)
        done += 1
    return done
