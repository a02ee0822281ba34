"""The shared ``until`` helper: returns once its condition holds, fails with a clear message when not."""

from __future__ import annotations

import asyncio
import re

import pytest
from tests.support.waiting import until


async def test_returns_once_a_sync_condition_holds() -> None:
    calls: list[int] = []

    def third_time() -> bool:
        calls.append(1)
        return len(calls) == 3

    await until(third_time, what="the third call", interval=0)
    assert len(calls) == 3


async def test_awaits_an_async_condition() -> None:
    flag = asyncio.Event()
    asyncio.get_running_loop().call_soon(flag.set)

    async def is_set() -> bool:
        return flag.is_set()

    await until(is_set, what="the flag")


async def test_fails_naming_what_it_waited_for_and_how_long() -> None:
    with pytest.raises(AssertionError, match=re.escape("timed out waiting for the impossible (gave up after 0.")):
        await until(lambda: False, what="the impossible", timeout=0.05)


async def test_an_async_condition_that_hangs_is_cut_off_by_the_deadline() -> None:
    async def hangs() -> bool:
        await asyncio.Event().wait()
        return True

    with pytest.raises(AssertionError, match="waiting for a hanging check"):
        await until(hangs, what="a hanging check", timeout=0.05)


async def test_a_timeout_of_the_condition_itself_is_not_mistaken_for_the_deadline() -> None:
    def times_out() -> bool:
        raise TimeoutError("the condition's own")

    with pytest.raises(TimeoutError, match="the condition's own"):
        await until(times_out, what="anything", timeout=5)
