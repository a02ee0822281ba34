"""The knowledge and case library as the public reads it (issue #15 point 5, 安全知识): search over the same index
as the console (``knowledge.service.search_page``: the same words, ranking and highlighted snippets), a document
page, the latest safety knowledge, and the publicity events open to everyone.

What the library holds is published material — laws, regulations, standards, accident cases after the pattern of
published investigation reports, safety knowledge — so every kind is public (``PUBLIC_KINDS``); what an office
keeps beside a document is not, and the projections below leave it out: who entered it, the hazard tickets and
incidents a case is linked to, the file it came from, the division code.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from citysafe.core.errors import NotFound
from citysafe.core.pagination import PageParams
from citysafe.knowledge import service as knowledge
from citysafe.knowledge.enums import KIND_NAMES_ZH, LEVEL_NAMES_ZH, DocumentKind
from citysafe.public.participation import service as participation
from citysafe.public.site.library_schemas import (
    PublicArticle,
    PublicDocument,
    PublicHit,
    PublicListedDocument,
    PublicNotice,
    PublicSearch,
)

PUBLIC_KINDS = tuple(k.value for k in DocumentKind)
PAGE_SIZE = 10  # a phone screen holds about ten results with their snippets
NOTICE_DAYS = 60  # publicity events announced up to two months ahead, as the console's calendar shows a month
DOCUMENTS = "/public/knowledge/documents/"


def public_url(document_id: int, article_number: int | None = None, sub: int = 0) -> str:
    """The public page of a document, at the article's anchor (the console's anchors: art-41, art-20-1)."""
    return knowledge.document_url(document_id, article_number, sub).replace("/knowledge/documents/", DOCUMENTS, 1)


def search(session: Session, *, query: str, kind: str, page: int) -> PublicSearch:
    """The library searched for ``query`` (a problem on ``q`` for an empty or overlong one), one kind or all."""
    kinds = [kind] if kind in PUBLIC_KINDS else list(PUBLIC_KINDS)
    params = PageParams.clamped(page, PAGE_SIZE)
    found = knowledge.search_page(session, query=query, filters=knowledge.Filters(kind=kinds), params=params)
    items = [PublicHit(title=i.title, kind=i.kind, kind_name=i.kind_name, snippet=i.snippet, article=i.article or "",
                       issuer=i.issuer, industry=i.industry, grade=i.grade, day=i.date,
                       url=i.url.replace("/knowledge/documents/", DOCUMENTS, 1))
             for i in found.items if i.kind in PUBLIC_KINDS]
    return PublicSearch(query=query, kind=kind if kind in PUBLIC_KINDS else "", items=items, total=found.total,
                        page=params.page, pages=params.pages(found.total), match=found.match, capped=found.capped)


def document(session: Session, *, document_id: int) -> PublicDocument:
    """One document's public text; 404 for any other id (a kind that is not public reads as absent)."""
    d = knowledge.document_detail(session, document_id=document_id)
    if d.kind not in PUBLIC_KINDS:
        raise NotFound(detail=f"no document {document_id}", detail_zh="没有找到这份资料")
    articles = [PublicArticle(anchor=f"art-{a.number}" + (f"-{a.sub}" if a.sub else ""), label=a.label,
                              chapter=a.chapter, section=a.section, text=a.text) for a in d.articles]
    return PublicDocument(
        id=d.id, kind=d.kind, kind_name=KIND_NAMES_ZH[DocumentKind(d.kind)], title=d.title, issuer=d.issuer,
        level_name=_level_name(d.level), version_date=d.version_date,
        history=d.history, body=d.body, source=d.source, industry=d.industry, grade=d.grade,
        occurred_on=d.occurred_on, place=d.place, deaths=d.deaths, injuries=d.injuries, causes=d.causes,
        lessons=d.lessons, articles=articles)


def _level_name(level: str) -> str:
    return next((name for code, name in LEVEL_NAMES_ZH.items() if code.value == level), "")


def latest(session: Session, *, kind: str, size: int) -> list[PublicListedDocument]:
    """The newest documents of one public kind, for the page before anything is searched."""
    rows, _total = knowledge.list_documents(session, params=PageParams(size=size), kind=[kind])
    return [PublicListedDocument(id=r.id, kind=r.kind, title=r.title, issuer=r.issuer,
                                 day=r.occurred_on or r.version_date, url=public_url(r.id)) for r in rows]


def notices(session: Session, *, now: datetime) -> list[PublicNotice]:
    """Publicity events for the general public (安全宣传, audience 社会公众) from now to ``NOTICE_DAYS`` ahead;
    training for companies and bookings stay on the console."""
    # Those already begun but not ended are still worth announcing: a week-long 安全生产月 exhibition.
    rows = participation.list_events(session, start=now - timedelta(days=NOTICE_DAYS),
                                     end=now + timedelta(days=NOTICE_DAYS), kind="publicity")
    return [PublicNotice(title=e.title, organiser=e.organiser, place=e.place, starts_at=e.starts_at, ends_at=e.ends_at,
                         description=e.description) for e in rows if e.audience == "public" and e.ends_at >= now][:10]
