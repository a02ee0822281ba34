"""The text of an uploaded DOCX (python-docx: paragraphs and table cells in order) or PDF (pypdf: each page's
text layer). A scanned PDF without a text layer, a file of another type or a damaged file is refused with
a message saying so; nothing is stored from it."""

from __future__ import annotations

import io
import zipfile

from citysafe.core.errors import ValidationFailed, field_error

MAX_BYTES = 20 * 1024 * 1024
MAX_PAGES = 2000


def kind_of_file(data: bytes, file_name: str) -> str:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and file_name.lower().endswith(".docx"):
        return "docx"
    raise field_error("file", "only DOCX and PDF files can be imported", "只能导入 DOCX 或 PDF 文件")


def _docx(data: bytes) -> str:
    from docx import Document

    try:
        document = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise field_error("file", "the DOCX file cannot be read", "DOCX 文件已损坏或格式不对，无法读取") from exc
    lines = [p.text.strip() for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text.strip() for cell in row.cells))
    return "\n".join(line for line in lines if line)


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if len(reader.pages) > MAX_PAGES:
            raise field_error("file", f"more than {MAX_PAGES} pages", f"PDF 超过 {MAX_PAGES} 页")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except ValidationFailed:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise field_error("file", "the PDF file cannot be read", "PDF 文件已损坏或已加密，无法读取") from exc
    return "\n".join(page for page in pages if page)


def extract_text(data: bytes, file_name: str) -> str:
    """The text of a DOCX or PDF; ValidationFailed (field ``file``) when there is none to take."""
    if not data:
        raise field_error("file", "the file is empty", "文件是空的")
    if len(data) > MAX_BYTES:
        raise field_error("file", "the file is larger than 20 MB", "文件超过 20 MB")
    text = _pdf(data) if kind_of_file(data, file_name) == "pdf" else _docx(data)
    if not text.strip():
        raise field_error("file", "no text in the file (a scanned PDF needs OCR first)",
                          "文件中没有可提取的文字（扫描件请先做文字识别）")
    return text
