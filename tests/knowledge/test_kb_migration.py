"""Migrations 0028_kb_library and 0034_kb_postings create the tables the knowledge models describe; search's
index is the posting table, the same on both databases (0028's FTS5 table and tsvector are gone), and it
follows the entries: written with them, deleted with them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.migrate import alembic_config, upgrade
from citysafe.knowledge.search import add_entries, entry_terms
from citysafe.registry import load_models

TEXT = "燃气泄漏报警装置，报警后切断燃气"
DOCUMENT = ("INSERT INTO knowledge_document (key, kind, title, issuer, level, history, body, source, file_name, "
            "industry, grade, place, region_code, deaths, injuries, causes, lessons, risk_categories, hazard_ids, "
            "incident_ids, created_by, created_at, updated_at) VALUES ('k', 'knowledge', '指引', '', '', '', '', '', "
            "'', '', '', '', '', 0, 0, '', '', '[]', '[]', '[]', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
OURS = ("knowledge_document", "knowledge_article", "knowledge_entry", "knowledge_term", "knowledge_posting")


def test_migration_matches_the_knowledge_models(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
        columns = {c["name"] for c in inspect(conn).get_columns("knowledge_entry")}
        tables = set(inspect(conn).get_table_names())
    assert [d for d in diffs if any(name in repr(d) for name in OURS)] == []
    assert "tsv" not in columns and "knowledge_fts" not in tables and "knowledge_posting" in tables


def test_the_postings_follow_the_entries(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        session.execute(text(DOCUMENT))
        document_id = session.scalar(text("SELECT id FROM knowledge_document"))
        add_entries(session, [{"document_id": document_id, "article_id": None, "kind": "knowledge", "title": "指引",
                               "article": "", "issuer": "", "level": "", "industry": "", "grade": "", "day": None,
                               "text": TEXT}])
    with ctx.engine.begin() as conn:
        entry_id, length = conn.execute(text("SELECT id, length FROM knowledge_entry")).one()
        postings = dict(conn.execute(text("SELECT term, tf FROM knowledge_posting WHERE entry_id = :e"),
                                     {"e": entry_id}).tuples().all())
        assert postings == Counter(entry_terms("指引", TEXT)) and postings["燃气"] == 2 and postings["指引"] == 1
        assert conn.execute(text("SELECT DISTINCT length FROM knowledge_posting")).scalars().all() == [length]
        conn.execute(text("DELETE FROM knowledge_entry"))  # deleted behind search's back: the cascade still holds
        assert conn.execute(text("SELECT count(*) FROM knowledge_posting")).scalar() == 0


def test_the_postings_of_entries_indexed_before_0034(tmp_path: Path) -> None:
    """Entries indexed by 0028's FTS5 table get their postings from their words; downgrading gives FTS5 back,
    holding them."""
    engine = create_engine(f"sqlite:///{tmp_path / 'postings.db'}")
    upgrade(engine, "0028_kb_library")
    with engine.begin() as conn:
        conn.execute(text(DOCUMENT))
        conn.execute(text("INSERT INTO knowledge_entry (id, document_id, kind, title, article, issuer, level, "
                          "industry, grade, text, terms, length) VALUES (5, 1, 'knowledge', '指引', '', '', '', '', "
                          "'', :text, '指引 燃气 报警 燃气', 4)"), {"text": TEXT})
    upgrade(engine, "heads")
    with engine.connect() as conn:
        assert "knowledge_fts" not in inspect(conn).get_table_names()
        rows = conn.execute(text("SELECT term, entry_id, tf, length FROM knowledge_posting ORDER BY term")).all()
        assert sorted(tuple(r) for r in rows) == sorted([("指引", 5, 1, 4), ("燃气", 5, 2, 4), ("报警", 5, 1, 4)])
    config = alembic_config(str(engine.url))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0034_kb_postings@-1")
    with engine.connect() as conn:
        assert "knowledge_posting" not in inspect(conn).get_table_names()
        match = "SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH '\"燃气\"'"
        assert conn.execute(text(match)).all() == [(5,)]
    engine.dispose()
