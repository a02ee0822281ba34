"""Full-text search of the library: the database's index finds the entries holding every word of the query
(SQLite: FTS5 ``knowledge_fts``; PostgreSQL: the GIN-indexed tsvector ``tsv``), and one formula ranks them in
Python — BM25 (k1 = 1.2, b = 0.75) on the term statistics of ``knowledge_term``, ties by entry id — so both
databases answer the same items in the same order for the same query.

Entries are segmented by ``segment.terms``; ``index_entry`` keeps the statistics as entries come and go.
Broad queries: at most ``CANDIDATES`` entries are ranked, the first by id (the laws, loaded first, before
later material); ``total`` then says ``CANDIDATES`` and ``capped`` that more entries match: counting them all
would cost more than the search itself, and a reader narrows such a query rather than paging past 500.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, Text, column, delete, insert, select, table, text, update
from sqlalchemy.orm import Session

from citysafe.knowledge import segment
from citysafe.knowledge.models import KnowledgeArticle, KnowledgeEntry, KnowledgeTerm

K1, B = 1.2, 0.75
CANDIDATES = 500
ENTRIES, LENGTH = "#entries", "#length"  # statistics rows: never a word (words are letters and digits only)


@dataclass(frozen=True)
class Filters:
    kind: Sequence[str] = ()
    level: str | None = None
    issuer: str | None = None
    industry: str | None = None
    grade: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class Hit:
    entry_id: int
    document_id: int
    article_id: int | None
    article_number: int | None
    kind: str
    title: str
    article: str
    issuer: str
    level: str
    industry: str
    grade: str
    day: date | None
    score: float
    snippet: str
    article_sub: int = 0


@dataclass(frozen=True)
class Found:
    words: list[str]
    total: int
    hits: list[Hit]
    every: bool = True  # False: no entry held every word, these hold some of them (the more, the higher)
    capped: bool = False  # more entries match than the CANDIDATES ranked


def entry_terms(title: str, body: str, industry: str = "") -> list[str]:
    """The words an entry is found by: its document's title, its industry (a case's), then its own text."""
    return segment.terms(title) + segment.terms(industry) + segment.terms(body)


def _adjust(session: Session, counts: Counter[str]) -> None:
    counts = Counter({t: n for t, n in counts.items() if n})
    names = sorted(counts)
    for at in range(0, len(names), 500):
        chunk = names[at:at + 500]
        known = set(session.scalars(select(KnowledgeTerm.term).where(KnowledgeTerm.term.in_(chunk))))
        fresh = [{"term": t, "df": counts[t]} for t in chunk if t not in known]
        if fresh:
            session.execute(insert(KnowledgeTerm), fresh)
        by_delta: dict[int, list[str]] = {}
        for t in chunk:
            if t in known:
                by_delta.setdefault(counts[t], []).append(t)
        for delta, group in by_delta.items():
            session.execute(update(KnowledgeTerm).where(KnowledgeTerm.term.in_(group))
                            .values(df=KnowledgeTerm.df + delta).execution_options(synchronize_session=False))


def apply_counts(session: Session, counts: Counter[str]) -> None:
    """Write the statistics a batch of ``add_entries``/``remove_entries`` calls collected in ``pending``."""
    _adjust(session, counts)
    counts.clear()


def add_entries(session: Session, rows: Iterable[dict[str, Any]], *, pending: Counter[str] | None = None) -> int:
    """Insert index entries (dicts of ``KnowledgeEntry`` columns without ``terms``/``length``, with ``text``),
    segmenting each and counting its words into the statistics (into ``pending`` when given, for the caller to
    ``apply_counts`` once after many). Returns how many."""
    batch, counts = [], Counter[str]()
    for row in rows:
        words = entry_terms(row["title"], row["text"], row.get("industry", ""))
        batch.append(row | {"terms": " ".join(words), "length": len(words)})
        counts.update(set(words))
        counts[LENGTH] += len(words)
    if not batch:
        return 0
    counts[ENTRIES] += len(batch)
    for at in range(0, len(batch), 1000):
        session.execute(insert(KnowledgeEntry), batch[at:at + 1000])
    if pending is None:
        _adjust(session, counts)
    else:
        pending.update(counts)
    return len(batch)


def remove_entries(session: Session, *, document_id: int, pending: Counter[str] | None = None) -> None:
    """Drop a document's entries from the index and their words from the statistics."""
    counts = Counter[str]()
    for terms, length in session.execute(select(KnowledgeEntry.terms, KnowledgeEntry.length)
                                         .where(KnowledgeEntry.document_id == document_id)):
        counts.update(set(terms.split()))
        counts[LENGTH] += length
        counts[ENTRIES] += 1
    if counts:
        session.execute(delete(KnowledgeEntry).where(KnowledgeEntry.document_id == document_id))
        if pending is None:
            _adjust(session, Counter({t: -n for t, n in counts.items()}))
        else:
            pending.subtract(counts)


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    e = KnowledgeEntry
    out: list[ColumnElement[bool]] = []
    if filters.kind:
        out.append(e.kind.in_(list(filters.kind)))
    for field, value in ((e.level, filters.level), (e.issuer, filters.issuer), (e.industry, filters.industry),
                         (e.grade, filters.grade)):
        if value:
            out.append(field == value)
    if filters.since:
        out.append(e.day >= filters.since)
    if filters.until:
        out.append(e.day <= filters.until)
    return out


