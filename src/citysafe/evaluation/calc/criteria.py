"""A criteria set as versioned data: a tree of first-, second- and third-level items with points and rules.

A set is read from JSON (``load_criteria``) and checked before anything is scored with it: the children's
points add up to their parent's, the first-level items to the set's total, every id is unique, every rule's
largest deduction fits in its item, verified items cite their source. A file that breaks one of these is
refused with a :class:`CriteriaError` naming the item's path (``2 › 2.4 › 2.4.11: …``), so a wrong file never
reaches an evaluation. ``digest`` fingerprints the content: a result carries the set's id, version and digest,
so a finished evaluation can always be reproduced and a newer edition never rewrites it.

Rule types follow the 评分标准's wording (spec evaluation.md §1.3):

- ``per_finding`` — "每发现一处扣X分，Y分扣完为止": ``deduction_each`` per finding, capped at ``cap``
  (the item's points when not given);
- ``threshold`` — "改造率≤80%的，扣1分": ``deduction`` when the measured value meets the failing condition
  ``op limit`` (lt, lte, gt, gte);
- ``binary`` — a requirement met or not: ``deduction`` (the item's points when not given) when not met;
- ``award`` — bonus items (鼓励项) only: ``points_each`` per finding, capped at ``cap``.

Not applicable is a property of a finding, not of the criteria: any base item may be declared not applicable
with a stated reason; its points then leave the denominator (see ``engine``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = [
    "SHIPPED",
    "Award",
    "Binary",
    "Bonus",
    "CriteriaError",
    "CriteriaSet",
    "GradeBand",
    "Grades",
    "Item",
    "PerFinding",
    "Rule",
    "Threshold",
    "load_criteria",
    "shipped_criteria",
]

SHIPPED: Mapping[str, str] = MappingProxyType({  # name → file under evaluation/data
    "national-2019": "national-2019.json",
    "assessment-sample": "assessment-sample.json",
})


class CriteriaError(ValueError):
    """A criteria file that cannot be used; the message names the item's path."""


Points = Annotated[Decimal, Field(gt=0, max_digits=8, decimal_places=3)]
NonNegative = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=3)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PerFinding(_Frozen):
    type: Literal["per_finding"]
    id: str = Field(min_length=1)
    text: str = ""  # the 扣分标准 wording
    deduction_each: Points
    cap: Points | None = None  # None: the item's points ("扣完为止")


class Threshold(_Frozen):
    type: Literal["threshold"]
    id: str = Field(min_length=1)
    text: str = ""
    metric: str = Field(min_length=1)
    unit: str = ""
    op: Literal["lt", "lte", "gt", "gte"]  # the failing condition: value op limit → deduct
    limit: Decimal
    deduction: Points


class Binary(_Frozen):
    type: Literal["binary"]
    id: str = Field(min_length=1)
    text: str = ""
    deduction: Points | None = None  # None: the item's points


class Award(_Frozen):
    type: Literal["award"]
    id: str = Field(min_length=1)
    text: str = ""
    points_each: Points
    cap: Points | None = None


Rule = Annotated[PerFinding | Threshold | Binary | Award, Field(discriminator="type")]


class Item(_Frozen):
    id: str = Field(min_length=1)
    no: str = ""  # the numbering shown: 一、 / 1. / (1)
    title: str = Field(min_length=1)
    points: Points
    content: str = ""  # 评价内容
    verified: bool = False  # False: [U], an administrator checks and edits it
    source: str = ""
    note: str = ""
    children: tuple[Item, ...] = ()
    rules: tuple[Rule, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.no}{self.title}"


class Bonus(_Frozen):
    """鼓励项: one level of items with award rules; what they add together is capped at ``cap``."""

    title: str = "鼓励项"
    cap: Points
    verified: bool = False
    source: str = ""
    items: tuple[Item, ...] = ()


class GradeBand(_Frozen):
    name: str = Field(min_length=1)
    min: NonNegative  # the band holds totals ≥ min (and below the next band's min)


class Grades(_Frozen):
    verified: bool = False
    source: str = ""
    bands: tuple[GradeBand, ...] = Field(min_length=1)

    def grade(self, total: Decimal) -> str:
        return next(band.name for band in self.bands if total >= band.min)


class CriteriaSet(_Frozen):
    id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    kind: Literal["demonstration", "assessment"]
    source: str = ""
    total: Points
    levels: int = Field(default=3, ge=1, le=3)
    # rescale: total × earned ÷ points of the applicable items; full_credit: a not-applicable item counts as met
    not_applicable: Literal["rescale", "full_credit"] = "rescale"
    items: tuple[Item, ...] = Field(min_length=1)
    bonus: Bonus | None = None
    grades: Grades | None = None

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    def leaves(self) -> Iterator[tuple[tuple[Item, ...], Item]]:
        """Every scored item with the items above it, base items first, then the bonus items."""
        yield from _leaves((), self.items)
        if self.bonus is not None:
            yield from _leaves((), self.bonus.items)


def _leaves(above: tuple[Item, ...], items: Sequence[Item]) -> Iterator[tuple[tuple[Item, ...], Item]]:
    for item in items:
        if item.children:
            yield from _leaves((*above, item), item.children)
        else:
            yield above, item


