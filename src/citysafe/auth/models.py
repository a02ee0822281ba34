from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, RegionScoped, Timestamped, UTCDateTime


class User(RegionScoped, Timestamped, Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(32), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    # An enterprise user acts for one organisation; the scope filter narrows to it.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", use_alter=True))
    phone: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Consecutive failed logins; past the limit the account is locked for a while (brute-force guard).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RevokedToken(Base):
    """A token ended by logging out before it expired; rows past ``expires_at`` are pruned on logout."""

    __tablename__ = "auth_revoked_token"
    # Logging out is audited once, on the user (auth.accounts), not as a machine row here.
    __audited__ = False

    token_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
