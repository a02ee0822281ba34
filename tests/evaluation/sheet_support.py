"""Shared pieces of the score-sheet tests: an actor, an applicant row, a small criteria document uploaded as a
set of its own (so the tests do not depend on the shipped skeleton's [U] numbers)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session
from tests.evaluation.ev_samples import small

from citysafe.auth.enums import ROLE_PERMISSIONS, Role
from citysafe.auth.schemas import Principal
from citysafe.evaluation import criteria_store
from citysafe.evaluation.models import Applicant, CriteriaVersion
from citysafe.evaluation.sheets import service
from citysafe.evaluation.sheets.schemas import Purpose, SheetCreate

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def actor(role: Role = Role.PROVINCE_OFFICE, region: str = "320000", name: str = "省安委办") -> Principal:
    return Principal(user_id=1, username="tester", display_name=name, role=role, region_code=region,
                     permissions=frozenset(ROLE_PERMISSIONS[role]))


def applicant(session: Session, *, name: str = "南京市", code: str = "320100") -> Applicant:
    row = Applicant(kind="city", name=name, division_code=code, city_code=code, region_code=code)
    session.add(row)
    session.flush()
    return row


def small_set(session: Session, **changes: Any) -> CriteriaVersion:
    doc = small() | changes
    return criteria_store.upload(session, text=json.dumps(doc, ensure_ascii=False), principal=actor(), now=NOW)


def assessment_set(session: Session) -> CriteriaVersion:
    return small_set(session, id="small-assessment", kind="assessment")


def self_sheet(session: Session, who: Applicant, **extra: Any) -> Any:
    small_set(session)
    data = SheetCreate(purpose=Purpose.SELF, year=2026, applicant_id=who.id, criteria_set="small", **extra)
    return service.create(session, data=data, principal=actor(), now=NOW)
