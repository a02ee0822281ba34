"""The knowledge and case library: laws imported from the corpus format with their chapters and articles,
accident cases, documents from DOCX and PDF, search (knowledge/search.py) and citations resolved to
articles. Keyword-only functions taking a session; they never commit.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session, selectinload

from citysafe.core.errors import field_error, not_found
from citysafe.core.pagination import PageParams, paginate
from citysafe.knowledge import search as index
from citysafe.knowledge.citations import find_citations, title_variants
from citysafe.knowledge.enums import KIND_NAMES_ZH, DocumentKind
from citysafe.knowledge.extract import extract_text
from citysafe.knowledge.lawtext import LawTextError, ParsedLaw, article_label, parse_law
from citysafe.knowledge.models import KnowledgeArticle, KnowledgeDocument
from citysafe.knowledge.schemas import (
    ArticleRead,
    CaseIn,
    CitationRead,
    DocumentDetail,
    DocumentRead,
    ImportResult,
    SearchItem,
    SearchPage,
)
from citysafe.knowledge.search import (
    Filters as Filters,  # what search_page takes, for other domains (public knowledge pages)
)

CORPUS = Path(__file__).parent / "corpus" / "laws"
CORPUS_SOURCE = "LawRefBook/Laws 2f4c5c23716267af9dbebbbbd6cbbf732b101981（国家法律法规数据库）"
MAX_QUERY = 200
# What the search page offers to try: the questions a safety office asks the library most.
EXAMPLE_QUERIES = ("有限空间作业 中毒", "动火作业审批", "疏散通道 堵塞", "液化石油气 泄漏", "重大事故隐患",
                   "特种设备 检验")


def document_url(document_id: int, article_number: int | None = None, sub: int = 0) -> str:
    url = f"/knowledge/documents/{document_id}"
    return url + (f"#art-{article_number}" + (f"-{sub}" if sub else "") if article_number else "")


# --- laws -------------------------------------------------------------------------------------------


def _entry(document: KnowledgeDocument, text: str, *, article: KnowledgeArticle | None = None) -> dict[str, object]:
    return {"document_id": document.id, "article_id": article.id if article else None, "kind": document.kind,
            "title": document.title, "article": article.label if article else "", "issuer": document.issuer,
            "level": document.level, "industry": document.industry, "grade": document.grade,
            "day": document.version_date or document.occurred_on, "text": text}


def _reindex(session: Session, document: KnowledgeDocument, articles: Sequence[KnowledgeArticle],
             pending: Counter[str] | None = None) -> None:
    index.remove_entries(session, document_id=document.id, pending=pending)
    if articles:
        index.add_entries(session, [_entry(document, a.text, article=a) for a in articles], pending=pending)
    else:
        text = "\n".join(part for part in (document.body, document.causes, document.lessons) if part)
        index.add_entries(session, [_entry(document, text or document.title)], pending=pending)


def _fingerprint(law: ParsedLaw) -> str:
    digest = hashlib.sha256(law.history.encode())
    for a in law.articles:
        digest.update(f"\x00{a.label}\x00{a.chapter}\x00{a.section}\x00{a.text}".encode())
    return digest.hexdigest()


def save_law(session: Session, *, law: ParsedLaw, file_name: str = "", source: str = "", actor: str = "",
             pending: Counter[str] | None = None) -> tuple[KnowledgeDocument, str]:
    """Create or update the document of ``law`` by its key (title and version date); returns it and
    ``created``, ``updated`` or ``unchanged`` (the same text again rewrites nothing). With ``pending``, the
    search statistics are collected there for ``index.apply_counts``."""
    document = session.scalar(select(KnowledgeDocument).where(KnowledgeDocument.key == law.key))
    fingerprint = _fingerprint(law)
    if document is not None and document.source.endswith(f"#{fingerprint[:16]}"):
        return document, "unchanged"
    status = "created" if document is None else "updated"
    if document is None:
        document = KnowledgeDocument(key=law.key, created_by=actor)
        session.add(document)
    document.kind, document.title, document.issuer, document.level = law.kind, law.title, law.issuer, law.level
    document.version_date, document.history, document.body = law.version_date, law.history, law.preamble
    document.file_name, document.source = file_name[:300], f"{source[:260]}#{fingerprint[:16]}"
    session.flush()
    # the entries first, their words out of the statistics: deleting the articles would cascade to them unseen
    index.remove_entries(session, document_id=document.id, pending=pending)
    session.execute(delete(KnowledgeArticle).where(KnowledgeArticle.document_id == document.id))
    session.execute(insert(KnowledgeArticle), [
        {"document_id": document.id, "number": a.number, "sub": a.sub, "label": a.label, "chapter": a.chapter,
         "section": a.section, "position": i, "text": a.text} for i, a in enumerate(law.articles)])
    articles = list(session.scalars(select(KnowledgeArticle).where(KnowledgeArticle.document_id == document.id)
                                    .order_by(KnowledgeArticle.position)))
    _reindex(session, document, articles, pending)
    return document, status


def import_laws(session: Session, *, folder: Path, actor: str = "") -> ImportResult:
    """Every ``*.md`` law of ``folder`` (README.md aside); a file that is no law is listed as skipped."""
    if not folder.is_dir():
        raise field_error("folder", f"{folder} is not a folder", f"{folder} 不是文件夹")
    result = ImportResult(created=0, updated=0, unchanged=0, articles=0, skipped=[], documents=[])
    files = sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md")
    pending = Counter[str]()
    for path in files:
        try:
            law = parse_law(path.read_text(encoding="utf-8"), file_name=path.name)
        except (LawTextError, UnicodeDecodeError) as exc:
            why = str(exc) if isinstance(exc, LawTextError) else f"{path.name}: not UTF-8 / 不是 UTF-8 文本"
            result.skipped.append(why)
            continue
        document, status = save_law(session, law=law, file_name=path.name,
                                    source=CORPUS_SOURCE if folder.resolve() == CORPUS.resolve() else str(path),
                                    actor=actor, pending=pending)
        setattr(result, status, getattr(result, status) + 1)
        result.articles += len(law.articles)
        result.documents.append(document.id)
    index.apply_counts(session, pending)
    if not result.documents:
        raise field_error("folder", f"no law in the corpus format in {folder}",
                          f"{folder} 中没有可导入的法规 Markdown 文件")
    return result


# --- documents --------------------------------------------------------------------------------------


def get_document(session: Session, *, document_id: int) -> KnowledgeDocument:
    document = session.get(KnowledgeDocument, document_id)
    if document is None:
        raise not_found("document", "文档", document_id)
    return document


def document_detail(session: Session, *, document_id: int) -> DocumentDetail:
    document = session.scalar(select(KnowledgeDocument).where(KnowledgeDocument.id == document_id)
                              .options(selectinload(KnowledgeDocument.articles)))
    if document is None:
        raise not_found("document", "文档", document_id)
    chapters = list(dict.fromkeys(a.chapter for a in document.articles if a.chapter))
    return DocumentDetail.model_validate({
        **DocumentRead.model_validate(document).model_dump(), "history": document.history, "body": document.body,
        "chapters": chapters, "articles": [ArticleRead.model_validate(a) for a in document.articles]})


def list_documents(session: Session, *, params: PageParams, kind: Sequence[str] = (), q: str | None = None,
                   industry: str | None = None, grade: str | None = None,
                   level: str | None = None) -> tuple[list[KnowledgeDocument], int]:
    stmt = select(KnowledgeDocument)
    if kind:
        stmt = stmt.where(KnowledgeDocument.kind.in_(list(kind)))
    if q:
        stmt = stmt.where(KnowledgeDocument.title.contains(q[:100], autoescape=True))
    for column, value in ((KnowledgeDocument.industry, industry), (KnowledgeDocument.grade, grade),
                          (KnowledgeDocument.level, level)):
        if value:
            stmt = stmt.where(column == value)
    # the latest first (a case by its day, a law by its version), the same order on every database
    latest = func.coalesce(KnowledgeDocument.occurred_on, KnowledgeDocument.version_date, date(1900, 1, 1))
    stmt = stmt.order_by(KnowledgeDocument.kind, latest.desc(), KnowledgeDocument.title, KnowledgeDocument.id)
    return paginate(session, stmt, params)


def get_article(session: Session, *, article_id: int) -> KnowledgeArticle:
    article = session.get(KnowledgeArticle, article_id)
    if article is None:
        raise not_found("article", "条文", article_id)
    return article


def industries(session: Session) -> list[str]:
    return list(session.scalars(select(KnowledgeDocument.industry).where(KnowledgeDocument.industry != "")
                                .distinct().order_by(KnowledgeDocument.industry)))


def counts_by_kind(session: Session) -> dict[str, int]:
    rows = session.execute(select(KnowledgeDocument.kind, func.count()).group_by(KnowledgeDocument.kind))
    return {kind: int(n) for kind, n in rows.tuples()}


# --- cases and imported documents -------------------------------------------------------------------


def save_case(session: Session, *, case_in: CaseIn, actor: str = "",
              document: KnowledgeDocument | None = None) -> KnowledgeDocument:
    """Create a case, or replace ``document``'s fields. Its key is its title and date, so the same case
    entered twice is one case."""
    key = f"case:{case_in.title}@{case_in.occurred_on.isoformat()}"
    same = session.scalar(select(KnowledgeDocument).where(KnowledgeDocument.key == key))
    if same is not None and (document is None or same.id != document.id):
        if document is None:
            document = same  # entered again: update it
        else:
            raise field_error("title", "another case has this title and date", "已有同名同日期的事故案例")
    if document is None:
        document = KnowledgeDocument(key=key, kind=DocumentKind.CASE.value, created_by=actor)
        session.add(document)
    elif document.kind != DocumentKind.CASE.value:
        raise field_error("document_id", "not an accident case", "该文档不是事故案例")
    document.key, document.title, document.industry = key, case_in.title, case_in.industry
    document.grade, document.occurred_on, document.version_date = case_in.grade.value, case_in.occurred_on, None
    document.place, document.region_code = case_in.place, case_in.region_code
    document.deaths, document.injuries = case_in.deaths, case_in.injuries
    document.body, document.causes, document.lessons = case_in.summary, case_in.causes, case_in.lessons
    document.source = case_in.source
    document.risk_categories = list(dict.fromkeys(case_in.risk_categories))
    document.hazard_ids = sorted(set(case_in.hazard_ids))
    document.incident_ids = sorted(set(case_in.incident_ids))
    document.issuer, document.level = "", ""
    session.flush()
    _reindex(session, document, [])
    return document


def import_file(session: Session, *, data: bytes, file_name: str, kind: DocumentKind, title: str = "",
                actor: str = "") -> KnowledgeDocument:
    """A DOCX or PDF as a document of ``kind`` with its text extracted; a law in the corpus layout keeps its
    articles. The same file again (by its content) updates the same document."""
    text = extract_text(data, file_name)
    name = re.sub(r"\.(docx|pdf)$", "", Path(file_name).name, flags=re.IGNORECASE)[:200]
    if kind in (DocumentKind.LAW, DocumentKind.REGULATION):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        heading = title or (lines[0] if lines else name)
        try:
            law = parse_law(f"# {heading}\n\n<!-- INFO END -->\n\n" + "\n\n".join(lines[1:]), file_name=file_name)
        except LawTextError:
            law = None
        if law is not None:
            law.kind = kind.value
            return save_law(session, law=law, file_name=file_name, source=f"upload:{file_name}", actor=actor)[0]
    key = f"file:{hashlib.sha256(data).hexdigest()}"
    document = session.scalar(select(KnowledgeDocument).where(KnowledgeDocument.key == key))
    if document is None:
        document = KnowledgeDocument(key=key, created_by=actor)
        session.add(document)
    document.kind, document.title = kind.value, (title or name or "未命名文档")[:300]
    document.body, document.file_name, document.source = text, file_name[:300], f"upload:{file_name}"[:300]
    session.flush()
    _reindex(session, document, [])
    return document


def delete_document(session: Session, *, document: KnowledgeDocument) -> None:
    index.remove_entries(session, document_id=document.id)
    session.delete(document)


# --- search and citations ---------------------------------------------------------------------------


def search_page(session: Session, *, query: str, filters: Filters, params: PageParams) -> SearchPage:
    query = " ".join((query or "").split())
    if not query:
        raise field_error("q", "type the words to search for", "请输入要检索的词语")
    if len(query) > MAX_QUERY:
        raise field_error("q", f"at most {MAX_QUERY} characters", f"检索词不超过 {MAX_QUERY} 个字")
    found = index.search(session, query=query, filters=filters, offset=params.offset, limit=params.size)
    items = [SearchItem(id=h.entry_id, title=h.title, kind=h.kind, kind_name=KIND_NAMES_ZH[DocumentKind(h.kind)],
                        snippet=h.snippet, article=h.article or None, article_id=h.article_id,
                        document_id=h.document_id, issuer=h.issuer, level=h.level, industry=h.industry,
                        grade=h.grade, date=h.day, score=h.score,
                        url=document_url(h.document_id, h.article_number, h.article_sub))
             for h in found.hits]
    return SearchPage(items=items, total=found.total, page=params.page, size=params.size, words=found.words,
                      match="all" if found.every else "any", capped=found.capped)


def resolve_citations(session: Session, *, text: str) -> list[CitationRead]:
    """Each 《…》第…条 of ``text`` with the article it names, or none when the library has no such law or
    article. An abbreviated title (《安全生产法》) names the national law; among versions, the latest."""
    found = find_citations(text)
    titles = sorted({v for c in found for v in title_variants(c.title)})
    documents: dict[str, int] = {}
    if titles:
        rows = session.execute(select(KnowledgeDocument.title, KnowledgeDocument.id)
                               .where(KnowledgeDocument.title.in_(titles),
                                      or_(KnowledgeDocument.kind == "law", KnowledgeDocument.kind == "regulation"))
                               .order_by(KnowledgeDocument.version_date.desc(), KnowledgeDocument.id.desc()))
        for title, found_id in rows.tuples():
            documents.setdefault(title, found_id)
    out = []
    for c in found:
        document_id = next((documents[v] for v in title_variants(c.title) if v in documents), None)
        article = None if document_id is None else session.scalar(
            select(KnowledgeArticle).where(KnowledgeArticle.document_id == document_id,
                                           KnowledgeArticle.number == c.number, KnowledgeArticle.sub == c.sub))
        out.append(CitationRead(text=c.text, title=c.title, article=article_label(c.number, c.sub), number=c.number,
                                document_id=document_id, article_id=article.id if article else None,
                                url=document_url(document_id, c.number, c.sub) if article and document_id else None))
    return out


def latest_day(session: Session) -> date | None:
    return session.scalar(select(func.max(KnowledgeDocument.version_date)))
