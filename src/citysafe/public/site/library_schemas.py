"""What the public knowledge pages show of the library: the text of laws, standards, published accident cases and
safety knowledge, and nothing an office keeps beside them (who entered a case, the hazard tickets and incidents it
is linked to, the file it was imported from, the division code)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class PublicHit(BaseModel):
    title: str
    kind: str
    kind_name: str
    snippet: str  # HTML: escaped text, the matched words inside <mark>…</mark> (knowledge.search)
    article: str  # 第四十一条 for an article of a law, else ""
    issuer: str
    industry: str
    grade: str
    day: date | None
    url: str  # the public page of the document, at the article


class PublicSearch(BaseModel):
    query: str
    kind: str
    items: list[PublicHit]
    total: int
    page: int
    pages: int
    match: str  # "all", or "any" when no entry holds every word
    capped: bool


class PublicArticle(BaseModel):
    anchor: str  # art-41, art-20-1: the same anchors as the console's page
    label: str
    chapter: str
    section: str
    text: str


class PublicDocument(BaseModel):
    id: int
    kind: str
    kind_name: str
    title: str
    issuer: str
    level_name: str
    version_date: date | None
    history: str
    body: str
    source: str
    # an accident case
    industry: str
    grade: str
    occurred_on: date | None
    place: str
    deaths: int
    injuries: int
    causes: str
    lessons: str
    articles: list[PublicArticle]


class PublicListedDocument(BaseModel):
    id: int
    kind: str
    title: str
    issuer: str
    day: date | None
    url: str


class PublicNotice(BaseModel):
    """A publicity event open to the public (安全宣传活动), as the knowledge page announces it."""

    title: str
    organiser: str
    place: str
    starts_at: datetime
    ends_at: datetime
    description: str
