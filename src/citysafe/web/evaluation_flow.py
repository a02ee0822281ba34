"""Console of 示范城市创建: the applicants (参评对象) with their 创建实施方案 and organisation, each application
with the steps this user may take now, member units' opinions, 公示 objections and revocation proposals; and
the public 公示 page (no login) where anyone may lodge an objection. The same services as the API
(evaluation/applicants, evaluation/workflow)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import format_local
from citysafe.core.errors import field_error
from citysafe.evaluation.applicants import service as applicants
from citysafe.evaluation.applicants.schemas import KIND_NAMES_ZH, ApplicantCreate, OrganisationIn, Person, PlanIn
from citysafe.evaluation.sheets.schemas import STATE_NAMES_ZH as SHEET_STATES
from citysafe.evaluation.sheets.schemas import SheetState
from citysafe.evaluation.workflow import publicity, revocations, rules, service, sheet_link
from citysafe.evaluation.workflow.schemas import (
    ApplicationCreate,
    ObjectionHandleIn,
    ObjectionIn,
    OpinionIn,
    RevocationDecideIn,
    StepIn,
)
from citysafe.regions import service as regions
from citysafe.web.common import page_principal, render
from citysafe.web.forms import flash, posted, run_action
from citysafe.web.i18n import N_, translator

router = APIRouter(include_in_schema=False)
PAGE = "/evaluation/creation"
PUBLIC = "/public/evaluation/publicity"
LABELS = {"division_code": N_("行政区划"), "region_code": N_("所在行政区划"), "name": N_("名称"),
          "zone_approval": N_("批复文件"), "plan_title": N_("方案名称"), "plan_adopted_on": N_("印发日期"),
          "plan_summary": N_("主要内容"), "year": N_("申报年度"), "note": N_("意见"), "unit": N_("成员单位"),
          "stance": N_("意见类型"), "text": N_("异议内容"), "contact": N_("联系方式"), "state": N_("处理结论"),
          "kind": N_("类型")}
# The order of the creation steps, for the progress line of an application page.
PROGRESS = ("drafting", "city_review", "province_review", "publicity", "approved", "named")


def _principal(request: Request, db: Session, permission: str = Permission.READ_EVALUATION) -> Principal:
    principal = page_principal(request, db)
    auth_service.require(principal, permission)
    return principal


def _names() -> dict[str, Any]:
    return {"kinds": KIND_NAMES_ZH, "states": rules.STATE_NAMES_ZH, "rounds": rules.ROUND_NAMES_ZH,
            "actions": rules.ACTION_NAMES_ZH, "stances": rules.STANCE_NAMES_ZH,
            "objection_states": rules.OBJECTION_STATE_NAMES_ZH, "local": format_local}


@router.get(PAGE, response_class=HTMLResponse)
def applicants_page(request: Request, db: DbSession) -> Response:
    principal = _principal(request, db)
    rows = [applicants.read(db, a) for a in applicants.listing(db)]
    current: dict[int, Any] = {}
    for application in service.listing(db):
        current.setdefault(application.applicant_id, application)
    proposals = [revocations.read(db, r) for r in revocations.listing(db, state="proposed")]
    can_register = principal.can(Permission.REVIEW_EVALUATION)
    return render(request, "evaluation/flow/applicants.html", principal, applicants=rows, current=current,
                  proposals=proposals, can_register=can_register,
                  divisions=_divisions(db, principal) if can_register else [],
                  is_province=principal.role == "province_office", **_names(), **flash(request))


def _divisions(db: Session, principal: Principal) -> list[tuple[str, list[tuple[str, str]]]]:
    """The cities and county-level divisions of the reader's area, by city, for the registration form (names
    shown, codes sent)."""
    cities = regions.descendants_at_level(db, code=principal.region_code, level="city")
    districts = regions.descendants_at_level(db, code=principal.region_code, level="district")
    groups = [(c.name, [(c.code, c.name)] + [(d.code, d.name) for d in districts if d.parent_code == c.code])
              for c in cities]
    if not cities and districts:  # a county office: its own division
        groups = [("", [(d.code, d.name) for d in districts])]
    return groups


@router.post(PAGE)
async def register(request: Request, db: DbSession) -> Response:
    form = posted(await request.form(), ("kind", "division", "name", "zone_approval"))
    t = translator(request)

    def act() -> str:
        principal = _principal(request, db, Permission.REVIEW_EVALUATION)
        zone = form["kind"] == "zone"
        data = ApplicantCreate.model_validate({
            "kind": form["kind"], "division_code": None if zone else (form["division"] or None),
            "region_code": (form["division"] or None) if zone else None,
            "name": form["name"], "zone_approval": form["zone_approval"]})
        applicant = applicants.create(db, data=data, principal=principal)
        return t.gettext("已登记参评对象：%(name)s", name=applicant.name)

    return run_action(db, PAGE, act, labels=LABELS, t=t)


@router.get(PAGE + "/applicants/{applicant_id}", response_class=HTMLResponse)
def applicant_page(request: Request, applicant_id: RowId, db: DbSession) -> Response:
    principal = _principal(request, db)
    applicant = applicants.get(db, applicant_id=applicant_id)
    history = [service.read(db, a, principal=principal, full=True)
               for a in service.listing(db, applicant_id=applicant_id)]
    parties = service.party_of(principal, applicant)
    can_open = "applicant" in parties and not any(a.state not in rules.FINAL_STATES for a in history)
    return render(request, "evaluation/flow/applicant.html", principal, a=applicants.read(db, applicant),
                  applications=history, can_open=can_open and applicant.standing != "named",
                  can_re_evaluate=bool(parties & {"applicant", "province"}) and applicant.standing == "named"
                  and not any(a.state not in rules.FINAL_STATES for a in history),
                  can_edit=principal.can(Permission.WRITE_EVALUATION) and bool(parties),
                  revocation_rows=[revocations.read(db, r) for r in revocations.listing(db, applicant_id=applicant_id)],
                  **_names(), **flash(request))


def _people(text: str) -> list[Person]:
    """One person a line: 姓名 职务 角色 电话, separated by spaces or commas (the later ones optional)."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [p for p in re.split(r"[,，、\s]+", line.strip()) if p]
        if not parts:
            continue
        if len(parts) > 4:
            raise field_error("people", f"line {number}: at most four parts",
                              f"第 {number} 行最多填写姓名、职务、角色、电话四项")
        parts += [""] * (4 - len(parts))
        out.append(Person(name=parts[0], post=parts[1], role=parts[2], phone=parts[3]))
    return out


