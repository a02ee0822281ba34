from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, Forbidden, field_error
from citysafe.core.geo import location_wgs84
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import current_scope, in_region
from citysafe.orgs.models import Organization
from citysafe.orgs.schemas import OrganizationCreate, OrganizationFilter, OrganizationUpdate
from citysafe.regions import service as regions_service


def _check_region(session: Session, region_code: str) -> None:
    scope = current_scope(session)
    if scope is not None and not scope.covers(region_code):
        raise Forbidden(detail=f"region {region_code} is outside your scope",
                        detail_zh=f"行政区划 {region_code} 不在您的管辖范围内")
    try:
        regions_service.get(session, code=region_code)
    except Exception as exc:
        raise field_error("region_code", f"unknown division {region_code}", f"未知的行政区划 {region_code}") from exc


def _check_uscc_free(session: Session, uscc: str | None, own_id: int | None = None) -> None:
    if not uscc:
        return
    other = session.scalars(select(Organization.id).where(Organization.uscc == uscc)
                            .execution_options(skip_scope=True)).first()
    if other is not None and other != own_id:
        raise Conflict(detail=f"an organisation with credit code {uscc} exists",
                       detail_zh=f"统一社会信用代码 {uscc} 已登记")


def create(session: Session, *, org_in: OrganizationCreate) -> Organization:
    _check_region(session, org_in.region_code)
    _check_uscc_free(session, org_in.uscc)
    lon, lat = location_wgs84(org_in.location)
    org = Organization(
        name=org_in.name, kind=org_in.kind.value, region_code=org_in.region_code, uscc=org_in.uscc,
        sector=org_in.sector, address=org_in.address, lon=lon, lat=lat,
        contacts=[c.model_dump() for c in org_in.contacts],
    )
    session.add(org)
    session.flush()
    return org


def get(session: Session, *, org_id: int) -> Organization:
    return get_or_404(session, Organization, org_id, what="organization", what_zh="单位")


def sectors_by_id(session: Session, *, org_ids: set[int]) -> dict[int, str]:
    """Each visible organisation's sector (行业), by id: what a duty that depends on the sector reads."""
    if not org_ids:
        return {}
    return dict(session.execute(select(Organization.id, Organization.sector)
                                .where(Organization.id.in_(org_ids))).tuples().all())


def update(session: Session, *, org: Organization, org_in: OrganizationUpdate) -> Organization:
    changes = org_in.model_dump(exclude_unset=True)
    if changes.get("region_code"):
        _check_region(session, changes["region_code"])
    if "uscc" in changes:
        _check_uscc_free(session, changes["uscc"], org.id)
    if "location" in changes:
        org.lon, org.lat = location_wgs84(org_in.location)
        changes.pop("location")
    if "contacts" in changes and org_in.contacts is not None:
        changes["contacts"] = [c.model_dump() for c in org_in.contacts]
    if "kind" in changes and org_in.kind is not None:
        changes["kind"] = org_in.kind.value
    for key, value in changes.items():
        if value is not None or key == "uscc":
            setattr(org, key, value)
    session.flush()
    return org


def sectors(session: Session) -> list[str]:
    """The sectors units in the reader's scope are filed under, for a filter's choices."""
    return sorted(s for s in session.scalars(select(Organization.sector).distinct()) if s)


def list_organizations(
    session: Session, *, filters: OrganizationFilter, params: PageParams,
) -> tuple[list[Organization], int]:
    stmt = select(Organization).order_by(Organization.id)
    if filters.ids is not None:
        stmt = stmt.where(Organization.id.in_(filters.ids))
    if filters.q:
        # One box finds a unit by its name, its address or (part of) its credit code, as offices search.
        stmt = stmt.where(Organization.name.contains(filters.q) | Organization.address.contains(filters.q)
                          | Organization.uscc.contains(filters.q.upper()))
    if filters.kind:
        stmt = stmt.where(Organization.kind == filters.kind.value)
    if filters.region:
        stmt = stmt.where(in_region(Organization.region_code, filters.region))
    if filters.sector:
        stmt = stmt.where(Organization.sector == filters.sector)
    if filters.uscc:
        stmt = stmt.where(Organization.uscc == filters.uscc.upper())
    return paginate(session, stmt, params)


def located_contacts(
    session: Session, *, bbox: tuple[float, float, float, float] | None = None, within: str | None = None,
) -> list[tuple[int, str, str, float | None, float | None, list[dict[str, object]]]]:
    """(id, name, region_code, lon, lat, contacts) of the organisations in the session's scope that lie in the
    WGS84 box (min_lon, min_lat, max_lon, max_lat) or inside the division ``within``: whom a warning reaches
    (emergency/warnings)."""
    o = Organization
    stmt = select(o.id, o.name, o.region_code, o.lon, o.lat, o.contacts).order_by(o.id)
    if bbox is not None:
        stmt = stmt.where(o.lon.between(bbox[0], bbox[2]), o.lat.between(bbox[1], bbox[3]))
    if within:
        stmt = stmt.where(in_region(o.region_code, within))
    return [(r.id, r.name, r.region_code, r.lon, r.lat, list(r.contacts or [])) for r in session.execute(stmt)]
