"""Reward cases: proposed for a verified report under the rule of its jurisdiction, approved by a second person,
the reporter notified (领奖通知), the reward claimed and paid — each step a ``reward_step`` row (and, like every
change, an audit record) in the same transaction.

Several reports of the same matter: the first real-name reporter (最先受理的实名举报人) is rewarded once; anonymous
reports before it do not block it, and a case for a later report is refused naming the first. Timers (the notice
due within ``notice_days`` of verification, the claim within ``claim_days`` of the notice) run in ``timers.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.clock import format_local
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, Forbidden, field_error, not_found
from citysafe.public.rewards import rules_store
from citysafe.public.rewards.calc.reward import KIND_NAMES_ZH, RewardInputError, compute
from citysafe.public.rewards.models import RewardCase, RewardPayment, RewardRule, RewardStep
from citysafe.public.rewards.schemas import (
    ACTION_NAMES_ZH,
    PAYMENT_METHOD_NAMES_ZH,
    STATE_NAMES_ZH,
    CaseCreate,
    ClaimIn,
    DecisionIn,
    ExtendIn,
    NoticeIn,
    PaymentIn,
)
from citysafe.public.rewards.sources import REPORT_SOURCE, ReportFacts

OPEN_STATES = ("proposed", "approved", "notified", "claimed")
# What each state allows, and which permission takes the step (approve and reject: never the proposer).
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "approve": (("proposed",), Permission.APPROVE_REWARDS),
    "reject": (("proposed",), Permission.APPROVE_REWARDS),
    "notify": (("approved",), Permission.HANDLE_REWARDS),
    "extend": (("notified",), Permission.HANDLE_REWARDS),
    "claim": (("notified",), Permission.HANDLE_REWARDS),
    "pay": (("claimed",), Permission.HANDLE_REWARDS),
}


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def get(session: Session, *, case_id: int, lock: bool = False) -> RewardCase:
    if lock:
        row = session.scalars(select(RewardCase).where(RewardCase.id == case_id).with_for_update()).first()
        if row is not None:
            return row
    return get_or_404(session, RewardCase, case_id, what="reward case", what_zh="奖励案件")


def listing(session: Session, *, state: str | None = None, report_id: int | None = None) -> list[RewardCase]:
    stmt = select(RewardCase).order_by(RewardCase.id.desc())
    if state:
        stmt = stmt.where(RewardCase.state == state)
    if report_id is not None:
        stmt = stmt.where(RewardCase.report_id == report_id)
    return list(session.scalars(stmt))


def _first_real_name(group: list[ReportFacts], facts: ReportFacts) -> tuple[ReportFacts | None, str]:
    """Who of the same matter is rewarded, and the sentence saying so for the decision."""
    ordered = sorted(group or [facts], key=lambda r: (r.received_at, r.report_id))
    first = next((r for r in ordered if r.real_name), None)
    anonymous = sum(1 for r in ordered if not r.real_name)
    if len(ordered) == 1:
        return first, "同一事项仅此一件举报。" if facts.real_name else "同一事项仅此一件举报（匿名举报）。"
    note = f"同一事项共 {len(ordered)} 件举报"
    if anonymous:
        note += f"，其中匿名 {anonymous} 件（匿名举报不影响实名举报人获奖）"
    if first is not None:
        note += (f"；最先受理的实名举报为 {first.label or first.report_id}（{format_local(first.received_at)[:16]}），"
                 "按规定只奖励该举报人一次。")
    else:
        note += "；均为匿名举报，奖励由最先受理的举报凭受理编号领取。"
    return first, note


def propose(session: Session, *, data: CaseCreate, principal: Principal, now: datetime) -> RewardCase:
    """拟定奖励 for a report found true: the rule of its jurisdiction computes the amount."""
    source = REPORT_SOURCE.of(session)
    facts = source.get_report(session, data.report_id)
    if facts is None:
        raise field_error("report_id", f"no report {data.report_id}", f"没有受理编号对应的举报（{data.report_id}）")
    if facts.verified_at is None:
        raise Conflict(detail="the report is not verified", detail_zh="该举报尚未核查属实，核查属实后方可拟定奖励")
    group = list(source.same_matter(session, data.report_id))
    first, matter_note = _first_real_name(group, facts)
    earliest = min(group or [facts], key=lambda r: (r.received_at, r.report_id))
    rewarded = first if first is not None else earliest
    if rewarded.report_id != facts.report_id:
        who = "最先受理的实名举报" if first is not None else "最先受理的举报"
        raise Conflict(detail=f"report {rewarded.report_id} came first: only it is rewarded",
                       detail_zh=f"同一事项{who}是 {rewarded.label or rewarded.report_id}，"
                                 "只奖励该举报人，本件不予重复奖励")
    ids = {r.report_id for r in group} | {facts.report_id}
    taken = session.scalars(select(RewardCase).where(RewardCase.report_id.in_(ids),
                                                     RewardCase.state != "rejected")).first()
    if taken is not None:
        raise Conflict(detail=f"reward case {taken.id} exists for this matter",
                       detail_zh=f"同一事项已有奖励案件（第 {taken.id} 号，{_state_zh(taken.state)}），不能重复拟定")
    rule = rules_store.applicable(session, region_code=facts.region_code, kind=data.kind, now=now)
    if rule is None:
        raise field_error("kind", f"no rule has a schedule for {data.kind} here",
                          f"本辖区没有“{KIND_NAMES_ZH.get(data.kind, data.kind)}”的奖励标准")
    document = rules_store.document_of(rule)
    try:
        reward = compute(document, data.kind, fine_yuan=data.fine_yuan, grade=data.grade, deaths=data.deaths,
                         amount_yuan=data.amount_yuan)
    except RewardInputError as exc:
        raise field_error(exc.field, str(exc), exc.message_zh) from exc
    case = RewardCase(report_id=facts.report_id, report_label=facts.label[:200], kind=data.kind,
                      fine_yuan=data.fine_yuan, grade=data.grade, deaths=data.deaths, chosen_yuan=data.amount_yuan,
                      basis_note=data.basis_note.strip(), amount_yuan=reward.yuan, computed_yuan=reward.computed_yuan,
                      limited_by=reward.limited_by, formula=reward.formula_zh[:400], rule_id=rule.id, state="proposed",
                      matter_note=matter_note, verified_at=facts.verified_at,
                      notice_due_at=facts.verified_at + timedelta(days=document.notice_days),
                      proposed_by=principal.username, region_code=facts.region_code, created_at=now, updated_at=now)
    session.add(case)
    session.flush()
    record_step(session, case, action="propose", before="proposed", actor=principal.username,
            actor_name=principal.display_name, now=now,
            note=f"按《{rule.title}》第 {rule.version} 版：{reward.formula_zh}，拟奖励 {_yuan(reward.yuan)} 元")
    return case


def _state_zh(state: str) -> str:
    return STATE_NAMES_ZH.get(state, state)


def record_step(session: Session, case: RewardCase, *, action: str, before: str, actor: str, actor_name: str,
            now: datetime, note: str) -> RewardStep:
    seq = (session.scalar(select(func.max(RewardStep.seq)).where(RewardStep.case_id == case.id)) or 0) + 1
    step = RewardStep(case_id=case.id, seq=seq, action=action, from_state=before, to_state=case.state, actor=actor,
                      actor_name=actor_name, at=now, note=note, region_code=case.region_code)
    session.add(step)
    session.flush()
    return step


def record_by(session: Session, case: RewardCase, principal: Principal, *, action: str, before: str, now: datetime,
              note: str) -> RewardStep:
    return record_step(session, case, action=action, before=before, actor=principal.username,
                       actor_name=principal.display_name, now=now, note=note)


def require(case: RewardCase, action: str, principal: Principal) -> str:
    states, permission = ACTIONS[action]
    name = ACTION_NAMES_ZH[action]
    if case.state not in states:
        raise Conflict(detail=f"{action} is not possible in state {case.state}",
                       detail_zh=f"奖励案件当前为“{_state_zh(case.state)}”，不能办理“{name}”")
    if not principal.can(permission):
        raise Forbidden(detail=f"role {principal.role} may not {action} rewards",
                        detail_zh=f"当前角色无权办理“{name}”")
    if action in ("approve", "reject") and principal.username == case.proposed_by:
        raise Forbidden(detail="the proposer may not approve or reject the same reward (four eyes)",
                        detail_zh=f"奖励由本人拟定，须由另一名有审批权限的人员办理“{name}”")
    return case.state


def allowed(case: RewardCase, principal: Principal, *, now: datetime) -> list[str]:
    """The steps ``principal`` may take on ``case`` now (the console shows only these)."""
    out = []
    for action, (states, permission) in ACTIONS.items():
        if case.state not in states or not principal.can(permission):
            continue
        if action in ("approve", "reject") and principal.username == case.proposed_by:
            continue
        if action == "claim" and case.claim_due_at is not None and now > case.claim_due_at:
            continue
        out.append(action)
    return out


def decide(session: Session, *, case: RewardCase, approve: bool, data: DecisionIn, principal: Principal,
           now: datetime) -> RewardCase:
    """审批: a second person with the approval permission agrees or refuses (with a reason)."""
    before = require(case, "approve" if approve else "reject", principal)
    note = data.note.strip()
    if not approve and not note:
        raise field_error("note", "say why the reward is refused", "“不予奖励”须填写理由")
    case.state = "approved" if approve else "rejected"
    case.approved_by, case.approved_at = principal.username, now
    if not approve:
        case.closed_at = now
    session.flush()
    record_by(session, case, principal, action="approve" if approve else "reject", before=before, now=now,
              note=note or f"同意奖励 {_yuan(case.amount_yuan)} 元")
    return case


def notice_text(case: RewardCase, claim_due_at: datetime) -> str:
    what = KIND_NAMES_ZH.get(case.kind, "安全生产")
    return (f"您举报的{what}事项（{case.report_label or case.report_id}）经核查属实，"
            f"决定奖励人民币{_yuan(case.amount_yuan)}元。请于{format_local(claim_due_at)[:10]}前凭本人有效证件领取，"
            "逾期视为放弃。")


def claim_due(session: Session, case: RewardCase, *, now: datetime) -> datetime:
    """The end of the claim period of a notice given ``now`` (the case's rule's claim days)."""
    document = rules_store.document_of(rules_store.get(session, rule_id=case.rule_id))
    return now + timedelta(days=document.claim_days)


def notify(session: Session, *, case: RewardCase, data: NoticeIn, principal: Principal, now: datetime) -> RewardCase:
    """领奖通知 given by phone, letter or in person, recorded; the claim period starts when the notice is given. An
    SMS goes through ``notice.give``, which sends it outside any write transaction."""
    if data.method == "sms":
        raise field_error("method", "an SMS notice is sent through notice.give", "短信通知须经短信通道发送")
    before = require(case, "notify", principal)
    claim_due_at = claim_due(session, case, now=now)
    case.state, case.notified_at, case.notice_method, case.claim_due_at = "notified", now, data.method, claim_due_at
    session.flush()
    record_by(session, case, principal, action="notify", before=before, now=now,
              note=f"{data.note.strip() or '已通知'}；领取期限至 {format_local(claim_due_at)[:16]}")
    return case


def extend(session: Session, *, case: RewardCase, data: ExtendIn, principal: Principal, now: datetime) -> RewardCase:
    """逾期前能够说明理由的，可以适当延长领取时间."""
    before = require(case, "extend", principal)
    assert case.claim_due_at is not None
    case.claim_due_at = case.claim_due_at + timedelta(days=data.days)
    session.flush()
    record_by(session, case, principal, action="extend", before=before, now=now,
              note=f"延长 {data.days} 日至 {format_local(case.claim_due_at)[:16]}：{data.note.strip()}")
    return case


def claim(session: Session, *, case: RewardCase, data: ClaimIn, principal: Principal, now: datetime) -> RewardCase:
    """The reporter came with a valid identity document within the claim period (登记领取)."""
    before = require(case, "claim", principal)
    if case.claim_due_at is not None and now > case.claim_due_at:
        raise Conflict(detail="the claim period has ended",
                       detail_zh=f"领取期限已于 {format_local(case.claim_due_at)[:16]} 届满，"
                                 "可先“延长领取期限”并说明理由")
    case.state = "claimed"
    session.flush()
    record_by(session, case, principal, action="claim", before=before, now=now,
              note=data.note.strip() or "举报人凭有效证件领取，身份已核对")
    return case


def pay(session: Session, *, case: RewardCase, data: PaymentIn, principal: Principal, now: datetime) -> RewardCase:
    """发放: the payment record (amount, method, reference, who paid) closes the case."""
    before = require(case, "pay", principal)
    amount = data.amount_yuan if data.amount_yuan is not None else case.amount_yuan
    if amount != case.amount_yuan:
        raise field_error("amount_yuan", f"the approved reward is {case.amount_yuan} yuan",
                          f"发放金额须与审批的奖励金额 {_yuan(case.amount_yuan)} 元一致")
    session.add(RewardPayment(case_id=case.id, amount_yuan=amount, method=data.method, reference=data.reference.strip(),
                              paid_by=principal.username, paid_by_name=principal.display_name, paid_at=now,
                              note=data.note.strip(), region_code=case.region_code))
    case.state, case.closed_at = "paid", now
    session.flush()
    record_by(session, case, principal, action="pay", before=before, now=now,
              note=f"{PAYMENT_METHOD_NAMES_ZH[data.method]}发放 {_yuan(amount)} 元，凭证 {data.reference.strip()}")
    return case


def payment_of(session: Session, case: RewardCase) -> RewardPayment | None:
    return session.scalars(select(RewardPayment).where(RewardPayment.case_id == case.id)).first()


def steps_of(session: Session, case: RewardCase) -> list[RewardStep]:
    return list(session.scalars(select(RewardStep).where(RewardStep.case_id == case.id).order_by(RewardStep.seq)))


def rule_of(session: Session, case: RewardCase) -> RewardRule:
    row = session.get(RewardRule, case.rule_id)
    if row is None:  # the foreign key forbids it; answered as missing all the same
        raise not_found("reward rule", "奖励规则", case.rule_id)
    return row
