"""Reactions to other domains' events: a fire the monitoring centre confirmed opens an incident.

Emergency sits above firewatch and could subscribe to the class, but takes ``FireConfirmed`` by name as a
payload dict, as hazards takes ``FaultOverdue``: the incident is built from the keys the event carries
(``alarm_id, region_code, unit_organization_id, unit_id, unit_name, address, lon, lat, component,
description, first_received_at, confirmed_at, confirmed_by, note``), and tests/contracts feeds the real
event's payload to this handler, so a renamed field fails there. One incident per alarm
(``emergency.service.open_for_fire``), so a redelivered event changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from citysafe.core.context import context_of
from citysafe.core.events import EventBus
from citysafe.emergency.service import open_for_fire

__all__ = ["on_fire_confirmed", "register"]


def on_fire_confirmed(session: Session, payload: dict[str, Any]) -> None:
    ctx = context_of(session)  # settings and time of the session's application (tests pin its clock)
    open_for_fire(session, payload, settings=ctx.settings, now=ctx.clock.now())


def register(bus: EventBus) -> None:
    bus.subscribe_name("FireConfirmed", on_fire_confirmed)
