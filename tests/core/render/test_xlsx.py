"""One Excel writer: user text never becomes a formula and never holds a character a worksheet refuses."""

from __future__ import annotations

import io
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from citysafe.core.render.xlsx import FORMULA_TRIGGERS, cell_value, safe_row


@given(st.text())
def test_any_text_is_stored_as_text(text: str) -> None:
    value = cell_value(text)
    assert isinstance(value, str)
    assert not value.startswith(FORMULA_TRIGGERS)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([value])  # openpyxl raises IllegalCharacterError on what a worksheet cannot hold
    buffer = io.BytesIO()
    book.save(buffer)
    cell = load_workbook(buffer)["Sheet"]["A1"]
    assert cell.data_type == "s" or (value == "" and cell.value is None)


def test_formulas_become_visible_text_and_control_characters_go() -> None:
    assert cell_value('=HYPERLINK("http://evil.example","点此")') == '\'=HYPERLINK("http://evil.example","点此")'
    assert cell_value("@SUM(A1)") == "'@SUM(A1)" and cell_value("-2+3") == "'-2+3" and cell_value("+86") == "'+86"
    assert cell_value("通道\x0b堵塞\x00") == "通道堵塞"
    assert cell_value("消防通道堵塞 = 严重") == "消防通道堵塞 = 严重"


def test_numbers_dates_and_empty_cells_pass_as_they_are() -> None:
    when = datetime(2026, 12, 6, 8, 0)
    assert safe_row([-3, 2.5, when, None, True, ""]) == [-3, 2.5, when, None, True, ""]
