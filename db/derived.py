"""Bulk loads on SQLite without the per-row triggers: the derived data rebuilt in one statement each.

Migrations 0017, 0018 and 0022 keep derived data current with triggers: the monitoring tallies
(``casetally``, ``spendtally``, ``seattally``, ``casestatetally``), the case search table (``case_search``) and each
case's newest score total (``application.score_total``); 0025 each case's first reaching of each stage
(``stagereach``, from the events); 0026 the budget's tallies (``personcasetally``, ``paidtally``,
``provincecosttally``). On SQLite they are row triggers: a
loader writing 100,000 cases, cards and payment lines fires an upsert, an FTS insert or an
UPDATE per row. :func:`triggers_suspended` takes them off for the length of a bulk load and
rebuilds what they would have written, set-based::

    with engine.begin() as conn:
        with triggers_suspended(conn):                 # a fresh database (the demo): everything
            insert_rows(conn, Application, ...)
    with triggers_suspended(session.connection(), ("applicant", "application", "score_card"), only_new=True):
        ...                                            # an import into a live database: the new rows

Inside the loader's transaction it reads the triggers of the given tables from ``sqlite_master``,
drops them and lets the caller write; then it rebuilds each derived table whose triggers it
dropped (one statement each) and creates the triggers again with their exact stored SQL before the
caller commits. Why no other writer slips past without triggers: SQLite DDL is transactional and
the first DROP TRIGGER takes the database's single write lock (the block opens the transaction
with ``BEGIN IMMEDIATE`` when none is open), held until the caller commits — by which time the
triggers are back; readers keep their snapshot, which has them. A failure inside the block (or in
the rebuild) propagates; the caller's rollback undoes the drop with everything else, so the
triggers are in place and nothing is written. If the caller swallows the exception instead, the
triggers are recreated on the way out all the same (without a rebuild).

What is rebuilt:

* ``only_new=False`` (default) — everything, from all rows: the tallies are emptied and refilled
  by one grouped INSERT each (a tally row whose count had fallen to zero is not kept: it counts
  nothing), ``case_search`` is emptied and refilled, and every case with a score card gets its
  newest card's total. Right whatever the block wrote; costs the size of the tables.
* ``only_new=True`` — only the rows the block added (ids above the largest at entry): their grouped
  counts are added to the tallies (``INSERT … GROUP BY … ON CONFLICT DO UPDATE``), their cases
  are added to ``case_search``, and the cases that got a new card get its total. The block must
  only insert (it may change the rows it inserted, not rows that were there before).

On PostgreSQL the same triggers are statement-level (transition tables): one grouped statement
per bulk statement, cheap; :func:`triggers_suspended` does nothing there.

The rebuild statements are written from the migrations' own definitions (the tallies' keys,
sums and counted rows of 0017 and 0022, the search text and newest total of 0018), and
``tests/db/test_derived.py`` checks that they produce exactly what the triggers produce.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from db.bulk import sqlite_hold_write_lock

_M0017 = importlib.import_module("db.migrations.versions.0017_monitoring_summary")
_M0018 = importlib.import_module("db.migrations.versions.0018_list_search")
_M0022 = importlib.import_module("db.migrations.versions.0022_case_state_tally")
_M0025 = importlib.import_module("db.migrations.versions.0025_stage_reach")
_M0026 = importlib.import_module("db.migrations.versions.0026_budget_tallies")
_M0028 = importlib.import_module("db.migrations.versions.0028_stage_since")
_M0029 = importlib.import_module("db.migrations.versions.0029_stage_month_tally")

SOURCE_TABLES: tuple[str, ...] = ("applicant", "application", "score_card", "paymentline", "introduction",
                                  "applicationevent")
"""The tables whose triggers keep derived data (the default of :func:`triggers_suspended`)."""

_TALLIES = {t.table: t for t in (*_M0017.TALLIES, *_M0022.TALLIES, *_M0026.TALLIES)}
# trigger name prefix → the derived data it keeps
_KEPT_BY_PREFIX = {**{f"{name}_": name for name in _TALLIES}, "case_search_": "case_search", "score_total_": "score_total",
                   "stagereach_": "stagereach", f"{_M0028.NAME}_": "stage_since", f"{_M0029.TABLE}_": _M0029.TABLE}
# a table whose triggers keep derived data of the cases: its triggers go with theirs (0028's and 0029's,
# on ``stagereach``, which the events' and the cases' triggers write). Only 0028's when only the new rows
# are rebuilt: the stage tally cannot tell what a new event changed in an older case's stage times, so
# its triggers stay on and count each change as it happens.
_ALSO = {"application": "stagereach", "applicationevent": "stagereach"}
_ALSO_WHEN_ONLY_NEW = (f"{_M0028.NAME}_",)


@dataclass(frozen=True)
class _Suspended:
    triggers: list[tuple[str, str]]  # (name, stored SQL), in sqlite_master order
    derived: list[str]  # what to rebuild, in a fixed order
    first_new: dict[str, int]  # only_new: table → the first id the block may add


def _derived_of(name: str) -> str:
    for prefix, derived in _KEPT_BY_PREFIX.items():
        if name.startswith(prefix):
            return derived
    raise ValueError(f"trigger {name} keeps data that db.derived cannot rebuild; leave its table out")


def _tally_sql(t, since: int | None) -> str:
    """One grouped INSERT of the tally ``t`` from its source rows (those with id ≥ ``since``)."""
    keys = ", ".join(expr.format(p="") for _, expr in t.keys)
    sums = ", ".join(f"sum({expr.format(p='')})" for _, expr in t.sums)
    scope = "" if since is None else f" AND id >= {int(since)}"
    positions = ", ".join(str(i + 1) for i in range(len(t.keys)))
    return (f"INSERT INTO {t.table} ({t.columns()}) SELECT {keys}, {sums} FROM {t.source} "
            f"WHERE ({t.counted.format(p='')}){scope} GROUP BY {positions} {t.on_conflict(t.table)}")


def rebuild_statements(derived: str, first_new: dict[str, int] | None = None) -> list[str]:
    """The SQLite statements that rebuild ``derived`` (a tally table, ``case_search`` or
    ``score_total``): from all rows, or — ``first_new`` given (table → first new id) — for the new
    rows only. Exposed for tests and for loaders that manage their triggers themselves."""
    new = first_new is not None
    if derived in _TALLIES:
        t = _TALLIES[derived]
        if not new:
            return [f"DELETE FROM {t.table}", _tally_sql(t, None)]
        return [_tally_sql(t, first_new[t.source])]
    if derived == "case_search":
        insert = f"INSERT INTO case_search (rowid, body) SELECT a.id, {_M0018.BODY} FROM {_M0018.CASES}"
        if not new:
            return ["DELETE FROM case_search", insert]
        # new cases, and old cases of a new applicant (none, unless the block moved one)
        where = f"a.id >= {int(first_new['application'])} OR a.applicant_id >= {int(first_new['applicant'])}"
        return [f"DELETE FROM case_search WHERE rowid IN (SELECT a.id FROM application a WHERE {where})",
                f"{insert} WHERE {where}"]
    if derived == "score_total":
        cards = "SELECT application_id FROM score_card"
        if new:
            cards += f" WHERE id >= {int(first_new['score_card'])}"
        return [f"UPDATE application SET score_total = {_M0018.NEWEST_TOTAL.format(id='application.id')} "
                f"WHERE id IN ({cards})"]
    if derived == _M0029.TABLE:
        if new:
            raise ValueError(f"{derived} is kept by its triggers during a load of new rows (db.derived._ALSO)")
        return [f"DELETE FROM {derived}", _M0029.backfill_sql()]
    if derived == "stage_since":
        if not new:
            return [_M0028.refresh_sql()]
        cases = (f"SELECT id FROM application WHERE id >= {int(first_new['application'])} UNION "
                 f"SELECT application_id FROM applicationevent WHERE id >= {int(first_new['applicationevent'])}")
        return [_M0028.refresh_sql(cases)]
    if derived == "stagereach":
        if not new:
            return [f"DELETE FROM {_M0025.TABLE}", *_stagereach_fill()]
        cases = (f"SELECT id FROM application WHERE id >= {int(first_new['application'])} UNION "
                 f"SELECT application_id FROM applicationevent WHERE id >= {int(first_new['applicationevent'])}")
        return [f"DELETE FROM {_M0025.TABLE} WHERE application_id IN ({cases})", *_M0025.fill_sql(False, cases)]
    raise ValueError(f"unknown derived data {derived!r}")


def _stagereach_fill() -> list[str]:
    """``stagereach`` from every event in one pass, for an emptied table: the first reachings grouped
    once and joined to themselves for each stage's start (the same rows and stage times as
    ``fill_sql``'s insert and update: 3.5 s instead of 10 for 100,000 demo applicants), its indexes
    dropped for the insert and built once after it, sorted."""
    m = _M0025
    insert = (
        f"WITH f AS MATERIALIZED (SELECT e.application_id, e.to_state AS state, min(e.at) AS reached_at "
        f"FROM applicationevent e WHERE e.to_state IN ({m._STATES}) GROUP BY e.application_id, e.to_state), "
        f"r AS (SELECT f.application_id, f.state, a.program_id, a.province_id, a.county_id, f.reached_at, a.applied_on "
        f"FROM f JOIN application a ON a.id = f.application_id) "
        f"INSERT INTO {m.TABLE} (application_id, state, program_id, province_id, county_id, reached_at, day, days) "
        f"SELECT r.application_id, r.state, r.program_id, r.province_id, r.county_id, r.reached_at, "
        f"{m._day('r.reached_at', False)}, julianday(r.reached_at) - julianday("
        f"CASE WHEN r.state = '{m.FIRST_STAGE}' THEN r.applied_on ELSE s.reached_at END) "
        f"FROM r LEFT JOIN f s ON s.application_id = r.application_id AND s.state = {m._start_state('r')} "
        f"ORDER BY r.application_id, r.state")
    return ([f"DROP INDEX IF EXISTS {name}" for name in m.INDEXES] + [insert]
            + [f"CREATE INDEX {name} ON {m.TABLE} ({', '.join(columns)})" for name, columns in m.INDEXES.items()])


def _first_ids(conn: Connection) -> dict[str, int]:
    return {table: int(conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").scalar_one())
            for table in SOURCE_TABLES}


def _suspend(conn: Connection, tables: tuple[str, ...], only_new: bool) -> _Suspended:
    unknown = set(tables) - set(SOURCE_TABLES)
    if unknown:
        raise ValueError(f"no derived data is kept from {', '.join(sorted(unknown))}")
    also = sorted({_ALSO[t] for t in tables if t in _ALSO} - set(tables))
    watched = (*tables, *also)
    marks = ", ".join("?" for _ in watched)
    triggers = [
        (name, sql) for name, sql, table in conn.exec_driver_sql(
            f"SELECT name, sql, tbl_name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks}) "
            "AND name NOT LIKE '%\\_no\\_%' ESCAPE '\\' ORDER BY rowid", watched)
        if not (only_new and table in also and not name.startswith(_ALSO_WHEN_ONLY_NEW))
    ]
    derived_set = {_derived_of(name) for name, _ in triggers}
    order = (*_TALLIES, "case_search", "score_total", "stagereach", "stage_since", _M0029.TABLE)
    first_new = _first_ids(conn) if only_new else {}
    for name, _ in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    return _Suspended(triggers, [d for d in order if d in derived_set], first_new)


def _restore(conn: Connection, suspended: _Suspended) -> None:
    for _, sql in suspended.triggers:
        conn.exec_driver_sql(sql)


@contextmanager
def triggers_suspended(
    conn: Connection, tables: Iterable[str] = SOURCE_TABLES, *, only_new: bool = False,
) -> Iterator[None]:
    """Drop the derived-data triggers of ``tables`` for the block, then rebuild the derived data
    (all of it, or with ``only_new`` only the rows the block added) and recreate the triggers,
    all inside ``conn``'s transaction (see the module's docstring). Nothing happens on a
    database other than SQLite. The guard triggers (``…_no_update``/``…_no_delete``) stay on."""
    if conn.dialect.name != "sqlite":
        yield
        return
    driver = conn.connection.driver_connection
    sqlite_hold_write_lock(conn)  # DDL would otherwise run outside the transaction (pysqlite)
    suspended = _suspend(conn, tuple(tables), only_new)
    try:
        yield
        for derived in suspended.derived:
            for statement in rebuild_statements(derived, suspended.first_new if only_new else None):
                conn.exec_driver_sql(statement)
    except BaseException:
        if driver.in_transaction:
            _restore(conn, suspended)  # a caller that swallows the error still keeps its triggers
        raise
    _restore(conn, suspended)
