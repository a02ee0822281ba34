"""Test doubles of firewatch's ways out: a recording ``core.outbound`` adapter, and the 119 forwarder and
duty notifier built over it, installed on an application context (never in a module of src)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from citysafe.core.clock import Clock
from citysafe.core.context import AppContext
from citysafe.core.outbound import Attempt, Channel, LogAdapter, Message, Outbound
from citysafe.firewatch.alarms.forwarding import Forwarder
from citysafe.firewatch.alarms.links import LINKS, Links, links
from citysafe.firewatch.alarms.notify import Notifier

FAKE_119 = "http://119.invalid/alarms"
FAKE_GATEWAY = "http://sms.invalid/notify"


@dataclass
class RecordingAdapter:
    """A ``core.outbound`` adapter that delivers to nobody: it records each message it accepted, and fails
    the next ``fail`` attempts (transiently, like a link that is down)."""

    channel: Channel = "webhook"
    fail: int = 0
    error: str = "link down (fake)"
    accepts_drills: bool = True
    test_only: bool = False
    messages: list[Message] = field(default_factory=list)

    def deliver(self, message: Message, recipients: Sequence[str]) -> list[Attempt]:
        if self.fail > 0:
            self.fail -= 1
            return [Attempt(r, "failed", error=self.error, transient=True) for r in recipients]
        self.messages.append(message)
        return [Attempt(r, "delivered", reference=f"fake-{len(self.messages)}") for r in recipients]

    @property
    def notices(self) -> list[dict[str, Any]]:
        """The JSON bodies accepted, in order (what a webhook receiver would have got)."""
        return [dict(m.payload) for m in self.messages if isinstance(m.payload, dict)]


def fake_forwarder(adapter: RecordingAdapter | None = None, clock: Clock | None = None) -> Forwarder:
    """A webhook 119 link whose "webhook" is ``adapter``."""
    chosen = adapter or RecordingAdapter()
    kwargs: dict[str, Any] = {"clock": clock} if clock else {}
    return Forwarder(outbound=Outbound([chosen, LogAdapter()], sleep=lambda _: None), channel="webhook",
                     url=FAKE_119, **kwargs)


def fake_notifier(adapter: RecordingAdapter | None = None, clock: Clock | None = None) -> Notifier:
    chosen = adapter or RecordingAdapter()
    kwargs: dict[str, Any] = {"clock": clock} if clock else {}
    return Notifier(outbound=Outbound([chosen, LogAdapter()], sleep=lambda _: None), channel="webhook",
                    url=FAKE_GATEWAY, **kwargs)


def install(ctx: AppContext, *, forwarder: Forwarder | None = None, notifier: Notifier | None = None) -> Links:
    """Give ``ctx`` these links (the others as its settings name them); the app's handlers use them from now."""
    current = links(ctx)
    chosen = Links(forwarder=forwarder or current.forwarder, notifier=notifier or current.notifier)
    LINKS.set(ctx, chosen)
    return chosen
