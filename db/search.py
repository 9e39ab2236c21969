"""The case search table of migration 0018: the cases whose applicant's name, national code or
tracking code contains a typed word, through a trigram index on SQLite (FTS5) and PostgreSQL (pg_trgm).

Each case has one row, ``first last national_code tracking_code`` (kept by triggers). A word of
at least :data:`INDEXED_LENGTH` characters is found through the index whatever the size of the
table; a shorter word has no trigram, so the caller matches it column by column instead. Letters
are compared without case (``a03`` finds ``A03…``), as the trigram tokenizer and ILIKE do.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import BigInteger, Integer, Numeric, Text, and_, case, cast, column, func, literal, select, table, true
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
#: A search whose first window holds fewer matches than this (a word in fewer than one case in 80)
#: reads its matches from the whole trigram bitmap instead: windows would test more rows than it has.
COMMON = 125


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


def newest_window(count_between: Callable[[Any, Any], Any], wanted: int) -> tuple[Any, Any, Any]:
    """(low, high, first): SQL expressions; ``low ≤ id < high`` bounds the newest case numbers among
    which ``count_between(low, high)`` (a scalar subquery: how many cases match there) reaches
    ``wanted``, or all of them — read in the same statement, a recursive query over windows of case
    numbers; ``first`` is how many match in the first window alone (reading only that one).

    The newest :data:`FIRST_WINDOW` case numbers first; then each window is sized from how many
    matched so far (half as wide again, to spare one more), eight times wider after none, until
    ``wanted`` match or the oldest case is reached. A common word thus has only the candidates of
    the newest window or two tested — about as many as the list shows, however many cases match in
    all — and a rare one a few windows, each over its few candidates."""
    top = select((func.max(_POSTGRES.c.application_id) + 1).label("high")).cte("search_top")
    high = select(top.c.high).scalar_subquery()
    first = cast(func.greatest(top.c.high - FIRST_WINDOW, 0), BigInteger)
    windows = select(first.label("low"), count_between(first, top.c.high).label("found"),
                     literal(FIRST_WINDOW, BigInteger).label("size"), literal(0, Integer).label("step")) \
        .select_from(top).cte("search_windows", recursive=True)
    before = windows.alias("before")
    grown = case((before.c.found == 0, before.c.size * 8), else_=func.greatest(before.c.size, cast(func.ceil(
        (wanted - before.c.found) * cast(high - before.c.low, Numeric) / before.c.found * 1.5), BigInteger)))
    sized = select(grown.label("size")).correlate(before).lateral("sized")
    low = cast(func.greatest(before.c.low - sized.c.size, 0), BigInteger)
    windows = windows.union_all(
        select(low, before.c.found + count_between(low, before.c.low), sized.c.size, before.c.step + 1)
        .select_from(before.join(sized, true())).where(before.c.found < wanted, before.c.low > 0))
    first_found = select(windows.c.found).where(windows.c.step == 0).limit(1).scalar_subquery()  # LIMIT: the anchor only
    return select(func.min(windows.c.low)).scalar_subquery(), high, first_found
