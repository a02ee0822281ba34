"""GB/T 38565-2020《应急物资分类及编码》5.2: a hierarchical code of four levels in seven digits.

Level 1 (大类) is one digit: 1 基本生活保障物资, 2 应急装备及配套物资, 3 工程材料与机械加工设备. Levels 2–4 (中类, 小类,
细类) are two digits each, 01–99, and 99 is the catch-all (收容类目) at every level (spec §6, [V]). The middle-class
list itself was not read [U], so a code is checked for its form, not looked up in a table.
"""

from __future__ import annotations

import re

TOP_CLASSES = {"1": "基本生活保障物资", "2": "应急装备及配套物资", "3": "工程材料与机械加工设备"}
CATCH_ALL = "99"
_FORM = re.compile(r"^\d{7}$")


class StockCodeError(ValueError):
    """A refused code, saying what is wrong in English (the message) and in Chinese (``zh``)."""

    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


def validate_stock_code(code: str) -> str:
    """The code, stripped, when it has the GB/T 38565-2020 form; ``StockCodeError`` naming what is wrong."""
    value = code.strip().replace(" ", "")
    if not _FORM.match(value):
        raise StockCodeError(f"GB/T 38565 code must be 7 digits, got {value[:20]!r}",
                             f"应为 GB/T 38565-2020 的 7 位数字代码，现为“{value[:20]}”")
    if value[0] not in TOP_CLASSES:
        raise StockCodeError(f"GB/T 38565 top class must be 1, 2 or 3, got {value[0]}",
                             "第 1 位（大类）应为 1 基本生活保障物资、2 应急装备及配套物资或 3 工程材料与机械加工设备，"
                             f"现为 {value[0]}")
    for start, name_zh in ((1, "中类"), (3, "小类"), (5, "细类")):
        if value[start:start + 2] == "00":
            raise StockCodeError(f"GB/T 38565 level at digits {start + 1}-{start + 2} must be 01-99, got 00",
                                 f"第 {start + 1}–{start + 2} 位（{name_zh}）应为 01–99，不能为 00")
    return value


def top_class(code: str) -> str:
    """The 大类 name of a valid code."""
    return TOP_CLASSES[code[0]]


def is_catch_all(code: str) -> bool:
    """Whether any level of the code is the 收容类目 (99): such stock is "other", worth a look when reviewing."""
    return any(code[i:i + 2] == CATCH_ALL for i in (1, 3, 5))
