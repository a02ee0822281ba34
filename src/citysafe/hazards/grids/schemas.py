from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from citysafe.core.bounds import GeoJsonObject, NonBlankText, RowId
from citysafe.core.geo import Crs, Location
from citysafe.core.validators import validate_division_code
from citysafe.hazards.enums import PlaceType
from citysafe.hazards.schemas import validate_region_code


class GridCreate(BaseModel):
    community_code: str
    name: NonBlankText = Field(max_length=100)
    boundary: GeoJsonObject = Field(description="GeoJSON Polygon or MultiPolygon (or a Feature holding one)")
    crs: Crs = "wgs84"

    @field_validator("community_code")
    @classmethod
    def _community(cls, value: str) -> str:
        code = validate_division_code(value)
        if len(code) != 12:
            raise ValueError("a grid lies below a community: give its 12-digit code")
        return code


class GridUpdate(BaseModel):
    name: NonBlankText | None = Field(default=None, max_length=100)
    boundary: GeoJsonObject | None = None
    crs: Crs = "wgs84"


class OfficerCreate(BaseModel):
    user_id: RowId
    phone: str = Field(default="", max_length=32, pattern=r"^[0-9+\- ]*$")


class OfficerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    region_code: str
    user_id: int
    name: str
    phone: str


class GridRead(BaseModel):
    code: str
    name: str
    parent_code: str | None
    centroid: tuple[float, float] | None
    bbox: tuple[float, float, float, float] | None
    officers: list[OfficerRead] = Field(default_factory=list)


class PlaceCreate(BaseModel):
    name: NonBlankText = Field(max_length=200)
    place_type: PlaceType
    address: str = Field(default="", max_length=300)
    location: Location | None = None
    region_code: str | None = Field(default=None, description="a grid or division; found from location if absent")
    organization_id: RowId | None = None
    contact_name: str = Field(default="", max_length=50)
    contact_phone: str = Field(default="", max_length=32, pattern=r"^[0-9+\- ]*$")
    note: str = Field(default="", max_length=500)

    @field_validator("region_code")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return validate_region_code(value) if value else None


class PlaceUpdate(BaseModel):
    name: NonBlankText | None = Field(default=None, max_length=200)
    place_type: PlaceType | None = None
    address: str | None = Field(default=None, max_length=300)
    location: Location | None = None
    region_code: str | None = None
    organization_id: RowId | None = None
    contact_name: str | None = Field(default=None, max_length=50)
    contact_phone: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+\- ]*$")
    note: str | None = Field(default=None, max_length=500)

    @field_validator("region_code")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return validate_region_code(value) if value else None


class PlaceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    place_type: str
    address: str
    lon: float | None
    lat: float | None
    region_code: str
    organization_id: int | None
    contact_name: str
    contact_phone: str
    note: str
    created_at: datetime