def path_of(above: Sequence[Item], item: Item) -> str:
    return " › ".join([*(a.id for a in above), item.id])


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _raw_path(raw: Any, loc: Sequence[int | str]) -> str:
    """The ids of the items a pydantic error location runs through, read from the raw document."""
    ids: list[str] = []
    node = raw
    previous: int | str | None = None
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, Mapping) and isinstance(part, int) and previous in ("items", "children") and "id" in node:
            ids.append(str(node["id"]))
        previous = part
    where = " › ".join(ids)
    field = ".".join(str(p) for p in loc)
    return f"{where} ({field})" if where else field or "criteria"


def _check_item(above: tuple[Item, ...], item: Item, *, depth: int, levels: int, bonus: bool,
                seen: set[str]) -> None:
    path = path_of(above, item)
    if item.id in seen:
        raise CriteriaError(f"{path}: duplicate item id {item.id!r} / 评分项编号重复")
    seen.add(item.id)
    if item.verified and not item.source.strip():
        raise CriteriaError(f"{path}: a verified item must cite its source / 已核实的评分项须注明出处")
    if item.children:
        if item.rules:
            raise CriteriaError(f"{path}: an item with sub-items carries no rules / 有下级项的评分项不设扣分规则")
        if bonus or depth >= levels:
            raise CriteriaError(f"{path}: too deep, the set has {levels} levels / 层级超过 {levels} 级")
        children = sum((c.points for c in item.children), Decimal(0))
        if children != item.points:
            raise CriteriaError(f"{path}: sub-items add up to {_fmt(children)}, not {_fmt(item.points)} points"
                                f" / 下级项分值合计 {_fmt(children)} 分，与本项 {_fmt(item.points)} 分不符")
        for child in item.children:
            _check_item((*above, item), child, depth=depth + 1, levels=levels, bonus=bonus, seen=seen)
        return
    if not bonus and depth != levels:
        raise CriteriaError(f"{path}: a scored item must be at level {levels} / 计分项须为第 {levels} 级")
    _check_rules(path, item, bonus=bonus)


def _check_rules(path: str, item: Item, *, bonus: bool) -> None:
    ids: set[str] = set()
    for rule in item.rules:
        where = f"{path} rule {rule.id}"
        if rule.id in ids:
            raise CriteriaError(f"{where}: duplicate rule id / 扣分规则编号重复")
        ids.add(rule.id)
        if bonus != isinstance(rule, Award):
            english = "bonus items take award rules" if bonus else "award rules belong to bonus items"
            chinese = "鼓励项只用加分规则" if bonus else "加分规则只用于鼓励项"
            raise CriteriaError(f"{where}: {english} / {chinese}")
        largest = {PerFinding: lambda r: r.cap, Award: lambda r: r.cap,
                   Threshold: lambda r: r.deduction, Binary: lambda r: r.deduction}[type(rule)](rule)
        if largest is not None and largest > item.points:
            raise CriteriaError(f"{where}: {_fmt(largest)} is more than the item's {_fmt(item.points)} points"
                                f" / 扣分上限 {_fmt(largest)} 分超过本项 {_fmt(item.points)} 分")


def check(criteria: CriteriaSet) -> CriteriaSet:
    """Refuse a set whose points or ids do not hold together (the message names the item's path)."""
    seen: set[str] = set()
    for item in criteria.items:
        _check_item((), item, depth=1, levels=criteria.levels, bonus=False, seen=seen)
    top = sum((i.points for i in criteria.items), Decimal(0))
    if top != criteria.total:
        total = _fmt(criteria.total)
        raise CriteriaError(f"{criteria.id}: first-level items add up to {_fmt(top)}, not the total {total}"
                            f" / 一级项分值合计 {_fmt(top)} 分，与总分 {total} 分不符")
    if criteria.bonus is not None:
        for item in criteria.bonus.items:
            _check_item((), item, depth=1, levels=1, bonus=True, seen=seen)
    if criteria.grades is not None:
        mins = [band.min for band in criteria.grades.bands]
        if any(a <= b for a, b in itertools.pairwise(mins)) or mins[-1] != 0:
            raise CriteriaError(f"{criteria.id} grades: band minimums must fall strictly and end at 0"
                                " / 等次分数线须从高到低且最低为 0")
        if len({band.name for band in criteria.grades.bands}) != len(mins):
            raise CriteriaError(f"{criteria.id} grades: duplicate band name / 等次名称重复")
    return criteria


def load_criteria(text: str | bytes) -> CriteriaSet:
    """Parse and check a criteria document (JSON)."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CriteriaError(f"criteria: not JSON ({exc.msg} at line {exc.lineno})"
                            " / 评分标准文件不是有效的 JSON") from exc
    try:
        criteria = CriteriaSet.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CriteriaError(f"{_raw_path(raw, first['loc'])}: {first['msg']}") from exc
    return check(criteria)


def load_criteria_file(path: Path) -> CriteriaSet:
    return load_criteria(path.read_bytes())


def shipped_criteria(name: str) -> CriteriaSet:
    """A criteria set shipped with the package (``SHIPPED``)."""
    if name not in SHIPPED:
        raise CriteriaError(f"no shipped criteria set {name!r}; known: {', '.join(SHIPPED)}")
    return load_criteria((resources.files("citysafe.evaluation") / "data" / SHIPPED[name]).read_bytes())
