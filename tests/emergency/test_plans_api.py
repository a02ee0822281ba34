"""Digital plans through the API: structured content, versions kept, reviews and filings, the original
document, the library's filters, an enterprise seeing only its own plans, matching an incident's facts."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows as _count
from tests.emergency.plan_samples import fire_plan, new_enterprise, ok, onsite_plan

from citysafe.core.context import AppContext
from citysafe.emergency.plans.models import EmergencyPlan, PlanVersion

PLANS = "/api/v1/emergency/plans"
TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"




def test_a_plan_is_kept_as_structured_data_and_revised_without_rewriting_old_versions(
        client: TestClient, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    plan = ok(client.post(PLANS, headers=office, json=fire_plan()))
    assert plan["kind_name"] == "专项应急预案" and plan["owner"] == "government" and plan["region_code"] == "320102"
    assert plan["version"] == 1 and plan["categories"] == ["accident"]
    assert [g["name"] for g in plan["content"]["command"]["groups"]][:2] == ["综合协调组", "抢险救援组"]
    four = next(lv for lv in plan["content"]["levels"] if lv["level"] == "4")
    assert {t["title"]: t["deadline_minutes"] for t in four["tasks"]} == {"核实火情并首报": 30, "设置警戒区": 20}

    revised = fire_plan("玄武区火灾事故专项应急预案（2026年修订）")
    revised["content"]["levels"][0]["tasks"][0]["deadline_minutes"] = 15
    refused = client.post(f"{PLANS}/{plan['id']}/versions", headers=office,
                          json={"title": revised["title"], "content": revised["content"]})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "change_note"
    second = ok(client.post(f"{PLANS}/{plan['id']}/versions", headers=office, json={
        "title": revised["title"], "content": revised["content"], "change_note": "首报时限按市里要求缩短为15分钟"}))
    assert second["version"] == 2 and second["title"].endswith("修订）")
    assert [(v["number"], v["change_note"]) for v in second["versions"]] == [
        (1, ""), (2, "首报时限按市里要求缩短为15分钟")]
    first = ok(client.get(f"{PLANS}/{plan['id']}/versions/1", headers=office), 200)
    assert first["content"]["levels"][0]["tasks"][0]["deadline_minutes"] == 30  # the old version is untouched
    assert first["title"] == "玄武区火灾事故专项应急预案"
    assert client.get(f"{PLANS}/{plan['id']}/versions/3", headers=office).status_code == 404


def test_reviews_filings_and_the_original_document(client: TestClient, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    plan = ok(client.post(PLANS, headers=office, json=fire_plan()))
    review = ok(client.post(f"{PLANS}/{plan['id']}/records", headers=office, json={
        "kind": "review", "on": "2026-03-02", "authority": "玄武区应急管理局", "conclusion": "passed",
        "reference": "玄应急评〔2026〕3号"}))
    assert review["version_number"] == 1
    no_conclusion = client.post(f"{PLANS}/{plan['id']}/records", headers=office, json={
        "kind": "review", "on": "2026-03-02", "authority": "专家组"})
    assert no_conclusion.status_code == 422 and no_conclusion.json()["errors"][0]["field"] == "conclusion"
    ok(client.post(f"{PLANS}/{plan['id']}/records", headers=office, json={
        "kind": "filing", "on": "2026-03-10", "authority": "南京市应急管理局", "reference": "备案 320102-2026-015"}))
    wrong_day = client.post(f"{PLANS}/{plan['id']}/records", headers=office, json={
        "kind": "filing", "on": "2026/03/10", "authority": "南京市应急管理局"})
    assert wrong_day.status_code == 422 and wrong_day.json()["errors"][0]["field"] == "on"

    document = ok(client.post(f"{PLANS}/{plan['id']}/documents", headers=office,
                              files={"file": ("火灾预案.pdf", TINY_PDF, "application/pdf")}))
    assert document["content_type"] == "application/pdf" and document["version_number"] == 1
    not_a_plan = client.post(f"{PLANS}/{plan['id']}/documents", headers=office,
                             files={"file": ("预案.pdf", b"GIF89a not a pdf", "application/pdf")})
    assert not_a_plan.status_code == 422 and not_a_plan.json()["errors"][0]["field"] == "file"
    download = client.get(f"{PLANS}/{plan['id']}/documents/{document['id']}", headers=office)
    assert download.status_code == 200 and download.content == TINY_PDF

    detail = ok(client.get(f"{PLANS}/{plan['id']}", headers=office), 200)
    assert detail["reviewed_on"] == "2026-03-02" and detail["filed_on"] == "2026-03-10"
    assert [r["kind"] for r in detail["records"]] == ["review", "filing"] and len(detail["documents"]) == 1


def test_the_library_filters_by_region_category_kind_unit_and_text(client: TestClient, make_user: UserFactory) -> None:
    admin = make_user("admin", "320000")
    city = make_user("city_office", "320100")
    xuanwu = ok(client.post(PLANS, headers=city, json=fire_plan(region_code="320102")))
    flood = fire_plan("秦淮区防汛应急预案", region_code="320104", unit_name="秦淮区防汛抗旱指挥部")
    flood["content"]["triggers"] = [{"level": "4", "categories": ["natural_disaster"], "sub_types": ["flood_drought"]}]
    flood["content"]["levels"] = [{"level": "4", "tasks": [{"title": "转移低洼地区群众", "deadline_minutes": 120}]}]
    qinhuai = ok(client.post(PLANS, headers=city, json=flood))
    org = new_enterprise(client, admin, "金陵石化储运有限公司")
    onsite = ok(client.post(PLANS, headers=city, json=onsite_plan() | {"organization_id": org["id"]}))
    assert onsite["unit_name"] == "金陵石化储运有限公司" and onsite["region_code"] == "320102002"

    def ids(**params: str) -> list[int]:
        return [p["id"] for p in ok(client.get(PLANS, headers=city, params=params), 200)["items"]]

    assert set(ids()) == {xuanwu["id"], qinhuai["id"], onsite["id"]}
    assert set(ids(region="320102")) == {xuanwu["id"], onsite["id"]}
    assert ids(category="natural_disaster") == [qinhuai["id"]]
    assert ids(kind="ent_onsite") == [onsite["id"]]
    assert ids(unit="防汛") == [qinhuai["id"]]
    assert ids(q="警戒区") == [xuanwu["id"]]  # a task's words
    assert ids(q="储罐 关闭进料阀") == [onsite["id"]]  # every term must appear
    assert ids(q="100%_") == []  # LIKE wildcards are searched as text
    bad = client.get(PLANS, headers=city, params={"category": "meteor"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "category"


def test_an_enterprise_sees_and_writes_only_its_own_plans(client: TestClient, make_user: UserFactory) -> None:
    admin = make_user("admin", "320000")
    office = make_user("district_office", "320102")
    mine, other = new_enterprise(client, admin, "甲化工有限公司"), new_enterprise(client, admin, "乙化工有限公司")
    enterprise = make_user("enterprise", "320102", organization_id=mine["id"])
    government = ok(client.post(PLANS, headers=office, json=fire_plan()))
    theirs = ok(client.post(PLANS, headers=office,
                            json=onsite_plan("乙公司现场处置方案") | {"organization_id": other["id"]}))
    own = ok(client.post(PLANS, headers=enterprise, json=onsite_plan("甲公司现场处置方案")))
    assert own["organization_id"] == mine["id"] and own["owner"] == "enterprise"
    listed = ok(client.get(PLANS, headers=enterprise), 200)
    assert [p["id"] for p in listed["items"]] == [own["id"]]
    for plan in (government, theirs):
        assert client.get(f"{PLANS}/{plan['id']}", headers=enterprise).status_code == 404
    refused = client.post(PLANS, headers=enterprise, json=fire_plan())
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "kind"
    foreign = client.post(PLANS, headers=enterprise, json=onsite_plan() | {"organization_id": other["id"]})
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "organization_id"
    # A department of the district reads the enterprise's plan but writes only through its own permission.
    grid = make_user("grid_officer", "320102002")
    assert client.post(f"{PLANS}/{own['id']}/records", headers=grid, json={
        "kind": "filing", "on": "2026-03-10", "authority": "x"}).status_code == 403


def test_matching_plans_for_an_incident(client: TestClient, make_user: UserFactory) -> None:
    city = make_user("city_office", "320100")
    district = ok(client.post(PLANS, headers=city, json=fire_plan(region_code="320102")))
    flood = fire_plan("南京市防汛应急预案", region_code="320100")
    flood["content"]["triggers"] = [{"level": "4", "categories": ["natural_disaster"]}]
    ok(client.post(PLANS, headers=city, json=flood))
    found = ok(client.get(f"{PLANS}/matching", headers=city, params={
        "category": "accident", "sub_type": "fire", "grade": "larger", "region_code": "320102002"}), 200)
    assert [(m["plan"]["id"], m["level"], m["level_name"]) for m in found] == [(district["id"], "3", "三级")]
    elsewhere = ok(client.get(f"{PLANS}/matching", headers=city, params={
        "category": "accident", "sub_type": "fire", "grade": "general", "region_code": "320104001"}), 200)
    assert elsewhere == []


def test_bad_plans_answer_422_naming_the_field_and_write_nothing(client: TestClient, ctx: AppContext,
                                                                 make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    cases = [
        ({"title": ""}, "title"),
        ({"kind": "gov_everything"}, "kind"),
        ({"region_code": "320104"}, "region_code"),  # another district
    ]
    for change, field in cases:
        response = client.post(PLANS, headers=office, json=fire_plan() | change)
        assert response.status_code == 422, (change, response.text[:300])
        body = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert body["errors"][0]["field"] == field and body["errors"][0]["message_zh"], body
    level_five = fire_plan()
    level_five["content"]["levels"][0]["level"] = "5"
    response = client.post(PLANS, headers=office, json=level_five)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "content.levels.0.level"
    unknown_group = fire_plan()
    unknown_group["content"]["levels"][0]["tasks"][0]["group"] = "宣传组"
    response = client.post(PLANS, headers=office, json=unknown_group)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "content"
    assert _count(ctx, EmergencyPlan) == 0 and _count(ctx, PlanVersion) == 0

    plan = ok(client.post(PLANS, headers=office, json=fire_plan()))
    no_title = client.post(f"{PLANS}/{plan['id']}/versions", headers=office,
                           json={"title": " ", "change_note": "x", "content": {}})
    assert no_title.status_code == 422 and no_title.json()["errors"][0]["field"] == "title"
    assert _count(ctx, PlanVersion) == 1
