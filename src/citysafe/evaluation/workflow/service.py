"""The creation workflow: an application moves by the plan's steps (rules.py), each step by its party, each
written to ``ev_step`` (and, like every change, to the audit log) in the same transaction.

A step out of order is a 409 naming the step and where the application stands; a step by the wrong party a
403 naming who takes it; either way nothing is saved (the unit of work rolls back). Member units' opinions are
recorded at 市级复核 and 省级评议; 公示 objections and revocations live in publicity.py and revocations.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NoReturn
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.auth.enums import Permission, Role
from citysafe.auth.schemas import Principal
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, Forbidden, field_error
from citysafe.core.validators import region_prefix
from citysafe.evaluation.models import Applicant
from citysafe.evaluation.workflow import rules, sheet_link
from citysafe.evaluation.workflow.models import Application, Objection, Opinion, Revocation, Step
from citysafe.evaluation.workflow.schemas import (
    ApplicationCreate,
    ApplicationRead,
    ObjectionRead,
    OpinionIn,
    OpinionRead,
    StepIn,
    StepRead,
)
from citysafe.regions import service as regions

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _state(state: str) -> str:
    return rules.STATE_NAMES_ZH.get(state, state)


def local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def party_of(principal: Principal, applicant: Applicant) -> set[str]:
    """The parties ``principal`` acts as for ``applicant`` (an office can be two: a city applying for itself)."""
    if not principal.can(Permission.REVIEW_EVALUATION):
        return set()
    parties = set()
    if principal.role in (Role.DISTRICT_OFFICE, Role.CITY_OFFICE) and principal.region_code == applicant.region_code:
        parties.add("applicant")
    if principal.role == Role.CITY_OFFICE and principal.region_code == applicant.city_code:
        parties.add("city")
    prefix = region_prefix(principal.region_code)
    if principal.role == Role.PROVINCE_OFFICE and applicant.region_code.startswith(prefix):
        parties.add("province")
    return parties


def _require_party(session: Session, principal: Principal, applicant: Applicant, party: str, what: str) -> None:
    if party not in party_of(principal, applicant):
        forbid(session, applicant, party, what)


def forbid(session: Session, applicant: Applicant, party: str, what: str) -> NoReturn:
    """The 403 naming the office that takes the step ``what``."""
    city = regions.cached_names(session).name(applicant.city_code) or applicant.city_code
    who = {"applicant": f"{applicant.name}安委办", "city": f"{city}安委办", "province": "省安委办"}[party]
    raise Forbidden(detail=f"{what}: only the {party} office takes this step",
                    detail_zh=f"“{what}”须由{who}办理，当前用户无权办理")


def get(session: Session, *, application_id: int, lock: bool = False) -> Application:
    if lock:
        row = session.scalars(select(Application).where(Application.id == application_id).with_for_update()).first()
        if row is not None:
            return row
    return get_or_404(session, Application, application_id, what="application", what_zh="申报")


def applicant_of(session: Session, application: Application) -> Applicant:
    return get_or_404(session, Applicant, application.applicant_id, what="applicant", what_zh="参评对象")


def listing(session: Session, *, applicant_id: int | None = None, state: str | None = None) -> list[Application]:
    stmt = select(Application).order_by(Application.year.desc(), Application.id.desc())
    if applicant_id is not None:
        stmt = stmt.where(Application.applicant_id == applicant_id)
    if state:
        stmt = stmt.where(Application.state == state)
    return list(session.scalars(stmt))


def open_application(session: Session, *, applicant: Applicant, data: ApplicationCreate, principal: Principal,
                     now: datetime, round_: str = "creation") -> Application:
    """自评 begins: a new creation round (or 复评 of a named applicant), by the applicant's own office; the
    province may open a 复评 too."""
    what = "开始自评" if round_ == "creation" else "启动复评"
    parties = party_of(principal, applicant)
    if "applicant" not in parties and not (round_ == "re_evaluation" and "province" in parties):
        _require_party(session, principal, applicant, "applicant", what)
    open_rows = session.scalar(select(func.count()).select_from(Application).where(
        Application.applicant_id == applicant.id, Application.state.not_in(rules.FINAL_STATES)))
    if open_rows:
        raise Conflict(detail="an application is open already",
                       detail_zh=f"{applicant.name}已有未办结的申报，不能再“{what}”")
    if round_ == "creation" and applicant.standing == "named":
        raise Conflict(detail="named already", detail_zh=f"{applicant.name}已获命名，应进行复评而非重新申报")
    if round_ == "re_evaluation":
        if applicant.standing != "named" or applicant.review_due is None:
            raise Conflict(detail="not named", detail_zh=f"{applicant.name}尚未获得命名，不能“{what}”")
        if data.year < applicant.review_due.year:
            raise Conflict(detail="too early",
                           detail_zh=f"{applicant.name}的复评应在 {applicant.review_due.year} 年进行")
    sheet = sheet_link.link_on_open(session, applicant=applicant, year=data.year, sheet_id=data.sheet_id,
                                    principal=principal, now=now)
    application = Application(applicant_id=applicant.id, round=round_, year=data.year, state="drafting",
                              sheet_id=sheet.id, region_code=applicant.region_code, created_by=principal.username)
    session.add(application)
    session.flush()
    _record(session, application, action="open", before="drafting", principal=principal, now=now,
            note=f"{rules.ROUND_NAMES_ZH[round_]}（{data.year}年）")
    return application


def _record(session: Session, application: Application, *, action: str, before: str, principal: Principal,
            now: datetime, note: str) -> Step:
    seq = (session.scalar(select(func.max(Step.seq)).where(Step.application_id == application.id)) or 0) + 1
    step = Step(application_id=application.id, seq=seq, action=action, from_state=before, to_state=application.state,
                actor=principal.username, actor_name=principal.display_name, role=str(principal.role), at=now,
                note=note, region_code=application.region_code)
    session.add(step)
    session.flush()
    return step


def allowed(principal: Principal, applicant: Applicant, application: Application, *, now: datetime | None = None,
            open_objections: int = 0) -> list[str]:
    """The actions ``principal`` may take on ``application`` now (the console shows only these): 审定 only once
    the 公示 window has closed (when ``now`` is given) and no objection is left open."""
    parties = party_of(principal, applicant)
    out = []
    for action in rules.available(application.state, application.round):
        party = rules.party_for_return(application.state) if action.code == "return" else action.party
        if party not in parties:
            continue
        if action.code == "approve" and (open_objections or (
                now is not None and (application.publicity_end is None or now < application.publicity_end))):
            continue
        out.append(action.code)
    return out


def take_step(session: Session, *, application: Application, data: StepIn, principal: Principal, now: datetime,
              publicity_days: int) -> Application:
    action = rules.ACTIONS[data.action]
    applicant = applicant_of(session, application)
    state = application.state
    if state not in action.sources or application.round not in action.rounds:
        raise Conflict(detail=f"{data.action} is not possible in state {state}",
                       detail_zh=f"申报当前处于“{_state(state)}”环节，不能办理“{action.name_zh}”")
    party = rules.party_for_return(state) if action.code == "return" else action.party
    _require_party(session, principal, applicant, party, action.name_zh)
    note = data.note.strip()
    if action.code in ("return", "fail") and not note:
        raise field_error("note", "say why", f"“{action.name_zh}”须填写理由")
    _apply(session, application, applicant, action.code, note=note, data=data, now=now, publicity_days=publicity_days)
    if action.code == "return":
        sheet_link.on_return(session, application=application, note=note, principal=principal, now=now)
    elif action.code == "name":
        sheet_link.on_name(session, application=application, principal=principal, now=now)
    application.state = rules.target_of(action, state=state, kind=applicant.kind)
    session.flush()
    _record(session, application, action=action.code, before=state, principal=principal, now=now, note=note)
    return application


def _apply(session: Session, application: Application, applicant: Applicant, code: str, *, note: str, data: StepIn,
           now: datetime, publicity_days: int) -> None:
    """What each step changes besides the state."""
    today = local_day(now)
    if code == "apply":
        sheet_link.require_for_apply(session, application=application, applicant=applicant, sheet_id=data.sheet_id)
        application.apply_note = note
        if applicant.standing != "named":
            applicant.standing = "applying"
    elif code == "recommend":
        if today > date(application.year, 12, 31):
            raise Conflict(detail="the recommendation is due by 31 December of the application's year",
                           detail_zh=f"“推荐”须在申报年度（{application.year}年）12月31日前完成，已逾期")
        application.recommendation, application.recommended_on = note, today
    elif code == "propose":
        application.review_note = note
        application.publicity_start = now
        application.publicity_end = now + timedelta(days=publicity_days)
    elif code == "approve":
        if application.publicity_end is None or now < application.publicity_end:
            end = application.publicity_end.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") \
                if application.publicity_end else "—"
            raise Conflict(detail="the publicity window is still open",
                           detail_zh=f"公示期至 {end} 结束，届满后方可办理“省安委会审定”")
        pending = session.scalar(select(func.count()).select_from(Objection).where(
            Objection.application_id == application.id, Objection.state == "open"))
        if pending:
            raise Conflict(detail=f"{pending} objections are not handled",
                           detail_zh=f"尚有 {pending} 条公示异议未处理，处理后方可办理“省安委会审定”")
        application.decision, application.decided_on = note, today
    elif code == "name":
        applicant.standing, applicant.named_on = "named", today
        applicant.review_due = rules.review_due(today)
    elif code == "pass":
        application.decision, application.decided_on = note, today
        applicant.review_due = rules.review_due(today)
    elif code == "fail":
        application.decision, application.decided_on = note, today
        session.add(Revocation(applicant_id=applicant.id, reason="failed_re_evaluation", application_id=application.id,
                               detail=note, region_code=applicant.region_code, proposed_by="system"))
    elif code == "return" and applicant.standing == "applying":
        applicant.standing = "preparing"


def add_opinion(session: Session, *, application: Application, data: OpinionIn, principal: Principal,
                now: datetime) -> Opinion:
    """A member unit's opinion, recorded by the reviewing office at 市级复核 or 省级评议."""
    applicant = applicant_of(session, application)
    stage = application.state
    if stage not in ("city_review", "province_review"):
        raise Conflict(detail="opinions are taken at the reviews",
                       detail_zh=f"申报当前处于“{_state(stage)}”环节，只有市级复核和省级评议时才能录入成员单位意见")
    _require_party(session, principal, applicant, "city" if stage == "city_review" else "province", "录入成员单位意见")
    opinion = Opinion(application_id=application.id, stage=stage, unit=data.unit.strip(), stance=data.stance,
                      text=data.text.strip(), by=principal.username, at=now, region_code=application.region_code)
    session.add(opinion)
    session.flush()
    return opinion


