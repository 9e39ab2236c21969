"""SMS templates (issue 12): one editable Persian text per SMS event, seeded with the texts the
services wrote until now (lib.sms_templates.EVENTS' defaults, as they were when this ran)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

from lib.sms_templates import EVENTS

revision: str = '0020'
down_revision: Union[str, None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    table = op.create_table(
        'smstemplate',
        sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by'], ['user.id']),
        sa.PrimaryKeyConstraint('event'),
    )
    op.bulk_insert(table, [{'event': spec.key, 'body': spec.default} for spec in EVENTS.values()])


def downgrade() -> None:
    op.drop_table('smstemplate')
