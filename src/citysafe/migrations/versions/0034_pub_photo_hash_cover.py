"""public: a covering index (report_id, phash) on the report photos, so the duplicate-photo check reads the hashes
from the index and never the rows: on SQLite a photo's bytes sit in the row before its hash, and reading the hash
of each photo in the window walked every photo's overflow pages (~0.2-0.6 s per report with 60 stored 1 MB
photos, growing with every report; 0.1 ms with this index).

Revision ID: 0034_pub_photo_hash_cover
Revises: 0001_foundation
Depends on: 0029_pub_reports (which created pub_report_photo)
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0034_pub_photo_hash_cover'
down_revision: str | Sequence[str] | None = '0001_foundation'
branch_labels: str | Sequence[str] | None = ('intake',)
depends_on: str | Sequence[str] | None = ('0029_pub_reports',)


def upgrade() -> None:
    with op.batch_alter_table('pub_report_photo', schema=None) as batch_op:
        batch_op.create_index('ix_pub_report_photo_report_phash', ['report_id', 'phash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pub_report_photo', schema=None) as batch_op:
        batch_op.drop_index('ix_pub_report_photo_report_phash')
