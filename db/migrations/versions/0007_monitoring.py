"""monitoring indexes and summaries (issue 8)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


APPLICATION_COLUMNS = ['state', 'province_id', 'county_id', 'program_id', 'contract_rate_bp', 'share_percent',
                       'start_year', 'start_month', 'months_granted']
PAYMENTLINE_COLUMNS = ['jalali_year', 'live', 'run_id', 'program_id', 'jalali_month', 'sso_status', 'line_kind',
                       'application_id', 'amount_rial', 'agency_rial', 'government_rial']
INTRODUCTION_COLUMNS = ['jalali_year', 'county_id', 'refused_on']


def upgrade() -> None:
    # Covering indexes for the monitoring screen's grouped reads (services.monitoring).
    op.create_index('ix_application_monitoring', 'application', APPLICATION_COLUMNS)
    op.create_index('ix_paymentline_monitoring', 'paymentline', PAYMENTLINE_COLUMNS)
    op.create_index('ix_introduction_monitoring', 'introduction', INTRODUCTION_COLUMNS)


def downgrade() -> None:
    op.drop_index('ix_introduction_monitoring', table_name='introduction')
    op.drop_index('ix_paymentline_monitoring', table_name='paymentline')
    op.drop_index('ix_application_monitoring', table_name='application')
