"""Reserved for issue 12 administration and SLA dashboard (filled by whoever builds it; removed if it stays empty)

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401


revision: str = '0021'
down_revision: Union[str, None] = '0020'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
