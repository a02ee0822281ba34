"""Sending the queued deliveries of a warning through the application's ``core.outbound``, after the commit
that queued them, and writing each recipient's receipt (status, attempts, gateway reference, error).

Batches of one channel and one message go out as one ``Message`` with many recipients (the SMS and webhook
adapters post to several at once); ``core.outbound`` retries transient failures itself. A failed delivery
stays ``failed`` with its reason; ``send(..., retry_failed=True)`` (``POST …/deliveries/send``) tries those again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

from sqlalchemy import bindparam, select, update

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.outbound import Channel, DeliveryResult, Message
from citysafe.emergency.warnings import levels
from citysafe.emergency.warnings.models import DELIVERY_TABLE, EarlyWarning, WarningDelivery, WarningMessage

log = logging.getLogger(__name__)
BATCH: Final = 500
SENDABLE: Final = ("sms", "email", "webhook")


def sms_text(warning: EarlyWarning, colour_zh: str, level_name: str, msg_type: str) -> str:
    """What a phone shows: the kind of message, the colour and level, the headline, what to do, the issuer."""
    verb = {"Alert": "", "Update": "（调整）", "Cancel": "（解除）"}.get(msg_type, "")
    return f"【{colour_zh}预警{verb}】{warning.headline}。{warning.instruction}（{warning.issuer}，{level_name}）"


def send(ctx: AppContext, *, warning_id: int, retry_failed: bool = False, batch: int = BATCH) -> dict[str, int]:
    """Send every queued (and, when asked, failed) delivery of the warning; the counts by final status."""
    statuses = ("queued", "failed") if retry_failed else ("queued",)
    with unit_of_work(ctx.session_factory) as session:
        warning = session.get(EarlyWarning, warning_id)
        if warning is None:
            return {}
        msgs = {m.id: (m.msg_type, m.identifier) for m in
                session.scalars(select(WarningMessage).where(WarningMessage.warning_id == warning_id))}
        session.expunge(warning)
    lv = levels.table(ctx.settings).levels[warning.level]
    counts: dict[str, int] = defaultdict(int)
    last = 0
    while True:
        with unit_of_work(ctx.session_factory) as session:
            rows = session.execute(
                select(WarningDelivery.id, WarningDelivery.message_id, WarningDelivery.channel,
                       WarningDelivery.address, WarningDelivery.attempts)
                .where(WarningDelivery.warning_id == warning_id, WarningDelivery.id > last,
                       WarningDelivery.status.in_(statuses), WarningDelivery.channel.in_(SENDABLE))
                .order_by(WarningDelivery.id).limit(batch)).all()
        if not rows:
            return dict(counts)
        last = rows[-1].id
        groups: dict[tuple[int, str], list[tuple[int, str, int]]] = defaultdict(list)
        for row in rows:
            groups[(row.message_id, row.channel)].append((row.id, row.address, row.attempts))
        updates = []
        for (message_id, channel), members in groups.items():
            msg_type, identifier = msgs[message_id]
            text = sms_text(warning, lv.colour_zh, lv.name, msg_type)
            channel_name: Channel = channel  # type: ignore[assignment]
            message = Message(
                channel=channel_name, recipients=tuple(a for _, a, _ in members), subject=text[:200], text=text,
                payload={"identifier": identifier, "msg_type": msg_type, "level": warning.level,
                         "colour": lv.colour, "headline": warning.headline,
                         "cap": f"/api/v1/public/warnings/{identifier}.xml", "drill": warning.is_drill},
                correlation_key=f"warning:{identifier}:{channel}:{members[0][0]}",
                drill=warning.is_drill or warning.cap_status == "Test")
            results: dict[str, DeliveryResult] = {r.recipient: r for r in ctx.outbound.send(message).results}
            for row_id, address, attempts in members:
                result = results.get(address.strip())
                if result is None:
                    continue
                updates.append({"b_id": row_id, "status": result.status, "attempts": attempts + result.attempts,
                                "reference": result.reference[:200], "error": result.error[:500],
                                "sent_at": result.sent_at})
                counts[result.status] += 1
        with unit_of_work(ctx.session_factory) as session:

            table = DELIVERY_TABLE
            session.connection().execute(
                update(table).where(table.c.id == bindparam("b_id"))
                .values(status=bindparam("status"), attempts=bindparam("attempts"), reference=bindparam("reference"),
                        error=bindparam("error"), sent_at=bindparam("sent_at")), updates)


def send_left_queued(ctx: AppContext) -> int:
    """Send what a stopped process committed but had not sent yet (or a seeded demo queued): the warnings that
    still have queued deliveries, oldest first. Returns how many warnings were taken up."""
    with unit_of_work(ctx.session_factory) as session:
        ids = list(session.scalars(select(WarningDelivery.warning_id).where(WarningDelivery.status == "queued")
                                   .distinct().order_by(WarningDelivery.warning_id)))
    for warning_id in ids:
        send(ctx, warning_id=warning_id)
    return len(ids)


@asynccontextmanager
async def running(app: Any, ctx: AppContext) -> AsyncIterator[None]:
    """At start-up, in the background: deliveries left queued go out (a warning is never silently dropped by a
    restart between its commit and its sending). The app starts without waiting for it; stopping waits until it
    has finished (the receipts are written)."""

    async def take_up() -> None:
        try:
            taken = await asyncio.to_thread(send_left_queued, ctx)
            if taken:
                log.warning("sent the queued deliveries of %d warnings left by an earlier process", taken)
        except Exception:
            log.exception("sending the warnings' queued deliveries failed; POST …/deliveries/send retries")

    task = asyncio.create_task(take_up(), name="warnings-left-queued")
    try:
        yield
    finally:
        await task
