"""knowledge.thinktank: the one expert registry. Emergency's ``em_expert`` becomes ``kb_expert`` (rows, ids and
times kept) with specialities, e-mail, availability with dates and the emergency-pool mark (every existing expert is
in the pool: emergency put them there).

Revision ID: 0031_kb_thinktank
Revises: 0001_foundation
Depends on: 0019_em_resources (which created em_expert)
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0031_kb_thinktank'
down_revision: str | Sequence[str] | None = '0001_foundation'
branch_labels: str | Sequence[str] | None = ('thinktank',)
depends_on: str | Sequence[str] | None = ('0019_em_resources',)

NEW_COLUMNS = ('specialities', 'email', 'availability', 'busy_from', 'busy_until', 'availability_note',
               'emergency_pool')


def upgrade() -> None:
    op.drop_index('ix_em_expert_region_code', table_name='em_expert')
    op.rename_table('em_expert', 'kb_expert')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE kb_expert RENAME CONSTRAINT pk_em_expert TO pk_kb_expert')
        op.execute('ALTER SEQUENCE IF EXISTS em_expert_id_seq RENAME TO kb_expert_id_seq')
    with op.batch_alter_table('kb_expert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('specialities', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('email', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('availability', sa.String(length=20), nullable=False,
                                      server_default='available'))
        batch_op.add_column(sa.Column('busy_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('busy_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('availability_note', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('emergency_pool', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.create_index(batch_op.f('ix_kb_expert_region_code'), ['region_code'], unique=False)
        batch_op.create_index('ix_kb_expert_field', ['field'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kb_expert', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_expert_field')
        batch_op.drop_index(batch_op.f('ix_kb_expert_region_code'))
        for name in NEW_COLUMNS:
            batch_op.drop_column(name)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER SEQUENCE IF EXISTS kb_expert_id_seq RENAME TO em_expert_id_seq')
        op.execute('ALTER TABLE kb_expert RENAME CONSTRAINT pk_kb_expert TO pk_em_expert')
    op.rename_table('kb_expert', 'em_expert')
    op.create_index('ix_em_expert_region_code', 'em_expert', ['region_code'], unique=False)
