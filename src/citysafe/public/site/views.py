"""The public site's data without a login: the district risk map, warnings in force, shelters near a point."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from citysafe.auth.deps import Context, DbSession
from citysafe.public.site import service
from citysafe.public.site.schemas import PublicShelter, PublicWarning

public_router = APIRouter(prefix="/public", tags=["public site"])

#: What a browser or a proxy may keep: the data change within minutes, not seconds, for a citizen.
PUBLIC_CACHE = {"Cache-Control": "public, max-age=60", "Vary": "Accept-Language"}
Lon = Annotated[float | None, Query(ge=73, le=136, description="WGS84 longitude (China)")]
Lat = Annotated[float | None, Query(ge=3, le=54, description="WGS84 latitude (China)")]


@public_router.get("/risk-map.geojson", operation_id="public_risk_map", response_class=Response,
                   responses={200: {"content": {"application/geo+json": {}}}})
def risk_map(db: DbSession, ctx: Context, region: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None) -> Response:
    """Districts of a province or city with their level under the map's stated rule: nothing finer."""
    result = service.district_map(db, settings=ctx.settings, region_code=region or ctx.settings.root_region)
    return Response(result.geojson, media_type="application/geo+json", headers=PUBLIC_CACHE)


@public_router.get("/warnings.json", operation_id="public_warnings_json", response_model=list[PublicWarning])
def warnings_in_force(db: DbSession, ctx: Context, response: Response) -> list[PublicWarning]:
    response.headers.update(PUBLIC_CACHE)
    return service.active_warnings(db, now=ctx.clock.now())


@public_router.get("/shelters.json", operation_id="public_shelters_json", response_model=list[PublicShelter])
def shelters_near(db: DbSession, response: Response, lon: Lon = None, lat: Lat = None,
                  region: Annotated[str | None, Query(pattern=r"^\d{6,12}$")] = None) -> list[PublicShelter]:
    """The nearest shelters to a point (both ``lon`` and ``lat``), else a region's (``region``), else all."""
    response.headers.update(PUBLIC_CACHE)
    point = (lon, lat) if lon is not None and lat is not None else (None, None)
    return service.shelters_near(db, lon=point[0], lat=point[1], region_code=region)
