"""Sample plans and drills for the emergency plan and drill tests (and the scope matrix's seeds)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

Headers = dict[str, str]


def fire_plan(title: str = "玄武区火灾事故专项应急预案", **extra: Any) -> dict[str, Any]:
    """A district's special plan for fires: a command with its groups, triggers, 四级 and 三级 with tasks."""
    return {
        "kind": "gov_special", "title": title, "unit_name": "玄武区应急管理局", "content": {
            "command": {"commander": "区长", "deputies": ["分管副区长", "区应急管理局局长"], "groups": [
                {"name": "综合协调组", "lead": "区应急管理局", "members": ["区政府办"], "duties": "信息汇总、上报"},
                {"name": "抢险救援组", "lead": "玄武消防救援大队", "duties": "灭火、搜救被困人员"},
                {"name": "医疗救护组", "lead": "区卫生健康委", "duties": "伤员救治、转运"},
                {"name": "治安警戒组", "lead": "玄武公安分局", "duties": "现场警戒、交通管制"},
            ]},
            "triggers": [
                {"level": "4", "categories": ["accident"], "sub_types": ["fire"], "grades": ["general"],
                 "description": "一般火灾事故"},
                {"level": "3", "categories": ["accident"], "sub_types": ["fire"], "grades": ["larger"]},
            ],
            "levels": [
                {"level": "4", "conditions": "一般火灾事故", "actions": ["区应急管理局局长到场指挥"], "tasks": [
                    {"title": "核实火情并首报", "group": "综合协调组", "owner_role": "值班员", "deadline_minutes": 30},
                    {"title": "设置警戒区", "group": "治安警戒组", "owner_role": "派出所所长", "deadline_minutes": 20},
                ]},
                {"level": "3", "conditions": "较大火灾事故", "actions": ["分管副区长到场指挥"], "tasks": [
                    {"title": "开设临时医疗点", "group": "医疗救护组", "deadline_minutes": 60},
                ]},
            ],
            "resources": [{"name": "消防车", "kind": "装备", "quantity": 6, "unit": "辆"}],
        }, **extra}


def ok(response: httpx.Response, status: int = 201) -> Any:
    assert response.status_code == status, response.text[:600]
    return response.json()


def new_enterprise(client: TestClient, admin: Headers, name: str, region: str = "320102002",
                   sector: str = "危险化学品") -> dict[str, Any]:
    return ok(client.post("/api/v1/organizations", headers=admin, json={
        "name": name, "kind": "enterprise", "region_code": region, "sector": sector}), 201)


def onsite_plan(title: str = "储罐区泄漏现场处置方案") -> dict[str, Any]:
    return {"kind": "ent_onsite", "title": title, "content": {
        "command": {"commander": "总经理", "groups": [{"name": "抢险救援", "duties": "关阀、堵漏"}]},
        "triggers": [{"level": "4", "categories": ["accident"], "sub_types": ["poisoning", "fire"]}],
        "levels": [{"level": "4", "tasks": [{"title": "关闭进料阀", "group": "抢险救援", "deadline_minutes": 5}]}]}}