@router.post(PAGE + "/applicants/{applicant_id}/{what}")
async def edit_applicant(request: Request, applicant_id: RowId, what: str, db: DbSession, ctx: Context) -> Response:
    """创建实施方案 (``plan``), organisation (``organisation``) or a new application (``applications``)."""
    form = posted(await request.form(), ("plan_title", "plan_adopted_on", "plan_summary", "leading_group",
                                         "working_team", "contacts", "year", "round"))
    t = translator(request)
    here = f"{PAGE}/applicants/{applicant_id}"

    def act() -> str:
        principal = _principal(request, db)
        applicant = applicants.get(db, applicant_id=applicant_id, lock=True)
        if what == "plan":
            applicants.update_plan(db, applicant=applicant, principal=principal, data=PlanIn.model_validate(
                {"plan_title": form["plan_title"], "plan_adopted_on": form["plan_adopted_on"] or None,
                 "plan_summary": form["plan_summary"]}))
            return t.gettext("创建实施方案已保存")
        if what == "organisation":
            applicants.update_organisation(db, applicant=applicant, principal=principal, data=OrganisationIn(
                leading_group=_people(form["leading_group"]), working_team=_people(form["working_team"]),
                contacts=_people(form["contacts"])))
            return t.gettext("组织机构已保存")
        if what == "applications":
            round_ = "re_evaluation" if form["round"] == "re_evaluation" else "creation"
            if not form["year"].isdigit():
                raise field_error("year", "a year", "请填写申报年度")
            service.open_application(db, applicant=applicant, data=ApplicationCreate(year=int(form["year"])),
                                     principal=principal, now=ctx.clock.now(), round_=round_)
            return t.gettext("已开始自评") if round_ == "creation" else t.gettext("已启动复评")
        raise field_error("what", "unknown form", "未知的操作")

    return run_action(db, here, act, labels=LABELS, t=t)


