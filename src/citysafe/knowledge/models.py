"""The knowledge and case library: documents (laws, regulations, standards, accident cases, safety knowledge),
the articles of a law, and the search index (one entry per article of a law, per case, per other document).

Reference data every logged-in user reads, so no row is region-scoped; a case keeps the division where it
happened as plain data. Links to other domains' records are their ids (a lower layer never imports a
higher one): risk categories by code, hazard tickets and emergency incidents by id.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, Integer, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from citysafe.core.db import Base, Timestamped


class KnowledgeDocument(Timestamped, Base):
    __tablename__ = "knowledge_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stable identity: a law is its title and version date (中华人民共和国安全生产法@2021-06-10), so importing it
    # again updates the same row; a case or an imported file has its own key.
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(300), index=True)
    issuer: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(20), default="")
    version_date: Mapped[date | None] = mapped_column(Date)
    history: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    file_name: Mapped[str] = mapped_column(String(300), default="")
    # Accident cases (事故案例)
    industry: Mapped[str] = mapped_column(String(60), default="", index=True)
    grade: Mapped[str] = mapped_column(String(10), default="")
    occurred_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    region_code: Mapped[str] = mapped_column(String(20), default="")
    deaths: Mapped[int] = mapped_column(Integer, default=0)
    injuries: Mapped[int] = mapped_column(Integer, default=0)
    causes: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")
    risk_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    hazard_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    incident_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    articles: Mapped[list[KnowledgeArticle]] = relationship(
        order_by="KnowledgeArticle.position", cascade="all, delete-orphan", passive_deletes=True, lazy="raise")


class KnowledgeArticle(Base):
    __tablename__ = "knowledge_article"
    __audited__ = False  # rewritten with its law on every import; the law's own row is audited

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("knowledge_document.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    sub: Mapped[int] = mapped_column(Integer, default=0)  # 第二十条之一 → number 20, sub 1
    label: Mapped[str] = mapped_column(String(40))
    chapter: Mapped[str] = mapped_column(String(200), default="")
    section: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class KnowledgeEntry(Base):
    """What search finds: an article of a law, a case, a document. ``terms`` is the text segmented into words
    (space-separated, lower case), each word's postings in ``knowledge_posting``."""

    __tablename__ = "knowledge_entry"
    __audited__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("knowledge_document.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_article.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(300))
    article: Mapped[str] = mapped_column(String(40), default="")
    issuer: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(20), default="")
    industry: Mapped[str] = mapped_column(String(60), default="")
    grade: Mapped[str] = mapped_column(String(10), default="")
    day: Mapped[date | None] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text)
    length: Mapped[int] = mapped_column(Integer)


class KnowledgeTerm(Base):
    """Document frequency of each word over the entries (and, under ``#entries`` and ``#length``, the count of
    entries and their total length): BM25's statistics, kept as entries come and go, the same on every
    database so both rank alike."""

    __tablename__ = "knowledge_term"
    __audited__ = False

    term: Mapped[str] = mapped_column(String(120), primary_key=True)
    df: Mapped[int] = mapped_column(Integer, default=0)


class KnowledgePosting(Base):
    """The index search reads: one row per word of an entry, with how often the word occurs there (``tf``) and
    the entry's length in words (repeated on each of its postings, so ranking reads this index alone). The key
    (term, entry_id) orders a word's entries by id on every database, so both find the same first entries by
    the same SQL; on PostgreSQL the key also holds tf and length, so the search reads the index only (SQLite
    keeps the row in its key's B-tree: no rowid). Written with the entries by ``search.add_entries``; deleted with
    them (explicitly, and by the cascade as a guard)."""

    __tablename__ = "knowledge_posting"
    __audited__ = False
    __table_args__ = (PrimaryKeyConstraint("term", "entry_id", postgresql_include=["tf", "length"]),
                      {"sqlite_with_rowid": False})

    term: Mapped[str] = mapped_column(String(120))
    entry_id: Mapped[int] = mapped_column(ForeignKey("knowledge_entry.id", ondelete="CASCADE"), index=True)
    tf: Mapped[int] = mapped_column(Integer)
    length: Mapped[int] = mapped_column(Integer)
