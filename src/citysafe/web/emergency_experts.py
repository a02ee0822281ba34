"""Console pages of the two registries beside teams and depots (issue #13 point 6): the expert pool (专家库), listed
by field and district with a form to add an expert, and the agreement reserves (协议储备: capacity contracted from
suppliers, 突发事件应对法 2024 第四十五、四十六条) with each one's period shown as 在效/已过期/未生效 and a form that
takes the items as rows. Same services as the API; a refused form comes back with the input kept and the problem
in Chinese, nothing saved."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from citysafe.auth import service as auth_service
from citysafe.auth.deps import DbSession, app_context
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.clock import to_local
from citysafe.core.errors import CitysafeError
from citysafe.core.pagination import PageParams
from citysafe.emergency.resources import depots, service
from citysafe.emergency.resources.calc.codes import TOP_CLASSES
from citysafe.emergency.resources.schemas import EXPERT_FIELDS_ZH, AgreementIn, AgreementRead, ExpertIn
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.regions import service as regions_service
from citysafe.regions.models import Region
from citysafe.web.common import page_principal, render
from citysafe.web.forms import back, posted
from citysafe.web.i18n import N_, translator
from citysafe.web.messages import first_field, form_message

router = APIRouter(include_in_schema=False)
EXPERT_FIELDS = ("name", "field", "region_code", "title", "employer", "phone")
EXPERT_LABELS = {"name": N_("姓名"), "field": N_("专业领域"), "region_code": N_("所在区划"), "title": N_("职称"),
                 "employer": N_("工作单位"), "phone": N_("联系电话")}
AGREEMENT_FIELDS = ("supplier_id", "title", "region_code", "response_hours", "valid_from", "valid_to", "note")
ITEM_FIELDS = ("code", "name", "unit", "quantity")
# Rows the form offers for items; a longer list goes through the API (up to 200 items).
ITEM_ROWS = 6
AGREEMENT_LABELS = {"supplier_id": N_("供应单位"), "title": N_("协议名称"), "region_code": N_("所在区划"),
                    "response_hours": N_("响应时限"), "valid_from": N_("有效期起"), "valid_to": N_("有效期止"),
                    "note": N_("备注"), "items": N_("协议物资"), "items.code": N_("物资代码"),
                    "items.name": N_("物资名称"), "items.unit": N_("计量单位"), "items.quantity": N_("承诺数量")}
AGREEMENT_STATUS_NAMES_ZH = {"in_force": N_("在效"), "expired": N_("已过期"), "pending": N_("未生效")}
PAGE_SIZE = 50


def _reader(request: Request, db: DbSession, permission: str = Permission.READ_EMERGENCY) -> Principal:
    principal = page_principal(request, db)
    auth_service.require(principal, permission)
    return principal


def _page_no(request: Request) -> PageParams:
    page = request.query_params.get("page", "1")
    return PageParams.clamped(int(page) if page.isdigit() else 1, PAGE_SIZE)


def _regions(db: DbSession, principal: Principal) -> list[Region]:
    """The divisions a form or filter offers by name: the user's own and the ones directly under it."""
    own = regions_service.get(db, code=principal.region_code)
    return [own, *regions_service.children(db, code=own.code)]


# --- experts ------------------------------------------------------------------------------------------------


def _experts_page(request: Request, db: DbSession, principal: Principal, *, values: dict[str, str],
                  error: str = "", field: str = "", status: int = 200) -> HTMLResponse:
    q = request.query_params
    chosen_field = q.get("field") if q.get("field") in EXPERT_FIELDS_ZH else ""
    regions = _regions(db, principal)
    chosen_region = q.get("region", "") if q.get("region", "") in {r.code for r in regions} else ""
    params = _page_no(request)
    rows, total = service.list_experts(db, field=chosen_field or None, region=chosen_region or None, params=params)
    page = render(request, "emergency/resources_experts.html", principal,
                  experts=[service.expert_read(e) for e in rows], total=total, params=params,
                  pages=params.pages(total), fields=EXPERT_FIELDS_ZH, regions=regions,
                  counts=service.expert_counts(db, region=chosen_region or None),
                  f={"field": chosen_field, "region": chosen_region},
                  can_write=principal.can(Permission.WRITE_EMERGENCY), values=values, form_error=error,
                  form_field=field, ok=q.get("ok", ""), error=q.get("error", ""))
    page.status_code = status
    return page


@router.get("/emergency/resources/experts", response_class=HTMLResponse)
def experts_page(request: Request, db: DbSession) -> Response:
    principal = _reader(request, db)
    return _experts_page(request, db, principal, values={"region_code": principal.region_code})


