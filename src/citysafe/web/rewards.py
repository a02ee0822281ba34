"""Console of 举报奖励: the reward cases with what to do next, one case with its basis, rule, timers, steps and
payment; the reward rules by jurisdiction with their versions, and the edit form that makes a new version. The
same services as the API (public/rewards)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.deps import Context, DbSession, commits_on_its_own, units_as
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import format_local
from citysafe.core.errors import CitysafeError, field_error
from citysafe.public.rewards import notice, present, rules_store, service
from citysafe.public.rewards.calc.reward import DEFAULT_RULE, GRADE_NAMES_ZH, GRADES, KIND_NAMES_ZH, load_rule
from citysafe.public.rewards.schemas import (
    ACTION_NAMES_ZH,
    NOTICE_METHOD_NAMES_ZH,
    PAYMENT_METHOD_NAMES_ZH,
    STATE_NAMES_ZH,
    CaseCreate,
    ClaimIn,
    DecisionIn,
    ExtendIn,
    NoticeIn,
    PaymentIn,
)
from citysafe.public.rewards.sources import REPORT_SOURCE
from citysafe.regions import service as regions
from citysafe.web.common import page_principal, render
from citysafe.web.forms import flash, posted, run_action
from citysafe.web.i18n import N_, translator

router = APIRouter(include_in_schema=False)
PAGE = "/rewards"
RULES = "/rewards/rules"
LABELS = {"report_id": N_("举报"), "kind": N_("举报类别"), "fine_yuan": N_("罚款金额"), "grade": N_("事故等级"),
          "deaths": N_("瞒报死亡人数"), "amount_yuan": N_("奖励金额"), "basis_note": N_("奖励依据"), "note": N_("说明"),
          "method": N_("方式"), "reference": N_("凭证号"), "days": N_("延长天数"), "title": N_("规则名称"),
          "document": N_("依据文件"), "notice_days": N_("通知期限"), "claim_days": N_("领取期限"),
          "effective_from": N_("施行日期"), "name": N_("规则代号"), "jurisdiction": N_("适用区划")}
PROGRESS = ("proposed", "approved", "notified", "claimed", "paid")
CASE_FIELDS = ("report_id", "kind", "fine_yuan", "grade", "deaths", "amount_yuan", "basis_note")
STEP_FIELDS = ("note", "method", "days", "reference", "amount_yuan")


def _principal(request: Request, db: Session, *permissions: str) -> Principal:
    principal = page_principal(request, db)
    if not any(principal.can(p) for p in permissions):
        auth_service.require(principal, permissions[0])
    return principal


def _yuan(value: object) -> str:
    """An amount as people write it: thousands separated, fen only when there are any (15,000 · 4,999.95)."""
    return f"{Decimal(str(value)):,.2f}".removesuffix(".00")


def _plain(value: object) -> str:
    """A number for a form field: no exponent, no trailing zeros (300000, 15, 0.5)."""
    number = Decimal(str(value)).normalize()
    return f"{number:f}"


def _names() -> dict[str, Any]:
    return {"states": STATE_NAMES_ZH, "actions": ACTION_NAMES_ZH, "kinds": KIND_NAMES_ZH, "grades": GRADE_NAMES_ZH,
            "grade_codes": GRADES, "notice_methods": NOTICE_METHOD_NAMES_ZH,
            "payment_methods": PAYMENT_METHOD_NAMES_ZH, "local": format_local, "progress": PROGRESS,
            "yuan": _yuan, "plain": _plain}


@router.get(PAGE, response_class=HTMLResponse)
def cases_page(request: Request, db: DbSession, ctx: Context, state: str = "") -> Response:
    principal = _principal(request, db, Permission.HANDLE_REWARDS)
    now = ctx.clock.now()
    everything = [present.case(db, c, principal=principal, now=now) for c in service.listing(db)]
    counts = {s: sum(1 for c in everything if c.state == s) for s in STATE_NAMES_ZH}
    rows = [c for c in everything if c.state == state] if state in STATE_NAMES_ZH else everything
    waiting = [c for c in everything if c.allowed]
    return render(request, "rewards/cases.html", principal, cases=rows, counts=counts, state=state,
                  waiting=waiting, now=now, form={name: request.query_params.get(name, "") for name in CASE_FIELDS},
                  **_names(), **flash(request))


def _report_id(db: Session, text: str) -> int | None:
    """The report a handler typed: its receipt number (JB…, as on the report) or its number in the list."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    try:
        return REPORT_SOURCE.of(db).by_receipt(db, text)
    except CitysafeError as exc:
        raise field_error("report_id", exc.detail, exc.detail_zh or exc.detail) from exc


