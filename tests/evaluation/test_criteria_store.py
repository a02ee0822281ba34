"""Criteria versions in the database: shipped sets loaded once, uploads checked whole, edits of unverified items
and of grade bands make a new version, and no version (nor a sheet scored with it) is ever rewritten."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.evaluation.ev_samples import leaf, small
from tests.evaluation.sheet_support import NOW, actor, applicant, self_sheet, small_set

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import Conflict, ValidationFailed
from citysafe.evaluation import criteria_store
from citysafe.evaluation.criteria_store import ItemEdit
from citysafe.evaluation.models import CriteriaVersion
from citysafe.evaluation.sheets import scoring, service
from citysafe.evaluation.sheets.schemas import Purpose, SheetCreate


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CriteriaVersion)) or 0


def test_shipped_sets_load_once(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        first = criteria_store.listing(session, now=NOW)
        again = criteria_store.listing(session, now=NOW)
        assert {r.set_id for r in first} == {"national-2019", "assessment-sample"}
        assert [r.id for r in again] == [r.id for r in first] and _count(session) == 2
        national = criteria_store.latest(session, set_id="national-2019", region_code="320000", now=NOW)
        assert national.origin == "shipped" and national.unverified_items > 0
        sample = criteria_store.latest(session, set_id="assessment-sample", region_code="320000", now=NOW)
        assert sample.performance_grades["优秀"]


def test_upload_checks_points_and_never_rewrites_a_version(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        row = small_set(session)
        assert small_set(session).id == row.id  # the same document again: the stored row, nothing new
        before = _count(session)
        broken = small()
        leaf(broken, 0, 0, 1)["points"] = 3  # 1.1's children now add up to 7, not 6
        with pytest.raises(ValidationFailed) as refused:
            criteria_store.upload(session, text=json.dumps(broken), principal=actor(), now=NOW)
        assert "1 › 1.1" in refused.value.detail and "下级项分值合计" in refused.value.detail_zh
        other = small()
        other["title"] = "另一份内容"
        with pytest.raises(ValidationFailed) as clash:
            criteria_store.upload(session, text=json.dumps(other), principal=actor(), now=NOW)
        assert clash.value.fields[0].field == "version" and "t1" in clash.value.detail_zh
        assert _count(session) == before


def test_editing_an_unverified_item_makes_a_new_version(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        sheet = self_sheet(session, applicant(session))
        v1 = criteria_store.get(session, criteria_id=sheet.criteria_id)
        document = json.dumps(v1.document, sort_keys=True)
        listed = criteria_store.unverified_items(v1)
        assert {u["item_id"] for u in listed} >= {"1", "1.1", "1.1.1", "2.2.4", "b1"}
        rules = [{"type": "per_finding", "id": "a", "text": "每缺一项扣1分", "deduction_each": 1}]
        v2 = criteria_store.edit_items(session, criteria_id=v1.id, principal=actor(), now=NOW, edits=[
            ItemEdit(item_id="2.2.4", title="危险化学品安全", rules=rules, note="已按本地细则修改")])
        assert (v2.set_id, v2.version, v2.origin) == ("small", "t2", "edited")
        assert json.dumps(v1.document, sort_keys=True) == document  # the old version as it was
        assert criteria_store.item_of(criteria_store.as_set(v2), "2.2.4").title == "危险化学品安全"  # type: ignore[union-attr]
        # points moved between an item and its parent together; alone they would not add up
        with pytest.raises(ValidationFailed) as alone:
            criteria_store.edit_items(session, criteria_id=v2.id, principal=actor(), now=NOW,
                                      edits=[ItemEdit(item_id="1.1.1", points=3)])
        assert "1 › 1.1" in alone.value.detail
        v3 = criteria_store.edit_items(session, criteria_id=v2.id, principal=actor(), now=NOW, edits=[
            ItemEdit(item_id="1.1.1", points=3), ItemEdit(item_id="1.1.2", points=1),
            ItemEdit(item_id="1.1.2", rules=[{"type": "per_finding", "id": "a", "deduction_each": 0.2, "cap": 1}])])
        assert v3.version == "t3"
        # the sheet keeps the version it was made with; a new sheet takes the latest
        assert service.get(session, sheet_id=sheet.id).criteria_id == v1.id
        assert scoring.detail(session, sheet).criteria_version == "t1"
        other = applicant(session, name="苏州市", code="320500")
        newer = service.create(session, data=SheetCreate(purpose=Purpose.SELF, year=2026, applicant_id=other.id,
                                                         criteria_set="small"), principal=actor(), now=NOW)
        assert newer.criteria_id == v3.id


def test_a_verified_item_is_changed_only_by_a_new_file(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        national = criteria_store.latest(session, set_id="national-2019", region_code="320000", now=NOW)
        before = _count(session)
        with pytest.raises(Conflict):
            criteria_store.edit_items(session, criteria_id=national.id, principal=actor(), now=NOW,
                                      edits=[ItemEdit(item_id="1.1.1", title="改名")])
        with pytest.raises(ValidationFailed) as no_source:  # verified needs a source
            criteria_store.edit_items(session, criteria_id=national.id, principal=actor(), now=NOW,
                                      edits=[ItemEdit(item_id="1.2.8", verified=True)])
        assert "1.2.8" in no_source.value.detail and "出处" in no_source.value.detail_zh
        assert _count(session) == before


def test_api_upload_refuses_naming_the_item_and_needs_the_permission(client, make_user) -> None:  # type: ignore[no-untyped-def]
    province = make_user("province_office", "320000")
    city = make_user("city_office", "320100")
    broken = small()
    leaf(broken, 0, 0, 0)["points"] = 1
    refused = client.post("/api/v1/evaluation/criteria", headers=province, json=broken)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    assert "1 › 1.1" in refused.json()["detail"]
    assert client.post("/api/v1/evaluation/criteria", headers=city, json=small()).status_code == 403
    made = client.post("/api/v1/evaluation/criteria", headers=province, json=small())
    assert made.status_code == 201
    listed = client.get("/api/v1/evaluation/criteria", headers=city).json()
    assert {r["set_id"] for r in listed} == {"small", "national-2019", "assessment-sample"}
    unverified = client.get(f"/api/v1/evaluation/criteria/{made.json()['id']}/unverified", headers=city).json()
    assert any(u["item_id"] == "2.2.4" for u in unverified)


def test_console_edit_form_makes_a_version_or_names_the_item(client, ctx: AppContext, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("province_office", "320000", username="sheng")
    client.post("/login", data={"username": "sheng", "password": "correct-horse"})
    page = client.get("/evaluation/criteria")
    assert page.status_code == 200 and "待核实条目" in page.text
    with unit_of_work(ctx.session_factory) as session:
        national = criteria_store.latest(session, set_id="national-2019", region_code="320000", now=NOW)
        before, national_id = _count(session), national.id
    form = client.get(f"/evaluation/criteria?version={national_id}&item=1.2.5")
    assert 'data-testid="criteria-edit"' in form.text
    refused = client.post(f"/evaluation/criteria/{national_id}/items/1.2.5", data={"title": "消防站", "points": "5"},
                          follow_redirects=True)
    assert "flash-error" in refused.text and "1 › 1.2" in refused.text and "下级项分值合计" in refused.text
    saved = client.post(f"/evaluation/criteria/{national_id}/items/1.2.5", follow_redirects=True,
                        data={"title": "消防站建设", "note": "按本省细则补充"})
    assert "已形成新版本 2019.1-skeleton-2" in saved.text
    with unit_of_work(ctx.session_factory) as session:
        assert _count(session) == before + 1
        assert criteria_store.get(session, criteria_id=national_id).version == "2019.1-skeleton"
