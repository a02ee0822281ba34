"""What firewatch's 119 forwarder and duty notifier share: one channel of the application's ``Outbound``
(``log`` or ``webhook``), the webhook's URL and timeout, and the clock their records are stamped with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from citysafe.core.clock import Clock, SystemClock
from citysafe.core.outbound import Outbound

LinkChannel = Literal["log", "webhook"]


@dataclass(frozen=True)
class OutboundLink:
    outbound: Outbound
    channel: LinkChannel = "log"
    url: str = ""
    timeout_seconds: float = 5.0
    clock: Clock = field(default_factory=SystemClock)

    @property
    def name(self) -> str:
        """The actor suffix on the timeline: ``system:log``, ``system:webhook``."""
        return self.channel


def check_link(setting: str, channel: LinkChannel, url: str, outbound: Outbound) -> None:
    """Refuse at start-up a webhook link without its URL (``CITYSAFE_<setting>_URL`` names it) or without
    the ``webhook`` channel enabled in the outbound settings."""
    if channel != "webhook":
        return
    if not url:
        raise ValueError(f"CITYSAFE_{setting}=webhook needs its URL ({_url_setting(setting)})")
    if "webhook" not in outbound.channels:
        raise ValueError(f"CITYSAFE_{setting}=webhook needs 'webhook' in CITYSAFE_OUTBOUND_CHANNELS")


def _url_setting(setting: str) -> str:
    return {"FIREWATCH_FORWARDER": "CITYSAFE_FIREWATCH_FORWARD_URL",
            "FIREWATCH_NOTIFIER": "CITYSAFE_FIREWATCH_NOTIFY_URL"}.get(setting, f"CITYSAFE_{setting}_URL")
