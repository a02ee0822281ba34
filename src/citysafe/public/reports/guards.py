"""What keeps a public form from being abused: keyed digests of phones and addresses, the per-address request
limit (``core.ratelimit``, a moving window per application), the burst check (reports per phone or address per hour,
from the stored reports so a restart forgets nothing), SMS codes, and the count of refused attempts (in a unit
of work of its own, after the refusal rolled back, like the login's failure count)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.orm import Session

from citysafe.core.context import AppContext, Slot, context_of
from citysafe.core.db import unit_of_work
from citysafe.core.errors import CitysafeError, Conflict, TooManyAttempts, field_error
from citysafe.core.outbound import Message
from citysafe.core.ratelimit import MovingWindow
from citysafe.public.reports.models import CitizenReport, RefusedAttempt, SmsCode

PHONE = r"^1[3-9][0-9]{9}$"
WINDOW_SECONDS = 60.0


LIMITER: Slot[MovingWindow] = Slot("public.reports.limiter", lambda _ctx: MovingWindow(WINDOW_SECONDS))


def keyed(ctx: AppContext, value: str) -> str:
    """An HMAC of ``value`` under the application's secret: equal for the same phone or address, not reversible."""
    if not value:
        return ""
    return hmac.new(ctx.settings.resolved_secret_key().encode(), value.encode(), hashlib.sha256).hexdigest()


def check_rate(ctx: AppContext, *, client: str, per_minute: int) -> None:
    """429 when ``client`` (an address) sent more than ``per_minute`` public requests in the last minute."""
    if not LIMITER.get(ctx).hit(client, per_minute):
        raise TooManyAttempts(detail="too many requests from this address; try again in a minute",
                              detail_zh="操作过于频繁，请一分钟后再试", retry_after=60)


def _reports_since(column: Any) -> Any:
    table = CitizenReport.__table__.c
    return (select(func.count()).select_from(CitizenReport.__table__)
            .where(column == bindparam("key_" + column.key),
                   table.created_at >= bindparam("since", type_=table.created_at.type)).scalar_subquery())


_KEYED = (("phone_key", "手机号"), ("client_key", "网络地址"))
# Built once (their cache keys kept on them), for each set of keys given: the reports of the phone and of the
# address in the last hour, in one statement, each count from its key's index.
_BURST = {(phone, client): select(*(_reports_since(CitizenReport.__table__.c[name])
                                    for (name, _what), given in zip(_KEYED, (phone, client), strict=True) if given))
          for phone in (True, False) for client in (True, False) if phone or client}


def check_burst(db: Session | Connection, *, phone_key: str, client_key: str, now: datetime, per_hour: int) -> None:
    """429 when the phone or the address already sent ``per_hour`` reports in the last hour."""
    given = (bool(phone_key), bool(client_key))
    if not any(given):
        return
    found = db.execute(_BURST[given], {"key_phone_key": phone_key, "key_client_key": client_key,
                                       "since": now - timedelta(hours=1)}).one()
    whats = [what for (_name, what), is_given in zip(_KEYED, given, strict=True) if is_given]
    for count, what in zip(found, whats, strict=True):
        if (count or 0) >= per_hour:
            raise TooManyAttempts(detail=f"no more than {per_hour} reports an hour from one phone or address",
                                  detail_zh=f"同一{what}每小时最多举报 {per_hour} 件，请稍后再报；"
                                            "紧急情况请拨打 12350 或 119",
                                  retry_after=3600)


# --- SMS codes -------------------------------------------------------------------------------------------

def _digest(ctx: AppContext, code_id: int, code: str) -> str:
    return keyed(ctx, f"{code_id}:{code}")


