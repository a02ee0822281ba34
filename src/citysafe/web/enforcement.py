"""Console pages of enforcement (执法检查、打非治违) under 监督考核: the records with filters and paging, a new record,
a record with its penalties (add one, its amount in yuan, the article it is imposed under) and its closing.
Joint punishment and a unit's standing are in web/punishments.py. Both call the same service as the API
(hazards/enforcement/views.py); the old address /hazards/enforcement sends the browser here."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import format_local
from citysafe.core.context import AppContext
from citysafe.core.errors import CitysafeError, Forbidden, field_error
from citysafe.core.pagination import PageParams
from citysafe.hazards.enforcement import service as enforcement
from citysafe.hazards.enforcement.schemas import EnforcementCreate, PenaltyCreate
from citysafe.hazards.enums import ENFORCEMENT_KIND_NAMES_ZH, PENALTY_NAMES_ZH
from citysafe.hazards.schemas import region_query
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.regions import service as regions_service
from citysafe.web.common import page_principal, render
from citysafe.web.forms import back, posted, run_action
from citysafe.web.messages import first_field, form_message

router = APIRouter(include_in_schema=False)

RECORD_LABELS = MappingProxyType({
    "kind": "检查类型", "unit": "被检查单位", "organization_id": "被检查单位", "target_name": "未登记对象名称",
    "region_code": "所在区划", "sector": "行业领域", "department": "执法部门", "inspected_at": "检查时间",
    "inspectors": "执法人员", "address": "检查地点", "findings": "检查情况", "violations": "违法行为",
    "basis": "法律依据", "measures": "处理措施", "since": "检查日期起", "until": "检查日期止", "q": "单位名称",
    "ticket_ids": "关联隐患"})
PENALTY_LABELS = MappingProxyType({
    "kind": "处罚种类", "amount": "金额（元）", "decision_no": "处罚决定书文号", "basis": "处罚依据",
    "decided_at": "决定日期", "note": "说明"})
RECORD_FIELDS = ("kind", "unit", "target_name", "region_code", "sector", "department", "inspected_at", "inspectors",
                 "address", "findings", "violations", "basis", "measures", "tickets")
PENALTY_FIELDS = ("kind", "amount", "decision_no", "basis", "decided_at", "executed", "note")
STATUS_NAMES_ZH = MappingProxyType({"open": "办理中", "closed": "已结案"})
# Penalties that are sums of money: the form asks for the amount in yuan (元) for these.
MONEY_PENALTIES = frozenset({"fine", "confiscation"})
# 统一社会信用代码 (GB 32100): 18 characters, in a unit's label "名称（代码）" or typed alone.
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
_YUAN = re.compile(r"\d+(\.\d{1,2})?")
# A hazard ticket as its page numbers it (YH00000012) or by its bare number, several apart by commas or spaces.
_TICKET = re.compile(r"(?:YH)?0*(\d+)")


def can_enforce(principal: Principal) -> bool:
    return principal.can(Permission.ENFORCE)


def enforcer(principal: Principal) -> Principal:
    if not can_enforce(principal):
        raise Forbidden(detail="only enforcement officers record enforcement", detail_zh="只有执法人员可以办理执法事项")
    return principal


def unit_label(name: str, uscc: str | None) -> str:
    """How a unit is named in a form: 名称（统一社会信用代码）, the code telling apart units of like names."""
    return f"{name}（{uscc}）" if uscc else name


def unit_choices(db: Session) -> list[str]:
    units, _ = orgs_service.list_organizations(db, filters=OrganizationFilter(), params=PageParams(size=200))
    return [unit_label(u.name, u.uscc) for u in units]


def find_unit(db: Session, text: str, field: str) -> int:
    """The organisation a form names by its credit code (alone or in its label) or by its exact name."""
    code = _USCC.search(text.upper())
    filters = OrganizationFilter(uscc=code.group(0)) if code else OrganizationFilter(q=text)
    found, _ = orgs_service.list_organizations(db, filters=filters, params=PageParams(size=50))
    matching = [u for u in found if code or u.name == text]
    if len(matching) != 1:
        said = ("有多个同名单位，请填写统一社会信用代码" if matching
                else "未找到该单位，请从候选列表中选择或填写统一社会信用代码")
        raise field_error(field, "no single unit of that name or code", said)
    return matching[0].id


def local_day(value: str, field: str, ctx: AppContext, *, days_after: int = 0) -> datetime | None:
    """The start of a date input's day (plus ``days_after``) in the city's zone; None when left empty."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise field_error(field, "not a date", "日期格式不正确") from exc
    return datetime.combine(day + timedelta(days=days_after), time(), tzinfo=ZoneInfo(ctx.settings.timezone))


