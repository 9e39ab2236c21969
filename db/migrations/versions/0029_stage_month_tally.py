"""Finished stages per programme, stage, county and Jalali month, kept by triggers (issue 11): the SLA
dashboard sums a few rows per county and month for the whole months of its period instead of
grouping every stage finished in it (twice: per county and per day)

* ``jalalimonth``: every Jalali month of the years 1300–1599 (Gregorian 1921–2221) with its first
  and last day — how the database tells which month a day falls in (``first_day`` ≤ day, the
  latest), filled here from jdatetime.
* ``stagemonthtally``: per programme, stage, Jalali month (its first day), province and county, of
  the stage times kept in ``stagereach`` (0025; those with days): how many (``done``), the sum of
  their days (``days_sum``) and how many took longer than the stage's target (``late``, against the
  target in ``stagetarget`` now). Kept like the tallies of 0017 (SQLite: a row trigger an upsert;
  PostgreSQL: statement triggers over the transition tables, one grouped upsert a statement, in key
  order) from ``stagereach`` — which the event triggers of 0025 write in the event's transaction.
  A target set or changed recounts ``late`` for its stage (a trigger on ``stagetarget``: the stage's
  rows of each month read again through ``stagereach``'s county index).

The dashboard reads the period's whole months here and its two partial months at the ends from
``stagereach`` (through its day index). Bulk loads on SQLite rebuild the tally set-based (db.derived).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01
"""
import importlib
from datetime import timedelta
from typing import Sequence, Union

import jdatetime
import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0029'
down_revision: Union[str, None] = '0028'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_M0017 = importlib.import_module("db.migrations.versions.0017_monitoring_summary")

MONTHS = "jalalimonth"
YEARS = range(1300, 1600)
TABLE = "stagemonthtally"
# the month a day falls in: the latest first day not after it
MONTH_OF = f"(SELECT m.first_day FROM {MONTHS} m WHERE m.first_day <= {{p}}day ORDER BY m.first_day DESC LIMIT 1)"
TARGET_OF = "(SELECT t.target_days FROM stagetarget t WHERE t.program_id = {p}program_id AND t.stage = {p}state)"

TALLY = _M0017.Tally(
    TABLE, "stagereach",
    keys=(("program_id", "{p}program_id"), ("state", "{p}state"), ("month", MONTH_OF),
          ("province_id", "{p}province_id"), ("county_id", "{p}county_id")),
    sums=(("done", "1"), ("days_sum", "{p}days"), ("late", f"CASE WHEN {{p}}days > {TARGET_OF} THEN 1 ELSE 0 END")),
    counted="{p}days IS NOT NULL",
    watched=("program_id", "state", "day", "province_id", "county_id", "days"),
)
TALLIES = (TALLY,)
# the tally per county in its order (the key is in month order): a period's counties summed without a sort
COUNTY_INDEX = ("ix_stagemonthtally_county", ["program_id", "state", "province_id", "county_id", "month", "done",
                                              "days_sum", "late"])


def backfill_sql() -> str:
    """SQL: the tally from every kept stage time (the source's columns named by its table: a bare
    ``program_id`` inside the target's subquery would be the target's own)."""
    t, p = TALLY, f"{TALLY.source}."
    keys = ", ".join(expr.format(p=p) for _, expr in t.keys)
    sums = ", ".join(f"sum({expr.format(p=p)})" for _, expr in t.sums)
    positions = ", ".join(str(i + 1) for i in range(len(t.keys)))
    return (f"INSERT INTO {t.table} ({t.columns()}) SELECT {keys}, {sums} FROM {t.source} "
            f"WHERE {t.counted.format(p=p)} GROUP BY {positions}")


def month_rows() -> list[dict]:
    rows = []
    for year in YEARS:
        for month in range(1, 13):
            first = jdatetime.date(year, month, 1).togregorian()
            following = jdatetime.date(year + (month == 12), month % 12 + 1, 1).togregorian()
            rows.append({"first_day": first, "last_day": following - timedelta(days=1), "jalali_year": year,
                         "jalali_month": month})
    return rows


def recount_late(program: str, stage: str) -> str:
    """SQL: ``late`` of the tally's rows of one stage (``program`` and ``stage`` are expressions)
    counted again against the stage's target now, from ``stagereach``."""
    t = TABLE
    late = (f"(SELECT count(*) FROM stagereach r JOIN {MONTHS} m ON m.first_day = {t}.month "
            f"WHERE r.program_id = {t}.program_id AND r.state = {t}.state AND r.province_id = {t}.province_id "
            f"AND r.county_id = {t}.county_id AND r.days > {TARGET_OF.format(p=f'{t}.')} "
            f"AND r.day BETWEEN m.first_day AND m.last_day)")
    return f"UPDATE {t} SET late = {late} WHERE program_id = {program} AND state = {stage}"


def _target_triggers(postgresql: bool) -> list[str]:
    name = f"{TABLE}_target"
    if postgresql:
        body = (f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {recount_late('OLD.program_id', 'OLD.stage')}; END IF; "
                f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {recount_late('NEW.program_id', 'NEW.stage')}; END IF;")
        return [
            f"CREATE OR REPLACE FUNCTION bimeyar_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{body} RETURN NULL; END $$",
            f"CREATE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE OF program_id, stage, target_days ON stagetarget "
            f"FOR EACH ROW EXECUTE FUNCTION bimeyar_{name}()",
        ]
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON stagetarget FOR EACH ROW BEGIN "
        f"{recount_late('NEW.program_id', 'NEW.stage')}; END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF program_id, stage, target_days ON stagetarget FOR EACH ROW "
        f"BEGIN {recount_late('OLD.program_id', 'OLD.stage')}; {recount_late('NEW.program_id', 'NEW.stage')}; END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON stagetarget FOR EACH ROW BEGIN "
        f"{recount_late('OLD.program_id', 'OLD.stage')}; END",
    ]


def upgrade() -> None:
    months = op.create_table(
        MONTHS,
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.Column('jalali_year', sa.Integer(), nullable=False),
        sa.Column('jalali_month', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('first_day'),
    )
    op.bulk_insert(months, month_rows())
    op.create_table(
        TABLE,
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('province_id', sa.Integer(), nullable=False),
        sa.Column('county_id', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('days_sum', sa.Float(), nullable=False),
        sa.Column('late', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['program_id'], ['program.id']),
        sa.ForeignKeyConstraint(['province_id'], ['province.id']),
        sa.ForeignKeyConstraint(['county_id'], ['county.id']),
        sa.PrimaryKeyConstraint('program_id', 'state', 'month', 'province_id', 'county_id'),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.execute(backfill_sql())
    op.create_index(COUNTY_INDEX[0], TABLE, COUNTY_INDEX[1])
    for statement in [*(_M0017._pg_triggers(TALLY) if postgresql else _M0017._sqlite_triggers(TALLY)),
                      *_target_triggers(postgresql)]:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{event}" + (" ON stagereach" if postgresql else ""))
    if postgresql:
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_target ON stagetarget")
        op.execute(f"DROP FUNCTION IF EXISTS bimeyar_{TABLE}()")
        op.execute(f"DROP FUNCTION IF EXISTS bimeyar_{TABLE}_target()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_target_{event}")
    op.drop_table(TABLE)
    op.drop_table(MONTHS)
