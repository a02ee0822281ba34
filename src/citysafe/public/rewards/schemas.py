"""In and out of reporting rewards: rules, cases, their steps and payments."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from citysafe.core.bounds import RowId
from citysafe.public.rewards.calc.reward import Grade, RuleDocument

Kind = Literal["violation", "concealed_accident", "illegal_act", "hazard"]
NoticeMethod = Literal["sms", "phone", "letter", "in_person"]
PaymentMethod = Literal["bank_transfer", "cash", "mobile"]
Yuan = Decimal

STATE_NAMES_ZH = {"proposed": "待审批", "approved": "待通知", "rejected": "不予奖励", "notified": "待领取",
                  "claimed": "待发放", "paid": "已发放", "lapsed": "逾期未领"}
ACTION_NAMES_ZH = {"propose": "拟定奖励", "approve": "审批同意", "reject": "不予奖励", "notify": "发送领奖通知",
                   "notice_sending": "开始发送领奖通知短信", "notice_failed": "领奖通知未送达",
                   "notice_delivered": "领奖通知短信送达（案件已另行处理）", "notice_overdue": "领奖通知逾期",
                   "extend": "延长领取期限",
                   "claim": "登记领取", "pay": "发放奖金", "lapse": "逾期未领"}
NOTICE_METHOD_NAMES_ZH = {"sms": "短信", "phone": "电话", "letter": "书面通知", "in_person": "当面告知"}
PAYMENT_METHOD_NAMES_ZH = {"bank_transfer": "银行转账", "cash": "现金", "mobile": "移动支付"}


class CaseCreate(BaseModel):
    """A reward proposed for a verified report: the basis the rule needs for the kind of report."""

    report_id: RowId
    kind: Kind
    fine_yuan: Decimal | None = Field(default=None, ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=2)
    grade: Grade | None = None
    deaths: int | None = Field(default=None, ge=0, le=100_000)
    amount_yuan: Decimal | None = Field(default=None, ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=2)
    basis_note: str = Field(default="", max_length=2000)  # 行政处罚决定书文号, 事故调查报告 …


class DecisionIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class NoticeIn(BaseModel):
    method: NoticeMethod = "sms"
    note: str = Field(default="", max_length=2000)


class ExtendIn(BaseModel):
    days: int = Field(ge=1, le=365)
    note: str = Field(min_length=1, max_length=2000)  # 能够说明理由的，可以适当延长


class ClaimIn(BaseModel):
    note: str = Field(default="", max_length=2000)  # which document the reporter showed (never its number)


class PaymentIn(BaseModel):
    method: PaymentMethod
    reference: str = Field(min_length=1, max_length=100)  # 转账流水号 / 凭证号
    amount_yuan: Decimal | None = Field(default=None, ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=2)
    note: str = Field(default="", max_length=2000)


class RuleIn(BaseModel):
    """A new version of a rule (or a new local rule): the whole document and what changed."""

    document: RuleDocument
    note: str = Field(default="", max_length=2000)


class RuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    version: int
    jurisdiction: str
    jurisdiction_name: str = ""
    title: str
    source_document: str
    effective_from: date
    document: dict[str, Any]
    current: bool
    origin: str
    change_note: str
    created_by: str
    created_at: datetime
    editable: bool = False


class StepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    action: str
    action_name: str = ""
    from_state: str
    to_state: str
    actor: str
    actor_name: str
    at: datetime
    note: str


class PaymentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    amount_yuan: Decimal
    method: str
    method_name: str = ""
    reference: str
    paid_by: str
    paid_by_name: str
    paid_at: datetime
    note: str


class CaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    report_id: int
    report_label: str
    region_code: str
    region_name: str = ""
    kind: str
    kind_name: str = ""
    fine_yuan: Decimal | None
    grade: str | None
    deaths: int | None
    chosen_yuan: Decimal | None
    basis_note: str
    amount_yuan: Decimal
    computed_yuan: Decimal
    limited_by: str | None
    formula: str
    rule_id: int
    rule_name: str = ""
    rule_title: str = ""
    rule_version: int = 0
    rule_source: str = ""
    state: str
    state_name: str = ""
    matter_note: str
    verified_at: datetime
    notice_due_at: datetime
    notice_overdue: bool
    notified_at: datetime | None
    notice_method: str
    claim_due_at: datetime | None
    closed_at: datetime | None
    proposed_by: str
    approved_by: str
    approved_at: datetime | None
    created_at: datetime
    steps: list[StepRead] = []
    payment: PaymentRead | None = None
    allowed: list[str] = []  # the actions the reader may take now


class ComputeIn(BaseModel):
    """A figure checked before a case is opened: the rule that applies in ``region_code`` and its amount."""

    region_code: str = Field(pattern=r"^\d{6}(\d{3}(\d{3})?)?$")
    kind: Kind
    fine_yuan: Decimal | None = Field(default=None, ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=2)
    grade: Grade | None = None
    deaths: int | None = Field(default=None, ge=0, le=100_000)
    amount_yuan: Decimal | None = Field(default=None, ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=2)


class ComputeOut(BaseModel):
    yuan: Decimal
    computed_yuan: Decimal
    limited_by: str | None
    formula: str
    rule_id: int
    rule_name: str
    rule_title: str
    rule_version: int
    source: str

class PublicRewardStep(BaseModel):
    """A reward step as its reporter sees it: no staff, no approver's reasons (public/rewards/tracking.py)."""

    stage: str
    name: str
    at: datetime | None  # None for the step still to come
    note: str
