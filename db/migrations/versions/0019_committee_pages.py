"""Committee pages at scale (issue 11): a session's decided cases counted from an index, and the
confirmed cases awaiting activation read a page at a time in their order

* ``ix_decision_session_case`` (decision: session_id, application_id): the sessions list counts
  each session's decided cases from the index alone instead of reading every decision row.
* ``ix_application_awaiting`` (application: state, province_id, updated_at, id): the provincial
  committee's «آغاز پرداخت» list, oldest confirmation first, reads only the page shown (no sort
  of every confirmed case of the province).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0019'
down_revision: Union[str, None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_decision_session_case', 'decision', ['session_id', 'application_id'], unique=False)
    op.create_index('ix_application_awaiting', 'application', ['state', 'province_id', 'updated_at', 'id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_application_awaiting', table_name='application')
    op.drop_index('ix_decision_session_case', table_name='decision')
