"""Reporting rewards under ``/api/v1/rewards``: the rules (versioned, by jurisdiction), a figure checked against
the rule of a division, and the reward cases with their steps and payment."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from citysafe.auth.deps import Context, DbSession, client_address, commits_on_its_own, requires, units_as
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.db import unit_of_work
from citysafe.core.errors import field_error
from citysafe.public.reports import desk
from citysafe.public.reports import service as reports_service
from citysafe.public.rewards import notice, present, rules_store, service, tracking
from citysafe.public.rewards.calc.reward import RewardInputError, compute
from citysafe.public.rewards.schemas import (
    CaseCreate,
    CaseRead,
    ClaimIn,
    ComputeIn,
    ComputeOut,
    DecisionIn,
    ExtendIn,
    NoticeIn,
    PaymentIn,
    PublicRewardStep,
    RuleIn,
    RuleRead,
)

router = APIRouter(prefix="/rewards", tags=["rewards"])
# The reporter's side of a reward, by receipt and without an account, beside the report's own tracking view.
public_router = APIRouter(prefix="/public/reports", tags=["public citizen reports"])
Handler = Annotated[Principal, Depends(requires(Permission.HANDLE_REWARDS))]
Approver = Annotated[Principal, Depends(requires(Permission.APPROVE_REWARDS))]
RuleManager = Annotated[Principal, Depends(requires(Permission.MANAGE_REWARD_RULES))]
State = Literal["proposed", "approved", "rejected", "notified", "claimed", "paid", "lapsed"]


@router.get("/rules", response_model=list[RuleRead], operation_id="rewards_rules_list")
def list_rules(db: DbSession, ctx: Context, principal: Handler,
               history: Annotated[bool, Query()] = False) -> list[RuleRead]:
    """The current version of every rule (``history=true``: every version), the national rule first."""
    return [present.rule(db, r, principal=principal) for r in rules_store.listing(db, now=ctx.clock.now(),
                                                                                  history=history)]


@router.get("/rules/{rule_id}", response_model=RuleRead, operation_id="rewards_rules_get")
def get_rule(rule_id: RowId, db: DbSession, principal: Handler) -> RuleRead:
    return present.rule(db, rules_store.get(db, rule_id=rule_id), principal=principal)


@router.post("/rules", response_model=RuleRead, status_code=201, operation_id="rewards_rules_create")
def create_rule(body: RuleIn, db: DbSession, ctx: Context, principal: RuleManager) -> RuleRead:
    """A local schedule for a jurisdiction inside the user's region; it overrides the rules above it there."""
    row = rules_store.create(db, document=body.document, principal=principal, now=ctx.clock.now(), note=body.note)
    return present.rule(db, row, principal=principal)


@router.put("/rules/{rule_id}", response_model=RuleRead, operation_id="rewards_rules_revise")
def revise_rule(rule_id: RowId, body: RuleIn, db: DbSession, ctx: Context, principal: RuleManager) -> RuleRead:
    """A new version of the rule (``note``: what changed and on what basis); cases keep the version they used."""
    row = rules_store.revise(db, rule=rules_store.get(db, rule_id=rule_id), document=body.document,
                             principal=principal, now=ctx.clock.now(), note=body.note)
    return present.rule(db, row, principal=principal)


@router.post("/compute", response_model=ComputeOut, operation_id="rewards_compute")
def compute_reward(body: ComputeIn, db: DbSession, ctx: Context, principal: Handler) -> ComputeOut:
    """The reward the rule of ``region_code`` gives for the basis: nothing is stored."""
    del principal
    rule = rules_store.applicable(db, region_code=body.region_code, kind=body.kind, now=ctx.clock.now())
    if rule is None:
        raise field_error("kind", f"no rule has a schedule for {body.kind} here", "该区划没有此类举报的奖励标准")
    try:
        reward = compute(rules_store.document_of(rule), body.kind, fine_yuan=body.fine_yuan, grade=body.grade,
                         deaths=body.deaths, amount_yuan=body.amount_yuan)
    except RewardInputError as exc:
        raise field_error(exc.field, str(exc), exc.message_zh) from exc
    return ComputeOut(yuan=reward.yuan, computed_yuan=reward.computed_yuan, limited_by=reward.limited_by,
                      formula=reward.formula_zh, rule_id=rule.id, rule_name=rule.name, rule_title=rule.title,
                      rule_version=rule.version, source=reward.source)


@router.get("/cases", response_model=list[CaseRead], operation_id="rewards_cases_list")
def list_cases(db: DbSession, ctx: Context, principal: Handler, state: Annotated[State | None, Query()] = None,
               report: Annotated[RowId | None, Query()] = None) -> list[CaseRead]:
    """The reward cases of the reader's region, newest first."""
    now = ctx.clock.now()
    return [present.case(db, c, principal=principal, now=now) for c in service.listing(db, state=state,
                                                                                       report_id=report)]


