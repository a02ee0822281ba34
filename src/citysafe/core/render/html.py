"""A :class:`~citysafe.core.render.document.Document` as HTML with its images beside it.

The template (``templates/document.html``, package data) carries both the screen and the print CSS (A4,
running header, page numbers, a table of contents with page numbers), so the PDF is this HTML printed.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from citysafe.core.render.document import Document

IMAGE_DIR = "images"
TEMPLATE = "document.html"


class HtmlRenderer:
    """Renders documents with this package's templates.

    The Jinja2 environment (and the templates it compiles and caches) belongs to the instance: make one
    for a job, or keep one on an application context. Nothing is held at module level.
    """

    def __init__(self) -> None:
        self._env = Environment(loader=PackageLoader("citysafe.core.render", "templates"),
                                autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)

    def text(self, doc: Document) -> str:
        return self._env.get_template(TEMPLATE).render(doc=doc, image_dir=IMAGE_DIR)

    def write(self, doc: Document, path: Path) -> Path:
        """The HTML file and its images (``images/`` beside it)."""
        write_images(doc, path.parent)
        path.write_text(self.text(doc), encoding="utf-8")
        return path


def write_images(doc: Document, out_dir: Path) -> list[Path]:
    folder = out_dir / IMAGE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for figure in doc.figures():
        path = folder / figure.name
        path.write_bytes(figure.png)
        paths.append(path)
    return paths


def write_html(doc: Document, path: Path, *, renderer: HtmlRenderer | None = None) -> Path:
    return (renderer or HtmlRenderer()).write(doc, path)
