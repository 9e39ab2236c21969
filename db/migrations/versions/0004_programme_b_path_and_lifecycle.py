"""programme B path, SSO branches, case lifecycle (issue 6)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # --- programme B path (helper H2): head of household, SSO branches, SSO refusals -----------
    op.create_table('ssobranch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['county.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('county_id', 'name', name='uq_ssobranch_name')
    )
    with op.batch_alter_table('ssobranch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ssobranch_county_id'), ['county_id'], unique=False)
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('head_of_household', sa.Boolean(), nullable=True))
    with op.batch_alter_table('introduction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('branch_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('refused_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('refusal_reason', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True))
        batch_op.add_column(sa.Column('refused_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_introduction_branch_id', 'ssobranch', ['branch_id'], ['id'])
        batch_op.create_foreign_key('fk_introduction_refused_by', 'user', ['refused_by'], ['id'])
    # --- end of programme B path (H2) -------------------------------------------------------------


def downgrade() -> None:
    # --- programme B path (helper H2) -------------------------------------------------------------
    with op.batch_alter_table('introduction', schema=None) as batch_op:
        batch_op.drop_constraint('fk_introduction_refused_by', type_='foreignkey')
        batch_op.drop_constraint('fk_introduction_branch_id', type_='foreignkey')
        batch_op.drop_column('refused_by')
        batch_op.drop_column('refusal_reason')
        batch_op.drop_column('refused_on')
        batch_op.drop_column('branch_id')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('head_of_household')
    with op.batch_alter_table('ssobranch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ssobranch_county_id'))
    op.drop_table('ssobranch')
    # --- end of programme B path (H2) -------------------------------------------------------------
