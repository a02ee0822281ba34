"""Tables of reporting rewards (举报奖励): the reward rules by version and jurisdiction, the reward cases with every
step taken on them, and the payments.

A case keeps the id of the citizen report it rewards (``report_id``), never the reporter's name or phone: the
identity stays with the report and is read, audited, only by the roles that handle rewards. A case points at the
rule *version* it was computed with, so a later version of the rule never changes a decided reward.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, Timestamped, UTCDateTime

Money = Numeric(16, 2)


class RewardRule(Timestamped, Base):
    """One version of a jurisdiction's reward rule: the checked document (``calc.reward.RuleDocument``) whole.

    ``jurisdiction`` is empty for the national rule, which applies wherever no local rule does; a province's or a
    city's rule applies inside its division. Editing makes a new version; only the latest is ``current``."""

    __tablename__ = "reward_rule"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_reward_rule_version"),
                      Index("ix_reward_rule_current", "current", "jurisdiction"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    version: Mapped[int] = mapped_column(Integer)
    jurisdiction: Mapped[str] = mapped_column(String(12), default="")
    title: Mapped[str] = mapped_column(String(200))
    source_document: Mapped[str] = mapped_column(String(500))  # the 办法 it comes from
    effective_from: Mapped[date] = mapped_column(Date)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    origin: Mapped[str] = mapped_column(String(20), default="shipped")  # shipped | edited | created
    change_note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))


class RewardCase(RegionScoped, Timestamped, Base):
    """The reward of one citizen report: its basis, the amount under a rule version, and where it stands.

    proposed → approved (a second person) → notified (领奖通知, within ``notice_days`` of verification) → claimed
    (within ``claim_days`` of the notice, else lapsed) → paid; or rejected at approval."""

    __tablename__ = "reward_case"
    __table_args__ = (Index("ix_reward_case_due", "state", "notice_due_at"),
                      Index("ix_reward_case_claim_due", "state", "claim_due_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("pub_report.id", ondelete="RESTRICT"), index=True)
    report_label: Mapped[str] = mapped_column(String(200), default="")  # its receipt number and category
    kind: Mapped[str] = mapped_column(String(30))
    fine_yuan: Mapped[Decimal | None] = mapped_column(Money)
    grade: Mapped[str | None] = mapped_column(String(20))
    deaths: Mapped[int | None] = mapped_column(Integer)
    chosen_yuan: Mapped[Decimal | None] = mapped_column(Money)  # a range schedule: the amount the office chose
    basis_note: Mapped[str] = mapped_column(Text, default="")  # 行政处罚决定书文号, 事故调查结论 …
    amount_yuan: Mapped[Decimal] = mapped_column(Money)
    computed_yuan: Mapped[Decimal] = mapped_column(Money)
    limited_by: Mapped[str | None] = mapped_column(String(10))
    formula: Mapped[str] = mapped_column(String(400))
    rule_id: Mapped[int] = mapped_column(ForeignKey("reward_rule.id", ondelete="RESTRICT"), index=True)
    # proposed | approved | rejected | notified | claimed | paid | lapsed
    state: Mapped[str] = mapped_column(String(20), default="proposed")
    matter_note: Mapped[str] = mapped_column(Text, default="")  # who else reported the same matter, and why this one
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the report found true (核查属实)
    notice_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notice_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notice_method: Mapped[str] = mapped_column(String(20), default="")
    claim_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # paid, lapsed or rejected
    proposed_by: Mapped[str] = mapped_column(String(100))
    approved_by: Mapped[str] = mapped_column(String(100), default="")
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RewardStep(RegionScoped, Base):
    """One step taken on a case, by a person or by the timers (``actor`` system), kept for ever."""

    __tablename__ = "reward_step"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_reward_step_seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("reward_case.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")


class RewardPayment(RegionScoped, Base):
    """The payment of a claimed reward: how much, how, the voucher or transfer reference, who paid."""

    __tablename__ = "reward_payment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("reward_case.id", ondelete="CASCADE"), unique=True)
    amount_yuan: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[str] = mapped_column(String(20))  # bank_transfer | cash | mobile
    reference: Mapped[str] = mapped_column(String(100))
    paid_by: Mapped[str] = mapped_column(String(100))
    paid_by_name: Mapped[str] = mapped_column(String(100), default="")
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
