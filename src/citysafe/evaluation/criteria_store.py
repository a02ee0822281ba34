"""Criteria sets in the database (``ev_criteria``): the shipped sets loaded on first use, new versions uploaded
or made by editing unverified items or the grade bands — never an existing version rewritten.

A version row holds the checked document whole (``calc.criteria.load_criteria`` passed it), its digest and the
count of items still [U]. Every change makes a new row with the version string bumped (``sample-1`` →
``sample-2``, ``2019.1-skeleton`` → ``2019.1-skeleton-2``); a sheet points at the row it was scored with, so a
later version never changes it (issue #14 point 2).

A 考核 set's version also carries ``performance_grades``: which 部门绩效等级 each 考核 grade leads to. The plan asks
for the link (江苏《省级安全发展示范城市创建实施方案》四（三）"建立完善安全生产绩效与部门绩效等级挂钩制度") but
no text gives the table, so the default below is [U] data an administrator edits with the grades.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.errors import Conflict, field_error, not_found
from citysafe.core.validators import region_prefix
from citysafe.evaluation.calc.criteria import (
    SHIPPED,
    CriteriaError,
    CriteriaSet,
    Item,
    check,
    load_criteria,
    shipped_criteria,
)
from citysafe.evaluation.models import CriteriaVersion

# [U] 考核等次 → 部门绩效等级: no Jiangsu text read gives the table; common practice, to be replaced by the
# province's own 挂钩办法 (plan 四（三）).
DEFAULT_PERFORMANCE: Mapping[str, str] = MappingProxyType({
    "优秀": "部门绩效可评为优秀等次",
    "良好": "部门绩效可评为良好及以下等次",
    "合格": "部门绩效不得评为优秀等次",
    "不合格": "部门绩效评为不合格（较差）等次",
})
PERFORMANCE_SOURCE = ("江苏省《省级安全发展示范城市创建实施方案》（2020-04-30）四（三）"
                      "“建立完善安全生产绩效与部门绩效等级挂钩制度”；对应关系为样例 [U]，由管理员按本地挂钩办法修改")
_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")


class ItemEdit(BaseModel):
    """An unverified item's new text, points or rules (fields left out keep their value)."""

    item_id: str = Field(min_length=1, max_length=50)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    content: str | None = Field(default=None, max_length=4000)
    points: Decimal | None = Field(default=None, gt=0, max_digits=8, decimal_places=3)
    rules: list[dict[str, Any]] | None = None
    note: str | None = Field(default=None, max_length=2000)
    verified: bool | None = None  # True: checked against its source, which must then be given
    source: str | None = Field(default=None, max_length=500)


class Band(BaseModel):
    name: str = Field(min_length=1, max_length=20)
    min: Decimal = Field(ge=0, max_digits=8, decimal_places=3)


def as_set(row: CriteriaVersion) -> CriteriaSet:
    """The stored document as a checked set (it was checked when stored; checking again is cheap)."""
    return check(CriteriaSet.model_validate(row.document))


def _count_unverified(criteria: CriteriaSet) -> int:
    return sum(1 for _ in _unverified(criteria))


def _walk(items: Sequence[Any], level: int, above: tuple[str, ...]) -> Iterator[tuple[int, tuple[str, ...], Any]]:
    for item in items:
        yield level, above, item
        yield from _walk(item.children, level + 1, (*above, item.label))


def _unverified(criteria: CriteriaSet) -> Iterator[tuple[int, tuple[str, ...], Any]]:
    everything = list(_walk(criteria.items, 1, ()))
    if criteria.bonus is not None:
        everything += list(_walk(criteria.bonus.items, 1, (criteria.bonus.title,)))
    return (entry for entry in everything if not entry[2].verified)


def item_of(criteria: CriteriaSet, item_id: str) -> Item | None:
    """Any item of the set (first-, second- or third-level, or a bonus item) by its id."""
    bonus = criteria.bonus.items if criteria.bonus is not None else ()
    return next((item for _, _, item in (*_walk(criteria.items, 1, ()), *_walk(bonus, 1, ())) if item.id == item_id),
                None)


def unverified_items(row: CriteriaVersion) -> list[dict[str, Any]]:
    """The version's items still [U] (first-, second- and third-level alike), in document order."""
    return [{"item_id": item.id, "level": level, "path": " › ".join(above), "label": item.label,
             "points": item.points, "note": item.note, "scored": not item.children}
            for level, above, item in _unverified(as_set(row))]


