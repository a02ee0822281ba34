"""API shapes of the device registry."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from citysafe.core.bounds import NonBlankText, RowId, SaneDatetime
from citysafe.core.geo import Location
from citysafe.firewatch.config import THRESHOLD_KEYS
from citysafe.firewatch.enums import IotKind
from citysafe.orgs.schemas import OrganizationCreate

MAX_ADDRESS = (1 << 48) - 1
# A UITD's source address in a path or filter: the 6 bytes of GB/T 26875.3, so 2**63 answers 422.
UitdAddress = Annotated[int, Ge(0), Le(MAX_ADDRESS)]


class UnitCreate(BaseModel):
    """A networked unit: an existing organisation (``organization_id``) or a new one (``organization``)."""

    organization_id: RowId | None = None
    organization: OrganizationCreate | None = None
    contact_name: str = Field(default="", max_length=50)
    contact_phone: str = Field(default="", max_length=32, pattern=r"^[0-9+\- ]*$")
    offline_minutes: int | None = Field(default=None, ge=1, le=24 * 60)

    @model_validator(mode="after")
    def _one_organisation(self) -> UnitCreate:
        if (self.organization_id is None) == (self.organization is None):
            raise ValueError("give either organization_id or organization")
        return self


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organization_id: int
    name: str
    region_code: str
    address: str
    lon: float | None
    lat: float | None
    contact_name: str
    contact_phone: str
    offline_minutes: int | None
    active: bool
    created_at: datetime


class BuildingCreate(BaseModel):
    name: NonBlankText = Field(max_length=100)
    floors_above: int = Field(default=1, ge=0, le=200)
    floors_below: int = Field(default=0, ge=0, le=20)
    location: Location | None = None


class BuildingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    unit_id: int
    name: str
    floors_above: int
    floors_below: int
    lon: float | None
    lat: float | None


class UitdCreate(BaseModel):
    address: int = Field(ge=0, le=MAX_ADDRESS, description="6-byte source address as an integer")
    unit_id: RowId
    vendor: str = Field(default="", max_length=100)
    model: str = Field(default="", max_length=100)
    description: str = Field(default="", max_length=200)


class UitdRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    address: int
    unit_id: int | None
    region_code: str
    registered: bool
    vendor: str
    model: str
    description: str
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    last_peer: str
    offline_since: datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def address_hex(self) -> str:
        """The address as 12 hex digits, most significant first (how device labels print it)."""
        return f"{self.address:012x}"


class ComponentCreate(BaseModel):
    system_type: int = Field(ge=0, le=255)
    system_address: int = Field(ge=0, le=255)
    system_name: str = Field(default="", max_length=100)
    component_type: int = Field(ge=0, le=255)
    component_address: int = Field(ge=0, le=0xFFFFFFFF)
    description: str = Field(default="", max_length=100)
    building_id: RowId | None = None
    floor: str = Field(default="", max_length=20)
    zone: str = Field(default="", max_length=50)


class ComponentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uitd_id: int
    system_id: int
    component_type: int
    component_address: int
    description: str
    building_id: int | None
    floor: str
    zone: str


class IotDeviceCreate(BaseModel):
    device_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    kind: IotKind
    unit_id: RowId
    building_id: RowId | None = None
    floor: str = Field(default="", max_length=20)
    zone: str = Field(default="", max_length=50)
    description: str = Field(default="", max_length=100)
    vendor: str = Field(default="", max_length=100)
    thresholds: dict[str, float] = Field(default_factory=dict)
    location: Location | None = None

    @field_validator("thresholds")
    @classmethod
    def _known_keys(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - THRESHOLD_KEYS)
        if unknown:
            raise ValueError(f"unknown threshold {unknown[0]}; known: {', '.join(sorted(THRESHOLD_KEYS))}")
        return value


class IotDeviceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    device_id: str
    kind: str
    unit_id: int | None
    region_code: str
    registered: bool
    building_id: int | None
    floor: str
    zone: str
    description: str
    vendor: str
    thresholds: dict[str, Any]
    lon: float | None
    lat: float | None
    last_seen_at: datetime | None
    offline_since: datetime | None


class BindIn(BaseModel):
    unit_id: RowId


class BindResult(BaseModel):
    device_address: str
    unit_id: int
    alarms_attached: int


class ClaimRead(BaseModel):
    """A bind that waits for an office above (registry.claims)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    device_kind: str
    device_key: str
    unit_id: int
    status: str
    requested_by: str
    decided_by: str
    decided_at: datetime | None
    alarms_attached: int
    decision_note: str = ""
    created_at: datetime


class ClaimDecisionIn(BaseModel):
    """Why an office approves or rejects a claim; the claimant reads it next to the decision."""

    reason: str = Field(default="", max_length=200)


class MaintenanceCreate(BaseModel):
    unit_id: RowId | None = None
    device_address: str | None = Field(default=None, max_length=64)
    starts_at: SaneDatetime
    ends_at: SaneDatetime
    reason: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _window(self) -> MaintenanceCreate:
        if (self.unit_id is None) == (self.device_address is None):
            raise ValueError("give either unit_id or device_address")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class MaintenanceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    unit_id: int | None
    device_address: str | None
    region_code: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str


class ImportProblem(BaseModel):
    sheet: str
    row: int
    column: str
    message: str
    message_zh: str


class ImportReport(BaseModel):
    applied: bool
    dry_run: bool
    counts: dict[str, int]
    errors: list[ImportProblem]
