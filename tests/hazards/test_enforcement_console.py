"""The enforcement and joint-punishment console pages (监督考核) without a browser: what each form refuses and how
it says so, that refused forms write nothing, the confirmations of closing and revoking, who sees the forms,
the filters and paging of the list, and the legal basis the API now carries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.hazards.test_hazards_console import _login

USCC = "91110000710925243K"


def _record(client: TestClient, headers: dict[str, str], org_id: int, **extra: Any) -> dict[str, Any]:
    body = {"kind": "inspection", "organization_id": org_id, "inspected_at": "2030-03-01T09:00:00+08:00",
            "violations": "未设置可燃气体报警装置", "basis": "《安全生产法》第三十六条"} | extra
    response = client.post("/api/v1/hazards/enforcement", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_api_carries_the_legal_basis_and_filters_by_state(client: TestClient, make_user: UserFactory,
                                                          make_org: Callable[..., dict[str, Any]]) -> None:
    org = make_org(uscc=USCC)
    officer = make_user("department", "320102")
    record = _record(client, officer, org["id"])
    assert record["basis"] == "《安全生产法》第三十六条"
    fined = client.post(f"/api/v1/hazards/enforcement/{record['id']}/penalties", headers=officer, json={
        "kind": "fine", "amount": "5000", "basis": "《安全生产法》第九十九条",
        "decided_at": "2030-03-02T09:00:00+08:00"})
    assert fined.status_code == 201 and fined.json()["penalties"][0]["basis"] == "《安全生产法》第九十九条"
    client.post(f"/api/v1/hazards/enforcement/{record['id']}/close", headers=officer)
    late = client.post(f"/api/v1/hazards/enforcement/{record['id']}/penalties", headers=officer, json={
        "kind": "warning", "decided_at": "2030-03-03T09:00:00+08:00"})
    assert late.status_code == 409 and late.json()["detail_zh"] == "该执法记录已结案，不能再追加处罚"
    _record(client, officer, org["id"])
    closed = client.get("/api/v1/hazards/enforcement?status=closed", headers=officer).json()
    opened = client.get("/api/v1/hazards/enforcement?status=open", headers=officer).json()
    assert [r["id"] for r in closed["items"]] == [record["id"]] and opened["total"] == 1
    assert client.get("/api/v1/hazards/enforcement?status=gone", headers=officer).status_code == 422


def test_new_record_by_credit_code_and_its_refusals(client: TestClient, make_user: UserFactory,
                                                    make_org: Callable[..., dict[str, Any]]) -> None:
    org = make_org(uscc=USCC)
    _login(client, make_user, "department", "320102", username="zhifa")
    assert client.get("/supervision/enforcement/new").status_code == 200
    nobody = client.post("/supervision/enforcement/new", data={"kind": "inspection",
                                                               "inspected_at": "2030-03-01T09:00"})
    assert nobody.status_code == 422 and "被检查单位：请填写被检查单位" in nobody.text
    unknown = client.post("/supervision/enforcement/new", data={
        "kind": "inspection", "unit": "不存在的公司", "inspected_at": "2030-03-01T09:00", "findings": "现场检查"})
    assert unknown.status_code == 422 and "未找到该单位" in unknown.text and "现场检查" in unknown.text
    for tickets, said in (("YH12x", "隐患编号 YH12X 格式不正确"), ("YH00000999", "关联隐患：未找到隐患 [999]")):
        refused = client.post("/supervision/enforcement/new", data={
            "kind": "inspection", "unit": USCC, "inspected_at": "2030-03-01T09:00", "tickets": tickets})
        assert refused.status_code == 422 and said in refused.text, refused.text
    ticket = client.post("/api/v1/hazards/tickets", headers=make_user("district_office", "320102"), json={
        "category": "industry_trade", "description": "消防通道堵塞", "organization_id": org["id"]})
    assert ticket.status_code == 201, ticket.text
    made = client.post("/supervision/enforcement/new", follow_redirects=False, data={
        "kind": "inspection", "unit": f"{org['name']}（{USCC}）", "inspected_at": "2030-03-01T09:00",
        "basis": "《安全生产法》第三十六条", "measures": "责令限期整改\n\n暂扣许可证",
        "tickets": f"YH{ticket.json()['id']:08d}"})
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert "第三十六条" in page.text and "责令限期整改；暂扣许可证" in page.text and org["name"] in page.text
    assert f'href="/hazards/tickets/{ticket.json()["id"]}"' in page.text


def test_penalty_refusals_keep_the_form_and_write_nothing(client: TestClient, make_user: UserFactory,
                                                          make_org: Callable[..., dict[str, Any]]) -> None:
    org = make_org()
    record = _record(client, make_user("department", "320102"), org["id"])
    path = f"/supervision/enforcement/{record['id']}"
    _login(client, make_user, "department", "320102", username="zhifa")
    words = client.post(f"{path}/penalties", data={"kind": "fine", "amount": "五千", "decision_no": "罚〔2030〕1号",
                                                   "decided_at": "2030-03-02"})
    assert words.status_code == 422
    assert "金额（元）：请用阿拉伯数字填写金额（元）" in words.text and 'value="五千"' in words.text
    assert "罚〔2030〕1号" in words.text and "尚无处罚" in words.text
    missing = client.post(f"{path}/penalties", data={"kind": "fine", "amount": "", "decided_at": "2030-03-02"})
    assert missing.status_code == 422 and "罚款、没收须填写金额" in missing.text
    no_day = client.post(f"{path}/penalties", data={"kind": "warning", "decided_at": ""})
    assert no_day.status_code == 422 and "决定日期" in no_day.text
    ok = client.post(f"{path}/penalties", follow_redirects=False,
                     data={"kind": "fine", "amount": "5,000元", "decided_at": "2030-03-02", "executed": "1"})
    assert ok.status_code == 303 and "ok=" in ok.headers["location"]
    assert "5,000.00" in client.get(path).text


def test_closing_and_revoking_need_confirmation(client: TestClient, make_user: UserFactory,
                                                make_org: Callable[..., dict[str, Any]]) -> None:
    org = make_org(uscc=USCC)
    office = make_user("district_office", "320102")
    record = _record(client, office, org["id"])
    path = f"/supervision/enforcement/{record['id']}"
    _login(client, make_user, "department", "320102", username="zhifa")
    unconfirmed = client.post(f"{path}/close", data={}, follow_redirects=False)
    assert "error=" in unconfirmed.headers["location"]
    assert client.get(f"/api/v1/hazards/enforcement/{record['id']}", headers=office).json()["status"] == "open"
    assert "ok=" in client.post(f"{path}/close", data={"confirm": "1"}, follow_redirects=False).headers["location"]
    closed = client.get(path).text
    assert "已结案" in closed and "penalty-form" not in closed

    made = client.post("/supervision/punishments/new", follow_redirects=False, data={
        "unit": USCC, "reason": "拒不整改", "measures": ["限制融资授信"], "starts_at": "2030-03-01",
        "ends_at": "2030-02-01"})
    assert made.status_code == 422 and "截止日期不能早于开始日期" in made.text and "拒不整改" in made.text
    no_measure = client.post("/supervision/punishments/new", data={
        "unit": USCC, "reason": "拒不整改", "starts_at": "2030-03-01", "ends_at": "2031-02-28"})
    assert no_measure.status_code == 422 and "惩戒措施：请至少选择或填写一项惩戒措施" in no_measure.text
    made = client.post("/supervision/punishments/new", follow_redirects=False, data={
        "unit": USCC, "reason": "拒不整改", "measures": ["限制融资授信"], "other_measures": "取消评优资格",
        "starts_at": "2030-03-01", "ends_at": "2031-02-28", "record_id": str(record["id"])})
    assert made.status_code == 303 and made.headers["location"].startswith(f"/supervision/units/{org['id']}")
    entry = client.get("/api/v1/hazards/joint-punishments", headers=office).json()["items"][0]
    assert entry["measures"] == ["限制融资授信", "取消评优资格"] and entry["record_id"] == record["id"]
    standing = f"/supervision/units/{org['id']}"
    revoke = f"/supervision/punishments/{entry['id']}/revoke"
    refused = client.post(revoke, data={"reason": "已修复", "next": standing}, follow_redirects=False)
    assert refused.headers["location"].startswith(f"{standing}?error=")
    assert client.post(revoke, data={"reason": "", "confirm": "1", "next": standing},
                       follow_redirects=False).headers["location"].startswith(f"{standing}?error=")
    elsewhere = client.post(revoke, data={"reason": "已修复", "confirm": "1", "next": "//evil.example"},
                            follow_redirects=False)
    assert elsewhere.headers["location"].startswith("/?ok=")
    assert "已撤销" in client.get(standing).text


def test_who_sees_what(client: TestClient, make_user: UserFactory,
                       make_org: Callable[..., dict[str, Any]]) -> None:
    org = make_org()
    officer = make_user("department", "320102")
    for day in range(1, 24):
        _record(client, officer, org["id"], inspected_at=f"2030-03-{day:02d}T09:00:00+08:00")
    _login(client, make_user, "operator", "320102", username="zhiban")
    listing = client.get("/supervision/enforcement")
    assert listing.status_code == 200 and "record-new" not in listing.text
    assert client.get("/supervision/enforcement/new").status_code == 403
    assert 'href="/supervision"' not in client.get("/").text
    _login(client, make_user, "department", "320102", username="zhifa")
    assert 'href="/supervision"' in client.get("/").text
    first = client.get("/supervision/enforcement?since=2030-03-02&until=2030-03-23")
    assert "共 22 条" in first.text and "page=2" in first.text and "since=2030-03-02" in first.text
    assert "共 0 条" in client.get("/supervision/enforcement?status=closed").text
    bad = client.get("/supervision/enforcement?since=yesterday")
    assert bad.status_code == 200 and "检查日期起：日期格式不正确" in bad.text
    old = client.get("/hazards/enforcement?status=open", follow_redirects=False)
    assert old.status_code == 301 and old.headers["location"] == "/supervision/enforcement?status=open"