def read(session: Session, application: Application, *, principal: Principal | None = None,
         full: bool = False, now: datetime | None = None) -> ApplicationRead:
    applicant = applicant_of(session, application)
    pending = session.scalar(select(func.count()).select_from(Objection).where(
        Objection.application_id == application.id, Objection.state == "open")) \
        if application.state == "publicity" else 0
    out = ApplicationRead.model_validate(application).model_copy(update={
        "applicant_name": applicant.name, "round_name": rules.ROUND_NAMES_ZH.get(application.round, application.round),
        "state_name": rules.STATE_NAMES_ZH.get(application.state, application.state),
        "allowed": allowed(principal, applicant, application, now=now, open_objections=pending or 0)
        if principal else []})
    if full:
        names = rules.ACTION_NAMES_ZH
        steps = session.scalars(select(Step).where(Step.application_id == application.id).order_by(Step.seq))
        opinions = session.scalars(select(Opinion).where(Opinion.application_id == application.id).order_by(Opinion.id))
        objections = session.scalars(select(Objection).where(Objection.application_id == application.id)
                                     .order_by(Objection.id))
        out.steps = [StepRead.model_validate(s).model_copy(update={"action_name": names.get(s.action, s.action)})
                     for s in steps]
        out.opinions = [OpinionRead.model_validate(o).model_copy(
            update={"stance_name": rules.STANCE_NAMES_ZH[o.stance]}) for o in opinions]
        out.objections = [ObjectionRead.model_validate(o).model_copy(
            update={"state_name": rules.OBJECTION_STATE_NAMES_ZH[o.state]}) for o in objections]
    return out

