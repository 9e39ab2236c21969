"""Writing an import's checked rows: applicants, cases, households, timeline events, SMS and
audit records in bulk, inside the caller's transaction (the caller commits).

The checks live in :mod:`services.imports`; this module only writes what they passed. Speed: ids
are reserved up front so that children cite their parents without a RETURNING per batch; rows go
through :mod:`db.bulk`; on SQLite the derived-data row triggers of the new applicants and cases
(the monitoring tally of migration 0017, the case search of 0018) are suspended for the insert and
their rows written set-based for the new rows only (:func:`db.derived.triggers_suspended`), in the
same transaction. Nothing here imports Streamlit.
"""
from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from sqlmodel.sql.sqltypes import UTCDateTime

from db.audit_chain import seal
from db.bulk import insert_rows, next_id, sqlite_checks_deferred
from db.derived import triggers_suspended
from db.models import (
    Applicant,
    Application,
    ApplicationEvent,
    AuditLog,
    Household,
    Notification,
    utcnow,
)
from lib.workflow import State
from services.applications import tracking_code_candidate
from services.base import Actor, snapshot
from services.import_sheet import ImportedCase, _Row
from services.notify import state_message, template_text

T = TypeVar("T")

IMPORT_NOTE = "ورود گروهی از فایل اکسل"


@dataclass
class OnFile:
    """What the database holds about a file's people, read in bulk by the checks."""

    applicants: dict[str, Applicant]  # national code → applicant
    open_cases: dict[tuple[int, int], str]  # (applicant id, program id) → tracking code
    programs: dict[str, int]  # code → program id


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector off for a bulk step that creates a few hundred thousand objects
    and frees them all at its end (≈ 15 % of an import's CPU went to collections that find
    nothing); reference counting still frees everything. On again afterwards if it was on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def chunks(items: Sequence[T], size: int = 900) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _free_tracking_codes(session: Session, keys: Sequence[tuple[str, date]]) -> list[str]:
    """One unused tracking code per (programme, date), checked against the database in bulk."""
    codes = [tracking_code_candidate(p, d) for p, d in keys]
    pending = list(range(len(codes)))
    for _ in range(20):
        taken = _taken_codes(session, [codes[i] for i in pending])
        pending_set = set(pending)
        seen = {code for i, code in enumerate(codes) if i not in pending_set}
        retry = []
        for i in pending:
            if codes[i] in taken or codes[i] in seen:
                retry.append(i)
            else:
                seen.add(codes[i])
        if not retry:
            return codes
        for i in retry:
            codes[i] = tracking_code_candidate(*keys[i])
        pending = retry
    raise RuntimeError("could not find free tracking codes")  # pragma: no cover


