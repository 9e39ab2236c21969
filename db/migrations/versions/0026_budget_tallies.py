"""Three more tallies for the budget estimate and the monitoring screen (issue 11): cases per person,
months paid per person and case, and running cases per province and what their premiums depend on

* ``personcasetally`` — applicant → cases. The budget estimate reads, case by case, the running
  cases of people with more than one case (months paid on another case count against programme A's
  cap); it found them by grouping the whole person index of the cases (≈ 35 ms at 100,000
  applicants). Its index by count lists the people with several cases directly.
* ``paidtally`` — (applicant, case) → live payment lines of kind payment (one a month paid): the
  months a person was paid on her other cases are a few rows of it, instead of her payment lines
  read one by one.
* ``provincecosttally`` — running cases (active, suspended) per the county's province, programme,
  contract rate, share, grant start and length: the case tally's premium rows (0017) with the
  counties of a province added together, so the monitoring screen's national view prices the
  committed cost from about a third of the rows, already in the province order it groups by. The
  province is the case's county's (as the screen counts a case), looked up by the trigger.

A row of the first two goes with its person or case (ON DELETE CASCADE: a count may stay at 0 after
the rows it counts were deleted, and must not keep the person from being deleted). Both kept like 0017 and 0022 (SQLite: a row trigger, one upsert; PostgreSQL: a statement trigger
over the transition tables, one grouped upsert a statement), filled from the existing cases; bulk
loads on SQLite rebuild them set-based (db.derived).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01
"""
import importlib
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0026'
down_revision: Union[str, None] = '0025'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_M0017 = importlib.import_module("db.migrations.versions.0017_monitoring_summary")


def _none(column: str) -> str:
    return f"COALESCE({{p}}{column}, -1)"


TALLIES = (
    _M0017.Tally(
        "personcasetally", "application",
        keys=(("applicant_id", "{p}applicant_id"),),
        sums=(("cases", "1"),),
        counted="1 = 1",
        watched=("applicant_id",),
    ),
    _M0017.Tally(
        "paidtally", "paymentline",
        keys=(("applicant_id", "{p}applicant_id"), ("application_id", "{p}application_id")),
        sums=(("lines", "1"),),
        counted="{p}live AND {p}line_kind = 'payment'",
        watched=("applicant_id", "application_id", "live", "line_kind"),
    ),
    _M0017.Tally(
        "provincecosttally", "application",
        keys=(("province_id", "(SELECT county.province_id FROM county WHERE county.id = {p}county_id)"),
              ("program_id", "{p}program_id"), ("contract_rate_bp", _none("contract_rate_bp")),
              ("share_percent", _none("share_percent")), ("start_year", _none("start_year")),
              ("start_month", _none("start_month")), ("months_granted", _none("months_granted"))),
        sums=(("cases", "1"),),
        counted=f"{{p}}state IN ({_M0017.RUNNING})",
        watched=("county_id", "program_id", "state", "contract_rate_bp", "share_percent", "start_year",
                 "start_month", "months_granted"),
    ),
)

COST_KEYS = ['province_id', 'program_id', 'contract_rate_bp', 'share_percent', 'start_year', 'start_month',
             'months_granted']


def upgrade() -> None:
    op.create_table(
        'personcasetally',
        sa.Column('applicant_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['applicant_id'], ['applicant.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('applicant_id'),
    )
    op.create_index('ix_personcasetally_cases', 'personcasetally', ['cases', 'applicant_id'])
    op.create_table(
        'paidtally',
        sa.Column('applicant_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('application_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('lines', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['applicant_id'], ['applicant.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('applicant_id', 'application_id'),
    )
    op.create_table(
        'provincecosttally',
        *(sa.Column(name, sa.Integer(), autoincrement=False, nullable=False) for name in COST_KEYS),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['province_id'], ['province.id']),
        sa.ForeignKeyConstraint(['program_id'], ['program.id']),
        sa.PrimaryKeyConstraint(*COST_KEYS),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for t in TALLIES:
        _M0017._backfill(t)
        for statement in _M0017._pg_triggers(t) if postgresql else _M0017._sqlite_triggers(t):
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for t in TALLIES:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {t.table}_{event}" + (f" ON {t.source}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS bimeyar_{t.table}()")
    op.drop_table('provincecosttally')
    op.drop_table('paidtally')
    op.drop_index('ix_personcasetally_cases', table_name='personcasetally')
    op.drop_table('personcasetally')
