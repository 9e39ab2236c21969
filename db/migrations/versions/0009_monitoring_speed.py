"""monitoring speed: the year's live payment lines by county (issue 8)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


OLD_PAYMENTLINE_COLUMNS = ['jalali_year', 'live', 'run_id', 'program_id', 'jalali_month', 'sso_status', 'line_kind',
                           'application_id', 'amount_rial', 'agency_rial', 'government_rial']
PAYMENTLINE_COLUMNS = ['jalali_year', 'live', 'county_id', 'program_id', 'jalali_month', 'sso_status', 'line_kind',
                       'agency_rial', 'government_rial']


def upgrade() -> None:
    # The monitoring screen sums the year's live lines per county (paymentline.county_id, 0008) in
    # the order of this covering index: the country scans it once, a province one range per county.
    op.drop_index('ix_paymentline_monitoring', table_name='paymentline')
    op.create_index('ix_paymentline_monitoring', 'paymentline', PAYMENTLINE_COLUMNS)


def downgrade() -> None:
    op.drop_index('ix_paymentline_monitoring', table_name='paymentline')
    op.create_index('ix_paymentline_monitoring', 'paymentline', OLD_PAYMENTLINE_COLUMNS)
