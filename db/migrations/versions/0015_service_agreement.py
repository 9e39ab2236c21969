"""Service agreement (issue 12): a programme's validity period and its stage targets, each kept with
who set it and when; the unsourced SLA columns of programme leave (no figure is shipped as fact)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0015'
down_revision: Union[str, None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_COLUMNS = (('sla_valid_until', sa.Date()), ('sla_delivery_days', sa.Integer()), ('sla_in_person_visits', sa.Integer()))


def upgrade() -> None:
    op.create_table(
        'serviceagreement',
        sa.Column('program_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=True),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('set_by', sa.Integer(), nullable=True),
        sa.Column('set_by_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('set_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint('valid_from IS NULL OR valid_until IS NULL OR valid_from <= valid_until',
                           name='agreement_period_order'),
        sa.ForeignKeyConstraint(['program_id'], ['program.id']),
        sa.ForeignKeyConstraint(['set_by'], ['user.id']),
        sa.PrimaryKeyConstraint('program_id'),
    )
    op.create_table(
        'stagetarget',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('target_days', sa.Integer(), nullable=False),
        sa.Column('visits', sa.Integer(), nullable=False),
        sa.Column('set_by', sa.Integer(), nullable=True),
        sa.Column('set_by_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('set_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint('target_days > 0', name='stage_target_days_positive'),
        sa.CheckConstraint('visits >= 0', name='stage_target_visits'),
        sa.ForeignKeyConstraint(['program_id'], ['program.id']),
        sa.ForeignKeyConstraint(['set_by'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('program_id', 'stage'),
    )
    with op.batch_alter_table('stagetarget', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stagetarget_program_id'), ['program_id'], unique=False)
    # SQLite ≥ 3.35 and PostgreSQL both drop a column in place (none of these is in a constraint)
    for name, _ in OLD_COLUMNS:
        op.execute(f'ALTER TABLE program DROP COLUMN {name}')


def downgrade() -> None:
    for name, kind in OLD_COLUMNS:
        op.add_column('program', sa.Column(name, kind, nullable=True))
    with op.batch_alter_table('stagetarget', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stagetarget_program_id'))
    op.drop_table('stagetarget')
    op.drop_table('serviceagreement')
