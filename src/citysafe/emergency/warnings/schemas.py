"""Warnings in and out of the API (keys as issue #13 point 4 names them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from citysafe.core.bounds import GeoJsonObject, NonBlankText, RowId, SaneAwareDatetime
from citysafe.core.validators import validate_division_code

Category = Literal["natural_disaster", "accident", "public_health", "social_security"]
STATE_NAMES_ZH: dict[str, str] = {"draft": "草稿", "issued": "已发布", "cancelled": "已解除"}
MSG_TYPE_NAMES_ZH: dict[str, str] = {"Alert": "发布", "Update": "调整", "Cancel": "解除"}
DELIVERY_STATUS_NAMES_ZH: dict[str, str] = {"queued": "排队中", "delivered": "已送达", "failed": "失败",
                                            "not_sent": "未发送"}
CHANNEL_NAMES_ZH: dict[str, str] = {"sms": "短信", "email": "电子邮件", "webhook": "Webhook", "console": "控制台",
                                    "public": "公众页面"}
KIND_NAMES_ZH: dict[str, str] = {"grid_officer": "网格员", "org_contact": "企业安全联系人", "fire_unit": "联网单位",
                                 "subscriber": "公众订阅", "public": "公众发布"}


class AreaIn(BaseModel):
    """Either a drawn area (GeoJSON Polygon/MultiPolygon, WGS84) or a set of division codes."""

    # region_codes first: the check of ``area`` reads it, so the error names ``area``.
    region_codes: list[str] = Field(default_factory=list, max_length=200,
                                    description="division codes (GB/T 2260 and below) instead of a drawn area")
    area: GeoJsonObject | None = Field(default=None, validate_default=True,
                                       description="GeoJSON Polygon (or MultiPolygon) in WGS84")

    @field_validator("area")
    @classmethod
    def _one_of(cls, area: dict[str, Any] | None, info: ValidationInfo) -> dict[str, Any] | None:
        codes = info.data.get("region_codes")
        if (area is None) == (not codes):
            raise ValueError("give either area (a GeoJSON Polygon) or region_codes, not both and not neither")
        return area


class RecipientCountIn(AreaIn):
    test: bool = False


class WarningCreate(AreaIn):
    model_config = ConfigDict(extra="forbid")

    category: Category
    event: str = Field(default="", max_length=100, description="the event type, e.g. 危险化学品泄漏; default: category")
    level: int = Field(ge=1, le=4, description="1–4, 1 the highest (突发事件应对法 第六十三条)")
    headline: NonBlankText = Field(max_length=200)
    description: NonBlankText = Field(max_length=4000, description="警示事项")
    instruction: NonBlankText = Field(max_length=4000, description="应当采取的措施")
    onset: SaneAwareDatetime
    expires: SaneAwareDatetime
    area_desc: str = Field(default="", max_length=500, description="the area in words; default: from the divisions")
    issuer: str = Field(default="", max_length=200, description="发布单位; default: the issuing office's division")
    incident_id: RowId | None = None
    test: bool = Field(default=False, description="a CAP Test alert: reaches only channels marked as test")

    @model_validator(mode="after")
    def _times(self) -> Self:
        if self.expires <= self.onset:
            raise ValueError("expires must be after onset")
        return self


class WarningChange(BaseModel):
    """调整 (第七十条): a new level or content, sent as a CAP ``Update`` that references the earlier messages."""

    model_config = ConfigDict(extra="forbid")

    level: int | None = Field(default=None, ge=1, le=4)
    headline: NonBlankText | None = Field(default=None, max_length=200)
    description: NonBlankText | None = Field(default=None, max_length=4000)
    instruction: NonBlankText | None = Field(default=None, max_length=4000)
    expires: SaneAwareDatetime | None = None
    note: str = Field(default="", max_length=500)


class WarningCancel(BaseModel):
    """解除 (第七十条): a CAP ``Cancel``."""

    note: str = Field(default="", max_length=500)


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    identifier: str
    msg_type: str
    cap_status: str
    level: int
    sent_at: datetime
    sent_by: str
    recipients: int


class WarningRead(BaseModel):
    id: int
    state: str
    state_name: str
    category: str
    category_name: str
    event: str
    level: int
    level_name: str
    colour: str
    colour_zh: str
    colour_hex: str
    severity: str
    headline: str
    description: str
    instruction: str
    onset: datetime
    expires: datetime
    area: dict[str, Any] | None
    region_codes: list[str]
    area_desc: str
    issuer: str
    region_code: str
    cap_status: str
    is_drill: bool
    incident_id: int | None
    issued_at: datetime | None
    cancelled_at: datetime | None
    created_by: str
    identifier: str | None
    messages: list[MessageRead]
    proposed_measures: list[str]
    deliveries: dict[str, int] = Field(default_factory=dict, description="receipts by status")


class RecipientCount(BaseModel):
    total: int
    by_kind: dict[str, int]
    by_channel: dict[str, int]


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    message_id: int
    recipient_kind: str
    recipient_name: str
    channel: str
    address: str
    status: str
    attempts: int
    reference: str
    error: str
    sent_at: datetime | None


class SubscriberCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=32, pattern=r"^\+?[0-9]{0,20}$")
    email: str = Field(default="", max_length=200)
    webhook_url: str = Field(default="", max_length=300, pattern=r"^(https?://.+)?$")
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    region_code: str = Field(max_length=20)
    test: bool = False

    @field_validator("region_code")
    @classmethod
    def _division(cls, code: str) -> str:
        return validate_division_code(code)

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if not (self.phone or self.email or self.webhook_url):
            raise ValueError("give a phone, an e-mail or a webhook_url")
        return self


class SubscriberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    region_code: str
    lon: float
    lat: float
    test: bool
