"""Excel export of a filtered ticket list and its statistics (the workbook offices file with reports)."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.clock import format_local
from citysafe.core.render.xlsx import safe_row
from citysafe.hazards.calc.lifecycle import STATE_NAMES_ZH
from citysafe.hazards.enums import CATEGORY_NAMES_ZH, LEVEL_NAMES_ZH, SOURCE_NAMES_ZH, zh
from citysafe.hazards.tickets.models import HazardTicket
from citysafe.hazards.tickets.queries import filtered
from citysafe.hazards.tickets.reads import is_overdue, region_names
from citysafe.hazards.tickets.schemas import HazardStats, TicketFilter

COLUMNS = ["编号", "隐患标题", "来源", "类别", "等级", "状态", "所在区划", "区划代码", "场所", "地址", "责任单位",
           "责任人", "上报人", "上报时间", "整改期限", "是否逾期", "销号时间", "经度", "纬度"]


def export_workbook(
    session: Session, *, filters: TicketFilter, principal: Principal | None, now: datetime, stats: HazardStats,
    max_rows: int,
) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("隐患清单")
    sheet.append(COLUMNS)
    stmt = (filtered(filters, principal=principal, now=now)
            .order_by(HazardTicket.created_at.desc(), HazardTicket.id.desc()).limit(max_rows + 1))
    written = 0
    names: dict[str, str] = {}
    truncated = False
    for (ticket,) in session.execute(stmt.execution_options(yield_per=2000)):
        if written == max_rows:
            truncated = True
            break
        if ticket.region_code not in names:
            names.update(region_names(session, [ticket.region_code]))
        sheet.append(safe_row([
            ticket.number, ticket.title, zh(SOURCE_NAMES_ZH, ticket.source), zh(CATEGORY_NAMES_ZH, ticket.category),
            zh(LEVEL_NAMES_ZH, ticket.level), zh(STATE_NAMES_ZH, ticket.state), names.get(ticket.region_code, ""),
            ticket.region_code, ticket.place_name, ticket.address, ticket.organization_name, ticket.responsible_name,
            ticket.reporter_name, format_local(ticket.created_at), format_local(ticket.deadline),
            "是" if is_overdue(ticket, now) else "否", format_local(ticket.closed_at), ticket.lon, ticket.lat]))
        written += 1
    _stats_sheet(book, stats, written, truncated)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _stats_sheet(book: Workbook, stats: HazardStats, written: int, truncated: bool) -> None:
    sheet = book.create_sheet("统计")
    bold = Font(bold=True)

    def heading(text: str) -> None:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        sheet.append([cell])

    heading(f"隐患统计（{stats.region_code}，截至 {format_local(stats.as_of)}）")
    for label, value in [("隐患总数", stats.total), ("未销号", stats.open), ("已销号", stats.closed),
                         ("不予立案", stats.dismissed), ("重大隐患（未销号）", stats.major_open),
                         ("逾期未整改", stats.overdue), ("逾期率", stats.overdue_rate),
                         ("按期整改率", stats.closed_on_time_rate), ("平均销号天数", stats.avg_close_days)]:
        sheet.append([label, value])
    if truncated:
        sheet.append(["说明", f"清单仅导出前 {written} 条，请缩小筛选范围后分批导出"])
    for title, rows in [("按等级", stats.by_level), ("按状态", stats.by_state), ("按类别", stats.by_category),
                        ("按来源", stats.by_source)]:
        sheet.append([])
        heading(title)
        for row in rows:
            sheet.append([row.name, row.count])
    sheet.append([])
    heading("按区划")
    sheet.append(["区划代码", "区划", "总数", "未销号", "逾期", "重大隐患（未销号）"])
    for region in stats.by_region:
        sheet.append([region.code, region.name, region.total, region.open, region.overdue, region.major_open])
