"""payment lines carry their county; insurance number (issue 7)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _paymentline_triggers() -> list[str]:
    """SQLite drops a table's triggers when batch mode rebuilds it: their text, to create again."""
    if op.get_bind().dialect.name != "sqlite":
        return []
    return list(op.get_bind().execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'paymentline' ORDER BY name"
    )).scalars())


def _restore(triggers: list[str]) -> None:
    for sql in triggers:
        op.execute(sql)


def _line_trigger(when: str) -> None:
    """PostgreSQL: the read-only trigger of live lines, called only for rows it guards (``WHEN
    (OLD.live)``: finalising a draft's lines no longer runs the function once per line)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS paymentline_live_readonly ON paymentline")
        op.execute(f"CREATE TRIGGER paymentline_live_readonly BEFORE UPDATE OR DELETE ON paymentline FOR EACH ROW "
                   f"{when}EXECUTE FUNCTION bimeyar_live_line_readonly()")


def upgrade() -> None:
    with op.batch_alter_table('applicant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sso_insurance_no', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))
    # a payment line carries its application's county (grouped monitoring reads need no join)
    with op.batch_alter_table('paymentline', schema=None) as batch_op:
        batch_op.add_column(sa.Column('county_id', sa.Integer(), nullable=True))
    op.execute("UPDATE paymentline SET county_id = "
               "(SELECT application.county_id FROM application WHERE application.id = paymentline.application_id)")
    triggers = _paymentline_triggers()
    with op.batch_alter_table('paymentline', schema=None) as batch_op:
        batch_op.alter_column('county_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_paymentline_county_id_county', 'county', ['county_id'], ['id'])
    _restore(triggers)
    _line_trigger("WHEN (OLD.live) ")


def downgrade() -> None:
    _line_trigger("")
    triggers = _paymentline_triggers()
    with op.batch_alter_table('paymentline', schema=None) as batch_op:
        batch_op.drop_constraint('fk_paymentline_county_id_county', type_='foreignkey')
        batch_op.drop_column('county_id')
    _restore(triggers)
    with op.batch_alter_table('applicant', schema=None) as batch_op:
        batch_op.drop_column('sso_insurance_no')
