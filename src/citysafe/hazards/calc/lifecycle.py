"""The hazard ticket's closed loop as a pure state machine.

    reported ─assign─▶ assigned ─start─▶ rectifying ─submit─▶ submitted ─pass─▶ reinspected ─close─▶ closed (销号)
        │                                   ▲                    │
        └─dismiss─▶ dismissed               └─resume─ returned ◀─fail┘

Self-loops that change who or when without moving the ticket: ``reassign``, ``extend`` and ``regrade``.

Who may do what is expressed in *capacities* (the service derives them from the principal and the
ticket), so the rules can be tested without users or a database:

* ``supervisor`` — a safety office or department holding ``hazards:write``: assigns, extends, regrades,
  dismisses, and signs off (销号) a major hazard;
* ``rectifier`` — the responsible unit (or an office recording on its behalf): starts, submits, resumes;
* ``inspector`` — holds ``hazards:verify``: re-inspects and closes a general hazard;
* ``system`` — the platform itself (a device fault whose unit is known is assigned at once).

Evidence is required at each step that claims something happened: a rectification is submitted with
photos or documents, a re-inspection passes with its own photos, every judgement carries a note. The
person who submitted a rectification may not pass its re-inspection (separation of duties), and a major
hazard cannot be rectified or submitted without its rectification plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class State(StrEnum):
    REPORTED = "reported"
    ASSIGNED = "assigned"
    RECTIFYING = "rectifying"
    SUBMITTED = "submitted"
    REINSPECTED = "reinspected"
    CLOSED = "closed"
    RETURNED = "returned"
    DISMISSED = "dismissed"


class Action(StrEnum):
    ASSIGN = "assign"
    REASSIGN = "reassign"
    START = "start"
    SUBMIT = "submit"
    PASS = "pass"  # noqa: S105 - the re-inspection passed, not a password
    FAIL = "fail"
    RESUME = "resume"
    CLOSE = "close"
    DISMISS = "dismiss"
    EXTEND = "extend"
    REGRADE = "regrade"


class Capacity(StrEnum):
    SUPERVISOR = "supervisor"
    RECTIFIER = "rectifier"
    INSPECTOR = "inspector"
    SYSTEM = "system"


STATE_NAMES_ZH: dict[str, str] = {
    State.REPORTED: "已上报", State.ASSIGNED: "已交办", State.RECTIFYING: "整改中", State.SUBMITTED: "待复查",
    State.REINSPECTED: "复查通过待销号", State.CLOSED: "已销号", State.RETURNED: "复查未通过",
    State.DISMISSED: "不予立案",
}
ACTION_NAMES_ZH: dict[str, str] = {
    Action.ASSIGN: "交办", Action.REASSIGN: "改派", Action.START: "开始整改", Action.SUBMIT: "提交整改",
    Action.PASS: "复查通过", Action.FAIL: "复查不通过", Action.RESUME: "重新整改", Action.CLOSE: "销号",
    Action.DISMISS: "不予立案", Action.EXTEND: "延期", Action.REGRADE: "重新定级",
}

TERMINAL_STATES = frozenset({State.CLOSED, State.DISMISSED})
OPEN_STATES = frozenset(State) - TERMINAL_STATES
# Tickets whose deadline runs: nobody has yet claimed a rectification (the deadline is set at the report, so
# a ticket left unassigned also falls overdue); once submitted, the wait is on the re-inspection.
DEADLINE_STATES = frozenset({State.REPORTED, State.ASSIGNED, State.RECTIFYING, State.RETURNED})
_MOVABLE = frozenset({State.ASSIGNED, State.RECTIFYING, State.RETURNED})

# (from state, action) -> to state. Anything absent is refused.
TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.REPORTED, Action.ASSIGN): State.ASSIGNED,
    (State.REPORTED, Action.DISMISS): State.DISMISSED,
    (State.ASSIGNED, Action.START): State.RECTIFYING,
    (State.RECTIFYING, Action.SUBMIT): State.SUBMITTED,
    (State.SUBMITTED, Action.PASS): State.REINSPECTED,
    (State.SUBMITTED, Action.FAIL): State.RETURNED,
    (State.RETURNED, Action.RESUME): State.RECTIFYING,
    (State.REINSPECTED, Action.CLOSE): State.CLOSED,
    **{(s, Action.REASSIGN): s for s in _MOVABLE},
    **{(s, Action.EXTEND): s for s in _MOVABLE},
    **{(s, Action.REGRADE): s for s in _MOVABLE | {State.REPORTED}},
}

_SUPERVISOR = frozenset({Capacity.SUPERVISOR})
CAPACITIES: dict[Action, frozenset[Capacity]] = {
    Action.ASSIGN: frozenset({Capacity.SUPERVISOR, Capacity.SYSTEM}),
    Action.REASSIGN: _SUPERVISOR,
    Action.DISMISS: _SUPERVISOR,
    Action.EXTEND: _SUPERVISOR,
    Action.REGRADE: _SUPERVISOR,
    Action.START: frozenset({Capacity.RECTIFIER}),
    Action.SUBMIT: frozenset({Capacity.RECTIFIER}),
    Action.RESUME: frozenset({Capacity.RECTIFIER}),
    Action.PASS: frozenset({Capacity.INSPECTOR}),
    Action.FAIL: frozenset({Capacity.INSPECTOR}),
    Action.CLOSE: frozenset({Capacity.INSPECTOR, Capacity.SUPERVISOR}),
}
# A major hazard is signed off only by the supervising authority (重大隐患由负有监管职责的部门销号).
_MAJOR_CLOSE = _SUPERVISOR

# Actions that record what someone saw or did, and therefore need photos or documents.
NEEDS_ATTACHMENT = frozenset({Action.SUBMIT, Action.PASS})
NEEDS_NOTE = frozenset({Action.SUBMIT, Action.PASS, Action.FAIL, Action.CLOSE, Action.DISMISS, Action.EXTEND,
                        Action.REGRADE, Action.REASSIGN})
NEEDS_RESPONSIBLE = frozenset({Action.ASSIGN, Action.REASSIGN})
NEEDS_PLAN_IF_MAJOR = frozenset({Action.START, Action.SUBMIT})


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about one requested step besides the state and the actor's capacities."""

    level: str = "general"
    has_plan: bool = False
    attachments: int = 0
    note: str = ""
    responsible_set: bool = False
    deadline_given: bool = False
    actor_id: int | None = None
    submitted_by: int | None = None


