"""Each case's first reaching of each stage's state, kept by triggers: the SLA dashboard reads stage
times through indexes instead of grouping every case's timeline (issue 11)

``stagereach`` holds one row per case and stage state it reached (received, scored, the
committees' decisions, introduced, active): when it first reached it (``reached_at``), the Tehran
day of that, and the stage's time in days (``days``: from the first reaching of the state that
starts the stage — the previous stage's state of the case's programme, or the application date for
«received» — fractional, as the dashboard measures it; NULL when the case never reached that state,
or the state is no stage of its programme). The case's programme, province and county are copied so
the dashboard filters and groups without reading the cases.

Kept in the transaction of every write:

* an event inserted (SQLite: a row trigger; PostgreSQL: a statement trigger over the inserted rows)
  sets the case's first reaching of its state (the earlier time wins) and works its stage times out
  again (at most six rows a case);
* an event changed or deleted (nothing does either today): the cases' rows are read again from
  their events;
* a case's programme, area or application date changed: its rows follow (a row trigger, which
  fires only when one of those changes).

Filled from the existing events here; bulk loads on SQLite rebuild it set-based (db.derived).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0025'
down_revision: Union[str, None] = '0024'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLE = "stagereach"
STAGE_STATES = ("received", "scored", "county_decision", "province_decision", "introduced", "active")
# the state whose first reaching starts each stage, per programme code (lib.service_agreement.stage_starts
# when this was written; tests/db/test_derived.py checks they still agree)
STAGE_STARTS = {
    "A": {"scored": "received", "county_decision": "scored", "province_decision": "county_decision",
          "active": "province_decision"},
    "B": {"county_decision": "received", "introduced": "county_decision", "active": "introduced"},
}
FIRST_STAGE = "received"  # starts on the application date
INDEXES = {
    # per county of the area: counts and sums grouped in the index's order, the percentile read from the top
    "ix_stagereach_county": ["program_id", "state", "province_id", "county_id", "days", "day"],
    # the whole area: the percentile read from the top of each stage
    "ix_stagereach_area": ["program_id", "state", "days", "day", "province_id", "county_id"],
    # the trend: a stage's days of the period
    "ix_stagereach_day": ["program_id", "state", "day", "days", "province_id", "county_id"],
}
CASE_COLUMNS = ("program_id", "province_id", "county_id", "applied_on")  # what the rows copy or depend on
_STATES = ", ".join(f"'{s}'" for s in STAGE_STATES)


def _day(at: str, postgresql: bool) -> str:
    """The Tehran day of a stored UTC time (as services.sla_dashboard.tehran_day)."""
    return f"CAST(({at} AT TIME ZONE 'Asia/Tehran') AS DATE)" if postgresql else f"date({at}, '+210 minutes')"


def _start_state(row: str) -> str:
    """The state whose first reaching starts the stage of ``row`` (an alias of this table)."""
    arms = " ".join(
        f"WHEN '{code}' THEN CASE {row}.state "
        + " ".join(f"WHEN '{stage}' THEN '{start}'" for stage, start in starts.items()) + " END"
        for code, starts in STAGE_STARTS.items()
    )
    return f"CASE (SELECT p.code FROM program p WHERE p.id = {row}.program_id) {arms} END"


def days_sql(row: str, postgresql: bool) -> str:
    """The stage time in days of ``row`` (later − earlier, fractional), from its case's rows."""
    started = (f"CASE WHEN {row}.state = '{FIRST_STAGE}' "
               f"THEN {'CAST(a.applied_on AS TIMESTAMPTZ)' if postgresql else 'a.applied_on'} "
               f"ELSE (SELECT s.reached_at FROM {TABLE} s WHERE s.application_id = {row}.application_id "
               f"AND s.state = {_start_state(row)}) END")
    if postgresql:
        span = f"EXTRACT(EPOCH FROM ({row}.reached_at - {started})) / 86400.0"
    else:
        span = f"julianday({row}.reached_at) - julianday({started})"
    return f"(SELECT {span} FROM application a WHERE a.id = {row}.application_id)"


def fill_sql(postgresql: bool, cases: str | None = None, events: str = "applicationevent") -> list[str]:
    """Rows of the cases ``cases`` (a subquery of application ids; None: every case) read from their
    ``events``: the first reachings (the earlier time kept when a row is there), then the stage times.
    Used by the migration, the triggers of a changed or deleted event and db.derived's rebuild."""
    scope = "" if cases is None else f" AND e.application_id IN ({cases})"
    upsert = (
        f"INSERT INTO {TABLE} (application_id, state, program_id, province_id, county_id, reached_at, day) "
        f"SELECT f.application_id, f.to_state, a.program_id, a.province_id, a.county_id, f.at, {_day('f.at', postgresql)} "
        f"FROM (SELECT e.application_id, e.to_state, min(e.at) AS at FROM {events} e "
        f"WHERE e.to_state IN ({_STATES}){scope} GROUP BY e.application_id, e.to_state) f "
        f"JOIN application a ON a.id = f.application_id "
        f"WHERE 1 = 1 ORDER BY f.application_id, f.to_state "  # WHERE: SQLite would read ON CONFLICT as a join's ON
        f"ON CONFLICT (application_id, state) DO UPDATE SET reached_at = excluded.reached_at, day = excluded.day "
        f"WHERE excluded.reached_at < {TABLE}.reached_at"
    )
    return [upsert, days_update(postgresql, cases)]