def _candidates(session: Session, words: list[str], filters: Filters, *, every: bool) -> Select[Any]:
    """(id, terms) of the first ``CANDIDATES`` entries by id holding every word (or any) and passing
    ``filters``, from the database's index (words are letters and digits only: nothing needs escaping)."""
    e = KnowledgeEntry
    conditions = _conditions(filters)
    if session.get_bind().dialect.name == "postgresql":
        joined = (" & " if every else " | ").join(f"'{w}'" for w in words)
        return (select(e.id, e.terms).where(text("knowledge_entry.tsv @@ CAST(:kq AS tsquery)").bindparams(kq=joined),
                                            *conditions).order_by(e.id).limit(CANDIDATES))
    # Driven by FTS5, whose matches come in rowid order (no sort), reading the words it keeps itself: the
    # entries' wide rows are joined only when a filter needs their columns.
    fts = table("knowledge_fts", column("rowid", Integer), column("terms", Text))
    joined = (" AND " if every else " OR ").join(f'"{w}"' for w in words)
    stmt = (select(fts.c.rowid, fts.c.terms).where(text("knowledge_fts MATCH :kq").bindparams(kq=joined))
            .order_by(fts.c.rowid).limit(CANDIDATES))
    return stmt.join(e, e.id == fts.c.rowid).where(*conditions) if conditions else stmt


def _stats(session: Session, words: list[str]) -> dict[str, int]:
    rows = session.execute(select(KnowledgeTerm.term, KnowledgeTerm.df)
                           .where(KnowledgeTerm.term.in_([*words, ENTRIES, LENGTH])))
    return {term: int(df) for term, df in rows}


def search(session: Session, *, query: str, filters: Filters = Filters(), offset: int = 0,
           limit: int = 20) -> Found:
    """The entries holding every word of ``query`` that pass ``filters``, best first (see the module); when
    none holds them all, those holding any of them."""
    words = segment.query_terms(query)
    if not words:
        return Found(words=[], total=0, hits=[])
    stats = _stats(session, words)
    known = [w for w in words if stats.get(w, 0) > 0]
    if not known:
        return Found(words=words, total=0, hits=[])
    if len(known) == len(words):
        found = _ranked(session, query, words, stats, filters, offset, limit, every=True)
        if found.total or len(words) == 1:
            return found
    return _ranked(session, query, known, stats, filters, offset, limit, every=False)


def _ranked(session: Session, query: str, words: list[str], stats: dict[str, int], filters: Filters, offset: int,
            limit: int, *, every: bool) -> Found:
    n, total_length = stats.get(ENTRIES, 0), stats.get(LENGTH, 0)
    average = total_length / n if n else 1.0
    idf = {w: math.log(1 + (n - stats[w] + 0.5) / (stats[w] + 0.5)) for w in words}
    e = KnowledgeEntry
    rows = list(session.execute(_candidates(session, words, filters, every=every)).all())
    total = len(rows)
    scored = []
    for entry_id, terms in rows:
        length = terms.count(" ") + 1 if terms else 0  # as stored in ``length`` (the words, space-separated)
        padded = f" {terms} "
        score = 0.0
        for w in words:
            tf = padded.count(f" {w} ")
            score += idf[w] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average))
        scored.append((-round(score, 9), entry_id))
    scored.sort()
    page = scored[offset:offset + limit]
    if not page:
        return Found(words=words, total=total, hits=[], every=every, capped=total >= CANDIDATES)
    ids = [entry_id for _, entry_id in page]
    a = KnowledgeArticle
    details = {row.id: row for row in session.execute(
        select(e.id, e.document_id, e.article_id, e.kind, e.title, e.article, e.issuer, e.level, e.industry, e.grade,
               e.day, e.text, a.number, a.sub).outerjoin(a, a.id == e.article_id).where(e.id.in_(ids)))}
    marks = _marks(query, words)
    hits = []
    for negative, entry_id in page:
        row = details[entry_id]
        hits.append(Hit(entry_id=row.id, document_id=row.document_id, article_id=row.article_id, kind=row.kind,
                        title=row.title, article=row.article, issuer=row.issuer, level=row.level,
                        industry=row.industry, grade=row.grade, day=row.day, score=-negative,
                        article_number=row.number, article_sub=row.sub or 0,
                        snippet=segment.snippet(row.text, marks)))
    return Found(words=words, total=total, hits=hits, every=every, capped=total >= CANDIDATES)


def _marks(query: str, words: list[str]) -> list[str]:
    """What the snippet marks: the query's words, and its longer runs (有限空间 as one mark, not two)."""
    runs = [part for part in query.split() if part and len(part) <= 20]
    return [*runs, *words]


def like_search(session: Session, *, query: str, limit: int = 20) -> list[int]:
    """The baseline of bench/search.py: every word by LIKE over the raw text, the same table, no index."""
    e = KnowledgeEntry
    words = segment.query_terms(query)
    stmt = select(e.id).where(*[e.text.like(f"%{w}%") for w in words]).order_by(e.id).limit(limit)
    return list(session.scalars(stmt))
