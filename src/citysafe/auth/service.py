"""Users, authentication, principals and the audit log query."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.enums import ROLE_PERMISSIONS, Role
from citysafe.auth.models import User
from citysafe.auth.schemas import Principal, UserCreate
from citysafe.core.audit import AuditEntry
from citysafe.core.clock import utcnow
from citysafe.core.db import get_or_404, require_references
from citysafe.core.errors import Conflict, Forbidden, TooManyAttempts, Unauthenticated, field_error
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import Scope, bind_scope, in_region
from citysafe.core.security import TokenSigner, hash_password, password_stamp, verify_password

_UNKNOWN_CREDENTIALS = Unauthenticated(detail="wrong username or password", detail_zh="用户名或密码错误")


def create_user(session: Session, *, user_in: UserCreate) -> User:
    if session.scalars(select(User.id).where(User.username == user_in.username)
                       .execution_options(skip_scope=True)).first() is not None:
        raise Conflict(detail=f"user {user_in.username} exists", detail_zh=f"用户 {user_in.username} 已存在")
    if user_in.role == Role.ENTERPRISE and user_in.organization_id is None:
        raise field_error("organization_id", "an enterprise user needs its organisation", "企业用户须指定所属单位")
    user = User(
        username=user_in.username, display_name=user_in.display_name or user_in.username,
        role=user_in.role.value, region_code=user_in.region_code,
        password_hash=hash_password(user_in.password), organization_id=user_in.organization_id,
        phone=user_in.phone,
    )
    require_references(session, user, "organization_id")
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, *, user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    session.flush()


MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


def authenticate(session: Session, *, username: str, password: str, now: datetime | None = None) -> User:
    """The user with these credentials; repeated failures lock the account for ``LOCKOUT``.

    A failed attempt is counted even though the request answers 401, so the caller must commit it
    (the login views do: the counter is written before the error response is built).
    """
    moment = now or utcnow()
    user = session.scalars(select(User).where(User.username == username).execution_options(skip_scope=True)).first()
    if user is None or not user.active:
        raise _UNKNOWN_CREDENTIALS
    if user.locked_until is not None and user.locked_until > moment:
        raise TooManyAttempts(detail="too many failed logins; try again later",
                              detail_zh="登录失败次数过多，请稍后再试")
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = moment + LOCKOUT
            user.failed_logins = 0
        session.flush()
        raise _UNKNOWN_CREDENTIALS
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
    return user


def issue_token(signer: TokenSigner, user: User) -> str:
    return signer.issue(user.id, password_stamp(user.password_hash))


def principal_from_token(session: Session, *, signer: TokenSigner, token: str) -> Principal:
    """The acting principal of a token; also binds the session to the principal's scope."""
    claims = signer.read(token)
    if claims is None:
        raise Unauthenticated(detail="invalid or expired token", detail_zh="登录已失效，请重新登录")
    user_id, stamp = claims
    user = session.get(User, user_id)
    if user is None or not user.active or password_stamp(user.password_hash) != stamp:
        raise Unauthenticated(detail="invalid or expired token", detail_zh="登录已失效，请重新登录")
    principal = principal_for(user)
    act_as(session, principal)
    return principal


def principal_for(user: User) -> Principal:
    role = Role(user.role)
    return Principal(
        user_id=user.id, username=user.username, display_name=user.display_name, role=role,
        region_code=user.region_code, organization_id=user.organization_id,
        permissions=frozenset(p.value for p in ROLE_PERMISSIONS[role]),
    )


def act_as(session: Session, principal: Principal) -> None:
    """Every later query and write of this session is limited to the principal's scope."""
    org = principal.organization_id if principal.role == Role.ENTERPRISE else None
    bind_scope(session, Scope(region_code=principal.region_code, organization_id=org))
    session.info["actor"] = principal.username
    session.info["principal"] = principal


def require(principal: Principal, permission: str) -> None:
    if not principal.can(permission):
        raise Forbidden(detail=f"role {principal.role} may not do {permission}",
                        detail_zh=f"当前角色无权执行此操作（{permission}）")


def get_user(session: Session, *, user_id: int) -> User:
    return get_or_404(session, User, user_id, what="user", what_zh="用户")


def list_users(session: Session, *, params: PageParams) -> tuple[list[User], int]:
    return paginate(session, select(User).order_by(User.id), params)


def list_audit(
    session: Session, *, principal: Principal, params: PageParams, entity: str | None = None,
    actor: str | None = None, since: datetime | None = None, until: datetime | None = None,
) -> tuple[list[AuditEntry], int]:
    """Audit entries of changes inside the principal's region (entries with no region: admins only)."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    region_filter: Any = in_region(AuditEntry.region_code, principal.region_code)
    if principal.role == Role.ADMIN:
        region_filter = region_filter | AuditEntry.region_code.is_(None)
    stmt = stmt.where(region_filter)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    return paginate(session, stmt, params)
