"""Out of the province dashboard."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class CityRow(BaseModel):
    rank: int
    city_code: str
    city_name: str
    objects: int  # creation objects: the city, its county-level divisions, its registered zones
    registered: int  # of which are in the applicants' registry
    applied: int  # have applied at least once
    named: int
    named_share: float  # named ÷ objects, 0-1
    meets_2020: bool


class ApplicantPoint(BaseModel):
    """One applicant as the map and the table show it."""

    id: int
    name: str
    kind_name: str
    city_name: str
    standing: str
    standing_name: str
    stage: str  # where its newest application stands, in words ("" when it has none)
    year: int | None  # the newest application's year
    named_on: date | None
    review_due: date | None
    lon: float | None
    lat: float | None


class Progress(BaseModel):
    region_code: str
    region_name: str
    as_of: date
    cities: list[CityRow]
    applicants: list[ApplicantPoint]
    objects: int
    named: int
    named_share: float
    cities_meeting_2020: int
    city_count: int
    meets_2020: bool
    meets_2025: bool
    named_needed_2025: int
    revocations_pending: int
    re_evaluations_due: int  # named ones whose 复评 falls in this year or earlier
    basis: str  # how the creation objects are counted, in words
