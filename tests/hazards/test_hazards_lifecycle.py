"""The pure state machine of the closed loop: table-driven cases and Hypothesis properties over random runs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citysafe.hazards.calc.lifecycle import (
    CAPACITIES,
    OPEN_STATES,
    TERMINAL_STATES,
    TRANSITIONS,
    Action,
    Capacity,
    Facts,
    Refusal,
    State,
    TransitionRefused,
    available_actions,
    decide,
)

EVERYONE = frozenset(Capacity)
FULL = Facts(level="general", has_plan=True, attachments=2, note="说明", responsible_set=True, deadline_given=True,
             actor_id=1, submitted_by=2)


@pytest.mark.parametrize(("state", "action", "capacity", "target"), [
    (State.REPORTED, Action.ASSIGN, Capacity.SUPERVISOR, State.ASSIGNED),
    (State.REPORTED, Action.ASSIGN, Capacity.SYSTEM, State.ASSIGNED),
    (State.ASSIGNED, Action.START, Capacity.RECTIFIER, State.RECTIFYING),
    (State.RECTIFYING, Action.SUBMIT, Capacity.RECTIFIER, State.SUBMITTED),
    (State.SUBMITTED, Action.PASS, Capacity.INSPECTOR, State.REINSPECTED),
    (State.SUBMITTED, Action.FAIL, Capacity.INSPECTOR, State.RETURNED),
    (State.RETURNED, Action.RESUME, Capacity.RECTIFIER, State.RECTIFYING),
    (State.REINSPECTED, Action.CLOSE, Capacity.INSPECTOR, State.CLOSED),
    (State.REPORTED, Action.DISMISS, Capacity.SUPERVISOR, State.DISMISSED),
    (State.RECTIFYING, Action.EXTEND, Capacity.SUPERVISOR, State.RECTIFYING),
])
def test_each_step_by_its_role(state: State, action: Action, capacity: Capacity, target: State) -> None:
    assert decide(state, action, frozenset({capacity}), FULL) is target


@pytest.mark.parametrize(("state", "action", "capacity"), [
    (State.REPORTED, Action.ASSIGN, Capacity.RECTIFIER),
    (State.ASSIGNED, Action.START, Capacity.INSPECTOR),
    (State.RECTIFYING, Action.SUBMIT, Capacity.SUPERVISOR),
    (State.SUBMITTED, Action.PASS, Capacity.RECTIFIER),
    (State.REINSPECTED, Action.CLOSE, Capacity.RECTIFIER),
    (State.REPORTED, Action.DISMISS, Capacity.INSPECTOR),
])
def test_other_roles_are_refused(state: State, action: Action, capacity: Capacity) -> None:
    with pytest.raises(TransitionRefused) as refused:
        decide(state, action, frozenset({capacity}), FULL)
    assert refused.value.kind is Refusal.CAPACITY


def test_major_close_needs_the_supervisor_and_major_work_needs_a_plan() -> None:
    major = Facts(**{**FULL.__dict__, "level": "major"})
    with pytest.raises(TransitionRefused):
        decide(State.REINSPECTED, Action.CLOSE, frozenset({Capacity.INSPECTOR}), major)
    assert decide(State.REINSPECTED, Action.CLOSE, frozenset({Capacity.SUPERVISOR}), major) is State.CLOSED
    planless = Facts(**{**major.__dict__, "has_plan": False})
    for action, state in ((Action.START, State.ASSIGNED), (Action.SUBMIT, State.RECTIFYING)):
        with pytest.raises(TransitionRefused) as refused:
            decide(state, action, frozenset({Capacity.RECTIFIER}), planless)
        assert refused.value.field == "plan"


@pytest.mark.parametrize(("action", "state", "missing", "field"), [
    (Action.SUBMIT, State.RECTIFYING, {"attachments": 0}, "attachment_ids"),
    (Action.PASS, State.SUBMITTED, {"attachments": 0}, "attachment_ids"),
    (Action.FAIL, State.SUBMITTED, {"note": " "}, "note"),
    (Action.ASSIGN, State.REPORTED, {"responsible_set": False}, "organization_id"),
    (Action.EXTEND, State.ASSIGNED, {"deadline_given": False}, "deadline"),
])
def test_evidence_at_each_step(action: Action, state: State, missing: dict[str, object], field: str) -> None:
    facts = Facts(**{**FULL.__dict__, **missing})
    with pytest.raises(TransitionRefused) as refused:
        decide(state, action, EVERYONE, facts)
    assert refused.value.kind is Refusal.EVIDENCE and refused.value.field == field
    assert refused.value.message_zh


def test_submitter_may_not_pass_own_work() -> None:
    mine = Facts(**{**FULL.__dict__, "actor_id": 7, "submitted_by": 7})
    with pytest.raises(TransitionRefused) as refused:
        decide(State.SUBMITTED, Action.PASS, EVERYONE, mine)
    assert refused.value.kind is Refusal.SEPARATION
    assert decide(State.SUBMITTED, Action.FAIL, EVERYONE, mine) is State.RETURNED


states = st.sampled_from(list(State))
actions = st.sampled_from(list(Action))
capacity_sets = st.frozensets(st.sampled_from(list(Capacity)))
facts = st.builds(Facts, level=st.sampled_from(["general", "major"]), has_plan=st.booleans(),
                  attachments=st.integers(0, 3), note=st.sampled_from(["", " ", "说明"]),
                  responsible_set=st.booleans(), deadline_given=st.booleans(),
                  actor_id=st.sampled_from([None, 1, 2]), submitted_by=st.sampled_from([None, 1, 2]))


@given(state=states, action=actions, capacities=capacity_sets, fact=facts)
def test_a_step_either_follows_the_table_or_says_why_not(state: State, action: Action,
                                                        capacities: frozenset[Capacity], fact: Facts) -> None:
    try:
        target = decide(state, action, capacities, fact)
    except TransitionRefused as refused:
        assert refused.message and refused.message_zh
        if (state, action) not in TRANSITIONS:
            assert refused.kind is Refusal.STATE
        return
    assert TRANSITIONS[(state, action)] is target
    assert capacities & CAPACITIES[action]
    assert state not in TERMINAL_STATES


@settings(max_examples=300)
@given(steps=st.lists(st.tuples(actions, capacity_sets, facts), max_size=40))
def test_random_runs_close_only_through_reinspection(steps: list[tuple[Action, frozenset[Capacity], Facts]]) -> None:
    state = State.REPORTED
    trace = [state]
    for action, capacities, fact in steps:
        try:
            state = decide(state, action, capacities, fact)
        except TransitionRefused:
            continue
        trace.append(state)
    if State.CLOSED in trace:
        closed = trace.index(State.CLOSED)
        assert trace[closed - 1] is State.REINSPECTED
        assert State.SUBMITTED in trace[:closed] and State.ASSIGNED in trace[:closed]
        assert trace[closed:] == [State.CLOSED] * (len(trace) - closed)  # terminal
    if State.DISMISSED in trace:
        dismissed = trace.index(State.DISMISSED)
        # only a report not yet assigned can be dismissed (re-grading it first is allowed), and it stays so
        assert set(trace[:dismissed]) == {State.REPORTED}
        assert trace[dismissed:] == [State.DISMISSED] * (len(trace) - dismissed)


@given(state=states, capacities=capacity_sets, level=st.sampled_from(["general", "major"]))
def test_available_actions_are_exactly_the_permitted_ones(state: State, capacities: frozenset[Capacity],
                                                          level: str) -> None:
    offered = available_actions(state, capacities, level)
    full = Facts(**{**FULL.__dict__, "level": level})
    for action in Action:
        try:
            decide(state, action, capacities, full)
            allowed = True
        except TransitionRefused:
            allowed = False
        assert (action in offered) == allowed
    if state in TERMINAL_STATES:
        assert offered == []
    assert state in OPEN_STATES or not offered
