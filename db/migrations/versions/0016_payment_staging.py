"""Reserved for issue 7 payment-run speed (filled by whoever builds it; removed if it stays empty)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401


revision: str = '0016'
down_revision: Union[str, None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
