"""Case list search and ranking at scale (issue 11): each case's current score total as a column,
a trigram search table of names, national codes and tracking codes, and indexes in ranking order

* ``application.score_total``: the total of the case's newest score card, kept by triggers on
  ``score_card`` (whoever writes a card: the services, the demo, an import) and filled from the
  existing cards. The ranking and the case list read it instead of a correlated subquery.
* ``case_search``: one row per case, ``first last national_code tracking_code``, kept by triggers
  on ``application`` and ``applicant``. SQLite: an FTS5 table with the trigram tokenizer (a quoted
  phrase matches any substring of three characters or more). PostgreSQL: a table with a pg_trgm
  GIN index (``LIKE '%…%'`` uses it); the extension is trusted, so the database owner creates it.
* ``ix_application_rank_*`` / ``ix_application_override_*`` (per province and per county): the
  scored cases awaiting a committee in ranking order — those the committee ordered by hand by its
  rank, the others by discount holder, total descending, earlier application, lower id — so a
  page of the ranking reads its own rows and counts only index entries.

``case_search`` and the four ranking indexes are not in the models (a virtual table; a descending
column SQLite's reflection cannot show): ``db/migrations/env.py`` leaves them out of ``alembic check``.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0018'
down_revision: Union[str, None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# as in db.models.cases.RANKED_WHERE (a literal: a partial index is used only when the query repeats it)
RANKED_WHERE = "state IN ('scored', 'county_decision', 'province_decision') AND score_total IS NOT NULL"
# name → (area column, second column, which cases): the cases a committee ordered by hand, by the
# rank it gave; everyone else, discount holders after the others
RANK_INDEXES = {
    "ix_application_rank_province": ("province_id", "discount_holder", "priority_override IS NULL"),
    "ix_application_rank_county": ("county_id", "discount_holder", "priority_override IS NULL"),
    "ix_application_override_province": ("province_id", "priority_override", "priority_override IS NOT NULL"),
    "ix_application_override_county": ("county_id", "priority_override", "priority_override IS NOT NULL"),
}
BODY = "p.first_name || ' ' || p.last_name || ' ' || p.national_code || ' ' || a.tracking_code"
CASES = "application a JOIN applicant p ON p.id = a.applicant_id"
NEWEST_TOTAL = "(SELECT c.total FROM score_card c WHERE c.application_id = {id} ORDER BY c.id DESC LIMIT 1)"


def _sqlite_upgrade() -> None:
    op.execute("CREATE VIRTUAL TABLE case_search USING fts5(body, tokenize = 'trigram')")
    op.execute(f"INSERT INTO case_search (rowid, body) SELECT a.id, {BODY} FROM {CASES}")

    def refresh(where: str) -> str:
        return (f"DELETE FROM case_search WHERE rowid IN (SELECT a.id FROM application a WHERE {where}); "
                f"INSERT INTO case_search (rowid, body) SELECT a.id, {BODY} FROM {CASES} WHERE {where};")

    op.execute("CREATE TRIGGER case_search_insert AFTER INSERT ON application FOR EACH ROW BEGIN "
               f"INSERT INTO case_search (rowid, body) SELECT a.id, {BODY} FROM {CASES} WHERE a.id = NEW.id; END")
    op.execute("CREATE TRIGGER case_search_update AFTER UPDATE OF applicant_id, tracking_code ON application "
               "FOR EACH ROW WHEN OLD.applicant_id IS NOT NEW.applicant_id OR OLD.tracking_code IS NOT NEW.tracking_code "
               f"BEGIN DELETE FROM case_search WHERE rowid = OLD.id; {refresh('a.id = NEW.id')} END")
    op.execute("CREATE TRIGGER case_search_delete AFTER DELETE ON application FOR EACH ROW BEGIN "
               "DELETE FROM case_search WHERE rowid = OLD.id; END")
    op.execute("CREATE TRIGGER case_search_applicant AFTER UPDATE OF first_name, last_name, national_code ON applicant "
               "FOR EACH ROW WHEN OLD.first_name IS NOT NEW.first_name OR OLD.last_name IS NOT NEW.last_name "
               f"OR OLD.national_code IS NOT NEW.national_code BEGIN {refresh('a.applicant_id = NEW.id')} END")

    def total(of: str) -> str:
        return f"UPDATE application SET score_total = {NEWEST_TOTAL.format(id=of)} WHERE id = {of};"

    op.execute(f"CREATE TRIGGER score_total_insert AFTER INSERT ON score_card FOR EACH ROW BEGIN "
               f"{total('NEW.application_id')} END")
    op.execute(f"CREATE TRIGGER score_total_delete AFTER DELETE ON score_card FOR EACH ROW BEGIN "
               f"{total('OLD.application_id')} END")
    op.execute("CREATE TRIGGER score_total_update AFTER UPDATE OF total, application_id ON score_card FOR EACH ROW "
               f"BEGIN {total('OLD.application_id')} {total('NEW.application_id')} END")


def _pg_upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE TABLE case_search (application_id INTEGER PRIMARY KEY "
               "REFERENCES application (id) ON DELETE CASCADE, body TEXT NOT NULL)")
    op.execute(f"INSERT INTO case_search (application_id, body) SELECT a.id, {BODY} FROM {CASES}")
    op.execute("CREATE INDEX ix_case_search_body ON case_search USING gin (body gin_trgm_ops)")
    # a new case: one statement-level insert of the statement's rows (an import writes thousands at once)
    op.execute("CREATE FUNCTION bimeyar_case_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               f"INSERT INTO case_search (application_id, body) SELECT a.id, {BODY} "
               "FROM new_rows a JOIN applicant p ON p.id = a.applicant_id; RETURN NULL; END $$")
    op.execute("CREATE TRIGGER case_search_insert AFTER INSERT ON application REFERENCING NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION bimeyar_case_search_insert()")
    op.execute("CREATE FUNCTION bimeyar_case_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               f"UPDATE case_search s SET body = {BODY} FROM {CASES} WHERE s.application_id = a.id AND "
               "CASE WHEN TG_TABLE_NAME = 'applicant' THEN a.applicant_id = NEW.id ELSE a.id = NEW.id END; "
               "RETURN NULL; END $$")
    op.execute("CREATE TRIGGER case_search_update AFTER UPDATE OF applicant_id, tracking_code ON application "
               "FOR EACH ROW WHEN (OLD.applicant_id IS DISTINCT FROM NEW.applicant_id "
               "OR OLD.tracking_code IS DISTINCT FROM NEW.tracking_code) EXECUTE FUNCTION bimeyar_case_search_refresh()")
    op.execute("CREATE TRIGGER case_search_applicant AFTER UPDATE OF first_name, last_name, national_code ON applicant "
               "FOR EACH ROW WHEN (OLD.first_name IS DISTINCT FROM NEW.first_name OR OLD.last_name IS DISTINCT FROM "
               "NEW.last_name OR OLD.national_code IS DISTINCT FROM NEW.national_code) "
               "EXECUTE FUNCTION bimeyar_case_search_refresh()")
    # the newest card's total of every case the statement touched
    touched = "SELECT application_id FROM {rows}"
    op.execute("CREATE FUNCTION bimeyar_score_total() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               "IF TG_OP = 'INSERT' THEN UPDATE application a SET score_total = "
               f"{NEWEST_TOTAL.format(id='a.id')} WHERE a.id IN ({touched.format(rows='new_rows')}); "
               "ELSIF TG_OP = 'DELETE' THEN UPDATE application a SET score_total = "
               f"{NEWEST_TOTAL.format(id='a.id')} WHERE a.id IN ({touched.format(rows='old_rows')}); "
               "ELSE UPDATE application a SET score_total = "
               f"{NEWEST_TOTAL.format(id='a.id')} WHERE a.id IN ({touched.format(rows='old_rows')} "
               f"UNION {touched.format(rows='new_rows')}); END IF; RETURN NULL; END $$")
    op.execute("CREATE TRIGGER score_total_insert AFTER INSERT ON score_card REFERENCING NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION bimeyar_score_total()")
    op.execute("CREATE TRIGGER score_total_delete AFTER DELETE ON score_card REFERENCING OLD TABLE AS old_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION bimeyar_score_total()")
    op.execute("CREATE TRIGGER score_total_update AFTER UPDATE ON score_card REFERENCING OLD TABLE AS old_rows "
               "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bimeyar_score_total()")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    # a plain ADD COLUMN (no batch copy): the table keeps its triggers
    op.add_column("application", sa.Column("score_total", sa.Integer(), nullable=True))
    op.execute(f"UPDATE application SET score_total = {NEWEST_TOTAL.format(id='application.id')} "
               "WHERE id IN (SELECT application_id FROM score_card)")
    if postgres:
        _pg_upgrade()
    else:
        _sqlite_upgrade()
    for name, (area, second, which) in RANK_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON application (program_id, {area}, {second}, score_total DESC, "
                   f"applied_on, id) WHERE {RANKED_WHERE} AND {which}")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in RANK_INDEXES:
        op.execute(f"DROP INDEX {name}")
    for trigger, table in (("score_total_insert", "score_card"), ("score_total_delete", "score_card"),
                           ("score_total_update", "score_card"), ("case_search_insert", "application"),
                           ("case_search_update", "application"), ("case_search_delete", "application"),
                           ("case_search_applicant", "applicant")):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}" + (f" ON {table}" if postgres else ""))
    op.execute("DROP TABLE case_search")
    if postgres:
        for function in ("bimeyar_case_search_insert", "bimeyar_case_search_refresh", "bimeyar_score_total"):
            op.execute(f"DROP FUNCTION {function}()")
    # in place on both (SQLite ≥ 3.35): a batch copy would drop the other triggers on the table
    op.execute("ALTER TABLE application DROP COLUMN score_total")
