"""Console pages of the knowledge and case library (知识库): search with filters and highlighted matches, a law
with its chapters and articles (each with an anchor), an accident case, and the ``cite_laws`` filter that
turns 《安全生产法》第四十一条 in any text the console shows (a hazard ticket, an enforcement record, a checklist
item) into a link to the article. All call knowledge.service, as the API does."""

from __future__ import annotations

import re
from datetime import date
from types import MappingProxyType
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape

from citysafe.auth.deps import DbSession
from citysafe.core.bounds import RowId
from citysafe.core.errors import CitysafeError
from citysafe.core.pagination import PageParams
from citysafe.knowledge import service
from citysafe.knowledge.citations import find_citations
from citysafe.knowledge.enums import DocumentKind, Grade
from citysafe.knowledge.search import Filters
from citysafe.risk.enums import CATEGORIES
from citysafe.web.common import TEMPLATES, page_principal, render
from citysafe.web.i18n import N_

router = APIRouter(include_in_schema=False)

KIND_CHOICES = MappingProxyType({
    "law": N_("法律"), "regulation": N_("法规规章"), "standard": N_("标准规范"), "case": N_("事故案例"),
    "knowledge": N_("安全知识")})
LEVEL_CHOICES = MappingProxyType({"national": N_("国家"), "provincial": N_("省级"), "municipal": N_("市级")})
GRADE_CHOICES = tuple(g.value for g in Grade)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def cite_laws(value: object) -> Markup:
    """``{{ text|cite_laws }}``: the text, escaped and marked as Chinese data, each 《…》第…条 in it a link to the
    article (resolved when followed, /knowledge/cite)."""
    text = "" if value is None else str(value)
    out, at = [], 0
    for c in find_citations(text):
        out.append(escape(text[at:c.start]))
        out.append(Markup('<a class="cite" href="/knowledge/cite?ref={}">{}</a>').format(quote(c.text), c.text))
        at = c.end
    out.append(escape(text[at:]))
    return Markup('<span lang="zh">') + Markup("").join(out) + Markup("</span>")


TEMPLATES.env.filters["cite_laws"] = cite_laws


def _day(value: str) -> date | None:
    if not _DAY.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@router.get("/knowledge")
def search_page(request: Request, db: DbSession, q: str = "", kind: str = "", level: str = "", industry: str = "",
                grade: str = "", since: str = "", until: str = "", page: int = 1) -> Response:
    principal = page_principal(request, db)
    f = {"q": q.strip()[:service.MAX_QUERY], "kind": kind if kind in KIND_CHOICES else "",
         "level": level if level in LEVEL_CHOICES else "", "industry": industry[:60],
         "grade": grade if grade in GRADE_CHOICES else "", "since": since if _day(since) else "",
         "until": until if _day(until) else ""}
    params = PageParams.clamped(page, 10)
    result, error = None, ""
    if f["q"]:
        filters = Filters(kind=[f["kind"]] if f["kind"] else [], level=f["level"] or None,
                          industry=f["industry"] or None, grade=f["grade"] or None, since=_day(f["since"]),
                          until=_day(f["until"]))
        try:
            result = service.search_page(db, query=f["q"], filters=filters, params=params)
        except CitysafeError as exc:
            error = exc.detail_zh or exc.detail
    counts = service.counts_by_kind(db)
    laws, _total = service.list_documents(db, params=PageParams(size=12), kind=["law"], level="national")
    cases, _total = service.list_documents(db, params=PageParams(size=8), kind=["case"])
    query = urlencode({k: v for k, v in f.items() if v})
    return render(request, "knowledge/search.html", principal, f=f, result=result, error=error,
                  kind_choices=KIND_CHOICES, level_choices=LEVEL_CHOICES, grade_choices=GRADE_CHOICES,
                  industries=service.industries(db), counts=counts, laws=laws, cases=cases,
                  examples=service.EXAMPLE_QUERIES,
                  page=params.page, pages=params.pages(result.total) if result else 1, paging_query=query)


@router.get("/knowledge/documents/{doc_id}")
def document_page(request: Request, doc_id: RowId, db: DbSession) -> Response:
    principal = page_principal(request, db)
    document = service.document_detail(db, document_id=doc_id)
    by_chapter: dict[str, list[object]] = {}
    for article in document.articles:
        by_chapter.setdefault(article.chapter, []).append(article)
    template = "knowledge/case.html" if document.kind == DocumentKind.CASE.value else "knowledge/document.html"
    return render(request, template, principal, d=document, by_chapter=by_chapter,
                  kind_name=KIND_CHOICES.get(document.kind, ""), level_name=LEVEL_CHOICES.get(document.level, ""),
                  category_names={c.value: name for c, name in CATEGORIES.items()})


@router.get("/knowledge/cite")
def cite(request: Request, db: DbSession, ref: str = "") -> Response:
    """Follow a citation: to its article when the library has it, else to a search for it."""
    page_principal(request, db)
    found = service.resolve_citations(db, text=ref[:300])
    if found and found[0].url:
        return RedirectResponse(found[0].url, status_code=303)
    words = f"{found[0].title} {found[0].article}" if found else ref[:100]
    return RedirectResponse("/knowledge?" + urlencode({"q": words}) if words.strip() else "/knowledge",
                            status_code=303)
