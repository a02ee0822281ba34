from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from citysafe.core.bounds import NonBlankText, RowId
from citysafe.core.geo import Location as Location  # re-exported: other domains import it from here
from citysafe.core.validators import CodeError, validate_division_code, validate_uscc
from citysafe.orgs.enums import OrganizationKind


def _checked_uscc(value: str | None) -> str | None:
    """The normalised credit code; a wrong one is refused with its reason in English and in Chinese."""
    if not value:
        return None
    try:
        return validate_uscc(value)
    except CodeError as exc:
        raise PydanticCustomError("uscc_invalid", "{reason}", {"reason": str(exc), "zh": exc.zh}) from exc


class Contact(BaseModel):
    name: str = Field(max_length=50)
    phone: str = Field(default="", max_length=32, pattern=r"^[0-9+\- ]*$")
    role: str = Field(default="", max_length=50)


class OrganizationBase(BaseModel):
    name: NonBlankText = Field(max_length=200)
    kind: OrganizationKind
    region_code: str
    uscc: str | None = None
    sector: str = Field(default="", max_length=60)
    address: str = Field(default="", max_length=300)
    location: Location | None = None
    contacts: list[Contact] = Field(default_factory=list, max_length=20)

    @field_validator("region_code")
    @classmethod
    def _division(cls, value: str) -> str:
        return validate_division_code(value)

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str | None) -> str | None:
        return _checked_uscc(value)


class OrganizationCreate(OrganizationBase):
    pass


class OrganizationUpdate(BaseModel):
    name: NonBlankText | None = Field(default=None, max_length=200)
    kind: OrganizationKind | None = None
    region_code: str | None = None
    uscc: str | None = None
    sector: str | None = Field(default=None, max_length=60)
    address: str | None = Field(default=None, max_length=300)
    location: Location | None = None
    contacts: list[Contact] | None = None

    @field_validator("region_code")
    @classmethod
    def _division(cls, value: str | None) -> str | None:
        return validate_division_code(value) if value else None

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str | None) -> str | None:
        return _checked_uscc(value)


class OrganizationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    region_code: str
    uscc: str | None
    sector: str
    address: str
    lon: float | None
    lat: float | None
    contacts: list[Contact]
    created_at: datetime
    updated_at: datetime


class OrganizationFilter(BaseModel):
    ids: list[RowId] | None = Field(default=None, max_length=500, description="only these units")
    q: str | None = None
    kind: OrganizationKind | None = None
    region: str | None = None
    sector: str | None = None
    uscc: str | None = None