def _taken_codes(session: Session, codes: list[str]) -> set[str]:
    """Which of ``codes`` cases already have: on SQLite in one statement (the codes as one JSON
    array), elsewhere in chunks of an IN list."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        return set(conn.exec_driver_sql(
            "SELECT tracking_code FROM application WHERE tracking_code IN (SELECT value FROM json_each(?))",
            (json.dumps(codes),)).scalars())
    taken: set[str] = set()
    for chunk in chunks(codes):
        taken.update(session.exec(select(Application.tracking_code).where(Application.tracking_code.in_(chunk))).all())  # type: ignore[attr-defined]
    return taken


def write_cases(session: Session, actor: Actor, chosen: list[_Row], on_file: OnFile, sha256: str) -> list[ImportedCase]:
    """Insert the applicants, cases, households, events, SMS and per-case audit records of
    checked rows in bulk (the caller commits)."""
    now = utcnow()
    chosen_codes = {row.national_code for row in chosen}
    applicant_ids = {code: a.id for code, a in on_file.applicants.items() if code in chosen_codes}
    before: dict[str, dict] = {}
    for row in chosen:  # people on file: newer contact details win, as on the form
        applicant = on_file.applicants.get(row.national_code)
        if applicant is not None:
            before[row.national_code] = snapshot(applicant) or {}
            for key, value in row.clean.applicant.items():  # type: ignore[union-attr]
                if value not in ("", None):
                    setattr(applicant, key, value)
    session.flush()
    # the people on file are updated above, with their triggers; from here on only inserts
    with triggers_suspended(session.connection(), ("applicant", "application"), only_new=True):
        fresh = [row for row in chosen if row.national_code not in applicant_ids]
        if fresh:
            new_ids = _reserve_ids(session, Applicant, len(fresh))
            _insert(session, Applicant, [
                dict(id=new_id, national_code=row.national_code, county_id=row.county[0], created_at=now, **row.clean.applicant)  # type: ignore[index, union-attr]
                for row, new_id in zip(fresh, new_ids)
            ])
            applicant_ids.update(zip((row.national_code for row in fresh), new_ids))

        codes = _free_tracking_codes(session, [(row.program, row.clean.applied_on) for row in chosen])  # type: ignore[union-attr]
        case_ids = _reserve_ids(session, Application, len(chosen))
        case_rows = [
            dict(
                id=case_id,
                tracking_code=tracking,
                applicant_id=applicant_ids[row.national_code],
                program_id=on_file.programs[row.program],
                county_id=row.county[0],  # type: ignore[index]
                province_id=row.county[1],  # type: ignore[index]
                channel=row.clean.channel,  # type: ignore[union-attr]
                state=State.received.value,
                applied_on=row.clean.applied_on,  # type: ignore[union-attr]
                created_by=actor.id,
                created_at=now,
                updated_at=now,
                **row.clean.case,  # type: ignore[union-attr]
            )
            for row, tracking, case_id in zip(chosen, codes, case_ids)
        ]
        _insert(session, Application, case_rows)

    households, events, messages, audits, imported = [], [], [], [], []
    iso: dict[date, str] = {}
    received_text = template_text(session, "state.received")  # the current SMS template, read once
    received, event, user_id = State.received.value, f"state.{State.received.value}", actor.id
    for row, case, case_id in zip(chosen, case_rows, case_ids):
        clean = row.clean
        assert clean is not None
        applicant_id = applicant_ids[row.national_code]
        on_record = on_file.applicants.get(row.national_code)
        person = snapshot(on_record) if on_record else _flat_snapshot({**clean.applicant, "id": applicant_id, "national_code": row.national_code}, Applicant, iso)
        full_name = f"{clean.applicant['first_name']} {clean.applicant['last_name']}"
        households.append(dict(application_id=case_id, **clean.household.__dict__))
        events.append(
            dict(application_id=case_id, from_state=None, to_state=received, at=now, user_id=user_id, note=IMPORT_NOTE)
        )
        mobile = on_record.mobile if on_record else clean.applicant["mobile"]
        if mobile:  # as services.notify.queue_state_sms: no mobile, no SMS
            named = _Named(clean.applicant["first_name"], clean.applicant["last_name"], case["tracking_code"])
            messages.append(
                dict(
                    applicant_id=applicant_id,
                    application_id=case_id,
                    channel="sms",
                    mobile=mobile,
                    event=event,
                    body=state_message(named, named, State.received, text=received_text),  # type: ignore[arg-type]
                    status="queued",
                    created_at=now,
                )
            )
        audits.append(
            _audit_row(
                actor,
                now,
                "application.import",
                "application",
                case_id,
                before={"applicant": before[row.national_code]} if row.national_code in before else None,
                after={"application": _flat_snapshot(case, Application, iso), "applicant": person,
                       "row": row.number, "file_sha256": sha256},
                province_id=case["province_id"],  # what the chain would find in the snapshot and entity
                application_id=case_id,
            )
        )
        imported.append(ImportedCase(row.number, case_id, case["tracking_code"], full_name))
    _insert(session, Household, households)
    _insert(session, ApplicationEvent, events)
    _insert(session, Notification, messages)
    _insert_audits(session, audits)
    return imported


def _reserve_ids(session: Session, model: type, count: int) -> list[int]:
    """``count`` fresh ids for ``model``'s rows, so that children can cite them without a
    RETURNING per batch (SQLAlchemy's sorted RETURNING grows quadratically with the rows).
    PostgreSQL: drawn from the table's sequence (safe with concurrent writers). SQLite: after
    the largest id; a writer who took the same ids meanwhile makes the insert fail, and the
    import rolls back whole (its IntegrityError)."""
    conn = session.connection()
    table = model.__table__  # type: ignore[attr-defined]
    if conn.dialect.name == "postgresql":
        return list(conn.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, {int(count)})"
        ).scalars())
    start = next_id(conn, table)
    return list(range(start, start + count))


def _insert_audits(session: Session, audits: list[dict[str, Any]]) -> None:
    """Chain the audit records (as :func:`services.base.audit`'s records are) and insert them. On
    SQLite each snapshot is encoded once, as the hash covers it (sorted keys), and that text is
    stored as it is; elsewhere the driver's JSON encoding stores them."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        seal(conn, audits)
        _insert(session, AuditLog, audits)
        return
    seal(conn, audits, encoded=True)
    to_text = AuditLog.__table__.c.at.type._cached_bind_processor(conn.dialect)  # type: ignore[attr-defined]
    texts: dict[datetime, str] = {}
    for row in audits:  # the records of one import share their timestamp
        at = row["at"]
        row["at"] = texts[at] if at in texts else texts.setdefault(at, to_text(at))
    _insert(session, AuditLog, audits, driver_values=True)


def _insert(session: Session, model: type, rows: list[dict[str, Any]], driver_values: bool = False) -> None:
    """Rows (mappings with the same keys) written in bulk by :mod:`db.bulk` on the session's
    connection, inside its transaction; a refused row is SQLAlchemy's IntegrityError on every
    database, as an ORM insert raises it. On SQLite the table's CHECK constraints are tested once,
    set-based, over the new rows (:func:`db.bulk.sqlite_checks_deferred`): a breaking row still
    fails the insert with SQLite's own message, and the caller's transaction rolls back."""
    if not rows:
        return
    conn = session.connection()
    try:
        with sqlite_checks_deferred(conn, model):  # SQLite: the table's CHECKs once over the new rows
            insert_rows(conn, model, tuple(rows[0]), rows, driver_values=driver_values)
    except conn.dialect.dbapi.IntegrityError as exc:  # PostgreSQL's COPY raises the driver's own
        raise IntegrityError(f"bulk insert into {model.__table__.name}", None, exc) from exc  # type: ignore[attr-defined]


def _date_columns(model: type) -> tuple[str, ...]:
    """The columns of ``model`` that hold dates or times."""
    names = []
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        if isinstance(column.type, UTCDateTime):
            names.append(column.name)
            continue
        try:
            kind = column.type.python_type
        except NotImplementedError:  # JSON and the like: no dates
            continue
        if issubclass(kind, date):
            names.append(column.name)
    return tuple(names)


_DATES_OF = {model: _date_columns(model) for model in (Applicant, Application)}


def _flat_snapshot(values: dict[str, Any], model: type, iso: dict[date, str]) -> dict[str, Any]:
    """:func:`services.base.snapshot` of a ``model`` row this import builds (text, numbers,
    booleans, dates and times only), without its general walk: the date and time columns as
    ISO text, each value written once into ``iso`` (the rows of one import share their
    timestamps and a few hundred days)."""
    out = dict(values)
    for key in _DATES_OF[model]:
        value = out.get(key)
        if value is not None:
            text = iso.get(value)
            if text is None:
                text = iso[value] = value.isoformat()
            out[key] = text
    return out


class _Named:
    """What :func:`services.notify.state_message` reads of an applicant and a case."""

    __slots__ = ("first_name", "last_name", "tracking_code")

    def __init__(self, first_name: str, last_name: str, tracking_code: str) -> None:
        self.first_name, self.last_name, self.tracking_code = first_name, last_name, tracking_code


def _audit_row(actor: Actor, at: datetime, action: str, entity: str, entity_id: Any, *, before: dict | None, after: dict | None,
               province_id: int | None, application_id: int | None) -> dict[str, Any]:
    """An audit record as :func:`services.base.audit` writes it, as a row for a bulk insert.
    ``before`` and ``after`` hold :func:`services.base.snapshot` results, numbers and text:
    already what a JSON round trip gives. Its area and case are given (the chain would work
    them out of the snapshots, :func:`lib.audit_chain.province_of` and ``case_of``; a test
    compares)."""
    return dict(
        province_id=province_id,
        application_id=application_id,
        at=at,
        user_id=actor.id,
        username=actor.username,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
    )