def _local_moment(value: str, ctx: AppContext) -> datetime | str:
    if not value:
        return value  # left for validation to name as missing
    try:
        return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(ctx.settings.timezone))
    except ValueError as exc:
        raise field_error("inspected_at", "not a date and time", "日期时间格式不正确") from exc


def _tickets(value: str) -> list[int]:
    ids = set()
    for part in (p for p in re.split(r"[\s,，、;；]+", value.upper()) if p):
        found = _TICKET.fullmatch(part)
        if not found:
            raise field_error("ticket_ids", "not a ticket number", f"隐患编号 {part} 格式不正确，应如 YH00000012")
        ids.add(int(found.group(1)))
    return sorted(ids)


def _yuan(value: str, kind: str) -> Decimal | None:
    """An amount typed in yuan: "5000", "5,000.00" or "5000元"; words ("五千") are refused with an example."""
    plain = value.replace(",", "").replace("，", "").removesuffix("元").strip()
    if not plain:
        if kind in MONEY_PENALTIES:
            raise field_error("amount", "a fine or confiscation needs its amount", "罚款、没收须填写金额（元）")
        return None
    if not _YUAN.fullmatch(plain):
        raise field_error("amount", "not an amount in yuan", "请用阿拉伯数字填写金额（元），如 5000 或 5000.00")
    try:
        return Decimal(plain)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only decimals
        raise field_error("amount", "not an amount in yuan", "金额格式不正确") from exc


@router.get("/supervision")
def supervision_home() -> RedirectResponse:
    return RedirectResponse("/supervision/enforcement", status_code=303)


@router.get("/hazards/enforcement")
def old_enforcement_address(request: Request) -> RedirectResponse:
    # The list lived under 隐患排查 before it had forms; bookmarks of it still arrive.
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/supervision/enforcement{query}", status_code=301)


@router.get("/supervision/enforcement", response_class=HTMLResponse)
def records_page(request: Request, db: DbSession, ctx: Context, q: str = "", region: str = "", status: str = "",
                 kind: str = "", since: str = "", until: str = "", organization_id: str = "",
                 page: int = 1) -> Response:
    principal = page_principal(request, db)
    shown = {"q": q, "region": region, "status": status if status in STATUS_NAMES_ZH else "",
             "kind": kind if kind in ENFORCEMENT_KIND_NAMES_ZH else "", "since": since, "until": until,
             "organization_id": organization_id if organization_id.isdigit() else ""}
    error = request.query_params.get("error", "")
    try:
        filters: dict[str, Any] = {
            "q": q or None, "region": region_query(region), "status": shown["status"] or None,
            "kind": shown["kind"] or None, "since": local_day(since, "since", ctx),
            "until": local_day(until, "until", ctx, days_after=1),
            "organization_id": int(shown["organization_id"]) if shown["organization_id"] else None}
    except CitysafeError as exc:
        filters, error = {}, form_message(exc, RECORD_LABELS)
    params = PageParams.clamped(page, 20)
    rows, total = enforcement.list_records(db, params=params, **filters)
    now = ctx.clock.now()
    return render(request, "supervision/records.html", principal, records=enforcement.record_reads(db, rows, now),
                  total=total, page=params.page, pages=params.pages(total), f=shown,
                  paging_query=urlencode({k: v for k, v in shown.items() if v}), status_names=STATUS_NAMES_ZH,
                  kind_names=ENFORCEMENT_KIND_NAMES_ZH, can_enforce=can_enforce(principal), local=format_local,
                  region_choices=regions_service.children(db, code=principal.region_code), error=error,
                  ok=request.query_params.get("ok", ""))


def _record_form(request: Request, db: Session, ctx: AppContext, principal: Principal, *, error: str = "",
                 field: str = "", values: dict[str, str] | None = None) -> HTMLResponse:
    defaults = {"kind": "inspection", "inspected_at": format_local(ctx.clock.now())[:16].replace(" ", "T"),
                "inspectors": principal.display_name}
    response = render(request, "supervision/record_new.html", principal, error=error, field=field,
                      values=values or defaults, units=unit_choices(db), kind_names=ENFORCEMENT_KIND_NAMES_ZH,
                      can_enforce=True,
                      region_choices=regions_service.children(db, code=principal.region_code))
    if error:
        response.status_code = 422
    return response


@router.get("/supervision/enforcement/new", response_class=HTMLResponse)
def record_new_page(request: Request, db: DbSession, ctx: Context, organization_id: str = "") -> Response:
    principal = enforcer(page_principal(request, db))
    values = None
    if organization_id.isdigit():
        org = orgs_service.get(db, org_id=int(organization_id))
        values = {"kind": "inspection", "unit": unit_label(org.name, org.uscc), "address": org.address,
                  "sector": org.sector, "inspected_at": format_local(ctx.clock.now())[:16].replace(" ", "T"),
                  "inspectors": principal.display_name}
    return _record_form(request, db, ctx, principal, values=values)


