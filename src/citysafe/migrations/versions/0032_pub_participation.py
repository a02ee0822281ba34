"""public.participation: publicity and training events with registrations, safety experience bases with bookable
sessions and bookings, volunteer teams and social organisations with members and activities

Revision ID: 0032_pub_participation
Revises: 0001_foundation
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0032_pub_participation'
down_revision: str | Sequence[str] | None = '0001_foundation'
branch_labels: str | Sequence[str] | None = ('participation',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pub_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('audience', sa.String(length=30), nullable=False),
    sa.Column('organiser', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('starts_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_event'))
    )
    with op.batch_alter_table('pub_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pub_event_region_code'), ['region_code'], unique=False)
        batch_op.create_index('ix_pub_event_starts', ['starts_at'], unique=False)

    op.create_table('pub_experience_base',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('operator', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_experience_base')),
    sa.UniqueConstraint('name', name=op.f('uq_pub_experience_base_name'))
    )
    with op.batch_alter_table('pub_experience_base', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pub_experience_base_region_code'), ['region_code'], unique=False)

    op.create_table('pub_social_group',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('registration_no', sa.String(length=40), nullable=False),
    sa.Column('focus', sa.String(length=200), nullable=False),
    sa.Column('leader', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('founded_on', sa.Date(), nullable=True),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_social_group')),
    sa.UniqueConstraint('name', name=op.f('uq_pub_social_group_name'))
    )
    with op.batch_alter_table('pub_social_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pub_social_group_region_code'), ['region_code'], unique=False)

    op.create_table('pub_base_session',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('base_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('starts_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['base_id'], ['pub_experience_base.id'], name=op.f('fk_pub_base_session_base_id_pub_experience_base'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_base_session')),
    sa.UniqueConstraint('base_id', 'starts_at', name='uq_pub_base_session_start')
    )
    with op.batch_alter_table('pub_base_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pub_base_session_base_id'), ['base_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pub_base_session_region_code'), ['region_code'], unique=False)

    op.create_table('pub_event_registration',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('registrant', sa.String(length=200), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('contact', sa.String(length=50), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['pub_event.id'], name=op.f('fk_pub_event_registration_event_id_pub_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_event_registration')),
    sa.UniqueConstraint('event_id', 'registrant', name='uq_pub_event_registration_registrant')
    )
    with op.batch_alter_table('pub_event_registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pub_event_registration_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pub_event_registration_region_code'), ['region_code'], unique=False)

    op.create_table('pub_group_activity',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('member_ids', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['pub_social_group.id'], name=op.f('fk_pub_group_activity_group_id_pub_social_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_group_activity'))
    )
    with op.batch_alter_table('pub_group_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pub_group_activity_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pub_group_activity_region_code'), ['region_code'], unique=False)

    op.create_table('pub_group_member',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('skills', sa.String(length=200), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['pub_social_group.id'], name=op.f('fk_pub_group_member_group_id_pub_social_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_group_member')),
    sa.UniqueConstraint('group_id', 'name', 'phone', name='uq_pub_group_member_person')
    )
    with op.batch_alter_table('pub_group_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pub_group_member_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pub_group_member_region_code'), ['region_code'], unique=False)

    op.create_table('pub_base_booking',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('session_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('visitor', sa.String(length=200), nullable=False),
    sa.Column('visitor_kind', sa.String(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('contact', sa.String(length=50), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_pub_base_booking_organization_id_organization'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['pub_base_session.id'], name=op.f('fk_pub_base_booking_session_id_pub_base_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_base_booking')),
    sa.UniqueConstraint('session_id', 'visitor', name='uq_pub_base_booking_visitor')
    )
    with op.batch_alter_table('pub_base_booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pub_base_booking_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_pub_base_booking_session_id'), ['session_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pub_base_booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pub_base_booking_session_id'))
        batch_op.drop_index(batch_op.f('ix_pub_base_booking_region_code'))

    op.drop_table('pub_base_booking')

    with op.batch_alter_table('pub_group_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pub_group_member_region_code'))
        batch_op.drop_index(batch_op.f('ix_pub_group_member_group_id'))

    op.drop_table('pub_group_member')

    with op.batch_alter_table('pub_group_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pub_group_activity_region_code'))
        batch_op.drop_index(batch_op.f('ix_pub_group_activity_group_id'))

    op.drop_table('pub_group_activity')

    with op.batch_alter_table('pub_event_registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pub_event_registration_region_code'))
        batch_op.drop_index(batch_op.f('ix_pub_event_registration_event_id'))

    op.drop_table('pub_event_registration')

    with op.batch_alter_table('pub_base_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pub_base_session_region_code'))
        batch_op.drop_index(batch_op.f('ix_pub_base_session_base_id'))

    op.drop_table('pub_base_session')

    with op.batch_alter_table('pub_social_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pub_social_group_region_code'))

    op.drop_table('pub_social_group')

    with op.batch_alter_table('pub_experience_base', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pub_experience_base_region_code'))

    op.drop_table('pub_experience_base')

    with op.batch_alter_table('pub_event', schema=None) as batch_op:
        batch_op.drop_index('ix_pub_event_starts')
        batch_op.drop_index(batch_op.f('ix_pub_event_region_code'))

    op.drop_table('pub_event')
