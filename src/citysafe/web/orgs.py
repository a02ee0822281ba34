"""Console pages of organisations (单位管理): a list searched by name, address or credit code and filtered by kind,
division and sector; the registration and edit forms (the credit code checked by its check character, the place
picked on a map or typed); and a unit's page with its details, its accounts and the records that name it.
The pages call the same service as the API (orgs/views.py)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from citysafe.auth import service as auth_service
from citysafe.auth.deps import DbSession
from citysafe.auth.enums import ROLE_NAMES_ZH, Permission
from citysafe.auth.schemas import Principal, UserFilter
from citysafe.core.bounds import RowId
from citysafe.core.errors import CitysafeError, Forbidden
from citysafe.core.pagination import PageParams
from citysafe.orgs import service as orgs_service
from citysafe.orgs.enums import KIND_NAMES_ZH
from citysafe.orgs.models import Organization
from citysafe.orgs.schemas import OrganizationCreate, OrganizationFilter, OrganizationUpdate
from citysafe.web.common import page_principal, render
from citysafe.web.forms import back, optional_float, posted
from citysafe.web.messages import first_field, form_message
from citysafe.web.users import region_choices

router = APIRouter(include_in_schema=False)

FIELD_LABELS = MappingProxyType({
    "name": "单位名称", "kind": "单位类型", "uscc": "统一社会信用代码", "region_code": "所在区划", "sector": "行业领域",
    "address": "地址", "location": "位置", "contacts": "联系人", "contacts.name": "联系人姓名",
    "contacts.phone": "联系电话", "contacts.role": "联系人职务"})
CONTACT_ROWS = 3  # the form offers three contacts (法定代表人, 安全负责人, 值班电话); the API takes up to 20
FORM_FIELDS = ("name", "kind", "uscc", "region_code", "sector", "address", "lon", "lat",
               *(f"contact_{part}_{i}" for i in range(CONTACT_ROWS) for part in ("name", "phone", "role")))
KINDS = tuple((kind.value, name) for kind, name in KIND_NAMES_ZH.items())
PAGE_SIZE = 20


def _reader(request: Request, db: DbSession) -> Principal:
    principal = page_principal(request, db)
    if not principal.can(Permission.READ_ORGANIZATIONS):
        raise Forbidden(detail="this role does not see organisations", detail_zh="当前角色无权查看单位")
    return principal


def _writer(request: Request, db: DbSession) -> Principal:
    principal = page_principal(request, db)
    if not principal.can(Permission.WRITE_ORGANIZATIONS):
        raise Forbidden(detail="this role may not register organisations", detail_zh="当前角色无权登记或修改单位")
    return principal


@router.get("/orgs", response_class=HTMLResponse)
def org_list(request: Request, db: DbSession, q: str = "", kind: str = "", region: str = "", sector: str = "",
             page: int = 1) -> Response:
    principal = _reader(request, db)
    chosen = {"q": q.strip(), "kind": kind, "region": region, "sector": sector}
    error = request.query_params.get("error", "")
    try:
        filters = OrganizationFilter.model_validate({k: v for k, v in chosen.items() if v})
    except ValidationError as exc:
        filters, error = OrganizationFilter(), form_message(exc, FIELD_LABELS)
    params = PageParams.clamped(page, PAGE_SIZE)
    orgs, total = orgs_service.list_organizations(db, filters=filters, params=params)
    query = {k: v for k, v in chosen.items() if v}
    return render(request, "orgs/list.html", principal, orgs=orgs, total=total, page=params.page,
                  pages=params.pages(total), chosen=chosen, kinds=KINDS, kind_names=dict(KINDS),
                  regions=region_choices(db, principal), sectors=orgs_service.sectors(db),
                  page_query=lambda n: "/orgs?" + urlencode(query | {"page": n}),
                  can_write=principal.can(Permission.WRITE_ORGANIZATIONS), error=error,
                  ok=request.query_params.get("ok", ""))


def _values_of(org: Organization) -> dict[str, str]:
    """The form's fields filled from a stored unit (the edit form opens with them)."""
    values = {"name": org.name, "kind": org.kind, "uscc": org.uscc or "", "region_code": org.region_code,
              "sector": org.sector, "address": org.address,
              "lon": "" if org.lon is None else f"{org.lon:.6f}", "lat": "" if org.lat is None else f"{org.lat:.6f}"}
    for i, contact in enumerate(org.contacts[:CONTACT_ROWS]):
        values |= {f"contact_{part}_{i}": str(contact.get(part, "")) for part in ("name", "phone", "role")}
    return values


