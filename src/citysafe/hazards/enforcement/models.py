"""Enforcement records (执法检查、打非治违), their penalties, and the joint-punishment list (联合惩戒)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from citysafe.core.db import Base, RegionScoped, Timestamped, UTCDateTime
from citysafe.core.scope import OrgScoped


class EnforcementRecord(RegionScoped, OrgScoped, Timestamped, Base):
    __tablename__ = "enforcement_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    # The party inspected when it is no registered organisation (an unlicensed workshop, a vehicle owner).
    target_name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(60), default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    inspectors: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    findings: Mapped[str] = mapped_column(Text, default="")
    violations: Mapped[str] = mapped_column(Text, default="")
    # The articles the violations break (《安全生产法》第一百零二条), as the record cites them.
    basis: Mapped[str] = mapped_column(String(500), default="")
    measures: Mapped[list[str]] = mapped_column(JSON, default=list)
    ticket_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    penalties: Mapped[list[EnforcementPenalty]] = relationship(
        order_by="EnforcementPenalty.id", cascade="all, delete-orphan", lazy="selectin")

    @property
    def number(self) -> str:
        return f"ZF{self.id:08d}"


class EnforcementPenalty(RegionScoped, Base):
    __tablename__ = "enforcement_penalty"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("enforcement_record.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    decision_no: Mapped[str] = mapped_column(String(100), default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    executed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The article the penalty is imposed under (《安全生产法》第九十九条).
    basis: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class JointPunishment(RegionScoped, OrgScoped, Timestamped, Base):
    """An organisation on the joint-punishment list for a reason and a period, until revoked."""

    __tablename__ = "joint_punishment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    organization_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(String(300), default="")
    measures: Mapped[list[str]] = mapped_column(JSON, default=list)
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    record_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_record.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")

    def active_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and self.starts_at <= moment < self.ends_at
