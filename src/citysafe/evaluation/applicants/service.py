"""The applicant registry: a 设区市, a 县/县级市/县改区 or a 国家级开发区, checked against the divisions tree.

A city is a division of city level; a county a division of district level, whose parent is its city; a
national development zone has a name and its 批复, usually no division code of its own, and lies in a division
(``region_code``) whose city reviews it. The scope filter shows each office its own subtree's applicants.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, field_error
from citysafe.evaluation.applicants.schemas import (
    KIND_NAMES_ZH,
    STANDING_NAMES_ZH,
    ApplicantCreate,
    ApplicantRead,
    OrganisationIn,
    PlanIn,
)
from citysafe.evaluation.models import Applicant
from citysafe.regions import service as regions
from citysafe.regions.enums import RegionLevel


def _city_of(code: str, level: str, parent_code: str | None) -> str | None:
    """The 设区市 a division belongs to: itself, or a district's parent (a city code ends in 00, not 0000)."""
    if level == RegionLevel.CITY:
        return code
    if (level == RegionLevel.DISTRICT and parent_code and parent_code.endswith("00")
            and not parent_code.endswith("0000")):
        return parent_code
    return None


def _division(session: Session, field: str, code: str) -> tuple[str, str, str, str | None]:
    """(code, name, level, parent) of an existing division, or a field error naming it."""
    found = regions.names(session, codes=[code])
    if code not in found:
        raise field_error(field, f"no division {code}", f"行政区划代码 {code} 不存在或不在您的管辖范围内")
    region = regions.get(session, code=code)
    return region.code, region.name, region.level, region.parent_code


def create(session: Session, *, data: ApplicantCreate, principal: Principal) -> Applicant:
    """Register a creation object (an office's act: departments fill sheets, they do not register applicants)."""
    auth_service.require(principal, Permission.REVIEW_EVALUATION)
    name = data.name.strip()
    if data.kind in ("city", "county"):
        if not data.division_code:
            raise field_error("division_code", "required for a city or county",
                              "设区市和县（市、区）须填写行政区划代码")
        code, region_name, level, parent = _division(session, "division_code", data.division_code)
        wanted = RegionLevel.CITY if data.kind == "city" else RegionLevel.DISTRICT
        if level != wanted:
            raise field_error("division_code", f"{code} is not of {wanted} level",
                              f"{region_name}不是{'设区市' if data.kind == 'city' else '县级'}行政区划")
        city = _city_of(code, level, parent)
        if city is None:
            raise field_error("division_code", "no city above it", f"{region_name}不属于任何设区市")
        region_code, division_code, name = code, code, name or region_name
    else:
        if not name:
            raise field_error("name", "a zone needs its name", "国家级开发区须填写名称")
        if not data.zone_approval.strip():
            raise field_error("zone_approval", "a zone needs its approval", "国家级开发区须填写国务院批复文件")
        if not data.region_code:
            raise field_error("region_code", "a zone lies in a division of a city",
                              "国家级开发区须填写所在行政区划（所属设区市）")
        code, region_name, level, parent = _division(session, "region_code", data.region_code)
        city = _city_of(code, level, parent)
        if city is None:
            raise field_error("region_code", "the division belongs to no city",
                              f"{region_name}不属于任何设区市，开发区须位于设区市内")
        region_code, division_code = code, None
        if data.division_code:
            division_code, _n, _l, _p = _division(session, "division_code", data.division_code)
        if session.scalar(select(Applicant.id).where(Applicant.kind == "zone", Applicant.city_code == city,
                                                     Applicant.name == name)):
            raise Conflict(detail=f"zone {name} is registered already", detail_zh=f"“{name}”已登记为参评对象")
    if division_code and session.scalar(select(Applicant.id).where(Applicant.division_code == division_code)
                                        .execution_options(skip_scope=True)):
        raise Conflict(detail=f"division {division_code} is registered already",
                       detail_zh=f"行政区划 {division_code} 已登记为参评对象，不能重复登记")
    applicant = Applicant(kind=data.kind, name=name, division_code=division_code, region_code=region_code,
                          city_code=city, zone_approval=data.zone_approval.strip(), standing="preparing")
    session.add(applicant)
    session.flush()
    return applicant


def get(session: Session, *, applicant_id: int, lock: bool = False) -> Applicant:
    if lock:
        row = session.scalars(select(Applicant).where(Applicant.id == applicant_id).with_for_update()).first()
        if row is not None:
            return row
    return get_or_404(session, Applicant, applicant_id, what="applicant", what_zh="参评对象")


def listing(session: Session, *, kind: str | None = None, standing: str | None = None) -> list[Applicant]:
    stmt = select(Applicant).order_by(Applicant.city_code, Applicant.kind, Applicant.region_code, Applicant.id)
    if kind:
        stmt = stmt.where(Applicant.kind == kind)
    if standing:
        stmt = stmt.where(Applicant.standing == standing)
    return list(session.scalars(stmt))


def update_plan(session: Session, *, applicant: Applicant, data: PlanIn, principal: Principal) -> Applicant:
    auth_service.require(principal, Permission.WRITE_EVALUATION)
    applicant.plan_title = data.plan_title.strip()
    applicant.plan_adopted_on = data.plan_adopted_on
    applicant.plan_summary = data.plan_summary.strip()
    session.flush()
    return applicant


def update_organisation(session: Session, *, applicant: Applicant, data: OrganisationIn,
                        principal: Principal) -> Applicant:
    auth_service.require(principal, Permission.WRITE_EVALUATION)
    applicant.leading_group = [p.model_dump() for p in data.leading_group]
    applicant.working_team = [p.model_dump() for p in data.working_team]
    applicant.contacts = [p.model_dump() for p in data.contacts]
    session.flush()
    return applicant


def read(session: Session, applicant: Applicant) -> ApplicantRead:
    names = regions.cached_names(session)
    return ApplicantRead.model_validate({
        **{c: getattr(applicant, c) for c in (
            "id", "kind", "name", "division_code", "region_code", "city_code", "zone_approval", "standing",
            "named_on", "review_due", "plan_title", "plan_adopted_on", "plan_summary", "leading_group",
            "working_team", "contacts", "created_at")},
        "kind_name": KIND_NAMES_ZH.get(applicant.kind, applicant.kind),
        "standing_name": STANDING_NAMES_ZH.get(applicant.standing, applicant.standing),
        "region_name": names.full_name(applicant.region_code) or applicant.region_code,
        "city_name": names.name(applicant.city_code) or applicant.city_code,
    })
