"""A moving-window rate limit kept in memory, per application (hung off its context in a ``Slot`` by each
user): the public forms' requests per address, the login's failures per address.

The ``limits`` package's memory storage did the same at ~4 ms a request: it starts a timer thread every
10 ms that walks every key. Here each key keeps the times of its hits, dropped as they leave the window, and
keys idle for a whole window are swept at most once a window. Per process: several web processes each keep
their own (docs/deploy.md), which is what a per-address throttle needs; nothing here must survive a restart.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class MovingWindow:
    """Hits per key within the last ``seconds``."""

    seconds: float = 60.0
    hits: dict[str, deque[float]] = field(default_factory=dict)
    swept_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hit(self, key: str, limit: int, now: float | None = None) -> bool:
        """Count a hit of ``key``; False (not counted) when ``limit`` were already made in the window."""
        now = time.monotonic() if now is None else now
        with self.lock:
            times = self._current(key, now)
            allowed = len(times) < limit
            if allowed:
                times.append(now)
            return allowed

    def allows(self, key: str, limit: int, now: float | None = None) -> bool:
        """Whether one more hit of ``key`` would be allowed (nothing counted)."""
        now = time.monotonic() if now is None else now
        with self.lock:
            return len(self._current(key, now)) < limit

    def retry_after(self, key: str, now: float | None = None) -> int:
        """Whole seconds until the oldest hit of ``key`` leaves the window (at least 1): a Retry-After."""
        now = time.monotonic() if now is None else now
        with self.lock:
            times = self._current(key, now)
            return max(1, int(times[0] + self.seconds - now) + 1) if times else 1

    def _current(self, key: str, now: float) -> deque[float]:
        cutoff = now - self.seconds
        times = self.hits.setdefault(key, deque())
        while times and times[0] <= cutoff:
            times.popleft()
        if now - self.swept_at >= self.seconds:
            self.hits = {k: v for k, v in self.hits.items() if v and v[-1] > cutoff}
            self.hits.setdefault(key, times)
            self.swept_at = now
        return times
