"""Exports of a sheet: the Excel workbook in the usual column layout, and the report as DOCX and PDF (the text
read back from each file)."""

from __future__ import annotations

import io
import subprocess

import docx
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from tests.conftest import UserFactory
from tests.evaluation.sheet_support import NOW, actor, applicant, self_sheet

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.evaluation.sheets import export, report, scoring, service
from citysafe.evaluation.sheets.schemas import EvidenceLink, ItemUpdate, SheetDetail

HEADER = ["一级项", "二级项", "三级项", "评价内容", "扣分标准", "扣分", "得分", "证明材料", "责任单位",
          "完成时限和进度", "不适用原因说明"]


def _filled(ctx: AppContext) -> SheetDetail:
    with unit_of_work(ctx.session_factory) as session:
        sheet = self_sheet(session, applicant(session))
        service.update_item(session, sheet=sheet, item_id="1.1.1", principal=actor(), now=NOW,
                            data=ItemUpdate(findings={"a": 2}, responsible_units=["市自然资源和规划局"],
                                            supporting_units=["市应急局"], progress="正在修编",
                                            deadline=NOW.date().replace(month=12, day=31)))
        service.update_item(session, sheet=sheet, item_id="2.2.4", principal=actor(), now=NOW,
                            data=ItemUpdate(not_applicable=True, na_reason="辖区无危险化学品企业"))
        service.add_link(session, sheet=sheet, item_id="1.1.1", principal=actor(), now=NOW,
                         link=EvidenceLink(record_type="plan", record_id="7", label="国土空间总体规划",
                                           url="/emergency/plans/7"))
        return scoring.detail(session, sheet)


def test_excel_columns_and_rows(ctx: AppContext) -> None:
    detail = _filled(ctx)
    book = load_workbook(io.BytesIO(export.workbook_bytes(detail)))
    ws = book["评分表"]
    assert [c.value for c in ws[1]] == HEADER
    rows = {r[2]: r for r in ws.iter_rows(min_row=2, values_only=True) if r[2]}
    first = rows["(1)专项规划"]
    assert first[0] == "一、源头治理" and first[1] == "1.规划"
    assert first[4] == "每发现一处扣0.5分，2分扣完为止" and first[5].startswith("1（") and first[6] == 1
    assert "国土空间总体规划" in first[7] and first[8] == "市自然资源和规划局（配合：市应急局）"
    assert first[9] == "2026年12月31日前；正在修编"
    assert rows["(4)危化品"][6] == "不适用" and rows["(4)危化品"][10] == "辖区无危险化学品企业"
    assert "A2:A4" in {str(r) for r in ws.merged_cells.ranges}  # 一级项 merged over its three items
    labels = {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True) if r[0] in ("总分", "适用项分值")}
    assert labels == {"总分": 8.33, "适用项分值": 6}  # 5 of 6 applicable points, rescaled to 10


def test_report_docx_and_pdf_hold_the_scores(ctx: AppContext) -> None:
    detail = _filled(ctx)
    document = docx.Document(io.BytesIO(report.render(detail, "docx")))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "南京市安全发展示范城市创建自评报告（2026年）" in text
    assert "每发现一处扣0.5分，2分扣完为止：发现 2 处，扣1分" in text and "辖区无危险化学品企业" in text
    assert "市自然资源和规划局" in text
    pdf = report.render(detail, "pdf")
    assert pdf.startswith(b"%PDF-")
    read = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    assert "自评报告" in read.decode() and "辖区无危险化学品企业" in read.decode()


def test_export_routes(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    headers = make_user("city_office", "320100")
    sheet_id = _filled(ctx).id
    xlsx = client.get(f"/api/v1/evaluation/sheets/{sheet_id}/export.xlsx", headers=headers)
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert "filename*=UTF-8''" in xlsx.headers["content-disposition"]
    word = client.get(f"/api/v1/evaluation/sheets/{sheet_id}/report.docx", headers=headers)
    assert word.status_code == 200 and word.content.startswith(b"PK")
    assert client.get(f"/api/v1/evaluation/sheets/{sheet_id}/report.odt", headers=headers).status_code == 404
