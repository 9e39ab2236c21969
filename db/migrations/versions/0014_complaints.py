"""Complaints register (issue 12): link to a payment line, county and province, a deadline, an
owner, answered time, more statuses; status history in complaintevent

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0014'
down_revision: Union[str, None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_STATUS = "status IN ('open', 'resolved', 'rejected')"
NEW_STATUS = "status IN ('open', 'in_progress', 'answered', 'resolved', 'rejected')"


def upgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_line_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('county_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('province_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('deadline', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # existing complaints: the applicant's county, and a deadline of the day they were received
    op.execute(
        "UPDATE complaint SET county_id = (SELECT a.county_id FROM applicant a WHERE a.id = complaint.applicant_id)"
    )
    op.execute(
        "UPDATE complaint SET province_id = (SELECT c.province_id FROM county c WHERE c.id = complaint.county_id)"
    )
    op.execute("UPDATE complaint SET deadline = CAST(created_at AS DATE)")
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.alter_column('county_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('province_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('deadline', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('status', existing_type=sqlmodel.sql.sqltypes.AutoString(length=10),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=12), existing_nullable=False)
        batch_op.drop_constraint('complaint_status', type_='check')
        batch_op.create_check_constraint('complaint_status', sa.text(NEW_STATUS))
        batch_op.create_foreign_key('fk_complaint_payment_line_id_paymentline', 'paymentline', ['payment_line_id'], ['id'])
        batch_op.create_foreign_key('fk_complaint_county_id_county', 'county', ['county_id'], ['id'])
        batch_op.create_foreign_key('fk_complaint_province_id_province', 'province', ['province_id'], ['id'])
        batch_op.create_foreign_key('fk_complaint_owner_id_user', 'user', ['owner_id'], ['id'])
        batch_op.create_index('ix_complaint_area_status', ['province_id', 'county_id', 'status'], unique=False)
    op.create_table(
        'complaintevent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('from_status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column('to_status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_complaintevent_complaint_id'), 'complaintevent', ['complaint_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_complaintevent_complaint_id'), table_name='complaintevent')
    op.drop_table('complaintevent')
    op.execute("UPDATE complaint SET status = 'open' WHERE status IN ('in_progress', 'answered')")
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_area_status')
        batch_op.drop_constraint('fk_complaint_owner_id_user', type_='foreignkey')
        batch_op.drop_constraint('fk_complaint_province_id_province', type_='foreignkey')
        batch_op.drop_constraint('fk_complaint_county_id_county', type_='foreignkey')
        batch_op.drop_constraint('fk_complaint_payment_line_id_paymentline', type_='foreignkey')
        batch_op.drop_constraint('complaint_status', type_='check')
        batch_op.create_check_constraint('complaint_status', sa.text(OLD_STATUS))
        batch_op.alter_column('status', existing_type=sqlmodel.sql.sqltypes.AutoString(length=12),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=10), existing_nullable=False)
        for column in ('answered_at', 'owner_id', 'deadline', 'province_id', 'county_id', 'payment_line_id'):
            batch_op.drop_column(column)
