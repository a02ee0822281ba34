"""Telling the duty people about a fire alarm nobody acknowledged: the unit's own contact (its fire-control
room) when the timer reminds, the duty officer of the division the alarm went up to when it escalates.

The timer (``timers._remind_and_escalate``) only publishes ``AlarmReminded`` (beside the board's
``AlarmUpdated`` with change ``reminded``) and ``AlarmEscalated``; the handlers here run after that has
committed, so a tick that rolled back phones no one. A slow SMS/voice gateway must not hold a database lock
meanwhile: the handler's own session would take SQLite's write lock on its first statement (background
sessions BEGIN IMMEDIATE), so what the notice needs is read through a session of its own that begins
deferred and is closed before the call, and the attempt is written after it.

Notices leave through the application's ``core.outbound`` (the ``Notifier`` of ``alarms/links.py``):
``log`` (the default) writes them to the log and sends nothing, so they are recorded ``not_sent``, never
"notified"; ``webhook`` POSTs the notice as JSON to an SMS/voice gateway that texts the unit's contact
phone or maps the division's code to its duty roster.

Every attempt is an ``AlarmAction`` "notify" (actor ``system:<notifier>``, data ``{ok, status, to, channel,
level, attempt, reference, error, deliveries}``, one delivery result per recipient) on the alarm's
timeline. A failed attempt is logged and recorded with ``ok`` false. The timer retries it (``retry_failed``,
once per tick, at most ``MAX_ATTEMPTS`` attempts per alarm, channel and level) while the alarm is
unacknowledged and that notice has not gone out. Like the first attempt, a retry is not made inside the
tick's transaction, which holds the write lock: the tick publishes ``NoticeRetryDue`` and the attempt runs
as its handler, after the commit. Not retried: a notice the ``log`` did not send (it would not send the
next one either), and a reminder that failed because the unit has no contact phone (there is no one to
call until the registry has a number).

Only fire-type alarms (``DECISION_KINDS``: fire, gas, electrical) are notified; reminders of faults and
other alarms stay on the board. The notice's JSON is described in docs/notifications.md.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.clock import SHANGHAI, Clock, SystemClock
from citysafe.core.config import Settings
from citysafe.core.events import publish
from citysafe.core.outbound import DeliveryReport, DeliveryResult, Message, Outbound
from citysafe.firewatch.alarms.duty import DutyLookup, OnDuty, no_roster
from citysafe.firewatch.alarms.models import Alarm, AlarmAction
from citysafe.firewatch.alarms.outlink import OutboundLink, check_link
from citysafe.firewatch.enums import DECISION_KINDS, KIND_NAMES_ZH, AlarmKind, AlarmState
from citysafe.firewatch.events import NoticeRetryDue
from citysafe.firewatch.registry.models import FireUnit
from citysafe.regions import service as regions_service

log = logging.getLogger(__name__)

REMINDED: Final = "reminded"  # AlarmUpdated.change of the timer's reminder (for the board)
UNIT_CONTACT: Final = "unit_contact"  # channels: who a notice is for
REGION_DUTY: Final = "region_duty"
MAX_ATTEMPTS: Final = 5  # per alarm, channel and level, the first attempt included
NO_PHONE: Final = "单位未登记联系电话 (the unit has no contact phone)"


@dataclass(frozen=True)
class Notifier(OutboundLink):
    """One application's way to tell the people on duty: a channel of its ``Outbound``.

    ``log``: written to the log, one ``not_sent`` result per person (their phones, or the division's duty
    officer). ``webhook``: the notice JSON is POSTed to ``url`` (the gateway), one attempt per call (the
    timer retries on its own schedule); its result is the gateway's answer.
    """

    def message(self, notice: dict[str, Any], attempt: int) -> Message:
        to = notice["to"]
        people = tuple(to["phones"]) or (f"{to['name']}（{to['region_code']}）",)
        key = f"alarm:{notice['alarm_id']}:{notice['type']}:{notice['level']}:{attempt}"
        return Message(channel=self.channel, recipients=(self.url,) if self.channel == "webhook" else people,
                       subject=f"{notice['kind_name']}未确认 告警编号 {notice['alarm_id']}", text=notice["message"],
                       payload=notice, correlation_key=key, timeout_seconds=self.timeout_seconds)

    def send(self, notice: dict[str, Any], attempt: int) -> DeliveryReport:
        return self.outbound.send(self.message(notice, attempt), max_attempts=1)


def build_notifier(settings: Settings, outbound: Outbound, clock: Clock | None = None) -> Notifier:
    """The notifier the settings name; a ``ValueError`` at start-up when it cannot work."""
    check_link("FIREWATCH_NOTIFIER", settings.firewatch_notifier, settings.firewatch_notify_url, outbound)
    return Notifier(outbound=outbound, channel=settings.firewatch_notifier, url=settings.firewatch_notify_url,
                    timeout_seconds=settings.firewatch_notify_timeout_seconds, clock=clock or SystemClock())


def notify_reminded(session: Session, *, alarm_id: int, notifier: Notifier) -> AlarmAction | None:
    """Tell the unit's contact that its alarm is still unacknowledged; None when there is nothing to tell."""
    return _notify(session, notifier, alarm_id=alarm_id, channel=UNIT_CONTACT, level=0, region_code=None)


