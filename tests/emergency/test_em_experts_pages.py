"""The console pages of the expert pool and the agreement reserves (issue #13 point 6): an office adds and filters
experts by field and district, registers an agreement with its items as rows and reads its period as 在效/已过期/
未生效; a bad field, a code that is not GB/T 38565, or a period ending before it starts comes back on the form in
Chinese with the input kept and nothing saved; a district office sees only its own district's experts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows
from tests.emergency.plan_samples import new_enterprise

from citysafe.core.clock import to_local
from citysafe.core.context import AppContext
from citysafe.emergency.resources.models import Agreement
from citysafe.knowledge.thinktank.models import Expert

R = "/api/v1/emergency/resources"
EXPERTS = "/emergency/resources/experts"
AGREEMENTS = "/emergency/resources/agreements"


def _login(client: TestClient, make_user: UserFactory, role: str, region: str, username: str) -> dict[str, str]:
    headers = make_user(role, region, username=username)
    assert client.post("/login", data={"username": username, "password": "correct-horse"}).status_code in (200, 303)
    return headers


def _expert(**extra: str) -> dict[str, str]:
    return {"name": "周建华", "field": "hazchem", "region_code": "320102", "title": "正高级工程师",
            "employer": "南京工业大学", "phone": "025-83587000"} | extra


def test_expert_pool_lists_by_field_and_district_and_refuses_an_unknown_field(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    _login(client, make_user, "city_office", "320100", "nanjing")
    added = client.post(f"{EXPERTS}/new", data=_expert(), follow_redirects=True)
    assert added.status_code == 200 and "专家已入库：周建华" in added.text
    client.post(f"{EXPERTS}/new", data=_expert(name="陈海燕", field="medical", region_code="320104",
                                              employer="南京市第一医院"))
    page = client.get(EXPERTS)
    assert page.status_code == 200
    assert "周建华" in page.text and "危险化学品" in page.text and "玄武区" in page.text
    assert "025-83587000" in page.text  # phones shown to every reader, as the team board shows them
    by_field = client.get(EXPERTS, params={"field": "medical"})
    assert "陈海燕" in by_field.text and "周建华" not in by_field.text
    by_region = client.get(EXPERTS, params={"region": "320102"})
    assert "周建华" in by_region.text and "陈海燕" not in by_region.text

    before = count_rows(ctx, Expert)
    refused = client.post(f"{EXPERTS}/new", data=_expert(name="王五", field="astrology", title="占星师"))
    assert refused.status_code == 422
    assert "专业领域" in refused.text and "应为以下之一" in refused.text and "医疗救护" in refused.text
    assert 'value="王五"' in refused.text and 'value="占星师"' in refused.text  # the input is kept
    assert "unknown" not in refused.text and count_rows(ctx, Expert) == before
    blank = client.post(f"{EXPERTS}/new", data=_expert(name=" "))
    assert blank.status_code == 422 and "姓名" in blank.text and count_rows(ctx, Expert) == before


def test_a_district_office_sees_only_its_own_experts(client: TestClient, make_user: UserFactory) -> None:
    _login(client, make_user, "city_office", "320100", "nanjing")
    client.post(f"{EXPERTS}/new", data=_expert())
    client.post(f"{EXPERTS}/new", data=_expert(name="陈海燕", field="medical", region_code="320104"))
    _login(client, make_user, "district_office", "320104", "qinhuai")
    page = client.get(EXPERTS)
    assert page.status_code == 200 and "陈海燕" in page.text and "周建华" not in page.text
    # Naming another district in the filter shows nothing of it either.
    assert "周建华" not in client.get(EXPERTS, params={"region": "320102"}).text
    # Nor can it add one there: refused in Chinese, nothing saved.
    outside = client.post(f"{EXPERTS}/new", data=_expert(name="越权专家"))
    assert outside.status_code in (403, 422) and "越权专家" not in client.get(EXPERTS).text


def _agreement(supplier: int, **extra: Any) -> dict[str, Any]:
    return {"title": "抢险工程机械协议储备", "supplier_id": str(supplier), "region_code": "320102",
            "response_hours": "4", "valid_from": "2030-01-01", "valid_to": "2030-12-31", "note": "",
            "code_0": "3030101", "name_0": "挖掘机", "unit_0": "台", "quantity_0": "6",
            "code_2": "3010201", "name_2": "砂石料", "unit_2": "吨", "quantity_2": "2000"} | extra


def test_agreements_show_their_period_and_refuse_bad_codes_and_periods(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    _login(client, make_user, "city_office", "320100", "nanjing")
    admin = make_user("admin", "320000")
    builder = new_enterprise(client, admin, "南京玄武建设工程有限公司", sector="建筑施工")["id"]
    today = to_local(ctx.clock.now()).date()
    form = client.get(AGREEMENTS)
    assert form.status_code == 200 and "南京玄武建设工程有限公司" in form.text and "暂无协议储备" in form.text

    soon = _agreement(builder, valid_from=str(today - timedelta(days=300)), valid_to=str(today + timedelta(days=30)))
    saved = client.post(f"{AGREEMENTS}/new", data=soon, follow_redirects=True)
    assert saved.status_code == 200 and "协议储备已登记：抢险工程机械协议储备" in saved.text
    client.post(f"{AGREEMENTS}/new", data=_agreement(
        builder, title="防汛物资协议储备", valid_from=str(today - timedelta(days=400)),
        valid_to=str(today - timedelta(days=35))))
    client.post(f"{AGREEMENTS}/new", data=_agreement(
        builder, title="冬春救灾物资协议储备", valid_from=str(today + timedelta(days=20)),
        valid_to=str(today + timedelta(days=385))))
    stored = client.get(f"{R}/agreements", headers=admin).json()["items"]
    machinery = next(a for a in stored if a["title"] == "抢险工程机械协议储备")
    assert [i["name"] for i in machinery["items"]] == ["挖掘机", "砂石料"]  # the empty middle row is not an item
    page = client.get(AGREEMENTS).text
    for said in ("在效", "已过期", "未生效", "30 天后到期", "3030101", "挖掘机", "2,000", "4 小时",
                 "南京玄武建设工程有限公司"):
        assert said in page, said
    assert page.count('class="soon"') == 1

    before = count_rows(ctx, Agreement)
    bad_code = client.post(f"{AGREEMENTS}/new", data=_agreement(builder, title="错误代码协议", code_2="9010201"))
    assert bad_code.status_code == 422
    assert "物资代码（第 2 项）" in bad_code.text and "大类" in bad_code.text
    assert 'value="错误代码协议"' in bad_code.text and 'value="9010201"' in bad_code.text
    short = client.post(f"{AGREEMENTS}/new", data=_agreement(builder, code_0="30301"))
    assert short.status_code == 422 and "7 位数字代码" in short.text
    backwards = client.post(f"{AGREEMENTS}/new", data=_agreement(builder, valid_from="2030-06-01",
                                                                  valid_to="2030-05-01"))
    assert backwards.status_code == 422 and "有效期止：有效期截止日早于起始日" in backwards.text
    assert 'value="2030-05-01"' in backwards.text
    no_items = client.post(f"{AGREEMENTS}/new", data={k: v for k, v in _agreement(builder).items()
                                                      if k[-2:] not in ("_0", "_2")})
    assert no_items.status_code == 422 and "协议物资" in no_items.text
    no_supplier = client.post(f"{AGREEMENTS}/new", data=_agreement(builder, supplier_id=""))
    assert no_supplier.status_code == 422 and "供应单位" in no_supplier.text
    assert count_rows(ctx, Agreement) == before


def test_a_district_office_cannot_pick_another_districts_supplier(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    admin = make_user("admin", "320000")
    other = new_enterprise(client, admin, "南京秦淮物流有限公司", region="320104001", sector="交通运输")["id"]
    _login(client, make_user, "district_office", "320102", "xuanwu")
    assert "南京秦淮物流有限公司" not in client.get(AGREEMENTS).text
    before = count_rows(ctx, Agreement)
    refused = client.post(f"{AGREEMENTS}/new", data=_agreement(other))
    assert refused.status_code == 422 and "不存在或不在您的辖区" in refused.text
    assert count_rows(ctx, Agreement) == before