def days_update(postgresql: bool, cases: str | None = None) -> str:
    """Work out again the stage times of the cases ``cases`` (a subquery of ids; None: all)."""
    where = "" if cases is None else f" WHERE {TABLE}.application_id IN ({cases})"
    return f"UPDATE {TABLE} SET days = {days_sql(TABLE, postgresql)}{where}"


def _refill(postgresql: bool, ids: str) -> str:
    """The rows of the cases ``ids`` read again from their events (an event changed or deleted)."""
    return f"DELETE FROM {TABLE} WHERE application_id IN ({ids}); " + "; ".join(fill_sql(postgresql, ids)) + ";"


def _follow_case(postgresql: bool) -> str:
    """A case's rows follow its programme, area and application date (NEW: the case)."""
    return (f"UPDATE {TABLE} SET program_id = NEW.program_id, province_id = NEW.province_id, "
            f"county_id = NEW.county_id WHERE application_id = NEW.id; {days_update(postgresql, 'SELECT NEW.id')};")


def _case_changed(differ: str) -> str:
    return " OR ".join(f"OLD.{c} {differ} NEW.{c}" for c in CASE_COLUMNS)


def _sqlite_triggers() -> list[str]:
    one = "SELECT NEW.application_id"
    return [
        f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON applicationevent FOR EACH ROW "
        f"WHEN NEW.to_state IN ({_STATES}) BEGIN "
        f"INSERT INTO {TABLE} (application_id, state, program_id, province_id, county_id, reached_at, day) "
        f"SELECT NEW.application_id, NEW.to_state, a.program_id, a.province_id, a.county_id, NEW.at, {_day('NEW.at', False)} "
        f"FROM application a WHERE a.id = NEW.application_id "
        f"ON CONFLICT (application_id, state) DO UPDATE SET reached_at = excluded.reached_at, day = excluded.day "
        f"WHERE excluded.reached_at < {TABLE}.reached_at; "
        f"{days_update(False, one)}; END",
        f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF application_id, to_state, at ON applicationevent FOR EACH ROW "
        f"BEGIN {_refill(False, 'SELECT OLD.application_id UNION SELECT NEW.application_id')} END",
        f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON applicationevent FOR EACH ROW "
        f"BEGIN {_refill(False, 'SELECT OLD.application_id')} END",
        f"CREATE TRIGGER {TABLE}_case AFTER UPDATE OF {', '.join(CASE_COLUMNS)} ON application FOR EACH ROW "
        f"WHEN {_case_changed('IS NOT')} BEGIN {_follow_case(False)} END",
    ]


def _lock(ids: str) -> str:
    """PostgreSQL: the cases ``ids`` locked first, in id order, so that two transactions writing
    events of one case take turns and the second reads the first's rows (each statement of the
    trigger function reads anew once the lock is granted)."""
    return f"PERFORM 1 FROM application WHERE id IN ({ids}) ORDER BY id FOR NO KEY UPDATE;"


def _pg_triggers() -> list[str]:
    inserted = f"SELECT DISTINCT application_id FROM new_rows WHERE to_state IN ({_STATES})"
    touched = "SELECT application_id FROM old_rows UNION SELECT application_id FROM new_rows"
    return [
        f"CREATE OR REPLACE FUNCTION bimeyar_{TABLE}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN {_lock(inserted)} {'; '.join(fill_sql(True, inserted, 'new_rows'))}; "
        f"ELSIF TG_OP = 'DELETE' THEN {_lock('SELECT application_id FROM old_rows')} "
        f"{_refill(True, 'SELECT application_id FROM old_rows')} "
        f"ELSE {_lock(touched)} {_refill(True, touched)} END IF; RETURN NULL; END $$",
        f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON applicationevent REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION bimeyar_{TABLE}()",
        f"CREATE TRIGGER {TABLE}_update AFTER UPDATE ON applicationevent REFERENCING OLD TABLE AS old_rows "
        f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bimeyar_{TABLE}()",
        f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON applicationevent REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION bimeyar_{TABLE}()",
        f"CREATE OR REPLACE FUNCTION bimeyar_{TABLE}_case() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{_follow_case(True)} RETURN NULL; END $$",
        f"CREATE TRIGGER {TABLE}_case AFTER UPDATE OF {', '.join(CASE_COLUMNS)} ON application FOR EACH ROW "
        f"WHEN ({_case_changed('IS DISTINCT FROM')}) EXECUTE FUNCTION bimeyar_{TABLE}_case()",
    ]


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('province_id', sa.Integer(), nullable=False),
        sa.Column('county_id', sa.Integer(), nullable=False),
        sa.Column('reached_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('days', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['application_id'], ['application.id']),
        sa.ForeignKeyConstraint(['program_id'], ['program.id']),
        sa.ForeignKeyConstraint(['province_id'], ['province.id']),
        sa.ForeignKeyConstraint(['county_id'], ['county.id']),
        sa.PrimaryKeyConstraint('application_id', 'state'),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in fill_sql(postgresql):
        op.execute(statement)
    for name, columns in INDEXES.items():
        op.create_index(name, TABLE, columns)
    for statement in _pg_triggers() if postgresql else _sqlite_triggers():
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{event}" + (" ON applicationevent" if postgresql else ""))
    op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_case" + (" ON application" if postgresql else ""))
    if postgresql:
        op.execute(f"DROP FUNCTION IF EXISTS bimeyar_{TABLE}()")
        op.execute(f"DROP FUNCTION IF EXISTS bimeyar_{TABLE}_case()")
    for name in INDEXES:
        op.drop_index(name, table_name=TABLE)
    op.drop_table(TABLE)
