"""Users, authentication, principals and the audit log query."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, column, exists, select, table
from sqlalchemy.orm import Session

from citysafe.auth.enums import ROLE_NAMES_ZH, ROLE_PERMISSIONS, Role, outranks
from citysafe.auth.models import RevokedToken, User
from citysafe.auth.schemas import AuditFilter, Principal, UserCreate, UserFilter
from citysafe.core.audit import AuditEntry
from citysafe.core.db import first_or_404, get_or_404
from citysafe.core.errors import Conflict, Forbidden, Unauthenticated, field_error
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import Scope, bind_scope, in_region
from citysafe.core.security import TokenClaims, TokenSigner, hash_password, password_stamp

_UNKNOWN_CREDENTIALS = Unauthenticated(detail="wrong username or password", detail_zh="用户名或密码错误")


# auth sits below orgs (users point at organisations, not the other way), so the organisation of a new
# account is looked up through the bare table rather than orgs' model; the region check is explicit.
_ORGANIZATION = table("organization", column("id"), column("region_code"))


def create_user(session: Session, *, user_in: UserCreate, creator: Principal | None = None) -> User:
    """A new account. ``creator`` is the office creating it (None: the system itself — CLI, demo), which
    may create only roles below its own, inside its region, for organisations inside that region."""
    if creator is not None:
        may_manage(creator, role=user_in.role, region_code=user_in.region_code)
    if session.scalars(select(User.id).where(User.username == user_in.username)
                       .execution_options(skip_scope=True)).first() is not None:
        # Usernames are unique across the province, so a taken one cannot be hidden; the answer only
        # says it cannot be used, never whose it is or where (#10 finding 9).
        raise Conflict(detail="username not available", detail_zh="用户名不可用")
    if user_in.role == Role.ENTERPRISE and user_in.organization_id is None:
        raise field_error("organization_id", "an enterprise user needs its organisation", "企业用户须指定所属单位")
    if user_in.organization_id is not None:
        check_organisation(session, org_id=user_in.organization_id, region_code=user_in.region_code)
    user = User(
        username=user_in.username, display_name=user_in.display_name or user_in.username,
        role=user_in.role.value, region_code=user_in.region_code,
        password_hash=hash_password(user_in.password), organization_id=user_in.organization_id,
        phone=user_in.phone,
    )
    session.add(user)
    session.flush()
    return user


def may_manage(actor: Principal, *, role: Role, region_code: str) -> None:
    """Refuse unless ``actor`` ranks above ``role`` and ``region_code`` lies in its region."""
    if not outranks(actor.role, role):
        raise Forbidden(detail=f"role {actor.role} may manage only roles below its own, not {role}",
                        detail_zh=f"只能管理低于本角色的账号，不能管理“{ROLE_NAMES_ZH[role]}”")
    if not Scope(region_code=actor.region_code).covers(region_code):
        raise Forbidden(detail=f"region {region_code} is outside your scope {actor.region_code}",
                        detail_zh=f"行政区划 {region_code} 不在您的管辖范围 {actor.region_code} 内")


def check_organisation(session: Session, *, org_id: int, region_code: str) -> None:
    # One answer for "no such organisation" and "an organisation outside the account's region", so the
    # check reveals nothing about another district's organisations.
    found = session.execute(select(_ORGANIZATION.c.id).where(
        _ORGANIZATION.c.id == org_id, in_region(_ORGANIZATION.c.region_code, region_code),
    )).first()
    if found is None:
        raise field_error("organization_id", f"no such organisation in region {region_code}",
                          f"辖区 {region_code} 内没有该单位")


def set_password(session: Session, *, user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    session.flush()


def issue_token(signer: TokenSigner, user: User) -> str:
    return signer.issue(user.id, password_stamp(user.password_hash))


_EXPIRED = Unauthenticated(detail="invalid or expired token", detail_zh="登录已失效，请重新登录")


def read_token(session: Session, *, signer: TokenSigner, token: str) -> tuple[User, TokenClaims]:
    """The active user of a valid token that was neither revoked nor outlived a password change."""
    claims = signer.read(token)
    if claims is None:
        raise _EXPIRED
    # One statement for the user and the revocation: every request of a signed-in user asks it (#11 speed).
    revoked = exists().where(RevokedToken.token_id == claims.token_id)
    found = session.execute(select(User, revoked).where(User.id == claims.user_id)).first()
    if found is None:
        raise _EXPIRED
    user, is_revoked = found
    if is_revoked or not user.active or password_stamp(user.password_hash) != claims.stamp:
        raise _EXPIRED
    return user, claims


def principal_from_token(session: Session, *, signer: TokenSigner, token: str) -> Principal:
    """The acting principal of a token; also binds the session to the principal's scope."""
    user, _claims = read_token(session, signer=signer, token=token)
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


