"""payment runs: lines of runs not finalised kept in a staging table (issue 7 speed)

A run's lines are written to ``paymentdraftline`` when it is prepared or corrected; finalising
moves them, with their ids, into ``paymentline`` (one INSERT … SELECT, then a DELETE), so the
paid lines' indexes (paid once, monitoring, by applicant) are written once per line instead of
twice (a draft's insert, then finalising's UPDATE of ``live``). Upgrading moves the lines of every
run that is not finalised (draft, approved, cancelled) from ``paymentline`` into the new table;
downgrading moves them back (``live`` false).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0016'
down_revision: Union[str, None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = (
    "id, run_id, application_id, applicant_id, program_id, county_id, jalali_year, jalali_month, days, "
    "daily_wage_rial, rate_bp, percent, share_percent, full_amount_rial, amount_rial, agency_rial, government_rial, "
    "line_kind, corrects_line_id, sso_status, sso_reason, sso_checked_at"
)
NOT_FINALISED = "run_id IN (SELECT id FROM paymentrun WHERE status <> 'finalized')"


def upgrade() -> None:
    op.create_table(
        'paymentdraftline',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('applicant_id', sa.Integer(), nullable=False),
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('county_id', sa.Integer(), nullable=False),
        sa.Column('jalali_year', sa.Integer(), nullable=False),
        sa.Column('jalali_month', sa.Integer(), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('daily_wage_rial', sa.BigInteger(), nullable=False),
        sa.Column('rate_bp', sa.Integer(), nullable=False),
        sa.Column('percent', sa.Integer(), nullable=False),
        sa.Column('share_percent', sa.Integer(), nullable=False),
        sa.Column('full_amount_rial', sa.BigInteger(), nullable=False),
        sa.Column('amount_rial', sa.BigInteger(), nullable=False),
        sa.Column('agency_rial', sa.BigInteger(), nullable=False),
        sa.Column('government_rial', sa.BigInteger(), nullable=False),
        sa.Column('live', sa.Boolean(), nullable=False),
        sa.Column('line_kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('corrects_line_id', sa.Integer(), nullable=True),
        sa.Column('sso_status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('sso_reason', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.Column('sso_checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.CheckConstraint('agency_rial + government_rial = amount_rial', name='draft_line_shares_add_up'),
        sa.CheckConstraint('amount_rial >= 0 AND amount_rial <= full_amount_rial', name='draft_line_amount'),
        sa.CheckConstraint("line_kind IN ('payment', 'topup', 'reversal')", name='draft_line_kind'),
        sa.ForeignKeyConstraint(['run_id'], ['paymentrun.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('paymentdraftline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paymentdraftline_run_id'), ['run_id'], unique=False)
    op.execute(f"INSERT INTO paymentdraftline ({COLUMNS}, live) SELECT {COLUMNS}, live FROM paymentline "
               f"WHERE {NOT_FINALISED}")
    op.execute(f"DELETE FROM paymentline WHERE {NOT_FINALISED}")


def downgrade() -> None:
    op.execute(sa.text(f"INSERT INTO paymentline ({COLUMNS}, live) SELECT {COLUMNS}, :no FROM paymentdraftline")
               .bindparams(no=False))
    with op.batch_alter_table('paymentdraftline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paymentdraftline_run_id'))
    op.drop_table('paymentdraftline')
