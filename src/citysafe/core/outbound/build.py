"""The typed outbound configuration, read from ``Settings`` (``CITYSAFE_OUTBOUND_*``), and the factory that
turns it into the ``Outbound`` the application context holds.

Checked when the application starts (``build_outbound``), not when the first warning is sent: an unknown
channel name or an enabled channel without its server is refused with the setting to fix.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Self

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from citysafe.core.clock import Clock
from citysafe.core.config import Settings
from citysafe.core.outbound.adapter import Adapter, LogAdapter
from citysafe.core.outbound.http import SmsGatewayAdapter, WebhookAdapter
from citysafe.core.outbound.message import Channel, parse_channels
from citysafe.core.outbound.sender import Outbound, RetryPolicy
from citysafe.core.outbound.smtp import SmtpAdapter, SmtpSecurity

PREFIX = "outbound_"


class OutboundConfig(BaseModel):
    """The ``outbound_*`` settings without their prefix; see ``core.config.Settings`` for each one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channels: tuple[Channel, ...] = ("log",)
    refuse_drills: tuple[Channel, ...] = ()
    test_only: tuple[Channel, ...] = ()
    max_attempts: int = Field(default=3, ge=1, le=10)
    backoff_seconds: float = Field(default=1.0, ge=0)
    http_concurrency: int = Field(default=8, ge=1, le=64)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    webhook_token: SecretStr = SecretStr("")
    smtp_host: str = ""
    smtp_port: int = Field(default=587, gt=0, le=65535)
    smtp_security: SmtpSecurity = "starttls"
    smtp_from: str = ""
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    sms_url: str = ""
    sms_token: SecretStr = SecretStr("")
    sms_sign: str = ""
    sms_headers: dict[str, str] = Field(default_factory=dict)
    sms_timeout_seconds: float = Field(default=5.0, gt=0)

    @field_validator("channels", "refuse_drills", "test_only", mode="before")
    @classmethod
    def _names(cls, value: str | tuple[str, ...] | list[str]) -> tuple[Channel, ...]:
        return parse_channels(value)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if "email" in self.channels and not (self.smtp_host and self.smtp_from):
            raise ValueError("'email' is enabled: set CITYSAFE_OUTBOUND_SMTP_HOST and CITYSAFE_OUTBOUND_SMTP_FROM")
        if "sms" in self.channels and not self.sms_url:
            raise ValueError("'sms' is enabled: set CITYSAFE_OUTBOUND_SMS_URL")
        both = set(self.refuse_drills) & set(self.test_only)
        if both:
            raise ValueError(f"{', '.join(sorted(both))}: both test-only and refusing drills, so it would send nothing")
        return self

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboundConfig:
        """The config, or a ``ValueError`` that names each offending ``CITYSAFE_OUTBOUND_…`` variable."""
        values = {name.removeprefix(PREFIX): getattr(settings, name)
                  for name in type(settings).model_fields if name.startswith(PREFIX)}
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ValueError("; ".join(_problem(error) for error in exc.errors())) from None


def _problem(error: object) -> str:
    assert isinstance(error, dict)
    where = "_".join(str(part) for part in error.get("loc", ()) if isinstance(part, str))
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    return f"CITYSAFE_OUTBOUND_{where.upper()}: {message}" if where else message


def build_outbound(settings: Settings | OutboundConfig, *, sleep: Callable[[float], None] = time.sleep,
                   clock: Clock | None = None, transport: httpx.BaseTransport | None = None) -> Outbound:
    """The ``Outbound`` the settings describe: one adapter per enabled channel.

    ``sleep``/``clock``: tests pass fakes so retries neither wait nor read the time; ``transport``: an
    ``httpx`` transport for the HTTP adapters (tests).
    """
    config = settings if isinstance(settings, OutboundConfig) else OutboundConfig.from_settings(settings)
    retry = RetryPolicy(max_attempts=config.max_attempts, backoff_seconds=config.backoff_seconds)
    return Outbound([_adapter(config, channel, transport) for channel in config.channels],
                    retry=retry, sleep=sleep, clock=clock)


def _adapter(config: OutboundConfig, channel: Channel, transport: httpx.BaseTransport | None) -> Adapter:
    drills, test_only = channel not in config.refuse_drills, channel in config.test_only
    if channel == "webhook":
        return WebhookAdapter(timeout=config.webhook_timeout_seconds, token=config.webhook_token.get_secret_value(),
                              concurrency=config.http_concurrency, transport=transport,
                              accepts_drills=drills, test_only=test_only)
    if channel == "email":
        return SmtpAdapter(host=config.smtp_host, port=config.smtp_port, security=config.smtp_security,
                           from_address=config.smtp_from, username=config.smtp_username,
                           password=config.smtp_password.get_secret_value(),
                           timeout=config.smtp_timeout_seconds, accepts_drills=drills, test_only=test_only)
    if channel == "sms":
        return SmsGatewayAdapter(url=config.sms_url, sign=config.sms_sign, timeout=config.sms_timeout_seconds,
                                 headers=config.sms_headers, token=config.sms_token.get_secret_value(),
                                 concurrency=config.http_concurrency, transport=transport,
                              accepts_drills=drills, test_only=test_only)
    return LogAdapter(accepts_drills=drills, test_only=test_only)
