"""Every domain's tables, imported in one place so the metadata (and Alembic) sees them all."""

from __future__ import annotations

import importlib

from citysafe.core.db import Base

MODEL_MODULES = (
    "citysafe.core.audit",
    "citysafe.core.events",
    "citysafe.regions.models",
    "citysafe.orgs.models",
    "citysafe.auth.models",
    "citysafe.hazards.grids.models",
    "citysafe.hazards.inspection.models",
    "citysafe.hazards.tickets.models",
    "citysafe.hazards.permits.models",
    "citysafe.hazards.enforcement.models",
    "citysafe.firewatch.models",
    "citysafe.firewatch.records",
    "citysafe.risk.models",
)


def load_models() -> type[Base]:
    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return Base

