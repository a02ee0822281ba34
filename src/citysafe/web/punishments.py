"""Console pages of the joint-punishment list (联合惩戒) under 监督考核: the list with filters and paging, putting
a unit on it (the unit by its name and unified social credit code, the measures, the period), revoking an entry
with a reason, and a unit's standing (信用与惩戒状况), which every unit's name on these pages links to. They call
the same service as the API (hazards/enforcement/views.py)."""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from citysafe.auth.deps import Context, DbSession
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import format_local
from citysafe.core.context import AppContext
from citysafe.core.errors import CitysafeError, field_error
from citysafe.core.pagination import PageParams
from citysafe.hazards.calc.judging import end_of_local_day
from citysafe.hazards.enforcement import service as enforcement
from citysafe.hazards.enforcement.schemas import PunishmentCreate
from citysafe.hazards.schemas import region_query
from citysafe.orgs import service as orgs_service
from citysafe.regions import service as regions_service
from citysafe.web.common import page_principal, render, safe_next
from citysafe.web.enforcement import (
    STATUS_NAMES_ZH,
    can_enforce,
    enforcer,
    find_unit,
    local_day,
    unit_choices,
    unit_label,
)
from citysafe.web.forms import back, posted, run_action
from citysafe.web.messages import first_field, form_message

router = APIRouter(include_in_schema=False)

LABELS = MappingProxyType({
    "unit": "失信单位", "organization_id": "失信单位", "reason": "惩戒事由", "basis": "惩戒依据",
    "measures": "惩戒措施", "decided_by": "决定机关", "starts_at": "惩戒开始日期", "ends_at": "惩戒截止日期",
    "record_id": "关联执法记录", "region": "区划"})
FIELDS = ("unit", "record_id", "reason", "basis", "measures", "other_measures", "decided_by", "starts_at", "ends_at")
# The measures the joint-punishment memoranda (联合惩戒备忘录) name most often; others are typed one a line.
COMMON_MEASURES = ("限制参与政府采购", "限制参与工程建设项目招标投标", "限制融资授信", "限制取得政府补贴性资金",
                   "限制参加评优评先", "列为重点监管对象，提高检查频次", "限制高消费")
STATES = MappingProxyType({"active": "惩戒中", "ended": "已撤销或到期"})


@router.get("/supervision/punishments", response_class=HTMLResponse)
def punishments_page(request: Request, db: DbSession, ctx: Context, state: str = "", region: str = "",
                     unit: str = "", page: int = 1) -> Response:
    principal = page_principal(request, db)
    now = ctx.clock.now()
    error = request.query_params.get("error", "")
    params = PageParams.clamped(page, 20)
    try:
        org_id = find_unit(db, unit, "unit") if unit else None
        found = enforcement.list_punishments(db, params=params, now=now, region=region_query(region),
                                             active={"active": True, "ended": False}.get(state), organization_id=org_id)
    except CitysafeError as exc:
        error, found = form_message(exc, LABELS), ([], 0)
    rows, total = found
    query = urlencode({k: v for k, v in (("state", state), ("region", region), ("unit", unit)) if v})
    return render(request, "supervision/punishments.html", principal, total=total, page=params.page,
                  pages=params.pages(total), state=state, region=region, unit=unit, states=STATES,
                  items=[enforcement.punishment_read(p, now) for p in rows], local=format_local,
                  paging_query=query, units=unit_choices(db), can_enforce=can_enforce(principal),
                  region_choices=regions_service.children(db, code=principal.region_code), error=error,
                  ok=request.query_params.get("ok", ""))


def _form(request: Request, db: Session, ctx: AppContext, principal: Principal, values: dict[str, str], *,
          error: str = "", field: str = "", chosen: list[str] | None = None) -> HTMLResponse:
    record = None
    if values.get("record_id", "").isdigit():
        record = enforcement.record_reads(db, [enforcement.get_record(db, record_id=int(values["record_id"]))],
                                          ctx.clock.now())[0]
    response = render(request, "supervision/punishment_new.html", principal, values=values, error=error,
                      field=field, units=unit_choices(db), common_measures=COMMON_MEASURES, chosen=chosen or [],
                      record=record, local=format_local, can_enforce=True)
    if error:
        response.status_code = 422
    return response


