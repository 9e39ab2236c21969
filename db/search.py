"""The case search table of migration 0018: the cases whose applicant's name, national code or
tracking code contains a typed word, through a trigram index on SQLite (FTS5) and PostgreSQL (pg_trgm).

Each case has one row, ``first last national_code tracking_code`` (kept by triggers). A word of
at least :data:`INDEXED_LENGTH` characters is found through the index whatever the size of the
table; a shorter word has no trigram, so the caller matches it column by column instead. Letters
are compared without case (``a03`` finds ``A03…``), as the trigram tokenizer and ILIKE do.
"""
from __future__ import annotations

from sqlalchemy import Select, column, select, table

INDEXED_LENGTH = 3  # a trigram: a shorter word cannot use the index

#: Kept by migration 0018 but not expressible in the models: the case search table (SQLite: an FTS5
#: virtual table and its shadow tables) and the ranking indexes with a descending column, which
#: SQLite's reflection shows without its direction. `alembic check` and the schema tests skip them.
UNMODELLED_TABLE_PREFIX = "case_search"
UNMODELLED_INDEXES = frozenset({"ix_application_rank_province", "ix_application_rank_county",
                                "ix_application_override_province", "ix_application_override_county"})

_SQLITE = table("case_search", column("rowid"), column("body"))
_POSTGRES = table("case_search", column("application_id"), column("body"))


def indexed(word: str) -> bool:
    """Whether ``word`` (no spaces) is long enough for the index."""
    return len(word) >= INDEXED_LENGTH


def case_ids_containing(dialect: str, word: str) -> Select:
    """A subquery of the ids of the cases whose search text contains ``word`` (taken literally:
    ``%``, ``_`` and quotes are characters, not patterns)."""
    if dialect == "sqlite":
        phrase = '"' + word.replace('"', '""') + '"'  # an FTS5 phrase of trigrams: a substring
        return select(_SQLITE.c.rowid).where(_SQLITE.c.body.op("MATCH")(phrase))
    return select(_POSTGRES.c.application_id).where(_POSTGRES.c.body.icontains(word, autoescape=True))
