"""Users, authentication, principals and the audit log query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.enums import ROLE_PERMISSIONS, Role
from citysafe.auth.models import User
from citysafe.auth.schemas import Principal, UserCreate
from citysafe.core.audit import AuditEntry
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, Forbidden, Unauthenticated, field_error
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import Scope, bind_scope, in_region
from citysafe.core.security import TokenSigner, hash_password, password_stamp


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
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, *, user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    session.flush()


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
