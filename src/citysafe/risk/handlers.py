"""Reactions to hazards and fire monitoring: open hazards and active alarms raise sources' levels.

Subscribed by event name (payload dicts), so risk depends on no code of those domains; the payload keys
are the published contract: ``HazardReported``/``HazardClosed`` carry ticket_id, region_code,
organization_id, level (general|major), category, source, lon, lat; ``AlarmRaised``/``AlarmCleared``
carry alarm_id, kind (fire, fault …), region_code, unit_organization_id, lon, lat.

A hazard re-judged general ↔ major (``HazardLevelChanged``) updates its factor. An alarm stops raising
when it ends: ``AlarmCleared`` that closed it (a fire whose detector returned to normal stays open for
the operator, ``closed`` false), or ``AlarmUpdated`` into a terminal state (confirmed — the emergency
incident takes over —, false alarm, test, restored).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from citysafe.core.clock import utcnow
from citysafe.core.config import get_settings
from citysafe.core.context import AppContext
from citysafe.core.events import EventBus
from citysafe.risk.service import config, dynamic


def _config() -> config.RiskConfig:
    return config.from_settings(get_settings())


def on_hazard_reported(session: Session, payload: dict[str, Any]) -> None:
    cfg = _config()
    dynamic.on_hazard_reported(session, payload, at=utcnow(), rules=cfg.rules, radius_m=cfg.match_radius_m)


def on_hazard_closed(session: Session, payload: dict[str, Any]) -> None:
    if payload.get("ticket_id"):
        dynamic.clear_factor(session, kind="hazard", ref_id=str(payload["ticket_id"]), at=utcnow(),
                             rules=_config().rules)


def on_alarm_raised(session: Session, payload: dict[str, Any]) -> None:
    cfg = _config()
    dynamic.on_alarm_raised(session, payload, at=utcnow(), rules=cfg.rules, radius_m=cfg.match_radius_m)


TERMINAL_ALARM_STATES = frozenset({"confirmed", "false_alarm", "test", "restored"})


def on_alarm_cleared(session: Session, payload: dict[str, Any]) -> None:
    if payload.get("alarm_id") and payload.get("closed", True):
        dynamic.clear_factor(session, kind="alarm", ref_id=str(payload["alarm_id"]), at=utcnow(),
                             rules=_config().rules)


def ended(payload: dict[str, Any]) -> bool:
    """An update that ends an alarm; the bus delivers no other (each occurrence publishes one)."""
    return bool(payload.get("alarm_id")) and payload.get("state") in TERMINAL_ALARM_STATES


def on_alarm_updated(session: Session, payload: dict[str, Any]) -> None:
    if ended(payload):
        dynamic.clear_factor(session, kind="alarm", ref_id=str(payload["alarm_id"]), at=utcnow(),
                             rules=_config().rules)


def register(bus: EventBus, ctx: AppContext) -> None:
    del ctx  # these reactions need nothing of the running application
    bus.subscribe_name("HazardReported", on_hazard_reported)
    bus.subscribe_name("HazardLevelChanged", on_hazard_reported)  # same ticket, new level: the factor follows
    bus.subscribe_name("HazardClosed", on_hazard_closed)
    bus.subscribe_name("AlarmRaised", on_alarm_raised)
    bus.subscribe_name("AlarmUpdated", on_alarm_updated, when=ended)
    bus.subscribe_name("AlarmCleared", on_alarm_cleared)
