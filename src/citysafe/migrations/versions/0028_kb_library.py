"""knowledge and case library: documents, the articles of laws, the search index (issue #15 point 3)

The index of search: on SQLite an FTS5 table over the segmented words, kept by triggers on knowledge_entry;
on PostgreSQL a generated tsvector column of the same words (array_to_tsvector: the words as they are, no
parser or dictionary in between) with a GIN index.

Revision ID: 0028_kb_library
Revises: 0001_foundation
Create Date: written from citysafe.knowledge.models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0028_kb_library'
down_revision: str | Sequence[str] | None = '0001_foundation'
branch_labels: str | Sequence[str] | None = ('knowledge',)
depends_on: str | Sequence[str] | None = None

_SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE knowledge_fts USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE TRIGGER knowledge_entry_ai AFTER INSERT ON knowledge_entry BEGIN "
    "INSERT INTO knowledge_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER knowledge_entry_ad AFTER DELETE ON knowledge_entry BEGIN "
    "DELETE FROM knowledge_fts WHERE rowid = old.id; END",
    "CREATE TRIGGER knowledge_entry_au AFTER UPDATE OF terms ON knowledge_entry BEGIN "
    "DELETE FROM knowledge_fts WHERE rowid = old.id; "
    "INSERT INTO knowledge_fts(rowid, terms) VALUES (new.id, new.terms); END",
)
_POSTGRES_INDEX = (
    "ALTER TABLE knowledge_entry ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (array_to_tsvector(string_to_array(terms, ' '))) STORED",
    "CREATE INDEX ix_knowledge_entry_tsv ON knowledge_entry USING gin (tsv)",
)


def upgrade() -> None:
    op.create_table('knowledge_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('version_date', sa.Date(), nullable=True),
    sa.Column('history', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.Column('industry', sa.String(length=60), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('deaths', sa.Integer(), nullable=False),
    sa.Column('injuries', sa.Integer(), nullable=False),
    sa.Column('causes', sa.Text(), nullable=False),
    sa.Column('lessons', sa.Text(), nullable=False),
    sa.Column('risk_categories', sa.JSON(), nullable=False),
    sa.Column('hazard_ids', sa.JSON(), nullable=False),
    sa.Column('incident_ids', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_document')),
    sa.UniqueConstraint('key', name=op.f('uq_knowledge_document_key'))
    )
    with op.batch_alter_table('knowledge_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_document_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_document_title'), ['title'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_document_industry'), ['industry'], unique=False)

    op.create_table('knowledge_article',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('sub', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('chapter', sa.String(length=200), nullable=False),
    sa.Column('section', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['knowledge_document.id'], name=op.f('fk_knowledge_article_document_id_knowledge_document'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_article'))
    )
    with op.batch_alter_table('knowledge_article', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_article_document_id'), ['document_id'], unique=False)

    op.create_table('knowledge_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('article', sa.String(length=40), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('industry', sa.String(length=60), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['knowledge_article.id'], name=op.f('fk_knowledge_entry_article_id_knowledge_article'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['knowledge_document.id'], name=op.f('fk_knowledge_entry_document_id_knowledge_document'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_entry'))
    )
    with op.batch_alter_table('knowledge_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_entry_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_entry_kind'), ['kind'], unique=False)

    op.create_table('knowledge_term',
    sa.Column('term', sa.String(length=120), nullable=False),
    sa.Column('df', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('term', name=op.f('pk_knowledge_term'))
    )
    statements = _POSTGRES_INDEX if op.get_bind().dialect.name == "postgresql" else _SQLITE_INDEX
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for name in ("knowledge_entry_au", "knowledge_entry_ad", "knowledge_entry_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS knowledge_fts")
    op.drop_table('knowledge_term')
    with op.batch_alter_table('knowledge_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_entry_kind'))
        batch_op.drop_index(batch_op.f('ix_knowledge_entry_document_id'))
    op.drop_table('knowledge_entry')
    with op.batch_alter_table('knowledge_article', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_article_document_id'))
    op.drop_table('knowledge_article')
    with op.batch_alter_table('knowledge_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_document_industry'))
        batch_op.drop_index(batch_op.f('ix_knowledge_document_title'))
        batch_op.drop_index(batch_op.f('ix_knowledge_document_kind'))
    op.drop_table('knowledge_document')
