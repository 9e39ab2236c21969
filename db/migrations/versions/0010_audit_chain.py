"""audit log: area, hash chain, truncate guard (issue 9)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

Adds the audit log's ``province_id`` (the area a record concerns; none = national),
``application_id`` (the case it is about) and ``hash``
(the chain, lib/audit_chain.py), fills both for the records already there (in id order, with the
append-only triggers briefly lifted inside this transaction), and on PostgreSQL refuses TRUNCATE
of the append-only tables with a statement trigger.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

from lib.audit_chain import GENESIS, case_of, link_hash, province_of


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

APPEND_ONLY = ("decision", "auditlog")
BATCH = 5_000

_audit = sa.table(
    "auditlog",
    sa.column("id", sa.Integer()),
    sa.column("at", sqlmodel.sql.sqltypes.UTCDateTime()),
    sa.column("user_id", sa.Integer()),
    sa.column("username", sa.String()),
    sa.column("action", sa.String()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("before", sa.JSON()),
    sa.column("after", sa.JSON()),
    sa.column("province_id", sa.Integer()),
    sa.column("application_id", sa.Integer()),
    sa.column("hash", sa.String()),
)


def _sqlite_audit_triggers(create: bool) -> None:
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS auditlog_no_{verb}")
        if create:
            op.execute(
                f"CREATE TRIGGER auditlog_no_{verb} BEFORE {verb.upper()} ON auditlog "
                "BEGIN SELECT RAISE(ABORT, 'append-only table: auditlog'); END"
            )


def _chain_existing_rows() -> None:
    """Area and hash for every record already written, in id order, streamed in batches."""
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE auditlog DISABLE TRIGGER auditlog_append_only")
    else:
        _sqlite_audit_triggers(create=False)
    cases = dict(bind.execute(sa.text("SELECT id, province_id FROM application")).all())
    users = dict(bind.execute(sa.text("SELECT id, province_id FROM \"user\"")).all())
    provinces = set(bind.execute(sa.text("SELECT id FROM province")).scalars())
    previous, after_id = GENESIS, 0
    while True:
        page = bind.execute(
            sa.select(_audit).where(_audit.c.id > after_id).order_by(_audit.c.id).limit(BATCH)
        ).mappings().all()
        if not page:
            break
        updates = []
        for rec in page:
            row = dict(rec)
            case_id = case_of(row["entity"], row["entity_id"], row["before"], row["after"])
            area = province_of(row["before"], row["after"])
            if area is None and case_id is not None:
                area = cases.get(case_id)
            if area is None and row["user_id"] is not None:
                area = users.get(row["user_id"])
            row["province_id"], row["application_id"] = (area if area in provinces else None), case_id
            previous = link_hash(previous, row)
            updates.append({"rid": row["id"], "p": row["province_id"], "c": case_id, "h": previous})
        bind.execute(
            sa.update(_audit).where(_audit.c.id == sa.bindparam("rid")).values(
                province_id=sa.bindparam("p"), application_id=sa.bindparam("c"), hash=sa.bindparam("h")
            ),
            updates,
        )
        after_id = page[-1]["id"]
    if postgres:
        op.execute("ALTER TABLE auditlog ENABLE TRIGGER auditlog_append_only")
    else:
        _sqlite_audit_triggers(create=True)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.add_column("auditlog", sa.Column("province_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_auditlog_province_id_province", "auditlog", "province", ["province_id"], ["id"])
    else:  # ADD COLUMN … REFERENCES keeps the table (and its triggers) in place
        op.execute("ALTER TABLE auditlog ADD COLUMN province_id INTEGER REFERENCES province (id)")
    op.add_column("auditlog", sa.Column("application_id", sa.Integer(), nullable=True))
    op.add_column("auditlog", sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_auditlog_province_id"), "auditlog", ["province_id"], unique=False)
    op.create_index(op.f("ix_auditlog_application_id"), "auditlog", ["application_id"], unique=False)
    _chain_existing_rows()
    if postgres:
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION bimeyar_append_only()"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.drop_index(op.f("ix_auditlog_application_id"), table_name="auditlog")
    op.drop_index(op.f("ix_auditlog_province_id"), table_name="auditlog")
    op.drop_column("auditlog", "application_id")
    if postgres:
        op.drop_constraint("fk_auditlog_province_id_province", "auditlog", type_="foreignkey")
        op.drop_column("auditlog", "hash")
        op.drop_column("auditlog", "province_id")
    else:  # SQLite drops a column only if nothing references it: drop the index first (done), then the columns
        op.execute("ALTER TABLE auditlog DROP COLUMN hash")
        op.execute("ALTER TABLE auditlog DROP COLUMN province_id")
