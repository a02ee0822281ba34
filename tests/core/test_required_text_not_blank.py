"""Issue #11 point 3, carried to every required free text: a field a person must write (a name, a reason, a
measure) is refused when it holds only spaces — ASCII or the ideographic space a Chinese keyboard types —
and is stored trimmed otherwise. Before, ``min_length=1`` let "   " through everywhere but the hazard's
description."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from citysafe.firewatch.alarms.schemas import ManualForwardIn, VerifyIn
from citysafe.hazards.enforcement.schemas import PunishmentCreate, RevokeIn
from citysafe.hazards.grids.schemas import GridCreate, GridUpdate
from citysafe.hazards.inspection.schemas import ChecklistCreate, ChecklistItemIn
from citysafe.hazards.permits.schemas import GasTestIn
from citysafe.hazards.tickets.schemas import RectificationPlan
from citysafe.orgs.schemas import OrganizationCreate
from citysafe.risk.schemas import SourceCreate

BLANKS = ("   ", "\u3000\u3000", " \t\n")
# Each case: a schema, the field under test, and otherwise valid input.
CASES: list[tuple[type[BaseModel], str, dict[str, Any]]] = [
    (VerifyIn, "note", {"method": "video"}),
    (ManualForwardIn, "answered_by", {}),
    (PunishmentCreate, "reason", {"organization_id": 1, "starts_at": "2030-01-01T00:00:00+08:00",
                                    "ends_at": "2030-12-31T00:00:00+08:00"}),
    (RevokeIn, "reason", {}),
    (GridCreate, "name", {"community_code": "320102002001", "boundary": {"type": "Point", "coordinates": [0, 0]}}),
    (GridUpdate, "name", {}),
    (ChecklistItemIn, "text", {"code": "A1"}),
    (ChecklistCreate, "name", {"place_type": "nine_small", "items": [{"code": "A1", "text": "灭火器在有效期内"}]}),
    (GasTestIn, "tester_name", {}),
    (RectificationPlan, "measures", {"funds": "0", "responsible": "张三", "deadline": "2030-01-01T00:00:00+08:00",
                                     "safeguards": "警戒"}),
    (OrganizationCreate, "name", {"kind": "enterprise", "region_code": "320102"}),
    (SourceCreate, "name", {"kind": "small_venue", "geometry": {"type": "Point", "coordinates": [118.8, 32.05]}}),
]


@pytest.mark.parametrize(("schema", "field", "rest"), CASES, ids=[f"{c[0].__name__}.{c[1]}" for c in CASES])
@pytest.mark.parametrize("blank", BLANKS, ids=["spaces", "ideographic", "mixed"])
def test_blank_required_text_is_refused(schema: type[BaseModel], field: str, rest: dict[str, Any], blank: str) -> None:
    with pytest.raises(ValidationError) as refused:
        schema.model_validate({**rest, field: blank})
    assert any(e["loc"][:1] == (field,) and e["type"] == "blank_text" for e in refused.value.errors())


@pytest.mark.parametrize(("schema", "field", "rest"), CASES, ids=[f"{c[0].__name__}.{c[1]}" for c in CASES])
def test_required_text_is_kept_trimmed(schema: type[BaseModel], field: str, rest: dict[str, Any]) -> None:
    parsed = schema.model_validate({**rest, field: "\u3000 写了字 "})
    assert getattr(parsed, field) == "写了字"
