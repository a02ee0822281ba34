"""The keys an administrator issues to Open311 client apps, and every POST made with one.

A key is shown once when issued (``citysafe public open311-key NAME``); only its SHA-256 digest is kept (the
key is 256 random bits, so a plain digest cannot be searched back). Every POST with a key leaves a row in
``pub_open311_post``, whether it was stored or refused: the key's hourly limit counts those rows, so a restart
forgets nothing, and an administrator sees what each app sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.clock import utcnow
from citysafe.core.db import Base, BigId, UTCDateTime


class Open311Key(Base):
    """One client app's key. ``media_hosts``: the hosts (comma-separated) whose ``media_url`` the platform may
    fetch for this app's reports; empty, only photos uploaded with the POST (``media``) are taken."""

    __tablename__ = "pub_open311_key"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(12))  # the first characters, to tell keys apart in lists
    per_hour: Mapped[int] = mapped_column(Integer)
    media_hosts: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    posts: Mapped[int] = mapped_column(BigInteger, default=0)
    last_post_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Open311Post(Base):
    """One POST with a key: ``report_id`` when it was stored, else the problem it was refused with."""

    __tablename__ = "pub_open311_post"
    __audited__ = False  # a counter row; the report it made has its own audit entry
    __table_args__ = (Index("ix_pub_open311_post_key_at", "key_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("pub_open311_key.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    report_id: Mapped[int | None] = mapped_column(BigInteger)
    refused: Mapped[str] = mapped_column(String(40), default="")
