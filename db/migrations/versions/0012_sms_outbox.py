"""SMS outbox delivery: attempts, back-off, claims, provider ids; sender heartbeats (issue 12)

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0012'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


OLD_STATUS = "status IN ('queued', 'sent', 'failed')"
NEW_STATUS = "status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')"


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('outcome_unknown', sa.Boolean(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_error_kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
        batch_op.add_column(sa.Column('provider_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch_op.drop_constraint('notification_status', type_='check')
        batch_op.create_check_constraint('notification_status', sa.text(NEW_STATUS))
        batch_op.create_check_constraint('notification_attempts', sa.text('attempts >= 0'))
        batch_op.create_index('ix_notification_due', ['status', 'next_attempt_at'], unique=False)
    op.create_table(
        'workerheartbeat',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('beat_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('workerheartbeat')
    op.execute("UPDATE notification SET status = 'queued' WHERE status IN ('sending', 'cancelled')")
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_due')
        batch_op.drop_constraint('notification_attempts', type_='check')
        batch_op.drop_constraint('notification_status', type_='check')
        batch_op.create_check_constraint('notification_status', sa.text(OLD_STATUS))
        for column in ('provider_id', 'last_error', 'last_error_kind', 'outcome_unknown', 'claimed_until',
                       'claimed_by', 'next_attempt_at', 'attempts'):
            batch_op.drop_column(column)
