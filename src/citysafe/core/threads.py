"""The worker threads that run requests' blocking work (sync dependencies and views, database I/O).

Starlette runs every sync dependency and view on AnyIO's worker threads, 40 of them by default. On a small
server that is far more threads than cores, and they take turns at the GIL and at SQLite's shared WAL index:
under 20 busy browsers on 2 cores (bench/console.py, four runs each, medians) a browser round cost the server
67 ms of CPU with 40 threads against 38 ms with 2 browsers. With 8 threads it cost 59 ms, and the p95 of the
workbench fell from 271 to 176 ms, of the alarm board's data from 311 to 237 ms, of the risk map's data from
283 to 211 ms (the health baseline, which now queues with the rest, rose from 82 to 105 ms). So requests get
a few threads per core (``Settings.request_threads``) and the rest of a burst waits its turn on the event
loop, where waiting costs nothing.

Few threads must not mean that requests waiting for SQLite's write lock (``BEGIN IMMEDIATE``, up to the busy
timeout) hold them all while the request that holds the lock waits for a thread to finish its view: that
would stall every request until the busy timeout. Waiting for the write lock therefore has its own line of
threads (``lock_waiters``), as wide as AnyIO's default, and never takes a request thread. (The few views
that write through short units of work of their own — imports, the 查岗 downlink — and a failed login's count
still wait for the lock on a request thread: they are rare, and failed logins are limited per address.)
"""

from __future__ import annotations

import os

import anyio
import anyio.to_thread
from starlette.requests import Request

# AnyIO's own default: as many lock waiters as the server once had request threads.
LOCK_WAITER_THREADS = 40
PER_CPU = 4
AT_LEAST = 8


def request_thread_count(configured: int) -> int:
    """``configured`` when set, else a few threads per core (at least ``AT_LEAST``)."""
    if configured > 0:
        return configured
    return max(AT_LEAST, PER_CPU * (os.cpu_count() or 1))


def configure(app_state: object, configured: int) -> None:
    """Call on the serving event loop (the app's lifespan): the loop's request threads and lock waiters."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = request_thread_count(configured)
    app_state.lock_waiters = anyio.CapacityLimiter(LOCK_WAITER_THREADS)  # type: ignore[attr-defined]


def lock_waiters(request: Request) -> anyio.CapacityLimiter | None:
    """The line for waiting on the write lock; None (the default threads) when the lifespan did not run."""
    limiter: anyio.CapacityLimiter | None = getattr(request.app.state, "lock_waiters", None)
    return limiter
