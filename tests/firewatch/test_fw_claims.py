"""Issue #10 finding 9: a device outside the caller's scope is neither revealed nor claimable at will.

Before: any account with device rights bound any unregistered UITD (and so took its alarm history), and
registering an address told one district that it was registered in another."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.firewatch.fw_support import FIRE, T0, component_frame, ingest, make_unit

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext

API = "/api/v1/firewatch"


def _unit(client: TestClient, headers: dict[str, str], region: str, name: str) -> dict[str, Any]:
    response = client.post(f"{API}/units", headers=headers, json={
        "organization": {"name": name, "kind": "networked_unit", "region_code": region}})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_foreign_unregistered_uitd_is_not_claimed_at_will(client: TestClient, ctx: AppContext,
                                                             make_user: UserFactory) -> None:
    ingest(ctx, [component_frame(4242, FIRE)], FixedClock(T0))  # parked in the province's pool
    district = make_user("district_office", "320104")
    unit = _unit(client, district, "320104001", "秦淮某商场")
    response = client.post(f"{API}/uitds/4242/bind", headers=district, json={"unit_id": unit["id"]})
    assert response.status_code == 202, response.text
    claim = response.json()
    assert claim["status"] == "pending" and claim["alarms_attached"] == 0
    # nothing moved: the alarm history is still out of the district's sight
    assert client.get(f"{API}/alarms", headers=district).json()["total"] == 0
    # an address never seen is answered exactly alike
    unseen = client.post(f"{API}/uitds/777777/bind", headers=district, json={"unit_id": unit["id"]})
    assert unseen.status_code == 202 and unseen.json().keys() == claim.keys()
    # a peer, or the claimant itself, cannot approve; an office above can
    peer = make_user("district_office", "320104")
    assert client.post(f"{API}/claims/{claim['id']}/approve", headers=peer).status_code == 403
    assert client.post(f"{API}/claims/{claim['id']}/approve", headers=district).status_code == 403
    other_city = make_user("city_office", "320200")
    assert client.post(f"{API}/claims/{claim['id']}/approve", headers=other_city).status_code == 404
    city = make_user("city_office", "320100")
    assert [c["id"] for c in client.get(f"{API}/claims", params={"status": "pending"}, headers=city)
            .json()["items"]] == [unseen.json()["id"], claim["id"]]
    approved = client.post(f"{API}/claims/{claim['id']}/approve", headers=city)
    assert approved.status_code == 200 and approved.json()["alarms_attached"] == 1
    assert client.get(f"{API}/alarms", headers=district).json()["total"] == 1
    # approving a claim of a device the platform never saw binds nothing, and says so neutrally
    never = client.post(f"{API}/claims/{unseen.json()['id']}/approve", headers=city)
    assert never.status_code == 409 and "无法认领" in never.json()["detail_zh"]
    rejected = client.post(f"{API}/claims/{unseen.json()['id']}/reject", headers=city)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"


def test_the_province_office_binds_a_parked_device_at_once(client: TestClient, ctx: AppContext,
                                                           make_user: UserFactory) -> None:
    ingest(ctx, [component_frame(5151, FIRE)], FixedClock(T0))
    province = make_user("province_office", "320000")
    unit = _unit(client, province, "320102002", "玄武某大厦")
    bound = client.post(f"{API}/uitds/5151/bind", headers=province, json={"unit_id": unit["id"]})
    assert bound.status_code == 200 and bound.json()["alarms_attached"] == 1


def test_registering_an_address_known_elsewhere_does_not_say_where_or_how(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    make_unit(ctx, region="320102002", address=300001)  # registered in Xuanwu
    ingest(ctx, [component_frame(300002, FIRE)], FixedClock(T0))  # parked, unregistered
    district = make_user("district_office", "320104")
    unit = _unit(client, district, "320104001", "秦淮某商场")
    registered = client.post(f"{API}/uitds", headers=district, json={"address": 300001, "unit_id": unit["id"]})
    parked = client.post(f"{API}/uitds", headers=district, json={"address": 300002, "unit_id": unit["id"]})
    assert registered.status_code == parked.status_code == 409
    assert registered.json()["detail_zh"] == parked.json()["detail_zh"]
    assert registered.json()["detail"] == parked.json()["detail"]
    assert "registered" not in registered.json()["detail"] and "已登记" not in registered.json()["detail_zh"]
    # inside the caller's own scope a registered address is simply "registered"
    xuanwu = make_user("district_office", "320102")
    own_unit = _unit(client, xuanwu, "320102002", "玄武另一单位")
    again = client.post(f"{API}/uitds", headers=xuanwu, json={"address": 300001, "unit_id": own_unit["id"]})
    assert again.status_code == 409 and "已登记" in again.json()["detail_zh"]


def test_an_enterprise_claim_of_a_foreign_iot_device_waits_for_its_district(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    district = make_user("district_office", "320102")
    unit = _unit(client, district, "320102002", "玄武某企业")
    enterprise = make_user("enterprise", "320102", organization_id=unit["organization_id"])
    response = client.post(f"{API}/iot-devices/NJ-X-1/bind", headers=enterprise, json={"unit_id": unit["id"]})
    assert response.status_code == 202, response.text
    assert client.get(f"{API}/claims", headers=enterprise).json()["total"] == 1
    assert client.post(f"{API}/claims/{response.json()['id']}/reject", headers=district).status_code == 200
