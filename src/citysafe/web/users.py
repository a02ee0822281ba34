"""Console pages for accounts: an office's user list (create, deactivate, reactivate, reset a password)
and everyone's 修改密码 page. They call the same services as the API, so the same rules hold: an office
manages only roles below its own, inside its region."""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from citysafe.auth import accounts
from citysafe.auth import service as auth_service
from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import (
    PERMISSION_NAMES_ZH,
    ROLE_DUTIES_ZH,
    ROLE_NAMES_ZH,
    ROLE_PERMISSIONS,
    Permission,
    Role,
    outranks,
)
from citysafe.auth.schemas import Principal, UserCreate, UserFilter, UserUpdate
from citysafe.core.bounds import RowId
from citysafe.core.errors import CitysafeError, Forbidden
from citysafe.core.pagination import PageParams
from citysafe.core.validators import region_prefix, within_region
from citysafe.orgs import service as orgs_service
from citysafe.orgs.enums import OrganizationKind
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.regions import service as regions_service
from citysafe.web.common import local_referer, page_principal, render, set_session_cookie
from citysafe.web.forms import back, optional_int, posted, run_action
from citysafe.web.messages import form_message

router = APIRouter(include_in_schema=False)

# The labels of the account forms where they differ from the console's shared ones (web/messages.py).
FIELD_LABELS = MappingProxyType({"region_code": "所属区划", "organization_id": "所属单位", "region": "所属区划",
                                 "active": "状态", "q": "用户名或姓名"})


def _message(error: CitysafeError | ValidationError) -> str:
    return form_message(error, FIELD_LABELS)



def _manager(request: Request, db: DbSession) -> Principal | None:
    principal = page_principal(request, db)
    return principal if principal.can(Permission.MANAGE_USERS) else None


_NOT_A_MANAGER = "当前角色无权管理账号"


def region_choices(db: DbSession, principal: Principal) -> list[tuple[str, str]]:
    """The office's own division, those under it and, from a city or the province, one level further
    (a city creates district offices): (code, name), for the new account's 所属区划."""
    own = regions_service.get(db, code=principal.region_code)
    regions = [own, *regions_service.children(db, code=own.code)]
    if len(own.code) == 6 and own.code.endswith("00"):
        regions += [g for child in regions[1:] for g in regions_service.children(db, code=child.code)]
    return sorted(((r.code, r.name) for r in regions), key=lambda pair: pair[0])


def _enterprise_choices(db: DbSession) -> list[tuple[int, str]]:
    # An enterprise account is bound to its organisation, chosen by name: the request's scope already limits
    # the list to the office's region. The first 500 by name cover a district; more would need a search box.
    found, _ = orgs_service.list_organizations(db, filters=OrganizationFilter(kind=OrganizationKind.ENTERPRISE),
                                               params=PageParams(page=1, size=500))
    return sorted(((org.id, org.name) for org in found), key=lambda pair: pair[1])


def _filters(q: str, role: str, region: str, active: str) -> UserFilter:
    chosen = {"q": q.strip(), "role": role, "region": region, "active": {"1": True, "0": False}.get(active)}
    return UserFilter.model_validate({k: v for k, v in chosen.items() if v not in ("", None)})


