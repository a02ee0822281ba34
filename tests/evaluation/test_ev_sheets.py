"""Score sheets: items filled and scored with the engine, each deduction explained with its rule text; the bad
inputs (a deduction larger than the item, not applicable without a reason, a file the platform cannot keep)
refused naming what is wrong with nothing saved; draft → submitted → locked keeps its result; region scope."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.conftest import UserFactory
from tests.evaluation.sheet_support import NOW, actor, applicant, self_sheet

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import Conflict, ValidationFailed
from citysafe.evaluation import criteria_store
from citysafe.evaluation.criteria_store import ItemEdit
from citysafe.evaluation.models import Evidence, SheetItem
from citysafe.evaluation.sheets import scoring, service
from citysafe.evaluation.sheets.schemas import EvidenceLink, ItemUpdate

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_items_are_scored_and_explained_line_by_line(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        sheet = self_sheet(session, applicant(session))
        assert sheet.total == Decimal("10.00")  # nothing found yet: full marks, no bonus
        service.update_item(session, sheet=sheet, item_id="1.1.1", data=ItemUpdate(findings={"a": 3}),
                            principal=actor(), now=NOW)
        service.update_item(session, sheet=sheet, item_id="1.1.2", principal=actor(), now=NOW,
                            data=ItemUpdate(findings={"b": Decimal("75")}, responsible_units=["市住建局"],
                                            supporting_units=["市城管局"], progress="改造方案已批复"))
        service.update_item(session, sheet=sheet, item_id="2.2.4", principal=actor(), now=NOW,
                            data=ItemUpdate(deduction=Decimal("0.5"), reason="重大危险源备案不全"))
        detail = scoring.detail(session, sheet)
        items = {i.item_id: i for i in detail.items}
        assert items["1.1.1"].score == 0.5
        assert "每发现一处扣0.5分，2分扣完为止：发现 3 处，扣1.5分" in items["1.1.1"].explanation
        assert items["1.1.2"].lines[0].text_zh == "改造率 75%，≤80%，扣1分" and items["1.1.2"].score == 1
        assert items["2.2.4"].explanation.endswith("评审扣分：重大危险源备案不全，扣0.5分；得3.5分")
        assert detail.total == 7 and float(sheet.total) == 7.0
        assert items["1.1.2"].responsible_units == ["市住建局"] and items["1.1.2"].progress == "改造方案已批复"


def test_bad_inputs_are_refused_naming_the_item_and_nothing_is_saved(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        sheet = self_sheet(session, applicant(session))
        with pytest.raises(ValidationFailed) as too_much:
            service.update_item(session, sheet=sheet, item_id="1.1.3", principal=actor(), now=NOW,
                                data=ItemUpdate(deduction=Decimal("2.5"), reason="未制定", progress="x"))
        assert too_much.value.fields[0].field == "deduction" and "(3)管理办法" in too_much.value.detail_zh
        with pytest.raises(ValidationFailed) as no_reason:
            service.update_item(session, sheet=sheet, item_id="1.1.3", principal=actor(), now=NOW,
                                data=ItemUpdate(not_applicable=True, na_reason="  "))
        assert no_reason.value.fields[0].field == "na_reason" and "不适用须说明原因" in no_reason.value.detail_zh
        with pytest.raises(ValidationFailed) as wrong_rule:
            service.update_item(session, sheet=sheet, item_id="1.1.3", principal=actor(), now=NOW,
                                data=ItemUpdate(findings={"z": 1}))
        assert "1.1.3" in wrong_rule.value.detail
        with pytest.raises(ValidationFailed) as wrong_value:  # a count where met / not met belongs
            service.update_item(session, sheet=sheet, item_id="1.1.3", principal=actor(), now=NOW,
                                data=ItemUpdate(findings={"a": 2}))
        assert "1.1.3 rule a" in wrong_value.value.detail
        with pytest.raises(ValidationFailed) as exe:
            service.add_file(session, sheet=sheet, item_id="1.1.3", filename="setup.exe", data=b"MZ\x90\x00" * 10,
                             note="", principal=actor(), now=NOW)
        assert "setup.exe" in exe.value.detail_zh and "可执行程序" in exe.value.detail_zh
        with pytest.raises(ValidationFailed) as xlsx:
            service.add_file(session, sheet=sheet, item_id="1.1.3", filename="台账.xlsx",
                             data=b"PK\x03\x04" + b"xl/workbook.xml" * 4, note="", principal=actor(), now=NOW)
        assert "ZIP" in xlsx.value.detail_zh and "PDF" in xlsx.value.detail_zh
        assert session.scalar(select(func.count()).select_from(SheetItem)) == 0
        assert session.scalar(select(func.count()).select_from(Evidence)) == 0
        assert sheet.total == Decimal("10.00")


def test_not_applicable_and_evidence(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        sheet = self_sheet(session, applicant(session))
        service.update_item(session, sheet=sheet, item_id="2.2.4", principal=actor(), now=NOW,
                            data=ItemUpdate(not_applicable=True, na_reason="本市无危险化学品生产企业"))
        kept = service.add_file(session, sheet=sheet, item_id="1.1.1", filename="规划批复.pdf", data=PDF,
                                note="市政府批复", principal=actor(), now=NOW)
        link = service.add_link(session, sheet=sheet, item_id="1.1.1", principal=actor(), now=NOW,
                                link=EvidenceLink(record_type="white_paper", record_id="3", label="2025年风险白皮书",
                                                  url="/risk/whitepapers/3"))
        import hashlib

        assert kept.sha256 == hashlib.sha256(PDF).hexdigest() and kept.content_type == "application/pdf"
        detail = scoring.detail(session, sheet)
        items = {i.item_id: i for i in detail.items}
        assert items["2.2.4"].score is None and "不适用（本市无危险化学品生产企业）" in items["2.2.4"].explanation
        assert detail.applicable_points == 6 and detail.base == 10  # 6 of 6 applicable, rescaled to 10
        assert [e.id for e in items["1.1.1"].evidence] == [kept.id, link.id]


def test_submit_lock_keeps_the_result_against_later_versions(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        sheet = self_sheet(session, applicant(session))
        service.update_item(session, sheet=sheet, item_id="1.1.1", data=ItemUpdate(findings={"a": 1}),
                            principal=actor(), now=NOW)
        service.submit(session, sheet=sheet, principal=actor(), now=NOW)
        with pytest.raises(Conflict):
            service.update_item(session, sheet=sheet, item_id="1.1.1", data=ItemUpdate(findings={"a": 2}),
                                principal=actor(), now=NOW)
        with pytest.raises(ValidationFailed):
            service.return_sheet(session, sheet=sheet, note=" ", principal=actor(), now=NOW)
        service.return_sheet(session, sheet=sheet, note="证明材料不全", principal=actor(), now=NOW)
        service.update_item(session, sheet=sheet, item_id="1.1.1", data=ItemUpdate(findings={"a": 2}),
                            principal=actor(), now=NOW)
        service.submit(session, sheet=sheet, principal=actor(), now=NOW)
        service.lock(session, sheet=sheet, principal=actor(), now=NOW)
        assert sheet.result is not None and sheet.result["criteria"]["version"] == "t1"
        locked_total = scoring.detail(session, sheet).total
        # a new version halves item 1.1.1's rule: the locked sheet is not rescored
        v1 = criteria_store.get(session, criteria_id=sheet.criteria_id)
        criteria_store.edit_items(session, criteria_id=v1.id, principal=actor(), now=NOW, edits=[ItemEdit(
            item_id="1.1.1", rules=[{"type": "per_finding", "id": "a", "deduction_each": 0.25}])])
        assert scoring.detail(session, sheet).total == locked_total == 9  # 10 − 2 × 0.5
        assert float(sheet.total) == 9 and sheet.locked_by == "省安委办"
        with pytest.raises(Conflict):
            service.add_link(session, sheet=sheet, item_id="1.1.1", principal=actor(), now=NOW,
                             link=EvidenceLink(record_type="plan", record_id="1", label="预案"))


def test_api_problem_json_scope_and_evidence(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    nanjing = make_user("city_office", "320100")
    suzhou = make_user("city_office", "320500")
    with unit_of_work(ctx.session_factory) as session:
        who = applicant(session).id
    made = client.post("/api/v1/evaluation/sheets", headers=nanjing,
                       json={"purpose": "self", "year": 2026, "applicant_id": who})
    assert made.status_code == 201, made.text
    sheet = made.json()
    assert sheet["criteria_set"] == "national-2019" and sheet["state"] == "draft"
    url = f"/api/v1/evaluation/sheets/{sheet['id']}"
    too_much = client.patch(f"{url}/items/1.1.1", headers=nanjing, json={"deduction": 5, "reason": "规划缺失"})
    assert too_much.status_code == 422 and too_much.headers["content-type"].startswith("application/problem+json")
    assert too_much.json()["errors"][0]["field"] == "deduction" and "1.1.1" in too_much.json()["detail"]
    ok = client.patch(f"{url}/items/1.1.1", headers=nanjing, json={"findings": {"a": 2}})
    assert ok.status_code == 200
    first = next(i for i in ok.json()["items"] if i["item_id"] == "1.1.1")
    assert first["score"] == 1 and first["lines"][0]["text_zh"].startswith("每发现一处扣0.5分")
    upload = client.post(f"{url}/items/1.1.1/evidence", headers=nanjing,
                         files={"file": ("批复.pdf", io.BytesIO(PDF), "application/pdf")})
    assert upload.status_code == 201
    got = client.get(f"{url}/evidence/{upload.json()['id']}", headers=nanjing)
    assert got.content == PDF and got.headers["x-content-sha256"] == upload.json()["sha256"]
    refused = client.post(f"{url}/items/1.1.1/evidence", headers=nanjing,
                          files={"file": ("a.gif", io.BytesIO(b"GIF89a" + b"\0" * 20), "image/gif")})
    assert refused.status_code == 422 and "GIF" in refused.json()["detail_zh"]
    assert client.get(url, headers=suzhou).status_code == 404  # another city's sheet is absent
    assert client.get("/api/v1/evaluation/sheets", headers=suzhou).json() == []
    assert client.post(f"{url}/submit", headers=nanjing).json()["state"] == "submitted"
    department = make_user("department", "320100")
    assert client.post(f"{url}/lock", headers=department).status_code == 403


def test_sheet_page_shows_tree_item_form_and_facts(client: TestClient, ctx: AppContext,
                                                   make_user: UserFactory) -> None:
    make_user("city_office", "320100", username="nj")
    with unit_of_work(ctx.session_factory) as session:
        sheet = self_sheet(session, applicant(session))
        service.update_item(session, sheet=sheet, item_id="1.1.1", data=ItemUpdate(findings={"a": 1}),
                            principal=actor(), now=NOW)
        row = service.item_row(session, sheet, "1.1.1")
        assert row is not None
        row.facts = [{"key": "plans", "label": "已备案专项规划", "value": 7, "unit": "项", "as_of": "2026-05-31",
                      "records": [{"type": "plan", "id": "4", "label": "防洪规划", "url": "/emergency/plans/4"}],
                      "note": ""}]
        sheet_id = sheet.id
    client.post("/login", data={"username": "nj", "password": "correct-horse"})
    page = client.get(f"/evaluation/sheets/{sheet_id}?item=1.1.1")
    assert page.status_code == 200
    assert "专项规划" in page.text and 'data-testid="item-form"' in page.text and "发现 1 处，扣0.5分" in page.text
    assert "已备案专项规划" in page.text and 'href="/emergency/plans/4"' in page.text
    empty = client.get(f"/evaluation/sheets/{sheet_id}?item=1.1.2")
    assert 'data-testid="item-facts"' not in empty.text
    refused = client.post(f"/evaluation/sheets/{sheet_id}/items/1.1.2", data={"deduction": "9", "reason": "x"},
                          follow_redirects=True)
    assert "超过本项分值" in refused.text and "flash-error" in refused.text
    saved = client.post(f"/evaluation/sheets/{sheet_id}/items/1.1.2", follow_redirects=True,
                        data={"rule_b": "70", "responsible_units": "市住建局、市城管局", "deadline": "2026-10-31"})
    assert "得分已重新计算" in saved.text and "市住建局、市城管局" in saved.text
    assert client.get("/evaluation/sheets").status_code == 200
