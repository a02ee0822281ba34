"""Checklists as editable data: every user reads them, the office owning one edits it (a new version)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.config import Settings
from citysafe.core.db import get_or_404
from citysafe.core.errors import Forbidden, field_error
from citysafe.core.validators import region_prefix
from citysafe.hazards import rules
from citysafe.hazards.inspection.models import Checklist, ChecklistItem
from citysafe.hazards.inspection.schemas import ChecklistCreate, ChecklistItemIn, ChecklistUpdate


def _check_criteria(settings: Settings, items: list[ChecklistItemIn]) -> None:
    known = rules.standards(settings).by_code
    unknown = sorted({i.criterion for i in items if i.criterion and i.criterion not in known})
    if unknown:
        raise field_error("items", f"unknown judging criteria {unknown}", f"未知的重大隐患判定条款 {unknown}")


def _items(items: list[ChecklistItemIn]) -> list[ChecklistItem]:
    return [ChecklistItem(position=n, code=i.code, text=i.text, category=i.category.value if i.category else None,
                          criterion=i.criterion or None, basis=i.basis) for n, i in enumerate(items, start=1)]


def _may_edit(principal: Principal, owner_region_code: str) -> None:
    if not owner_region_code.startswith(region_prefix(principal.region_code)):
        raise Forbidden(detail=f"checklist of {owner_region_code} is maintained by that region's office",
                        detail_zh=f"该检查表由 {owner_region_code} 的主管部门维护，您无权修改")


def create(session: Session, *, checklist_in: ChecklistCreate, principal: Principal, settings: Settings) -> Checklist:
    owner = checklist_in.owner_region_code or principal.region_code
    _may_edit(principal, owner)
    _check_criteria(settings, checklist_in.items)
    checklist = Checklist(name=checklist_in.name, place_type=checklist_in.place_type.value, owner_region_code=owner,
                          description=checklist_in.description, items=_items(checklist_in.items))
    session.add(checklist)
    session.flush()
    return checklist


def get(session: Session, *, checklist_id: int) -> Checklist:
    return get_or_404(session, Checklist, checklist_id, what="checklist", what_zh="检查表")


def update(session: Session, *, checklist: Checklist, checklist_in: ChecklistUpdate, principal: Principal,
           settings: Settings) -> Checklist:
    """Edit in place; a change of items is a new version (answered tasks keep the text they were given)."""
    _may_edit(principal, checklist.owner_region_code)
    if checklist_in.name is not None:
        checklist.name = checklist_in.name
    if checklist_in.description is not None:
        checklist.description = checklist_in.description
    if checklist_in.active is not None:
        checklist.active = checklist_in.active
    if checklist_in.items is not None:
        _check_criteria(settings, checklist_in.items)
        checklist.items.clear()
        session.flush()
        checklist.items.extend(_items(checklist_in.items))
        checklist.version += 1
    session.flush()
    return checklist


def list_checklists(session: Session, *, place_type: str | None = None, active: bool | None = None) -> list[Checklist]:
    stmt = select(Checklist).order_by(Checklist.place_type, Checklist.owner_region_code, Checklist.id)
    if place_type:
        stmt = stmt.where(Checklist.place_type == place_type)
    if active is not None:
        stmt = stmt.where(Checklist.active.is_(active))
    return list(session.scalars(stmt))


def for_place_type(session: Session, *, place_type: str, region_code: str) -> Checklist | None:
    """The active checklist closest to ``region_code`` (a district's own before the province's template)."""
    candidates = [c for c in list_checklists(session, place_type=place_type, active=True)
                  if region_code.startswith(region_prefix(c.owner_region_code))]
    return max(candidates, key=lambda c: (len(region_prefix(c.owner_region_code)), c.id), default=None)


def seed_defaults(session: Session, *, owner_region_code: str, settings: Settings) -> int:
    """Load the packaged checklists for ``owner_region_code`` once; returns how many were added."""
    added = 0
    for raw in json.loads(rules.default_checklists_json())["checklists"]:
        exists = session.scalars(select(Checklist.id).where(
            Checklist.name == raw["name"], Checklist.owner_region_code == owner_region_code)).first()
        if exists is not None:
            continue
        items = [ChecklistItemIn(**item) for item in raw["items"]]
        _check_criteria(settings, items)
        session.add(Checklist(name=raw["name"], place_type=raw["place_type"], owner_region_code=owner_region_code,
                              description=raw.get("description", ""), items=_items(items)))
        added += 1
    session.flush()
    return added