@router.post("/cases", response_model=CaseRead, status_code=201, operation_id="rewards_cases_propose")
def propose(body: CaseCreate, db: DbSession, ctx: Context, principal: Handler) -> CaseRead:
    """拟定奖励 for a verified report; 409 when the report is not verified or another reporter of the same matter
    came first."""
    now = ctx.clock.now()
    return present.case(db, service.propose(db, data=body, principal=principal, now=now), principal=principal,
                        now=now, full=True)


@router.get("/cases/{case_id}", response_model=CaseRead, operation_id="rewards_cases_get")
def get_case(case_id: RowId, db: DbSession, ctx: Context, principal: Handler) -> CaseRead:
    """With its timeline, payment and ``allowed``: the steps the reader may take now."""
    return present.case(db, service.get(db, case_id=case_id), principal=principal, now=ctx.clock.now(), full=True)


@router.post("/cases/{case_id}/approve", response_model=CaseRead, operation_id="rewards_cases_approve")
def approve(case_id: RowId, body: DecisionIn, db: DbSession, ctx: Context, principal: Approver) -> CaseRead:
    """审批同意, by someone other than the proposer (403 for the proposer)."""
    now = ctx.clock.now()
    row = service.decide(db, case=service.get(db, case_id=case_id, lock=True), approve=True, data=body,
                         principal=principal, now=now)
    return present.case(db, row, principal=principal, now=now, full=True)


@router.post("/cases/{case_id}/reject", response_model=CaseRead, operation_id="rewards_cases_reject")
def reject(case_id: RowId, body: DecisionIn, db: DbSession, ctx: Context, principal: Approver) -> CaseRead:
    """不予奖励, with the reason, by someone other than the proposer."""
    now = ctx.clock.now()
    row = service.decide(db, case=service.get(db, case_id=case_id, lock=True), approve=False, data=body,
                         principal=principal, now=now)
    return present.case(db, row, principal=principal, now=now, full=True)


@router.post("/cases/{case_id}/notify", response_model=CaseRead, operation_id="rewards_cases_notify")
@commits_on_its_own
def notify(case_id: RowId, body: NoticeIn, ctx: Context, principal: Handler) -> CaseRead:
    """领奖通知: by SMS to the reporter (through the platform's outbound channel, no lock held while it is sent) or
    recorded as given otherwise."""
    units = units_as(ctx, principal)
    notice.give(units, case_id=case_id, data=body, principal=principal, clock=ctx.clock)
    with units.read() as session:  # a reader opened now sees what the short units of work committed
        return present.case(session, service.get(session, case_id=case_id), principal=principal,
                            now=ctx.clock.now(), full=True)


@router.post("/cases/{case_id}/extend", response_model=CaseRead, operation_id="rewards_cases_extend")
def extend(case_id: RowId, body: ExtendIn, db: DbSession, ctx: Context, principal: Handler) -> CaseRead:
    now = ctx.clock.now()
    row = service.extend(db, case=service.get(db, case_id=case_id, lock=True), data=body, principal=principal,
                         now=now)
    return present.case(db, row, principal=principal, now=now, full=True)


@router.post("/cases/{case_id}/claim", response_model=CaseRead, operation_id="rewards_cases_claim")
def claim(case_id: RowId, body: ClaimIn, db: DbSession, ctx: Context, principal: Handler) -> CaseRead:
    now = ctx.clock.now()
    row = service.claim(db, case=service.get(db, case_id=case_id, lock=True), data=body, principal=principal, now=now)
    return present.case(db, row, principal=principal, now=now, full=True)


@router.post("/cases/{case_id}/payment", response_model=CaseRead, operation_id="rewards_cases_pay")
def pay(case_id: RowId, body: PaymentIn, db: DbSession, ctx: Context, principal: Handler) -> CaseRead:
    """The payment record: amount (the approved one), method, reference, who paid."""
    now = ctx.clock.now()
    row = service.pay(db, case=service.get(db, case_id=case_id, lock=True), data=body, principal=principal, now=now)
    return present.case(db, row, principal=principal, now=now, full=True)



@public_router.get("/{receipt}/reward", response_model=list[PublicRewardStep], operation_id="public_reports_reward")
def public_reward(request: Request, ctx: Context,
                  receipt: Annotated[str, Path(max_length=40)]) -> list[PublicRewardStep]:
    """The reward of a report by its receipt, as on the tracking page: decided, notified with the claim deadline,
    claimed, paid, then the step to come; empty while no reward case is open. A forged receipt is refused and
    counted like the report's own tracking view."""
    view = desk.track(ctx, receipt=receipt, client=client_address(request))
    with unit_of_work(ctx.read_session_factory, actor=desk.ACTOR) as session:
        report_id = reports_service.by_receipt(session, receipt=view.receipt).id
        return [PublicRewardStep(**step._asdict()) for step in tracking.progress(session, report_id=report_id)]
