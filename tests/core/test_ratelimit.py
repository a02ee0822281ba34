"""The moving window behind the per-address limits (public forms, failed logins): a hit counts only while
there is room, asking does not count, Retry-After is when the oldest hit leaves the window."""

from __future__ import annotations

from citysafe.core.ratelimit import MovingWindow


def test_hits_count_while_there_is_room_and_asking_counts_nothing() -> None:
    window = MovingWindow(900.0)  # the login's 15 minutes
    assert all(window.allows("10.0.0.1", 3, now=10.0) for _ in range(10))
    assert [window.hit("10.0.0.1", 3, now=t) for t in (10.0, 20.0, 30.0, 40.0)] == [True, True, True, False]
    assert not window.allows("10.0.0.1", 3, now=900.0)
    assert window.allows("10.0.0.2", 3, now=900.0)  # another address: its own count
    assert window.allows("10.0.0.1", 3, now=910.5)  # the hit at 10 left the window


def test_retry_after_is_when_the_oldest_hit_leaves() -> None:
    window = MovingWindow(60.0)
    assert window.retry_after("a", now=5.0) == 1  # nothing to wait for
    window.hit("a", 2, now=100.0)
    window.hit("a", 2, now=130.0)
    assert window.retry_after("a", now=100.0) == 61
    assert window.retry_after("a", now=150.2) == 10
    assert window.retry_after("a", now=159.99) == 1
