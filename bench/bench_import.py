"""Benchmark: bulk import of 20,000 cases from Excel on SQLite (issue 11's goal: under 5 s).

Builds a filled import file (programmes A and B, every Form 1 column, household data), then
times on a fresh migrated SQLite database: reading and checking every row
(``validate_import``) and writing them in one transaction (``import_applications``: applicants,
cases, households, timeline events, SMS, audit records). The import follows the validation of
the same file, as on the import page: the file's own checks (column-wise for the rows that pass
them, ``services.import_columns``) are kept from the validation and only the database's are run
again (``services.imports``); the cost of those own checks, which a file imported without
validating first pays on top, is printed too. Prints figures; asserts nothing
about time. Wall time is noisy on a shared machine: the CPU seconds and the load average
(``/proc/loadavg`` before and after) are printed with it.

    .venv/bin/python bench/bench_import.py [ROWS]
"""
from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import func, select  # noqa: E402

from db import migrate  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from db.models import Application, AuditLog, County, Notification, Province  # noqa: E402
from db.seed import load_reference_data  # noqa: E402
from lib import catalog  # noqa: E402
from lib.identifiers import generate_national_code  # noqa: E402
from lib.jalali import format_jalali, local_today  # noqa: E402
from lib.permissions import Role  # noqa: E402
from lib.scoring import MARITAL_LABELS, SEVERITY_LABELS  # noqa: E402
from services.base import SYSTEM  # noqa: E402
from services.imports import import_applications, import_template, validate_import  # noqa: E402
from services.import_write import gc_paused  # noqa: E402
from services.imports import _check_file  # noqa: E402
from services.users import actor_for, create_user  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
# names take Persian letters only (lib.validate.person_name): no row numbers in them
LAST_NAMES = ("احمدی", "محمدی", "حسینی", "رضایی", "کریمی", "موسوی", "جعفری", "صادقی", "نوری", "هاشمی‌نژاد")


def rows(n: int, county: str) -> list[dict]:
    rng = random.Random(1404)
    seen: set[str] = set()
    out = []
    for i in range(n):
        code = generate_national_code(rng)
        while code in seen:
            code = generate_national_code(rng)
        seen.add(code)
        program = "الف" if i % 3 else "ب"
        disabled = rng.randint(0, 3)
        out.append(
            {
                "program": program,
                "province": "تهران",
                "county": county,
                "channel": rng.choice(list(catalog.CHANNELS.values())),
                "applied_on": format_jalali(date(2024, 6, 1) + timedelta(days=rng.randint(0, 300))),
                "national_code": code,
                "first_name": "مریم",
                "last_name": LAST_NAMES[i % len(LAST_NAMES)],
                "gender": "زن",
                "head_of_household": "بله" if program == "ب" else None,
                "father_name": "علی",
                "mobile": f"0912{rng.randrange(10**7):07d}",
                "covering_domain": rng.choice(list(catalog.COVERING_DOMAINS.values())),
                "target_group": rng.choice(list(catalog.TARGET_GROUPS.values())),
                "job_field": "خیاطی",
                "home_address": "تهران، خیابان آزادی",
                "disabled_members": disabled,
                "severity": rng.choice(list(SEVERITY_LABELS.values())) if disabled else None,
                "marital_status": rng.choice(list(MARITAL_LABELS.values())),
                "dependants": rng.randint(0, 5),
                "insured_years": rng.randint(0, 30),
            }
        )
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate.upgrade(engine)
        with new_session(engine) as session:
            load_reference_data(session)
            tehran = session.exec(
                select(County).join(Province, Province.id == County.province_id).where(Province.name == "تهران", County.name == "تهران")
            ).one()
            user = create_user(session, SYSTEM, username="bench.expert", full_name="کارشناس سنجش", password="bench-pass-1",
                               role=Role.county_expert, county_id=tehran.id)
            actor = actor_for(user)

        t0 = time.perf_counter()
        content = import_template(rows=rows(ROWS, "تهران"))
        t_build = time.perf_counter() - t0

        load_before = _load()
        with new_session(engine) as session:
            t0, c0 = time.perf_counter(), time.process_time()
            report = validate_import(session, actor, content)
            t_validate, c_validate = time.perf_counter() - t0, time.process_time() - c0
        assert report.is_clean, report.problems[:5]

        with new_session(engine) as session:
            t0, c0 = time.perf_counter(), time.process_time()
            result = import_applications(session, actor, content)
            t_import, c_import = time.perf_counter() - t0, time.process_time() - c0
            cases = session.exec(select(func.count(Application.id))).one()
            sms = session.exec(select(func.count(Notification.id))).one()
            audits = session.exec(select(func.count(AuditLog.id)).where(AuditLog.action == "application.import")).one()
        assert len(result.imported) == cases == audits == ROWS
        engine.dispose()
    t0, c0 = time.perf_counter(), time.process_time()
    with gc_paused():  # as the import runs them
        _check_file(content, local_today())  # what an import without a validation before it adds
    t_own, c_own = time.perf_counter() - t0, time.process_time() - c0

    print(f"{ROWS:,} rows, file {len(content) / 1024:,.0f} KiB (built in {t_build:.2f} s), SQLite")
    print(f"{'step':<36} {'seconds':>9} {'CPU s':>7} {'rows/s':>10}  (CPU: the machine is shared)")
    for name, seconds, cpu in (
        ("validate_import (read + check)", t_validate, c_validate),
        ("import_applications (check + write)", t_import, c_import),
        ("both", t_validate + t_import, c_validate + c_import),
        ("(the file's own checks, not kept)", t_own, c_own),
    ):
        print(f"{name:<36} {seconds:>9.2f} {cpu:>7.2f} {ROWS / seconds:>10,.0f}")
    print(f"written: {cases:,} cases, {sms:,} SMS, {audits:,} case audit records")
    print(f"load average (1, 5, 15 min) before: {load_before}; after: {_load()}")


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


if __name__ == "__main__":
    main()
