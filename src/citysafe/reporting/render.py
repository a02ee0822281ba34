"""Rendering a :class:`~citysafe.reporting.document.Document`: HTML with its images, PDF, DOCX.

The PDF is the HTML printed by WeasyPrint (same template, print CSS: A4, running header, page numbers,
a table of contents with page numbers). The DOCX is built from the same blocks with python-docx.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from citysafe.reporting.document import Document

IMAGE_DIR = "images"
_env = Environment(loader=PackageLoader("citysafe.reporting", "templates"), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)


def write_images(doc: Document, out_dir: Path) -> list[Path]:
    folder = out_dir / IMAGE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for figure in doc.figures():
        path = folder / figure.name
        path.write_bytes(figure.png)
        paths.append(path)
    return paths


def html_text(doc: Document) -> str:
    return _env.get_template("document.html").render(doc=doc, image_dir=IMAGE_DIR)


def write_html(doc: Document, path: Path) -> Path:
    """The HTML file and its images (``images/`` beside it)."""
    write_images(doc, path.parent)
    path.write_text(html_text(doc), encoding="utf-8")
    return path


def write_pdf(doc: Document, path: Path) -> Path:
    from weasyprint import HTML

    write_images(doc, path.parent)
    HTML(string=html_text(doc), base_url=str(path.parent)).write_pdf(str(path))
    return path


def write_docx(doc: Document, path: Path) -> Path:
    from citysafe.reporting.docx_render import build_docx

    build_docx(doc).save(str(path))
    return path
