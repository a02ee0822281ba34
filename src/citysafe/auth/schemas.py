from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from citysafe.auth.enums import Role
from citysafe.core.bounds import RowId, SaneDatetime
from citysafe.core.validators import validate_division_code


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=256)
    role: Role
    region_code: str
    display_name: str = ""
    organization_id: RowId | None = None
    phone: str = ""

    @field_validator("region_code")
    @classmethod
    def _division(cls, value: str) -> str:
        return validate_division_code(value)


class UserUpdate(BaseModel):
    """What an office may change on a subordinate's account; a field left out stays as it is, and
    ``organization_id: null`` unbinds the account from its unit."""

    role: Role | None = None
    region_code: str | None = None
    organization_id: RowId | None = None
    display_name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+\- ]*$")

    @field_validator("region_code")
    @classmethod
    def _division(cls, value: str | None) -> str | None:
        return validate_division_code(value) if value else None


class UserFilter(BaseModel):
    """The user list's filters: a username or name fragment, a role, a division (with what lies under it),
    active or not."""

    q: str | None = Field(default=None, max_length=64)
    role: Role | None = None
    region: str | None = None
    active: bool | None = None
    organization_id: RowId | None = None

    @field_validator("region")
    @classmethod
    def _division(cls, value: str | None) -> str | None:
        return validate_division_code(value) if value else None


class AuditFilter(BaseModel):
    """The audit log's filters: who (username), what (create, update, delete, pw_reset, password, logout), which
    record (its table and id), where (a division and what lies under it) and when (``since`` ≤ at < ``until``)."""

    actor: str | None = Field(default=None, max_length=100)
    action: str | None = Field(default=None, max_length=10)
    entity: str | None = Field(default=None, max_length=60)
    entity_id: str | None = Field(default=None, max_length=60)
    region: str | None = None
    since: SaneDatetime | None = None
    until: SaneDatetime | None = None

    @field_validator("region")
    @classmethod
    def _division(cls, value: str | None) -> str | None:
        return validate_division_code(value) if value else None


class PasswordChange(BaseModel):
    """One's own password change, proven by the current password."""

    current_password: str = Field(max_length=256)
    new_password: str = Field(min_length=8, max_length=256)


class PasswordReset(BaseModel):
    """An office setting a subordinate's password."""

    password: str = Field(min_length=8, max_length=256)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    region_code: str
    organization_id: int | None
    active: bool
    created_at: datetime


class Principal(BaseModel):
    """Who is acting: what every authorised request carries."""

    user_id: int
    username: str
    display_name: str
    role: Role
    region_code: str
    organization_id: int | None = None
    permissions: frozenset[str] = frozenset()

    def can(self, permission: str) -> bool:
        return permission in self.permissions


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    region_code: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
