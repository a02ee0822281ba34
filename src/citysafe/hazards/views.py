"""The hazards API under ``/api/v1/hazards``: one router assembling the parts of the domain."""

from __future__ import annotations

from fastapi import APIRouter

from citysafe.hazards.enforcement.views import router as enforcement_router
from citysafe.hazards.grids.views import router as grids_router
from citysafe.hazards.inspection.views import router as inspection_router
from citysafe.hazards.permits.views import router as permits_router
from citysafe.hazards.tickets.views import router as tickets_router

router = APIRouter(prefix="/hazards")
for part in (tickets_router, inspection_router, permits_router, enforcement_router, grids_router):
    router.include_router(part)
