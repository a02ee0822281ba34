"""Console pages of dangerous-work permits (特殊作业票): apply (the grade read from the measured height or mass,
shown live), a permit with its approvals, gas tests and conflicts, and a form for every action the API offers
(approve, reject, gas test, start, close, cancel). The pages call the same service as the API."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import Permission, Role
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import format_local
from citysafe.core.context import AppContext
from citysafe.core.errors import CitysafeError, Forbidden, field_error
from citysafe.core.pagination import PageParams
from citysafe.hazards import rules
from citysafe.hazards.calc.permits import PermitAction, PermitState
from citysafe.hazards.permits import service as permits
from citysafe.hazards.permits.schemas import GasTestIn, PermitActionIn, PermitCreate
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.web.common import page_principal, render
from citysafe.web.forms import back
from citysafe.web.i18n import N_, Translator, translator
from citysafe.web.messages import form_message

router = APIRouter(include_in_schema=False)

FIELD_LABELS = MappingProxyType({
    "work_type": N_("作业类型"), "grade": N_("作业级别"), "height_m": N_("作业高度"), "lifted_mass_t": N_("吊物质量"),
    "organization_id": N_("作业单位"), "area": N_("作业地点"), "content": N_("作业内容"),
    "safety_measures": N_("安全措施"),
    "work_leader": N_("作业负责人"), "guardian": N_("监护人"), "workers": N_("作业人员"), "valid_from": N_("开始时间"),
    "valid_to": N_("结束时间"), "oxygen_pct": N_("氧含量"), "combustible_pct_lel": N_("可燃气体浓度"),
    "h2s_mg_m3": N_("硫化氢"),
    "co_mg_m3": N_("一氧化碳"), "tester_name": N_("分析人"), "sampled_at": N_("采样时间"), "point": N_("采样点"),
})
# What each action is called on its button and in the message after it, and which states offer it.
ACTION_NAMES_ZH = MappingProxyType({
    PermitAction.APPROVE: N_("签批同意"), PermitAction.REJECT: N_("驳回"), PermitAction.START: N_("开始作业"),
    PermitAction.CLOSE: N_("关闭作业票（完工验收）"), PermitAction.CANCEL: N_("取消作业票")})
APPLY_FIELDS = ("work_type", "grade", "height_m", "lifted_mass_t", "organization_id", "area", "lon", "lat",
                "content", "safety_measures", "work_leader", "guardian", "workers", "valid_from", "valid_to")


def _message(error: CitysafeError | ValidationError, t: Translator) -> str:
    return form_message(error, FIELD_LABELS, t)


def _worker(principal: Principal) -> Principal:
    if not principal.can(Permission.WORK_PERMITS):
        raise Forbidden(detail="only the working unit handles its permits", detail_zh="只有作业单位人员可以办理作业票")
    return principal


def _local_moment(value: str, field: str, ctx: AppContext) -> datetime | str:
    """A datetime-local input carries wall time in the city's zone; an empty one is left for validation to name."""
    if not value:
        return value
    try:
        return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(ctx.settings.timezone))
    except ValueError as exc:
        raise field_error(field, "must be a date and time", "日期时间格式不正确") from exc


def _number(values: dict[str, str], name: str) -> float | None:
    if not values[name]:
        return None
    try:
        return float(values[name])
    except ValueError as exc:
        raise field_error(name, "must be a number", "须填写数字") from exc


def _apply_form(request: Request, db: DbSession, ctx: AppContext, principal: Principal, *, error: str = "",
                field: str = "", values: dict[str, str] | None = None) -> HTMLResponse:
    units = ([] if principal.role == Role.ENTERPRISE else
             orgs_service.list_organizations(db, filters=OrganizationFilter(), params=PageParams(size=200))[0])
    permit_rules = rules.permit_rules(ctx.settings)
    response = render(request, "hazards/permit_new.html", principal, error=error, field=field, values=values or {},
                      units=units, types=permit_rules.types, rules_data=permit_rules.as_dict())
    if error:
        response.status_code = 422
    return response


@router.get("/hazards/permits/new", response_class=HTMLResponse)
def apply_page(request: Request, db: DbSession, ctx: Context) -> Response:
    return _apply_form(request, db, ctx, _worker(page_principal(request, db)))


