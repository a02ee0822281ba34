"""The public site (公众服务): pages a citizen opens on a phone without an account (issue #15 point 5).

Every page here renders without a principal and reads through ``public.site.service``, which selects only
public fields. The pages may be kept by a browser or a proxy for a minute (``PUBLIC_CACHE``): they show
nothing that depends on who asks, only on the language.
"""

from __future__ import annotations

from typing import Annotated, NamedTuple

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from citysafe.auth.deps import Context, DbSession
from citysafe.core.bounds import RowId
from citysafe.core.errors import CitysafeError
from citysafe.knowledge.service import EXAMPLE_QUERIES, MAX_QUERY
from citysafe.public.site import library, service
from citysafe.public.site.views import PUBLIC_CACHE
from citysafe.web.common import render
from citysafe.web.i18n import N_, translator
from citysafe.web.messages import form_message

router = APIRouter(include_in_schema=False)
HOME = "/public"


class Entry(NamedTuple):
    """A door on the public home page, shown when its page is part of this platform."""

    path: str
    title: str
    text: str


ENTRIES: tuple[Entry, ...] = (
    Entry("/public/reports", N_("随手拍举报"), N_("发现安全隐患，拍照上报，查实有奖")),
    Entry("/public/reports/track", N_("举报进度查询"), N_("凭回执编号查看办理进展")),
    Entry("/public/warnings", N_("预警信息"), N_("正在生效的突发事件预警")),
    Entry("/public/shelters", N_("附近避难场所"), N_("按您的位置查找最近的应急避难场所")),
    Entry("/public/risk", N_("城市安全风险地图"), N_("各区县风险等级（红橙黄蓝）")),
    Entry("/public/knowledge", N_("安全知识"), N_("法律法规、事故案例和安全常识")),
    Entry("/public/evaluation/publicity", N_("示范城市创建公示"), N_("省级安全发展示范城市拟命名名单")),
)


def _public(response: HTMLResponse) -> HTMLResponse:
    response.headers.update(PUBLIC_CACHE)
    return response


@router.get(HOME, response_class=HTMLResponse)
def home(request: Request, db: DbSession, ctx: Context) -> Response:
    available: frozenset[str] = getattr(request.app.state, "page_paths", frozenset())
    entries = [e for e in ENTRIES if e.path in available]
    in_force = service.active_warnings(db, now=ctx.clock.now())
    return _public(render(request, "public/home.html", None, entries=entries, warnings=in_force))


@router.get(HOME + "/risk", response_class=HTMLResponse)
def risk(request: Request, db: DbSession, ctx: Context,
         region: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None) -> Response:
    picks = service.map_regions(db, root=ctx.settings.root_region)
    chosen = region or ctx.settings.root_region
    result = service.district_map(db, settings=ctx.settings, region_code=chosen)
    ordered = sorted(result.districts, key=lambda d: (_RANK.get(d.level, 9), d.name))
    return _public(render(request, "public/risk.html", None, map=result, regions=picks, districts=ordered))


_RANK = {"red": 0, "orange": 1, "yellow": 2, "blue": 3}


@router.get(HOME + "/warnings", response_class=HTMLResponse)
def warnings(request: Request, db: DbSession, ctx: Context) -> Response:
    in_force = service.active_warnings(db, now=ctx.clock.now())
    return _public(render(request, "public/warnings.html", None, warnings=in_force))


@router.get(HOME + "/shelters", response_class=HTMLResponse)
def shelters(request: Request, db: DbSession, ctx: Context,
             lon: Annotated[float | None, Query(ge=73, le=136)] = None,
             lat: Annotated[float | None, Query(ge=3, le=54)] = None,
             region: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None) -> Response:
    near = lon is not None and lat is not None
    found = service.shelters_near(db, lon=lon if near else None, lat=lat if near else None, region_code=region)
    picks = service.map_regions(db, root=ctx.settings.root_region)
    return _public(render(request, "public/shelters.html", None, shelters=found, near=near, regions=picks,
                          region=region or ""))


KNOWLEDGE = HOME + "/knowledge"
# The kinds a citizen may narrow a search to, in the order a citizen looks for them.
KNOWLEDGE_KINDS = {"knowledge": N_("安全知识"), "case": N_("事故案例"), "law": N_("法律"),
                   "regulation": N_("法规规章"), "standard": N_("标准规范")}


@router.get(KNOWLEDGE, response_class=HTMLResponse)
def knowledge(request: Request, db: DbSession, ctx: Context, q: str = "", kind: str = "", page: int = 1) -> Response:
    """安全知识: the laws, cases and safety knowledge searched (highlighted words, the article that matched);
    before a search, the latest safety knowledge and the publicity events open to everyone."""
    query = " ".join(q[:MAX_QUERY * 2].split())  # longer than the limit still, so the search says why
    result, error = None, ""
    if query:
        try:
            result = library.search(db, query=query, kind=kind, page=page)
        except CitysafeError as exc:
            error = form_message(exc, {"q": N_("检索词")}, translator(request))
    tips = [] if query else library.latest(db, kind="knowledge", size=8)
    cases = [] if query else library.latest(db, kind="case", size=5)
    notices = [] if query else library.notices(db, now=ctx.clock.now())
    response = render(request, "public/knowledge.html", None, q=query, kind=kind if kind in KNOWLEDGE_KINDS else "",
                      kinds=KNOWLEDGE_KINDS, result=result, error=error, tips=tips, cases=cases, notices=notices,
                      examples=EXAMPLE_QUERIES)
    if error:
        response.status_code = 422
    return _public(response)


@router.get(KNOWLEDGE + "/documents/{doc_id}", response_class=HTMLResponse)
def knowledge_document(request: Request, db: DbSession, doc_id: RowId) -> Response:
    """A law with its chapters and articles (each with its anchor), a case, or a piece of safety knowledge."""
    found = library.document(db, document_id=doc_id)
    chapters: dict[str, list[object]] = {}
    for article in found.articles:
        chapters.setdefault(article.chapter, []).append(article)
    return _public(render(request, "public/knowledge_document.html", None, d=found, chapters=chapters))