def find_user(session: Session, *, username: str) -> User:
    return first_or_404(session, select(User).where(User.username == username), key=username, what="user",
                        what_zh="用户")


def users_by_username(session: Session, *, usernames: Collection[str]) -> dict[str, User]:
    """The users of ``usernames`` the reader may see, for pages that name who did something (a record keeps
    the username; a page shows the person)."""
    wanted = sorted(set(usernames))
    return {u.username: u for u in session.scalars(select(User).where(User.username.in_(wanted)))} if wanted else {}


def users_by_id(session: Session, *, ids: Collection[int]) -> dict[int, User]:
    """The users of ``ids`` the reader may see (an audit page names the accounts its entries changed)."""
    wanted = sorted(set(ids))
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}


def list_users(session: Session, *, params: PageParams,
               filters: UserFilter | None = None) -> tuple[list[User], int]:
    stmt = select(User).order_by(User.id)
    wanted = filters or UserFilter()
    if wanted.q:
        stmt = stmt.where(User.username.contains(wanted.q) | User.display_name.contains(wanted.q))
    if wanted.role:
        stmt = stmt.where(User.role == wanted.role.value)
    if wanted.region:
        stmt = stmt.where(in_region(User.region_code, wanted.region))
    if wanted.active is not None:
        stmt = stmt.where(User.active.is_(wanted.active))
    if wanted.organization_id is not None:
        stmt = stmt.where(User.organization_id == wanted.organization_id)
    return paginate(session, stmt, params)


def audit_query(principal: Principal, filters: AuditFilter) -> Select[tuple[AuditEntry]]:
    """Audit entries of changes inside the principal's region (entries with no region: admins only), newest
    first, narrowed by ``filters``."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    region_filter: Any = in_region(AuditEntry.region_code, principal.region_code)
    if principal.role == Role.ADMIN:
        region_filter = region_filter | AuditEntry.region_code.is_(None)
    stmt = stmt.where(region_filter)
    if filters.region:
        stmt = stmt.where(in_region(AuditEntry.region_code, filters.region))
    for field, value in ((AuditEntry.entity, filters.entity), (AuditEntry.entity_id, filters.entity_id),
                         (AuditEntry.actor, filters.actor), (AuditEntry.action, filters.action)):
        if value:
            stmt = stmt.where(field == value)
    if filters.since:
        stmt = stmt.where(AuditEntry.at >= filters.since)
    if filters.until:
        stmt = stmt.where(AuditEntry.at < filters.until)
    return stmt


def list_audit(session: Session, *, principal: Principal, params: PageParams,
               filters: AuditFilter) -> tuple[list[AuditEntry], int]:
    return paginate(session, audit_query(principal, filters), params)


def audit_rows(session: Session, *, principal: Principal, filters: AuditFilter, limit: int) -> list[AuditEntry]:
    """At most ``limit`` entries of the filtered log, newest first, for an export."""
    return list(session.scalars(audit_query(principal, filters).limit(limit)))
