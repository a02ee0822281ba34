"""Purchased safety services (issue #15 point 4): the guidance catalogue is data with its first edition and its
source; a provider is a registered organisation with qualifications (an expired one flagged); a contract names a
catalogue item, the buying office, amount and period; records fall inside the period; evaluations give a weighted
total and the provider's standing; bad input names the field and stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows, error_fields

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.knowledge.services import service
from citysafe.knowledge.services.models import Contract, Evaluation

S = "/api/v1/knowledge/services"
NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)
FULL = {"quality": 95, "timeliness": 90, "expertise": 92, "compliance": 96, "satisfaction": 88}


@pytest.fixture
def office(client: TestClient, ctx: AppContext, make_user: UserFactory) -> dict[str, str]:
    ctx.clock = FixedClock(NOW)
    with unit_of_work(ctx.session_factory) as session:  # the tests empty every table; the migration loaded it
        service.ensure_catalogue(session, now=NOW)
    return make_user("city_office", "320100")


def _provider(client: TestClient, office: dict[str, str], name: str = "江苏安元安全技术咨询有限公司") -> dict[str, Any]:
    org = client.post("/api/v1/organizations", headers=office, json={
        "name": name, "kind": "enterprise", "region_code": "320102", "sector": "技术服务"})
    assert org.status_code == 201, org.text
    made = client.post(f"{S}/providers", headers=office, json={
        "organization_id": org.json()["id"], "region_code": "320102", "item_codes": ["B01", "B03"],
        "contact_name": "吴敏", "contact_phone": "025-84400000"})
    assert made.status_code == 201, made.text
    return dict(made.json())


def _item_id(client: TestClient, office: dict[str, str], code: str) -> int:
    return next(i["id"] for i in client.get(f"{S}/catalogue", headers=office).json() if i["code"] == code)


def test_catalogue_is_seeded_with_its_source_and_editable_by_the_province(
        client: TestClient, office: dict[str, str], make_user: UserFactory) -> None:
    items = client.get(f"{S}/catalogue", headers=office).json()
    names = {i["name"] for i in items}
    assert {"安全评价", "检测检验", "隐患排查（专家查隐患）", "安全培训", "应急演练评估", "技术咨询与专家会诊",
            "安全生产标准化评审"} <= names
    assert all(i["basis"] for i in items) and all(i["edition"] == "2026年版" for i in items)
    new = {"edition": "2026年版", "code": "B11", "category": "政府履职所需辅助性服务 · 安全监管技术服务",
           "name": "重大危险源专项检查", "basis": "《危险化学品重大危险源监督管理暂行规定》"}
    assert client.post(f"{S}/catalogue", headers=office, json=new).status_code == 403  # a city office reads it
    province = make_user("province_office", "320000")
    added = client.post(f"{S}/catalogue", headers=province, json=new)
    assert added.status_code == 201
    assert client.post(f"{S}/catalogue", headers=province, json=new).status_code == 409  # one code per edition
    off = client.put(f"{S}/catalogue/{added.json()['id']}", headers=province, json=new | {"active": False})
    assert off.json()["active"] is False
    assert "B11" not in {i["code"] for i in client.get(f"{S}/catalogue", headers=office,
                                                           params={"active": True}).json()}


def test_provider_qualifications_contracts_records_and_standing(client: TestClient, ctx: AppContext,
                                                                office: dict[str, str]) -> None:
    provider = _provider(client, office)
    pid = provider["id"]
    assert provider["name"] == "江苏安元安全技术咨询有限公司" and provider["standing_name"] == "暂无评价"
    ok = client.post(f"{S}/providers/{pid}/qualifications", headers=office, json={
        "name": "安全评价机构资质", "number": "APJ-（苏）-001", "issuer": "江苏省应急管理厅",
        "expires_on": "2028-03-31"})
    old = client.post(f"{S}/providers/{pid}/qualifications", headers=office, json={
        "name": "检测检验机构资质", "number": "JC-（苏）-017", "issuer": "江苏省应急管理厅",
        "expires_on": "2026-05-31"})
    assert ok.json()["expired"] is False and old.json()["expired"] is True
    assert client.get(f"{S}/providers/{pid}", headers=office).json()["expired_qualifications"] == 1

    contract = client.post(f"{S}/contracts", headers=office, json={
        "provider_id": pid, "item_id": _item_id(client, office, "B03"), "number": "NJGM-2026-018",
        "title": "玄武区工贸企业隐患排查", "buyer": "玄武区应急管理局", "amount": "386000.00",
        "starts_on": "2026-03-01", "ends_on": "2026-12-31"})
    assert contract.status_code == 201, contract.text
    assert contract.json()["item_name"] == "隐患排查（专家查隐患）"
    cid = contract.json()["id"]
    rec = client.post(f"{S}/contracts/{cid}/records", headers=office, json={
        "done_on": "2026-04-15", "summary": "完成32家企业现场排查", "result": "发现一般隐患118项"})
    assert rec.status_code == 201
    late = client.post(f"{S}/contracts/{cid}/records", headers=office, json={"done_on": "2027-01-05", "summary": "x"})
    assert late.status_code == 422 and error_fields(late) == ["done_on"]

    ev = client.post(f"{S}/providers/{pid}/evaluations", headers=office, json={
        "contract_id": cid, "evaluated_on": "2026-06-01", "evaluator": "玄武区应急管理局", "scores": FULL})
    assert ev.status_code == 201 and ev.json()["total"] == 92.9  # 0.3*95 + 0.2*90 + 0.2*92 + 0.2*96 + 0.1*88
    client.post(f"{S}/providers/{pid}/evaluations", headers=office, json={
        "contract_id": cid, "evaluated_on": "2026-06-05", "evaluator": "玄武区应急管理局",
        "scores": dict.fromkeys(FULL, 70)})
    standing = client.get(f"{S}/providers/{pid}", headers=office).json()
    assert standing["mean_score"] == pytest.approx(81.45, abs=0.06) and standing["standing_name"] == "良"
    assert standing["contracts"] == 1 and standing["evaluations"] == 2
    assert [p["id"] for p in client.get(f"{S}/providers", headers=office, params={"item": "B01"}).json()] == [pid]
    assert client.get(f"{S}/providers", headers=office, params={"item": "B05"}).json() == []


def test_bad_input_names_the_field_and_stores_nothing(client: TestClient, ctx: AppContext,
                                                      office: dict[str, str]) -> None:
    pid = _provider(client, office)["id"]
    again = client.post(f"{S}/providers", headers=office, json={
        "organization_id": client.get(f"{S}/providers/{pid}", headers=office).json()["organization_id"],
        "region_code": "320102"})
    assert again.status_code == 409
    contracts, evaluations = count_rows(ctx, Contract), count_rows(ctx, Evaluation)
    base = {"provider_id": pid, "item_id": _item_id(client, office, "B01"), "number": "X-1", "title": "安全评价",
            "buyer": "南京市应急管理局", "amount": "1000", "starts_on": "2026-03-01", "ends_on": "2026-12-31"}
    assert error_fields(client.post(f"{S}/contracts", headers=office, json=base | {"amount": "-5"})) == ["amount"]
    assert error_fields(client.post(f"{S}/contracts", headers=office, json=base | {"item_id": 99999})) == ["item_id"]
    assert client.post(f"{S}/contracts", headers=office, json=base | {"ends_on": "2026-01-01"}).status_code == 422
    assert count_rows(ctx, Contract) == contracts
    cid = client.post(f"{S}/contracts", headers=office, json=base).json()["id"]
    partial = client.post(f"{S}/providers/{pid}/evaluations", headers=office, json={
        "contract_id": cid, "evaluated_on": "2026-06-01", "evaluator": "x", "scores": {"quality": 90}})
    assert partial.status_code == 422 and error_fields(partial) == ["scores"] and "服务质量" in partial.text
    over = client.post(f"{S}/providers/{pid}/evaluations", headers=office, json={
        "contract_id": cid, "evaluated_on": "2026-06-01", "evaluator": "x", "scores": FULL | {"quality": 101}})
    assert over.status_code == 422
    other = _provider(client, office, "南京宁安检测有限公司")["id"]
    wrong = client.post(f"{S}/providers/{other}/evaluations", headers=office, json={
        "contract_id": cid, "evaluated_on": "2026-06-01", "evaluator": "x", "scores": FULL})
    assert wrong.status_code == 422 and error_fields(wrong) == ["contract_id"]
    assert count_rows(ctx, Evaluation) == evaluations
