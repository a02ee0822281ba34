"""Full-text search of the library: the posting table ``knowledge_posting`` (word, entry, term frequency, entry
length; keyed and so ordered by word then entry id) finds the first entries by id holding every word of the
query, and one formula ranks them in Python — BM25 (k1 = 1.2, b = 0.75) on the term statistics of
``knowledge_term``, ties by entry id. SQLite and PostgreSQL run the same SQL on the same rows, made by the same
segmentation in Python, so they answer the same items in the same order by construction.

Entries are segmented by ``segment.terms``; ``add_entries``/``remove_entries`` keep postings and statistics as
entries come and go. Broad queries: at most ``CANDIDATES`` entries are ranked, the first by id (the laws,
loaded first, before later material); ``total`` then says ``CANDIDATES`` and ``capped`` that more entries
match: counting them all would cost more than the search itself, and a reader narrows such a query rather
than paging past 500.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    delete,
    insert,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased

from citysafe.knowledge import segment
from citysafe.knowledge.models import KnowledgeArticle, KnowledgeEntry, KnowledgePosting, KnowledgeTerm

K1, B = 1.2, 0.75
CANDIDATES = 500
POSTINGS = cast(Table, KnowledgePosting.__table__)
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


def _postings(entry_id: int, words: list[str]) -> list[dict[str, Any]]:
    return [{"term": term, "entry_id": entry_id, "tf": tf, "length": len(words)}
            for term, tf in Counter(words).items()]


def add_entries(session: Session, rows: Iterable[dict[str, Any]], *, pending: Counter[str] | None = None) -> int:
    """Insert index entries (dicts of ``KnowledgeEntry`` columns without ``terms``/``length``, with ``text``)
    and their postings, segmenting each and counting its words into the statistics (into ``pending`` when
    given, for the caller to ``apply_counts`` once after many). Returns how many."""
    batch, segmented, counts = [], [], Counter[str]()
    for row in rows:
        words = entry_terms(row["title"], row["text"], row.get("industry", ""))
        batch.append(row | {"terms": " ".join(words), "length": len(words)})
        segmented.append(words)
        counts.update(set(words))
        counts[LENGTH] += len(words)
    if not batch:
        return 0
    counts[ENTRIES] += len(batch)
    for at in range(0, len(batch), 1000):
        ids = session.scalars(insert(KnowledgeEntry).returning(KnowledgeEntry.id, sort_by_parameter_order=True),
                              batch[at:at + 1000]).all()
        postings = [p for entry_id, words in zip(ids, segmented[at:at + 1000], strict=True)
                    for p in _postings(entry_id, words)]
        for start in range(0, len(postings), 10_000):  # Core, not the ORM's bulk insert: a third of the CPU
            session.connection().execute(insert(POSTINGS), postings[start:start + 10_000])
    if pending is None:
        _adjust(session, counts)
    else:
        pending.update(counts)
    return len(batch)


def remove_entries(session: Session, *, document_id: int, pending: Counter[str] | None = None) -> None:
    """Drop a document's entries and their postings from the index, and their words from the statistics."""
    counts = Counter[str]()
    for terms, length in session.execute(select(KnowledgeEntry.terms, KnowledgeEntry.length)
                                         .where(KnowledgeEntry.document_id == document_id)):
        counts.update(set(terms.split()))
        counts[LENGTH] += length
        counts[ENTRIES] += 1
    if counts:
        owned = select(KnowledgeEntry.id).where(KnowledgeEntry.document_id == document_id)
        session.execute(delete(KnowledgePosting).where(KnowledgePosting.entry_id.in_(owned)))
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


Candidate = tuple[int, int, dict[str, int]]  # entry id, its length, the query's words' frequencies in it


def _every(session: Session, words: list[str], filters: Filters) -> list[Candidate]:
    """The first ``CANDIDATES`` entries by id holding every word and passing ``filters``: the rarest word's
    postings in id order (its key's order, no sort), each probed for the other words by key."""
    postings = [aliased(KnowledgePosting) for _ in words]
    first = postings[0]
    stmt = select(first.entry_id, first.length, *[p.tf for p in postings]).where(first.term == words[0])
    for posting, word in zip(postings[1:], words[1:], strict=True):
        stmt = stmt.join(posting, and_(posting.term == word, posting.entry_id == first.entry_id))
    stmt = _filtered(stmt, first.entry_id, filters).order_by(first.entry_id).limit(CANDIDATES)
    return [(row[0], row[1], dict(zip(words, row[2:], strict=True))) for row in session.execute(stmt)]


def _any(session: Session, words: list[str], filters: Filters) -> list[Candidate]:
    """The first ``CANDIDATES`` entries by id holding any word and passing ``filters``: the first of each word's
    postings, in one statement (one round trip, however many words). An entry among the first of them all is
    among the first of each word it holds (fewer entries come before it there than in the union), so the
    frequencies read are all it has."""
    p = KnowledgePosting
    firsts = [_filtered(select(p.entry_id, p.length, p.tf).where(p.term == word), p.entry_id, filters)
              .order_by(p.entry_id).limit(CANDIDATES).subquery() for word in words]
    stmt = union_all(*[select(literal_column(str(at)), first.c.entry_id, first.c.length, first.c.tf)
                       for at, first in enumerate(firsts)])
    found: dict[int, Candidate] = {}
    for at, entry_id, length, tf in session.execute(stmt):
        found.setdefault(entry_id, (entry_id, length, {}))[2][words[at]] = tf
    return [found[entry_id] for entry_id in sorted(found)[:CANDIDATES]]


def _filtered(stmt: Select[Any], entry_id: Any, filters: Filters) -> Select[Any]:
    """The entries' wide rows are joined only when a filter needs their columns."""
    conditions = _conditions(filters)
    if not conditions:
        return stmt
    return stmt.join(KnowledgeEntry, KnowledgeEntry.id == entry_id).where(*conditions)


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
    rarest_first = sorted(words, key=lambda w: (stats[w], w))
    rows = _every(session, rarest_first, filters) if every else _any(session, words, filters)
    total = len(rows)
    scored = []
    for entry_id, length, tfs in rows:
        score = 0.0
        for w in words:  # in the query's order: the same sum, to the last bit, whatever the plan
            tf = tfs.get(w, 0)
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
