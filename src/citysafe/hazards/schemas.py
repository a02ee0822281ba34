"""Pieces every part of the hazards API shares: locations, region codes, organisation briefs."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, Field

from citysafe.core.errors import field_error
from citysafe.core.validators import validate_division_code

_GRID_RE = re.compile(r"^\d{15}$")


def validate_region_code(value: str) -> str:
    """A division code (6, 9 or 12 digits) or a grid code (a 12-digit community code plus 3 digits)."""
    value = value.strip()
    if _GRID_RE.match(value):
        validate_division_code(value[:12])
        return value
    return validate_division_code(value)


def region_query(value: str | None, field: str = "region") -> str | None:
    """A region code from a query string, refused as a problem naming ``field`` when malformed."""
    if not value:
        return None
    try:
        return validate_region_code(value)
    except ValueError as exc:
        raise field_error(field, str(exc), "区划代码格式不正确（6、9、12 位行政区划代码或 15 位网格代码）") from exc


class PunishmentBrief(BaseModel):
    id: int
    reason: str
    ends_at: datetime


class OrganizationBrief(BaseModel):
    """An organisation as shown beside a record, with its place on the joint-punishment list if any."""

    id: int
    name: str
    punished: bool = False
    punishments: list[PunishmentBrief] = Field(default_factory=list)


class NamedCount(BaseModel):
    key: str
    name: str
    count: int


class OpenHazard(BaseModel):
    """An open ticket as other domains see it (the risk map raises a source's level by these)."""

    ticket_id: int
    region_code: str
    organization_id: int | None
    level: str
    category: str
    source: str
    lon: float | None
    lat: float | None
    deadline: datetime
    overdue: bool