def _store(session: Session, criteria: CriteriaSet, *, origin: str, by: str, now: datetime,
           performance: Mapping[str, str] | None = None, owner_region: str = "") -> CriteriaVersion:
    if performance is None:
        performance = dict(DEFAULT_PERFORMANCE) if criteria.grades is not None else {}
    row = CriteriaVersion(set_id=criteria.id, version=criteria.version, kind=criteria.kind, title=criteria.title,
                          digest=criteria.digest, document=criteria.model_dump(mode="json"), origin=origin,
                          owner_region=owner_region, unverified_items=_count_unverified(criteria),
                          created_by=by[:100], performance_grades=dict(performance), created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def ensure_shipped(session: Session, *, now: datetime) -> None:
    """Load the shipped sets that are not stored yet (by set and digest, or by set and version): idempotent.

    Two first requests at once may both find a set missing; each insert runs in a savepoint, so the one that
    loses the race on the unique (set, version) key rolls back only that insert and reads the winner's row."""
    stored = {(r.set_id, r.digest) for r in session.execute(select(CriteriaVersion.set_id, CriteriaVersion.digest))}
    versions = {(r.set_id, r.version) for r in session.execute(select(CriteriaVersion.set_id,
                                                                       CriteriaVersion.version))}
    for name in SHIPPED:
        criteria = shipped_criteria(name)
        if (criteria.id, criteria.digest) not in stored and (criteria.id, criteria.version) not in versions:
            try:
                with session.begin_nested():
                    _store(session, criteria, origin="shipped", by="citysafe", now=now)
            except IntegrityError:
                pass  # stored meanwhile by another transaction (committed: read committed shows it from here on)


def listing(session: Session, *, now: datetime, set_id: str | None = None) -> list[CriteriaVersion]:
    """Every stored version, newest first within each set."""
    ensure_shipped(session, now=now)
    stmt = select(CriteriaVersion)
    if set_id is not None:
        stmt = stmt.where(CriteriaVersion.set_id == set_id)
    return list(session.scalars(stmt.order_by(CriteriaVersion.set_id, CriteriaVersion.id.desc())))


def get(session: Session, *, criteria_id: int) -> CriteriaVersion:
    row = session.get(CriteriaVersion, criteria_id)
    if row is None:
        raise not_found("criteria version", "评分标准版本", criteria_id)
    return row


def _owner_depth(owner_region: str, region_code: str) -> int | None:
    """How specific a version's owner is for a sheet in ``region_code``: 0 for a shared version (no owner), the
    owner's prefix length when the owner is the region or one above it, None when it belongs to another region."""
    if not owner_region:
        return 0
    prefix = region_prefix(owner_region)
    return len(prefix) if region_code.startswith(prefix) else None


def latest(session: Session, *, set_id: str, region_code: str, now: datetime) -> CriteriaVersion:
    """The version a new sheet in ``region_code`` is scored with: the newest of the set owned by the region itself
    or the nearest division above it that has its own (a city's 考核细则 applies to the city's sheets and its
    counties'), else the newest shared version (``owner_region`` empty). Another region's version never applies."""
    ensure_shipped(session, now=now)
    rows = session.execute(select(CriteriaVersion.id, CriteriaVersion.owner_region)
                           .where(CriteriaVersion.set_id == set_id)).all()
    ranked = [((depth, r.id), r.id) for r in rows
              if (depth := _owner_depth(r.owner_region or "", region_code)) is not None]
    row = session.get(CriteriaVersion, max(ranked)[1]) if ranked else None
    if row is None:
        raise field_error("criteria_set", f"no criteria set {set_id!r}", f"没有评分标准“{set_id}”")
    return row


def _refused(exc: CriteriaError, field: str = "document") -> Exception:
    english, _, chinese = str(exc).partition(" / ")
    where = english.split(":", 1)[0]
    return field_error(field, str(exc), f"{where}：{chinese}" if chinese else str(exc))


def upload(session: Session, *, text: str | bytes, principal: Principal, now: datetime) -> CriteriaVersion:
    """A new version from a criteria document: checked whole; the same document again returns the stored row;
    another document under a stored version string is refused (a version is never rewritten)."""
    ensure_shipped(session, now=now)
    try:
        criteria = load_criteria(text)
    except CriteriaError as exc:
        raise _refused(exc) from None
    same = session.scalars(select(CriteriaVersion).where(CriteriaVersion.set_id == criteria.id,
                                                         CriteriaVersion.version == criteria.version)).first()
    if same is not None:
        if same.digest == criteria.digest:
            return same
        raise field_error("version", f"{criteria.id} version {criteria.version} exists with other content: give the "
                          "file a new version",
                          f"评分标准 {criteria.id} 已有版本 {criteria.version}，内容不同；请为文件填写新的版本号")
    return _store(session, criteria, origin="imported", by=principal.display_name, now=now,
                  owner_region=principal.region_code if principal.role != "admin" else "")


def _bump(session: Session, set_id: str, version: str) -> str:
    taken = set(session.scalars(select(CriteriaVersion.version).where(CriteriaVersion.set_id == set_id)))
    match = _TRAILING_NUMBER.match(version)
    stem, number = (match.group(1), int(match.group(2))) if match else (f"{version}-", 1)
    while True:
        number += 1
        candidate = f"{stem}{number}"[:30]
        if candidate not in taken:
            return candidate


def _find(nodes: list[dict[str, Any]], item_id: str) -> dict[str, Any] | None:
    for node in nodes:
        if node.get("id") == item_id:
            return node
        found = _find(node.get("children", []), item_id)
        if found is not None:
            return found
    return None


def _derive(session: Session, row: CriteriaVersion, document: dict[str, Any], *, principal: Principal,
            now: datetime, performance: Mapping[str, str] | None = None, field: str = "items") -> CriteriaVersion:
    document["version"] = _bump(session, row.set_id, row.version)
    try:
        criteria = load_criteria(json.dumps(document, ensure_ascii=False, default=str))
    except CriteriaError as exc:
        raise _refused(exc, field) from None
    return _store(session, criteria, origin="edited", by=principal.display_name, now=now,
                  performance=row.performance_grades if performance is None else performance,
                  owner_region=row.owner_region)


def edit_items(session: Session, *, criteria_id: int, edits: Sequence[ItemEdit], principal: Principal,
               now: datetime) -> CriteriaVersion:
    """A new version with unverified items changed (several at once, so points can move between siblings and
    their parent together); a verified item is changed only by uploading a new version of the file."""
    row = get(session, criteria_id=criteria_id)
    if not edits:
        raise field_error("items", "nothing to change", "没有要修改的条目")
    document = json.loads(json.dumps(row.document))
    bonus_items = (document.get("bonus") or {}).get("items", [])
    for edit in edits:
        node = _find(document["items"], edit.item_id) or _find(bonus_items, edit.item_id)
        if node is None:
            raise field_error("item_id", f"no item {edit.item_id} in {row.set_id} {row.version}",
                              f"该版本中没有条目 {edit.item_id}")
        if node.get("verified"):
            raise Conflict(detail=f"{edit.item_id} is verified: upload a new version of the file to change it",
                           detail_zh=f"条目 {edit.item_id} 已核实，不能在此修改；如需修改请上传新版本文件")
        for name in ("title", "content", "note", "verified", "source"):
            value = getattr(edit, name)
            if value is not None:
                node[name] = value.strip() if isinstance(value, str) else value
        if edit.points is not None:
            node["points"] = str(edit.points)
        if edit.rules is not None:
            if node.get("children"):
                raise field_error("rules", f"{edit.item_id} has sub-items and carries no rules",
                                  f"条目 {edit.item_id} 有下级项，不设扣分规则")
            node["rules"] = edit.rules
    return _derive(session, row, document, principal=principal, now=now)


def edit_grades(session: Session, *, criteria_id: int, bands: Sequence[Band], performance: Mapping[str, str],
                principal: Principal, now: datetime) -> CriteriaVersion:
    """A new version of a 考核 set with other grade bands and 绩效等级 links."""
    row = get(session, criteria_id=criteria_id)
    if row.kind != "assessment":
        raise field_error("bands", "grade bands belong to an assessment (考核) set", "只有考核细则设置考核等次")
    names = {band.name.strip() for band in bands}
    stray = sorted(set(performance) - names)
    if stray:
        raise field_error("performance_grades", f"no grade {stray[0]}", f"考核等次中没有“{stray[0]}”")
    document = json.loads(json.dumps(row.document))
    grades = dict(document.get("grades") or {})
    grades["bands"] = [{"name": band.name.strip(), "min": str(band.min)} for band in bands]
    document["grades"] = grades
    links = {name: text.strip()[:200] for name, text in performance.items() if text.strip()}
    return _derive(session, row, document, principal=principal, now=now, performance=links, field="bands")


def performance_grade(row: CriteriaVersion, grade: str) -> str:
    return str((row.performance_grades or {}).get(grade, "")) if grade else ""
