"""Console pages for accounts: an office's user list (create, deactivate, reactivate, reset a password)
and everyone's 修改密码 page. They call the same services as the API, so the same rules hold: an office
manages only roles below its own, inside its region."""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from citysafe.auth import accounts
from citysafe.auth import service as auth_service
from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import ROLE_NAMES_ZH, Permission, Role, outranks
from citysafe.auth.schemas import Principal, UserCreate
from citysafe.core.errors import CitysafeError
from citysafe.core.pagination import PageParams
from citysafe.orgs import service as orgs_service
from citysafe.orgs.enums import OrganizationKind
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.regions import service as regions_service
from citysafe.web.common import page_principal, render, set_session_cookie
from citysafe.web.forms import back
from citysafe.web.i18n import N_, Translator, translator
from citysafe.web.messages import form_message

router = APIRouter(include_in_schema=False)

# The labels of the account forms where they differ from the console's shared ones (web/messages.py).
FIELD_LABELS = MappingProxyType({"region_code": N_("所属区划"), "organization_id": N_("所属单位")})


def _message(error: CitysafeError | ValidationError, t: Translator) -> str:
    return form_message(error, FIELD_LABELS, t)


def _manager(request: Request, db: DbSession) -> Principal | None:
    principal = page_principal(request, db)
    return principal if principal.can(Permission.MANAGE_USERS) else None


_NOT_A_MANAGER = N_("当前角色无权管理账号")


def _region_choices(db: DbSession, principal: Principal) -> list[tuple[str, str]]:
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


@router.get("/users", response_class=HTMLResponse)
def user_list(request: Request, db: DbSession, page: int = 1) -> Response:
    principal = page_principal(request, db)
    if not principal.can(Permission.MANAGE_USERS):
        return render(request, "users/list.html", principal, users=[], total=0, forbidden=True)
    params = PageParams(page=max(page, 1), size=50)
    users, total = auth_service.list_users(db, params=params)
    region_names = regions_service.names(db, codes=[u.region_code for u in users])
    t = translator(request)
    creatable = [(role.value, t.name(ROLE_NAMES_ZH[role])) for role in Role if outranks(principal.role, role)]
    return render(request, "users/list.html", principal, users=users, total=total, page=params.page,
                  region_names=region_names, role_names={r.value: t.name(n) for r, n in ROLE_NAMES_ZH.items()},
                  creatable=creatable, regions=_region_choices(db, principal),
                  enterprises=_enterprise_choices(db),
                  manageable={u.id for u in users if outranks(principal.role, Role(u.role))},
                  forbidden=False, ok=request.query_params.get("ok", ""),
                  error=request.query_params.get("error", ""))


@router.post("/users")
def user_create(
    request: Request, db: DbSession, username: Annotated[str, Form()], password: Annotated[str, Form()],
    role: Annotated[str, Form()], region_code: Annotated[str, Form()], display_name: Annotated[str, Form()] = "",
    organization_id: Annotated[str, Form()] = "", phone: Annotated[str, Form()] = "",
) -> Response:
    principal = _manager(request, db)
    _ = translator(request).gettext
    if principal is None:
        return back("/users", error=_(_NOT_A_MANAGER))
    try:
        user_in = UserCreate(username=username, password=password, role=role, region_code=region_code,
                             display_name=display_name, phone=phone,
                             organization_id=int(organization_id) if organization_id.strip().isdigit() else None)
        user = auth_service.create_user(db, user_in=user_in, creator=principal)
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return back("/users", error=_message(exc, translator(request)))
    return back("/users", ok=_("已创建账号 %(username)s", username=user.username))


def _user_action(request: Request, db: DbSession, user_id: int, *, active: bool) -> Response:
    principal = _manager(request, db)
    t = translator(request)
    if principal is None:
        return back("/users", error=t.gettext(_NOT_A_MANAGER))
    try:
        user = accounts.set_active(db, actor=principal, user_id=user_id, active=active)
    except CitysafeError as exc:
        db.rollback()
        return back("/users", error=_message(exc, t))
    said = t.gettext("已启用账号 %(username)s") if active else t.gettext("已停用账号 %(username)s")
    return back("/users", ok=said % {"username": user.username})


@router.post("/users/{user_id}/deactivate")
def user_deactivate(request: Request, db: DbSession, user_id: int) -> Response:
    return _user_action(request, db, user_id, active=False)


@router.post("/users/{user_id}/activate")
def user_activate(request: Request, db: DbSession, user_id: int) -> Response:
    return _user_action(request, db, user_id, active=True)


@router.post("/users/{user_id}/password")
def user_reset_password(request: Request, db: DbSession, user_id: int,
                        password: Annotated[str, Form()]) -> Response:
    principal = _manager(request, db)
    t = translator(request)
    if principal is None:
        return back("/users", error=t.gettext(_NOT_A_MANAGER))
    if len(password) < 8:
        return back("/users", error=t.gettext("新密码至少 8 位"))
    try:
        user = accounts.reset_password(db, actor=principal, user_id=user_id, password=password)
    except CitysafeError as exc:
        db.rollback()
        return back("/users", error=_message(exc, t))
    return back("/users", ok=t.gettext("已重置账号 %(username)s 的密码，其登录已全部失效", username=user.username))


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
    t = translator(request)
    if new_password != confirm_password:
        return back("/password", error=t.gettext("两次输入的新密码不一致"))
    if len(new_password) < 8:
        return back("/password", error=t.gettext("新密码至少 8 位"))
    try:
        user = accounts.change_own_password(db, principal=principal, current=current_password, new=new_password)
    except CitysafeError as exc:
        db.rollback()
        return back("/password", error=_message(exc, t))
    # Every earlier token ended with the change (other browsers too); this one continues with a fresh cookie.
    response = back("/password", ok=t.gettext("密码已修改，其他设备上的登录已失效"))
    set_session_cookie(request, response, auth_service.issue_token(ctx.signer, user))
    return response
