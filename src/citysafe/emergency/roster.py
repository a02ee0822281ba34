"""The duty roster (值班表): who is on duty for a region on a day, an account or a name, with a phone.

A region without its own roster for the day is covered by the nearest region above it that has one
(a street by its district, a district by its city), so a call anywhere finds someone to ring.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.core.errors import NotFound, field_error
from citysafe.emergency.models import DutyShift
from citysafe.emergency.schemas import DutyEntryIn
from citysafe.regions import service as regions_service


def _check_region(session: Session, code: str) -> None:
    if not regions_service.names(session, codes=[code]):
        raise field_error("region_code", f"unknown division {code}", "行政区划不存在或不在您的管辖范围内")


def set_day(session: Session, *, region_code: str, day: date, entries: list[DutyEntryIn]) -> list[DutyShift]:
    """Replace the roster of ``region_code`` on ``day`` with ``entries`` (the scope refuses other regions)."""
    _check_region(session, region_code)
    shifts: list[DutyShift] = []
    for index, entry in enumerate(entries):
        name = entry.name.strip()
        if entry.user_id is not None:
            try:
                user = auth_service.get_user(session, user_id=entry.user_id)
            except NotFound as exc:
                raise field_error(f"entries.{index}.user_id", "no such account", "账号不存在") from exc
            name = name or user.display_name or user.username
        if not name:
            raise field_error(f"entries.{index}.name", "name the person on duty or give the account",
                              "须填写值班人员姓名或选择账号")
        shifts.append(DutyShift(region_code=region_code, day=day, post=entry.post.strip(), user_id=entry.user_id,
                                name=name, phone=entry.phone.strip(), note=entry.note.strip()))
    session.execute(delete(DutyShift).where(DutyShift.region_code == region_code, DutyShift.day == day))
    session.add_all(shifts)
    session.flush()
    return shifts


def _upward(code: str) -> list[str]:
    """``code`` and the divisions above it: 320102002 → 320102, 320100, 320000."""
    chain = [code]
    if len(code) > 6:
        chain += [code[:9]] if len(code) == 12 else []
        chain.append(code[:6])
    county = chain[-1]
    for parent in (county[:4] + "00", county[:2] + "0000"):
        if parent not in chain:
            chain.append(parent)
    return chain


def on_duty(session: Session, *, region_code: str, day: date) -> tuple[str | None, list[DutyShift]]:
    """The roster answering for ``region_code`` on ``day``: its own, or the nearest one above it."""
    chain = _upward(region_code)
    rows = session.scalars(select(DutyShift).where(DutyShift.region_code.in_(chain), DutyShift.day == day)
                           .order_by(DutyShift.id)).all()
    for code in chain:
        own = [row for row in rows if row.region_code == code]
        if own:
            return code, own
    return None, []


def duty_people(session: Session, region_code: str, day: date) -> tuple[str | None, list[tuple[str, str, str]]]:
    """``on_duty`` as firewatch's escalation notice asks it (firewatch/alarms/duty.py): the division whose
    roster answered and its people as (post, name, phone), the leader first."""
    code, shifts = on_duty(session, region_code=region_code, day=day)
    ordered = sorted(shifts, key=lambda s: (s.post != "带班领导", s.id))
    return code, [(s.post, s.name, s.phone) for s in ordered]
