"""In and out of the knowledge library's API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from citysafe.core.bounds import RowId, SaneDate
from citysafe.knowledge.enums import DocumentKind, Grade


class SearchItem(BaseModel):
    id: int  # the index entry
    title: str
    kind: str
    kind_name: str
    snippet: str  # HTML: escaped text with the matched words inside <mark>…</mark>
    article: str | None = None  # 第四十一条, for an article of a law
    article_id: int | None = None
    document_id: int
    issuer: str = ""
    level: str = ""
    industry: str = ""
    grade: str = ""
    date: dt.date | None = None  # a law's version, a case's day
    score: float
    url: str


class SearchPage(BaseModel):
    items: list[SearchItem]
    total: int
    page: int
    size: int
    words: list[str]  # the words the query was cut into
    match: str = "all"  # "any" when no entry holds every word and these hold some of them
    capped: bool = False  # more entries match than the 500 ranked (total says 500): narrow the query


class ArticleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    document_id: int
    number: int
    sub: int
    label: str
    chapter: str
    section: str
    text: str


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    kind: str
    title: str
    issuer: str
    level: str
    version_date: dt.date | None
    source: str
    file_name: str
    industry: str
    grade: str
    occurred_on: dt.date | None
    place: str
    region_code: str
    deaths: int
    injuries: int
    causes: str
    lessons: str
    risk_categories: list[str]
    hazard_ids: list[int]
    incident_ids: list[int]
    updated_at: dt.datetime


class DocumentDetail(DocumentRead):
    history: str
    body: str
    chapters: list[str]
    articles: list[ArticleRead]


class CaseIn(BaseModel):
    """An accident case (事故案例): what happened, why, what to learn, and what it concerns here."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=2, max_length=300)
    industry: str = Field(min_length=1, max_length=60)
    grade: Grade
    occurred_on: SaneDate
    place: str = Field(default="", max_length=200)
    region_code: str = Field(default="", max_length=20, pattern=r"^(\d{6}|\d{9}|\d{12})?$")
    deaths: int = Field(default=0, ge=0, le=100_000)
    injuries: int = Field(default=0, ge=0, le=100_000)
    summary: str = Field(min_length=1, max_length=20_000)
    causes: str = Field(min_length=1, max_length=20_000)
    lessons: str = Field(min_length=1, max_length=20_000)
    source: str = Field(default="", max_length=300)
    # risk categories by code (industrial, crowded, public_facility, natural: risk.enums.Category)
    risk_categories: list[Annotated[str, Field(pattern=r"^[a-z_]{2,40}$")]] = Field(default_factory=list, max_length=20)
    hazard_ids: list[RowId] = Field(default_factory=list, max_length=100)
    incident_ids: list[RowId] = Field(default_factory=list, max_length=100)


class ImportResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    articles: int
    skipped: list[str]  # files that are no law in the corpus format, each with why
    documents: list[int]


class CitationRead(BaseModel):
    text: str  # as cited: 《安全生产法》第四十一条
    title: str  # the law as named in the citation
    article: str  # 第四十一条
    number: int
    document_id: int | None
    article_id: int | None
    url: str | None


class DocumentKindFilter(BaseModel):
    kind: list[DocumentKind] = Field(default_factory=list)
