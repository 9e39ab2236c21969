"""Cases per county, programme and state in a tally of their own (issue 11): the home page and the
monitoring screen's counts read a few rows per county instead of grouping the case tally

The case tally (0017) keeps the running cases also per what their premiums depend on (contract
rate, share, grant start and length) for the budget figures: 25,000 rows at 100,000 applicants,
50,000 at 300,000, which the home page grouped on every first render after a write. This tally
keeps only (county, programme, state) → cases — at most counties × programmes × states rows
whatever the number of cases — with the same kind of triggers as 0017 (SQLite: a row trigger an
upsert; PostgreSQL: a statement trigger over the transition tables, one grouped upsert a
statement), filled from the existing cases. Its index by programme and state covers the national
count.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01
"""
import importlib
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0022'
down_revision: Union[str, None] = '0021'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_M0017 = importlib.import_module("db.migrations.versions.0017_monitoring_summary")

TALLIES = (
    _M0017.Tally(
        "casestatetally", "application",
        keys=(("county_id", "{p}county_id"), ("program_id", "{p}program_id"), ("state", "{p}state")),
        sums=(("cases", "1"),),
        counted="1 = 1",
        watched=("county_id", "program_id", "state"),
    ),
)


def upgrade() -> None:
    op.create_table(
        'casestatetally',
        sa.Column('county_id', sa.Integer(), nullable=False),
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['county_id'], ['county.id']),
        sa.ForeignKeyConstraint(['program_id'], ['program.id']),
        sa.PrimaryKeyConstraint('county_id', 'program_id', 'state'),
    )
    op.create_index('ix_casestatetally_program_state', 'casestatetally', ['program_id', 'state', 'cases'])
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
    op.drop_index('ix_casestatetally_program_state', table_name='casestatetally')
    op.drop_table('casestatetally')
