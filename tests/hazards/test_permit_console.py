"""Permit pages: apply with the grade read from the height, then approve, gas-test, start and close by forms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import UserFactory

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext

NOW = datetime(2030, 6, 1, 0, 0, tzinfo=UTC)  # 08:00 in Nanjing


def _login(client: TestClient, make_user: UserFactory, username: str, org_id: int) -> None:
    make_user("enterprise", "320102", username=username, organization_id=org_id)
    client.cookies.clear()
    response = client.post("/login", data={"username": username, "password": "correct-horse", "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303


def _form(**extra: str) -> dict[str, str]:
    return {"work_type": "work_at_height", "area": "仓库屋面", "content": "更换采光板", "guardian": "李监护",
            "work_leader": "张班长", "valid_from": "2030-06-01T08:30", "valid_to": "2030-06-01T17:30"} | extra


def test_apply_reads_the_grade_from_the_height(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                               make_org: Callable[..., dict[str, Any]]) -> None:
    ctx.clock = FixedClock(NOW)
    org = make_org(sector="危险化学品")
    _login(client, make_user, "applicant", org["id"])
    page = client.get("/hazards/permits/new")
    assert page.status_code == 200 and 'id="permit-rules"' in page.text and "<script>" not in page.text
    low = client.post("/hazards/permits/new", data=_form(height_m="1.5"), follow_redirects=False)
    assert low.status_code == 422 and "不属于高处作业" in low.text and "更换采光板</textarea>" in low.text
    missing = client.post("/hazards/permits/new", data=_form(), follow_redirects=False)
    assert missing.status_code == 422 and "作业高度" in missing.text
    done = client.post("/hazards/permits/new", data=_form(height_m="15"), follow_redirects=False)
    assert done.status_code == 303, done.text
    detail = client.get(done.headers["location"])
    assert "二级高处（5m&lt;h≤15m）" in detail.text and "15 米" in detail.text and "待作业单位负责人签批" in detail.text
    # Work at height needs no gas test, and the applicant is not offered to sign its own permit.
    assert 'data-action="cancel"' in detail.text and 'data-action="gas_test"' not in detail.text
    assert 'data-action="approve"' not in detail.text


def test_hot_work_by_forms(client: TestClient, ctx: AppContext, make_user: UserFactory,
                           make_org: Callable[..., dict[str, Any]]) -> None:
    ctx.clock = FixedClock(NOW)
    org = make_org(sector="危险化学品")
    _login(client, make_user, "hot-applicant", org["id"])
    done = client.post("/hazards/permits/new", data=_form(work_type="hot_work", grade="level2", area="管廊"),
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    path = done.headers["location"].split("?")[0]
    self_approval = client.post(f"{path}/act", data={"action": "approve"}, follow_redirects=False)
    assert "error=" in self_approval.headers["location"]  # the applicant may not sign its own permit
    _login(client, make_user, "leader", org["id"])
    approved = client.post(f"{path}/act", data={"action": "approve"}, follow_redirects=False)
    assert "ok=" in approved.headers["location"], approved.headers["location"]
    failed = client.post(f"{path}/gas-tests", data={"oxygen_pct": "20.9", "combustible_pct_lel": "30",
                                                    "tester_name": "检测员", "sampled_at": "2030-06-01T07:55"},
                         follow_redirects=False)
    assert "error=" in failed.headers["location"]
    assert "可燃气体" in client.get(failed.headers["location"]).text
    ctx.clock = FixedClock(datetime(2030, 6, 1, 0, 31, tzinfo=UTC))
    passed = client.post(f"{path}/gas-tests", data={"oxygen_pct": "20.9", "combustible_pct_lel": "0",
                                                    "tester_name": "检测员", "sampled_at": ""},
                         follow_redirects=False)
    assert "ok=" in passed.headers["location"]
    ctx.clock = FixedClock(datetime(2030, 6, 1, 0, 35, tzinfo=UTC))
    assert "ok=" in client.post(f"{path}/act", data={"action": "start"}, follow_redirects=False).headers["location"]
    closed = client.post(f"{path}/act", data={"action": "close", "note": "完工，现场已清理"}, follow_redirects=False)
    assert "ok=" in closed.headers["location"]
    page = client.get(path)
    assert "已关闭" in page.text and "完工，现场已清理" in page.text and "合格" in page.text
    bad_reject = client.post(f"{path}/act", data={"action": "reject"}, follow_redirects=False)
    assert "error=" in bad_reject.headers["location"]


def test_only_permit_workers_see_and_use_the_forms(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                                   make_org: Callable[..., dict[str, Any]]) -> None:
    make_user("grid_officer", "320102", username="grid")
    client.cookies.clear()
    client.post("/login", data={"username": "grid", "password": "correct-horse", "next": "/"})
    assert client.get("/hazards/permits/new").status_code == 403
    assert "申请作业票" not in client.get("/hazards/permits").text
