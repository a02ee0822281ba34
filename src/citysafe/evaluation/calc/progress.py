"""The province's progress against the plan's targets, and the rankings of its cities (issue #14 point 7).

Targets ([V], 江苏《省级安全发展示范城市创建实施方案》 2020-04-30, 一、总体要求):
- 2020: "每个设区市原则上不少于1个申报参评城市" — every 设区市 has at least one applicant that has applied;
- 2025: "力争全省三分之一创建对象建成省级安全发展示范城市" — at least one third of the creation objects named.

The creation objects are every 设区市 and county-level division of the province (from the divisions tree) and
every national development zone in the applicants' registry (zones have no division of their own). A named
object whose naming was revoked no longer counts as named.

Pure: counts in, verdicts out, so the dashboard, the 通报 and the tests read the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["TARGET_2025_SHARE", "CityProgress", "ObjectStanding", "Progress", "progress"]

TARGET_2025_SHARE = Fraction(1, 3)  # 力争全省三分之一创建对象建成 (plan 一)
APPLIED = frozenset({"applying", "named", "revoked"})  # standings of an object that has applied at least once


@dataclass(frozen=True, slots=True)
class ObjectStanding:
    """One creation object as the dashboard counts it."""

    city_code: str
    kind: str  # city | county | zone
    standing: str  # preparing | applying | named | revoked


@dataclass(frozen=True, slots=True)
class CityProgress:
    city_code: str
    objects: int  # creation objects in the city (registered or not)
    applied: int  # of which have applied at least once
    named: int  # of which are named now

    @property
    def meets_2020(self) -> bool:
        return self.applied >= 1

    @property
    def named_share(self) -> Fraction:
        return Fraction(self.named, self.objects) if self.objects else Fraction(0)


@dataclass(frozen=True, slots=True)
class Progress:
    cities: tuple[CityProgress, ...]  # ranked: named share, then named, then applied, then code

    @property
    def objects(self) -> int:
        return sum(city.objects for city in self.cities)

    @property
    def named(self) -> int:
        return sum(city.named for city in self.cities)

    @property
    def named_share(self) -> Fraction:
        return Fraction(self.named, self.objects) if self.objects else Fraction(0)

    @property
    def cities_meeting_2020(self) -> int:
        return sum(city.meets_2020 for city in self.cities)

    @property
    def meets_2020(self) -> bool:
        return bool(self.cities) and all(city.meets_2020 for city in self.cities)

    @property
    def meets_2025(self) -> bool:
        return self.objects > 0 and self.named_share >= TARGET_2025_SHARE

    @property
    def named_needed_2025(self) -> int:
        """How many more objects must be named to reach one third (0 when reached)."""
        needed = -(-self.objects * TARGET_2025_SHARE.numerator // TARGET_2025_SHARE.denominator)  # ceiling
        return max(0, needed - self.named)


def progress(divisions: Mapping[str, int], registered: Iterable[ObjectStanding],
             city_codes: Sequence[str]) -> Progress:
    """``divisions``: per 设区市 code, how many creation objects its divisions give (itself and its county-level
    divisions); ``registered``: the applicants' registry; ``city_codes``: every 设区市 of the province, so a city
    with no applicant at all is still counted (and fails 2020)."""
    applied: dict[str, int] = dict.fromkeys(city_codes, 0)
    named: dict[str, int] = dict.fromkeys(city_codes, 0)
    zones: dict[str, int] = dict.fromkeys(city_codes, 0)
    for obj in registered:
        if obj.city_code not in applied:
            continue  # an applicant of another province's division: not this dashboard's
        if obj.kind == "zone":
            zones[obj.city_code] += 1
        if obj.standing in APPLIED:
            applied[obj.city_code] += 1
        if obj.standing == "named":
            named[obj.city_code] += 1
    cities = [CityProgress(city_code=code, objects=divisions.get(code, 0) + zones[code], applied=applied[code],
                           named=named[code]) for code in city_codes]
    cities.sort(key=lambda c: (-c.named_share, -c.named, -c.applied, c.city_code))
    return Progress(cities=tuple(cities))