def send_code(session: Session, *, phone: str, purpose: str, now: datetime, minutes: int, per_hour: int) -> None:
    """A six-digit code by SMS to ``phone`` through the platform's outbound channel; only its digest is kept."""
    ctx = context_of(session)
    if "sms" not in ctx.outbound.channels:
        raise Conflict(detail="SMS verification is not available here; report without a phone number",
                       detail_zh="本平台暂未开通短信验证，可不填手机号匿名举报，凭回执编号查询进度")
    phone_key = keyed(ctx, phone)
    sent = session.scalar(select(func.count()).select_from(SmsCode).where(
        SmsCode.phone_key == phone_key, SmsCode.sent_at >= now - timedelta(hours=1))) or 0
    if sent >= per_hour:
        raise TooManyAttempts(detail="too many codes sent to this phone; try again in an hour",
                              detail_zh="该手机号获取验证码过于频繁，请一小时后再试", retry_after=3600)
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = SmsCode(phone_key=phone_key, code_digest="", purpose=purpose, sent_at=now,
                  expires_at=now + timedelta(minutes=minutes), failures=0)
    session.add(row)
    session.flush()
    row.code_digest = _digest(ctx, row.id, code)
    report = ctx.outbound.send(Message(channel="sms", recipients=(phone,), sensitive=True,
                                       correlation_key=f"report-code:{row.id}",
                                       text=f"您的举报验证码为 {code}，{minutes} 分钟内有效。如非本人操作请忽略。"))
    if not report.all_delivered:
        raise Conflict(detail="the code could not be sent; check the number or try later",
                       detail_zh="验证码发送失败，请核对手机号或稍后再试")


def check_code(session: Session, *, phone: str, code: str, purpose: str, now: datetime, max_failures: int) -> None:
    """The latest live code for ``phone`` and ``purpose`` matches (and is used up), or a problem on ``code``.
    A wrong guess is counted by ``count_refusal`` after this request rolled back."""
    ctx = context_of(session)
    row = session.scalars(select(SmsCode).where(
        SmsCode.phone_key == keyed(ctx, phone), SmsCode.purpose == purpose, SmsCode.used_at.is_(None))
        .order_by(SmsCode.id.desc()).limit(1)).first()
    if row is None or row.expires_at <= now or row.failures >= max_failures:
        raise field_error("code", "no valid code for this phone: ask for a new one",
                          "验证码已失效或输错次数过多，请重新获取")
    if not code.isdigit() or not hmac.compare_digest(row.code_digest, _digest(ctx, row.id, code)):
        left = max_failures - row.failures - 1
        raise field_error("code", "wrong code",
                          f"验证码不正确，还可输入 {left} 次" if left else "验证码不正确，已作废，请重新获取")
    row.used_at = now


# --- refused attempts -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Refusal:
    kind: str
    field: str


def refusal_of(exc: CitysafeError) -> Refusal:
    fields = [f.field for f in exc.fields]
    return Refusal(kind=exc.slug, field=fields[0] if fields else "")


def count_refusal(ctx: AppContext, *, exc: CitysafeError, client: str, phone: str, now: datetime) -> None:
    """Count a refused public request in a unit of work of its own (the request's own was rolled back); a wrong
    SMS code also counts against that code, so guessing ends after the allowed failures."""
    refusal = refusal_of(exc)
    with unit_of_work(ctx.session_factory, actor="public:citizen") as session:
        session.add(RefusedAttempt(kind=refusal.kind, field=refusal.field, client_key=keyed(ctx, client), at=now))
        if refusal.field == "code" and phone:
            latest = session.scalar(select(func.max(SmsCode.id)).where(SmsCode.phone_key == keyed(ctx, phone),
                                                                       SmsCode.used_at.is_(None)))
            if latest is not None:
                session.execute(update(SmsCode).where(SmsCode.id == latest).values(failures=SmsCode.failures + 1))


def refused_count(session: Session, *, kind: str | None = None, field: str | None = None) -> int:
    stmt = select(func.count()).select_from(RefusedAttempt)
    if kind:
        stmt = stmt.where(RefusedAttempt.kind == kind)
    if field:
        stmt = stmt.where(RefusedAttempt.field == field)
    return int(session.scalar(stmt) or 0)
