"""Unified command in and out: activation, members, tasks and their updates, decisions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from citysafe.core.bounds import NonBlankText, RowId

ResponseLevel = Literal["1", "2", "3", "4"]
Post = Literal["commander", "deputy", "lead", "member"]
POST_NAMES_ZH: dict[str, str] = {"commander": "总指挥", "deputy": "副总指挥", "lead": "组长", "member": "成员"}
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^[0-9+\-() ]*$")]


class TaskState(StrEnum):
    TODO = "todo"
    DOING = "doing"
    DONE = "done"
    BLOCKED = "blocked"


TASK_STATE_NAMES_ZH: dict[str, str] = {TaskState.TODO: "待办", TaskState.DOING: "进行中", TaskState.DONE: "已完成",
                                       TaskState.BLOCKED: "受阻"}


class ActivationIn(BaseModel):
    plan_id: RowId = Field(description="the plan to activate (启动预案); its current version is used")
    level: ResponseLevel = Field(description="response level: 1 (一级, highest) .. 4 (四级)")
    note: str = Field(default="", max_length=2000, description="why (研判意见), kept on the timeline")


class MemberIn(BaseModel):
    """An account (``user_id``), or an outside contact with a name and a phone."""

    post: Post
    group_name: str = Field(default="", max_length=100, description="the working group (lead, member)")
    user_id: RowId | None = None
    name: str = Field(default="", max_length=100, description="an outside contact's name (default: the account's)")
    phone: Phone = ""
    organisation: str = Field(default="", max_length=200)


class TaskIn(BaseModel):
    """A task the command adds beyond the plan's."""

    title: Annotated[NonBlankText, Field(max_length=200)]
    group_name: str = Field(default="", max_length=100)
    owner_role: str = Field(default="", max_length=100)
    deadline_minutes: int = Field(ge=0, le=30 * 24 * 60, description="minutes from now")


class TaskUpdateIn(BaseModel):
    state: TaskState | None = Field(default=None, description="todo 待办, doing 进行中, done 已完成, blocked 受阻")
    note: str = Field(default="", max_length=2000, description="progress note (进展)")


class DecisionIn(BaseModel):
    text: Annotated[NonBlankText, Field(max_length=4000, description="指挥决策: what was decided")]


class MemberRead(BaseModel):
    id: int
    post: str
    post_name: str
    group_name: str
    user_id: int | None
    name: str
    phone: str
    organisation: str


class TaskUpdateRead(BaseModel):
    state_from: str
    state_to: str
    note: str
    actor: str
    at: datetime


class TaskRead(BaseModel):
    id: int
    incident_id: int
    incident_title: str = ""
    group_name: str
    title: str
    owner_role: str
    level: str
    source: str
    deadline_at: datetime
    overdue: bool
    state: TaskState
    state_name: str
    done_at: datetime | None
    mine: bool = False
    may_update: bool = False
    updates: list[TaskUpdateRead] = Field(default_factory=list)


class GroupRead(BaseModel):
    name: str
    lead: str
    duties: str
    members: list[MemberRead]
    tasks: list[TaskRead]


class ActivationRead(BaseModel):
    plan_id: int
    plan_version: int
    level: str
    level_name: str
    previous_level: str | None
    note: str
    at: datetime
    actor: str


class CommandRead(BaseModel):
    id: int
    incident_id: int
    plan_id: int
    plan_version: int
    plan_title: str
    response_level: str
    response_level_name: str
    commander: str
    deputies: list[str]
    leaders: list[MemberRead]
    groups: list[GroupRead]
    activated_at: datetime
    activated_by: str
    activations: list[ActivationRead]
    my_groups: list[str]