@router.get("/supervision/punishments/new", response_class=HTMLResponse)
def punishment_new_page(request: Request, db: DbSession, ctx: Context, organization_id: str = "",
                        record_id: str = "") -> Response:
    principal = enforcer(page_principal(request, db))
    today = ctx.clock.now()
    values = {"record_id": record_id if record_id.isdigit() else "", "decided_by": "",
              "starts_at": format_local(today)[:10], "ends_at": format_local(today + timedelta(days=364))[:10]}
    if organization_id.isdigit():
        org = orgs_service.get(db, org_id=int(organization_id))
        values["unit"] = unit_label(org.name, org.uscc)
    return _form(request, db, ctx, principal, values)


@router.post("/supervision/punishments/new")
async def punishment_new_submit(request: Request, db: DbSession, ctx: Context) -> Response:
    principal = enforcer(page_principal(request, db))
    form = await request.form()
    values = posted(form, FIELDS)
    chosen = [str(m) for m in form.getlist("measures") if str(m) in COMMON_MEASURES]
    measures = chosen + [line.strip() for line in values["other_measures"].splitlines() if line.strip()]
    try:
        if not values["unit"]:
            raise field_error("unit", "name the unit", "请填写失信单位的名称或统一社会信用代码")
        if not measures:
            raise field_error("measures", "choose a measure", "请至少选择或填写一项惩戒措施")
        starts = local_day(values["starts_at"], "starts_at", ctx)
        ends_day = local_day(values["ends_at"], "ends_at", ctx)
        if starts and ends_day and ends_day < starts:
            raise field_error("ends_at", "ends before it starts", "截止日期不能早于开始日期")
        entry = enforcement.create_punishment(db, principal=principal, punishment_in=PunishmentCreate.model_validate({
            "organization_id": find_unit(db, values["unit"], "unit"), "reason": values["reason"],
            "basis": values["basis"], "measures": measures, "decided_by": values["decided_by"],
            "starts_at": starts or "", "record_id": int(values["record_id"]) if values["record_id"] else None,
            # The period includes its last day, to its last second in the city's zone.
            "ends_at": end_of_local_day(ends_day.date(), ctx.settings.timezone) if ends_day else ""}))
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _form(request, db, ctx, principal, values, error=form_message(exc, LABELS), field=first_field(exc),
                     chosen=chosen)
    return back(f"/supervision/units/{entry.organization_id}",
                ok=f"已将{entry.organization_name}列入联合惩戒名单，至 {format_local(entry.ends_at)[:10]}")


@router.post("/supervision/punishments/{punishment_id}/revoke")
async def revoke_submit(request: Request, punishment_id: RowId, db: DbSession, ctx: Context) -> Response:
    form = await request.form()
    values = posted(form, ("reason", "confirm", "next"))
    path = safe_next(values["next"] or "/supervision/punishments")

    def revoke() -> str:
        enforcer(page_principal(request, db))
        if not values["reason"]:
            raise field_error("reason", "give the reason", "请填写撤销理由")
        if not values["confirm"]:
            raise field_error("confirm", "confirm the revocation", "请勾选确认后再撤销")
        entry = enforcement.revoke_punishment(db, entry=enforcement.get_punishment(db, punishment_id=punishment_id),
                                              reason=values["reason"], now=ctx.clock.now())
        return f"已撤销{entry.organization_name}的联合惩戒"

    return run_action(db, path, revoke, labels={"reason": "撤销理由", "confirm": "确认撤销"})


@router.get("/supervision/units/{org_id}", response_class=HTMLResponse)
def standing_page(request: Request, org_id: RowId, db: DbSession, ctx: Context) -> Response:
    principal = page_principal(request, db)
    now = ctx.clock.now()
    org = orgs_service.get(db, org_id=org_id)
    listed, _ = enforcement.list_punishments(db, params=PageParams(size=50), now=now, organization_id=org_id)
    records, records_total = enforcement.list_records(db, params=PageParams(size=10), organization_id=org_id)
    return render(request, "supervision/standing.html", principal, org=org, local=format_local,
                  s=enforcement.standing(db, org_id=org_id, now=now), records_total=records_total,
                  punishments=[enforcement.punishment_read(p, now) for p in listed], status_names=STATUS_NAMES_ZH,
                  records=enforcement.record_reads(db, records, now), can_enforce=can_enforce(principal),
                  here=request.url.path, error=request.query_params.get("error", ""),
                  ok=request.query_params.get("ok", ""))
