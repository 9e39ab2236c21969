"""Reserved for issue 12 SMS templates (filled by whoever builds it; removed if it stays empty)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401


revision: str = '0020'
down_revision: Union[str, None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