@router.post("/supervision/enforcement/new")
async def record_new_submit(request: Request, db: DbSession, ctx: Context) -> Response:
    principal = enforcer(page_principal(request, db))
    values = posted(await request.form(), RECORD_FIELDS)
    try:
        if not values["unit"] and not values["target_name"]:
            raise field_error("unit", "name the unit inspected", "请填写被检查单位，未登记的对象填写其名称")
        record_in = EnforcementCreate.model_validate({
            "kind": values["kind"], "target_name": values["target_name"],
            "organization_id": find_unit(db, values["unit"], "unit") if values["unit"] else None,
            "region_code": values["region_code"] or None, "sector": values["sector"],
            "department": values["department"], "inspected_at": _local_moment(values["inspected_at"], ctx),
            "inspectors": values["inspectors"], "address": values["address"], "findings": values["findings"],
            "violations": values["violations"], "basis": values["basis"],
            "measures": [line.strip() for line in values["measures"].splitlines() if line.strip()],
            "ticket_ids": _tickets(values["tickets"])})
        record = enforcement.create_record(db, record_in=record_in, principal=principal)
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _record_form(request, db, ctx, principal, error=form_message(exc, RECORD_LABELS),
                            field=first_field(exc), values=values)
    return back(f"/supervision/enforcement/{record.id}", ok=f"执法记录 {record.number} 已登记")


def _record_page(request: Request, db: Session, ctx: AppContext, principal: Principal, record_id: int, *,
                 error: str = "", field: str = "", penalty: dict[str, str] | None = None) -> HTMLResponse:
    now = ctx.clock.now()
    record = enforcement.record_reads(db, [enforcement.get_record(db, record_id=record_id)], now)[0]
    org = orgs_service.get(db, org_id=record.organization.id) if record.organization else None
    listed = (enforcement.list_punishments(db, params=PageParams(size=20), now=now, organization_id=org.id)[0]
              if org else [])
    response = render(
        request, "supervision/record.html", principal, r=record, org=org, local=format_local,
        punishments=[enforcement.punishment_read(p, now) for p in listed], status_names=STATUS_NAMES_ZH,
        penalty_names=PENALTY_NAMES_ZH, money_penalties=MONEY_PENALTIES, can_enforce=can_enforce(principal),
        penalty=penalty or {"kind": "fine", "decided_at": format_local(now)[:10]}, field=field,
        error=error or request.query_params.get("error", ""), ok=request.query_params.get("ok", ""))
    if error:
        response.status_code = 422
    return response


@router.get("/supervision/enforcement/{record_id}", response_class=HTMLResponse)
def record_page(request: Request, record_id: RowId, db: DbSession, ctx: Context) -> Response:
    return _record_page(request, db, ctx, page_principal(request, db), record_id)


@router.post("/supervision/enforcement/{record_id}/penalties")
async def penalty_submit(request: Request, record_id: RowId, db: DbSession, ctx: Context) -> Response:
    principal = enforcer(page_principal(request, db))
    values = posted(await request.form(), PENALTY_FIELDS)
    try:
        record = enforcement.get_record(db, record_id=record_id)
        penalty_in = PenaltyCreate.model_validate({
            "kind": values["kind"], "amount": _yuan(values["amount"], values["kind"]),
            "decision_no": values["decision_no"], "basis": values["basis"],
            "decided_at": local_day(values["decided_at"], "decided_at", ctx) or "",
            "executed": bool(values["executed"]), "note": values["note"]})
        enforcement.add_penalty(db, record=record, penalty_in=penalty_in)
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        # The record comes back with the penalty form as typed and the refused field marked.
        return _record_page(request, db, ctx, principal, record_id, error=form_message(exc, PENALTY_LABELS),
                            field=first_field(exc), penalty=values)
    name = PENALTY_NAMES_ZH.get(penalty_in.kind, penalty_in.kind)
    amount = f" {penalty_in.amount:,.2f} 元" if penalty_in.amount is not None else ""
    return back(f"/supervision/enforcement/{record_id}", ok=f"已追加处罚：{name}{amount}")


@router.post("/supervision/enforcement/{record_id}/close")
async def close_submit(request: Request, record_id: RowId, db: DbSession) -> Response:
    form = await request.form()

    def close() -> str:
        enforcer(page_principal(request, db))
        if not form.get("confirm"):
            raise field_error("confirm", "confirm the closing", "请勾选确认后再结案")
        record = enforcement.close_record(db, record=enforcement.get_record(db, record_id=record_id))
        return f"执法记录 {record.number} 已结案"

    return run_action(db, f"/supervision/enforcement/{record_id}", close, labels={"confirm": "确认结案"})
