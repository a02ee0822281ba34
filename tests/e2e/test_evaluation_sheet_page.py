"""评分与考核 in Chromium: a city office opens its self-evaluation sheet, chooses an item, sees the criteria's words,
the deduction explained and the platform's figures, saves a finding and sees the score recalculated; the page is
kept as a screenshot (artifacts/evaluation-sheet.png)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.conftest import UserFactory
from tests.e2e.e2e_support import login_as
from tests.evaluation.sheet_support import NOW, actor, applicant

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.evaluation.sheets import service
from citysafe.evaluation.sheets.schemas import EvidenceLink, ItemUpdate, Purpose, SheetCreate

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_sheet_page_in_the_browser(ctx: AppContext, live_server: str, browser_page: Any, make_user: UserFactory,
                                   artifacts_dir: Path) -> None:
    make_user("city_office", "320100", username="nanjing", display_name="南京市安委办")
    make_user("province_office", "320000", username="sheng", display_name="江苏省安委办")
    with unit_of_work(ctx.session_factory) as session:
        who = applicant(session)
        sheet = service.create(session, data=SheetCreate(purpose=Purpose.SELF, year=2026, applicant_id=who.id),
                               principal=actor(), now=NOW)
        service.update_item(session, sheet=sheet, item_id="1.1.1", principal=actor(), now=NOW, data=ItemUpdate(
            findings={"a": 1}, responsible_units=["市规划和自然资源局"], supporting_units=["市应急管理局"],
            contact="王工 025-83000000", deadline=NOW.date().replace(month=9, day=30),
            progress="排水防涝专项规划修编中"))
        service.update_item(session, sheet=sheet, item_id="1.1.3", principal=actor(), now=NOW, data=ItemUpdate(
            deduction=Decimal("0.5"), reason="燃气设施安全管理办法未印发", responsible_units=["市城管局"]))
        service.add_file(session, sheet=sheet, item_id="1.1.1", filename="国土空间总体规划批复.pdf", data=PDF, note="",
                         principal=actor(), now=NOW)
        service.add_link(session, sheet=sheet, item_id="1.1.1", principal=actor(), now=NOW, link=EvidenceLink(
            record_type="white_paper", record_id="3", label="南京市城市安全风险白皮书（2025年）",
            url="/risk/whitepaper"))
        row = service.item_row(session, sheet, "1.1.1")
        assert row is not None
        row.facts = [{"key": "plans_filed", "label": "已备案的专项应急预案", "value": 12, "unit": "项",
                      "as_of": "2026-05-31", "records": [{"type": "plan", "id": "4", "label": "南京市防汛防旱应急预案",
                                                          "url": "/emergency/plans/4"}], "note": ""}]
        sheet_id = sheet.id
        for name, found in (("南京市应急管理局", {}), ("南京市住房和城乡建设局", {"2.1.1": {"a": Decimal(3)}}),
                            ("南京市交通运输局", {"2.1.1": {"a": Decimal(3)}, "2.1.2": {"a": 2}})):
            assessed = service.create(session, principal=actor(region="320100"), now=NOW, data=SheetCreate(
                purpose=Purpose.ASSESSMENT, year=2026, subject_name=name))
            for item_id, value in found.items():
                service.update_item(session, sheet=assessed, item_id=item_id, data=ItemUpdate(findings=value),
                                    principal=actor(), now=NOW)
            service.submit(session, sheet=assessed, principal=actor(), now=NOW)
            service.lock(session, sheet=assessed, principal=actor(), now=NOW)
    page = browser_page
    login_as(page, live_server, "nanjing", "correct-horse", f"/evaluation/sheets/{sheet_id}?item=1.1.1")
    assert "每发现一处扣0.5分" in page.inner_text("[data-testid=item-panel]")
    assert "已备案的专项应急预案" in page.inner_text("[data-testid=item-facts]")
    assert page.inner_text("[data-testid=sheet-total]") == "99"
    page.screenshot(path=str(artifacts_dir / "evaluation-sheet.png"), full_page=False)
    page.fill("input[name=rule_a]", "2")
    page.click("[data-testid=item-form] button[type=submit]")
    page.wait_for_selector("[data-testid=flash-ok]")
    assert page.inner_text("[data-testid=sheet-total]") == "98.5"
    page.screenshot(path=str(artifacts_dir / "evaluation-sheet-saved.png"), full_page=True)

    page.goto(f"{live_server}/evaluation/assessment?year=2026")
    assert "南京市交通运输局" in page.inner_text("[data-testid=assessment-overview]")
    page.screenshot(path=str(artifacts_dir / "evaluation-assessment.png"), full_page=True)
    login_as(page, live_server, "sheng", "correct-horse", "/evaluation/criteria")
    page.click("[data-testid=criteria-versions] a >> text=考核")
    page.wait_for_selector("[data-testid=grades-edit]")
    page.screenshot(path=str(artifacts_dir / "evaluation-criteria.png"), full_page=True)