def notify_escalated(session: Session, *, alarm_id: int, level: int, region_code: str,
                     notifier: Notifier, duty: DutyLookup = no_roster) -> AlarmAction | None:
    """Tell the duty officer of ``region_code`` that the alarm went up to it (escalation ``level``): the people
    ``duty`` finds on its roster today, by name and phone, or the division's duty office by name."""
    return _notify(session, notifier, alarm_id=alarm_id, channel=REGION_DUTY, level=level, region_code=region_code,
                   duty=duty)


def retry_failed(session: Session) -> list[int]:
    """Publish a ``NoticeRetryDue`` for every failed notice of an unacknowledged alarm that is due another
    attempt; returns the alarm ids, one per notice."""
    rows = session.execute(
        select(AlarmAction.alarm_id, AlarmAction.data).join(Alarm, Alarm.id == AlarmAction.alarm_id)
        .where(AlarmAction.action == "notify", Alarm.is_open.is_(True), Alarm.state == AlarmState.NEW.value,
               Alarm.kind.in_(sorted(DECISION_KINDS)))
        .order_by(AlarmAction.id).execution_options(skip_scope=True)
    ).all()
    notices: dict[tuple[int, str, int], list[dict[str, Any]]] = {}
    for alarm_id, data in rows:
        notices.setdefault((alarm_id, data.get("channel", ""), int(data.get("level", 0))), []).append(data)
    due: list[int] = []
    for (alarm_id, channel, level), attempts in notices.items():
        latest = attempts[-1]
        if not _retriable(latest) or len(attempts) >= MAX_ATTEMPTS or _nobody_to_call(channel, latest):
            continue
        publish(session, NoticeRetryDue(alarm_id=alarm_id, channel=channel, level=level,
                                        region_code=latest.get("to", {}).get("region_code"),
                                        attempt=len(attempts) + 1))
        due.append(alarm_id)
    return due


def notify_again(session: Session, event: NoticeRetryDue, *, notifier: Notifier,
                 duty: DutyLookup = no_roster) -> AlarmAction | None:
    """Make the attempt ``event`` asks for, unless it was made already or is no longer wanted."""
    return _notify(session, notifier, alarm_id=event.alarm_id, channel=event.channel, level=event.level,
                   region_code=event.region_code, attempt=event.attempt, duty=duty)


def _retriable(data: dict[str, Any]) -> bool:
    # Only a failure may pass: a notice delivered is done, and one the log did not send would not be sent
    # by the next attempt either (rows before the outbound seam have no status: their ok decides).
    return str(data.get("status", "delivered" if data.get("ok") else "failed")) == "failed"


def _nobody_to_call(channel: str, data: dict[str, Any]) -> bool:
    # The reminder recorded without calling the gateway: the unit (or the unregistered device's none)
    # has no contact phone, and trying again would record the same failure every tick.
    return channel == UNIT_CONTACT and not data.get("to", {}).get("phones")


def _attempts(reader: Session, alarm_id: int, channel: str, level: int) -> list[dict[str, Any]]:
    datas = reader.execute(select(AlarmAction.data).where(AlarmAction.alarm_id == alarm_id,
                                                          AlarmAction.action == "notify")
                           .order_by(AlarmAction.id)).scalars()
    return [d for d in datas if d.get("channel") == channel and int(d.get("level", 0)) == level]


def _notify(session: Session, notifier: Notifier, *, alarm_id: int, channel: str, level: int,
            region_code: str | None, attempt: int = 1, duty: DutyLookup = no_roster) -> AlarmAction | None:
    with _reader(session) as reader:
        alarm = reader.get(Alarm, alarm_id)
        if alarm is None or alarm.kind not in DECISION_KINDS:
            return None
        if not alarm.is_open or alarm.state != AlarmState.NEW.value:
            # Acknowledged (or closed) between the tick and this delivery, e.g. one retried after a crash.
            log.info("alarm %s no longer unacknowledged: not notified", alarm_id)
            return None
        if attempt > 1:
            # The attempt number makes a retry happen once: a retry event published again by a tick
            # before the first was delivered (or redelivered after a crash) finds it made and drops.
            earlier = _attempts(reader, alarm_id, channel, level)
            if len(earlier) != attempt - 1 or earlier[-1].get("ok"):
                log.info("retry %s of alarm %s %s/%s already made: dropped", attempt, alarm_id, channel, level)
                return None
        roster_region, found = (duty(reader, region_code, notifier.clock.now().astimezone(SHANGHAI).date())
                                if channel == REGION_DUTY and region_code else (None, ()))
        people = (roster_region, [OnDuty(*person) for person in found])
        notice = _notice(reader, alarm, channel=channel, level=level, region_code=region_code, duty=people)
        state = alarm.state
    to = notice["to"]
    if channel == UNIT_CONTACT and not to["phones"]:
        results: tuple[DeliveryResult, ...] = ()
        status, reference, error = "failed", "", NO_PHONE
    else:
        report = notifier.send(notice, attempt)
        results = report.results
        status = "delivered" if report.all_delivered else "failed" if report.with_status("failed") else "not_sent"
        reference = "、".join(r.reference for r in results if r.reference)
        error = next((r.error for r in results if r.error), "")
    if status == "failed":
        log.error("notifying %s of alarm %s failed: %s", to, alarm_id, error)
    action = AlarmAction(alarm_id=alarm_id, action="notify", from_state=state, to_state=state,
                         actor=f"system:{notifier.name}", at=notifier.clock.now(),
                         note=_note(notice, status, error)[:1000],
                         data={"ok": status == "delivered", "status": status, "to": to, "channel": channel,
                               "level": level, "attempt": attempt, "reference": reference[:200],
                               "error": error[:500], "deliveries": [_delivery(r) for r in results]})
    session.add(action)
    session.flush()
    return action


