"""The case search table of migration 0018: the cases whose applicant's name, national code or
tracking code contains a typed word, through a trigram index on SQLite (FTS5) and PostgreSQL (pg_trgm).

Each case has one row, ``first last national_code tracking_code`` (kept by triggers). A word of
at least :data:`INDEXED_LENGTH` characters is found through the index whatever the size of the
table; a shorter word has no trigram, so the caller matches it column by column instead. Letters
are compared without case (``a03`` finds ``A03…``), as the trigram tokenizer and ILIKE do.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any, Callable

from sqlalchemy import Integer, Text, and_, cast, column, func, literal, select, table, true
from sqlalchemy.dialects.postgresql import ARRAY

INDEXED_LENGTH = 3  # a trigram: a shorter word cannot use the index

#: Kept by migration 0018 but not expressible in the models: the case search table (SQLite: an FTS5
#: virtual table and its shadow tables) and the ranking indexes with a descending column, which
#: SQLite's reflection shows without its direction. `alembic check` and the schema tests skip them.
UNMODELLED_TABLE_PREFIX = "case_search"
UNMODELLED_INDEXES = frozenset({"ix_application_rank_province", "ix_application_rank_county",
                                "ix_application_override_province", "ix_application_override_county"})

_SQLITE = table("case_search", column("rowid"), column("body"))
_POSTGRES = table("case_search", column("application_id"), column("body"))

#: PostgreSQL (migration 0023): the search table's rows containing every pattern among the case
#: numbers ``low ≤ id < high``, tested through the trigram bitmap ANDed with the key's range.
WINDOW_FUNCTION = "bimeyar_case_search_between"
FIRST_WINDOW = 10_000  # case numbers read first: 500 matches of a word found in one case in twenty


def indexed(word: str) -> bool:
    """Whether ``word`` (no spaces) is long enough for the index."""
    return len(word) >= INDEXED_LENGTH


@dataclass(frozen=True)
class Matches:
    """The cases containing every one of some words, as a table to join the cases to."""

    table: Any  # the case search table
    case_id: Any  # its column holding the case's id
    condition: Any  # every word is contained
    last_registered_first: Any  # an order by case id, highest first, that the index serves


def containing_all(dialect: str, words: list[str]) -> Matches:
    """The rows of the case search table containing every word (each at least :data:`INDEXED_LENGTH`
    long, taken literally), highest case id first.

    SQLite: one FTS5 query of all the words, read in descending rowid order, so a query that
    joins the cases, filters them and stops after N rows reads about N matches, not all of them.
    PostgreSQL: the trigram index gives every match at once (a bitmap); the order is on an
    expression so that the planner keeps that index and sorts the matches (top-N) instead of
    walking the primary key backwards testing each row's text (200–480 ms at 100,000 cases for a
    common surname, against a few milliseconds)."""
    if dialect == "sqlite":
        query = " AND ".join('"' + word.replace('"', '""') + '"' for word in words)  # phrases of trigrams
        return Matches(_SQLITE, _SQLITE.c.rowid, _SQLITE.c.body.op("MATCH")(query), _SQLITE.c.rowid.desc())
    condition = and_(*(_POSTGRES.c.body.icontains(word, autoescape=True) for word in words))
    return Matches(_POSTGRES, _POSTGRES.c.application_id, condition, (_POSTGRES.c.application_id + 0).desc())


def like_pattern(word: str) -> str:
    """``%word%`` for ILIKE with its default escape character: ``%``, ``_`` and ``\\`` taken literally."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def containing_all_between(words: list[str], low: Any, high: Any) -> Matches:
    """PostgreSQL: as :func:`containing_all`, among the case numbers ``low ≤ id < high`` only, so the
    rows tested again are the window's candidates, not every match (migration 0023). The bounds are
    numbers or SQL expressions."""
    patterns = cast(literal([like_pattern(word) for word in words], ARRAY(Text)), ARRAY(Text))
    window = func.bimeyar_case_search_between(patterns, cast(low, Integer), cast(high, Integer)) \
        .table_valued(column("application_id", Integer), name="case_window")
    return Matches(window, window.c.application_id, true(), window.c.application_id.desc())


def highest_ids(probe: Callable[..., list[Any]], wanted: int) -> list[int]:
    """The ``wanted`` highest case numbers that ``probe(low, high, at_most, *columns)`` finds, highest
    first. The probe returns the rows (id, *columns) of the matches among ``low ≤ id < high``,
    highest first, at most ``at_most`` of them; the bounds are numbers or SQL expressions.

    At most three windows of case numbers, newest first: the newest :data:`FIRST_WINDOW` (its rows
    say which case number is the newest); if that held some matches but too few, a window sized
    from how many it held (half as wide again, to spare a third); then all the older ones. A common
    word thus has its candidates tested in the newest window only — about as many as the list
    shows, however many cases match in all — while a rare one (none among the newest) costs one
    statement more, over its few matches."""
    newest = select(func.max(_POSTGRES.c.application_id)).scalar_subquery()
    rows = probe(newest + 1 - FIRST_WINDOW, newest + 1, wanted, newest)
    found = [row[0] for row in rows]
    if not found:  # none among the newest: all the others
        return [row[0] for row in probe(0, newest + 1 - FIRST_WINDOW, wanted)]
    read = FIRST_WINDOW
    low = rows[0][1] + 1 - read
    if len(found) < wanted and low > 0:
        high, low = low, max(low - ceil((wanted - len(found)) * read / len(found) * 1.5), 0)
        found += [row[0] for row in probe(low, high, wanted - len(found))]
    if len(found) < wanted and low > 0:
        found += [row[0] for row in probe(0, low, wanted - len(found))]
    return found