@router.post(PAGE + "/cases")
async def propose(request: Request, db: DbSession, ctx: Context) -> Response:
    form = posted(await request.form(), CASE_FIELDS)
    t = translator(request)
    created: dict[str, int] = {}

    def act() -> str:
        principal = _principal(request, db, Permission.HANDLE_REWARDS)
        data = CaseCreate.model_validate({k: v for k, v in form.items() if v != ""} | {
            "report_id": _report_id(db, form["report_id"]), "kind": form["kind"]})
        case = service.propose(db, data=data, principal=principal, now=ctx.clock.now())
        created["id"] = case.id
        return t.gettext("已拟定奖励 %(yuan)s 元，待另一名审批人员审批", yuan=_yuan(case.amount_yuan))

    response = run_action(db, PAGE, act, labels=LABELS, t=t)
    if "id" in created:
        location = response.headers["location"]
        response.headers["location"] = location.replace(PAGE + "?", f"{PAGE}/cases/{created['id']}?", 1)
    return response


@router.get(PAGE + "/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: RowId, db: DbSession, ctx: Context, identity: bool = False) -> Response:
    """The case; with ``identity`` (the button at the claim) the reporter's identity, read through the reports,
    which audit every read."""
    principal = _principal(request, db, Permission.HANDLE_REWARDS, Permission.APPROVE_REWARDS)
    now = ctx.clock.now()
    row = service.get(db, case_id=case_id)
    case = present.case(db, row, principal=principal, now=now, full=True)
    can_identify = principal.can(Permission.READ_REPORTER_IDENTITY) and case.state in ("notified", "claimed")
    reporter = REPORT_SOURCE.of(db).reporter_identity(db, row.report_id, principal) \
        if identity and can_identify else None
    return render(request, "rewards/case.html", principal, c=case, now=now, waiting_approval=case.state == "proposed"
                  and not case.allowed and principal.username == case.proposed_by, can_identify=can_identify,
                  identity_shown=identity and can_identify, reporter=reporter, **_names(), **flash(request))


@router.post(PAGE + "/cases/{case_id}/notify")
@commits_on_its_own
async def case_notify(request: Request, case_id: RowId, db: DbSession, ctx: Context) -> Response:
    """领奖通知 (matched before the other steps): its SMS is sent outside any write transaction
    (public/rewards/notice.py), so this view writes through short units of work of its own."""
    form = posted(await request.form(), STEP_FIELDS)
    t = translator(request)

    def act() -> str:
        principal = _principal(request, db, Permission.HANDLE_REWARDS, Permission.APPROVE_REWARDS)
        units = units_as(ctx, principal)
        if not notice.give(units, case_id=case_id, principal=principal, clock=ctx.clock,
                           data=NoticeIn.model_validate({"method": form["method"] or "sms", "note": form["note"]})):
            return t.gettext("短信未送达，请重试或改用其他方式通知")
        return t.gettext("已办理：%(action)s", action=t.name(ACTION_NAMES_ZH["notify"]))

    return await asyncio.to_thread(run_action, db, f"{PAGE}/cases/{case_id}", act, labels=LABELS, t=t)


@router.post(PAGE + "/cases/{case_id}/{action}")
async def case_action(request: Request, case_id: RowId, action: str, db: DbSession, ctx: Context) -> Response:
    form = posted(await request.form(), STEP_FIELDS)
    t = translator(request)
    here = f"{PAGE}/cases/{case_id}"

    def act() -> str:
        principal = _principal(request, db, Permission.HANDLE_REWARDS, Permission.APPROVE_REWARDS)
        case = service.get(db, case_id=case_id, lock=True)
        now = ctx.clock.now()
        if action in ("approve", "reject"):
            service.decide(db, case=case, approve=action == "approve", data=DecisionIn(note=form["note"]),
                           principal=principal, now=now)
        elif action == "extend":
            service.extend(db, case=case, data=ExtendIn.model_validate({"days": form["days"] or None,
                                                                         "note": form["note"]}),
                           principal=principal, now=now)
        elif action == "claim":
            service.claim(db, case=case, data=ClaimIn(note=form["note"]), principal=principal, now=now)
        elif action == "pay":
            service.pay(db, case=case, data=PaymentIn.model_validate({
                "method": form["method"], "reference": form["reference"], "note": form["note"],
                "amount_yuan": form["amount_yuan"] or None}), principal=principal, now=now)
        else:
            raise field_error("action", "unknown step", "未知的操作")
        return t.gettext("已办理：%(action)s", action=t.name(ACTION_NAMES_ZH[action]))

    return run_action(db, here, act, labels=LABELS, t=t)


@router.get(RULES, response_class=HTMLResponse)
def rules_page(request: Request, db: DbSession, ctx: Context) -> Response:
    principal = _principal(request, db, Permission.HANDLE_REWARDS, Permission.MANAGE_REWARD_RULES)
    rows = [present.rule(db, r, principal=principal) for r in rules_store.listing(db, now=ctx.clock.now())]
    can_create = principal.can(Permission.MANAGE_REWARD_RULES)
    return render(request, "rewards/rules.html", principal, rules=rows, can_create=can_create,
                  divisions=_divisions(db, principal) if can_create else [], **_names(), **flash(request))


def _divisions(db: Session, principal: Principal) -> list[tuple[str, str]]:
    """The divisions a new local rule may be made for: the user's own and the cities and counties inside it."""
    own = principal.region_code
    inside = [r for level in ("city", "district") for r in regions.descendants_at_level(db, code=own, level=level)
              if r.code != own]
    return [(own, regions.cached_names(db).name(own) or own)] + [(r.code, r.name) for r in inside]


@router.post(RULES)
async def create_rule(request: Request, db: DbSession, ctx: Context) -> Response:
    """A new local rule, its schedules copied from the national rule to be edited next (a new version each time)."""
    form = posted(await request.form(), ("name", "title", "jurisdiction", "document", "effective_from"))
    t = translator(request)
    made: dict[str, int] = {}

    def act() -> str:
        principal = _principal(request, db, Permission.MANAGE_REWARD_RULES)
        now = ctx.clock.now()
        template = next(r for r in rules_store.listing(db, now=now) if r.name == DEFAULT_RULE)
        try:
            document = load_rule({**template.document, **{k: v for k, v in form.items() if v}})
        except ValueError as exc:
            raise field_error("document", str(exc), f"规则内容有误：{exc}") from exc
        row = rules_store.create(db, document=document, principal=principal, now=now, note=rules_store.TEMPLATE_NOTE)
        made["id"] = row.id
        return t.gettext("已新建“%(title)s”，请按本地办法修改各项标准", title=row.title)

    response = run_action(db, RULES, act, labels=LABELS, t=t)
    if "id" in made:
        response.headers["location"] = response.headers["location"].replace(RULES + "?", f"{RULES}/{made['id']}?", 1)
    return response


@router.get(RULES + "/{rule_id}", response_class=HTMLResponse)
def rule_page(request: Request, rule_id: RowId, db: DbSession, ctx: Context) -> Response:
    principal = _principal(request, db, Permission.HANDLE_REWARDS, Permission.MANAGE_REWARD_RULES)
    rules_store.ensure_shipped(db, now=ctx.clock.now())
    row = rules_store.get(db, rule_id=rule_id)
    history = [present.rule(db, r, principal=principal) for r in rules_store.versions(db, name=row.name)]
    return render(request, "rewards/rule.html", principal, r=present.rule(db, row, principal=principal),
                  history=history, **_names(), **flash(request))


def _edited(document: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
    """The rule document with the form's fields put in (``s.<kind>.<field>``, ``s.<kind>.per.<grade>``)."""
    out = {**document, "schedules": {k: dict(v) for k, v in document["schedules"].items()}}
    for key in ("title", "document", "effective_from", "notice_days", "claim_days"):
        if form.get(key):
            out[key] = form[key]
    for kind, schedule in out["schedules"].items():
        for field in ("pct", "min_yuan", "max_yuan", "source"):
            value = form.get(f"s.{kind}.{field}", "")
            if value and field in schedule:
                schedule[field] = value
        if "min_without_fine" in schedule:
            schedule["min_without_fine"] = form.get(f"s.{kind}.min_without_fine") == "on"
        if "per_death_yuan" in schedule:
            per = dict(schedule["per_death_yuan"])
            for grade in GRADES:
                value = form.get(f"s.{kind}.per.{grade}", "")
                if value:
                    per[grade] = value
                elif f"s.{kind}.per.{grade}" in form:
                    per.pop(grade, None)
            schedule["per_death_yuan"] = per
    return out


@router.post(RULES + "/{rule_id}")
async def revise_rule(request: Request, rule_id: RowId, db: DbSession, ctx: Context) -> Response:
    raw = await request.form()
    form = {str(k): str(v).strip() for k, v in raw.items()}
    t = translator(request)
    here = f"{RULES}/{rule_id}"
    made: dict[str, int] = {}

    def act() -> str:
        principal = _principal(request, db, Permission.MANAGE_REWARD_RULES)
        rule = rules_store.get(db, rule_id=rule_id)
        try:
            document = load_rule(_edited(rule.document, form))
        except ValueError as exc:
            raise field_error("document", str(exc), f"规则内容有误：{exc}") from exc
        row = rules_store.revise(db, rule=rule, document=document, principal=principal, now=ctx.clock.now(),
                                 note=form.get("note", ""))
        made["id"] = row.id
        return t.gettext("已保存为第 %(version)s 版", version=row.version)

    response = run_action(db, here, act, labels=LABELS, t=t)
    if "id" in made:
        response.headers["location"] = response.headers["location"].replace(here + "?", f"{RULES}/{made['id']}?", 1)
    return response
