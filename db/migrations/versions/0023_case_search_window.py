"""Case search on PostgreSQL read newest first, a window of case numbers at a time (issue 11)

A search lists the 500 matching cases registered last. On PostgreSQL the trigram index of
``case_search`` (0018) returns every match as one bitmap, and each candidate row's text is tested
again (ILIKE) before the 500 highest are kept: a word found in 6,000 cases tested 6,000 rows. This
function returns the rows containing every pattern among the case numbers ``low ≤ id < high``;
the search asks it for windows of case numbers, newest first, until it has its 500 (see
``services.cases``), so only the candidates of those windows are tested.

The planner would rather walk the primary key over the window testing every row's text (it does
not know how dear ILIKE is on Persian text); the function turns plain index scans and sequential
scans off for its own statement, which leaves the trigram bitmap ANDed with the key's range.
EXECUTE plans the statement with the patterns and bounds as they are, so the trigram index's
estimate is the real one. PostgreSQL only: SQLite's FTS5 table is read newest first already.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0023'
down_revision: Union[str, None] = '0022'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

FUNCTION = "bimeyar_case_search_between"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # ROWS 100: a window holds a few hundred matches at most, so the caller's join reads each
    # case by its key rather than hashing the whole area
    op.execute(f"CREATE FUNCTION {FUNCTION}(patterns text[], low integer, high integer) "
               "RETURNS TABLE (application_id integer) LANGUAGE plpgsql STABLE ROWS 100 "
               "SET enable_indexscan = off SET enable_seqscan = off AS $$ "
               "DECLARE query text := 'SELECT s.application_id FROM case_search s "
               "WHERE s.application_id >= $2 AND s.application_id < $3'; "
               "BEGIN "
               "FOR i IN 1 .. coalesce(array_length(patterns, 1), 0) LOOP "
               "query := query || format(' AND s.body ILIKE $1[%s]', i); "
               "END LOOP; "
               "RETURN QUERY EXECUTE query USING patterns, low, high; "
               "END $$")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP FUNCTION {FUNCTION}(text[], integer, integer)")
