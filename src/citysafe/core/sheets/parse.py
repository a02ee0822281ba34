"""The part of a workbook read that runs in the worker process: openpyxl, held to the caps row by row.

Imports only the standard library, openpyxl and ``inspect``, so a worker starts quickly and holds nothing of
the server. Cell values come back as plain Python values (str, int, float, bool, datetime, None).
"""

from __future__ import annotations

import io
import resource
import zipfile
import zlib
from collections.abc import Sequence
from typing import Any

from citysafe.core.sheets.inspect import Refused, SheetLimits, too_many

Rows = list[list[Any]]


class Exhausted(Refused):
    """The read ran out of the worker's memory; the worker is replaced (its heap stays grown)."""


def limit_memory(max_bytes: int) -> None:
    """Worker initializer: cap the address space, so a workbook that still expands past every check ends in
    a MemoryError (or the child's death) in the worker, never in the server."""
    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))


def _trimmed(values: Sequence[Any]) -> list[Any]:
    end = len(values)
    while end and values[end - 1] in (None, ""):
        end -= 1
    return list(values[:end])


def _read_sheet(sheet: Any, limits: SheetLimits) -> Rows:
    # The declared extent was checked before; forget it so openpyxl never pads a row to it, and read one row
    # and one column past the caps, so a sheet that holds more is caught here whatever it declared.
    sheet.reset_dimensions()
    rows: Rows = []
    for values in sheet.iter_rows(max_row=limits.max_rows + 2, max_col=limits.max_columns + 1, values_only=True):
        row = _trimmed(values)
        refusal = too_many(len(rows) + 1, len(row), limits)
        if refusal is not None:
            raise refusal
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def read_sheets(data: bytes, names: Sequence[str], first_if_missing: bool, limits: SheetLimits) -> dict[str, Rows]:
    """The rows of the sheets called ``names`` that exist (or of the first sheet when none does and
    ``first_if_missing``), by title."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            titles = [n for n in names if n in book.sheetnames]
            if not titles and first_if_missing and book.sheetnames:
                titles = [book.sheetnames[0]]
            return {title: _read_sheet(book[title], limits) for title in titles}
        finally:
            book.close()
    except Refused:
        raise
    except MemoryError:
        raise Exhausted("the workbook needs more memory than an import may use",
                      "文件过大或结构异常：读取所需内存超过上限，请拆分文件") from None
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise Refused("the workbook is damaged (a part cannot be expanded)",
                      "文件已损坏，无法读取，请重新保存后上传") from None
    except Exception as exc:  # openpyxl raises many kinds (KeyError, ValueError, XML errors) for a broken file
        raise Refused(f"not a readable Excel workbook: {type(exc).__name__}",
                      "文件已损坏或不是有效的 Excel 工作簿，无法读取，请使用导入模板") from None
