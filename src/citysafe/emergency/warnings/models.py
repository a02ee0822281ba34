"""Warnings (预警), the CAP messages issued for them, their deliveries and the public's subscriptions.

A warning carries the eight items of 突发事件应对法 第六十四条: category, level (一–四级 with its colour), start
time (``onset``), the area that may be affected, 警示事项 (``description``), measures (``instruction``), the issuer
and the time of issue. Each issue, update (调整级别重新发布, 第七十条) and lifting (解除) is one CAP message, kept as
sent (signed XML), so a receiver's copy can be checked against ours.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, Timestamped, UTCDateTime


class EarlyWarning(RegionScoped, Timestamped, Base):
    """``region_code`` is the issuing office's division; ``state``: draft, issued, cancelled (解除)."""

    __tablename__ = "em_warning"
    __table_args__ = (Index("ix_em_warning_state", "state", "expires_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("em_incident.id", ondelete="SET NULL"), index=True)
    category: Mapped[str] = mapped_column(String(30))
    event: Mapped[str] = mapped_column(String(100))
    level: Mapped[int] = mapped_column(Integer)
    headline: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    instruction: Mapped[str] = mapped_column(Text)
    onset_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # WGS84 GeoJSON Polygon/MultiPolygon as checked (6 decimals), or None when the area is a set of divisions.
    area: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    region_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    area_desc: Mapped[str] = mapped_column(String(500))
    issuer: Mapped[str] = mapped_column(String(200))  # 发布单位
    state: Mapped[str] = mapped_column(String(20), default="draft")
    cap_status: Mapped[str] = mapped_column(String(10), default="Actual")  # Actual | Exercise | Test
    is_drill: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 发布时间 (first issue)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    # The measures of 第六十六/六十七条 proposed to the duty desk when issued (一/二级 add 第六十七条's).
    proposed_measures: Mapped[list[str]] = mapped_column(JSON, default=list)


class WarningMessage(RegionScoped, Base):
    """One CAP message as sent: Alert, Update (level or content changed, 第七十条) or Cancel (解除)."""

    __tablename__ = "em_warning_message"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("em_warning.id", ondelete="CASCADE"), index=True)
    identifier: Mapped[str] = mapped_column(String(31), unique=True)
    msg_type: Mapped[str] = mapped_column(String(10))
    cap_status: Mapped[str] = mapped_column(String(10))
    level: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    xml: Mapped[str] = mapped_column(Text)
    sent_by: Mapped[str] = mapped_column(String(100))
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class WarningDelivery(RegionScoped, Base):
    """One recipient on one channel for one message: queued, then what ``core.outbound`` reported (receipt)."""

    __tablename__ = "em_warning_delivery"
    __audited__ = False  # bulk machine rows (a city's warning queues hundreds of thousands); the message is audited
    # One index serves the sender (warning, status, id > last), the receipts (warning, id) and the counts by
    # status: every index more is written a hundred thousand times per warning (bench/warning.py).
    __table_args__ = (Index("ix_em_warning_delivery_queue", "warning_id", "status", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Not indexed (RegionScoped's default): rows are always reached through their warning.
    region_code: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[int] = mapped_column(ForeignKey("em_warning_message.id", ondelete="CASCADE"))
    warning_id: Mapped[int] = mapped_column(BigId)
    recipient_kind: Mapped[str] = mapped_column(String(20))  # grid_officer | org_contact | fire_unit | subscriber
    recipient_ref: Mapped[str] = mapped_column(String(40))
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(10))  # sms | email | webhook | console | public
    address: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | delivered | failed | not_sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reference: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WarningSubscriber(RegionScoped, Timestamped, Base):
    """A member of the public (or a broadcaster) who asked to receive warnings for a place: a phone, an e-mail
    or a webhook, and the WGS84 point (``region_code`` the division it lies in). ``test``: a test receiver,
    the only kind a CAP ``Test`` alert reaches."""

    __tablename__ = "em_warning_subscriber"
    __audited__ = False  # registrations of the public in bulk; personal data kept out of the audit trail
    # Covering the polygon query's bounding box and filters: the candidates are read from the index alone.
    __table_args__ = (Index("ix_em_warning_subscriber_lonlat", "lon", "lat", "test", "active",
                                        "region_code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    webhook_url: Mapped[str] = mapped_column(String(300), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# The delivery table for Core statements (bulk INSERT, INSERT … SELECT, executemany UPDATE).
DELIVERY_TABLE: Table = WarningDelivery.__table__  # type: ignore[assignment]
