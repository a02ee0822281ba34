"""The keys client apps post with: issued by an administrator (shown once, only the digest kept), revocable,
and every POST counted against its key with an hourly limit read from the stored posts."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.core.errors import Forbidden, NotFound, TooManyAttempts, field_error
from citysafe.public.open311.models import Open311Key, Open311Post

# How many POSTs one app may make in an hour unless the administrator says otherwise when issuing its key:
# 平台设定 [U] (no rule fixes it); a citizen's own burst limit (public.reports rules) still applies per device.
PER_HOUR_DEFAULT = 100
PER_HOUR_MAX = 100_000
PREFIX = "o311_"


class KeyRead(BaseModel):
    """A key as an administrator lists it (never the key itself)."""

    id: int
    name: str
    key_prefix: str
    per_hour: int
    media_hosts: list[str]
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    posts: int
    last_post_at: datetime | None


@dataclass(frozen=True)
class KeyHolder:
    """The app a valid key names, as a POST needs it."""

    id: int
    name: str
    media_hosts: tuple[str, ...]


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _hosts(text: str) -> tuple[str, ...]:
    return tuple(h.strip().lower() for h in text.split(",") if h.strip())


def read(row: Open311Key) -> KeyRead:
    return KeyRead(id=row.id, name=row.name, key_prefix=row.key_prefix, per_hour=row.per_hour,
                   media_hosts=list(_hosts(row.media_hosts)), created_at=row.created_at, created_by=row.created_by,
                   revoked_at=row.revoked_at, posts=row.posts, last_post_at=row.last_post_at)


def issue(session: Session, *, name: str, actor: str, now: datetime, per_hour: int = PER_HOUR_DEFAULT,
          media_hosts: str = "") -> tuple[KeyRead, str]:
    """A new key for the app ``name``: (what is stored, the key). The key is returned this once only."""
    name = name.strip()
    if not name or len(name) > 100:
        raise field_error("name", "name the app (1 to 100 characters)", "请填写应用名称（1 至 100 个字）")
    if not 1 <= per_hour <= PER_HOUR_MAX:
        raise field_error("per_hour", f"must lie between 1 and {PER_HOUR_MAX}", f"须在 1 至 {PER_HOUR_MAX} 之间")
    hosts = _hosts(media_hosts)
    if any("/" in h or " " in h for h in hosts) or len(",".join(hosts)) > 300:
        raise field_error("media_hosts", "host names only, comma-separated", "只填主机名，用逗号分隔")
    if session.scalars(select(Open311Key).where(Open311Key.name == name)).first() is not None:
        raise field_error("name", f"an app named {name!r} already has a key; revoke it first",
                          f"应用“{name}”已有密钥，请先吊销再重新签发")
    key = PREFIX + secrets.token_urlsafe(32)
    row = Open311Key(name=name, key_digest=digest(key), key_prefix=key[:10], per_hour=per_hour,
                     media_hosts=",".join(hosts), created_at=now, created_by=actor, posts=0)
    session.add(row)
    session.flush()
    return read(row), key


def revoke(session: Session, *, name: str, now: datetime) -> KeyRead:
    """The app ``name``'s key no longer posts (its row and its posts stay for the record); the name is freed."""
    row = session.scalars(select(Open311Key).where(Open311Key.name == name.strip())).first()
    if row is None:
        raise NotFound(detail=f"no Open311 key named {name!r}", detail_zh=f"没有名为“{name}”的 Open311 密钥")
    if row.revoked_at is None:
        row.revoked_at = now
        row.name = f"{row.name[:70]} (revoked {row.id})"
    return read(row)


def list_keys(session: Session) -> list[KeyRead]:
    return [read(r) for r in session.scalars(select(Open311Key).order_by(Open311Key.id))]


def holder(session: Session, *, key: str, now: datetime) -> KeyHolder:
    """The app a key names: 403 without a key or with an unknown or revoked one; 429 once the key made its
    hourly number of POSTs (refused ones included)."""
    if not key:
        raise Forbidden(detail="api_key was not provided", detail_zh="缺少 api_key：请向平台管理员申请")
    row = session.scalars(select(Open311Key).where(Open311Key.key_digest == digest(key.strip()))).first()
    if row is None or row.revoked_at is not None:
        raise Forbidden(detail="api_key is not valid", detail_zh="api_key 无效或已被吊销")
    made = session.scalar(select(func.count()).select_from(Open311Post).where(
        Open311Post.key_id == row.id, Open311Post.at > now - timedelta(hours=1))) or 0
    if made >= row.per_hour:
        raise TooManyAttempts(detail=f"this api_key may post {row.per_hour} requests an hour; try again later",
                              detail_zh=f"该 api_key 每小时最多提交 {row.per_hour} 件，请稍后再试", retry_after=3600)
    return KeyHolder(id=row.id, name=row.name, media_hosts=_hosts(row.media_hosts))


def count(session: Session, *, key_id: int, now: datetime, report_id: int | None = None, refused: str = "") -> int:
    """One POST made with the key: stored (``report_id``) or refused (the problem's slug). Returns the row's id
    (the token of a stored POST names it: tokens.py)."""
    post = Open311Post(key_id=key_id, at=now, report_id=report_id, refused=refused[:40])
    session.add(post)
    row = session.get(Open311Key, key_id)
    if row is not None:
        row.posts, row.last_post_at = row.posts + 1, now
    session.flush()
    return post.id
