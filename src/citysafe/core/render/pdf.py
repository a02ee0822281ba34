"""A :class:`~citysafe.core.render.document.Document` as PDF: its HTML printed by WeasyPrint."""

from __future__ import annotations

from pathlib import Path

from citysafe.core import filekinds
from citysafe.core.render.document import Document
from citysafe.core.render.html import HtmlRenderer, write_images


def write_pdf(doc: Document, path: Path, *, renderer: HtmlRenderer | None = None) -> Path:
    # WeasyPrint takes most of a second to import; imported here, only a process that prints pays for it.
    from weasyprint import HTML

    filekinds.refuse_broken_pixels()  # WeasyPrint's import lets Pillow pass broken pixels, process-wide
    write_images(doc, path.parent)
    html = (renderer or HtmlRenderer()).text(doc)
    HTML(string=html, base_url=str(path.parent)).write_pdf(str(path))
    return path