@router.post("/emergency/resources/experts/new", response_model=None)
async def add_expert(request: Request, db: DbSession) -> Response:
    principal = _reader(request, db, Permission.WRITE_EMERGENCY)
    values = posted(await request.form(), EXPERT_FIELDS)
    t = translator(request)
    try:
        data = ExpertIn.model_validate(values)
        service.create_expert(db, data=data, now=app_context(request).clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _experts_page(request, db, principal, values=values, status=422, field=first_field(exc),
                             error=form_message(exc, EXPERT_LABELS, t))
    return back("/emergency/resources/experts", ok=t.gettext("专家已入库：%(name)s", name=data.name))


# --- agreement reserves -------------------------------------------------------------------------------------


def agreement_status(row: AgreementRead, today: date) -> str:
    if today < row.valid_from:
        return "pending"
    return "expired" if today > row.valid_to else "in_force"


def expiring_soon(row: AgreementRead, today: date) -> bool:
    """In force and lapsing within the depots' look-ahead (a quarter, time to renew the contract [U])."""
    return agreement_status(row, today) == "in_force" and row.valid_to <= today + timedelta(days=depots.EXPIRING_DAYS)


def _item_rows(form_values: dict[str, str]) -> list[dict[str, str]]:
    """The filled item rows, in order (empty rows dropped, so the n-th row of an error is the n-th on the form)."""
    rows = [{k: form_values[f"{k}_{n}"] for k in ITEM_FIELDS} for n in range(ITEM_ROWS)]
    return [r for r in rows if any(r.values())]


def _agreements_page(request: Request, db: DbSession, principal: Principal, *, values: dict[str, str],
                     items: list[dict[str, str]], error: str = "", field: str = "", status: int = 200) -> HTMLResponse:
    today = to_local(app_context(request).clock.now()).date()
    params = _page_no(request)
    rows, total = depots.list_agreements(db, params=params)
    reads = depots.agreement_reads(db, rows, today=today)
    suppliers = orgs_service.list_organizations(db, filters=OrganizationFilter(), params=PageParams(size=500))[0]
    blank = dict.fromkeys(ITEM_FIELDS, "")
    page = render(request, "emergency/resources_agreements.html", principal, agreements=reads, total=total,
                  params=params, pages=params.pages(total), today=today, days=depots.EXPIRING_DAYS,
                  status_of={a.id: agreement_status(a, today) for a in reads},
                  soon={a.id for a in reads if expiring_soon(a, today)}, status_names=AGREEMENT_STATUS_NAMES_ZH,
                  suppliers=sorted(suppliers, key=lambda o: o.name), regions=_regions(db, principal),
                  top_classes=TOP_CLASSES, can_write=principal.can(Permission.WRITE_EMERGENCY), values=values,
                  items=(items + [blank] * ITEM_ROWS)[:ITEM_ROWS], form_error=error, form_field=field,
                  ok=request.query_params.get("ok", ""), error=request.query_params.get("error", ""))
    page.status_code = status
    return page


@router.get("/emergency/resources/agreements", response_class=HTMLResponse)
def agreements_page(request: Request, db: DbSession) -> Response:
    principal = _reader(request, db)
    today = to_local(app_context(request).clock.now()).date()
    # A one-year contract from today is the usual term; its last day is the day before the same date next year
    # (counted from the 1st so that 29 February has a next year too).
    year_on = date(today.year + 1, today.month, 1) + timedelta(days=today.day - 2)
    values = {"region_code": principal.region_code, "response_hours": "24", "valid_from": today.isoformat(),
              "valid_to": year_on.isoformat()}
    return _agreements_page(request, db, principal, values=values, items=[])


@router.post("/emergency/resources/agreements/new", response_model=None)
async def add_agreement(request: Request, db: DbSession) -> Response:
    principal = _reader(request, db, Permission.WRITE_EMERGENCY)
    form = await request.form()
    values = posted(form, AGREEMENT_FIELDS)
    items = _item_rows(posted(form, [f"{k}_{n}" for n in range(ITEM_ROWS) for k in ITEM_FIELDS]))
    t = translator(request)
    try:
        data = AgreementIn.model_validate({**values, "supplier_id": values["supplier_id"] or None, "items": items,
                                           "valid_from": values["valid_from"] or None,
                                           "valid_to": values["valid_to"] or None})
        depots.create_agreement(db, data=data, now=app_context(request).clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _agreements_page(request, db, principal, values=values, items=items, status=422,
                                field=first_field(exc), error=form_message(exc, AGREEMENT_LABELS, t))
    return back("/emergency/resources/agreements", ok=t.gettext("协议储备已登记：%(title)s", title=data.title))
