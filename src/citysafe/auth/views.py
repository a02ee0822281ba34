from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from citysafe.auth import accounts, login, service
from citysafe.auth.deps import Context, CurrentPrincipal, DbSession, RawToken, client_address, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import (
    AuditFilter,
    AuditRead,
    PasswordChange,
    PasswordReset,
    Principal,
    Token,
    UserCreate,
    UserFilter,
    UserRead,
    UserUpdate,
)
from citysafe.core.bounds import RowId
from citysafe.core.pagination import Page, PageParams, page_of

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=Token, operation_id="auth_token",
             responses={401: {"description": "wrong credentials, or the account is inactive or locked"},
                        429: {"description": "too many failed logins from this address"}})
def login_for_token(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], ctx: Context,
) -> Token:
    user = login.authenticate(ctx, username=form.username, password=form.password, client=client_address(request))
    return Token(access_token=service.issue_token(ctx.signer, user))


@router.get("/auth/me", response_model=Principal, operation_id="auth_me")
def who_am_i(principal: CurrentPrincipal) -> Principal:
    return principal


@router.post("/auth/logout", status_code=204, operation_id="auth_logout")
def logout(db: DbSession, ctx: Context, token: RawToken, principal: CurrentPrincipal) -> Response:
    """End the token used for this request (the user's other sessions stay valid)."""
    accounts.logout(db, signer=ctx.signer, token=token)
    return Response(status_code=204)


@router.post("/auth/password", response_model=Token, operation_id="auth_password")
def change_password(body: PasswordChange, db: DbSession, ctx: Context, principal: CurrentPrincipal) -> Token:
    """Change one's own password; every earlier token ends, and a fresh one is returned."""
    user = accounts.change_own_password(db, principal=principal, current=body.current_password,
                                        new=body.new_password)
    return Token(access_token=service.issue_token(ctx.signer, user))


UserManager = Annotated[Principal, Depends(requires(Permission.MANAGE_USERS))]


@router.post("/users", response_model=UserRead, status_code=201, operation_id="users_create")
def create_user(user_in: UserCreate, db: DbSession, principal: UserManager) -> UserRead:
    return UserRead.model_validate(service.create_user(db, user_in=user_in, creator=principal))


@router.post("/users/{user_id}/deactivate", response_model=UserRead, operation_id="users_deactivate")
def deactivate_user(user_id: RowId, db: DbSession, principal: UserManager) -> UserRead:
    """Deactivate an account below one's own role: its sessions and tokens end at once."""
    return UserRead.model_validate(accounts.set_active(db, actor=principal, user_id=user_id, active=False))


@router.post("/users/{user_id}/activate", response_model=UserRead, operation_id="users_activate")
def activate_user(user_id: RowId, db: DbSession, principal: UserManager) -> UserRead:
    return UserRead.model_validate(accounts.set_active(db, actor=principal, user_id=user_id, active=True))


@router.post("/users/{user_id}/password", response_model=UserRead, operation_id="users_reset_password")
def reset_password(user_id: RowId, body: PasswordReset, db: DbSession, principal: UserManager) -> UserRead:
    """Set the password of an account below one's own role: its sessions and tokens end."""
    user = accounts.reset_password(db, actor=principal, user_id=user_id, password=body.password)
    return UserRead.model_validate(user)


@router.patch("/users/{user_id}", response_model=UserRead, operation_id="users_update")
def update_user(user_id: RowId, body: UserUpdate, db: DbSession, principal: UserManager) -> UserRead:
    """Change the role, region, unit, name or phone of an account below one's own role; the new role and region
    must lie below and inside one's own as well."""
    return UserRead.model_validate(accounts.update_user(db, actor=principal, user_id=user_id, user_in=body))


@router.get("/users", response_model=Page[UserRead], operation_id="users_list")
def list_users(
    db: DbSession, principal: UserManager, params: Annotated[PageParams, Query()],
    filters: Annotated[UserFilter, Query()],
) -> Page[UserRead]:
    return page_of(service.list_users(db, params=params, filters=filters), params, UserRead.model_validate)


@router.get("/audit", response_model=Page[AuditRead], operation_id="audit_list")
def list_audit(
    db: DbSession, principal: Annotated[Principal, Depends(requires(Permission.READ_AUDIT))],
    params: Annotated[PageParams, Query()], filters: Annotated[AuditFilter, Query()],
) -> Page[AuditRead]:
    found = service.list_audit(db, principal=principal, params=params, filters=filters)
    return page_of(found, params, AuditRead.model_validate)


