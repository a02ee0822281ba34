"""An incident's lifecycle as a pure state machine.

    received 接报 ─verify─▶ verified 核实 ─respond─▶ responding 响应 ─handle─▶ handling 处置
        ─end_response─▶ response_ended 响应终止 ─aftermath─▶ aftermath 善后/调查 ─archive─▶ archived 归档

``set_level`` changes the response level (一级–四级) while the response runs, without moving the incident.
The response level is chosen when the response starts (突发事件应对法 第七十二条: 启动应急响应应当明确响应级别)
and is kept apart from the accident grade, which follows from casualties and loss (calc/grade.py). An
archived incident takes no further step: a correction is a new timeline entry, never a changed record.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    RECEIVED = "received"
    VERIFIED = "verified"
    RESPONDING = "responding"
    HANDLING = "handling"
    RESPONSE_ENDED = "response_ended"
    AFTERMATH = "aftermath"
    ARCHIVED = "archived"


class Action(StrEnum):
    VERIFY = "verify"
    RESPOND = "respond"
    HANDLE = "handle"
    END_RESPONSE = "end_response"
    AFTERMATH = "aftermath"
    ARCHIVE = "archive"
    SET_LEVEL = "set_level"


STATE_NAMES_ZH: dict[str, str] = {
    State.RECEIVED: "接报", State.VERIFIED: "核实", State.RESPONDING: "响应", State.HANDLING: "处置",
    State.RESPONSE_ENDED: "响应终止", State.AFTERMATH: "善后/调查", State.ARCHIVED: "归档",
}
ACTION_NAMES_ZH: dict[str, str] = {
    Action.VERIFY: "核实", Action.RESPOND: "启动响应", Action.HANDLE: "转入处置", Action.END_RESPONSE: "终止响应",
    Action.AFTERMATH: "转入善后/调查", Action.ARCHIVE: "归档", Action.SET_LEVEL: "调整响应级别",
}

ORDER: tuple[State, ...] = tuple(State)
# States in which a response level is in force (set at respond, kept for the record afterwards).
RESPONSE_RUNNING = frozenset({State.RESPONDING, State.HANDLING})
ACTIVE_STATES = frozenset(State) - {State.ARCHIVED}

TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.RECEIVED, Action.VERIFY): State.VERIFIED,
    (State.VERIFIED, Action.RESPOND): State.RESPONDING,
    (State.RESPONDING, Action.HANDLE): State.HANDLING,
    (State.HANDLING, Action.END_RESPONSE): State.RESPONSE_ENDED,
    (State.RESPONSE_ENDED, Action.AFTERMATH): State.AFTERMATH,
    (State.AFTERMATH, Action.ARCHIVE): State.ARCHIVED,
    **{(s, Action.SET_LEVEL): s for s in RESPONSE_RUNNING},
}
NEEDS_LEVEL = frozenset({Action.RESPOND, Action.SET_LEVEL})


@dataclass(frozen=True)
class TransitionRefused(Exception):
    message: str
    message_zh: str
    field: str
    conflict: bool  # True: the state refuses it (409); False: the request lacks something (422)


def decide(state: State, action: Action, *, response_level: str | None, levels: frozenset[str]) -> State:
    """The state after ``action``; ``TransitionRefused`` naming the field otherwise."""
    target = TRANSITIONS.get((state, action))
    if target is None:
        why = "已归档的事件不能再变更，更正请追加时间线记录" if state is State.ARCHIVED else ""
        raise TransitionRefused(
            f"cannot {action} an incident that is {state}",
            f"当前状态“{STATE_NAMES_ZH[state]}”不能执行“{ACTION_NAMES_ZH[action]}”{('：' + why) if why else ''}",
            "action", conflict=True)
    if action in NEEDS_LEVEL and response_level not in levels:
        raise TransitionRefused("give the response level (1 to 4; 1 is the highest)",
                                "须选择响应级别（一级至四级，一级最高）", "response_level", conflict=False)
    return target


def available_actions(state: State) -> list[Action]:
    return [action for action in Action if (state, action) in TRANSITIONS]
