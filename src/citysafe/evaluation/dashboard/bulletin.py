"""The periodic 通报 of the creation's progress (plan 六（三）: "定期通报进展情况"; 五（五）: "每年上半年通报创建
结果"), written from the same numbers as the dashboard, as DOCX (core.render), and the dashboard's tables as Excel."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from citysafe.core.render.document import Cell, Document
from citysafe.core.render.docx import write_docx
from citysafe.core.render.xlsx import append_table, book_bytes
from citysafe.evaluation.dashboard.schemas import Progress

ISSUER_ZH = "安全生产委员会办公室"


def half_year(day: date) -> str:
    """The period a 通报 written on ``day`` reports on: "2026年上半年" or "2026年下半年"."""
    return f"{day.year}年{'上' if day.month <= 6 else '下'}半年"


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _yes(flag: bool) -> str:
    return "已达到" if flag else "未达到"


def document(data: Progress, *, period: str) -> Document:
    """The 通报 of ``period`` (e.g. "2026年上半年") for ``data``'s region."""
    doc = Document(title=f"关于{data.region_name}省级安全发展示范城市创建工作进展情况的通报", subtitle=period,
                   issuer=f"{data.region_name}{ISSUER_ZH}", date_text=f"{data.as_of:%Y年%m月%d日}".replace("年0", "年")
                   .replace("月0", "月"), layout="notice")
    named = [a for a in data.applicants if a.standing == "named"]
    applying = [a for a in data.applicants if a.standing == "applying"]
    whole = "全市" if data.city_count == 1 else "全省"
    doc.para(f"截至{doc.date_text}，{whole}共有创建对象 {data.objects} 个，已命名省级安全发展示范城市 "
             f"{data.named} 个，占 {_percent(data.named_share)}；正在申报 {len(applying)} 个。"
             "现将创建工作进展情况通报如下。")
    doc.chapter("总体进展")
    doc.para(f"2020 年目标（每个设区市原则上不少于 1 个申报参评城市）：{data.city_count} 个设区市中已有 "
             f"{data.cities_meeting_2020} 个达到，目标{_yes(data.meets_2020)}。")
    needed = f"，尚需新增命名 {data.named_needed_2025} 个" if data.named_needed_2025 else ""
    doc.para(f"2025 年目标（力争三分之一创建对象建成省级安全发展示范城市）：已命名 {data.named} 个，"
             f"占创建对象的 {_percent(data.named_share)}，目标{_yes(data.meets_2025)}{needed}。")
    if data.revocations_pending or data.re_evaluations_due:
        doc.para(f"动态管理：待决定的撤销命名建议 {data.revocations_pending} 件，"
                 f"今年到期须复评的 {data.re_evaluations_due} 个。")
    doc.chapter("各设区市进展排名")
    rows = [[Cell(str(c.rank), align="center"), Cell(c.city_name), Cell(str(c.objects), align="right"),
             Cell(str(c.applied), align="right"), Cell(str(c.named), align="right"),
             Cell(_percent(c.named_share), align="right"), Cell("是" if c.meets_2020 else "否", align="center",
                                                                fill=None if c.meets_2020 else "#fde2e2")]
            for c in data.cities]
    headers = ["排名", "设区市", "创建对象", "已申报", "已命名", "命名占比", "有申报参评城市"]
    doc.table("各设区市创建进展（按命名占比排序）", headers, rows, widths=[1, 3, 2, 2, 2, 2, 3], note=data.basis)
    behind = [c.city_name for c in data.cities if not c.meets_2020]
    if behind:
        doc.para(f"{'、'.join(behind)}尚无申报参评城市，请抓紧组织创建申报。")
    doc.chapter("命名和申报情况")
    if named:
        doc.para("已命名的省级安全发展示范城市：" + "、".join(
            f"{a.name}（{a.named_on:%Y}年命名）" if a.named_on else a.name for a in named) + "。")
    else:
        doc.para("尚无已命名的省级安全发展示范城市。")
    if applying:
        doc.table("正在申报的创建对象", ["设区市", "创建对象", "类别", "当前环节"],
                  [[Cell(a.city_name), Cell(a.name), Cell(a.kind_name), Cell(a.stage or "—")] for a in applying],
                  widths=[2, 3, 2, 4])
    doc.chapter("下一步工作要求")
    doc.bullets(["各设区市要对照《省级安全发展示范城市评价细则》逐项自评，补齐短板弱项，按时完成申报和复核推荐。",
                 "已命名城市要以命名授牌为新起点，持续加强城市安全工作，做好年度动态管理和命名 3 年后的复评准备。",
                 "发生涉及城市安全重特大事故、事件的，将依程序撤销命名并摘牌。"])
    return doc


def docx_bytes(data: Progress, *, period: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="citysafe-ev-bulletin-") as folder:
        return write_docx(document(data, period=period), Path(folder) / "bulletin.docx").read_bytes()


def workbook_bytes(data: Progress) -> bytes:
    """Every table of the dashboard: the cities ranked, and the applicants."""
    book = Workbook()
    cities: Any = book.active
    cities.title = "设区市进展"
    append_table(cities, ["排名", "设区市", "区划代码", "创建对象", "在册", "已申报", "已命名", "命名占比",
                          "2020年目标"],
                 ([c.rank, c.city_name, c.city_code, c.objects, c.registered, c.applied, c.named,
                   round(c.named_share, 4), "达到" if c.meets_2020 else "未达到"] for c in data.cities))
    append_table(book.create_sheet("创建对象"),
                 ["设区市", "创建对象", "类别", "状态", "当前环节", "命名日期", "复评到期"],
                 ([a.city_name, a.name, a.kind_name, a.standing_name, a.stage, a.named_on, a.review_due]
                  for a in data.applicants))
    append_table(book.create_sheet("口径"), ["口径"], [[data.basis]])
    return book_bytes(book)