@router.post("/hazards/permits/new")
async def apply_submit(request: Request, db: DbSession, ctx: Context) -> Response:
    principal = _worker(page_principal(request, db))
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in APPLY_FIELDS}
    try:
        lon, lat = _number(values, "lon"), _number(values, "lat")
        location = {"lon": lon, "lat": lat} if lon is not None and lat is not None else None
        permit_in = PermitCreate.model_validate({
            "work_type": values["work_type"], "grade": values["grade"] or None,
            "height_m": _number(values, "height_m"), "lifted_mass_t": _number(values, "lifted_mass_t"),
            "organization_id": int(values["organization_id"]) if values["organization_id"] else None,
            "area": values["area"], "location": location, "content": values["content"],
            "safety_measures": values["safety_measures"], "work_leader": values["work_leader"],
            "guardian": values["guardian"], "workers": values["workers"],
            "valid_from": _local_moment(values["valid_from"], "valid_from", ctx),
            "valid_to": _local_moment(values["valid_to"], "valid_to", ctx)})
        permit = permits.apply(db, permit_in=permit_in, principal=principal, settings=ctx.settings,
                               now=ctx.clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _apply_form(request, db, ctx, principal, error=_message(exc, translator(request)),
                           field=_field_of(exc), values=values)
    t = translator(request)
    return back(f"/hazards/permits/{permit.id}", ok=t.gettext("作业票 %(number)s 已提交，待%(approver)s签批",
                                                              number=permit.number,
                                                              approver=t.name(permit.approval_chain[0])))


def _field_of(error: CitysafeError | ValidationError) -> str:
    if isinstance(error, ValidationError):
        errors = error.errors()
        return str(errors[0]["loc"][0]) if errors and errors[0]["loc"] else ""
    return error.fields[0].field if error.fields else ""


def _allowed(state: PermitState, gas_required: bool) -> list[str]:
    """The forms a permit worker sees, the one most likely next first (it opens by itself)."""
    offered = {PermitState.PENDING: ["approve", "reject", "gas_test", "cancel"],
               PermitState.APPROVED: ["gas_test", "start", "close", "cancel"],
               PermitState.ACTIVE: ["gas_test", "close"]}.get(state, [])
    return [a for a in offered if a != "gas_test" or gas_required]


@router.get("/hazards/permits/{permit_id}", response_class=HTMLResponse)
def permit_page(request: Request, permit_id: RowId, db: DbSession, ctx: Context) -> Response:
    principal = page_principal(request, db)
    now = ctx.clock.now()
    stored = permits.get(db, permit_id=permit_id)
    permit = permits.permit_reads(db, [stored], ctx.settings, now)[0]
    actions = _allowed(permit.state, permit.gas_test_required) if principal.can(Permission.WORK_PERMITS) else []
    if stored.applicant_id == principal.user_id:  # GB 30871: nobody signs their own application
        actions = [a for a in actions if a not in ("approve", "reject")]
    permit_rules = rules.permit_rules(ctx.settings)
    return render(request, "hazards/permit.html", principal, p=permit, actions=actions,
                  action_names=translator(request).names(ACTION_NAMES_ZH),
                  gas=permit_rules.gas, local=format_local, now_local=format_local(now)[:16],
                  type_names={code: t.name_zh for code, t in permit_rules.types.items()},
                  ok=request.query_params.get("ok", ""), error=request.query_params.get("error", ""))


@router.post("/hazards/permits/{permit_id}/act")
def permit_act(request: Request, permit_id: RowId, db: DbSession, ctx: Context, action: Annotated[str, Form()],
               note: Annotated[str, Form()] = "") -> Response:
    path = f"/hazards/permits/{permit_id}"
    try:
        principal = _worker(page_principal(request, db))
        permit = permits.get(db, permit_id=permit_id)
        permits.act(db, permit=permit, action_in=PermitActionIn.model_validate({"action": action, "note": note}),
                    principal=principal, settings=ctx.settings, now=ctx.clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return back(path, error=_message(exc, translator(request)))
    t = translator(request)
    return back(path, ok=t.gettext("已%(action)s", action=t.name(ACTION_NAMES_ZH.get(PermitAction(action), action))))


@router.post("/hazards/permits/{permit_id}/gas-tests")
async def permit_gas_test(request: Request, permit_id: RowId, db: DbSession, ctx: Context) -> Response:
    path = f"/hazards/permits/{permit_id}"
    form = await request.form()
    raw: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in (
        "sampled_at", "point", "oxygen_pct", "combustible_pct_lel", "h2s_mg_m3", "co_mg_m3", "tester_name", "note")}
    try:
        principal = _worker(page_principal(request, db))
        raw["sampled_at"] = _local_moment(raw["sampled_at"], "sampled_at", ctx) or None
        test_in = GasTestIn.model_validate({k: (v if v != "" else None) if k not in ("point", "tester_name", "note")
                                            else v for k, v in raw.items()})
        test = permits.add_gas_test(db, permit=permits.get(db, permit_id=permit_id), test_in=test_in,
                                    principal=principal, settings=ctx.settings, now=ctx.clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return back(path, error=_message(exc, translator(request)))
    t = translator(request)
    if test.passed:
        return back(path, ok=t.gettext("气体分析合格，已记录"))
    return back(path, error=t.gettext("气体分析不合格，已记录：%(problems)s",
                                      problems=t.gettext("；").join(t.name(p) for p in test.problems)))
