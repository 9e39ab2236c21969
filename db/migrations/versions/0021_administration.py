"""Administration (issue 12): programme parameters as versions (rate, shares, cap of months; each
programme's current values become its version 1), and a county can be retired (``county.active``)

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0021'
down_revision: Union[str, None] = '0020'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'programparameterversion',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('rate_bp', sa.Integer(), nullable=False),
        sa.Column('max_months', sa.Integer(), nullable=True),
        sa.Column('agency_share_bp', sa.Integer(), nullable=True),
        sa.Column('government_share_bp', sa.Integer(), nullable=True),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column('set_by', sa.Integer(), nullable=True),
        sa.Column('set_by_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('set_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint('version > 0', name='parameter_version_positive'),
        sa.CheckConstraint('rate_bp > 0 AND rate_bp <= 10000', name='parameter_rate_range'),
        sa.CheckConstraint('max_months IS NULL OR (max_months > 0 AND max_months <= 600)', name='parameter_max_months'),
        sa.CheckConstraint(
            '(agency_share_bp IS NULL AND government_share_bp IS NULL) OR (agency_share_bp >= 0 AND '
            'government_share_bp >= 0 AND agency_share_bp + government_share_bp = rate_bp)',
            name='parameter_shares_add_up',
        ),
        sa.ForeignKeyConstraint(['program_id'], ['program.id']),
        sa.ForeignKeyConstraint(['set_by'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('program_id', 'version'),
    )
    with op.batch_alter_table('programparameterversion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programparameterversion_program_id'), ['program_id'], unique=False)
    # a database already holding programmes: their current values are version 1 (a new database gets
    # its programmes from the reference data afterwards; services.program_parameters reads those as
    # the values loaded with the reference data until an administrator saves a version)
    op.execute(
        "INSERT INTO programparameterversion (program_id, version, rate_bp, max_months, agency_share_bp, "
        "government_share_bp, note, set_by, set_by_name, set_at) "
        "SELECT id, 1, rate_bp, max_months, agency_share_bp, government_share_bp, NULL, NULL, "
        "'داده‌های پایه', CURRENT_TIMESTAMP FROM program WHERE rate_bp > 0"
    )
    # a plain ADD COLUMN on both databases: SQLite's batch mode would copy the table (county is
    # referenced by most tables, so the copy fails on a database with data, and copying drops triggers)
    op.add_column('county', sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('county', schema=None) as batch_op:
        batch_op.drop_column('active')
    with op.batch_alter_table('programparameterversion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programparameterversion_program_id'))
    op.drop_table('programparameterversion')
