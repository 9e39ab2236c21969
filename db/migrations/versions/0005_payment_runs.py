"""payment runs, budgets, reconciliation (issue 7)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    _upgrade_payment_runs()  # H5 block (below): runs, lines, paid once over live lines, read-only
    _upgrade_budget()  # H6 block (below): who changed a budget, and only known funding sources


def downgrade() -> None:
    _downgrade_budget()  # H6 block (below)
    _downgrade_payment_runs()  # H5 block (below)


# ---------------------------------------------------------------- budget (H6: budgets, exports, reconciliation)
_BUDGET_SOURCES = "source IN ('program_30435', 'public_participation', 'other', 'relief_committee', 'government')"


def _upgrade_budget() -> None:
    with op.batch_alter_table('budget', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key('fk_budget_updated_by_user', 'user', ['updated_by'], ['id'])
        batch_op.create_check_constraint('budget_source', sa.text(_BUDGET_SOURCES))


def _downgrade_budget() -> None:
    with op.batch_alter_table('budget', schema=None) as batch_op:
        batch_op.drop_constraint('budget_source', type_='check')
        batch_op.drop_constraint('fk_budget_updated_by_user', type_='foreignkey')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('updated_by')
# ---------------------------------------------------------------- end of the budget block


# ---------------------------------------------------------------- payment runs (H5: runs, fitting, maker-checker)
_RUN_STATUS_OLD = "status IN ('draft', 'finalized', 'cancelled')"
_RUN_STATUS = "status IN ('draft', 'approved', 'finalized', 'cancelled')"
_PAID_ONCE_WHERE = "live AND line_kind = 'payment'"
# Columns of a live (finalised) line that never change; SSO's reconciliation columns may.
_LINE_FROZEN = (
    "run_id", "application_id", "applicant_id", "program_id", "jalali_year", "jalali_month", "days",
    "daily_wage_rial", "rate_bp", "percent", "share_percent", "full_amount_rial", "amount_rial",
    "agency_rial", "government_rial", "live", "line_kind", "corrects_line_id",
)


def _user_fk(batch_op, table: str, column: str) -> None:
    batch_op.create_foreign_key(f'fk_{table}_{column}_user', 'user', [column], ['id'])


def _upgrade_payment_runs() -> None:
    with op.batch_alter_table('paymentrun', schema=None) as batch_op:
        batch_op.add_column(sa.Column('county_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('end_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('end_month', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False,
                                      server_default='regular'))
        batch_op.add_column(sa.Column('corrects_run_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('paid_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('agency_rial', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('government_rial', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('people', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('line_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('held_back', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('wage_confirmed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('finalized_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True))
        batch_op.add_column(sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True))
        batch_op.create_foreign_key('fk_paymentrun_county_id_county', 'county', ['county_id'], ['id'])
        batch_op.create_foreign_key('fk_paymentrun_corrects_run_id_paymentrun', 'paymentrun', ['corrects_run_id'], ['id'])
        for column in ('wage_confirmed_by', 'approved_by', 'finalized_by', 'cancelled_by'):
            _user_fk(batch_op, 'paymentrun', column)
        batch_op.drop_constraint('run_status', type_='check')
        batch_op.create_check_constraint('run_status', sa.text(_RUN_STATUS))
        batch_op.create_check_constraint('run_kind', sa.text("kind IN ('regular', 'adjustment')"))

    with op.batch_alter_table('paymentline', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share_percent', sa.Integer(), nullable=False, server_default='100'))
        batch_op.add_column(sa.Column('live', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('line_kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False,
                                      server_default='payment'))
        batch_op.add_column(sa.Column('corrects_line_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sso_status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False,
                                      server_default='pending'))
        batch_op.add_column(sa.Column('sso_reason', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True))
        batch_op.add_column(sa.Column('sso_checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key('fk_paymentline_corrects_line_id_paymentline', 'paymentline', ['corrects_line_id'], ['id'])
        batch_op.drop_constraint('uq_paid_once', type_='unique')
        batch_op.create_check_constraint('line_kind', sa.text("line_kind IN ('payment', 'topup', 'reversal')"))
        batch_op.create_check_constraint('line_sso_status', sa.text("sso_status IN ('pending', 'confirmed', 'rejected')"))
        batch_op.create_check_constraint('line_share_percent', sa.text("share_percent >= 0 AND share_percent <= 100"))
    # Only a finalised run's lines are paid; a draft's or a cancelled run's never block a month.
    op.execute(
        sa.text("UPDATE paymentline SET live = :no WHERE run_id IN "
                "(SELECT id FROM paymentrun WHERE status <> 'finalized')").bindparams(no=False)
    )
    with op.batch_alter_table('paymentline', schema=None) as batch_op:
        batch_op.create_index('uq_paid_once_live', ['applicant_id', 'jalali_year', 'jalali_month'], unique=True,
                              sqlite_where=sa.text(_PAID_ONCE_WHERE), postgresql_where=sa.text(_PAID_ONCE_WHERE))
        batch_op.create_index('ix_paymentline_applicant_program', ['applicant_id', 'program_id'], unique=False)
    _create_payment_triggers()


def _create_payment_triggers() -> None:
    """A finalised run and its (live) lines are read-only; SSO's reconciliation columns excepted."""
    dialect = op.get_bind().dialect.name
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _LINE_FROZEN)
    if dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION bimeyar_finalized_run_readonly() RETURNS trigger AS $$ BEGIN "
            "IF OLD.status = 'finalized' THEN RAISE EXCEPTION 'finalized payment run % is read-only', OLD.id; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER paymentrun_finalized_readonly BEFORE UPDATE OR DELETE ON paymentrun "
            "FOR EACH ROW EXECUTE FUNCTION bimeyar_finalized_run_readonly()"
        )
        op.execute(
            "CREATE OR REPLACE FUNCTION bimeyar_live_line_readonly() RETURNS trigger AS $$ BEGIN "
            "IF OLD.live AND (TG_OP = 'DELETE' OR " + changed + ") THEN "
            "RAISE EXCEPTION 'payment line % of a finalized run is read-only', OLD.id; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER paymentline_live_readonly BEFORE UPDATE OR DELETE ON paymentline "
            "FOR EACH ROW EXECUTE FUNCTION bimeyar_live_line_readonly()"
        )
    else:
        sqlite_changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _LINE_FROZEN)
        op.execute(
            "CREATE TRIGGER paymentrun_finalized_no_update BEFORE UPDATE ON paymentrun WHEN OLD.status = 'finalized' "
            "BEGIN SELECT RAISE(ABORT, 'finalized payment run is read-only'); END"
        )
        op.execute(
            "CREATE TRIGGER paymentrun_finalized_no_delete BEFORE DELETE ON paymentrun WHEN OLD.status = 'finalized' "
            "BEGIN SELECT RAISE(ABORT, 'finalized payment run is read-only'); END"
        )
        op.execute(
            f"CREATE TRIGGER paymentline_live_no_update BEFORE UPDATE ON paymentline WHEN OLD.live AND ({sqlite_changed}) "
            "BEGIN SELECT RAISE(ABORT, 'payment line of a finalized run is read-only'); END"
        )
        op.execute(
            "CREATE TRIGGER paymentline_live_no_delete BEFORE DELETE ON paymentline WHEN OLD.live "
            "BEGIN SELECT RAISE(ABORT, 'payment line of a finalized run is read-only'); END"
        )


