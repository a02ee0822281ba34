"""The province dashboard page (issue #14 point 7): the plan's two targets, the map of creation objects by where
they stand, the cities ranked, the applicants, and the 通报 and Excel downloads. The same service as the API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from citysafe.auth import service as auth_service
from citysafe.auth.deps import DbSession, app_context
from citysafe.auth.enums import Permission
from citysafe.core.clock import to_local
from citysafe.evaluation.dashboard import bulletin, service
from citysafe.web.common import page_principal, render

router = APIRouter(include_in_schema=False)


@router.get("/evaluation", response_class=HTMLResponse)
def progress_page(request: Request, db: DbSession) -> Response:
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.READ_EVALUATION)
    today = to_local(app_context(request).clock.now()).date()
    data = service.overview(db, region_code=principal.region_code, today=today)
    points = [{"name": a.name, "city": a.city_name, "standing": a.standing, "standing_name": a.standing_name,
               "stage": a.stage, "lon": a.lon, "lat": a.lat} for a in data.applicants if a.lon is not None]
    return render(request, "evaluation/progress.html", principal, p=data, points=points,
                  period=bulletin.half_year(today),
                  tile_url=app_context(request).settings.tile_url)
