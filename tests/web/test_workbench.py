"""工作台 per role and menus per role (issue #11 point 2), through the console as each user sees it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from tests.support.workbench_city import WorkbenchCity, login, section, seeded_at_now

from citysafe.core.context import AppContext
from citysafe.firewatch.service import shift_start
from citysafe.web.common import NAVIGATION


@pytest.fixture
def city(ctx: AppContext) -> WorkbenchCity:
    return seeded_at_now(ctx)


def _page(client: TestClient, username: str) -> str:
    login(client, username)
    page = client.get("/")
    assert page.status_code == 200, page.text
    return page.text


def _menu(html: str) -> list[str]:
    return re.findall(r">([^<>]+)</a>", html_nav(html))


def html_nav(html: str) -> str:
    return html.split('<nav class="mainnav"', 1)[1].split("</nav>", 1)[0]


def test_shift_starts_at_the_latest_eight_oclock_change_in_shanghai() -> None:
    def local(day: int, hour: int, minute: int = 0) -> datetime:  # Shanghai wall time, as the server holds it
        return datetime(2026, 3, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)

    assert shift_start(local(2, 10), "Asia/Shanghai") == local(2, 8)
    assert shift_start(local(2, 8), "Asia/Shanghai") == local(2, 8)
    assert shift_start(local(2, 7, 59), "Asia/Shanghai") == local(1, 20)
    assert shift_start(local(2, 23), "Asia/Shanghai") == local(2, 20)


def test_menus_offer_only_what_the_role_can_do(client: TestClient, city: WorkbenchCity) -> None:
    office = _menu(_page(client, "nanjing"))
    assert {"工作台", "风险地图", "隐患排查", "消防监测", "用户管理"} <= set(office)
    grid = _menu(_page(client, "grid"))
    assert grid == ["工作台", "我的任务", "上报", "我的隐患"]  # a field role's three tasks (issue #11 point 3)
    operator = _menu(_page(client, "duty"))
    assert "消防监测" in operator and "风险地图" not in operator and "用户管理" not in operator
    department = _menu(_page(client, "dept"))
    assert "用户管理" not in department and "消防监测" not in department and "风险地图" in department
    enterprise = _menu(_page(client, "zhongshan"))
    assert enterprise == ["工作台", "我的任务", "上报", "我的隐患"]
    assert re.findall(r'href="(/hazards[^"]*)"', html_nav(_page(client, "zhongshan"))) == [
        "/hazards?tab=rectifying", "/hazards/report", "/hazards"]
    # Every item names what it needs, except the workbench everyone has.
    assert all(item.needs for item in NAVIGATION if item.path != "/")


def test_city_office_sees_what_is_late_and_how_its_districts_stand(client: TestClient, city: WorkbenchCity) -> None:
    html = _page(client, "nanjing")
    hazards = section(html, "hazards")
    assert 'data-testid="hazards-overdue">1<' in hazards
    assert f'href="/hazards/tickets/{city.overdue_ticket_id}"' in hazards and "消防通道堆放杂物" in hazards
    assert f'href="/hazards/tickets/{city.other_ticket_id}"' in hazards  # due tomorrow
    assert hazards.index("消防通道堆放杂物") < hazards.index("应急照明失效")  # the late one first
    assert "玄武区" in hazards and "320102002" not in hazards  # names, not codes
    alarms = section(html, "open_alarms")
    assert f'href="/firewatch?alarm={city.fire_alarm_id}"' in alarms
    due = section(html, "reports_due")
    assert "2026 年度城市安全风险白皮书" in due and "尚未编制" in due
    area = section(html, "area").split("<table", 1)[1]
    rows = re.findall(r'<a href="/map\?code=(\d+)">([^<]+)</a>', area)
    assert ("320102", "玄武区") in rows and ("320104", "秦淮区") in rows and len(rows) == 11
    assert rows[0][1] == "玄武区"  # its overdue ticket puts it first


def test_operator_sees_unacknowledged_fires_before_faults_and_the_shift(client: TestClient,
                                                                       city: WorkbenchCity) -> None:
    html = _page(client, "duty")
    queue = section(html, "alarm_queue")
    fire, fault = f"/firewatch?alarm={city.fire_alarm_id}", f"/firewatch?alarm={city.fault_alarm_id}"
    assert fire in queue and fault in queue and queue.index(fire) < queue.index(fault)
    assert 'data-testid="unacknowledged">2<' in queue
    shift = queue.split('data-testid="shift-counts"', 1)[1]
    # Since 08:00: two fires received (one already a false alarm), one fault, one false alarm decided.
    assert re.findall(r'class="v">(\d+)<', shift) == ["2", "1", "0", "1"]
    assert "03-02 08:00 起" in queue and "08:00 与 20:00" in queue
    assert 'data-section="area"' not in html and 'data-section="hazards"' not in html


def test_enterprise_sees_its_own_tickets_permits_and_devices(client: TestClient, city: WorkbenchCity) -> None:
    html = _page(client, "zhongshan")
    hazards = section(html, "hazards")
    assert f"/hazards/tickets/{city.overdue_ticket_id}" in hazards
    assert f"/hazards/tickets/{city.other_ticket_id}" not in hazards  # another unit's
    permits = section(html, "permits")
    assert "动火" in permits and "二号仓库东侧管廊" in permits and "审批中" in permits
    devices = section(html, "devices")
    assert 'data-testid="devices-open-fire">0<' in devices  # the fire is another unit's
    assert 'data-section="area"' not in html and 'data-section="major_risks"' not in html


def test_grid_officer_sees_todays_tasks(client: TestClient, city: WorkbenchCity) -> None:
    html = _page(client, "grid")
    tasks = section(html, "today_tasks")
    assert f'href="/hazards/tasks/{city.task_id}"' in tasks and "玄武门街道沿街小餐饮店" in tasks
    assert 'data-testid="tasks-today">1<' in tasks and "今天到期" in tasks
    assert 'data-section="my_reports"' in html and 'data-section="area"' not in html
