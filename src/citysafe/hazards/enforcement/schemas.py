from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field, field_validator, model_validator

from citysafe.core.bounds import NonBlankText, RowId, SaneAwareDatetime
from citysafe.hazards.enums import EnforcementKind, PenaltyKind
from citysafe.hazards.schemas import OrganizationBrief, validate_region_code


class PenaltyCreate(BaseModel):
    kind: PenaltyKind
    amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    decision_no: str = Field(default="", max_length=100)
    basis: str = Field(default="", max_length=500)
    decided_at: SaneAwareDatetime
    executed: bool = False
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _fine_has_amount(self) -> PenaltyCreate:
        if self.kind in {PenaltyKind.FINE, PenaltyKind.CONFISCATION} and self.amount is None:
            raise ValueError("a fine or confiscation needs its amount")
        return self


class PenaltyRead(BaseModel):
    id: int
    kind: str
    kind_name: str
    amount: Decimal | None
    decision_no: str
    basis: str
    decided_at: datetime
    executed: bool
    note: str


class EnforcementCreate(BaseModel):
    kind: EnforcementKind
    organization_id: RowId | None = None
    target_name: str = Field(default="", max_length=200)
    region_code: str | None = None
    sector: str = Field(default="", max_length=60)
    department: str = Field(default="", max_length=100)
    inspected_at: SaneAwareDatetime
    inspectors: str = Field(default="", max_length=300)
    address: str = Field(default="", max_length=300)
    findings: str = Field(default="", max_length=8000)
    violations: str = Field(default="", max_length=8000)
    basis: str = Field(default="", max_length=500)
    measures: list[str] = Field(default_factory=list, max_length=20)
    ticket_ids: list[RowId] = Field(default_factory=list, max_length=100)
    penalties: list[PenaltyCreate] = Field(default_factory=list, max_length=20)

    @field_validator("region_code")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return validate_region_code(value) if value else None

    @model_validator(mode="after")
    def _someone_inspected(self) -> EnforcementCreate:
        if self.organization_id is None and not self.target_name.strip():
            raise ValueError("name the organisation or the party inspected (target_name)")
        return self


class EnforcementRead(BaseModel):
    id: int
    number: str
    kind: str
    kind_name: str
    organization: OrganizationBrief | None
    target_name: str
    region_code: str
    sector: str
    department: str
    inspected_at: datetime
    inspectors: str
    address: str
    findings: str
    violations: str
    basis: str
    measures: list[str]
    ticket_ids: list[int]
    status: str
    penalties: list[PenaltyRead]
    penalty_total: Decimal
    created_by: str
    created_at: datetime


class PunishmentCreate(BaseModel):
    organization_id: RowId
    reason: NonBlankText = Field(max_length=4000)
    basis: str = Field(default="", max_length=300)
    measures: list[str] = Field(default_factory=list, max_length=30)
    decided_by: str = Field(default="", max_length=100)
    starts_at: SaneAwareDatetime
    ends_at: SaneAwareDatetime
    record_id: RowId | None = None

    @model_validator(mode="after")
    def _period(self) -> PunishmentCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class PunishmentRead(BaseModel):
    id: int
    organization_id: int
    organization_name: str
    region_code: str
    reason: str
    basis: str
    measures: list[str]
    decided_by: str
    starts_at: datetime
    ends_at: datetime
    record_id: int | None
    revoked_at: datetime | None
    revoke_reason: str
    active: bool
    created_at: datetime


class RevokeIn(BaseModel):
    reason: NonBlankText = Field(max_length=2000)


class OrganizationStanding(BaseModel):
    """What a supervisor wants to know about a unit at a glance."""

    organization: OrganizationBrief
    open_hazards: int
    major_open_hazards: int
    overdue_hazards: int
    enforcement_records: int
    penalty_total: Decimal