def _payload(values: dict[str, str]) -> dict[str, Any]:
    """What the API's body would hold for the typed form: empty optional fields left out, a place only when
    both coordinates are typed (one alone is refused at the field that is missing)."""
    lon, lat = optional_float(values, "lon"), optional_float(values, "lat")
    contacts = [{part: values[f"contact_{part}_{i}"] for part in ("name", "phone", "role")}
                for i in range(CONTACT_ROWS) if values[f"contact_name_{i}"] or values[f"contact_phone_{i}"]]
    return {"name": values["name"], "kind": values["kind"], "region_code": values["region_code"],
            "uscc": values["uscc"] or None, "sector": values["sector"], "address": values["address"],
            "location": None if lon is None and lat is None else {"lon": lon, "lat": lat}, "contacts": contacts}


def _form(request: Request, db: DbSession, principal: Principal, *, org: Organization | None,
          values: dict[str, str], error: str = "", field: str = "") -> HTMLResponse:
    # The refused field shows its own reason beside it; the banner above names the field too.
    response = render(request, "orgs/form.html", principal, org=org, values=values, error=error,
                      field=field.split(".", 1)[0], field_reason=error.split("；", 1)[0].split("：", 1)[-1],
                      kinds=KINDS, regions=region_choices(db, principal),
                      sectors=orgs_service.sectors(db), contact_rows=range(CONTACT_ROWS))
    if error:
        response.status_code = 422
    return response


@router.get("/orgs/new", response_class=HTMLResponse)
def org_new(request: Request, db: DbSession) -> Response:
    principal = _writer(request, db)
    return _form(request, db, principal, org=None, values={"kind": "enterprise", "region_code": principal.region_code})


@router.post("/orgs/new")
async def org_create(request: Request, db: DbSession) -> Response:
    principal = _writer(request, db)
    values = posted(await request.form(), FORM_FIELDS)
    try:
        org = orgs_service.create(db, org_in=OrganizationCreate.model_validate(_payload(values)))
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _form(request, db, principal, org=None, values=values, error=form_message(exc, FIELD_LABELS),
                     field=first_field(exc))
    return back(f"/orgs/{org.id}", ok=f"已登记单位“{org.name}”")


@router.get("/orgs/{org_id}/edit", response_class=HTMLResponse)
def org_edit(request: Request, org_id: RowId, db: DbSession) -> Response:
    principal = _writer(request, db)
    org = orgs_service.get(db, org_id=org_id)
    return _form(request, db, principal, org=org, values=_values_of(org))


@router.post("/orgs/{org_id}/edit")
async def org_update(request: Request, org_id: RowId, db: DbSession) -> Response:
    principal = _writer(request, db)
    org = orgs_service.get(db, org_id=org_id)
    values = posted(await request.form(), FORM_FIELDS)
    try:
        # The form shows every field, so every field is sent: an emptied credit code or place is cleared.
        orgs_service.update(db, org=org, org_in=OrganizationUpdate.model_validate(_payload(values)))
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _form(request, db, principal, org=orgs_service.get(db, org_id=org_id), values=values,
                     error=form_message(exc, FIELD_LABELS), field=first_field(exc))
    return back(f"/orgs/{org_id}", ok="单位信息已保存")


@router.get("/orgs/{org_id}", response_class=HTMLResponse)
def org_page(request: Request, org_id: RowId, db: DbSession) -> Response:
    principal = _reader(request, db)
    org = orgs_service.get(db, org_id=org_id)
    users: list[Any] = []
    if principal.can(Permission.MANAGE_USERS):
        users, _ = auth_service.list_users(db, params=PageParams(size=100),
                                           filters=UserFilter(organization_id=org.id))
    return render(request, "orgs/page.html", principal, org=org, kind_name=dict(KINDS).get(org.kind, org.kind),
                  users=users, role_names={r.value: n for r, n in ROLE_NAMES_ZH.items()},
                  can_write=principal.can(Permission.WRITE_ORGANIZATIONS),
                  can_manage_users=principal.can(Permission.MANAGE_USERS),
                  can_read_audit=principal.can(Permission.READ_AUDIT),
                  ok=request.query_params.get("ok", ""), error=request.query_params.get("error", ""))
