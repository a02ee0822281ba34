"""Tables of the purchased-services registry (``kb_service_*``).

The catalogue is the province's (no region); providers, qualifications, contracts, records and evaluations belong
to the district that registered or bought them (region-scoped, a child row copies its parent's region)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, Timestamped


class CatalogueItem(Timestamped, Base):
    """One item of the guidance catalogue (指导目录): a service the government may buy, under its category."""

    __tablename__ = "kb_service_item"
    __table_args__ = (UniqueConstraint("edition", "code", name="uq_kb_service_item_code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    edition: Mapped[str] = mapped_column(String(30))  # "2026年版"
    code: Mapped[str] = mapped_column(String(20))  # "B0301"
    category: Mapped[str] = mapped_column(String(100))  # 一级目录 of 财政部令第102号 第九条
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    basis: Mapped[str] = mapped_column(String(300), default="")  # the rule that asks for this service
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Provider(RegionScoped, Timestamped, Base):
    """A service provider (承接主体): an organisation of the registry, with the catalogue items it offers."""

    __tablename__ = "kb_service_provider"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), unique=True)
    item_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class Qualification(RegionScoped, Timestamped, Base):
    """A qualification (资质) of a provider: name, certificate number, issuer, validity."""

    __tablename__ = "kb_service_qualification"
    __table_args__ = (UniqueConstraint("provider_id", "number", name="uq_kb_service_qualification_number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("kb_service_provider.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(60))
    issuer: Mapped[str] = mapped_column(String(100))
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)


class Contract(RegionScoped, Timestamped, Base):
    """A purchase contract: which item, who bought it (购买主体), from which provider, for how much, for when."""

    __tablename__ = "kb_service_contract"
    __table_args__ = (Index("ix_kb_service_contract_provider", "provider_id", "starts_on"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("kb_service_provider.id", ondelete="RESTRICT"))
    item_id: Mapped[int] = mapped_column(ForeignKey("kb_service_item.id", ondelete="RESTRICT"))
    number: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    buyer: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)


class ServiceRecord(RegionScoped, Timestamped, Base):
    """What the provider did under a contract on a day (a report delivered, a training held, a site checked)."""

    __tablename__ = "kb_service_record"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("kb_service_contract.id", ondelete="CASCADE"), index=True)
    done_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(String(500))
    result: Mapped[str] = mapped_column(String(500), default="")


class Evaluation(RegionScoped, Timestamped, Base):
    """A buyer's evaluation of a provider's work under a contract: a score per criterion and the weighted total."""

    __tablename__ = "kb_service_evaluation"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("kb_service_provider.id", ondelete="CASCADE"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("kb_service_contract.id", ondelete="CASCADE"))
    evaluated_on: Mapped[date] = mapped_column(Date)
    evaluator: Mapped[str] = mapped_column(String(100))
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
