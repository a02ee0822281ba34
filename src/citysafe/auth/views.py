from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import OAuth2PasswordRequestForm

from citysafe.auth import login, service
from citysafe.auth.deps import Context, CurrentPrincipal, DbSession, client_address, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import AuditRead, Principal, Token, UserCreate, UserRead
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


@router.post("/users", response_model=UserRead, status_code=201, operation_id="users_create")
def create_user(
    user_in: UserCreate, db: DbSession,
    principal: Annotated[Principal, Depends(requires(Permission.MANAGE_USERS))],
) -> UserRead:
    return UserRead.model_validate(service.create_user(db, user_in=user_in))


@router.get("/users", response_model=Page[UserRead], operation_id="users_list")
def list_users(
    db: DbSession, principal: Annotated[Principal, Depends(requires(Permission.MANAGE_USERS))],
    params: Annotated[PageParams, Query()],
) -> Page[UserRead]:
    return page_of(service.list_users(db, params=params), params, UserRead.model_validate)


@router.get("/audit", response_model=Page[AuditRead], operation_id="audit_list")
def list_audit(
    db: DbSession, principal: Annotated[Principal, Depends(requires(Permission.READ_AUDIT))],
    params: Annotated[PageParams, Query()],
    entity: str | None = None, actor: str | None = None,
    since: datetime | None = None, until: datetime | None = None,
) -> Page[AuditRead]:
    found = service.list_audit(db, principal=principal, params=params, entity=entity, actor=actor,
                               since=since, until=until)
    return page_of(found, params, AuditRead.model_validate)


