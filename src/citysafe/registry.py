"""Every domain's tables and event handlers, imported in one place.

The metadata (and Alembic) sees all the tables; every process that commits (the web app, the gateway's
writer process, the NATS worker) subscribes the same reactions, without importing the web app.
"""

from __future__ import annotations

from types import ModuleType

from citysafe.auth import models as auth_models
from citysafe.core import audit, events
from citysafe.core.context import AppContext
from citysafe.core.db import Base
from citysafe.core.events import EventBus
from citysafe.firewatch import handlers as firewatch_handlers
from citysafe.firewatch.alarms import models as firewatch_alarm_models
from citysafe.firewatch.ingest import models as firewatch_ingest_models
from citysafe.firewatch.registry import models as firewatch_registry_models
from citysafe.hazards import handlers as hazards_handlers
from citysafe.hazards.enforcement import models as enforcement_models
from citysafe.hazards.grids import models as grids_models
from citysafe.hazards.inspection import models as inspection_models
from citysafe.hazards.permits import models as permits_models
from citysafe.hazards.tickets import models as tickets_models
from citysafe.orgs import models as orgs_models
from citysafe.regions import models as regions_models
from citysafe.risk import handlers as risk_handlers
from citysafe.risk import models as risk_models

MODEL_MODULES: tuple[ModuleType, ...] = (
    audit,
    events,
    regions_models,
    orgs_models,
    auth_models,
    grids_models,
    inspection_models,
    tickets_models,
    permits_models,
    enforcement_models,
    firewatch_registry_models,
    firewatch_ingest_models,
    firewatch_alarm_models,
    risk_models,
)
# Each module has ``register(bus, ctx)``, subscribing its domain's reactions to other domains' events; what
# a reaction needs of the running application (firewatch's 119 link and notifier) it takes from ``ctx``.
HANDLER_MODULES: tuple[ModuleType, ...] = (
    risk_handlers,
    firewatch_handlers,
    hazards_handlers,
)


def load_models() -> type[Base]:
    """The declarative base, every domain's tables registered on its metadata (importing this module did it)."""
    return Base


def register_handlers(event_bus: EventBus, ctx: AppContext) -> None:
    for module in HANDLER_MODULES:
        module.register(event_bus, ctx)
