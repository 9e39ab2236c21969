"""case workflow rules (issue 6: agenda, committee rosters, activation)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('agendaentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('placed_by', sa.Integer(), nullable=True),
    sa.Column('placed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("level IN ('county', 'province')", name='agenda_level'),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['placed_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['committeesession.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'application_id', name='uq_agenda_session_case')
    )
    with op.batch_alter_table('agendaentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agendaentry_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agendaentry_session_id'), ['session_id'], unique=False)
        batch_op.create_index('uq_agenda_open_case', ['application_id', 'level'], unique=True,
                              sqlite_where=sa.text('is_open'), postgresql_where=sa.text('is_open'))

    op.create_table('deputyconfirmation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('deputy', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('job_ready', sa.Boolean(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('confirmed_by', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
    sa.CheckConstraint("deputy IN ('rehabilitation', 'social', 'prevention')", name='deputy_kind'),
    sa.CheckConstraint('months > 0 AND months <= 60', name='deputy_months'),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['confirmed_by'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', name='uq_deputy_confirmation')
    )

    # Cases already decided in a session that is still open sit on that session's agenda (the
    # earliest such session when, before this rule, two open sessions decided the same case).
    op.execute(
        "INSERT INTO agendaentry (session_id, application_id, level, is_open, placed_by, placed_at) "
        "SELECT MIN(d.session_id), d.application_id, d.level, TRUE, NULL, MIN(d.decided_at) "
        "FROM decision d JOIN committeesession s ON s.id = d.session_id "
        "WHERE s.status = 'open' GROUP BY d.application_id, d.level"
    )


def downgrade() -> None:
    op.drop_table('deputyconfirmation')
    with op.batch_alter_table('agendaentry', schema=None) as batch_op:
        batch_op.drop_index('uq_agenda_open_case', sqlite_where=sa.text('is_open'), postgresql_where=sa.text('is_open'))
        batch_op.drop_index(batch_op.f('ix_agendaentry_session_id'))
        batch_op.drop_index(batch_op.f('ix_agendaentry_application_id'))

    op.drop_table('agendaentry')
