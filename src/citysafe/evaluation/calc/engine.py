"""One scoring engine for the 评价细则 and the 安全生产责任考核: findings per scored item in, scores out.

Findings name scored (third-level) items by id. For each item a finding gives the rules' inputs —
``per_finding``/``award``: a count, ``threshold``: the measured value, ``binary``: whether it is met — and
optionally a ``deduction`` decided by the reviewer with its ``reason``, or ``not_applicable`` with a reason.
An item without a finding keeps its full points.

- An item loses the sum of its rules' deductions, each rule capped at its own cap, the whole capped at the
  item's points ("扣完为止"): an item never scores below 0 nor above its points.
- A reviewer's deduction larger than the item's points is refused, naming the item: it is a typing error,
  not a finding.
- Not applicable items leave the denominator. With the set's ``not_applicable = "rescale"`` (the default,
  [D]: the spec's 不适用 column implies it, no official formula was found), the base score is
  ``total × earned ÷ points of the applicable items``; with ``"full_credit"`` a not-applicable item counts as
  met. Scores are rounded half-up to 0.01 only where rescaled.
- Bonus items add their awards, each capped at its item's points, the sum capped at the bonus cap.
- Every result carries the criteria set's id, version and digest, so it can be reproduced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from citysafe.evaluation.calc.criteria import (
    Award,
    Binary,
    CriteriaError,
    CriteriaSet,
    Item,
    PerFinding,
    Rule,
    Threshold,
    path_of,
)

__all__ = ["Finding", "ItemScore", "Line", "NodeScore", "ScoreError", "ScoreResult", "parse_findings", "score"]

CENT = Decimal("0.01")
_OPS = MappingProxyType({"lt": ("<", Decimal.__lt__), "lte": ("≤", Decimal.__le__), "gt": (">", Decimal.__gt__),
                         "gte": ("≥", Decimal.__ge__)})


class ScoreError(ValueError):
    """Findings that cannot be scored; the message names the item."""


class Finding(BaseModel):
    """What was found on one scored item."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    findings: dict[str, StrictInt | StrictBool | Decimal] = Field(default_factory=dict)
    deduction: Decimal | None = Field(default=None, ge=0)
    reason: str = ""
    not_applicable: str | None = None


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Line:
    """One line of the explanation: a rule (or the reviewer) and what it took or gave."""

    rule: str
    kind: str
    points: Decimal  # deducted (base) or awarded (bonus)
    text_zh: str

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "kind": self.kind, "points": float(self.points), "text_zh": self.text_zh}


@dataclass(frozen=True)
class ItemScore:
    item_id: str
    path: str
    label: str
    points: Decimal
    score: Decimal | None  # None: not applicable
    deduction: Decimal
    bonus: bool
    not_applicable: str | None
    verified: bool
    lines: tuple[Line, ...]
    text_zh: str

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item_id, "path": self.path, "label": self.label, "points": float(self.points),
                "score": None if self.score is None else float(self.score), "deduction": float(self.deduction),
                "bonus": self.bonus, "not_applicable": self.not_applicable, "verified": self.verified,
                "lines": [line.as_dict() for line in self.lines], "text_zh": self.text_zh}


@dataclass(frozen=True)
class NodeScore:
    """A first- or second-level item: what its applicable scored items earned out of their points."""

    item_id: str
    level: int
    label: str
    points: Decimal
    applicable_points: Decimal
    earned: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item_id, "level": self.level, "label": self.label, "points": float(self.points),
                "applicable_points": float(self.applicable_points), "earned": float(self.earned)}


@dataclass(frozen=True)
class ScoreResult:
    criteria_id: str
    criteria_version: str
    criteria_digest: str
    total_points: Decimal
    applicable_points: Decimal
    earned: Decimal
    base: Decimal  # earned, normalised per the set's not-applicable policy
    bonus: Decimal
    total: Decimal
    grade: str | None
    nodes: tuple[NodeScore, ...]
    items: tuple[ItemScore, ...]
    summary_zh: str
    unverified_items: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {"criteria": {"id": self.criteria_id, "version": self.criteria_version, "digest": self.criteria_digest},
                "total_points": float(self.total_points), "applicable_points": float(self.applicable_points),
                "earned": float(self.earned), "base": float(self.base), "bonus": float(self.bonus),
                "total": float(self.total), "grade": self.grade, "summary_zh": self.summary_zh,
                "levels": [node.as_dict() for node in self.nodes], "items": [item.as_dict() for item in self.items],
                "unverified_items": list(self.unverified_items)}


