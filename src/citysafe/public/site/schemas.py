"""What the public pages show: only fields a citizen may see (no person, no risk source, no account)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class PublicDistrict(BaseModel):
    code: str
    name: str
    level: str  # red / orange / yellow / blue, or "none" where nothing was assessed
    level_name: str
    colour: str


class PublicRiskMap(BaseModel):
    region_code: str
    region_name: str
    rule_name: str
    rule_text: str
    legend: list[dict[str, str]]
    districts: list[PublicDistrict]
    geojson: str  # the districts' outlines with only the fields above


class PublicWarning(BaseModel):
    identifier: str
    headline: str
    event: str
    level: int
    level_name: str
    colour_zh: str
    hex: str
    area: str
    description: str
    instruction: str
    issuer: str
    sent_at: datetime
    onset_at: datetime
    expires_at: datetime


class PublicShelter(BaseModel):
    name: str
    kind: str
    grade: str
    space: str
    address: str
    district: str
    capacity: int
    is_open: bool
    room_left: int | None  # while open: how many more people it can take
    facilities: list[str]
    lon: float
    lat: float
    distance_m: int | None
