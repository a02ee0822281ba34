"""Every domain's tables, event types and event handlers, imported in one place.

The metadata (and Alembic) sees all the tables; every application context gets every domain's event
types (``new_context``); every process that commits (the web app, the gateway's writer process, the NATS
worker) subscribes the same reactions to its context's bus, without importing the web app.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from sqlalchemy import Engine

from citysafe.auth import models as auth_models
from citysafe.core import audit, events, jobs
from citysafe.core.clock import Clock
from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.core.db import Base
from citysafe.core.events import DomainEvent, EventBus
from citysafe.emergency import events as emergency_events
from citysafe.emergency import handlers as emergency_handlers
from citysafe.emergency import models as emergency_models
from citysafe.emergency import roster as emergency_roster
from citysafe.emergency.command import models as command_models
from citysafe.emergency.dispatch import models as dispatch_models
from citysafe.emergency.drills import models as drills_models
from citysafe.emergency.ledger import models as ledger_models
from citysafe.emergency.mutualaid import models as mutualaid_models
from citysafe.emergency.plans import models as plans_models
from citysafe.emergency.reports import models as reports_models
from citysafe.emergency.resources import models as resources_models
from citysafe.emergency.routing import models as routing_models
from citysafe.emergency.shelters import models as shelters_models
from citysafe.emergency.warnings import models as warnings_models
from citysafe.evaluation import models as evaluation_models
from citysafe.evaluation.indicators import models as indicator_models
from citysafe.evaluation.workflow import handlers as evaluation_handlers
from citysafe.evaluation.workflow import models as evaluation_workflow_models
from citysafe.firewatch import events as firewatch_events
from citysafe.firewatch import handlers as firewatch_handlers
from citysafe.firewatch.alarms import duty as firewatch_duty
from citysafe.firewatch.alarms import links as firewatch_links
from citysafe.firewatch.alarms import models as firewatch_alarm_models
from citysafe.firewatch.ingest import models as firewatch_ingest_models
from citysafe.firewatch.registry import models as firewatch_registry_models
from citysafe.hazards import events as hazards_events
from citysafe.hazards import handlers as hazards_handlers
from citysafe.hazards.enforcement import models as enforcement_models
from citysafe.hazards.grids import models as grids_models
from citysafe.hazards.inspection import models as inspection_models
from citysafe.hazards.permits import models as permits_models
from citysafe.hazards.tickets import models as tickets_models
from citysafe.knowledge import models as knowledge_models
from citysafe.knowledge.services import models as purchased_services_models
from citysafe.knowledge.thinktank import models as thinktank_models
from citysafe.orgs import models as orgs_models
from citysafe.public.open311 import models as public_open311_models
from citysafe.public.participation import models as participation_models
from citysafe.public.reports import handlers as public_reports_handlers
from citysafe.public.reports import models as public_reports_models
from citysafe.public.reports import photo_jobs as report_photo_jobs
from citysafe.public.rewards import models as rewards_models
from citysafe.regions import models as regions_models
from citysafe.risk import events as risk_events
from citysafe.risk import handlers as risk_handlers
from citysafe.risk import models as risk_models

MODEL_MODULES: tuple[ModuleType, ...] = (
    audit,
    events,
    jobs,
    regions_models,
    orgs_models,
    auth_models,
    thinktank_models,
    purchased_services_models,
    knowledge_models,
    grids_models,
    inspection_models,
    tickets_models,
    permits_models,
    enforcement_models,
    firewatch_registry_models,
    firewatch_ingest_models,
    firewatch_alarm_models,
    risk_models,
    emergency_models,
    plans_models,
    drills_models,
    reports_models,
    ledger_models,
    command_models,
    resources_models,
    shelters_models,
    routing_models,
    dispatch_models,
    warnings_models,
    mutualaid_models,
    evaluation_models,
    evaluation_workflow_models,
    indicator_models,
    participation_models,
    public_reports_models,
    public_open311_models,
    rewards_models,
)
# Each domain's ``events.EVENTS``: the classes typed handlers get their events back as.
EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    *firewatch_events.EVENTS,
    *hazards_events.EVENTS,
    *risk_events.EVENTS,
    *emergency_events.EVENTS,
)
# Each module has ``register(bus)``, subscribing its domain's reactions to other domains' events.
HANDLER_MODULES: tuple[ModuleType, ...] = (
    risk_handlers,
    firewatch_handlers,
    hazards_handlers,
    emergency_handlers,
    evaluation_handlers,
    public_reports_handlers,
)


def load_models() -> type[Base]:
    """The declarative base, every domain's tables registered on its metadata (importing this module did it)."""
    return Base


def new_context(settings: Settings, *, engine: Engine | None = None, clock: Clock | None = None) -> AppContext:
    """An application context on ``settings`` whose bus knows every domain's events (no handlers yet:
    whoever runs them calls ``register_handlers(ctx.bus)``). The tables are registered: importing this
    module imported every model module."""
    ctx = AppContext.from_settings(settings, engine=engine, clock=clock, event_types=EVENT_TYPES)
    install_lookups(ctx)
    return ctx


def install_lookups(ctx: AppContext) -> None:
    """What a lower domain asks of a higher one through an interface of its own: firewatch's escalation
    notices ask emergency's duty roster who is on duty (firewatch/alarms/duty.py); the jobs sweep asks a domain
    to submit its work again (core/jobs.py)."""
    firewatch_duty.DUTY_LOOKUP.set(ctx, emergency_roster.duty_people)
    # Job kinds that start over when the process running them stopped (core/jobs.py asks; it cannot import them).
    jobs.RESUMERS.set(ctx, {report_photo_jobs.JOB_KIND: report_photo_jobs.submit_again})


def register_handlers(event_bus: EventBus) -> None:
    for module in HANDLER_MODULES:
        module.register(event_bus)


# Objects a process builds from its settings before it starts, so a setting that cannot work stops the
# start with one line (exit 2 from the CLI) instead of failing at the first fire: firewatch's 119 link
# and notifier (a webhook without its URL, a channel the outbound settings do not enable).
STARTUP_CHECKS: tuple[Callable[[AppContext], object], ...] = (firewatch_links.links,)


def check_startup(ctx: AppContext) -> None:
    """Build what ``STARTUP_CHECKS`` names for ``ctx``; ValueError when the settings cannot make it."""
    for check in STARTUP_CHECKS:
        check(ctx)
