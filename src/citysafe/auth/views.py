from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from citysafe.auth import service
from citysafe.auth.deps import Context, CurrentPrincipal, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import AuditRead, Principal, Token, UserCreate, UserRead
from citysafe.core.bounds import SaneDatetime
from citysafe.core.errors import TooManyAttempts, Unauthenticated
from citysafe.core.pagination import Page, PageParams, page_of
from citysafe.core.problems import problem_response

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=Token, operation_id="auth_token",
             responses={401: {"description": "wrong credentials"}, 429: {"description": "locked out"}})
def login_for_token(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DbSession, ctx: Context,
) -> Token | JSONResponse:
    try:
        user = service.authenticate(db, username=form.username, password=form.password)
    except (Unauthenticated, TooManyAttempts) as exc:
        # Answered, not raised: the unit of work then commits the failed-attempt counter.
        return problem_response(exc, request)
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
    since: SaneDatetime | None = None, until: SaneDatetime | None = None,
) -> Page[AuditRead]:
    found = service.list_audit(db, principal=principal, params=params, entity=entity, actor=actor,
                               since=since, until=until)
    return page_of(found, params, AuditRead.model_validate)


