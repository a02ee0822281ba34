"""core.jobs: a job names its subject, so a kind of work that can start over (a report's photos) is submitted
again when the process that ran it is found stopped, instead of waiting for a restart

Revision ID: 0036_core_job_subject
Revises: 0035_core_job_runner
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0036_core_job_subject'
down_revision: str | Sequence[str] | None = '0035_core_job_runner'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('subject')