@router.get("/users", response_class=HTMLResponse)
def user_list(request: Request, db: DbSession, page: int = 1, q: str = "", role: str = "", region: str = "",
              active: str = "", org: str = "") -> Response:
    principal = page_principal(request, db)
    if not principal.can(Permission.MANAGE_USERS):
        return render(request, "users/list.html", principal, users=[], total=0, forbidden=True)
    error = request.query_params.get("error", "")
    try:
        filters = _filters(q, role, region, active)
    except ValidationError as exc:
        filters, error = UserFilter(), _message(exc)
    params = PageParams.clamped(page, 50)
    users, total = auth_service.list_users(db, params=params, filters=filters)
    region_names = regions_service.names(db, codes=[u.region_code for u in users])
    query = {k: v for k, v in (("q", q), ("role", role), ("region", region), ("active", active)) if v}
    # From a unit's page (?org=): the new account's form opens for that unit, in the division holding it.
    preset = orgs_service.get(db, org_id=int(org)) if org.isdigit() else None
    regions = region_choices(db, principal)
    preset_region = max((code for code, _name in regions if preset and within_region(preset.region_code, code)),
                        key=lambda code: len(region_prefix(code)), default="")
    return render(request, "users/list.html", principal, users=users, total=total, page=params.page,
                  pages=params.pages(total), page_query=lambda n: "/users?" + urlencode(query | {"page": n}),
                  chosen={"q": q, "role": role, "region": region, "active": active},
                  all_roles=[(r.value, n) for r, n in ROLE_NAMES_ZH.items()],
                  region_names=region_names, role_names={r.value: n for r, n in ROLE_NAMES_ZH.items()},
                  creatable=_creatable(principal), regions=regions, enterprises=_enterprise_choices(db),
                  preset_org=preset.id if preset else None, preset_region=preset_region,
                  manageable={u.id for u in users if outranks(principal.role, Role(u.role))},
                  forbidden=False, ok=request.query_params.get("ok", ""), error=error)


def _creatable(principal: Principal) -> list[tuple[str, str]]:
    """The roles ``principal`` may give an account: those ranked below its own, by their Chinese names."""
    return [(role.value, ROLE_NAMES_ZH[role]) for role in Role if outranks(principal.role, role)]


@router.get("/users/roles", response_class=HTMLResponse)
def role_reference(request: Request, db: DbSession) -> Response:
    """Every role with whom it serves and what it may do, in words (the role reference of the account pages)."""
    principal = page_principal(request, db)
    roles = [{"name": ROLE_NAMES_ZH[role], "duty": ROLE_DUTIES_ZH[role], "mine": role == principal.role,
              "manages": "、".join(ROLE_NAMES_ZH[r] for r in Role if outranks(role, r))
              if Permission.MANAGE_USERS in ROLE_PERMISSIONS[role] else ""} for role in Role]
    # One row per permission, one column per role: what a role may do reads down its column.
    matrix = [(words, [p in ROLE_PERMISSIONS[role] for role in Role]) for p, words in PERMISSION_NAMES_ZH.items()]
    return render(request, "users/roles.html", principal, roles=roles, matrix=matrix)


@router.get("/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, user_id: RowId, db: DbSession) -> Response:
    principal = _manager(request, db)
    if principal is None:
        raise Forbidden(detail="this role does not manage accounts", detail_zh=_NOT_A_MANAGER)
    user = auth_service.get_user(db, user_id=user_id)
    organization = orgs_service.get(db, org_id=user.organization_id) if user.organization_id else None
    return render(request, "users/user.html", principal, user=user, organization=organization,
                  user_role_name=ROLE_NAMES_ZH.get(Role(user.role), user.role), creatable=_creatable(principal),
                  regions=region_choices(db, principal), enterprises=_enterprise_choices(db),
                  manageable=outranks(principal.role, Role(user.role)),
                  can_read_audit=principal.can(Permission.READ_AUDIT),
                  ok=request.query_params.get("ok", ""), error=request.query_params.get("error", ""))


@router.post("/users/{user_id}/edit")
async def user_edit(request: Request, user_id: RowId, db: DbSession) -> Response:
    path = f"/users/{user_id}"
    principal = _manager(request, db)
    if principal is None:
        return back(path, error=_NOT_A_MANAGER)
    values = posted(await request.form(), ("role", "region_code", "organization_id", "display_name", "phone"))

    def change() -> str:
        user_in = UserUpdate.model_validate({**values, "organization_id": optional_int(values, "organization_id")})
        user = accounts.update_user(db, actor=principal, user_id=user_id, user_in=user_in)
        return f"已保存账号 {user.username}：{ROLE_NAMES_ZH[Role(user.role)]}"

    return run_action(db, path, change, labels=FIELD_LABELS)


@router.post("/users")
def user_create(
    request: Request, db: DbSession, username: Annotated[str, Form()], password: Annotated[str, Form()],
    role: Annotated[str, Form()], region_code: Annotated[str, Form()], display_name: Annotated[str, Form()] = "",
    organization_id: Annotated[str, Form()] = "", phone: Annotated[str, Form()] = "",
) -> Response:
    principal = _manager(request, db)
    if principal is None:
        return back("/users", error=_NOT_A_MANAGER)
    try:
        user_in = UserCreate(username=username, password=password, role=role, region_code=region_code,
                             display_name=display_name, phone=phone,
                             organization_id=int(organization_id) if organization_id.strip().isdigit() else None)
        user = auth_service.create_user(db, user_in=user_in, creator=principal)
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return back("/users", error=_message(exc))
    return back("/users", ok=f"已创建账号 {user.username}")


def _return_to(request: Request) -> str:
    """The account page or the list the form was posted from (its filters kept), else the list."""
    parts = urlsplit(local_referer(request))
    if not parts.path.startswith("/users"):
        return "/users"
    kept = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("ok", "error")]
    return parts.path + (f"?{urlencode(kept)}" if kept else "")


