"""Shared helpers of the GB/T 26875.3 codec tests (imported by module name: pytest puts this
directory on sys.path because the tests directories have no __init__.py)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from citysafe.firewatch.protocols.gb26875 import checksum

VECTORS = Path(__file__).parent / "vectors" / "gb26875-public.json"

# sec, min, hour, day, month, year-2000 -> 2021-07-02 09:00:04
T0 = bytes.fromhex("040009020715")


def wrap_adu(
    adu: bytes,
    *,
    serial: int = 7,
    version: tuple[int, int] = (1, 1),
    time: bytes = T0,
    source: bytes | int = 889,
    destination: bytes | int = 88888,
    command: int = 2,
) -> bytes:
    """A checksum-valid frame around raw ADU bytes, however non-conformant those are."""
    src = source if isinstance(source, bytes) else source.to_bytes(6, "little")
    dst = destination if isinstance(destination, bytes) else destination.to_bytes(6, "little")
    body = (
        serial.to_bytes(2, "little")
        + bytes(version)
        + time
        + src
        + dst
        + len(adu).to_bytes(2, "little")
        + bytes((command,))
        + adu
    )
    return b"@@" + body + bytes((checksum(body),)) + b"##"


@cache
def public_vectors() -> dict[str, Any]:
    frames: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))["frames"]
    return frames


def vector_bytes(vector_id: str) -> bytes:
    return bytes.fromhex(public_vectors()[vector_id]["hex"])
