"""One seam for every message that leaves the platform: webhook, e-mail (SMTP), SMS gateway, or the log.

Compose a ``Message``, hand it to the application's ``Outbound`` (``build_outbound(settings)``), read the
``DeliveryReport``: one ``DeliveryResult`` per recipient, never an exception for a delivery failure.
docs/outbound.md describes the adapters, settings, retries and drills.
"""

from citysafe.core.outbound.adapter import LOG_ONLY, Adapter, LogAdapter
from citysafe.core.outbound.build import OutboundConfig, build_outbound
from citysafe.core.outbound.http import SmsGatewayAdapter, WebhookAdapter, normalised_phone, webhook_body
from citysafe.core.outbound.message import (
    CHANNELS,
    DRILL_PREFIX,
    Attempt,
    Channel,
    DeliveryReport,
    DeliveryResult,
    DeliveryStatus,
    Message,
    parse_channels,
    sms_segments,
)
from citysafe.core.outbound.sender import Outbound, RetryPolicy
from citysafe.core.outbound.smtp import SmtpAdapter, SmtpSecurity

__all__ = [
    "CHANNELS",
    "DRILL_PREFIX",
    "LOG_ONLY",
    "Adapter",
    "Attempt",
    "Channel",
    "DeliveryReport",
    "DeliveryResult",
    "DeliveryStatus",
    "LogAdapter",
    "Message",
    "Outbound",
    "OutboundConfig",
    "RetryPolicy",
    "SmsGatewayAdapter",
    "SmtpAdapter",
    "SmtpSecurity",
    "WebhookAdapter",
    "build_outbound",
    "normalised_phone",
    "parse_channels",
    "sms_segments",
    "webhook_body",
]
