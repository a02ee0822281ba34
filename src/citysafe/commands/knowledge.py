"""`citysafe knowledge …`: load a folder of Markdown laws (the corpus format; importing again updates, never
duplicates), import a DOCX or PDF, search, and resolve citations. Output is one JSON object; bad input
exits 2 with one line on stderr and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citysafe.commands.support import app_context, emit, fail
from citysafe.core.errors import CitysafeError

app = typer.Typer(help="知识库与案例库：法规导入、文档导入、全文检索、条文引用", no_args_is_help=True)


@app.command("import")
def import_command(
    folder: Annotated[Path | None, typer.Argument(help="a folder of laws as Markdown (default: the shipped corpus)")]
    = None,
) -> None:
    """Load every law of FOLDER with its chapters and articles (README.md aside); print what was created,
    updated, unchanged and skipped."""
    from citysafe.core.db import unit_of_work
    from citysafe.knowledge import service

    chosen = folder or service.CORPUS
    if not chosen.is_dir():
        fail(f"{chosen} is not a folder / {chosen} 不是文件夹")
    ctx = app_context()
    try:
        with unit_of_work(ctx.session_factory, actor="cli") as session:
            result = service.import_laws(session, folder=chosen, actor="cli")
    except CitysafeError as exc:
        fail(exc.detail)
    emit(result.model_dump(exclude={"documents"}) | {"documents": len(result.documents)})


@app.command("import-file")
def import_file_command(
    path: Annotated[Path, typer.Argument(help="a DOCX or PDF file")],
    kind: Annotated[str, typer.Option(help="law | regulation | standard | knowledge")] = "knowledge",
    title: Annotated[str, typer.Option(help="the title (default: the file's name)")] = "",
) -> None:
    """Import a DOCX or PDF with its text extracted."""
    from citysafe.core.db import unit_of_work
    from citysafe.knowledge import service
    from citysafe.knowledge.enums import DocumentKind

    if kind not in ("law", "regulation", "standard", "knowledge"):
        fail(f"--kind must be law, regulation, standard or knowledge; got {kind!r}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror} / 无法读取文件")
    ctx = app_context()
    try:
        with unit_of_work(ctx.session_factory, actor="cli") as session:
            document = service.import_file(session, data=data, file_name=path.name, kind=DocumentKind(kind),
                                           title=title, actor="cli")
            out = {"id": document.id, "title": document.title, "kind": document.kind, "characters": len(document.body)}
    except CitysafeError as exc:
        fail(exc.detail)
    emit(out)


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="the words to search for")],
    kind: Annotated[list[str] | None, typer.Option(help="law | regulation | standard | case | knowledge")] = None,
    size: Annotated[int, typer.Option(min=1, max=100)] = 10,
) -> None:
    """Search the library; print the items best first, as the API answers them."""
    from citysafe.core.pagination import PageParams
    from citysafe.knowledge import service
    from citysafe.knowledge.search import Filters

    kinds = kind or []
    if bad := [k for k in kinds if k not in ("law", "regulation", "standard", "case", "knowledge")]:
        fail(f"--kind: unknown kind {bad[0]!r}")
    ctx = app_context()
    try:
        with ctx.session_factory() as session:
            page = service.search_page(session, query=query, filters=Filters(kind=kinds),
                                       params=PageParams(page=1, size=size))
    except CitysafeError as exc:
        fail(exc.detail)
    emit(page.model_dump(mode="json"))


@app.command("cite")
def cite_command(text: Annotated[str, typer.Argument(help="text citing articles: 《安全生产法》第四十一条")]) -> None:
    """Find the citations in TEXT and the articles they name."""
    from citysafe.knowledge import service

    ctx = app_context()
    with ctx.session_factory() as session:
        found = service.resolve_citations(session, text=text)
    emit({"citations": [c.model_dump() for c in found]})
