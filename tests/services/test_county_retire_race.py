"""An administrator retiring a county while a clerk opens a case in it (Form 1 or the Excel import) — or
another administrator adds a user there — at the same moment: one of the two wins, every round. Either
the case (user) exists and the retire was refused («… ۱ پرونده باز / ۱ کاربر فعال دارد»), or the county
is retired and the other refused — never an open case or an active user in a retired county. Threads on
PostgreSQL (row locks) and on SQLite (the write lock).

Each round widens one side's window on purpose: the retire holds its lock while it counts slowly,
or the intake holds its lock a while before writing, or neither."""
from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

import services.applications as apps
import services.imports as imports
import services.reference as reference
import services.users as users
from db.engine import make_engine, new_session
from db.models import Application, AuditLog, County, User
from lib import catalog
from lib.errors import InvalidInput
from lib.jalali import format_jalali
from lib.workflow import OPEN_STATES
from services.imports import import_applications, import_template
from tests.services.refusals import PERSIAN

PAUSE = 0.05  # seconds a slowed side holds its lock


def _slowed(fn, *, after: float):
    def run(*args, **kwargs):
        out = fn(*args, **kwargs)
        time.sleep(after)
        return out
    return run


def _both_at_once(engine, intake_call, retire_call) -> tuple[object, object]:
    """Run the intake and the retire in two threads released together; each result is the call's
    value, a Persian refusal's text, or the unexpected exception itself."""
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def run(slot: int, call) -> None:
        with new_session(engine) as own:
            barrier.wait()
            try:
                results[slot] = call(own)
            except InvalidInput as exc:
                own.rollback()
                results[slot] = exc.message
            except Exception as exc:  # what the test is about: must not happen
                results[slot] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate((intake_call, retire_call))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results[0], results[1]


def _sheet_row(county_name: str, national_code: str) -> dict:
    return {"program": "الف", "province": "تهران", "county": county_name, "channel": catalog.CHANNELS["in_person"],
            "applied_on": format_jalali(date(2024, 6, 1)), "national_code": national_code, "first_name": "مریم", "last_name": "احمدی",
            "gender": "زن", "father_name": "علی", "mobile": "09121234567", "covering_domain": "توانبخشی",
            "target_group": "معلولین", "job_field": "خیاطی", "disabled_members": 1, "severity": "متوسط",
            "marital_status": "متأهل", "dependants": 2, "insured_years": 3}


@pytest.mark.postgres
def test_retire_and_intake_at_once_leave_no_open_case_in_a_retired_county(
        engine, session, admin, areas, intake, new_national_code, monkeypatch):
    if engine.dialect.name == "postgresql":
        engine = make_engine(engine.url.render_as_string(hide_password=False), pool_size=4, max_overflow=0)
    winners: Counter = Counter()
    count, hold, hold_user = reference.county_table, reference.refuse_retired, users.hold_counties
    try:
        for number in range(27):
            path = ("form", "import", "user")[number % 3]
            slow = ("retire", "intake", None)[number // 3 % 3]
            county = reference.add_county(session, admin, areas.province, f"شهرک آزمون {number}")
            monkeypatch.setattr(reference, "county_table", _slowed(count, after=PAUSE if slow == "retire" else 0))
            held = _slowed(hold, after=PAUSE if slow == "intake" else 0)
            monkeypatch.setattr(apps, "refuse_retired", held)
            monkeypatch.setattr(imports, "refuse_retired", held)
            monkeypatch.setattr(users, "hold_counties", _slowed(hold_user, after=PAUSE if slow == "intake" else 0))
            if path == "form":
                form = intake("A", county_id=county.id)
                intake_call = lambda own, form=form: apps.submit_application(own, admin, form).id  # noqa: E731
            elif path == "import":
                sheet = import_template(rows=[_sheet_row(county.name, new_national_code())])
                intake_call = lambda own, sheet=sheet: import_applications(own, admin, sheet).imported[0].application_id  # noqa: E731
            else:
                intake_call = lambda own, cid=county.id, n=number: users.create_user(  # noqa: E731
                    own, admin, username=f"k.race{n}", full_name="کارشناس آزمون", password="secret-pass-1",
                    role="county_expert", county_id=cid).id
            opened, retired = _both_at_once(
                engine, intake_call, lambda own, cid=county.id: reference.set_county_active(own, admin, cid, False).id)
            assert not isinstance(opened, Exception) and not isinstance(retired, Exception), (opened, retired)
            session.expire_all()
            active = session.get(County, county.id).active
            open_cases = session.exec(select(func.count()).select_from(Application).where(
                Application.county_id == county.id,
                Application.state.in_([s.value for s in OPEN_STATES]))).one()  # type: ignore[attr-defined]
            active_users = session.exec(select(func.count()).select_from(User).where(
                User.county_id == county.id, User.active == True)).one()  # noqa: E712
            kept, blocker = (active_users, "۱ کاربر فعال") if path == "user" else (open_cases, "۱ پرونده باز")
            retire_audits = session.exec(select(func.count()).select_from(AuditLog).where(
                AuditLog.action == "county.active", AuditLog.entity_id == str(county.id))).one()
            if isinstance(opened, int):  # the intake won: the retire was refused, in Persian, naming the case
                assert isinstance(retired, str) and blocker in retired, (path, slow, retired)
                assert (active, kept, retire_audits) == (True, 1, 0)
            else:  # the retire won: the intake was refused, in Persian, nothing written
                assert retired == county.id, (path, slow, opened, retired)
                assert isinstance(opened, str) and PERSIAN.search(opened), opened
                # the import may already have read the county as retired while checking the file
                assert any(word in opened for word in ("بازنشسته", "غیرفعال شده")) or (
                    path == "import" and "هیچ ردیفی وارد نشد" in opened), opened
                assert (active, open_cases, active_users, retire_audits) == (False, 0, 0, 1)
            winners["intake" if isinstance(opened, int) else "retire"] += 1
    finally:
        if engine.dialect.name == "postgresql":
            engine.dispose()
    print(f"\n{engine.dialect.name}: rounds won {dict(winners)}")
