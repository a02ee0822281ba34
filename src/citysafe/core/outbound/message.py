"""What leaves the platform and what became of it: the message, one adapter attempt, the delivery results.

Pure data and pure functions (no I/O), so the adapters, the sender and the domains that compose messages
share one vocabulary. docs/outbound.md describes the contract.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

Channel = Literal["log", "webhook", "email", "sms"]
CHANNELS: Final[tuple[Channel, ...]] = get_args(Channel)
DeliveryStatus = Literal["delivered", "failed", "not_sent"]

# Every drill message says so where a person reads it first: an SMS's text, an e-mail's subject.
DRILL_PREFIX: Final = "【演练】"
# Chinese carriers bill a text of up to 70 characters (the signature 【…】 included) as one SMS; a longer
# one is split into concatenated parts of 67, the other 3 carrying the part header. They count UCS-2
# units whatever the script, so an ASCII-only text is not given GSM-7's 160.
SMS_SINGLE_LIMIT: Final = 70
SMS_PART_LIMIT: Final = 67

# Printable ASCII without spaces: the key travels in HTTP and mail headers (Idempotency-Key, X-…), where a
# line break would inject a header and a non-ASCII byte would not pass every gateway.
_CORRELATION_KEY = r"^[!-~]{1,200}$"

JsonValue = dict[str, Any] | list[Any]


def parse_channels(value: str | tuple[str, ...] | list[str]) -> tuple[Channel, ...]:
    """``"log, webhook"`` or a sequence of names → the channels; an unknown name is refused, naming those
    allowed, so a typo in the settings stops the start rather than silently dropping a channel."""
    names = [part.strip() for part in value.split(",")] if isinstance(value, str) else [str(v) for v in value]
    channels: list[Channel] = []
    for name in filter(None, names):
        if name not in CHANNELS:
            raise ValueError(f"unknown outbound channel {name!r}; allowed: {', '.join(CHANNELS)}")
        if name not in channels:
            channels.append(name)
    return tuple(channels)


class Message(BaseModel):
    """One message to one or more recipients over one channel.

    ``recipients`` are addresses in the channel's form: a URL (webhook), an e-mail address (email), a
    phone number (sms), any label (log). Duplicates are dropped (first occurrence kept) so a recipient
    listed twice is not messaged twice. An address the adapter cannot use fails for that recipient only.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: Channel
    recipients: tuple[str, ...] = Field(min_length=1)
    subject: str = Field(default="", max_length=500, description="e-mail subject; webhook body field")
    text: str = Field(default="", description="the body a person reads: SMS text, e-mail body, log line")
    payload: JsonValue | None = Field(default=None, description="webhook: the JSON body sent as is")
    correlation_key: str = Field(pattern=_CORRELATION_KEY, description="e.g. alarm:123:forward_119")
    drill: bool = Field(default=False, description="a drill or test: marked 【演练】, refused where configured")
    sensitive: bool = Field(default=False, description="text not written to logs (verification codes)")
    timeout_seconds: float | None = Field(default=None, gt=0, description="per attempt; None: the adapter's")

    @field_validator("recipients")
    @classmethod
    def _distinct(cls, recipients: tuple[str, ...]) -> tuple[str, ...]:
        kept = tuple(dict.fromkeys(r.strip() for r in recipients))
        if "" in kept:
            raise ValueError("a recipient is empty")
        return kept

    @field_validator("subject")
    @classmethod
    def _one_line(cls, subject: str) -> str:
        if "\n" in subject or "\r" in subject:
            raise ValueError("the subject must be one line")
        return subject

    def marked_subject(self) -> str:
        """The subject with the drill mark when this is a drill (e-mail)."""
        return _marked(self.subject) if self.drill else self.subject

    def marked_text(self) -> str:
        """The text with the drill mark when this is a drill (SMS, log)."""
        return _marked(self.text) if self.drill else self.text


def _marked(text: str) -> str:
    # A caller that marked the text itself is not marked twice.
    return text if text.startswith(DRILL_PREFIX) else DRILL_PREFIX + text


def sms_units(text: str) -> int:
    """Length as the carrier counts it: UCS-2 units (a character beyond the BMP, e.g. an emoji, is two)."""
    return len(text.encode("utf-16-le")) // 2


def sms_segments(text: str, sign: str = "") -> int:
    """How many SMS the carrier bills for ``text`` sent with the signature ``sign`` (shown as 【sign】)."""
    units = sms_units(text) + (sms_units(sign) + 2 if sign else 0)
    if units <= SMS_SINGLE_LIMIT:
        return 1
    return math.ceil(units / SMS_PART_LIMIT)


@dataclass(frozen=True)
class Attempt:
    """What an adapter reports for one recipient after one try.

    ``transient``: the failure may pass (timeout, refused connection, 5xx, SMTP 4xx), so the sender tries
    again; a permanent one (bad address, 4xx, SMTP 5xx) is not retried.
    """

    recipient: str
    status: DeliveryStatus
    reference: str = ""
    error: str = ""
    transient: bool = False
    segments: int | None = None


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome for one recipient: the final attempt's status and how many attempts it took.

    ``error`` says why a recipient was not delivered (failed or not_sent) and is empty when it was.
    ``sent_at`` is when the last attempt ended; None when no adapter was called (channel off, drill
    refused). ``segments`` is the billed SMS count (sms only).
    """

    recipient: str
    channel: Channel
    status: DeliveryStatus
    reference: str = ""
    error: str = ""
    attempts: int = 0
    sent_at: datetime | None = None
    segments: int | None = None

    @property
    def delivered(self) -> bool:
        return self.status == "delivered"


@dataclass(frozen=True)
class DeliveryReport:
    """All recipients' results of one message, in the message's recipient order."""

    correlation_key: str
    channel: Channel
    drill: bool
    results: tuple[DeliveryResult, ...]

    @property
    def all_delivered(self) -> bool:
        return all(r.delivered for r in self.results)

    @property
    def any_delivered(self) -> bool:
        return any(r.delivered for r in self.results)

    def with_status(self, status: DeliveryStatus) -> tuple[DeliveryResult, ...]:
        return tuple(r for r in self.results if r.status == status)

    def summary(self) -> str:
        """One line for a log or a timeline note: counts and the first reason (no addresses, no text)."""
        counts = {s: len(self.with_status(s)) for s in get_args(DeliveryStatus)}
        first = next((r.error for r in self.results if r.error), "")
        text = f"{self.channel} {self.correlation_key}: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        return f"{text} ({first})" if first else text

