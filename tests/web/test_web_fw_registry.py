"""The registry's console forms through the console (cookie session), and the API additions behind them:
units filtered by online state, a unit's buildings, a claim decided with a reason, a window ended early."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import UserFactory

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.registry.models import MaintenanceWindow, Uitd
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import Location, OrganizationCreate

PASSWORD = "correct-horse"


def _org(ctx: AppContext, name: str) -> int:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        return orgs_service.create(session, org_in=OrganizationCreate(
            name=name, kind="enterprise", region_code="320102", address="玄武区中山路 1 号",
            location=Location(lon=118.79, lat=32.05))).id


def _login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    assert client.post("/login", data={"username": username, "password": PASSWORD},
                       follow_redirects=False).status_code == 303


def test_a_device_manager_registers_a_unit_building_uitd_and_component(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    org_id = _org(ctx, "玄武消防测试大厦")
    make_user("district_office", "320102", username="xw")
    _login(client, "xw")
    made = client.post("/firewatch/registry/units", data={"organization_id": str(org_id), "contact_name": "王值班",
                                                           "contact_phone": "025-1234567"}, follow_redirects=False)
    assert made.status_code == 303, made.text[:400]
    unit_path = made.headers["location"].split("?")[0]
    unit_id = int(unit_path.rsplit("/", 1)[1])
    assert client.post(f"{unit_path}/buildings", data={"name": "1号楼", "floors_above": "12", "floors_below": "2"},
                       follow_redirects=False).status_code == 303
    # a bad address: the unit page again, 422, the message at the field, what was typed kept
    bad = client.post("/firewatch/registry/uitds", data={"address": "12AB", "unit_id": str(unit_id), "from": "unit",
                                                         "vendor": "海湾"})
    assert bad.status_code == 422 and 'data-testid="field-error-address"' in bad.text
    assert "传输装置地址" in bad.text and 'value="12AB"' in bad.text and 'value="海湾"' in bad.text
    made = client.post("/firewatch/registry/uitds", data={"address": "0x0A0B0C0D0E0F", "unit_id": str(unit_id)},
                       follow_redirects=False)
    uitd_path = f"/firewatch/registry/uitds/{0x0A0B0C0D0E0F}"
    assert made.status_code == 303 and made.headers["location"].startswith(uitd_path)
    building = client.get(f"/api/v1/firewatch/units/{unit_id}/buildings", headers=_bearer(client, "xw")).json()[0]
    assert (building["name"], building["floors_above"], building["floors_below"]) == ("1号楼", 12, 2)
    added = client.post(f"{uitd_path}/components", data={
        "system_type": "1", "system_address": "1", "component_type": "40", "loop": "2", "point": "17",
        "building_id": str(building["id"]), "floor": "3F", "zone": "东侧走廊"}, follow_redirects=False)
    assert added.status_code == 303, added.text[:300]
    page = client.get(uitd_path)
    assert page.status_code == 200 and "感烟火灾探测器" in page.text and "2 回路 17 号" in page.text
    assert "1号楼" in page.text and "火灾报警系统" in page.text
    for path in ("/firewatch/registry", "/firewatch/registry/uitds", "/firewatch/registry/iot",
                 "/firewatch/registry/maintenance", "/firewatch/registry/claims", "/firewatch/registry/import",
                 unit_path):
        assert client.get(path).status_code == 200, path
    def listed(query: str) -> str:
        return client.get(f"/firewatch/registry?{query}").text.split('data-testid="units"', 1)[1].split("</table>")[0]

    assert "玄武消防测试大厦" in listed("online=0")  # nothing has reported yet
    assert "玄武消防测试大厦" not in listed("online=1")
    assert "玄武消防测试大厦" in listed("q=消防测试&region=320102")


def _bearer(client: TestClient, username: str) -> dict[str, str]:
    token = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_a_window_that_ends_before_it_starts_is_refused_at_its_field_then_one_is_ended_early(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    org_id = _org(ctx, "玄武维保测试商场")
    make_user("district_office", "320102", username="xw")
    _login(client, "xw")
    unit_id = int(client.post("/firewatch/registry/units", data={"organization_id": str(org_id)},
                              follow_redirects=False).headers["location"].split("?")[0].rsplit("/", 1)[1])
    bad = client.post("/firewatch/registry/maintenance", data={
        "target": "unit", "unit_id": str(unit_id), "starts_at": "2030-06-01T18:00", "ends_at": "2030-06-01T08:00",
        "reason": "年度检测"})
    assert bad.status_code == 422 and 'data-testid="field-error-ends_at"' in bad.text
    assert "结束时间须晚于开始时间" in bad.text and 'value="年度检测"' in bad.text
    now = ctx.clock.now().astimezone(ZoneInfo("Asia/Shanghai"))  # the form takes wall time in the city
    local = "%Y-%m-%dT%H:%M"
    ok = client.post("/firewatch/registry/maintenance", data={
        "target": "unit", "unit_id": str(unit_id), "starts_at": (now - timedelta(hours=1)).strftime(local),
        "ends_at": (now + timedelta(hours=3)).strftime(local), "reason": "年度检测"}, follow_redirects=False)
    assert ok.status_code == 303, ok.text[:300]
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        window_id = session.scalars(select(MaintenanceWindow.id)).one()
    ended = client.post(f"/firewatch/registry/maintenance/{window_id}/end", follow_redirects=False)
    assert "ok=" in ended.headers["location"]
    again = client.post(f"/api/v1/firewatch/maintenance/{window_id}/end", headers=_bearer(client, "xw"))
    assert again.status_code == 409 and "已结束" in again.json()["detail_zh"]


def test_a_claim_is_rejected_with_its_reason(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    org_id = _org(ctx, "玄武认领测试酒店")
    make_user("district_office", "320102", username="xw")
    make_user("enterprise", "320102", username="qiye", organization_id=org_id)
    _login(client, "xw")
    unit_id = int(client.post("/firewatch/registry/units", data={"organization_id": str(org_id)},
                              follow_redirects=False).headers["location"].split("?")[0].rsplit("/", 1)[1])
    with unit_of_work(ctx.session_factory, actor="tests") as session:  # parked by the gateway, province-wide
        session.add(Uitd(address=777000111, registered=False, region_code="320000"))
    _login(client, "qiye")
    asked = client.post("/firewatch/registry/uitds/777000111/bind", data={"unit_id": str(unit_id)},
                        follow_redirects=False)
    assert asked.headers["location"].startswith("/firewatch/registry/claims"), asked.headers["location"]
    _login(client, "xw")
    listed = client.get("/firewatch/registry/claims")
    assert "777000111" in listed.text and "玄武认领测试酒店" in listed.text
    claim_id = client.get("/api/v1/firewatch/claims", headers=_bearer(client, "xw")).json()["items"][0]["id"]
    empty = client.post(f"/firewatch/registry/claims/{claim_id}/reject", data={"reason": ""}, follow_redirects=False)
    assert "error=" in empty.headers["location"]
    done = client.post(f"/firewatch/registry/claims/{claim_id}/reject", data={"reason": "地址与铭牌不符"},
                       follow_redirects=False)
    assert "ok=" in done.headers["location"]
    claim = client.get("/api/v1/firewatch/claims?status=rejected", headers=_bearer(client, "xw")).json()["items"][0]
    assert claim["decision_note"] == "地址与铭牌不符"


def test_iot_devices_are_registered_and_the_registry_workbook_is_checked(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    org_id = _org(ctx, "玄武物联测试公寓")
    make_user("district_office", "320102", username="xw")
    _login(client, "xw")
    unit_id = client.post("/firewatch/registry/units", data={"organization_id": str(org_id)},
                          follow_redirects=False).headers["location"].split("?")[0].rsplit("/", 1)[1]
    bad = client.post("/firewatch/registry/iot", data={"device_id": "烟感 1 号", "kind": "smoke", "unit_id": unit_id,
                                                       "floor": "5F"})
    assert bad.status_code == 422 and 'data-testid="field-error-device_id"' in bad.text and 'value="5F"' in bad.text
    made = client.post("/firewatch/registry/iot", data={"device_id": "SMK-0501", "kind": "smoke", "unit_id": unit_id,
                                                        "floor": "5F", "zone": "501 室"}, follow_redirects=False)
    assert made.status_code == 303, made.text[:300]
    listed = client.get("/firewatch/registry/iot").text
    assert "SMK-0501" in listed and "独立式感烟探测器" in listed and "玄武物联测试公寓" in listed
    template = client.get("/firewatch/registry/import/template")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    checked = client.post("/firewatch/registry/import", data={"dry_run": "1"},
                          files={"file": ("registry.xlsx", template.content, XLSX)})
    assert checked.status_code == 200 and 'data-testid="import-report"' in checked.text
    assert "联网单位 0 行" in checked.text
    broken = client.post("/firewatch/registry/import", files={"file": ("registry.xlsx", b"not a workbook", XLSX)})
    assert broken.status_code == 422 and "文件" in broken.text


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
