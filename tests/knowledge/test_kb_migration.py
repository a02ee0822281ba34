"""Migration 0028_kb_library creates the tables the knowledge models describe, and the search index of each
database: the FTS5 table kept by triggers on SQLite, the generated tsvector with its GIN index on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.knowledge.search import add_entries
from citysafe.registry import load_models

OURS = ("knowledge_document", "knowledge_article", "knowledge_entry", "knowledge_term")


def test_migration_matches_the_knowledge_models(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
        columns = {c["name"] for c in inspect(conn).get_columns("knowledge_entry")}
    ours = [d for d in diffs if any(name in repr(d) for name in OURS)]
    # The index is the database's own: PostgreSQL's generated column and its GIN index, SQLite's FTS5 tables.
    ours = [d for d in ours if "tsv" not in repr(d) and "knowledge_fts" not in repr(d)]
    assert ours == []
    assert ("tsv" in columns) == (ctx.engine.dialect.name == "postgresql")


def test_the_index_follows_the_entries(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        session.execute(text("INSERT INTO knowledge_document (key, kind, title, issuer, level, history, body, source, "
                             "file_name, industry, grade, place, region_code, deaths, injuries, causes, lessons, "
                             "risk_categories, hazard_ids, incident_ids, created_by, created_at, updated_at) VALUES "
                             "('k', 'knowledge', '指引', '', '', '', '', '', '', '', '', '', '', 0, 0, '', '', '[]', "
                             "'[]', '[]', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        document_id = session.scalar(text("SELECT id FROM knowledge_document"))
        add_entries(session, [{"document_id": document_id, "article_id": None, "kind": "knowledge", "title": "指引",
                               "article": "", "issuer": "", "level": "", "industry": "", "grade": "", "day": None,
                               "text": "燃气泄漏报警装置"}])
    match = ("SELECT count(*) FROM knowledge_entry WHERE tsv @@ CAST('''报警''' AS tsquery)"
             if ctx.engine.dialect.name == "postgresql" else
             "SELECT count(*) FROM knowledge_fts WHERE knowledge_fts MATCH '\"报警\"'")
    with ctx.engine.begin() as conn:
        assert conn.execute(text(match)).scalar() == 1
        conn.execute(text("UPDATE knowledge_entry SET terms = '火灾'"))
        assert conn.execute(text(match)).scalar() == 0
        conn.execute(text("UPDATE knowledge_entry SET terms = '报警 装置'"))
        assert conn.execute(text(match)).scalar() == 1
        conn.execute(text("DELETE FROM knowledge_entry"))
        assert conn.execute(text(match)).scalar() == 0
