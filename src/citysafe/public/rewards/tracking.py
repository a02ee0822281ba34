"""The reward of a report as its reporter follows it on the public tracking page (issue #15 point 7): the decision,
the notice, the claim period, the payment — each step with its time and a sentence built here from the case's
figures, never the notes staff wrote or who took the step.

Only what concerns the reporter is shown: a proposal not yet approved is "being assessed" (its amount may still
change), a failed SMS or an overdue notice stays inside the office, and a refusal says so without the approver's
reason (free text written for colleagues, which may name people). The receipt number is the key: an anonymous
reporter claims with it (奖励由最先受理的举报凭受理编号领取), so the amount and the deadline are shown to whoever
holds it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.clock import format_local
from citysafe.public.rewards import rules_store
from citysafe.public.rewards.models import RewardCase, RewardPayment, RewardStep
from citysafe.public.rewards.schemas import NOTICE_METHOD_NAMES_ZH, PAYMENT_METHOD_NAMES_ZH

# The reward steps a reporter sees, with their public names; the others (propose, notice_failed, notice_overdue)
# are the office's own business.
STEP_NAMES_ZH = {"approve": "决定奖励", "reject": "不予奖励", "notify": "已通知领奖", "extend": "领取期限延长",
                 "claim": "已登记领取", "pay": "奖励已发放", "lapse": "逾期未领取"}
# What comes next while the case is open, as the reporter waits for it.
PENDING_NAMES_ZH = {"proposed": "奖励评定中", "approved": "待通知领奖", "notified": "待领取奖励",
                    "claimed": "待发放奖励"}


class RewardProgress(NamedTuple):
    stage: str  # reward_<action>, or reward_pending
    name: str
    at: datetime | None  # None for the step still to come
    note: str


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _day(at: datetime | None) -> str:
    return format_local(at)[:10] if at is not None else ""


def _case_of(session: Session, report_id: int) -> RewardCase | None:
    """The report's live case; a refused one only when no other was opened after it."""
    cases = list(session.scalars(select(RewardCase).where(RewardCase.report_id == report_id)
                                 .execution_options(skip_scope=True).order_by(RewardCase.id.desc())))
    return next((c for c in cases if c.state != "rejected"), cases[0] if cases else None)


def _claim_days(session: Session, case: RewardCase) -> int:
    return rules_store.document_of(rules_store.get(session, rule_id=case.rule_id)).claim_days


def _done_note(step: RewardStep, case: RewardCase, payment: RewardPayment | None) -> str:
    if step.action == "approve":
        return f"经审批，决定奖励人民币 {_yuan(case.amount_yuan)} 元"
    if step.action == "reject":
        return "经审批，本件不予奖励；如有疑问，可凭回执编号向受理机关咨询"
    if step.action == "notify":
        return f"已通过{NOTICE_METHOD_NAMES_ZH.get(case.notice_method, '适当方式')}通知举报人领奖"
    if step.action == "extend":
        return "受理机关已延长领取期限，新的期限见下一步"
    if step.action == "claim":
        return "举报人已凭有效证件登记领取"
    if step.action == "pay":
        method = PAYMENT_METHOD_NAMES_ZH.get(payment.method, "") if payment is not None else ""
        amount = payment.amount_yuan if payment is not None else case.amount_yuan
        return f"已{('通过' + method) if method else ''}发放人民币 {_yuan(amount)} 元"
    return "逾期未领取，视为放弃领奖权利"


def _pending(session: Session, case: RewardCase) -> RewardProgress | None:
    name = PENDING_NAMES_ZH.get(case.state)
    if name is None:
        return None
    if case.state == "proposed":
        note = "举报已查实，奖励正在评定和审批"
    elif case.state == "approved":
        days = (case.notice_due_at - case.verified_at).days  # the rule's notice_days when it was proposed
        note = f"领奖通知将于 {_day(case.notice_due_at)} 前发出（核实后 {days} 日内）"
    elif case.state == "notified":
        note = (f"请于 {_day(case.claim_due_at)} 前凭本人有效身份证件和回执编号领取"
                f"（自通知之日起 {_claim_days(session, case)} 日内），逾期视为放弃领奖权利")
    else:
        note = "奖金正在办理发放"
    return RewardProgress(stage="reward_pending", name=name, at=None, note=note)


def progress(session: Session, *, report_id: int) -> list[RewardProgress]:
    """The reward steps of report ``report_id`` for its tracking page, oldest first, then the step to come;
    empty when no reward case was opened for it."""
    case = _case_of(session, report_id)
    if case is None:
        return []
    steps = session.scalars(select(RewardStep).where(RewardStep.case_id == case.id,
                                                     RewardStep.action.in_(list(STEP_NAMES_ZH)))
                            .execution_options(skip_scope=True).order_by(RewardStep.seq)).all()
    payment = session.scalars(select(RewardPayment).where(RewardPayment.case_id == case.id)
                              .execution_options(skip_scope=True)).first()
    out = [RewardProgress(stage=f"reward_{s.action}", name=STEP_NAMES_ZH[s.action], at=s.at,
                          note=_done_note(s, case, payment)) for s in steps]
    pending = _pending(session, case)
    if pending is not None:
        out.append(pending)
    return out
