"""领奖通知 in short transactions, so that no lock on the case is held while the SMS gateway is called (with its
retries, seconds), and no SMS leaves before its intent is on record:

1. under the case's lock: the step is allowed, "notice_sending" recorded, committed; another 领奖通知 of the same
   case within ``SENDING_HOLD`` is refused meanwhile, so two people clicking at once send one SMS;
2. the SMS, through the reports (which alone read the phone), in a reader's session: no write lock held;
3. under the lock again: ``notify`` (the claim period counted from the notice) or ``notice_failed``.

A process that dies between 1 and 3 leaves "notice_sending" on the timeline without an outcome; after the hold
the notice can be given again, with the same correlation key (a gateway may drop the repeat by it). A notice
given by phone, letter or in person is recorded in one transaction (``service.notify``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.clock import Clock, format_local
from citysafe.core.db import Units
from citysafe.core.errors import Conflict
from citysafe.public.rewards import service
from citysafe.public.rewards.models import RewardCase, RewardStep
from citysafe.public.rewards.schemas import NoticeIn
from citysafe.public.rewards.sources import REPORT_SOURCE

# Longer than one send can take: the outbound channel's retry policy (core/outbound/sender.py) makes at most
# 3 attempts with at most 30 s between them, each bounded by its adapter's timeout.
SENDING_HOLD = timedelta(minutes=5)
UNDELIVERED_ZH = "短信未送达（举报人未留手机号、已申请删除个人信息或短信通道未送达），请改用电话、书面或当面通知"


@dataclass(frozen=True)
class _Intent:
    report_id: int
    text: str
    correlation_key: str
    claim_due_at: datetime
    note: str
    sent_at: datetime


def _sending_since(session: Session, case: RewardCase) -> datetime | None:
    last = session.scalars(select(RewardStep).where(RewardStep.case_id == case.id)
                           .order_by(RewardStep.seq.desc()).limit(1)).first()
    return last.at if last is not None and last.action == "notice_sending" else None


def _begin(session: Session, *, case: RewardCase, data: NoticeIn, principal: Principal, now: datetime) -> _Intent:
    before = service.require(case, "notify", principal)
    since = _sending_since(session, case)
    if since is not None and now - since < SENDING_HOLD:
        raise Conflict(detail="a notice SMS of this case is being sent",
                       detail_zh=f"领奖通知短信已于 {format_local(since)[11:16]} 开始发送，请稍候刷新查看结果")
    claim_due_at = service.claim_due(session, case, now=now)
    service.record_by(session, case, principal, action="notice_sending", before=before, now=now,
                      note="经短信通道发送，送达结果见下一步")
    return _Intent(report_id=case.report_id, text=service.notice_text(case, claim_due_at),
                   correlation_key=f"reward:{case.id}:notice", claim_due_at=claim_due_at, note=data.note.strip(),
                   sent_at=now)


def _finish(session: Session, *, case: RewardCase, intent: _Intent, delivered: bool, principal: Principal,
            now: datetime) -> None:
    before = case.state
    if not delivered:
        service.record_by(session, case, principal, action="notice_failed", before=before, now=now,
                          note=UNDELIVERED_ZH)
        return
    note = (intent.note + "；" if intent.note else "") + "短信已送达举报人留存的手机号"
    if before != "approved":  # moved on meanwhile (a timer, another hand): the delivery is recorded, not applied
        service.record_by(session, case, principal, action="notice_delivered", before=before, now=now, note=note)
        return
    case.state, case.notified_at, case.notice_method, case.claim_due_at = \
        "notified", intent.sent_at, "sms", intent.claim_due_at
    session.flush()
    service.record_by(session, case, principal, action="notify", before=before, now=now,
                      note=f"{note}；领取期限至 {format_local(intent.claim_due_at)[:16]}")


def give(units: Units, *, case_id: int, data: NoticeIn, principal: Principal, clock: Clock) -> bool:
    """Give the 领奖通知 of a case (SMS, or recorded as given otherwise); a refused step raises before anything
    is sent or stored. False when the SMS did not reach the reporter (recorded as notice_failed)."""
    with units.write() as session:
        case = service.get(session, case_id=case_id, lock=True)
        if data.method != "sms":
            service.notify(session, case=case, data=data, principal=principal, now=clock.now())
            return True
        intent = _begin(session, case=case, data=data, principal=principal, now=clock.now())
    with units.read() as session:
        delivered = REPORT_SOURCE.of(session).notify_reporter(session, intent.report_id, intent.text,
                                                              intent.correlation_key)
    with units.write() as session:
        case = service.get(session, case_id=case_id, lock=True)
        _finish(session, case=case, intent=intent, delivered=delivered, principal=principal, now=clock.now())
    return delivered
