"""Handing confirmed fires to the 119 centre (城市消防通信指挥中心), through ``core.outbound``.

GB 50440 asks for a confirmed fire to reach 119 within 3 s. Forwarding runs as the ``FireConfirmed``
handler, i.e. only once the confirmation has committed: a confirmation that rolled back is never sent,
and a slow 119 link never holds a database lock (the operator's request waits at most the link's
timeout). Every attempt is a ``Forwarding`` row with its delay from the confirmation and an
``AlarmAction`` ``forward_119`` on the alarm's timeline.

A ``Forwarding`` says honestly what became of the fire:

* ``sent`` — the 119 link (``webhook``) accepted it;
* ``failed`` — the link refused it or was down; the timer (``timers.tick``) tries again, up to
  ``MAX_ATTEMPTS`` attempts; the last failure is recorded as ``manual_pending`` instead;
* ``manual_pending`` — nothing reached 119 and nothing more will be tried automatically: the site's
  link is the ``log`` (its 119 link is a phone call), or the webhook's attempts ran out. The console shows
  it as 待人工电话转警 with the unit's phone numbers, until the operator records the call;
* ``manual_done`` — the operator phoned 119 and recorded it (``record_call``): who called, when, who
  answered at 119, with the delay from the confirmation to the call.

The ``Forwarder`` of an application is built from its settings (``firewatch_forwarder``: ``log`` or
``webhook``) over the context's ``Outbound``, and kept on the context (``alarms/links.py``); tests give
it an ``Outbound`` with a scripted adapter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from citysafe.core.clock import Clock, SystemClock
from citysafe.core.config import Settings
from citysafe.core.errors import Conflict, field_error, not_found
from citysafe.core.outbound import DeliveryResult, Message, Outbound
from citysafe.firewatch.alarms.models import Alarm, AlarmAction, Forwarding
from citysafe.firewatch.alarms.outlink import OutboundLink, check_link

log = logging.getLogger(__name__)

MAX_ATTEMPTS: Final = 10  # automatic attempts per alarm, the first included
PHONE: Final = "phone"  # ``Forwarding.forwarder`` of a call the operator recorded
ForwardStatus = Literal["sent", "failed", "manual_pending", "manual_done"]
FORWARD_STATUSES: Final[tuple[ForwardStatus, ...]] = ("sent", "failed", "manual_pending", "manual_done")
STATUS_NAMES_ZH: Final[dict[str, str]] = {
    "sent": "已转发119", "failed": "转发失败，重试中", "manual_pending": "待人工电话转警",
    "manual_done": "已人工电话转警",
}
# The alarm's 119 state is that of its most telling row: one that reached 119 ends the matter.
_PRECEDENCE: Final = ("sent", "manual_done", "manual_pending", "failed")
# A call may be recorded a little ahead of the server's clock (the operator's watch), not more.
_CLOCK_SKEW: Final = timedelta(minutes=1)


@dataclass(frozen=True)
class Forwarder(OutboundLink):
    """One application's 119 link: the channel of its ``Outbound`` that carries confirmed fires.

    ``log``: the notice is written to the log and nothing leaves the platform, so every fire is recorded
    ``manual_pending`` (the operator phones 119). ``webhook``: the notice is POSTed as JSON to ``url``,
    one attempt per call, with ``timeout_seconds`` (the timer retries on its own schedule).
    """

    timeout_seconds: float = 3.0

    def message(self, notice: dict[str, Any]) -> Message:
        alarm_id = int(notice["alarm_id"])
        text = (f"【119转警】确认火警：{notice.get('unit_name') or '未登记设备'}"
                f"（{notice.get('address') or '地址未登记'}），{notice.get('component') or notice.get('description')}，"
                f"告警编号 {alarm_id}")
        return Message(channel=self.channel, recipients=(self.url if self.channel == "webhook" else "119",),
                       subject=f"确认火警 告警编号 {alarm_id}", text=text, payload=notice,
                       correlation_key=f"alarm:{alarm_id}:forward_119", timeout_seconds=self.timeout_seconds)

    def send(self, notice: dict[str, Any]) -> DeliveryResult:
        """One attempt; never raises for a delivery problem (``Outbound.send``'s contract)."""
        return self.outbound.send(self.message(notice), max_attempts=1).results[0]


def build_forwarder(settings: Settings, outbound: Outbound, clock: Clock | None = None) -> Forwarder:
    """The forwarder the settings name; a ``ValueError`` at start-up when it cannot work."""
    check_link("FIREWATCH_FORWARDER", settings.firewatch_forwarder, settings.firewatch_forward_url, outbound)
    return Forwarder(outbound=outbound, channel=settings.firewatch_forwarder, url=settings.firewatch_forward_url,
                     timeout_seconds=settings.firewatch_forward_timeout_seconds, clock=clock or SystemClock())


def forward(session: Session, *, notice: dict[str, Any], confirmed_at: datetime, forwarder: Forwarder) -> Forwarding:
    """One attempt: hand ``notice`` (the FireConfirmed payload) over and record what became of it."""
    alarm_id = int(notice["alarm_id"])
    result = forwarder.send(notice)
    sent_at = forwarder.clock.now()
    earlier = session.execute(select(func.count(Forwarding.id)).where(Forwarding.alarm_id == alarm_id)).scalar_one()
    status: ForwardStatus
    if result.delivered:
        status, note = "sent", result.reference or "已送达"
    elif result.status == "not_sent":  # the log, or the channel refused it: the reason stays in ``error``
        status, note = "manual_pending", "未发出：本平台未接入119联网转警，待人工电话转警"
    elif earlier + 1 >= MAX_ATTEMPTS:
        status, note = "manual_pending", f"第{earlier + 1}次转发失败，不再自动重试，待人工电话转警（{result.error}）"
    else:
        status, note = "failed", f"第{earlier + 1}次转发失败，稍后重试：{result.error}"
    row = Forwarding(alarm_id=alarm_id, forwarder=forwarder.name, status=status, confirmed_at=confirmed_at,
                     sent_at=sent_at, delay_ms=max(0.0, (sent_at - confirmed_at).total_seconds() * 1000),
                     reference=result.reference[:200], error=result.error[:500])
    session.add(row)
    session.add(AlarmAction(alarm_id=alarm_id, action="forward_119", from_state="confirmed", to_state="confirmed",
                            actor=f"system:{forwarder.name}", at=sent_at, note=note[:1000],
                            data={"ok": status == "sent", "status": status, "delay_ms": row.delay_ms,
                                  "attempt": earlier + 1}))
    session.flush()
    if status == "manual_pending":
        log.warning("alarm %s did not reach 119 (%s): the operator must phone", alarm_id, result.error)
    elif status == "failed":
        log.error("forwarding alarm %s to 119 failed: %s", alarm_id, result.error)
    return row


def retry_failed(session: Session, *, notice_for: Any, forwarder: Forwarder) -> int:
    """Forward again every confirmed alarm whose attempts all failed (not one awaiting a phone call, not
    one that reached 119), fewer than ``MAX_ATTEMPTS`` so far; returns how many were tried."""
    settled = exists().where(Forwarding.alarm_id == Alarm.id, Forwarding.status != "failed")
    tried = exists().where(Forwarding.alarm_id == Alarm.id)
    alarms = session.execute(
        select(Alarm).where(Alarm.state == "confirmed", tried, ~settled).execution_options(skip_scope=True)
    ).scalars().all()
    done = 0
    for alarm in alarms:
        attempts = session.execute(select(func.count(Forwarding.id))
                                   .where(Forwarding.alarm_id == alarm.id)).scalar_one()
        if attempts >= MAX_ATTEMPTS or alarm.decided_at is None:
            continue
        forward(session, notice=notice_for(alarm), confirmed_at=alarm.decided_at, forwarder=forwarder)
        done += 1
    return done


def forward_status(rows: list[Forwarding]) -> ForwardStatus | None:
    """The alarm's 119 state from its forwardings: reached 119 (``sent``, ``manual_done``), awaiting a
    call, retrying, or None when none was attempted."""
    statuses = {row.status for row in rows}
    return next((s for s in _PRECEDENCE if s in statuses), None)


def forward_statuses(session: Session, *, alarm_ids: list[int]) -> dict[int, ForwardStatus]:
    """``forward_status`` of each alarm that has a forwarding (for a page of the board)."""
    if not alarm_ids:
        return {}
    found: dict[int, set[str]] = {}
    for alarm_id, status in session.execute(select(Forwarding.alarm_id, Forwarding.status).distinct()
                                            .where(Forwarding.alarm_id.in_(alarm_ids))):
        found.setdefault(alarm_id, set()).add(status)
    return {a: next(s for s in _PRECEDENCE if s in statuses) for a, statuses in found.items()}


def record_call(session: Session, *, alarm_id: int, called_by: str, called_at: datetime, answered_by: str,
                note: str, actor: str, now: datetime) -> Forwarding:
    """The operator phoned 119 about confirmed fire ``alarm_id``: record it as the forwarding, with the
    delay from the confirmation to the call, and as ``forward_119_phone`` on the timeline.

    Refused (Conflict) when the alarm is not a confirmed fire or 119 already has it; ``called_at`` must
    lie between the confirmation and now (ValidationFailed).
    """
    alarm = session.get(Alarm, alarm_id)
    if alarm is None:
        raise not_found("alarm", "报警", alarm_id)
    if alarm.state != "confirmed" or alarm.decided_at is None:
        raise Conflict(detail="only a confirmed fire is forwarded to 119",
                       detail_zh="只有已确认的火警需要转警119")
    rows = list(session.execute(select(Forwarding).where(Forwarding.alarm_id == alarm_id)).scalars())
    if forward_status(rows) in ("sent", "manual_done"):
        raise Conflict(detail="119 already has this fire", detail_zh="该火警已转警119，无需重复登记")
    if called_at > now + _CLOCK_SKEW:
        raise field_error("called_at", "the call cannot be in the future", "拨打时间不能晚于当前时间")
    if called_at < alarm.decided_at:
        raise field_error("called_at", "the call cannot be before the fire was confirmed",
                          "拨打时间不能早于确认火警的时间")
    delay_ms = (called_at - alarm.decided_at).total_seconds() * 1000
    row = Forwarding(alarm_id=alarm_id, forwarder=PHONE, status="manual_done", confirmed_at=alarm.decided_at,
                     sent_at=called_at, delay_ms=delay_ms, reference=answered_by[:200], called_by=called_by[:100],
                     note=note[:500])
    session.add(row)
    text = f"{called_by}拨打119转警，119接警员：{answered_by}，距确认 {format_delay(delay_ms)}"
    session.add(AlarmAction(alarm_id=alarm_id, action="forward_119_phone", from_state=alarm.state,
                            to_state=alarm.state, actor=actor, at=now, method=PHONE,
                            note=(f"{text}；{note}" if note else text)[:1000],
                            data={"ok": True, "status": "manual_done", "delay_ms": delay_ms,
                                  "called_at": called_at.isoformat(), "called_by": called_by,
                                  "answered_by": answered_by}))
    session.flush()
    return row


def format_delay(delay_ms: float) -> str:
    """``1分05秒``, ``3秒``: how long after the confirmation 119 was reached."""
    seconds = round(delay_ms / 1000)
    if seconds < 60:
        return f"{seconds}秒"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}分{rest:02d}秒" if minutes < 60 else f"{minutes // 60}小时{minutes % 60:02d}分"
