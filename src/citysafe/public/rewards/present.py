"""Cases and rules as the API and the console read them: names beside codes, the timeline, the payment, and the
steps the reader may take now."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.public.rewards import rules_store, service
from citysafe.public.rewards.calc.reward import KIND_NAMES_ZH
from citysafe.public.rewards.models import RewardCase, RewardRule
from citysafe.public.rewards.schemas import (
    ACTION_NAMES_ZH,
    PAYMENT_METHOD_NAMES_ZH,
    STATE_NAMES_ZH,
    CaseRead,
    PaymentRead,
    RuleRead,
    StepRead,
)
from citysafe.regions import service as regions


def case(session: Session, row: RewardCase, *, principal: Principal, now: datetime, full: bool = False) -> CaseRead:
    rule = service.rule_of(session, row)
    out = CaseRead.model_validate(row).model_copy(update={
        "region_name": regions.cached_names(session).name(row.region_code) or row.region_code,
        "kind_name": KIND_NAMES_ZH.get(row.kind, row.kind), "state_name": STATE_NAMES_ZH.get(row.state, row.state),
        "rule_name": rule.name, "rule_title": rule.title, "rule_version": rule.version,
        "rule_source": rule.source_document, "allowed": service.allowed(row, principal, now=now)})
    if full:
        out.steps = [StepRead.model_validate(s).model_copy(
            update={"action_name": ACTION_NAMES_ZH.get(s.action, s.action)}) for s in service.steps_of(session, row)]
        payment = service.payment_of(session, row)
        if payment is not None:
            out.payment = PaymentRead.model_validate(payment).model_copy(
                update={"method_name": PAYMENT_METHOD_NAMES_ZH.get(payment.method, payment.method)})
    return out


def rule(session: Session, row: RewardRule, *, principal: Principal) -> RuleRead:
    name = "全国" if not row.jurisdiction else regions.cached_names(session).name(row.jurisdiction) or row.jurisdiction
    return RuleRead.model_validate(row).model_copy(update={
        "jurisdiction_name": name, "editable": row.current and rules_store.may_edit(principal, row.jurisdiction)})