def _user_action(request: Request, db: DbSession, user_id: int, *, active: bool) -> Response:
    path = _return_to(request)
    principal = _manager(request, db)
    if principal is None:
        return back(path, error=_NOT_A_MANAGER)
    try:
        user = accounts.set_active(db, actor=principal, user_id=user_id, active=active)
    except CitysafeError as exc:
        db.rollback()
        return back(path, error=_message(exc))
    return back(path, ok=f"已{'启用' if active else '停用'}账号 {user.username}")


@router.post("/users/{user_id}/deactivate")
def user_deactivate(request: Request, db: DbSession, user_id: RowId) -> Response:
    return _user_action(request, db, user_id, active=False)


@router.post("/users/{user_id}/activate")
def user_activate(request: Request, db: DbSession, user_id: RowId) -> Response:
    return _user_action(request, db, user_id, active=True)


@router.post("/users/{user_id}/password")
def user_reset_password(request: Request, db: DbSession, user_id: RowId,
                        password: Annotated[str, Form()]) -> Response:
    path = _return_to(request)
    principal = _manager(request, db)
    if principal is None:
        return back(path, error=_NOT_A_MANAGER)
    if len(password) < 8:
        return back(path, error="新密码至少 8 位")
    try:
        user = accounts.reset_password(db, actor=principal, user_id=user_id, password=password)
    except CitysafeError as exc:
        db.rollback()
        return back(path, error=_message(exc))
    return back(path, ok=f"已重置账号 {user.username} 的密码，其登录已全部失效")


@router.get("/password", response_class=HTMLResponse)
def password_page(request: Request, db: DbSession) -> Response:
    principal = page_principal(request, db)
    return render(request, "users/password.html", principal, ok=request.query_params.get("ok", ""),
                  error=request.query_params.get("error", ""))


@router.post("/password")
def password_change(
    request: Request, db: DbSession, ctx: Context, current_password: Annotated[str, Form()],
    new_password: Annotated[str, Form()], confirm_password: Annotated[str, Form()],
) -> Response:
    principal = page_principal(request, db)
    if new_password != confirm_password:
        return back("/password", error="两次输入的新密码不一致")
    if len(new_password) < 8:
        return back("/password", error="新密码至少 8 位")
    try:
        user = accounts.change_own_password(db, principal=principal, current=current_password, new=new_password)
    except CitysafeError as exc:
        db.rollback()
        return back("/password", error=_message(exc))
    # Every earlier token ended with the change (other browsers too); this one continues with a fresh cookie.
    response = back("/password", ok="密码已修改，其他设备上的登录已失效")
    set_session_cookie(request, response, auth_service.issue_token(ctx.signer, user))
    return response