def _delivery(result: DeliveryResult) -> dict[str, Any]:
    return {"recipient": result.recipient, "status": result.status, "reference": result.reference[:200],
            "error": result.error[:300], "attempts": result.attempts,
            "sent_at": result.sent_at.isoformat() if result.sent_at else None}


def _reader(session: Session) -> Session:
    """A session on the handler's database that begins deferred: on SQLite its reads take no write lock."""
    return Session(bind=session.get_bind().execution_options(sqlite_immediate=False))


def _duty_words(people: Sequence[OnDuty]) -> str:
    return "、".join(f"{p.post}{p.name}（{p.phone}）" for p in people)


def _notice(reader: Session, alarm: Alarm, *, channel: str, level: int, region_code: str | None,
            duty: tuple[str | None, Sequence[OnDuty]] = (None, ())) -> dict[str, Any]:
    unit = reader.get(FireUnit, alarm.unit_id) if alarm.unit_id else None
    region = region_code or alarm.region_code
    region_name = regions_service.names(reader, codes=[region]).get(region, "")
    first = alarm.first_received_at.astimezone(SHANGHAI)
    unit_name = alarm.unit_name or (unit.name if unit else "") or "未登记设备"
    address = unit.address if unit else ""
    kind_name = KIND_NAMES_ZH.get(AlarmKind(alarm.kind), alarm.kind)
    where = alarm.component or alarm.description or f"设备{alarm.device_address}"
    place = f"{unit_name}（{address}）" if address else unit_name
    if channel == UNIT_CONTACT:
        to: dict[str, Any] = {"region_code": None, "phones": [unit.contact_phone] if unit and unit.contact_phone
                              else [], "name": unit.contact_name if unit else ""}
        message = (f"【消防远程监控】{place}，{where}{kind_name}未确认，请消防控制室立即核实处置。"
                   f"首次报警 {first:%Y-%m-%d %H:%M:%S}，告警编号 {alarm.id}。")
    else:
        # The roster's people on duty (emergency's 值班表, through firewatch/alarms/duty.py), by name and phone;
        # without a roster, the division's duty office by name.
        roster_region, people = duty
        who = _duty_words(people) if people else f"{region_name or region}值班人员"
        to = {"region_code": region, "phones": [p.phone for p in people if p.phone], "name": who}
        if people:
            to |= {"people": [p._asdict() for p in people], "roster_region_code": roster_region}
        message = (f"【消防远程监控】{place}，{where}{kind_name}未确认，已升级至{region_name or region}"
                   f"（第{level}级），请{who}立即督促处置。首次报警 {first:%Y-%m-%d %H:%M:%S}，"
                   f"告警编号 {alarm.id}。")
    return {
        "type": "reminder" if channel == UNIT_CONTACT else "escalation",
        "alarm_id": alarm.id, "kind": alarm.kind, "kind_name": kind_name,
        "unit_id": alarm.unit_id, "unit_name": unit_name, "address": address,
        "device_address": alarm.device_address, "component": alarm.component, "description": alarm.description,
        "first_received_at": first.isoformat(timespec="seconds"), "level": level,
        "region_code": region, "region_name": region_name, "to": to, "message": message,
    }


def _note(notice: dict[str, Any], status: str, error: str) -> str:
    to = notice["to"]
    if notice["type"] == "reminder":
        who = f"单位联系人 {to['name']} {'、'.join(to['phones'])}".strip()
    elif to.get("people"):
        who = f"{notice['region_name'] or to['region_code']}值班 {to['name']}（第{notice['level']}级升级）"
    else:
        who = f"{notice['region_name'] or to['region_code']}值班人员（第{notice['level']}级升级）"
    if status == "delivered":
        return f"已通知{who}"
    if status == "not_sent":
        return f"未发出（未配置短信/语音网关，仅写入日志），请人工通知{who}"
    return f"通知{who}失败：{error}"
