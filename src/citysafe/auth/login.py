"""Checking a username and password: the one way in for the API's token and the console's login page.

Three defences against guessing, each written so that load or a rollback cannot weaken it:

- an account locks for ``LOCKOUT`` after ``MAX_FAILED_LOGINS`` failures; each failure is counted in a short
  unit of work of its own, committed before the answer, so no rollback of the request loses it and parallel
  guesses are counted one by one (the account row is locked while it is counted);
- a client address may fail ``settings.login_failures_per_address`` times per moving window, over every
  account (a password spray), then answers 429 with Retry-After;
- an unknown user, a wrong password, an inactive and a locked account answer the same 401 after the same
  work: the password is always verified against a hash (a dummy one for an unknown user), so neither the
  status nor the time tells which accounts exist or are locked.

The password hash is verified outside any write transaction: argon2 takes ~100 ms of CPU, and holding
SQLite's write lock for it would queue every other writer behind each login.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from citysafe.auth.models import User
from citysafe.core.clock import utcnow
from citysafe.core.context import AppContext, Slot
from citysafe.core.db import unit_of_work
from citysafe.core.errors import TooManyAttempts, Unauthenticated
from citysafe.core.ratelimit import MovingWindow
from citysafe.core.security import hash_password, verify_password

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


def refused() -> Unauthenticated:
    """The one answer to every failed login, whatever the reason."""
    return Unauthenticated(detail="wrong username or password", detail_zh="用户名或密码错误")


@dataclass(frozen=True)
class _AddressLimit:
    failures: MovingWindow  # failed logins per address, within the settings' window
    limit: int


def _address_limit(ctx: AppContext) -> _AddressLimit:
    settings = ctx.settings
    return _AddressLimit(MovingWindow(settings.login_failure_window_seconds), settings.login_failures_per_address)


ADDRESS_LIMIT: Slot[_AddressLimit] = Slot("auth.login_address_limit", _address_limit)
# Verified against when the username is unknown, so that case costs one argon2 verification like the others.
DUMMY_HASH: Slot[str] = Slot("auth.login_dummy_hash", lambda _ctx: hash_password(secrets.token_urlsafe(16)))


def _check_address(limit: _AddressLimit, client: str) -> None:
    if limit.failures.allows(client, limit.limit):
        return
    raise TooManyAttempts(detail="too many failed logins from this address; try again later",
                          detail_zh="登录尝试过于频繁，请稍后再试", retry_after=limit.failures.retry_after(client))


def authenticate(ctx: AppContext, *, username: str, password: str, client: str,
                 now: datetime | None = None) -> User:
    """The active, unlocked user with these credentials, or ``refused()`` (401); 429 when ``client`` (an
    address) failed too often. Each read and write is a short unit of work of its own that has ended before
    the next begins: a login holds one pooled connection at most, and none while the hash is verified."""
    moment = now or utcnow()
    limit = ADDRESS_LIMIT.get(ctx)
    _check_address(limit, client)
    with unit_of_work(ctx.read_session_factory, actor="system:login") as session:
        user = session.scalars(select(User).where(User.username == username)
                               .execution_options(skip_scope=True)).first()
    matches = verify_password(user.password_hash if user is not None else DUMMY_HASH.get(ctx), password)
    if user is None or not user.active:
        limit.failures.hit(client, limit.limit)
        raise refused()
    if not matches:
        limit.failures.hit(client, limit.limit)
        _count_failure(ctx, user.id, moment)
        raise refused()
    if user.locked_until is not None and user.locked_until > moment:
        raise refused()
    if user.failed_logins or user.locked_until:
        _reset_failures(ctx, user.id)
    return user


def _count_failure(ctx: AppContext, user_id: int, moment: datetime) -> None:
    with unit_of_work(ctx.session_factory, actor="system:login") as session:
        # Row-locked on PostgreSQL; on SQLite the unit of work holds the write lock (BEGIN IMMEDIATE).
        user = session.scalars(select(User).where(User.id == user_id).with_for_update()
                               .execution_options(skip_scope=True)).one()
        if user.locked_until is not None and user.locked_until > moment:
            return  # already locked: a guess during the lock neither counts nor extends it
        if user.locked_until is not None:  # a lock that has run out: count afresh
            user.locked_until, user.failed_logins = None, 0
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = moment + LOCKOUT


def _reset_failures(ctx: AppContext, user_id: int) -> None:
    with unit_of_work(ctx.session_factory, actor="system:login") as session:
        user = session.scalars(select(User).where(User.id == user_id).with_for_update()
                               .execution_options(skip_scope=True)).one()
        user.failed_logins, user.locked_until = 0, None
