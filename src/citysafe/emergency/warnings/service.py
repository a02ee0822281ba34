"""Warnings: draft → issue (CAP Alert) → adjust (Update, 第七十条) → lift (Cancel, 解除).

Every check runs before the first write, so a refused request leaves nothing behind. Issuing builds the CAP
message (calc/cap.py), refuses it if the OASIS schema does (signing.schema_errors), signs it, stores it, and
queues one delivery per recipient × channel in bulk (recipients.py) in the same transaction; the sending
happens after the commit (delivery.py). A warning tied to a drill incident is CAP ``Exercise``, its texts are
marked 【演练】 and no public channel carries it (drill_mode.py); a ``Test`` alert reaches only test channels.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shapely.geometry import shape
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.context import context_of
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed, field_error
from citysafe.core.geo import BoundingBox
from citysafe.core.validators import within_region
from citysafe.emergency import drill_mode, timeline
from citysafe.emergency import service as incidents
from citysafe.emergency.models import Incident
from citysafe.emergency.warnings import levels, recipients, signing
from citysafe.emergency.warnings.calc import area as area_calc
from citysafe.emergency.warnings.calc import cap
from citysafe.emergency.warnings.calc import identifier as ident
from citysafe.emergency.warnings.calc.levels import LevelTable
from citysafe.emergency.warnings.models import (
    DELIVERY_TABLE,
    EarlyWarning,
    WarningDelivery,
    WarningMessage,
    WarningSubscriber,
)
from citysafe.emergency.warnings.schemas import AreaIn, SubscriberCreate, WarningCancel, WarningChange, WarningCreate
from citysafe.regions import service as regions_service

CATEGORY_NAMES_ZH = {"natural_disaster": "自然灾害", "accident": "事故灾难", "public_health": "公共卫生事件",
                     "social_security": "社会安全事件"}
OUTBOUND = ("sms", "email", "webhook")  # through core.outbound; "console" and "public" are the platform's own


def level_table(session: Session) -> LevelTable:
    return levels.table(context_of(session).settings)


def _conflict(field: str, message: str, message_zh: str) -> Conflict:
    return Conflict(detail=message, detail_zh=message_zh, fields=[FieldProblem(field, message, message_zh)])


def _boundary_near(session: Session, code: str) -> Any:
    """The nearest boundary at or above ``code`` the session may read (streets have none: the county's)."""
    for candidate in dict.fromkeys((code, code[:6], code[:4] + "00", code[:2] + "0000")):
        try:
            return shape(regions_service.boundary_feature(session, code=candidate)["geometry"])
        except NotFound:
            continue
    return None


def check_area(session: Session, *, area_in: AreaIn, principal: Principal) -> tuple[area_calc.CheckedArea | None,
                                                                                      list[str], str]:
    """(checked polygon or None, division codes, area in words); 422 naming ``area`` or ``region_codes``."""
    if area_in.area is not None:
        try:
            checked = area_calc.check(area_in.area)
        except area_calc.AreaError as exc:
            raise field_error("area", str(exc), exc.message_zh) from None
        bound = _boundary_near(session, principal.region_code)
        if bound is not None and not checked.geometry.intersects(bound):
            raise field_error("area", "the area lies outside your region (the province's or your division's "
                              "boundary)", "区域不在本省（本辖区）范围内")
        return checked, [], "绘制区域"
    codes = list(dict.fromkeys(c.strip() for c in area_in.region_codes))
    names = regions_service.names(session, codes=codes)
    for code in codes:
        if code not in names or not within_region(code, principal.region_code):
            raise field_error("region_codes", f"no division {code} in your region", f"您的管辖范围内没有区划 {code}")
    return None, codes, "、".join(names[c] for c in codes)


def create(session: Session, *, warning_in: WarningCreate, principal: Principal, now: datetime) -> EarlyWarning:
    checked, codes, desc = check_area(session, area_in=warning_in, principal=principal)
    incident: Incident | None = None
    if warning_in.incident_id is not None:
        try:
            incident = incidents.get(session, incident_id=warning_in.incident_id)
        except NotFound:
            raise field_error("incident_id", "no such incident in your region",
                              "您的管辖范围内没有该突发事件") from None
    drill = incident is not None and drill_mode.is_drill(incident)
    status = "Exercise" if drill else ("Test" if warning_in.test else "Actual")
    issuer = warning_in.issuer.strip() or regions_service.names(session, codes=[principal.region_code]).get(
        principal.region_code, principal.region_code) + "应急管理局"
    warning = EarlyWarning(
        region_code=principal.region_code, incident_id=incident.id if incident else None,
        category=warning_in.category, event=warning_in.event.strip() or CATEGORY_NAMES_ZH[warning_in.category],
        level=warning_in.level, headline=warning_in.headline, description=warning_in.description,
        instruction=warning_in.instruction, onset_at=warning_in.onset, expires_at=warning_in.expires,
        area=checked.geojson if checked else None, region_codes=codes,
        area_desc=warning_in.area_desc.strip() or desc, issuer=issuer, state="draft", cap_status=status,
        is_drill=drill, created_by=principal.display_name, proposed_measures=[])
    session.add(warning)
    session.flush()
    return warning


def get(session: Session, *, warning_id: int) -> EarlyWarning:
    return get_or_404(session, EarlyWarning, warning_id, what="warning", what_zh="预警")


def messages(session: Session, *, warning_id: int) -> list[WarningMessage]:
    return list(session.scalars(select(WarningMessage).where(WarningMessage.warning_id == warning_id)
                                .order_by(WarningMessage.id)))


def _info(warning: EarlyWarning, table: LevelTable, *, now: datetime, cancel: bool) -> cap.Info:
    lv = table.levels[warning.level]
    if warning.area is not None:
        parts = area_calc.check(warning.area).cap_polygons()
        areas = tuple(cap.Area(warning.area_desc if len(parts) == 1 else f"{warning.area_desc}（{i}）", (p,))
                      for i, p in enumerate(parts, 1))
    else:
        areas = (cap.Area(warning.area_desc, geocodes=tuple(("行政区划代码", c) for c in warning.region_codes)),)
    return cap.Info(
        categories=table.cap_categories.get(warning.category, ("Other",)), event=warning.event,
        response_types=("AllClear",) if cancel else ("Prepare",), urgency="Past" if cancel else lv.urgency,
        severity=lv.severity, certainty=lv.certainty, headline=warning.headline, description=warning.description,
        instruction=warning.instruction, sender_name=warning.issuer, effective=now, onset=warning.onset_at,
        expires=warning.expires_at,
        event_codes=(("突发事件类别", CATEGORY_NAMES_ZH.get(warning.category, warning.category)),),
        # 第六十三条's level and colour, which CAP's severity cannot carry (spec emergency.md §0.6).
        parameters=(("预警级别", lv.name), ("预警颜色", lv.colour_zh), ("level", str(lv.level)), ("colour", lv.colour)),
        areas=areas)


def build_document(session: Session, *, warning: EarlyWarning, msg_type: str, now: datetime, identifier: str,
                   note: str = "") -> cap.Alert:
    settings = context_of(session).settings
    earlier = messages(session, warning_id=warning.id) if msg_type != "Alert" else []
    return cap.Alert(
        identifier=identifier, sender=settings.warning_sender, sent=now, status=warning.cap_status,
        msg_type=msg_type, scope="Public", source="citysafe", note=note,
        references=tuple(cap.Reference(settings.warning_sender, m.identifier, m.sent_at) for m in earlier),
        incidents=(f"INC{warning.incident_id}",) if warning.incident_id else (),
        info=(_info(warning, level_table(session), now=now, cancel=msg_type == "Cancel"),))


def _next_identifier(session: Session, warning: EarlyWarning, now: datetime) -> str:
    settings = context_of(session).settings
    unit = ident.sender_unit_code(warning.region_code[:6].ljust(6, "0"), settings.warning_industry_code)
    prefix = ident.second_prefix(unit, now)
    taken = session.scalar(select(func.count()).select_from(WarningMessage)
                           .where(WarningMessage.identifier.startswith(prefix, autoescape=True))) or 0
    if taken > ident.MAX_SEQUENCE:
        raise _conflict("identifier", "ten messages of this unit were sent this second; send again",
                        "本单位本秒已发出 10 条预警信息，请稍后重试")
    return ident.identifier(unit, now, int(taken))


def preview(session: Session, *, warning: EarlyWarning, now: datetime) -> bytes:
    """The CAP message the next step would send (unsigned, not stored): the console's preview."""
    msg_type = {"draft": "Alert", "issued": "Update"}.get(warning.state, "Cancel")
    unit = ident.sender_unit_code(warning.region_code[:6].ljust(6, "0"),
                                  context_of(session).settings.warning_industry_code)
    return cap.to_bytes(cap.build(build_document(session, warning=warning, msg_type=msg_type, now=now,
                                                 identifier=ident.identifier(unit, now, 0))))


def _channels(session: Session, warning: EarlyWarning) -> frozenset[str]:
    """A Test alert: only the outbound channels configured as test-only. Otherwise SMS, e-mail, webhook and the
    console (a channel core.outbound has not enabled answers not_sent on the receipt, honestly)."""
    outbound = context_of(session).outbound
    test_only = {c for c in outbound.channels if getattr(outbound.adapter(c), "test_only", False)}
    if warning.cap_status == "Test":
        return frozenset(test_only)
    return frozenset({*OUTBOUND, "console"} - test_only)


def _send(session: Session, *, warning: EarlyWarning, msg_type: str, principal: Principal, now: datetime,
          note: str = "") -> WarningMessage:
    identifier = _next_identifier(session, warning, now)
    root = cap.build(build_document(session, warning=warning, msg_type=msg_type, now=now, identifier=identifier,
                                    note=note))
    problems = signing.schema_errors(cap.to_bytes(root))
    if problems:  # never send a message a receiver's validator would throw away
        raise ValidationFailed(detail="the CAP message is not valid: " + "; ".join(problems[:3]),
                               detail_zh="生成的 CAP 消息未通过 OASIS CAP 1.2 校验：" + "；".join(problems[:3]))
    xml = signing.sign(root, signing.SIGNING.of(session))
    message = WarningMessage(warning_id=warning.id, region_code=warning.region_code, identifier=identifier,
                             msg_type=msg_type, cap_status=warning.cap_status, level=warning.level, sent_at=now,
                             xml=xml.decode("utf-8"), sent_by=principal.display_name)
    session.add(message)
    session.flush()
    # A drill (Exercise) or a Test never reaches a public channel: no subscriber, no feed (drill_mode.py).
    public = warning.cap_status == "Actual" and not warning.is_drill
    target = recipients.Target(
        geometry=area_calc.check(warning.area).geometry if warning.area else None,
        region_codes=tuple(warning.region_codes), within=warning.region_code,
        channels=_channels(session, warning), test=warning.cap_status == "Test", public=public)
    rows = recipients.select_all(session, target)
    queue(session, message=message, warning=warning, rows=rows, public=public, now=now)
    # The public's subscribers (a Test alert: the test receivers) — a drill reaches none of them.
    ids = recipients.subscriber_ids(session, target) if public or target.test else recipients.NO_IDS
    recipients.queue_subscribers(session, ids=ids, channels=target.channels, fixed=_fixed(message, warning))
    message.recipients = len({(r[0], r[1]) for r in rows}) + len(ids)
    if warning.incident_id is not None:
        _on_timeline(session, warning=warning, message=message, principal=principal, now=now)
    return message


def _fixed(message: WarningMessage, warning: EarlyWarning) -> dict[str, Any]:
    return {"message_id": message.id, "warning_id": warning.id, "region_code": warning.region_code, "attempts": 0,
            "reference": "", "error": ""}


def queue(session: Session, *, message: WarningMessage, warning: EarlyWarning,
          rows: list[recipients.Row], public: bool, now: datetime) -> int:
    """One delivery row per recipient × channel, in one bulk INSERT (executemany), not one ORM object each;
    the console and the public page are delivered by being written (they read the warning)."""
    base = {**_fixed(message, warning), "sent_at": None}
    values = [{**base, "recipient_kind": k, "recipient_ref": ref, "recipient_name": name[:200], "channel": ch,
               "address": addr[:300], "status": "queued"} for k, ref, name, ch, addr in rows]
    for value in values:
        if value["channel"] == "console":
            value.update(status="delivered", attempts=1, reference="console", sent_at=now)
    if public:
        values.append({**base, "recipient_kind": "public", "recipient_ref": "atom", "recipient_name": "公众页面与ATOM",
                       "channel": "public", "address": "/api/v1/public/warnings.atom", "status": "delivered",
                       "attempts": 1, "reference": message.identifier, "sent_at": now})
    if values:
        session.execute(insert(DELIVERY_TABLE), values)
    return len(values)


def _on_timeline(session: Session, *, warning: EarlyWarning, message: WarningMessage, principal: Principal,
                 now: datetime) -> None:
    incident = incidents.get(session, incident_id=warning.incident_id or 0)
    lv = level_table(session).levels[warning.level]
    verb = {"Alert": "发布", "Update": "调整", "Cancel": "解除"}[message.msg_type]
    text = f"{verb}{lv.colour_zh}预警（{lv.name}）：{warning.headline}；标识符 {message.identifier}"
    timeline.append(session, incident=incident, kind="warning", text=text, actor=principal.display_name,
                    actor_id=principal.user_id, at=now,
                    payload={"warning_id": warning.id, "identifier": message.identifier, "msg_type": message.msg_type,
                             "level": warning.level, "recipients": message.recipients,
                             "proposed_measures": warning.proposed_measures})


def issue(session: Session, *, warning: EarlyWarning, principal: Principal, now: datetime) -> WarningMessage:
    if warning.state != "draft":
        raise _conflict("state", "the warning has been issued already", "该预警已发布")
    if warning.expires_at <= now:
        raise field_error("expires", "the warning has already expired", "预警已过期，请修改失效时间")
    warning.proposed_measures = list(level_table(session).measures(warning.level))
    warning.state, warning.issued_at = "issued", now
    return _send(session, warning=warning, msg_type="Alert", principal=principal, now=now)


def change(session: Session, *, warning: EarlyWarning, change_in: WarningChange, principal: Principal,
           now: datetime) -> WarningMessage:
    if warning.state != "issued":
        raise _conflict("state", "only an issued warning can be adjusted", "只有已发布的预警可以调整")
    updates = change_in.model_dump(exclude_unset=True, exclude={"note"})
    if not updates:
        raise field_error("level", "nothing to change", "没有需要调整的内容")
    expires = updates.pop("expires", None)
    if expires is not None:
        if expires <= warning.onset_at:
            raise field_error("expires", "expires must be after onset", "失效时间应晚于起始时间")
        warning.expires_at = expires
    for key, value in updates.items():
        setattr(warning, key, value)
    warning.proposed_measures = list(level_table(session).measures(warning.level))
    return _send(session, warning=warning, msg_type="Update", principal=principal, now=now, note=change_in.note)


def cancel(session: Session, *, warning: EarlyWarning, cancel_in: WarningCancel, principal: Principal,
           now: datetime) -> WarningMessage:
    if warning.state != "issued":
        raise _conflict("state", "only an issued warning can be lifted", "只有已发布的预警可以解除")
    warning.state, warning.cancelled_at = "cancelled", now
    return _send(session, warning=warning, msg_type="Cancel", principal=principal, now=now,
                 note=cancel_in.note or "预警解除")


def count_recipients(session: Session, *, area_in: AreaIn, principal: Principal, test: bool) -> dict[str, Any]:
    checked, codes, _ = check_area(session, area_in=area_in, principal=principal)
    outbound = context_of(session).outbound
    channels = frozenset(outbound.channels) | {"sms", "email", "webhook", "console"}
    target = recipients.Target(geometry=checked.geometry if checked else None, region_codes=tuple(codes),
                               within=principal.region_code, channels=channels, test=test)
    rows = recipients.select_all(session, target)
    by_kind: dict[str, set[str]] = {}
    by_channel: dict[str, int] = {}
    for kind, ref, _name, channel, _addr in rows:
        by_kind.setdefault(kind, set()).add(ref)
        by_channel[channel] = by_channel.get(channel, 0) + 1
    counts = {k: len(v) for k, v in by_kind.items()}
    ids = recipients.subscriber_ids(session, target)
    if len(ids):
        counts["subscriber"] = len(ids)
        for channel, n in recipients.subscriber_channels(session, ids, channels).items():
            by_channel[channel] = by_channel.get(channel, 0) + n
    return {"total": sum(counts.values()), "by_kind": counts, "by_channel": by_channel}


def delivery_counts(session: Session, *, warning_id: int) -> dict[str, int]:
    rows = session.execute(select(WarningDelivery.status, func.count()).where(WarningDelivery.warning_id == warning_id)
                           .group_by(WarningDelivery.status))
    return {str(status): int(n) for status, n in rows}


def deliveries(session: Session, *, warning_id: int, status: str | None, limit: int) -> list[WarningDelivery]:
    stmt = select(WarningDelivery).where(WarningDelivery.warning_id == warning_id)
    if status:
        stmt = stmt.where(WarningDelivery.status == status)
    return list(session.scalars(stmt.order_by(WarningDelivery.id).limit(limit)))


def list_warnings(session: Session, *, limit: int = 200) -> list[EarlyWarning]:
    return list(session.scalars(select(EarlyWarning).order_by(EarlyWarning.id.desc()).limit(limit)))


def active_public(session: Session, *, now: datetime) -> list[tuple[EarlyWarning, WarningMessage]]:
    """What the public feed lists: issued, not expired, Actual (never a drill or a test), with its latest message."""
    latest = (select(WarningMessage.warning_id, func.max(WarningMessage.id).label("mid"))
              .group_by(WarningMessage.warning_id).subquery())
    stmt = (select(EarlyWarning, WarningMessage).join(latest, latest.c.warning_id == EarlyWarning.id)
            .join(WarningMessage, WarningMessage.id == latest.c.mid)
            .where(EarlyWarning.state == "issued", EarlyWarning.expires_at > now, EarlyWarning.cap_status == "Actual",
                   EarlyWarning.is_drill.is_(False)).order_by(WarningMessage.sent_at.desc()))
    return [(w, m) for w, m in session.execute(stmt).tuples()]


def subscribe(session: Session, *, subscriber_in: SubscriberCreate) -> WarningSubscriber:
    """A receiver of warnings for a place (a resident's phone or e-mail, a broadcaster's webhook)."""
    row = WarningSubscriber(**subscriber_in.model_dump())
    session.add(row)
    session.flush()
    return row


def active_for_desk(session: Session, *, now: datetime) -> list[dict[str, Any]]:
    """The issued warnings in force in the session's scope, highest level first, for the duty desk: a 一/二级
    one carries the measures of 第六十七条 the desk is to take (or to propose to the government)."""
    table = level_table(session)
    rows = session.scalars(select(EarlyWarning).where(EarlyWarning.state == "issued", EarlyWarning.expires_at > now)
                           .order_by(EarlyWarning.level, EarlyWarning.issued_at.desc()).limit(20))
    return [{"id": w.id, "headline": w.headline, "level": w.level, "level_name": table.levels[w.level].name,
             "colour_zh": table.levels[w.level].colour_zh, "colour_hex": table.levels[w.level].hex,
             "is_drill": w.is_drill, "area_desc": w.area_desc,
             "measures": list(table.measures_1_2) if w.level <= 2 else []} for w in rows]


def areas_in_force(session: Session, *, now: datetime, box: BoundingBox | None, limit: int) -> list[dict[str, Any]]:
    """The drawn areas of the warnings in force in the session's scope, highest level first, for the command map.
    At most ``limit`` rows are read; the box is applied to each area's own bounds (areas have no indexed box)."""
    table = level_table(session)
    rows = session.scalars(select(EarlyWarning).where(EarlyWarning.state == "issued", EarlyWarning.expires_at > now,
                                                      EarlyWarning.area.is_not(None))
                           .order_by(EarlyWarning.level, EarlyWarning.issued_at.desc()).limit(limit))
    out = []
    for w in rows:
        if w.area is None:
            continue
        if box is not None and not box.overlaps(BoundingBox(*shape(w.area).bounds)):
            continue
        lv = table.levels[w.level]
        out.append({"geometry": w.area, "id": w.id, "name": w.headline, "level_name": lv.name,
                    "colour_zh": lv.colour_zh, "colour_hex": lv.hex, "incident_id": w.incident_id,
                    "href": f"/emergency/warnings/{w.id}"})
    return out


def of_incident(session: Session, *, incident_id: int) -> list[EarlyWarning]:
    """The warnings linked to an incident, newest first (the incident room links to them)."""
    return list(session.scalars(select(EarlyWarning).where(EarlyWarning.incident_id == incident_id)
                                .order_by(EarlyWarning.id.desc()).limit(50)))


def public_message(session: Session, *, identifier: str) -> WarningMessage:
    found = session.scalars(select(WarningMessage).where(WarningMessage.identifier == identifier,
                                                         WarningMessage.cap_status == "Actual")).first()
    if found is None:
        raise NotFound(detail=f"no public warning {identifier}", detail_zh=f"没有公开的预警信息 {identifier}")
    return found