def _drop_payment_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS paymentrun_finalized_readonly ON paymentrun")
        op.execute("DROP TRIGGER IF EXISTS paymentline_live_readonly ON paymentline")
        op.execute("DROP FUNCTION IF EXISTS bimeyar_finalized_run_readonly()")
        op.execute("DROP FUNCTION IF EXISTS bimeyar_live_line_readonly()")
    else:
        for name in ("paymentrun_finalized_no_update", "paymentrun_finalized_no_delete",
                     "paymentline_live_no_update", "paymentline_live_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _downgrade_payment_runs() -> None:
    _drop_payment_triggers()
    # the old rule (one line per applicant, programme and month) cannot hold lines of cancelled runs
    op.execute(sa.text("DELETE FROM paymentline WHERE live = :no").bindparams(no=False))
    with op.batch_alter_table('paymentline', schema=None) as batch_op:
        batch_op.drop_index('ix_paymentline_applicant_program')
        batch_op.drop_index('uq_paid_once_live')
        batch_op.drop_constraint('line_share_percent', type_='check')
        batch_op.drop_constraint('line_sso_status', type_='check')
        batch_op.drop_constraint('line_kind', type_='check')
        batch_op.drop_constraint('fk_paymentline_corrects_line_id_paymentline', type_='foreignkey')
        batch_op.create_unique_constraint('uq_paid_once', ['applicant_id', 'program_id', 'jalali_year', 'jalali_month'])
        for column in ('sso_checked_at', 'sso_reason', 'sso_status', 'corrects_line_id', 'line_kind', 'live',
                       'share_percent'):
            batch_op.drop_column(column)
    op.execute("UPDATE paymentrun SET status = 'draft' WHERE status = 'approved'")
    with op.batch_alter_table('paymentrun', schema=None) as batch_op:
        batch_op.drop_constraint('run_kind', type_='check')
        batch_op.drop_constraint('run_status', type_='check')
        batch_op.create_check_constraint('run_status', sa.text(_RUN_STATUS_OLD))
        for column in ('cancelled_by', 'finalized_by', 'approved_by', 'wage_confirmed_by'):
            batch_op.drop_constraint(f'fk_paymentrun_{column}_user', type_='foreignkey')
        batch_op.drop_constraint('fk_paymentrun_corrects_run_id_paymentrun', type_='foreignkey')
        batch_op.drop_constraint('fk_paymentrun_county_id_county', type_='foreignkey')
        for column in ('note', 'cancel_reason', 'cancelled_at', 'cancelled_by', 'finalized_by', 'approved_at',
                       'approved_by', 'wage_confirmed_by', 'held_back', 'line_count', 'people', 'government_rial',
                       'agency_rial', 'paid_months', 'corrects_run_id', 'kind', 'end_month', 'end_year', 'county_id'):
            batch_op.drop_column(column)
# ---------------------------------------------------------------- end of the payment-runs block
