"""knowledge search on a posting table, the same on SQLite and PostgreSQL (issue #15, Speed)

``knowledge_posting`` (word, entry, term frequency, entry length), keyed (term, entry_id), replaces the
databases' own indexes of 0028: SQLite's FTS5 table with its triggers and PostgreSQL's generated tsvector with
its GIN index. PostgreSQL had to fetch every row holding a common word from the table to find the first few
hundred by id; the key's order gives them first, on both databases, by the same SQL. The postings of the
entries already indexed are built from their ``terms`` (the words as segmented, so no segmenter is needed).

Revision ID: 0034_kb_postings
Revises: 0028_kb_library
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0034_kb_postings'
down_revision: str | Sequence[str] | None = '0028_kb_library'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0028's indexes, dropped here and made again by the downgrade
_SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE knowledge_fts USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE TRIGGER knowledge_entry_ai AFTER INSERT ON knowledge_entry BEGIN "
    "INSERT INTO knowledge_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER knowledge_entry_ad AFTER DELETE ON knowledge_entry BEGIN "
    "DELETE FROM knowledge_fts WHERE rowid = old.id; END",
    "CREATE TRIGGER knowledge_entry_au AFTER UPDATE OF terms ON knowledge_entry BEGIN "
    "DELETE FROM knowledge_fts WHERE rowid = old.id; "
    "INSERT INTO knowledge_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "INSERT INTO knowledge_fts(rowid, terms) SELECT id, terms FROM knowledge_entry",
)
_POSTGRES_INDEX = (
    "ALTER TABLE knowledge_entry ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (array_to_tsvector(string_to_array(terms, ' '))) STORED",
    "CREATE INDEX ix_knowledge_entry_tsv ON knowledge_entry USING gin (tsv)",
)
_BATCH = 2000  # entries read and written at a time: a few MB of postings, whatever the size of the library


def _fill(posting: sa.Table) -> None:
    bind = op.get_bind()
    entry = sa.table("knowledge_entry", sa.column("id", sa.Integer), sa.column("terms", sa.Text),
                     sa.column("length", sa.Integer))
    after = 0
    while True:
        rows = bind.execute(sa.select(entry.c.id, entry.c.terms, entry.c.length).where(entry.c.id > after)
                            .order_by(entry.c.id).limit(_BATCH)).all()
        if not rows:
            return
        postings = [{"term": term, "entry_id": entry_id, "tf": tf, "length": length}
                    for entry_id, terms, length in rows for term, tf in Counter(terms.split()).items()]
        if postings:
            bind.execute(posting.insert(), postings)
        after = rows[-1][0]


def upgrade() -> None:
    posting = op.create_table(
        'knowledge_posting',
        sa.Column('term', sa.String(length=120), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('tf', sa.Integer(), nullable=False),
        sa.Column('length', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['knowledge_entry.id'],
                                name=op.f('fk_knowledge_posting_entry_id_knowledge_entry'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('term', 'entry_id', name=op.f('pk_knowledge_posting'),
                                postgresql_include=['tf', 'length']),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f('ix_knowledge_posting_entry_id'), 'knowledge_posting', ['entry_id'], unique=False)
    _fill(posting)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_knowledge_entry_tsv")
        op.execute("ALTER TABLE knowledge_entry DROP COLUMN IF EXISTS tsv")
    else:
        for name in ("knowledge_entry_au", "knowledge_entry_ad", "knowledge_entry_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS knowledge_fts")


def downgrade() -> None:
    for statement in _POSTGRES_INDEX if op.get_bind().dialect.name == "postgresql" else _SQLITE_INDEX:
        op.execute(statement)
    op.drop_index(op.f('ix_knowledge_posting_entry_id'), table_name='knowledge_posting')
    op.drop_table('knowledge_posting')
