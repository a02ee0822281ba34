"""The console pages of 示范城市创建 and the public 公示 page: each party sees the buttons of the steps it may take
now and no others; a step refused on the page says why in Chinese and saves nothing; anyone may lodge an
objection without logging in while the window is open, and is told in Chinese what is wrong with it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import UserFactory

from citysafe.core.context import AppContext

PASSWORD = "correct-horse"


def _login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    response = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303, response.text


def _flow(client: TestClient, make_user: UserFactory) -> tuple[int, int]:
    province = make_user("province_office", "320000", username="sheng")
    make_user("city_office", "320100", username="nanjing")
    county = make_user("district_office", "320115", username="jiangning", display_name="江宁区安委办")
    applicant = client.post("/api/v1/evaluation/applicants", headers=province,
                            json={"kind": "county", "division_code": "320115"}).json()
    application = client.post(f"/api/v1/evaluation/applicants/{applicant['id']}/applications", headers=county,
                              json={"year": 2026}).json()
    client.post(f"/api/v1/evaluation/sheets/{application['sheet_id']}/submit", headers=county)
    return applicant["id"], application["id"]


def test_pages_show_only_the_steps_one_may_take(client: TestClient, make_user: UserFactory) -> None:
    applicant_id, app_id = _flow(client, make_user)
    page = f"/evaluation/creation/applications/{app_id}"
    _login(client, "nanjing")
    listing = client.get("/evaluation/creation")
    assert listing.status_code == 200 and "江宁区" in listing.text and "示范城市创建" in listing.text
    seen = client.get(page)
    assert 'data-testid="no-actions"' in seen.text and 'data-testid="do-apply"' not in seen.text
    refused = client.post(page + "/step", data={"action": "apply"}, follow_redirects=True)
    assert "“申报”须由江宁区安委办办理" in refused.text
    _login(client, "jiangning")
    assert 'data-testid="do-apply"' in client.get(page).text
    done = client.post(page + "/step", data={"action": "apply", "note": "自评 86.5 分"}, follow_redirects=True)
    assert "已办理：申报" in done.text and "市级复核" in done.text
    _login(client, "nanjing")
    seen = client.get(page).text
    assert 'data-testid="do-recommend"' in seen and 'data-testid="do-return"' in seen and "do-propose" not in seen
    assert 'data-testid="opinion-form"' in seen
    client.post(page + "/opinions", data={"unit": "市住房城乡建设局", "stance": "agree", "text": "同意"})
    client.post(page + "/step", data={"action": "return", "note": "请补充风险评估报告"})
    history = client.get(page).text
    assert "请补充风险评估报告" in history and "市住房城乡建设局" in history
    applicant_page = client.get(f"/evaluation/creation/applicants/{applicant_id}")
    assert applicant_page.status_code == 200 and "申报 → 退回" in applicant_page.text


def test_public_publicity_and_objections(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    _applicant_id, app_id = _flow(client, make_user)
    for user, action in (("jiangning", "apply"), ("nanjing", "recommend"), ("sheng", "propose")):
        _login(client, user)
        client.post(f"/evaluation/creation/applications/{app_id}/step", data={"action": action})
    client.cookies.clear()
    public = client.get("/public/evaluation/publicity")
    assert public.status_code == 200 and "江宁区" in public.text and "公示期：" in public.text
    short = client.post(f"/public/evaluation/publicity/{app_id}", data={"text": "不同意"}, follow_redirects=True)
    assert "异议内容" in short.text and "10" in short.text and "flash-error" in short.text
    lodged = client.post(f"/public/evaluation/publicity/{app_id}",
                         data={"text": "该区今年发生多起较大事故，建议暂缓命名。", "contact": "13800000000"},
                         follow_redirects=True)
    assert "您的异议已提交" in lodged.text
    _login(client, "sheng")
    page = client.get(f"/evaluation/creation/applications/{app_id}").text
    assert "该区今年发生多起较大事故" in page and "/handle" in page


def test_registering_by_division_name(client: TestClient, make_user: UserFactory) -> None:
    make_user("city_office", "320100", username="nanjing")
    _login(client, "nanjing")
    form = client.get("/evaluation/creation").text
    assert '<option value="320115" lang="zh">江宁区</option>' in form and "320200" not in form  # 南京's own only
    wrong = client.post("/evaluation/creation", data={"kind": "county", "division": "320100"}, follow_redirects=True)
    assert "南京市不是县级行政区划" in wrong.text
    zone = client.post("/evaluation/creation", follow_redirects=True, data={
        "kind": "zone", "division": "320115", "name": "南京江宁经济技术开发区", "zone_approval": "国函〔2010〕100号"})
    assert "已登记参评对象：南京江宁经济技术开发区" in zone.text
