"""core.sheets: what a workbook declares is checked before parsing; the parse runs in a worker process held
to a memory limit, a timeout and row/column caps; every refusal is a 422 naming the field."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook
from tests.support import workbooks

from citysafe.core.config import Settings
from citysafe.core.errors import ValidationFailed
from citysafe.core.sheets.inspect import Refused, declared_extent, inspect_xlsx
from citysafe.core.sheets.reader import SheetReader, limits_of


def _settings(**overrides: object) -> Settings:
    return Settings(data_dir=Path("unused"), **overrides)  # type: ignore[arg-type]


@pytest.fixture
def reader() -> Iterator[SheetReader]:
    made = SheetReader(_settings(sheet_workers=1))
    yield made
    made.close()


def _refusal(reader: SheetReader, data: bytes) -> str:
    with pytest.raises(ValidationFailed) as caught:
        reader.read(data, sheets=("风险源",), first_if_missing=True, field="upload")
    assert [f.field for f in caught.value.fields] == ["upload"]
    return caught.value.detail_zh


def test_a_filled_workbook_comes_back_as_plain_rows(reader: SheetReader) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "风险源"
    sheet.append(["名称", "数量", None])
    sheet.append(["液氯储罐", 25, None])
    out = io.BytesIO()
    book.save(out)
    assert reader.read(out.getvalue(), sheets=("风险源", "其他")) == {"风险源": [["名称", "数量"], ["液氯储罐", 25]]}


def test_the_declared_dimension_is_read_from_the_first_bytes() -> None:
    assert declared_extent(b'<worksheet><dimension ref="A1:XFD1048576"/>') == (1048576, 16384)
    assert declared_extent(b'<x:dimension ref="B2:D11"/>') == (10, 3)
    assert declared_extent(b'<dimension ref="A1"/>') == (1, 1)
    assert declared_extent(b"<sheetData>") is None


@pytest.mark.parametrize(("data", "says"), [
    (workbooks.bomb(20_000_000), "压缩炸弹"),
    (workbooks.huge_dimension(), "1048576 行"),
    (workbooks.NOT_A_ZIP, "不是有效的 Excel"),
])
def test_inspection_refuses_before_any_parser(data: bytes, says: str) -> None:
    with pytest.raises(Refused) as caught:
        inspect_xlsx(data, limits_of(_settings()))
    assert says in caught.value.message_zh


def test_encrypted_and_oversized_parts_are_refused() -> None:
    limits = limits_of(_settings(sheet_max_expanded_bytes=1_000_000))
    with pytest.raises(Refused, match="expands to"):
        inspect_xlsx(workbooks.many_rows(50_000), limits)
    marked = bytearray(workbooks.many_rows(10))
    at = marked.find(b"PK\x01\x02")  # a central-directory entry; its flags are 8 bytes in
    while at != -1:
        marked[at + 8] |= 0x1  # "encrypted", as an encrypting writer marks it
        at = marked.find(b"PK\x01\x02", at + 1)
    with pytest.raises(Refused, match="encrypted"):
        inspect_xlsx(bytes(marked), limits)


def test_caps_hold_while_reading_a_sheet_that_declares_nothing(reader: SheetReader) -> None:
    small = SheetReader(_settings(sheet_workers=1, sheet_max_rows=100))
    try:
        assert "最多 100 行" in _refusal(small, workbooks.many_rows(500))
    finally:
        small.close()
    assert "65 列" in _refusal(reader, workbooks.wide_row(300))


def test_a_worker_past_its_memory_limit_is_a_422_and_the_next_read_works() -> None:
    """The last line of defence, so every other cap is opened wide: 40,000 cells of 1,000 Chinese characters
    need about 80 MB once parsed, past 300 MB of address space with the interpreter and openpyxl loaded
    (about 215 MB)."""
    starved = SheetReader(_settings(sheet_workers=1, sheet_worker_memory_bytes=300 * 1024 * 1024,
                                    sheet_max_ratio=10**6, sheet_max_expanded_bytes=2**40, sheet_max_rows=10**6))
    try:
        assert "读取所需内存超过上限" in _refusal(starved, workbooks.long_strings(40_000))
        assert starved.read(workbooks.many_rows(3), sheets=(), first_if_missing=True)
    finally:
        starved.close()


def test_a_read_past_its_time_is_a_422() -> None:
    hurried = SheetReader(_settings(sheet_workers=1, sheet_worker_timeout_seconds=0.05))
    try:
        assert "读取超过 0.05 秒" in _refusal(hurried, workbooks.many_rows(45_000))
    finally:
        hurried.close()
