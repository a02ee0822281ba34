"""Incidents, their timeline and the duty roster in and out of the API.

Casualties are whole numbers of people, never negative; the direct loss is a whole number of yuan
(``loss_yuan``): "5000万" or a fraction is refused naming the field and the unit, and a field in another
unit (``loss_wan_yuan``) is refused as unknown rather than ignored.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from citysafe.core.bounds import NonBlankText, RowId, SaneAwareDatetime, SaneDate
from citysafe.core.geo import Location
from citysafe.core.validators import validate_division_code
from citysafe.emergency.calc.lifecycle import Action, State
from citysafe.emergency.drill_mode import DrillFilter

MAX_PEOPLE = 1_000_000
# Ten times the largest direct loss of any accident on record in China; a bigger figure is a typing mistake.
MAX_LOSS_YUAN = 10**13
_PLAIN_INTEGER = re.compile(r"^\s*\+?\d+\s*$")


def _yuan(value: Any) -> Any:
    """Text that is not a plain whole number ("5000万", "1.2亿元", "3,000") is a loss in another unit or form."""
    if isinstance(value, str) and not _PLAIN_INTEGER.match(value):
        raise PydanticCustomError("yuan_amount", "the direct loss is a whole number of yuan (元), e.g. 50000000 "
                                                 "for 5000万元")
    if isinstance(value, float) and not value.is_integer():
        raise PydanticCustomError("yuan_amount", "the direct loss is a whole number of yuan (元), e.g. 50000000 "
                                                 "for 5000万元")
    return value


People = Annotated[int, Ge(0), Le(MAX_PEOPLE)]
Yuan = Annotated[int, BeforeValidator(_yuan), Ge(0), Le(MAX_LOSS_YUAN)]
Phone = Annotated[str, Field(max_length=40, pattern=r"^[0-9+\-() 转]*$")]


def _region(value: str | None) -> str | None:
    return validate_division_code(value) if value else None


class CasualtiesIn(BaseModel):
    """Figures as reported now (首报 or 补报); each one left out keeps its earlier value."""

    model_config = ConfigDict(extra="forbid")

    deaths: People | None = None
    missing: People | None = Field(default=None, description="下落不明, shown beside deaths, not counted as deaths")
    serious_injuries: People | None = Field(default=None, description="重伤, including acute industrial poisoning")
    minor_injuries: People | None = None
    loss_yuan: Yuan | None = Field(default=None, description="direct economic loss in yuan (元), a whole number")
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _something(self) -> CasualtiesIn:
        if all(getattr(self, f) is None for f in ("deaths", "missing", "serious_injuries", "minor_injuries",
                                                   "loss_yuan")):
            raise PydanticCustomError("missing", "give at least one of deaths, missing, serious_injuries, "
                                                 "minor_injuries, loss_yuan")
        return self


class IncidentCreate(BaseModel):
    """接报: who called, when, where, what happened, of which category and sub-type."""

    model_config = ConfigDict(extra="forbid")

    category: str = Field(max_length=30)
    subtype: str = Field(max_length=40)
    description: NonBlankText = Field(max_length=4000)
    title: str = Field(default="", max_length=200)
    place: NonBlankText = Field(max_length=300)
    location: Location | None = None
    region_code: str | None = None
    caller_name: str = Field(default="", max_length=100)
    caller_phone: Phone = ""
    reported_at: SaneAwareDatetime | None = Field(default=None, description="when the call came in; now if left out")
    occurred_at: SaneAwareDatetime | None = Field(default=None, description="when it happened; the call's time if "
                                                                            "left out")
    deaths: People = 0
    missing: People = 0
    serious_injuries: People = 0
    minor_injuries: People = 0
    loss_yuan: Yuan = 0

    _region_code = field_validator("region_code")(classmethod(lambda cls, v: _region(v)))


class PromoteIn(BaseModel):
    """An escalated hazard promoted to an incident: its category and sub-type; the rest comes from the ticket."""

    model_config = ConfigDict(extra="forbid")

    category: str = Field(max_length=30)
    subtype: str = Field(max_length=40)
    title: str = Field(default="", max_length=200, description="the ticket's title if left out")
    note: str = Field(default="", max_length=2000, description="why it is an emergency now")


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action
    note: str = Field(default="", max_length=4000)
    response_level: str | None = Field(default=None, max_length=4, description="1..4 (一级 highest) for respond "
                                                                               "and set_level")


class TimelineNoteIn(BaseModel):
    """A note or a correction; a correction names the entry it corrects, which stays as it was."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["note", "correction"] = "note"
    text: NonBlankText = Field(max_length=4000)
    corrects_seq: Annotated[int, Ge(1), Le(1_000_000)] | None = None


class TimelineEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    kind: str
    kind_name: str = ""
    text: str
    actor: str
    at: datetime
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class TimelineVerdict(BaseModel):
    ok: bool
    entries: int
    head: str
    first_bad_seq: int | None
    reason: str
    reason_zh: str
    # Attachments whose bytes no longer match the digest their timeline entry recorded.
    altered_attachments: list[int] = []


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


class GradingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    deaths: int
    missing: int
    serious_injuries: int
    minor_injuries: int
    loss_yuan: int
    grade: str | None
    grade_name: str = ""
    decided_by: str | None
    counted: bool
    actor: str
    note: str


class ActionOption(BaseModel):
    action: str
    name: str


class IncidentRead(BaseModel):
    id: int
    number: str
    category: str
    category_name: str
    subtype: str
    subtype_name: str
    grade: str | None
    grade_name: str
    grade_decided_by: str | None
    response_level: str | None
    response_level_name: str
    state: str
    state_name: str
    region_code: str
    region_name: str = ""
    title: str
    place: str
    lon: float | None
    lat: float | None
    opened_at: datetime
    occurred_at: datetime
    reported_at: datetime
    deaths: int
    missing: int
    serious_injuries: int
    minor_injuries: int
    loss_yuan: int
    source: str
    alarm_id: int | None = None
    unit_name: str
    organization_id: int | None
    is_drill: bool = Field(default=False, description="opened by a drill in drill mode (演练): out of the ledger and "
                                                      "the statistics, sends nothing outward")
    drill_id: int | None = None


class IncidentDetail(IncidentRead):
    description: str
    caller_name: str
    caller_phone: str
    opened_by: str
    report_window_closes_at: datetime
    gradings: list[GradingRead]
    allowed_actions: list[ActionOption]
    timeline: list[TimelineEntryRead]


class IncidentPage(BaseModel):
    items: list[IncidentRead]
    total: int
    page: int
    size: int


class IncidentFilter(BaseModel):
    state: list[State] | None = None
    active: bool | None = Field(default=None, description="true: not yet archived")
    category: str | None = Field(default=None, max_length=30)
    region: str | None = None
    alarm_id: RowId | None = None
    drill: DrillFilter = Field(default="exclude", description="drill incidents: exclude (default, as every "
                                                              "statistic), include (the duty desk, badged), only")

    _region_code = field_validator("region")(classmethod(lambda cls, v: _region(v)))


class DutyEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    post: str = Field(default="值班员", min_length=1, max_length=40, description="带班领导, 值班员, …")
    user_id: RowId | None = Field(default=None, description="the account on duty, if it has one")
    name: str = Field(default="", max_length=100, description="taken from the account when left out")
    phone: Phone = Field(min_length=3)
    note: str = Field(default="", max_length=200)


class RosterIn(BaseModel):
    """The whole roster of one region and day (it replaces what was set before)."""

    model_config = ConfigDict(extra="forbid")

    region_code: str
    day: SaneDate
    entries: list[DutyEntryIn] = Field(max_length=50)

    _region_code = field_validator("region_code")(classmethod(lambda cls, v: validate_division_code(v)))


class DutyEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    post: str
    user_id: int | None
    name: str
    phone: str
    note: str


class RosterRead(BaseModel):
    region_code: str
    region_name: str
    day: date
    # The region whose roster answers: the asked one, or the nearest one above it that set a roster.
    roster_region_code: str | None
    entries: list[DutyEntryRead]
