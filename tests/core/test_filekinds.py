"""File kinds judged by content: an XLSX is known by its zip directory (read, never extracted), accepted only
where a domain lists it; the shared kinds of the other domains are unchanged and still refuse it."""

from __future__ import annotations

import io
import zipfile

import pytest

from citysafe.core.errors import ValidationFailed
from citysafe.core.filekinds import (
    DOC,
    DOCUMENT_KINDS,
    DOCX,
    EVIDENCE_KINDS,
    IMAGE_KINDS,
    JPEG,
    PDF,
    PNG,
    WEBP,
    XLSX,
    accepted,
    sniff,
)


def office_zip(*names: str, padding: int = 0) -> bytes:
    out = io.BytesIO()
    # Stored, not deflated, when padded: the file is then really longer than a probe of its start.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED if padding else zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, "<x/>" + " " * padding)
    return out.getvalue()


XLSX_BYTES = office_zip("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml")
DOCX_BYTES = office_zip("[Content_Types].xml", "_rels/.rels", "word/document.xml")


def test_xlsx_is_known_by_its_zip_directory() -> None:
    assert sniff(XLSX_BYTES) == XLSX
    assert sniff(DOCX_BYTES) == DOCX
    big = office_zip("word/document.xml", "[Content_Types].xml", padding=200_000)
    assert sniff(big[:65536]) == DOCX  # only the start of a file (a caller's probe): known by its word/ part
    assert sniff(office_zip("[Content_Types].xml", "ppt/presentation.xml")) is None  # a PPTX
    assert sniff(office_zip("xl/workbook.xml")) is None  # no [Content_Types].xml: not an office file
    assert sniff(office_zip("a.txt", "b.txt")) is None
    assert sniff(b"PK\x03\x04" + b"xl/workbook.xml" * 4) is None  # not a readable zip
    many = office_zip("[Content_Types].xml", "xl/workbook.xml", *(f"x/{i}" for i in range(2001)))
    assert sniff(many) is None  # the directory is too long to be read
    assert accepted(XLSX_BYTES, field="file", max_bytes=10**6, kinds=(PDF, XLSX)) == XLSX


@pytest.mark.parametrize("kinds", [IMAGE_KINDS, EVIDENCE_KINDS, DOCUMENT_KINDS])
def test_other_domains_kinds_are_unchanged_and_refuse_xlsx(kinds: tuple[object, ...]) -> None:
    assert {IMAGE_KINDS: (JPEG, PNG, WEBP), EVIDENCE_KINDS: (JPEG, PNG, WEBP, PDF),
            DOCUMENT_KINDS: (PDF, DOCX, DOC)}[kinds] == kinds  # type: ignore[index]
    with pytest.raises(ValidationFailed) as refused:
        accepted(XLSX_BYTES, field="file", max_bytes=10**6, kinds=kinds)  # type: ignore[arg-type]
    assert refused.value.fields[0].field == "file"
    if DOCX in kinds:
        assert accepted(DOCX_BYTES, field="file", max_bytes=10**6, kinds=kinds) == DOCX  # type: ignore[arg-type]
