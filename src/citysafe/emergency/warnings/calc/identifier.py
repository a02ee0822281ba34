"""GB/T 35965.1-2018 identifiers: ``ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N`` (31 characters).

``ZZZZZZDDDUUUXX`` is the sender unit's code: 6-digit division (GB/T 2260), 3-digit organisation industry code
(GB/T 4657), 3-digit internal code (default ``000``), 2-digit extension (default ``00``); the time is Beijing
time; ``N`` (0–9) numbers the messages of one unit within one second (spec emergency.md §3.2 [V]).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Final

BEIJING: Final = timezone(timedelta(hours=8), "Asia/Shanghai")
LENGTH: Final = 31
_UNIT = re.compile(r"^\d{6}\d{3}\d{3}\d{2}$")
_IDENTIFIER = re.compile(r"^(\d{14})_(\d{14})_(\d)$")
MAX_SEQUENCE: Final = 9


def sender_unit_code(division: str, industry: str, internal: str = "000", extension: str = "00") -> str:
    """The 14-digit sender unit code; each part must have exactly its digits."""
    code = f"{division}{industry}{internal}{extension}"
    if not (len(division) == 6 and len(industry) == 3 and len(internal) == 3 and len(extension) == 2
            and _UNIT.match(code)):
        raise ValueError(f"sender unit code parts must be 6+3+3+2 digits, got {division!r} {industry!r} "
                         f"{internal!r} {extension!r}")
    return code


def identifier(unit_code: str, at: datetime, sequence: int) -> str:
    """``unit_code`` (14 digits), the moment (aware; written in Beijing time), the 0–9 sequence in that second."""
    if not _UNIT.match(unit_code):
        raise ValueError(f"sender unit code must be 14 digits, got {unit_code!r}")
    if not 0 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence within one second must be 0–9, got {sequence}")
    if at.tzinfo is None:
        raise ValueError("the moment must be timezone-aware")
    value = f"{unit_code}_{at.astimezone(BEIJING):%Y%m%d%H%M%S}_{sequence}"
    assert len(value) == LENGTH
    return value


def second_prefix(unit_code: str, at: datetime) -> str:
    """What every identifier of this unit in this second starts with (to find the next sequence number)."""
    return identifier(unit_code, at, 0)[:-1]


def parse(value: str) -> tuple[str, datetime, int]:
    """(unit code, Beijing time, sequence) of an identifier, or ValueError."""
    match = _IDENTIFIER.match(value)
    if match is None or len(value) != LENGTH:
        raise ValueError(f"not a GB/T 35965.1 identifier: {value!r}")
    at = datetime.strptime(match.group(2), "%Y%m%d%H%M%S").replace(tzinfo=BEIJING)
    return match.group(1), at, int(match.group(3))
