"""Monitoring tallies (issue 8): cases, live payment lines and introductions counted per county,
kept by triggers in the transaction of every write, filled from the existing rows

The monitoring screen, the home page and the credit check read these small tables instead of
grouping every case and every payment line of the year; the payment lines' covering index for the
monitoring screen (0009) goes. SQLite: row triggers (one upsert a changed row). PostgreSQL:
statement triggers over the statement's changed rows (transition tables): one grouped upsert a
statement, so a 100,000-line finalise adds one grouped pass, not 100,000 upserts.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""
from dataclasses import dataclass
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0017'
down_revision: Union[str, None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

RUNNING = "'active', 'suspended'"


def _detail(column: str) -> str:
    """A premium detail of a running case; -1 ("none") for NULL and for the other states."""
    return f"CASE WHEN {{p}}state IN ({RUNNING}) THEN COALESCE({{p}}{column}, -1) ELSE -1 END"


@dataclass(frozen=True)
class Tally:
    table: str
    source: str
    keys: tuple[tuple[str, str], ...]  # (tally column, expression over the source row prefixed {p})
    sums: tuple[tuple[str, str], ...]
    counted: str  # which source rows count (expression over {p})
    watched: tuple[str, ...]  # source columns whose change can move a row between keys

    def key_names(self) -> str:
        return ", ".join(name for name, _ in self.keys)

    def columns(self) -> str:
        return ", ".join(name for name, _ in (*self.keys, *self.sums))

    def values(self, prefix: str, sign: int) -> str:
        keys = [expr.format(p=prefix) for _, expr in self.keys]
        sums = [f"{sign} * ({expr.format(p=prefix)})" for _, expr in self.sums]
        return ", ".join(keys + sums)

    def on_conflict(self, alias: str) -> str:
        adds = ", ".join(f"{name} = {alias}.{name} + excluded.{name}" for name, _ in self.sums)
        return f"ON CONFLICT ({self.key_names()}) DO UPDATE SET {adds}"


TALLIES = (
    Tally(
        "casetally", "application",
        keys=(("county_id", "{p}county_id"), ("program_id", "{p}program_id"), ("state", "{p}state"),
              ("contract_rate_bp", _detail("contract_rate_bp")), ("share_percent", _detail("share_percent")),
              ("start_year", _detail("start_year")), ("start_month", _detail("start_month")),
              ("months_granted", _detail("months_granted"))),
        sums=(("cases", "1"),),
        counted="1 = 1",
        watched=("county_id", "program_id", "state", "contract_rate_bp", "share_percent", "start_year",
                 "start_month", "months_granted"),
    ),
    Tally(
        "spendtally", "paymentline",
        keys=(("jalali_year", "{p}jalali_year"), ("county_id", "{p}county_id"), ("program_id", "{p}program_id"),
              ("jalali_month", "{p}jalali_month"), ("sso_status", "{p}sso_status"), ("line_kind", "{p}line_kind")),
        sums=(("lines", "1"), ("agency_rial", "{p}agency_rial"), ("government_rial", "{p}government_rial")),
        counted="{p}live",
        watched=("live", "jalali_year", "county_id", "program_id", "jalali_month", "sso_status", "line_kind",
                 "agency_rial", "government_rial"),
    ),
    Tally(
        "seattally", "introduction",
        keys=(("jalali_year", "{p}jalali_year"), ("county_id", "{p}county_id")),
        sums=(("introduced", "1"),),
        counted="{p}refused_on IS NULL",
        watched=("jalali_year", "county_id", "refused_on"),
    ),
)


def _create_tables() -> None:
    op.create_table(
        'casetally',
        sa.Column('county_id', sa.Integer(), nullable=False),
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column('contract_rate_bp', sa.Integer(), nullable=False),
        sa.Column('share_percent', sa.Integer(), nullable=False),
        sa.Column('start_year', sa.Integer(), nullable=False),
        sa.Column('start_month', sa.Integer(), nullable=False),
        sa.Column('months_granted', sa.Integer(), nullable=False),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['county_id'], ['county.id']),
        sa.ForeignKeyConstraint(['program_id'], ['program.id']),
        sa.PrimaryKeyConstraint('county_id', 'program_id', 'state', 'contract_rate_bp', 'share_percent',
                                'start_year', 'start_month', 'months_granted'),
    )
    op.create_table(
        'spendtally',
        sa.Column('jalali_year', sa.Integer(), nullable=False),
        sa.Column('county_id', sa.Integer(), nullable=False),
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('jalali_month', sa.Integer(), nullable=False),
        sa.Column('sso_status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('line_kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('lines', sa.Integer(), nullable=False),
        sa.Column('agency_rial', sa.BigInteger(), nullable=False),
        sa.Column('government_rial', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['county_id'], ['county.id']),
        sa.ForeignKeyConstraint(['program_id'], ['program.id']),
        sa.PrimaryKeyConstraint('jalali_year', 'county_id', 'program_id', 'jalali_month', 'sso_status', 'line_kind'),
    )
    op.create_table(
        'seattally',
        sa.Column('jalali_year', sa.Integer(), nullable=False),
        sa.Column('county_id', sa.Integer(), nullable=False),
        sa.Column('introduced', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['county_id'], ['county.id']),
        sa.PrimaryKeyConstraint('jalali_year', 'county_id'),
    )


def _backfill(t: Tally) -> None:
    positions = ", ".join(str(i + 1) for i in range(len(t.keys)))
    keys = ", ".join(expr.format(p="") for _, expr in t.keys)
    sums = ", ".join(f"sum({expr.format(p='')})" for _, expr in t.sums)
    op.execute(
        f"INSERT INTO {t.table} ({t.columns()}) SELECT {keys}, {sums} FROM {t.source} "
        f"WHERE {t.counted.format(p='')} GROUP BY {positions}"
    )


def _sqlite_upsert(t: Tally, prefix: str, sign: int) -> str:
    # INSERT … SELECT … WHERE: the row counts only if it is counted (the WHERE also keeps SQLite's
    # parser from reading ON CONFLICT as a join's ON)
    return (
        f"INSERT INTO {t.table} ({t.columns()}) SELECT {t.values(prefix, sign)} "
        f"WHERE {t.counted.format(p=prefix)} {t.on_conflict(t.table)};"
    )


def _sqlite_triggers(t: Tally) -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in t.watched)
    return [
        f"CREATE TRIGGER {t.table}_insert AFTER INSERT ON {t.source} FOR EACH ROW "
        f"BEGIN {_sqlite_upsert(t, 'NEW.', 1)} END",
        f"CREATE TRIGGER {t.table}_delete AFTER DELETE ON {t.source} FOR EACH ROW "
        f"BEGIN {_sqlite_upsert(t, 'OLD.', -1)} END",
        f"CREATE TRIGGER {t.table}_update AFTER UPDATE OF {', '.join(t.watched)} ON {t.source} FOR EACH ROW "
        f"WHEN {changed} BEGIN {_sqlite_upsert(t, 'OLD.', -1)} {_sqlite_upsert(t, 'NEW.', 1)} END",
    ]


def _pg_upsert(t: Tally, parts: list[tuple[str, int]]) -> str:
    """One grouped upsert of the rows of the transition tables ``parts`` (name, sign); in key order
    so that concurrent statements lock the tally rows in the same order."""
    key_names = t.key_names()
    selects = " UNION ALL ".join(
        f"SELECT {t.values('r.', sign)} FROM {rows} r WHERE {t.counted.format(p='r.')}" for rows, sign in parts
    )
    # the derived table's columns are named like the tally's
    sums = ", ".join(f"sum({name})" for name, _ in t.sums)
    nonzero = " OR ".join(f"sum({name}) <> 0" for name, _ in t.sums)
    return (
        f"INSERT INTO {t.table} AS t ({t.columns()}) SELECT {key_names}, {sums} "
        f"FROM ({selects}) AS d ({t.columns()}) GROUP BY {key_names} HAVING {nonzero} ORDER BY {key_names} "
        f"{t.on_conflict('t')};"
    )


def _pg_triggers(t: Tally) -> list[str]:
    function = f"bimeyar_{t.table}"
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN {_pg_upsert(t, [('new_rows', 1)])} "
        f"ELSIF TG_OP = 'DELETE' THEN {_pg_upsert(t, [('old_rows', -1)])} "
        f"ELSE {_pg_upsert(t, [('old_rows', -1), ('new_rows', 1)])} END IF; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER {t.table}_insert AFTER INSERT ON {t.source} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {t.table}_update AFTER UPDATE ON {t.source} REFERENCING OLD TABLE AS old_rows "
        f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {t.table}_delete AFTER DELETE ON {t.source} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


PAYMENTLINE_MONITORING_COLUMNS = ['jalali_year', 'live', 'county_id', 'program_id', 'jalali_month', 'sso_status',
                                  'line_kind', 'agency_rial', 'government_rial']


def upgrade() -> None:
    # nothing reads the year's lines in this index's order any more (the spend tally answers the
    # monitoring screen, the home page and the credit check): a finalise no longer writes it
    op.drop_index('ix_paymentline_monitoring', table_name='paymentline')
    _create_tables()
    postgresql = op.get_bind().dialect.name == "postgresql"
    for t in TALLIES:
        _backfill(t)
        for statement in _pg_triggers(t) if postgresql else _sqlite_triggers(t):
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for t in TALLIES:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {t.table}_{event}" + (f" ON {t.source}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS bimeyar_{t.table}()")
    for table in ('seattally', 'spendtally', 'casetally'):
        op.drop_table(table)
    op.create_index('ix_paymentline_monitoring', 'paymentline', PAYMENTLINE_MONITORING_COLUMNS)
