"""Account lifecycle after creation: deactivation, password changes and logging out.

Each ends access as soon as it commits. A token names its user, the user's password stamp and its own
id; ``service.read_token`` refuses it when the user is inactive, the password changed since it was
issued, or its id was revoked. So deactivating or changing a password ends every session and token of
that user, while logging out revokes only the token used to log out (the user's other sessions — a
phone, another browser — stay valid until they log out or expire).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from citysafe.auth.enums import Role
from citysafe.auth.models import RevokedToken, User
from citysafe.auth.schemas import Principal, UserUpdate
from citysafe.auth.service import check_organisation, get_user, may_manage, read_token, set_password
from citysafe.core.audit import record
from citysafe.core.clock import utcnow
from citysafe.core.errors import field_error
from citysafe.core.security import TokenSigner, verify_password


def managed_user(session: Session, *, actor: Principal | None, user_id: int) -> User:
    """A user ``actor`` may manage: inside its scope (the session's scope answers 404 outside it) and of a
    role below its own. ``None`` is the system itself (the CLI)."""
    user = get_user(session, user_id=user_id)
    if actor is not None:
        may_manage(actor, role=Role(user.role), region_code=user.region_code)
    return user


def update_user(session: Session, *, actor: Principal | None, user_id: int, user_in: UserUpdate) -> User:
    """Change a subordinate's role, region, unit, name or phone. The rules of creation hold on both sides of
    the change: ``actor`` must manage the account as it is and as it would be (a district office can neither
    promote an account to its own rank nor move it to another district), and an enterprise account keeps a
    unit inside its region. The account's sessions continue: each request reads the role afresh."""
    user = managed_user(session, actor=actor, user_id=user_id)
    changes = user_in.model_dump(exclude_unset=True)
    role = user_in.role or Role(user.role)
    region_code = user_in.region_code or user.region_code
    organization_id = changes.get("organization_id", user.organization_id)
    if actor is not None:
        may_manage(actor, role=role, region_code=region_code)
    if role == Role.ENTERPRISE and organization_id is None:
        raise field_error("organization_id", "an enterprise user needs its organisation", "企业用户须指定所属单位")
    if organization_id is not None and (organization_id != user.organization_id or region_code != user.region_code):
        check_organisation(session, org_id=organization_id, region_code=region_code)
    user.role, user.region_code, user.organization_id = role.value, region_code, organization_id
    if user_in.display_name is not None:
        user.display_name = user_in.display_name.strip() or user.username
    if user_in.phone is not None:
        user.phone = user_in.phone.strip()
    session.flush()
    return user


def set_active(session: Session, *, actor: Principal | None, user_id: int, active: bool) -> User:
    """Deactivate (every token of the user stops working at once) or reactivate an account.

    The change of ``active`` is audited like any other column change."""
    user = managed_user(session, actor=actor, user_id=user_id)
    user.active = active
    if active:
        user.failed_logins, user.locked_until = 0, None
    session.flush()
    return user


def reset_password(session: Session, *, actor: Principal | None, user_id: int, password: str) -> User:
    """An office (or the CLI) sets a subordinate's password; the user's existing tokens all end."""
    user = managed_user(session, actor=actor, user_id=user_id)
    set_password(session, user=user, password=password)
    user.failed_logins, user.locked_until = 0, None
    record(session, action="pw_reset", entity=User.__tablename__, entity_id=str(user.id),
           region_code=user.region_code)
    return user


def change_own_password(session: Session, *, principal: Principal, current: str, new: str) -> User:
    """The user's own change, proven by the current password; every earlier token ends with it."""
    user = get_user(session, user_id=principal.user_id)
    if not verify_password(user.password_hash, current):
        raise field_error("current_password", "the current password is wrong", "当前密码不正确")
    if current == new:
        raise field_error("new_password", "the new password must differ from the current one",
                          "新密码不能与当前密码相同")
    set_password(session, user=user, password=new)
    record(session, action="password", entity=User.__tablename__, entity_id=str(user.id),
           region_code=user.region_code)
    return user


def logout(session: Session, *, signer: TokenSigner, token: str, now: datetime | None = None) -> None:
    """Revoke the token used to log out, and drop revocations whose tokens have expired anyway."""
    user, claims = read_token(session, signer=signer, token=token)
    session.info.setdefault("actor", user.username)
    moment = now or utcnow()
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at < moment))
    session.add(RevokedToken(token_id=claims.token_id, user_id=user.id, expires_at=claims.expires_at))
    record(session, action="logout", entity=User.__tablename__, entity_id=str(user.id),
           region_code=user.region_code)
    session.flush()