def parse_findings(raw: Any, criteria: CriteriaSet) -> dict[str, Finding]:
    """A findings document ``{"criteria_id"?, "criteria_version"?, "items": {item id: finding}}``, checked
    against the set it is meant for."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("items", {}), Mapping):
        raise ScoreError('findings: expected {"items": {item id: finding}} / 评分记录格式应为 {"items": {…}}')
    for key, mine in (("criteria_id", criteria.id), ("criteria_version", criteria.version)):
        if key in raw and raw[key] != mine:
            raise ScoreError(f"findings are for {key} {raw[key]!r}, the criteria set is {mine!r}"
                             f" / 评分记录对应的评分标准与所给评分标准不一致")
    parsed: dict[str, Finding] = {}
    for item_id, value in raw.get("items", {}).items():
        try:
            parsed[str(item_id)] = Finding.model_validate(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ScoreError(f"item {item_id} {where}: {first['msg']}") from exc
    return parsed


def _rule_line(rule: Rule, value: object, item: Item, path: str) -> Line:
    def bad(expected: str) -> ScoreError:
        return ScoreError(f"{path} rule {rule.id}: expected {expected}, got {value!r} / 规则 {rule.id} 的取值不正确")

    if isinstance(rule, PerFinding | Award):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise bad("a whole count ≥ 0")
        cap = rule.cap if rule.cap is not None else item.points
        each = rule.deduction_each if isinstance(rule, PerFinding) else rule.points_each
        points = min(each * value, cap)
        verb = "扣" if isinstance(rule, PerFinding) else "加"
        capped = f"（已达本规则上限 {_fmt(cap)} 分）" if each * value > cap else ""
        text = f"{rule.text or rule.id}：发现 {value} 处，{verb}{_fmt(points)}分{capped}"
        return Line(rule.id, rule.type, points, text)
    if isinstance(rule, Threshold):
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise bad(f"the measured {rule.metric}")
        sign, failing = _OPS[rule.op]
        hit = failing(Decimal(value), rule.limit)
        points = rule.deduction if hit else Decimal(0)
        verdict = f"{sign}{_fmt(rule.limit)}{rule.unit}，扣{_fmt(points)}分" if hit else "达标，不扣分"
        return Line(rule.id, rule.type, points, f"{rule.metric} {_fmt(Decimal(value))}{rule.unit}，{verdict}")
    assert isinstance(rule, Binary)
    if not isinstance(value, bool):
        raise bad("true (met) or false (not met)")
    points = Decimal(0) if value else (rule.deduction if rule.deduction is not None else item.points)
    text = f"{rule.text or rule.id}：{'符合，不扣分' if value else f'不符合，扣{_fmt(points)}分'}"
    return Line(rule.id, rule.type, points, text)


def _score_item(above: tuple[Item, ...], item: Item, found: Finding | None, *, bonus: bool) -> ItemScore:
    path = path_of(above, item)
    label = item.label
    found = found or Finding()
    if found.not_applicable is not None:
        reason = found.not_applicable.strip()
        if not reason:
            raise ScoreError(f"{path}: not applicable needs a stated reason / 不适用须说明原因")
        if bonus:
            raise ScoreError(f"{path}: a bonus item cannot be not applicable / 鼓励项无不适用")
        if found.findings or found.deduction is not None:
            raise ScoreError(f"{path}: not applicable and scored at once / 不适用项不能同时扣分")
        return ItemScore(item.id, path, label, item.points, None, Decimal(0), False, reason, item.verified, (),
                         f"{label}：不适用（{reason}），{_fmt(item.points)}分不计入总分母")
    rules = {rule.id: rule for rule in item.rules}
    unknown = sorted(set(found.findings) - set(rules))
    if unknown:
        raise ScoreError(f"{path}: no rule {unknown[0]!r} in this item / 本项无规则 {unknown[0]}")
    lines = [_rule_line(rules[rid], value, item, path) for rid, value in found.findings.items()]
    if found.deduction is not None:
        if bonus:
            raise ScoreError(f"{path}: a bonus item takes award findings, not a deduction / 鼓励项不扣分")
        if found.deduction > item.points:
            given, points = _fmt(found.deduction), _fmt(item.points)
            raise ScoreError(f"{path}: deduction {given} is more than the item's {points} points"
                             f" / 扣分 {given} 超过本项分值 {points} 分")
        if found.deduction and not found.reason.strip():
            raise ScoreError(f"{path}: a reviewer's deduction needs a reason / 评审扣分须说明理由")
        lines.append(Line("reviewer", "deduction", found.deduction,
                          f"评审扣分：{found.reason.strip()}，扣{_fmt(found.deduction)}分"))
    moved = min(sum((line.points for line in lines), Decimal(0)), item.points)
    if bonus:
        text = f"{label}：加{_fmt(moved)}分（本项最多 {_fmt(item.points)} 分）"
        return ItemScore(item.id, path, label, item.points, moved, Decimal(0), True, None, item.verified,
                         tuple(lines), text)
    score = item.points - moved
    detail = "；".join(line.text_zh for line in lines) or "无扣分"
    text = f"{label}（{_fmt(item.points)}分）：{detail}；得{_fmt(score)}分"
    return ItemScore(item.id, path, label, item.points, score, moved, False, None, item.verified, tuple(lines), text)


def _nodes(items: Sequence[Item], scored: Mapping[str, ItemScore], level: int) -> list[NodeScore]:
    out: list[NodeScore] = []
    for item in items:
        if not item.children:
            continue
        leaves = [scored[i] for i in _leaf_ids(item)]
        applicable = [s for s in leaves if s.score is not None]
        out.append(NodeScore(item.id, level, item.label, item.points,
                             sum((s.points for s in applicable), Decimal(0)),
                             sum((s.score or Decimal(0) for s in applicable), Decimal(0))))
        out.extend(_nodes(item.children, scored, level + 1))
    return out


def _leaf_ids(item: Item) -> list[str]:
    return [item.id] if not item.children else [i for c in item.children for i in _leaf_ids(c)]


def score(criteria: CriteriaSet, findings: Mapping[str, Finding]) -> ScoreResult:
    """Score ``findings`` (item id → finding) against ``criteria``; see the module's rules."""
    leaves = list(criteria.leaves())
    bonus_ids = {item.id for item in (criteria.bonus.items if criteria.bonus else ())}
    known = {item.id for _, item in leaves}
    stray = sorted(set(findings) - known)
    if stray:
        parents = {i.id for i in _all_items(criteria.items)}
        kind = "not a scored (lowest-level) item" if stray[0] in parents else "no such item"
        raise ScoreError(f"{stray[0]}: {kind} in {criteria.id} {criteria.version} / 评分标准中无此计分项")
    scored = {item.id: _score_item(above, item, findings.get(item.id), bonus=item.id in bonus_ids)
              for above, item in leaves}
    base_items = [s for s in scored.values() if not s.bonus]
    applicable = sum((s.points for s in base_items if s.score is not None), Decimal(0))
    earned = sum((s.score or Decimal(0) for s in base_items), Decimal(0))
    not_applicable = criteria.total - applicable
    if criteria.not_applicable == "full_credit":
        base = earned + not_applicable
    elif applicable == 0:
        raise ScoreError(f"{criteria.id}: every item is not applicable, nothing to score"
                         " / 全部评分项均不适用，无法计分")
    elif applicable == criteria.total:
        base = earned
    else:
        base = (earned * criteria.total / applicable).quantize(CENT, ROUND_HALF_UP)
    bonus = Decimal(0)
    if criteria.bonus is not None:
        bonus = min(sum((s.score or Decimal(0) for s in scored.values() if s.bonus), Decimal(0)), criteria.bonus.cap)
    total = base + bonus
    grade = criteria.grades.grade(total) if criteria.grades is not None else None
    summary = (f"{criteria.title}（{criteria.version}）：适用项 {_fmt(applicable)} 分中得 {_fmt(earned)} 分"
               + (f"，按适用项折算为 {_fmt(base)} 分" if base != earned else "")
               + (f"，鼓励项加 {_fmt(bonus)} 分" if criteria.bonus is not None else "")
               + f"，总分 {_fmt(total)} 分" + (f"，等次：{grade}" if grade else ""))
    unverified = tuple(s.item_id for s in scored.values() if not s.verified)
    return ScoreResult(criteria.id, criteria.version, criteria.digest, criteria.total, applicable, earned, base,
                       bonus, total, grade, tuple(_nodes(criteria.items, scored, 1)), tuple(scored.values()),
                       summary, unverified)


def _all_items(items: Sequence[Item]) -> list[Item]:
    return [x for item in items for x in (item, *_all_items(item.children))]


def score_document(criteria: CriteriaSet, raw_findings: Any) -> ScoreResult:
    """``parse_findings`` then ``score``; a criteria problem surfaces as ``CriteriaError``."""
    return score(criteria, parse_findings(raw_findings, criteria))


__all__ += ["CriteriaError", "score_document"]
