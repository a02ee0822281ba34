"""Mutual aid in and out of the API: the request, the answers, the log; partner catalogues and their teams."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from citysafe.core.bounds import NonBlankText, RowId, SaneAwareDatetime
from citysafe.core.validators import validate_division_code
from citysafe.emergency.resources.schemas import AgreementItem, TeamKind

Count = Annotated[int, Ge(1), Le(1000)]


class AidState(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    DISPATCHED = "dispatched"
    CLOSED = "closed"


STATE_NAMES_ZH = {AidState.REQUESTED: "待答复", AidState.ACCEPTED: "已同意", AidState.DECLINED: "已拒绝",
                  AidState.WITHDRAWN: "已撤回", AidState.DISPATCHED: "已出动", AidState.CLOSED: "已结束"}
SIDE_NAMES_ZH = {"requester": "请求方", "giver": "支援方"}


class TeamAsk(BaseModel):
    kind: TeamKind
    count: Count = 1


class AidRequestIn(BaseModel):
    """支援请求: to which office, for what (teams by kind and count, supplies by GB/T 38565 code), why, by when."""

    model_config = ConfigDict(extra="forbid")

    giver_region: str = Field(description="division code of the office asked (another city, e.g. 320500)")
    teams: list[TeamAsk] = Field(default_factory=list, max_length=20)
    supplies: list[AgreementItem] = Field(default_factory=list, max_length=50)
    reason: NonBlankText = Field(max_length=2000)
    needed_by: SaneAwareDatetime | None = Field(default=None, description="when the help must be on scene")
    contact: str = Field(default="", max_length=100, description="who to call on the asking side")

    _giver = field_validator("giver_region")(classmethod(lambda cls, v: validate_division_code(v)))

    @model_validator(mode="after")
    def _asks_something(self) -> AidRequestIn:
        if not self.teams and not self.supplies:
            raise PydanticCustomError("nothing_asked", "ask for at least one team or one supply line",
                                      {"zh": "请至少填写一类队伍或一项物资"})
        return self


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team_ids: list[RowId] = Field(default_factory=list, max_length=50, description="own teams offered")
    supplies: list[AgreementItem] = Field(default_factory=list, max_length=50, description="supplies offered")
    note: str = Field(default="", max_length=2000)


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: NonBlankText = Field(max_length=2000, description="why not: required")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000)


class AidDispatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team_ids: list[RowId] = Field(default_factory=list, max_length=50,
                                  description="the teams to send; the offered ones when left out")
    note: str = Field(default="", max_length=500)


class LogEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    side: str
    kind: str
    text: str
    actor: str
    at: datetime
    payload: dict[str, Any]
    hash: str


class AidRequestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int
    incident_title: str = ""
    incident_number: str = ""
    incident_region: str
    requester_region: str
    requester_name: str = ""
    giver_region: str
    giver_name: str = ""
    direction: str = ""  # outgoing | incoming for the reader (both for an office above both sides)
    teams_asked: list[dict[str, Any]]
    supplies_asked: list[dict[str, Any]]
    reason: str
    needed_by: datetime | None
    contact: str
    state: AidState
    state_name: str = ""
    requested_by: str
    created_at: datetime
    answered_by: str
    answered_at: datetime | None
    answer_note: str
    teams_offered: list[int]
    supplies_offered: list[dict[str, Any]]
    dispatch_ids: list[int]
    closed_at: datetime | None
    log: list[LogEntryRead] = Field(default_factory=list)


class CatalogueSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    region_code: str
    publisher_id: str
    publisher_name: str
    format_version: str
    generated_at: datetime
    imported_by: str
    updated_at: datetime
    teams: int
    depots: int
    experts: int


class ExternalTeam(BaseModel):
    """A team of a partner's catalogue: read-only, as it stood when the partner generated the document."""

    catalogue_id: int
    publisher_name: str
    id: str
    name: str
    kind: str
    kind_name: str
    region_code: str
    lon: float
    lat: float
    headcount: int
    status: str
    status_name: str
    as_of: datetime
    external: bool = True
