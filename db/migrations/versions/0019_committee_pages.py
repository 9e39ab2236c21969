"""Reserved for issue 11 sessions and meeting pages (filled by whoever builds it; removed if it stays empty)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401


revision: str = '0019'
down_revision: Union[str, None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
