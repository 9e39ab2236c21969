"""When each waiting case's current stage began, kept on the case (issue 11): the SLA dashboard counts
the cases waiting now, and those past their target, from one index instead of joining every open
case to its first reachings

``application.stage_since``: the first reaching (``stagereach.reached_at``, migration 0025) of the
state that started the stage the case now waits for — its own state, or «received» for a case
whose documents are incomplete (lib.service_agreement.waiting_for / stage_starts; the test of this
migration checks they still agree). NULL when the case never reached that state or its state starts
no stage (closed, rejected, …). Kept in the transaction of every write:

* the case's state changed: worked out again from its rows (SQLite: an AFTER row trigger that
  updates the column; PostgreSQL: a BEFORE row trigger that sets it);
* a row of ``stagereach`` inserted, moved earlier or deleted (an event written, changed or
  deleted): the case's column read again (SQLite: row triggers; PostgreSQL: statement triggers
  over the transition tables — the event triggers of 0025 have locked the cases already).

``ix_application_waiting`` holds the cases in a state that waits for a stage, by programme, state
and that start, with the province and county: the dashboard's counts per county are read from it
alone, and the most overdue of each stage are its first entries. Bulk loads on SQLite rebuild the
column set-based (db.derived).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0028'
down_revision: Union[str, None] = '0027'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# the states a case can wait in for a stage of some programme, and the state whose first reaching
# starts that wait when it is not the case's own (as db.models.cases.WAITING_WHERE when written)
WAITING_STATES = ("received", "documents_incomplete", "scored", "county_decision", "province_decision", "introduced")
STARTED_BY = {"documents_incomplete": "received"}
WHERE = f"state IN ({', '.join(repr(s) for s in WAITING_STATES)})"
INDEX = "ix_application_waiting"
INDEX_COLUMNS = ("program_id", "state", "stage_since", "province_id", "county_id")
NAME = "stage_since"  # the triggers' prefix (db.derived finds them by it)


def start_of(state: str) -> str:
    """SQL: the state whose first reaching started the wait of a case in ``state`` (an expression)."""
    arms = " ".join(f"WHEN '{waiting}' THEN '{start}'" for waiting, start in STARTED_BY.items())
    return f"CASE {state} {arms} ELSE {state} END"


def since_sql(case_id: str, state: str) -> str:
    """SQL: the ``stage_since`` of the case ``case_id`` in ``state`` (expressions)."""
    return (f"(SELECT s.reached_at FROM stagereach s WHERE s.application_id = {case_id} "
            f"AND s.state = {start_of(state)} AND {state} IN ({', '.join(repr(s) for s in WAITING_STATES)}))")


def refresh_sql(cases: str | None = None, postgresql: bool = False) -> str:
    """SQL: the column worked out again for the cases ``cases`` (a subquery of ids; None: all), only
    where it changes (an unchanged row is not written)."""
    value = since_sql("application.id", "application.state")
    scope = "" if cases is None else f"id IN ({cases}) AND "
    differs = "IS DISTINCT FROM" if postgresql else "IS NOT"
    return f"UPDATE application SET {NAME} = {value} WHERE {scope}{NAME} {differs} {value}"


def _pg_refresh(cases: str) -> str:
    return refresh_sql(cases, True) + ";"


def _sqlite_triggers() -> list[str]:
    def of(case_id: str) -> str:
        return refresh_sql(f"SELECT {case_id}") + ";"
    return [
        f"CREATE TRIGGER {NAME}_case AFTER UPDATE OF state ON application FOR EACH ROW "
        f"WHEN OLD.state IS NOT NEW.state BEGIN {of('NEW.id')} END",
        f"CREATE TRIGGER {NAME}_reach_insert AFTER INSERT ON stagereach FOR EACH ROW BEGIN {of('NEW.application_id')} END",
        f"CREATE TRIGGER {NAME}_reach_update AFTER UPDATE OF reached_at, state, application_id ON stagereach FOR EACH ROW "
        f"WHEN OLD.reached_at IS NOT NEW.reached_at OR OLD.state IS NOT NEW.state "
        f"OR OLD.application_id IS NOT NEW.application_id BEGIN {of('OLD.application_id')} {of('NEW.application_id')} END",
        f"CREATE TRIGGER {NAME}_reach_delete AFTER DELETE ON stagereach FOR EACH ROW BEGIN {of('OLD.application_id')} END",
    ]


def _pg_triggers() -> list[str]:
    return [
        f"CREATE OR REPLACE FUNCTION bimeyar_{NAME}_case() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"NEW.{NAME} := {since_sql('NEW.id', 'NEW.state')}; RETURN NEW; END $$",
        f"CREATE TRIGGER {NAME}_case BEFORE UPDATE OF state ON application FOR EACH ROW "
        f"WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION bimeyar_{NAME}_case()",
        f"CREATE OR REPLACE FUNCTION bimeyar_{NAME}_reach() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN {_pg_refresh('SELECT application_id FROM new_rows')} "
        f"ELSIF TG_OP = 'DELETE' THEN {_pg_refresh('SELECT application_id FROM old_rows')} "
        f"ELSE {_pg_refresh('SELECT application_id FROM old_rows UNION SELECT application_id FROM new_rows')} "
        f"END IF; RETURN NULL; END $$",
        f"CREATE TRIGGER {NAME}_reach_insert AFTER INSERT ON stagereach REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION bimeyar_{NAME}_reach()",
        f"CREATE TRIGGER {NAME}_reach_update AFTER UPDATE ON stagereach REFERENCING OLD TABLE AS old_rows "
        f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bimeyar_{NAME}_reach()",
        f"CREATE TRIGGER {NAME}_reach_delete AFTER DELETE ON stagereach REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION bimeyar_{NAME}_reach()",
    ]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    # a plain ADD COLUMN (no batch copy): the table keeps its triggers
    op.add_column("application", sa.Column(NAME, sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.execute(refresh_sql(None, postgresql))
    op.execute(f"CREATE INDEX {INDEX} ON application ({', '.join(INDEX_COLUMNS)}) WHERE {WHERE}")
    for statement in _pg_triggers() if postgresql else _sqlite_triggers():
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    triggers = {"case": "application", "reach_insert": "stagereach", "reach_update": "stagereach",
                "reach_delete": "stagereach"}
    for trigger, table in triggers.items():
        op.execute(f"DROP TRIGGER IF EXISTS {NAME}_{trigger}" + (f" ON {table}" if postgresql else ""))
    if postgresql:
        op.execute(f"DROP FUNCTION IF EXISTS bimeyar_{NAME}_case()")
        op.execute(f"DROP FUNCTION IF EXISTS bimeyar_{NAME}_reach()")
    op.execute(f"DROP INDEX {INDEX}")
    # in place on both (SQLite ≥ 3.35): a batch copy would drop the other triggers on the table
    op.execute(f"ALTER TABLE application DROP COLUMN {NAME}")
