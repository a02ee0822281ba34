"""Enforcement records with penalties; the joint-punishment list shown wherever its organisation appears."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import UserFactory

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext

API = "/api/v1/hazards"
T0 = datetime(2030, 3, 1, 2, 0, tzinfo=UTC)


def test_enforcement_record_with_penalties(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                           make_org: Callable[..., dict[str, Any]]) -> None:
    ctx.clock = FixedClock(T0)
    org = make_org(name="南京某运输有限公司", sector="交通运输")
    department = make_user("department", "320102", display_name="区交通运输局")
    ticket = client.post(f"{API}/tickets", headers=department, json={
        "category": "road_transport", "description": "车辆未安装动态监控", "organization_id": org["id"]}).json()
    created = client.post(f"{API}/enforcement", headers=department, json={
        "kind": "crackdown", "organization_id": org["id"], "sector": "交通运输", "department": "玄武区交通运输局",
        "inspected_at": "2030-02-28T10:00:00+08:00", "inspectors": "张三、李四（执法证号 32010001、32010002）",
        "findings": "3 辆危货运输车辆未安装卫星定位装置", "violations": "违反《道路运输车辆动态监督管理办法》",
        "measures": ["责令限期改正", "暂扣道路运输证"], "ticket_ids": [ticket["id"]],
        "penalties": [{"kind": "fine", "amount": "30000.00", "decision_no": "玄交罚〔2030〕12号",
                       "decided_at": "2030-03-01T09:00:00+08:00"}]})
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["kind_name"] == "打非治违" and record["number"].startswith("ZF")
    assert record["penalty_total"] == "30000.00" and record["penalties"][0]["kind_name"] == "罚款"
    added = client.post(f"{API}/enforcement/{record['id']}/penalties", headers=department, json={
        "kind": "suspension", "decided_at": "2030-03-01T09:00:00+08:00", "decision_no": "玄交罚〔2030〕13号"})
    assert added.status_code == 201 and len(added.json()["penalties"]) == 2
    no_amount = client.post(f"{API}/enforcement/{record['id']}/penalties", headers=department, json={
        "kind": "fine", "decided_at": "2030-03-01T09:00:00+08:00"})
    assert no_amount.status_code == 422
    closed = client.post(f"{API}/enforcement/{record['id']}/close", headers=department)
    assert closed.json()["status"] == "closed"
    listing = client.get(f"{API}/enforcement", headers=department, params={"kind": "crackdown"}).json()
    assert listing["total"] == 1
    grid = make_user("grid_officer", "320102")
    assert client.post(f"{API}/enforcement", headers=grid, json={
        "kind": "inspection", "target_name": "x", "inspected_at": "2030-02-28T10:00:00+08:00"}).status_code == 403
    unlicensed = client.post(f"{API}/enforcement", headers=department, json={
        "kind": "crackdown", "target_name": "无证黑加油点（个人）", "region_code": "320102003",
        "inspected_at": "2030-02-28T10:00:00+08:00", "measures": ["取缔"]})
    assert unlicensed.status_code == 201 and unlicensed.json()["organization"] is None
    nobody = client.post(f"{API}/enforcement", headers=department, json={
        "kind": "crackdown", "inspected_at": "2030-02-28T10:00:00+08:00"})
    assert nobody.status_code == 422


def test_joint_punishment_follows_the_organisation(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                                   make_org: Callable[..., dict[str, Any]]) -> None:
    ctx.clock = FixedClock(T0)
    org = make_org(name="南京失信化工有限公司")
    office = make_user("district_office", "320102")
    enterprise = make_user("enterprise", "320102", organization_id=org["id"])
    ticket = client.post(f"{API}/tickets", headers=office, json={
        "category": "hazardous_chemicals", "description": "储罐区可燃气体报警器失效", "organization_id": org["id"]}
    ).json()
    assert ticket["organization"]["punished"] is False
    entry = client.post(f"{API}/joint-punishments", headers=office, json={
        "organization_id": org["id"], "reason": "重大事故隐患拒不整改", "basis": "安全生产领域失信行为惩戒规定",
        "measures": ["限制参与政府采购", "限制融资授信"], "decided_by": "玄武区应急管理局",
        "starts_at": "2030-02-01T00:00:00+08:00", "ends_at": "2031-02-01T00:00:00+08:00"})
    assert entry.status_code == 201, entry.text
    assert entry.json()["active"] is True and entry.json()["organization_name"] == "南京失信化工有限公司"
    shown = client.get(f"{API}/tickets/{ticket['id']}", headers=office).json()["organization"]
    assert shown["punished"] is True and shown["punishments"][0]["reason"] == "重大事故隐患拒不整改"
    listed = client.get(f"{API}/tickets", headers=office).json()["items"][0]["organization"]
    assert listed["punished"] is True
    # shown to a neighbouring district too: the list is public and follows the unit
    province = make_user("department", "320000")
    record = client.post(f"{API}/enforcement", headers=province, json={
        "kind": "inspection", "organization_id": org["id"], "inspected_at": "2030-02-28T10:00:00+08:00",
        "region_code": "320104002"}).json()
    qinhuai = make_user("district_office", "320104")
    seen = client.get(f"{API}/enforcement/{record['id']}", headers=qinhuai).json()
    assert seen["organization"]["punished"] is True
    standing = client.get(f"{API}/organizations/{org['id']}/standing", headers=office).json()
    assert standing["organization"]["punished"] is True and standing["open_hazards"] == 1
    assert standing["enforcement_records"] == 0  # the inspection was filed in Qinhuai: not Xuanwu's to see
    assert client.get(f"{API}/organizations/{org['id']}/standing", headers=province).json()["enforcement_records"] == 1
    mine = client.get(f"{API}/joint-punishments", headers=enterprise).json()
    assert mine["total"] == 1  # an enterprise sees its own entry
    revoked = client.post(f"{API}/joint-punishments/{entry.json()['id']}/revoke", headers=office,
                          json={"reason": "已完成整改并信用修复"})
    assert revoked.json()["active"] is False
    assert client.get(f"{API}/tickets/{ticket['id']}", headers=office).json()["organization"]["punished"] is False
    assert client.get(f"{API}/joint-punishments", headers=office, params={"active": "true"}).json()["total"] == 0
    ctx.clock = FixedClock(T0 + timedelta(days=400))
    again = client.post(f"{API}/joint-punishments", headers=office, json={
        "organization_id": org["id"], "reason": "x", "starts_at": "2030-02-01T00:00:00+08:00",
        "ends_at": "2030-01-01T00:00:00+08:00"})
    assert again.status_code == 422
