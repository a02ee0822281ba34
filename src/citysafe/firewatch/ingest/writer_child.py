"""The parent's side of a writer child process (``ingest.writer``'s pipe protocol), shared by the gateway's
``ProcessSink`` and MQTT's ``ProcessWriter``.

The child is started with the parent's settings down its stdin and says ``ready`` once its application
context is built. Batches go down the pipe; the child answers one reply per batch, in order, once the
transaction holding it committed, so each reply settles the oldest waiting batch and several batches may be in
flight; live events come back up as they commit and go to ``on_events``. If the child dies or stops answering,
``send`` raises for every batch in flight and the next ``send`` starts a new child (counted in ``restarts``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from citysafe.core.config import Settings
from citysafe.firewatch.ingest.writer import LENGTH, pack

log = logging.getLogger(__name__)

# What ``send`` raises when the child cannot take or answer a batch: the caller withholds the batch's acks.
CHILD_FAILURES = (OSError, EOFError, TimeoutError, asyncio.IncompleteReadError)


class WriterChild:
    def __init__(self, settings: Settings, *, command: Sequence[str], name: str, reply_timeout: float,
                 on_events: Callable[[str, dict[str, Any]], None]) -> None:
        self.name = name  # for logs and task names: "ingest writer", "MQTT writer"
        self._settings = settings
        self._command = tuple(command)
        self._reply_timeout = reply_timeout
        self._on_events = on_events
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._replies: deque[asyncio.Future[Any]] = deque()
        self._spawning = asyncio.Lock()
        self._spawned = False  # a child was started before: the next one is a restart
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.returncode is None else None

    async def start(self) -> None:
        async with self._spawning:
            if self.pid is None:
                await self._restart()

    async def send(self, batch: Any) -> Any:
        """The child's reply to ``batch`` once committed; raises one of ``CHILD_FAILURES`` (the child is then
        stopped, and the next call starts a new one)."""
        reply: asyncio.Future[Any] | None = None
        try:
            async with self._spawning:
                if self.pid is None:
                    await self._restart()
            proc = self._proc
            assert proc is not None
            assert proc.stdin is not None
            reply = asyncio.get_running_loop().create_future()
            self._replies.append(reply)
            proc.stdin.write(pack(("batch", batch)))
            await proc.stdin.drain()
            return await asyncio.wait_for(asyncio.shield(reply), self._reply_timeout)
        except CHILD_FAILURES:
            if reply is not None and reply.done() and not reply.cancelled():
                reply.exception()  # the child died while this batch was still being sent: seen, not lost
            await self.stop(kill=True)
            raise

    async def _restart(self) -> None:
        if self._spawned:
            self.restarts += 1
        await self.stop(kill=True)
        self._spawned = True
        loop = asyncio.get_running_loop()
        self._proc = await asyncio.create_subprocess_exec(
            *self._command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 20)
        self._ready = loop.create_future()
        self._reader = loop.create_task(self._read(self._proc), name=f"{self.name} reader")
        assert self._proc.stdin is not None
        self._proc.stdin.write(pack(("settings", self._settings.model_dump(mode="json"))))
        await self._proc.stdin.drain()
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), self._reply_timeout)
        except BaseException:
            await self.stop(kill=True)
            raise

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        problem: BaseException = EOFError(f"the {self.name} exited")
        try:
            while True:
                size = LENGTH.unpack(await proc.stdout.readexactly(LENGTH.size))[0]
                message = pickle.loads(await proc.stdout.readexactly(size))  # noqa: S301 - our own child
                kind = message[0]
                if kind == "stored":
                    reply = self._replies.popleft()
                    if not reply.done():  # else it timed out: the batch was withheld already
                        reply.set_result(message[1])
                elif kind == "events":
                    for name, payload in message[1]:
                        self._on_events(name, payload)
                elif kind == "ready" and self._ready is not None and not self._ready.done():
                    self._ready.set_result(None)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            problem = EOFError(f"the {self.name} exited ({exc})")
        except Exception as exc:  # a message we cannot read: the child is not what we think it is
            log.exception("unreadable message from the %s", self.name)
            problem = exc
        waiters: list[asyncio.Future[Any]] = [*self._replies, *([self._ready] if self._ready else [])]
        self._replies.clear()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(problem)

    async def stop(self, *, kill: bool) -> None:
        """End the child: EOF on its stdin (it finishes its batch, runs its queued handlers and exits), or kill."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None and not proc.stdin.is_closing():
            proc.stdin.close()
        if kill:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        try:
            await asyncio.wait_for(proc.wait(), 30.0)
        except TimeoutError:
            log.warning("%s did not exit; killing it", self.name)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None
