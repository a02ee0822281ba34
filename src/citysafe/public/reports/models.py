"""Citizen reports (随手拍/有奖举报, issue #15 point 1): the report, its photos, its public steps, and — apart from
them — the reporter's personal information (the vault), the rules an administrator edits, the SMS codes and the
refused attempts.

The vault is kept apart: a report names its vault row by id only, nothing personal is copied into the report,
and the vault is left out of the automatic audit (``__audited__ = False``) so names and phone numbers are not
copied into the audit log either; each time someone reads it, ``service.reporter_identity`` writes an audit
entry of its own (who read whose identity, not the identity).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.clock import utcnow
from citysafe.core.db import Base, BigId, RegionScoped, UTCDateTime

PHOTO_PENDING, PHOTO_READY, PHOTO_UNREADABLE = "pending", "ready", "unreadable"


class ReporterVault(Base):
    """Personal information of one reporter for one report (个人信息保护法: kept apart, deleted on request or
    when its retention period ends). Empty strings for what was not given."""

    __tablename__ = "pub_reporter_vault"
    __audited__ = False  # personal data is never copied into the audit log; reads are audited by hand

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    id_number: Mapped[str] = mapped_column(String(18), default="")
    home_address: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(254), default="")  # given by an Open311 app (GeoReport v2 ``email``)
    phone_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The end of the retention period (个人信息保护法 第十九条), from the rule in force when it was stored.
    retain_until: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Set when the information was erased (第四十七条): on the reporter's request or at the end of retention.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erased_reason: Mapped[str] = mapped_column(String(20), default="")


class CitizenReport(RegionScoped, Base):
    """One report. ``lon``/``lat`` are the place reported (WGS84, staff only); ``public_lon``/``public_lat`` the
    same place displaced by a random offset fixed when it was stored, within ``displacement_m`` metres."""

    __tablename__ = "pub_report"
    __table_args__ = (
        Index("ix_pub_report_list", "created_at", "id"),
        Index("ix_pub_report_nearby", "category", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    receipt: Mapped[str] = mapped_column(String(20), unique=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(300), default="")
    lon: Mapped[float]
    lat: Mapped[float]
    public_lon: Mapped[float]
    public_lat: Mapped[float]
    displacement_m: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The first report of the same matter (same place and category within the window, or the same photo);
    # its own id for the first. ``duplicate_reason`` says why it joined ("place", "photo"; "" for the first).
    group_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    duplicate_reason: Mapped[str] = mapped_column(String(10), default="")
    vault_id: Mapped[int | None] = mapped_column(ForeignKey("pub_reporter_vault.id", ondelete="SET NULL"))
    real_name: Mapped[bool] = mapped_column(Boolean, default=False)
    phone_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # Keyed digests (HMAC with the application's secret) of the phone and the client address: enough to see a
    # burst from one of them, useless to learn either.
    phone_key: Mapped[str] = mapped_column(String(64), default="", index=True)
    client_key: Mapped[str] = mapped_column(String(64), default="", index=True)
    # A member of staff holding the report to verify it, until ``claim_expires_at``.
    claimed_by: Mapped[int | None] = mapped_column(Integer)
    claimed_by_name: Mapped[str] = mapped_column(String(100), default="")
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by: Mapped[int | None] = mapped_column(Integer)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    # What it was turned into (hazards and emergency are other branches' tables: ids, not foreign keys).
    ticket_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    ticket_number: Mapped[str] = mapped_column(String(40), default="")
    incident_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    incident_number: Mapped[str] = mapped_column(String(40), default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReportPhoto(Base):
    """A photo as stored: without any metadata (stripped as sent, or re-encoded). Its bytes are a file under the
    data directory (``photo_files``; ``content`` holds only the photos stored before migration 0035). What its
    EXIF said (where and when it was taken, which way up) was read before it was stripped and is kept here.

    ``status``: ``pending`` (stored at once, not yet decoded: no pHash, not shown), ``ready`` (decoded, hashed,
    the shown copy made) or ``unreadable`` (its pixels did not decode: the file removed, ``problem`` says why)."""

    __tablename__ = "pub_report_photo"
    __audited__ = False  # the bytes: the report's own audit entry records the report
    # The duplicate-photo check reads (report_id, phash) from this index alone, never the rows with their bytes
    # (migration 0034_pub_photo_hash_cover).
    __table_args__ = (Index("ix_pub_report_photo_report_phash", "report_id", "phash"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("pub_report.id", ondelete="CASCADE"), index=True)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    path: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12), default=PHOTO_READY, index=True)
    problem: Mapped[str] = mapped_column(String(200), default="")
    orientation: Mapped[int] = mapped_column(Integer, default=1)
    content_type: Mapped[str] = mapped_column(String(30))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # Perceptual hash (imagehash.phash, 64 bits as 16 hex digits): the same photo re-sent or re-compressed;
    # "" until the photo is decoded.
    phash: Mapped[str] = mapped_column(String(16), index=True, default="")
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    exif_lon: Mapped[float | None]
    exif_lat: Mapped[float | None]


class ReportStep(Base):
    """One step of a report as its reporter follows it (已受理, 已核实, 已转交整改, 已整改销号, 不予采纳 …).
    ``actor_id`` is for the audit of staff work; the tracking page shows the stage, the time and the note only."""

    __tablename__ = "pub_report_step"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("pub_report.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(Integer)


class ReportRule(Base):
    """A figure the platform applies to reports that an administrator may change (the spec marks it [U], or it
    is a retention period under 个人信息保护法 第十九条), with the rule it follows."""

    __tablename__ = "pub_report_rule"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), default="")


class SmsCode(Base):
    """A verification code sent to a phone: only its keyed digest is kept; ``failures`` counts wrong guesses."""

    __tablename__ = "pub_sms_code"
    __audited__ = False

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    phone_key: Mapped[str] = mapped_column(String(64), index=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(10))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RefusedAttempt(Base):
    """A refused public request (a bad photo, a forged receipt, a wrong code, too many reports): counted in a
    unit of work of its own, so the refusal's rollback does not lose it."""

    __tablename__ = "pub_report_attempt"
    __audited__ = False
    __table_args__ = (Index("ix_pub_report_attempt_client", "client_key", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    field: Mapped[str] = mapped_column(String(30), default="")
    client_key: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
