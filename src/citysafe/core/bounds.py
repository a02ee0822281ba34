"""Bounded input types: every id, moment and free-form object that enters through the API is checked here.

Each is an ``Annotated`` type, so a schema field, a query filter and a path parameter all get the same
check by naming the type, and a value out of range answers 422 naming the field instead of failing
later in the database driver (an id >= 2**63 overflows a BIGINT) or in the console (a deadline in year
9999 overflows when it is converted to China time). The ranges appear in the OpenAPI document, so a
client (and the fuzzer in tests/fuzz) sees them too.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

from annotated_types import Ge, Le
from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

# The largest value of a signed 64-bit integer: a BIGINT primary key on PostgreSQL, an INTEGER on SQLite.
MAX_ROW_ID = 2**63 - 1

RowId = Annotated[int, Ge(1), Le(MAX_ROW_ID)]
"""A database row's id in a path, a query filter or a body: 1 .. 2**63-1."""

# Records of this platform describe the present era: the oldest documents it imports (ledgers and
# white papers) are from 1990 on, as the white paper's own year range says, and a deadline, a permit or
# a sanction ends within a lifetime. Years outside 1990..2100 are typing mistakes (9999, 0001), and such
# a moment 14 hours from the end of the calendar cannot be converted to another zone at all.
MIN_YEAR = 1990
MAX_YEAR = 2100
EARLIEST = datetime(MIN_YEAR, 1, 1, tzinfo=UTC)
LATEST = datetime(MAX_YEAR, 12, 31, 23, 59, 59, tzinfo=UTC)


def _out_of_range(what: str) -> PydanticCustomError:
    return PydanticCustomError("date_out_of_range", "{what} must lie between {low} and {high}",
                               {"what": what, "low": f"{MIN_YEAR}-01-01", "high": f"{MAX_YEAR}-12-31"})


def check_moment(value: datetime) -> datetime:
    """``value`` if it lies in the sane range; a naive value is compared as if it were UTC."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not MIN_YEAR <= aware.year <= MAX_YEAR or not EARLIEST <= aware <= LATEST:
        raise _out_of_range("the time")
    return value


def check_day(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise _out_of_range("the date")
    return value


SaneDatetime = Annotated[datetime, AfterValidator(check_moment)]
"""A moment with or without a zone, between 1990-01-01 and 2100-12-31 (UTC)."""

SaneAwareDatetime = Annotated[AwareDatetime, AfterValidator(check_moment)]
"""As ``SaneDatetime``, and the zone is required."""

SaneDate = Annotated[date, AfterValidator(check_day)]
"""A calendar day between 1990-01-01 and 2100-12-31."""


# Free-form objects (a risk source's extra attributes, a calculator's parameters) hold a few dozen
# short values: an imported workbook's extra columns, a method's inputs. These caps are two orders of
# magnitude above that and far below what would let one request fill the database or the page.
MAX_FREE_JSON_BYTES = 64 * 1024
MAX_JSON_DEPTH = 8
MAX_FREE_JSON_ITEMS = 2000
# A boundary drawn by hand or imported from a survey holds thousands of points, so GeoJSON gets a larger
# byte cap and no item cap (the bytes bound the items); its depth is fixed by the format (a Feature
# holding a MultiPolygon is 7 levels deep).
MAX_GEOJSON_BYTES = 2 * 1024 * 1024


def _walk(value: Any, depth: int, seen: list[int], max_items: int | None) -> None:
    if depth > MAX_JSON_DEPTH:
        raise PydanticCustomError("json_too_deep", "nested deeper than {depth} levels", {"depth": MAX_JSON_DEPTH})
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for child in children:
        seen[0] += 1
        if max_items is not None and seen[0] > max_items:
            raise PydanticCustomError("json_too_many_items", "more than {items} keys and items", {"items": max_items})
        _walk(child, depth + 1, seen, max_items)


def bounded_json(max_bytes: int, max_items: int | None) -> AfterValidator:
    """A check that a decoded JSON object is at most ``max_bytes`` long (as compact UTF-8 JSON), at most
    ``MAX_JSON_DEPTH`` levels deep and holds at most ``max_items`` keys and items in all."""
    def check(value: dict[str, Any]) -> dict[str, Any]:
        _walk(value, 1, [0], max_items)
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode())
        if size > max_bytes:
            raise PydanticCustomError("json_too_large", "{size} bytes of JSON, at most {limit} are accepted",
                                      {"size": size, "limit": max_bytes})
        return value
    return AfterValidator(check)


FreeJson = Annotated[dict[str, Any], bounded_json(MAX_FREE_JSON_BYTES, MAX_FREE_JSON_ITEMS)]
"""A free-form JSON object of at most 64 KiB, 8 levels and 2000 keys and items."""

GeoJsonObject = Annotated[dict[str, Any], bounded_json(MAX_GEOJSON_BYTES, None)]
"""A GeoJSON object (geometry or Feature) of at most 2 MiB and 8 levels; its shape is checked by core.geo."""


def check_not_blank(value: str) -> str:
    """``value`` without surrounding whitespace; refused when nothing else is left. ``str.strip`` knows
    Unicode whitespace, so a description of ideographic spaces (U+3000, what a Chinese keyboard types) is
    as blank as one of ASCII spaces."""
    text = value.strip()
    if not text:
        raise PydanticCustomError("blank_text", "must not be blank")
    return text


NonBlankText = Annotated[str, AfterValidator(check_not_blank)]
"""Free text a person must actually write (a hazard's description): trimmed, and not only whitespace.
Bound its length with ``Field(max_length=...)`` where it is used."""
