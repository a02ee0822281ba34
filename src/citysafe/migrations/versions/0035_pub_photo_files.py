"""public: report photos as files under the data directory, decoded off the request (issue #15: ≥ 200 reports/s
with 2 MB photos). ``path`` names the file, ``status`` says whether it was decoded yet (pending, ready,
unreadable) and ``problem`` why not, ``orientation`` keeps what the EXIF said before it was stripped;
``content`` becomes optional (the photos stored before this migration keep their bytes in it).

Revision ID: 0035_pub_photo_files
Revises: 0034_pub_photo_hash_cover
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0035_pub_photo_files'
down_revision: str | Sequence[str] | None = '0034_pub_photo_hash_cover'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('pub_report_photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('path', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=False, server_default='ready'))
        batch_op.add_column(sa.Column('problem', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('orientation', sa.Integer(), nullable=False, server_default='1'))
        batch_op.alter_column('content', existing_type=sa.LargeBinary(), nullable=True)
        batch_op.create_index('ix_pub_report_photo_status', ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pub_report_photo', schema=None) as batch_op:
        batch_op.drop_index('ix_pub_report_photo_status')
        batch_op.drop_column('orientation')
        batch_op.drop_column('problem')
        batch_op.drop_column('status')
        batch_op.drop_column('path')
