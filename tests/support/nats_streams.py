"""A JetStream stream of its own per test on the real NATS (127.0.0.1:4222), deleted afterwards, so runs never
consume each other's messages."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import nats

from citysafe.firewatch.ingest.worker import StreamNames

NATS_URL = "nats://127.0.0.1:4222"


@asynccontextmanager
async def fresh_stream_names(prefix: str) -> AsyncIterator[StreamNames]:
    names = StreamNames.of(f"{prefix}_{uuid.uuid4().hex[:10]}")
    yield names
    nc = await nats.connect(NATS_URL)
    try:
        await nc.jetstream().delete_stream(names.stream)
    finally:
        await nc.close()
