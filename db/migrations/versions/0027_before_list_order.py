"""Programme B's requests not on the waiting list yet, per county in request order (issue 11)

The introductions page lists a county's programme-B requests that are still gathering documents
(received, documents incomplete), oldest request first, 50 a page. PostgreSQL answered the page by
walking ``ix_application_applied_on_id`` from the oldest request of the country and filtering: about
80,000 rows read for 50 shown at 100,000 applicants (90-116 ms, the page's first render 229 ms wall).
This partial index holds only those requests, by county and programme in request order, so the page
reads the rows it shows on PostgreSQL and SQLite alike (the query repeats the index's condition as a
literal: ``db.models.cases.BEFORE_LIST_WHERE``).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0027'
down_revision: Union[str, None] = '0026'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# as in db.models.cases.BEFORE_LIST_WHERE when this was written (a migration keeps its own copy)
WHERE = "state IN ('received', 'documents_incomplete')"


def upgrade() -> None:
    op.execute(f"CREATE INDEX ix_application_before_list ON application (county_id, program_id, applied_on, id) "
               f"WHERE {WHERE}")


def downgrade() -> None:
    op.execute("DROP INDEX ix_application_before_list")
