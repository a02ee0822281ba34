"""firewatch: a 119 forwarding's honest status (sent, failed, manual_pending, manual_done) and the
operator's recorded call (called_by, note)

The old ``ok`` flag said "forwarded" for the ``log`` forwarder, which sent nothing: those rows become
``manual_pending`` (nobody recorded a call, so 119 is not known to have the fire). Old ``ok`` rows of
another forwarder become ``sent``, the rest ``failed``; and an alarm whose attempts all failed up to the
automatic limit (10) gets its last attempt marked ``manual_pending``, since nothing retries it any more.

Revision ID: 0005_forwarding_status
Revises: 0002_firewatch
Create Date: 2026-12-02 10:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005_forwarding_status'
down_revision: str | Sequence[str] | None = '0002_firewatch'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_ATTEMPTS = 10  # firewatch.alarms.forwarding.MAX_ATTEMPTS when this was written


def upgrade() -> None:
    with op.batch_alter_table('fw_forwarding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False, server_default='failed'))
        batch_op.add_column(sa.Column('called_by', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('note', sa.String(length=500), nullable=False, server_default=''))
    forwarding = sa.table('fw_forwarding', sa.column('id', sa.Integer()), sa.column('alarm_id', sa.Integer()),
                          sa.column('forwarder', sa.String()), sa.column('ok', sa.Boolean()),
                          sa.column('status', sa.String()), sa.column('error', sa.String()))
    op.execute(forwarding.update().where(forwarding.c.ok.is_(True), forwarding.c.forwarder == 'log')
               .values(status='manual_pending', error='log only: nothing left the platform (before 0005)'))
    op.execute(forwarding.update().where(forwarding.c.ok.is_(True), forwarding.c.forwarder != 'log')
               .values(status='sent'))
    # Alarms whose automatic attempts ran out without one getting through: the last becomes manual.
    reached = sa.select(forwarding.c.alarm_id).where(forwarding.c.ok.is_(True))
    exhausted = (sa.select(sa.func.max(forwarding.c.id)).where(forwarding.c.alarm_id.not_in(reached))
                 .group_by(forwarding.c.alarm_id).having(sa.func.count(forwarding.c.id) >= MAX_ATTEMPTS))
    last_ids = [row[0] for row in op.get_bind().execute(exhausted)]
    if last_ids:
        op.execute(forwarding.update().where(forwarding.c.id.in_(last_ids)).values(status='manual_pending'))
    with op.batch_alter_table('fw_forwarding', schema=None) as batch_op:
        batch_op.alter_column('status', server_default=None)
        batch_op.alter_column('called_by', server_default=None)
        batch_op.alter_column('note', server_default=None)
        batch_op.drop_column('ok')


def downgrade() -> None:
    with op.batch_alter_table('fw_forwarding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ok', sa.Boolean(), nullable=False, server_default=sa.false()))
    forwarding = sa.table('fw_forwarding', sa.column('ok', sa.Boolean()), sa.column('status', sa.String()))
    op.execute(forwarding.update().where(forwarding.c.status.in_(('sent', 'manual_done'))).values(ok=True))
    with op.batch_alter_table('fw_forwarding', schema=None) as batch_op:
        batch_op.alter_column('ok', server_default=None)
        batch_op.drop_column('note')
        batch_op.drop_column('called_by')
        batch_op.drop_column('status')
