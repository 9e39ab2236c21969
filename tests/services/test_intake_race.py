"""Two (or eight) people submitting Form 1 for the same national code at the same moment: one case
is opened, every other submission gets the Persian refusal (the unique national code and the one
open case per applicant and programme), never a raw IntegrityError. PostgreSQL, with threads."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func
from sqlmodel import select

from db.engine import make_engine, new_session
from db.models import Applicant, Application, AuditLog
from lib.errors import InvalidInput
from services import applications as apps
from tests.services.refusals import PERSIAN


def submit_at_once(engine, actor, forms: list[apps.IntakeData]) -> list[object]:
    """One thread per form, all submitting together; each result is a case id or a Persian message."""
    barrier = threading.Barrier(len(forms))
    results: list[object] = [None] * len(forms)

    def run(slot: int) -> None:
        with new_session(engine) as own:
            barrier.wait()
            try:
                results[slot] = apps.submit_application(own, actor, forms[slot]).id
            except InvalidInput as exc:
                own.rollback()
                results[slot] = exc.message
            except Exception as exc:  # what the test is about: must not happen
                results[slot] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(forms))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
def test_simultaneous_forms_with_one_national_code_open_one_case(engine, session, secretary, intake):
    if engine.dialect.name != "postgresql":
        pytest.skip("the thread race needs PostgreSQL's concurrent writers; SQLite's plain test is in test_input_boundary")
    engine = make_engine(engine.url.render_as_string(hide_password=False), pool_size=8, max_overflow=0)
    try:
        for width in (2, 4, 8, 8, 8):
            for programme in ("A", "B"):
                first = intake(programme)
                forms = [apps.IntakeData(**{**vars(first), "first_name": name})
                         for name in ("مریم", "زهرا", "سارا", "نرگس", "لیلا", "مینا", "فاطمه", "الهام")[:width]]
                results = submit_at_once(engine, secretary, forms)
                errors = [r for r in results if isinstance(r, Exception)]
                assert not errors, errors
                opened = [r for r in results if isinstance(r, int)]
                assert len(opened) == 1, results
                assert all(isinstance(r, str) and PERSIAN.search(r) for r in results if not isinstance(r, int))
                code = first.national_code
                assert session.exec(select(func.count()).select_from(Applicant).where(Applicant.national_code == code)).one() == 1
                assert session.exec(select(func.count()).select_from(Application).join(Applicant)
                                    .where(Applicant.national_code == code)).one() == 1
                assert session.exec(select(func.count()).select_from(AuditLog).where(
                    AuditLog.action == "application.submit", AuditLog.entity_id == str(opened[0]))).one() == 1
    finally:
        engine.dispose()
