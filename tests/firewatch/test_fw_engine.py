"""The pure alarm state machine (engine.step), patrol rules and region escalation, with properties."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from citysafe.firewatch.alarms import engine, patrol
from citysafe.firewatch.alarms.timers import parent_region
from citysafe.firewatch.enums import ALARM_KINDS, DECISION_KINDS

T = datetime(2026, 3, 1, tzinfo=UTC)
CONDITIONS = ["fire", "fault", "supervisory", "shielded", "started", "gas"]
reports = st.lists(st.tuples(st.frozensets(st.sampled_from(CONDITIONS), max_size=3), st.booleans(),
                             st.integers(min_value=1, max_value=400)), max_size=40)


def _run(sequence: list[tuple[frozenset[str], bool, int]], rules: engine.Rules) -> list[tuple[set[str], list[
        engine.Decision], frozenset[str], frozenset[str]]]:
    """Replay reports, keeping open alarms the way the database layer does; returns per-step facts."""
    snap, open_kinds, at, out = engine.EMPTY, set[str](), T, []
    for observed, momentary, gap in sequence:
        at += timedelta(seconds=gap)
        before = set(open_kinds)
        snap_before = snap
        snap, decisions = engine.step(snap, observed=observed, at=at, open_kinds=frozenset(open_kinds),
                                      momentary=momentary, rules=rules)
        for d in decisions:
            if d.change == "raise":
                open_kinds.add(d.kind)
            elif d.change == "clear" and d.close:
                open_kinds.discard(d.kind)
        out.append((before, decisions, snap_before.active, observed))
    return out


@settings(max_examples=300, deadline=None)
@given(reports, st.integers(min_value=2, max_value=8))
def test_one_open_alarm_per_kind_and_fire_never_closed_by_the_device(
        sequence: list[tuple[frozenset[str], bool, int]], flap: int) -> None:
    for before, decisions, _prev, observed in _run(sequence, engine.Rules(flap, timedelta(minutes=10))):
        kinds = [d.kind for d in decisions]
        assert len(kinds) == len(set(kinds)), "at most one decision per kind per report"
        for d in decisions:
            assert d.kind in ALARM_KINDS
            if d.change == "raise":
                assert d.kind not in before, "a raise never duplicates an open alarm"
            else:
                assert d.kind in before
            if d.change == "clear" and d.kind in DECISION_KINDS:
                assert not d.close, "fire/gas/electrical wait for an operator"
        for kind in observed & ALARM_KINDS:
            assert kind in before or kind in kinds, "every reported alarm condition has an open alarm after it"


@settings(max_examples=300, deadline=None)
@given(reports)
def test_momentary_reports_leave_the_lasting_state_alone(sequence: list[tuple[frozenset[str], bool, int]]) -> None:
    snap = engine.EMPTY
    at = T
    for observed, momentary, gap in sequence:
        at += timedelta(seconds=gap)
        after, _ = engine.step(snap, observed=observed, at=at, open_kinds=frozenset(), momentary=momentary)
        assert after.active == (snap.active if momentary else observed)
        snap = after


def test_restore_closes_a_fault_but_not_a_fire() -> None:
    snap, decisions = engine.step(engine.EMPTY, observed=frozenset({"fire", "fault"}), at=T, open_kinds=frozenset())
    assert {(d.kind, d.change) for d in decisions} == {("fire", "raise"), ("fault", "raise")}
    _, decisions = engine.step(snap, observed=frozenset(), at=T + timedelta(seconds=5),
                               open_kinds=frozenset({"fire", "fault"}))
    assert {(d.kind, d.close) for d in decisions} == {("fire", False), ("fault", True)}


def test_flapping_keeps_the_alarm_open() -> None:
    rules = engine.Rules(flap_changes=3, flap_window=timedelta(minutes=10))
    snap, open_kinds, at = engine.EMPTY, frozenset[str](), T
    closes = []
    for observed in ({"fault"}, set(), {"fault"}, set()):
        at += timedelta(seconds=30)
        snap, decisions = engine.step(snap, observed=frozenset(observed), at=at, open_kinds=open_kinds, rules=rules)
        for d in decisions:
            if d.change == "raise":
                open_kinds = open_kinds | {d.kind}
            if d.change == "clear":
                closes.append(d.close)
                if d.close:
                    open_kinds = open_kinds - {d.kind}
    assert closes == [True, False] and "fault" in snap.flapping
    assert not engine.is_calm(snap, "fault", at, rules)
    assert engine.is_calm(snap, "fault", at + timedelta(minutes=11), rules)


def test_offline_and_patrol_rules() -> None:
    limit = timedelta(minutes=150)
    assert not patrol.is_offline(None, T, limit)
    assert not patrol.is_offline(T, T + limit, limit)
    assert patrol.is_offline(T, T + limit + timedelta(seconds=1), limit)
    assert patrol.offline_limit(limit, 30) == timedelta(minutes=30)
    assert patrol.offline_limit(limit, None) == limit
    assert patrol.patrol_period(timedelta(hours=5)) == timedelta(hours=2)
    assert patrol.patrol_due(None, T, timedelta(hours=1))
    assert not patrol.patrol_due(T, T + timedelta(minutes=59), timedelta(hours=1))


def test_duty_reply_matching() -> None:
    checks = [patrol.SentCheck(1, T, 10), patrol.SentCheck(2, T + timedelta(minutes=20), 10),
              patrol.SentCheck(3, T + timedelta(minutes=40), 10)]
    reply_at = T + timedelta(minutes=25)
    match = patrol.match_duty_reply(checks, reply_at)
    assert match is not None and match.check_id == 2 and not patrol.reply_is_late(match, reply_at)
    assert patrol.reply_is_late(checks[0], reply_at)
    assert patrol.match_duty_reply(checks[2:], reply_at) is None
    assert patrol.unanswered_expired(checks[0], reply_at)


def test_parent_region_walks_up_to_the_province() -> None:
    chain = ["320102002001", "320102002", "320102", "320100", "320000"]
    for child, parent in itertools.pairwise(chain):
        assert parent_region(child) == parent
    assert parent_region("320000") is None