class Refusal(StrEnum):
    STATE = "state"
    CAPACITY = "capacity"
    EVIDENCE = "evidence"
    SEPARATION = "separation"


class TransitionRefused(Exception):
    def __init__(self, kind: Refusal, message: str, message_zh: str, field: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.message_zh = message_zh
        self.field = field


def required_capacities(action: Action, level: str) -> frozenset[Capacity]:
    if action is Action.CLOSE and level == "major":
        return _MAJOR_CLOSE
    return CAPACITIES[action]


def decide(state: State, action: Action, capacities: frozenset[Capacity], facts: Facts) -> State:
    """The state after ``action``, or ``TransitionRefused`` saying why not (state, capacity, evidence)."""
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise TransitionRefused(
            Refusal.STATE, f"cannot {action} a ticket that is {state}",
            f"当前状态“{STATE_NAMES_ZH[state]}”不能执行“{ACTION_NAMES_ZH[action]}”")
    if not capacities & required_capacities(action, facts.level):
        raise TransitionRefused(
            Refusal.CAPACITY, f"you may not {action} this ticket",
            f"您无权对该隐患执行“{ACTION_NAMES_ZH[action]}”")
    _check_evidence(action, facts)
    if action is Action.PASS and facts.actor_id is not None and facts.actor_id == facts.submitted_by:
        raise TransitionRefused(
            Refusal.SEPARATION, "the person who submitted the rectification may not pass its re-inspection",
            "整改提交人不能复查自己提交的整改")
    return target


def _check_evidence(action: Action, facts: Facts) -> None:
    if action in NEEDS_NOTE and not facts.note.strip():
        raise TransitionRefused(Refusal.EVIDENCE, "a note is required for this step", "此环节须填写说明", "note")
    if action in NEEDS_ATTACHMENT and facts.attachments < 1:
        raise TransitionRefused(Refusal.EVIDENCE, "attach at least one photo or document as evidence",
                                "须上传至少一张照片或一份材料作为佐证", "attachment_ids")
    if action in NEEDS_RESPONSIBLE and not facts.responsible_set:
        raise TransitionRefused(Refusal.EVIDENCE, "name the responsible unit", "须指定整改责任单位",
                                "organization_id")
    if action is Action.EXTEND and not facts.deadline_given:
        raise TransitionRefused(Refusal.EVIDENCE, "give the new deadline", "须填写新的整改期限", "deadline")
    if action in NEEDS_PLAN_IF_MAJOR and facts.level == "major" and not facts.has_plan:
        raise TransitionRefused(
            Refusal.EVIDENCE,
            "a major hazard needs its rectification plan (measures, funds, responsible person, deadline, "
            "interim safeguards)",
            "重大隐患须先制定整改方案（措施、资金、责任人、时限、整改期间安全防范措施）", "plan")


def available_actions(state: State, capacities: frozenset[Capacity], level: str) -> list[Action]:
    """The actions the actor could take now (evidence aside), in the order the console shows them."""
    return [action for action in Action
            if (state, action) in TRANSITIONS and capacities & required_capacities(action, level)]


def is_open(state: str) -> bool:
    return state not in TERMINAL_STATES


def is_overdue(state: str, deadline: datetime, now: datetime) -> bool:
    """Past its deadline while the deadline still runs (``tickets.queries.overdue_clause`` says it in SQL)."""
    return state in DEADLINE_STATES and deadline < now
