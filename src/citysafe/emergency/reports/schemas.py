"""Information reports and their clocks in and out of the API.

The six items of 493号令 第十二条 are fields of their own: (一) ``unit_overview`` 单位概况,
(二) ``time_place_scene`` 时间、地点、现场情况, (三) ``course`` 简要经过, (四) the casualty figures (下落不明 apart)
and ``loss_yuan`` 初步估计直接经济损失 with ``casualty_note`` for what may yet follow, (五) ``measures``
已经采取的措施, (六) ``other`` 其他应当报告的情况.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from citysafe.core.bounds import NonBlankText, SaneAwareDatetime
from citysafe.emergency.calc.clocks import Channel, Level
from citysafe.emergency.schemas import People, Phone, Yuan


class ReportKind(StrEnum):
    INITIAL = "initial"
    FOLLOW_UP = "follow_up"
    FINAL = "final"
    SUPPLEMENTARY = "supplementary"


KIND_NAMES_ZH: dict[str, str] = {ReportKind.INITIAL: "首报", ReportKind.FOLLOW_UP: "续报", ReportKind.FINAL: "终报",
                                 ReportKind.SUPPLEMENTARY: "补报"}
ITEM_NAMES_ZH: dict[str, str] = {
    "unit_overview": "事故发生单位概况", "time_place_scene": "事故发生的时间、地点以及事故现场情况",
    "course": "事故的简要经过", "casualties": "伤亡人数（包括下落不明的人数）和初步估计的直接经济损失",
    "measures": "已经采取的措施", "other": "其他应当报告的情况",
}


class ReportCreate(BaseModel):
    """One report. A 首报 may be brief (time, place, scene and course) but states what is known; a 终报 also gives
    the unit and the measures taken. Figures that differ from the incident's are a casualty report (补报) too."""

    model_config = ConfigDict(extra="forbid")

    kind: ReportKind
    channel: Channel = Channel.WRITTEN
    to_level: Level = Field(description="county, city, province or national")
    from_level: Level | None = Field(default=None, description="the level below to_level in the chain if left out")
    unit_overview: str = Field(default="", max_length=4000)
    time_place_scene: NonBlankText = Field(max_length=4000)
    course: NonBlankText = Field(max_length=8000)
    deaths: People
    missing: People
    serious_injuries: People
    minor_injuries: People = 0
    loss_yuan: Yuan = 0
    casualty_note: str = Field(default="", max_length=2000)
    measures: str = Field(default="", max_length=8000)
    other: str = Field(default="", max_length=4000)
    reporting_unit: NonBlankText = Field(max_length=200, description="报送单位")
    issuer: str = Field(default="", max_length=100, description="签发人")
    reporter: str = Field(default="", max_length=100, description="the recording officer's name if left out")
    reporter_phone: Phone = ""
    filed_at: SaneAwareDatetime | None = Field(default=None, description="when it was sent; now if left out "
                                                                        "(a phone report entered afterwards)")


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int
    number: int
    kind: ReportKind
    kind_name: str = ""
    channel: Channel
    channel_name: str = ""
    from_level: Level
    to_level: Level
    to_code: str | None
    to_name: str = ""
    unit_overview: str
    time_place_scene: str
    course: str
    deaths: int
    missing: int
    serious_injuries: int
    minor_injuries: int
    loss_yuan: int
    casualty_note: str
    measures: str
    other: str
    grade: str | None
    reporting_unit: str
    issuer: str
    reporter: str
    reporter_phone: str
    filed_at: datetime
    recorded_at: datetime
    recorded_by: str
    late: bool = False  # it met a clock after that clock's deadline (迟报)


class ClockRead(BaseModel):
    incident_id: int
    incident_number: str
    incident_title: str
    is_drill: bool = Field(default=False, description="a drill's clock: shown, never counted as 迟报")
    from_level: Level
    to_level: Level
    to_code: str | None
    who: str  # "事发单位 → 玄武区（县级）"
    channel: Channel
    channel_name: str
    deadline: datetime
    status: str  # due | met | overdue
    status_name: str
    met_at: datetime | None
    late: bool
    remaining_minutes: int  # negative once overdue; from the deadline to now (or to met_at once met)
    rule: str


class ClocksRead(BaseModel):
    incident_id: int
    known_at: datetime
    grade: str | None
    clocks: list[ClockRead]
    late_count: int


class DueRead(BaseModel):
    """The desk's 报告时限: clocks not yet met across the caller's active incidents, overdue first."""

    items: list[ClockRead]
    overdue: int
    due: int
    late_count: int = Field(description="迟报: clocks overdue now or met after their deadline, active incidents")
