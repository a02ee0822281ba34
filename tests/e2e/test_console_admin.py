"""Organisations, accounts and the audit log in Chromium (issue #11 point 7): an admin registers a unit (a credit
code with a wrong check character is refused at its field, nothing typed is lost), corrects and edits it, creates
an account for it, changes that account's role, and reads those acts in the audit log filtered by the account and
by the admin, then exports them. Screenshots are kept in artifacts/."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from tests.e2e.e2e_support import login_as

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.validators import uscc_check_char

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"
BODY = "91320102MA1MXXQ01"  # the first 17 characters of a credit code; the 18th is its check character
GOOD_USCC = BODY + uscc_check_char(BODY)
BAD_USCC = BODY + ("A" if GOOD_USCC[-1] != "A" else "B")


def test_admin_registers_a_unit_gives_it_an_account_and_reads_the_log(
        ctx: AppContext, live_server: str, browser_page: Any, artifacts_dir: Path) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        auth_service.create_user(session, user_in=UserCreate(
            username="sheng", password=PASSWORD, role="admin", region_code="320000", display_name="省平台管理员"))
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    login_as(page, live_server, "sheng", PASSWORD, "/")
    page.locator("nav.mainnav a", has_text="单位管理").click()
    page.click("[data-testid=org-new]")

    # 1. a credit code with a wrong check character: refused at its field, in Chinese, the form kept
    form = page.locator("[data-testid=org-form]")
    form.locator("[name=name]").fill("南京玄武示范商贸有限公司")
    form.locator("[name=kind]").select_option(label="企业")
    form.locator("[name=uscc]").fill(BAD_USCC)
    form.locator("[name=region_code]").select_option(label="玄武区")
    form.locator("[name=sector]").fill("商贸")
    form.locator("[name=address]").fill("玄武区中山路 18 号")
    page.wait_for_timeout(300)  # the division's outline loads and the map settles
    page.locator("#org-map").click(position={"x": 320, "y": 150})
    assert form.locator("[name=lon]").input_value().startswith("118.")
    page.screenshot(path=str(artifacts_dir / "admin-0-org-form-place.png"), full_page=True)
    form.locator("[name=contact_name_0]").fill("周安全")
    form.locator("[name=contact_role_0]").fill("安全负责人")
    form.locator("[name=contact_phone_0]").fill("025-84561234")
    page.click("[data-testid=org-save]")
    message = page.locator("[data-testid=uscc-error]").inner_text()
    assert "校验位不符" in message and GOOD_USCC[-1] in message, message
    assert "统一社会信用代码" in page.locator("[data-testid=flash-error]").inner_text()
    assert "field-error" in (form.locator("[name=uscc]").get_attribute("class") or "")
    assert form.locator("[name=name]").input_value() == "南京玄武示范商贸有限公司"
    assert form.locator("[name=contact_phone_0]").input_value() == "025-84561234"
    assert form.locator("[name=lon]").input_value().startswith("118.")
    page.screenshot(path=str(artifacts_dir / "admin-1-org-bad-credit-code.png"), full_page=True)

    # 2. corrected, it is registered; then the address is edited
    form.locator("[name=uscc]").fill(GOOD_USCC)
    page.click("[data-testid=org-save]")
    page.wait_for_selector("[data-testid=flash-ok]")
    assert "已登记单位" in page.locator("[data-testid=flash-ok]").inner_text()
    org_path = page.url.split("?", 1)[0].removeprefix(live_server)
    page.click("[data-testid=org-edit]")
    page.locator("[data-testid=org-form] [name=address]").fill("玄武区中山路 20 号")
    page.click("[data-testid=org-save]")
    page.wait_for_selector("[data-testid=flash-ok]")
    details = page.locator("[data-testid=org-details]").inner_text()
    assert "中山路 20 号" in details and "玄武区" in details and GOOD_USCC in details

    # 3. an account for the unit, opened from the unit's page with the unit chosen
    page.click("[data-testid=org-add-user]")
    create = page.locator("[data-testid=user-create]")
    assert create.locator("[name=organization_id] option:checked").inner_text() == "南京玄武示范商贸有限公司"
    create.locator("[name=username]").fill("shangmao01")
    create.locator("[name=display_name]").fill("商贸公司钱经理")
    create.locator("[name=password]").fill("shangmao-pass-1")
    create.get_by_role("button", name="创建").click()
    page.wait_for_selector("p.ok")
    assert "已创建账号 shangmao01" in page.locator("p.ok").inner_text()
    page.goto(f"{live_server}{org_path}")
    assert "商贸公司钱经理" in page.locator("[data-testid=org-users]").inner_text()
    page.screenshot(path=str(artifacts_dir / "admin-2-org-page.png"), full_page=True)

    # 4. the account's role changes: from the unit's account to a department's
    page.locator("[data-testid=org-users] a", has_text="shangmao01").click()
    edit = page.locator("[data-testid=user-edit]")
    edit.locator("[name=role]").select_option(label="行业部门")
    edit.locator("[name=organization_id]").select_option(value="")
    page.click("[data-testid=user-save]")
    page.wait_for_selector("[data-testid=flash-ok]")
    assert page.locator("[data-testid=user-role]").inner_text() == "行业部门"
    page.screenshot(path=str(artifacts_dir / "admin-3-user-role-changed.png"), full_page=True)

    # 5. the log of this account: its creation and its change of role, in words
    page.click("[data-testid=user-audit-record]")
    log = page.locator("[data-testid=audit]").inner_text()
    assert "新建" in log and "修改" in log and "省平台管理员" in log
    assert "企业/联网单位" in log and "行业部门" in log and "商贸公司钱经理" in log
    # 6. everything the admin did: the unit registered and edited, the account created and changed
    page.goto(f"{live_server}/audit")
    filters = page.locator("[data-testid=audit-filters]")
    filters.locator("[name=actor]").fill("sheng")
    filters.get_by_role("button", name="查询").click()
    page.wait_for_url("**actor=sheng*")
    rows = page.locator("[data-testid=audit] tbody tr").all_inner_texts()
    assert any("单位" in r and "新建" in r for r in rows) and any("地址" in r and "中山路 20 号" in r for r in rows)
    assert any("账号" in r and "修改" in r and "行业部门" in r for r in rows)
    assert "sheng" in page.url  # the filters are in the URL: the page can be bookmarked and shared
    page.screenshot(path=str(artifacts_dir / "admin-4-audit-by-actor.png"), full_page=True)
    export = page.request.get(live_server + page.locator("[data-testid=audit-export]").get_attribute("href"))
    assert export.ok
    sheet = load_workbook(BytesIO(export.body())).active
    assert sheet is not None
    cells = [" ".join(str(c) for c in row if c is not None) for row in sheet.iter_rows(values_only=True)]
    assert cells[0].startswith("时间") and any("行业部门" in c for c in cells[1:])

    # 7. the role reference names what each role may do
    page.goto(f"{live_server}/users/roles")
    matrix = page.locator("[data-testid=role-matrix]")
    grid_column = [row.split("\t") for row in matrix.locator("tbody tr").all_inner_texts()]
    header = matrix.locator("thead th").all_inner_texts()
    column = header.index("网格员")
    assert {row[0] for row in grid_column if row[column] == "✓"} == {"查看单位信息", "上报隐患"}
    district = page.locator("[data-testid=roles] tbody tr").nth(3).inner_text()
    assert district.startswith("区县安委办")
    assert district.endswith("行业部门、消防救援、监控中心值班员、企业/联网单位、网格员、公众")
    page.screenshot(path=str(artifacts_dir / "admin-5-roles.png"), full_page=True)
