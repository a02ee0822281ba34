"""The one way the platform writes user-supplied text into Excel workbooks.

Every export of records (hazard tickets, risk sources) writes its rows as ``sheet.append(safe_row(…))``:

- **No formulas from data.** openpyxl stores a string that starts with ``=`` as a formula, so a ticket
  titled ``=HYPERLINK(…)`` became a live link in the office's export; Excel and LibreOffice also evaluate
  text starting with ``+``, ``-`` or ``@`` (and a leading tab or carriage return) when a cell is edited or
  the file is re-saved as CSV. Such text is written with a leading apostrophe, the OWASP "CSV injection"
  advice, so it shows as text and never runs.
- **No characters a worksheet cannot hold.** XML 1.0 forbids most control characters; openpyxl raises
  ``IllegalCharacterError`` on them, which made the ticket export answer 500 for every office above a
  ticket whose description held ``\\x0b``. They are dropped.

Numbers, dates and booleans pass through unchanged, so sums and filters in Excel keep working.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")


def cell_value(value: Any) -> Any:
    """``value`` as it is safe to put in a cell: text without control characters and never a formula."""
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row of ``cell_value``s (cells built by the caller, e.g. styled ``WriteOnlyCell``s, pass as they are)."""
    return [cell_value(v) for v in values]


def append_table(sheet: Any, headers: Sequence[str], rows: Iterable[Iterable[Any]]) -> None:
    """A plain table on ``sheet``: its header row in bold, then each row as a ``safe_row``."""
    sheet.append(list(headers))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(safe_row(row))


def book_bytes(book: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
