"""The workflow over HTTP: problem+json refusals naming the step in Chinese, nothing saved; the public 公示
list without a login."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import UserFactory


def test_steps_over_the_api(client: TestClient, make_user: UserFactory) -> None:
    province = make_user("province_office", "320000")
    city = make_user("city_office", "320100")
    county = make_user("district_office", "320115")
    made = client.post("/api/v1/evaluation/applicants", headers=province,
                       json={"kind": "county", "division_code": "320115"})
    assert made.status_code == 201, made.text
    wrong = client.post("/api/v1/evaluation/applicants", headers=province,
                        json={"kind": "county", "division_code": "320100"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "division_code"
    opened = client.post(f"/api/v1/evaluation/applicants/{made.json()['id']}/applications", headers=county,
                         json={"year": 2026})
    assert opened.status_code == 201, opened.text
    app_id = opened.json()["id"]
    assert opened.json()["allowed"] == ["apply"]
    by_city = client.post(f"/api/v1/evaluation/applications/{app_id}/steps", headers=city, json={"action": "apply"})
    assert by_city.status_code == 403 and by_city.headers["content-type"].startswith("application/problem+json")
    assert by_city.json()["detail_zh"] == "“申报”须由江宁区安委办办理，当前用户无权办理"
    early = client.post(f"/api/v1/evaluation/applications/{app_id}/steps", headers=city, json={"action": "recommend"})
    assert early.status_code == 409 and "“自评”环节，不能办理“推荐”" in early.json()["detail_zh"]
    draft = client.post(f"/api/v1/evaluation/applications/{app_id}/steps", headers=county, json={"action": "apply"})
    assert draft.status_code == 409 and "自评评分表尚未提交" in draft.json()["detail_zh"]
    sheet_id = opened.json()["sheet_id"]
    assert client.post(f"/api/v1/evaluation/sheets/{sheet_id}/submit", headers=county).status_code == 200
    applied = client.post(f"/api/v1/evaluation/applications/{app_id}/steps", headers=county,
                          json={"action": "apply", "note": "自评得分 86.5 分"})
    assert applied.status_code == 200 and applied.json()["state"] == "city_review"
    seen = client.get(f"/api/v1/evaluation/applications/{app_id}", headers=city).json()
    assert [s["action"] for s in seen["steps"]] == ["open", "apply"] and seen["allowed"] == ["recommend", "return"]
    assert client.get(f"/api/v1/evaluation/applications/{app_id}",
                      headers=make_user("district_office", "320102")).status_code == 404
    public = client.get("/api/v1/public/evaluation/publicity")
    assert public.status_code == 200 and public.json() == []
