"""Bounded waiting for tests: ``await until(condition, what=...)`` instead of an open-ended poll.

A test that waits for something to happen (a row stored, a counter raised, a port listening) polls
with this helper, never with a bare ``while not ...: await asyncio.sleep(...)``: when the thing never
happens the test fails after ``timeout`` seconds with a message saying what it waited for and for how
long, instead of hanging the run until pytest-timeout (or CI) kills it. The timeout is a generous
bound on a wait, never an assertion about speed.
"""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

WAIT = 20.0
"""Default bound in seconds: far above any normal wait, well below the per-test pytest-timeout."""


async def until(condition: Callable[[], bool | Awaitable[bool]], *, what: str, timeout: float = WAIT,
                interval: float = 0.02) -> None:
    """Poll ``condition`` (sync, or async returning an awaitable) until it is true, every ``interval`` s.

    Raises AssertionError naming ``what`` and the elapsed time once ``timeout`` seconds have passed; an
    async condition that itself hangs is cut off by the same deadline. ``interval=0`` yields to the
    event loop between checks without sleeping (for a condition another task flips immediately).
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        async with asyncio.timeout(timeout) as scope:
            while True:
                result = condition()
                if inspect.isawaitable(result):
                    result = await result
                if result:
                    return
                await asyncio.sleep(interval)
    except TimeoutError:
        if not scope.expired():
            raise  # a TimeoutError of the condition's own, not our deadline
        raise AssertionError(f"timed out waiting for {what} "
                             f"(gave up after {loop.time() - started:.1f} s; timeout={timeout:g} s)") from None


def until_sync(condition: Callable[[], bool], *, what: str, timeout: float = WAIT, interval: float = 0.05) -> None:
    """``until`` for code without an event loop (a TestClient, a thread, a subprocess): poll ``condition``
    every ``interval`` s; AssertionError naming ``what`` after ``timeout`` seconds."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out waiting for {what} "
                                 f"(gave up after {time.monotonic() - started:.1f} s; timeout={timeout:g} s)")
        time.sleep(interval)


def wait_serving(base: str, server: subprocess.Popen[bytes], log: Path, *, timeout: float = 120) -> None:
    """Wait until the ``citysafe serve`` child at ``base`` answers its health check; if the child dies first,
    fail with the end of its log instead of waiting out the timeout."""

    def healthy() -> bool:
        assert server.poll() is None, log.read_text(errors="replace")[-2000:]
        try:
            return httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    until_sync(healthy, what=f"citysafe serve at {base}", timeout=timeout, interval=0.1)
