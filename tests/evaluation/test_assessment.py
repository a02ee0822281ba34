"""安全生产责任考核: sheets scored with the assessment set, the grade from the set's bands kept on the sheet, the
yearly overview with the linked 部门绩效等级, and grade bands changed only as a new version."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import UserFactory
from tests.evaluation.sheet_support import NOW, actor

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import Conflict, ValidationFailed
from citysafe.evaluation import criteria_store
from citysafe.evaluation.criteria_store import Band
from citysafe.evaluation.models import Sheet
from citysafe.evaluation.sheets import assessment, service
from citysafe.evaluation.sheets.schemas import ItemUpdate, Purpose, SheetCreate


def _assess(session: Session, name: str, findings: dict[str, dict[str, object]], *, lock: bool = True) -> Sheet:
    sheet = service.create(session, data=SheetCreate(purpose=Purpose.ASSESSMENT, year=2026, subject_name=name),
                           principal=actor(), now=NOW)
    for item_id, found in findings.items():
        service.update_item(session, sheet=sheet, item_id=item_id, data=ItemUpdate(findings=found),  # type: ignore[arg-type]
                            principal=actor(), now=NOW)
    if lock:
        service.submit(session, sheet=sheet, principal=actor(), now=NOW)
        service.lock(session, sheet=sheet, principal=actor(), now=NOW)
    return sheet


def test_grades_from_the_bands_and_the_overview(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        best = _assess(session, "市应急管理局", {"1.1.1": {"a": True}})
        good = _assess(session, "市住房和城乡建设局", {"2.1.1": {"a": Decimal("5")}})
        fair = _assess(session, "市交通运输局", {"2.1.1": {"a": Decimal("5")}, "2.1.2": {"a": 2}})
        poor = _assess(session, "玄武区人民政府", {"2.1.1": {"a": 3}, "2.1.2": {"a": 2}, "2.2.2": {"a": 5}},
                       lock=False)
        assert (best.total, best.grade) == (Decimal("100.00"), "优秀")
        assert (good.total, good.grade) == (Decimal("85.00"), "良好")
        assert (fair.total, fair.grade) == (Decimal("70.00"), "合格")
        assert (poor.total, poor.grade) == (Decimal("55.00"), "不合格")
        with pytest.raises(Conflict):  # one sheet per subject and year
            service.create(session, principal=actor(), now=NOW, data=SheetCreate(
                purpose=Purpose.ASSESSMENT, year=2026, subject_name="市交通运输局"))
        with pytest.raises(ValidationFailed) as wrong_set:
            service.create(session, data=SheetCreate(purpose=Purpose.ASSESSMENT, year=2026, subject_name="市水务局",
                                                     criteria_set="national-2019"), principal=actor(), now=NOW)
        assert "考核细则" in wrong_set.value.detail_zh
        view = assessment.overview(session, year=2026)
        assert [r.subject_name for r in view.rows] == ["市应急管理局", "市住房和城乡建设局", "市交通运输局",
                                                       "玄武区人民政府"]
        assert view.by_grade == {"优秀": 1, "良好": 1, "合格": 1}  # the draft is not yet a result
        assert view.rows[0].performance_grade == criteria_store.DEFAULT_PERFORMANCE["优秀"]
        assert "四（三）" in view.performance_source and assessment.overview(session, year=2025).rows == []


def test_grade_bands_are_edited_as_a_new_version(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        good = _assess(session, "市住房和城乡建设局", {"2.1.1": {"a": Decimal("5")}})
        old = criteria_store.get(session, criteria_id=good.criteria_id)
        with pytest.raises(ValidationFailed):  # bands must fall to 0
            criteria_store.edit_grades(session, criteria_id=old.id, principal=actor(), now=NOW, performance={},
                                       bands=[Band(name="优秀", min=Decimal(80)), Band(name="合格", min=Decimal(60))])
        bands = [Band(name="优秀", min=Decimal(80)), Band(name="合格", min=Decimal(60)),
                 Band(name="不合格", min=Decimal(0))]
        new = criteria_store.edit_grades(session, criteria_id=old.id, bands=bands, principal=actor(), now=NOW,
                                         performance={"优秀": "A 等", "合格": "B 等", "不合格": "C 等"})
        assert (new.version, new.performance_grades["优秀"]) == ("sample-2", "A 等")
        assert old.performance_grades["优秀"] == criteria_store.DEFAULT_PERFORMANCE["优秀"]
        again = _assess(session, "市交通运输局", {"2.1.1": {"a": Decimal("5")}})
        assert (again.criteria_id, again.grade) == (new.id, "优秀")  # 85 under the new bands
        assert good.grade == "良好"  # the locked sheet keeps its grade
        rows = {r.subject_name: r for r in assessment.overview(session, year=2026).rows}
        assert rows["市交通运输局"].performance_grade == "A 等"
        assert rows["市住房和城乡建设局"].performance_grade == criteria_store.DEFAULT_PERFORMANCE["良好"]


def test_overview_page_and_api(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    headers = make_user("city_office", "320100", username="nj")
    made = client.post("/api/v1/evaluation/sheets", headers=headers,
                       json={"purpose": "assessment", "year": 2026, "subject_name": "市应急管理局"})
    assert made.status_code == 201 and made.json()["grade"] == "优秀" and made.json()["region_code"] == "320100"
    outside = client.post("/api/v1/evaluation/sheets", headers=headers, json={
        "purpose": "assessment", "year": 2026, "subject_name": "苏州市人民政府", "region_code": "320500"})
    assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "region_code"
    data = client.get("/api/v1/evaluation/assessment/overview?year=2026", headers=headers).json()
    assert [r["subject_name"] for r in data["rows"]] == ["市应急管理局"]
    client.post("/login", data={"username": "nj", "password": "correct-horse"})
    page = client.get("/evaluation/assessment?year=2026")
    assert page.status_code == 200 and "市应急管理局" in page.text and "挂钩的部门绩效等级" in page.text
    criteria = client.get("/evaluation/criteria")
    assert criteria.status_code == 200 and "待核实条目" in criteria.text
