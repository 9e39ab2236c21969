"""Page interaction speed (issue 11): indexes for the case list's order, a case's current score
card, and the decisions that supersede others

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_application_applied_on_id', 'application', ['applied_on', 'id'], unique=False)
    op.create_index('ix_score_card_latest', 'score_card', ['application_id', 'id', 'total'], unique=False)
    op.create_index(op.f('ix_decision_supersedes_id'), 'decision', ['supersedes_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_decision_supersedes_id'), table_name='decision')
    op.drop_index('ix_score_card_latest', table_name='score_card')
    op.drop_index('ix_application_applied_on_id', table_name='application')