@router.get(PAGE + "/applications/{application_id}", response_class=HTMLResponse)
def application_page(request: Request, application_id: RowId, db: DbSession, ctx: Context) -> Response:
    principal = _principal(request, db)
    application = service.get(db, application_id=application_id)
    applicant = service.applicant_of(db, application)
    read = service.read(db, application, principal=principal, full=True, now=ctx.clock.now())
    parties = service.party_of(principal, applicant)
    stage_party = {"city_review": "city", "province_review": "province"}.get(application.state)
    sheet = sheet_link.linked(db, application)
    return render(request, "evaluation/flow/application.html", principal, app=read, a=applicants.read(db, applicant),
                  sheet=sheet, sheet_state=SHEET_STATES[SheetState(sheet.state)] if sheet else "",
                  sheet_ready=sheet is not None and sheet.state in sheet_link.READY,
                  progress=[s for s in PROGRESS if applicant.kind != "city" or s != "city_review"],
                  can_opine=stage_party is not None and stage_party in parties,
                  can_handle="province" in parties, is_province="province" in parties,
                  window_open=application.state == "publicity"
                  and application.publicity_end is not None and ctx.clock.now() < application.publicity_end,
                  **_names(), **flash(request))


@router.post(PAGE + "/applications/{application_id}/{what}")
async def application_action(request: Request, application_id: RowId, what: str, db: DbSession,
                             ctx: Context) -> Response:
    """A step (``step``, the action in the form), or a member unit's opinion (``opinions``)."""
    form = posted(await request.form(), ("action", "note", "unit", "stance", "text"))
    t = translator(request)
    here = f"{PAGE}/applications/{application_id}"

    def act() -> str:
        principal = _principal(request, db)
        application = service.get(db, application_id=application_id, lock=True)
        if what == "step":
            data = StepIn.model_validate({"action": form["action"], "note": form["note"]})
            service.take_step(db, application=application, data=data, principal=principal, now=ctx.clock.now(),
                              publicity_days=ctx.settings.evaluation_publicity_days)
            return t.gettext("已办理：%(action)s", action=t.name(rules.ACTION_NAMES_ZH[data.action]))
        if what == "opinions":
            service.add_opinion(db, application=application, principal=principal, now=ctx.clock.now(),
                                data=OpinionIn.model_validate({k: form[k] for k in ("unit", "stance", "text")}))
            return t.gettext("已录入%(unit)s的意见", unit=form["unit"])
        raise field_error("what", "unknown form", "未知的操作")

    return run_action(db, here, act, labels=LABELS, t=t)


@router.post(PAGE + "/objections/{objection_id}/handle")
async def handle_objection(request: Request, objection_id: RowId, db: DbSession, ctx: Context) -> Response:
    form = posted(await request.form(), ("state", "note", "back"))
    t = translator(request)
    back_to = form["back"] if form["back"].startswith(PAGE + "/") else PAGE

    def act() -> str:
        principal = _principal(request, db, Permission.REVIEW_EVALUATION)
        publicity.handle(db, objection_id=objection_id, principal=principal, now=ctx.clock.now(),
                         data=ObjectionHandleIn.model_validate({"state": form["state"], "note": form["note"]}))
        return t.gettext("异议已处理")

    return run_action(db, back_to, act, labels=LABELS, t=t)


@router.post(PAGE + "/revocations/{revocation_id}/decide")
async def decide_revocation(request: Request, revocation_id: RowId, db: DbSession, ctx: Context) -> Response:
    form = posted(await request.form(), ("state", "note"))
    t = translator(request)

    def act() -> str:
        principal = _principal(request, db, Permission.REVIEW_EVALUATION)
        row = revocations.decide(db, revocation_id=revocation_id, principal=principal, now=ctx.clock.now(),
                                 data=RevocationDecideIn.model_validate({"state": form["state"], "note": form["note"]}))
        return t.gettext("已撤销命名") if row.state == "revoked" else t.gettext("已决定保留命名")

    return run_action(db, PAGE, act, labels=LABELS, t=t)


@router.get(PUBLIC, response_class=HTMLResponse)
def public_page(request: Request, db: DbSession, ctx: Context) -> Response:
    """公示 without a login: the 拟命名名单 with each window, and the form to lodge an objection."""
    entries = publicity.current(db, now=ctx.clock.now())
    return render(request, "evaluation/flow/publicity.html", None, entries=entries,
                  days=ctx.settings.evaluation_publicity_days, **_names(), **flash(request))


@router.post(PUBLIC + "/{application_id}")
async def lodge_objection(request: Request, application_id: RowId, db: DbSession, ctx: Context) -> Response:
    form = posted(await request.form(), ("text", "contact"))
    t = translator(request)

    def act() -> str:
        publicity.lodge(db, application_id=application_id, now=ctx.clock.now(),
                        data=ObjectionIn.model_validate(form))
        return t.gettext("您的异议已提交，省安委办将在公示期满前核查处理")

    return run_action(db, PUBLIC, act, labels=LABELS, t=t)
