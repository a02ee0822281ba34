"""Workbooks for the ledger's import tests: the real template, downloaded, with rows filled in."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import load_workbook

GOOD_ROWS: list[list[Any]] = [
    # 发生时间, 区划, 类型, 门类, 死亡, 下落不明, 重伤, 轻伤, 损失（元）, 单位, 信用代码, 经过
    ["2022-03-08 09:15", "320102", "高处坠落", "E", 1, 0, 0, 1, 1_500_000, "南京某建设工程有限公司", "",
     "外墙作业坠落"],
    ["2023-07-21 16:40", "320104002", "中毒和窒息", "制造业", 3, 0, 2, 0, 4_200_000, "秦淮某食品厂", "",
     "污水池清淤中毒"],
    ["2024年1月5日", "320102", "火灾", "H 住宿和餐饮业", 0, 0, 0, 3, 260_000, "玄武某餐馆", "", "后厨油锅起火"],
]
BAD_ROWS: list[list[Any]] = [
    ["2023-02-30", "320102", "物体打击", "E", 0, 0, 0, 1, 1000, "甲", "", "日期不存在"],
    ["2023-04-01", "3201", "物体打击", "E", -1, 0, 0, 1, 1000, "乙", "", "区划与死亡均错"],
    ["2023-05-01", "320102", "物体打击", "E", 0, 0, 0, 1, "50万", "丙", "", "损失带单位"],
    ["2023-06-01", "320102", "物体打击", "农业银行", 0, 0, 0, 1, 1000, "丁", "", "门类未知"],
]


def filled(template: bytes, rows: Sequence[Sequence[Any]]) -> bytes:
    book = load_workbook(io.BytesIO(template))
    sheet = book["事故台账"]
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
