"""The year's introductions of a county in the order the introductions page lists them (issue 11)

The introductions page shows a county's introductions of the year 100 a page, newest first. With
only ``ix_introduction_monitoring`` (year, county, refused) SQLite sorted the county's whole year
in a temporary B-tree before cutting the page (≈ 25 ms at 300,000 applicants); this index gives
the rows in the page's order, so a page reads what it shows.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0024'
down_revision: Union[str, None] = '0023'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = ["county_id", "jalali_year", "introduced_on", "id"]


def upgrade() -> None:
    op.create_index("ix_introduction_county_order", "introduction", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_introduction_county_order", table_name="introduction")
