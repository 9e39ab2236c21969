"""The administrators' command line, in process (``cli.main``) and once as ``python -m cli``."""
from __future__ import annotations

import io
import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, text
from sqlmodel import select

import cli
from demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from db.engine import make_engine, new_session
from db.models import Applicant, AuditLog, County, Province, User
from lib.errors import InvalidInput
from lib.permissions import Role
from services.users import authenticate

ROOT = Path(__file__).resolve().parent.parent
PERSIAN = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("BIMEYAR_DATABASE_URL", url)
    return url


def _run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _table_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        counts = {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}
    engine.dispose()
    return counts


def test_init_demo_twice_changes_nothing(db_url, capsys):
    code, out, err = _run(capsys, "init", "--demo", "--applicants", "200")
    assert code == 0, err
    assert "demo.expert" in out and DEMO_PASSWORD in out and "Database ready" in out
    first = _table_counts(db_url)
    assert first["applicant"] == 200
    assert first["user"] == len(DEMO_ACCOUNTS)
    assert first["paymentline"] > 0 and first["alembic_version"] == 1

    code, out, err = _run(capsys, "init", "--demo", "--applicants", "200")
    assert code == 0, err
    assert "Database ready" in out and "not added" in out
    assert _table_counts(db_url) == first


def test_create_user_from_stdin_then_sign_in(db_url, capsys, monkeypatch):
    assert _run(capsys, "init")[0] == 0
    code, out, err = _run(
        capsys, "create-user", "--username", "first.admin", "--full-name", "مدير سامانه", "--role", "admin",
        "--password-stdin", stdin="s3cret-pass\n", monkeypatch=monkeypatch,
    )
    assert code == 0, err
    assert "first.admin" in out
    engine = make_engine(db_url)
    with new_session(engine) as session:
        actor = authenticate(session, "first.admin", "s3cret-pass")
        assert actor.role is Role.admin and actor.full_name == "مدیر سامانه"  # ي normalised to ی
        record = session.exec(select(AuditLog).where(AuditLog.action == "user.create")).first()
        assert record.username == "system" and record.entity_id == str(actor.id)
        assert "password_hash" not in (record.after or {})
    engine.dispose()


def test_create_county_user_by_names(db_url, capsys, monkeypatch):
    assert _run(capsys, "init")[0] == 0
    code, _, err = _run(
        capsys, "create-user", "--username", "rey.expert", "--full-name", "کارشناس ری", "--role", "county_expert",
        "--province", "تهران", "--county", "ري", "--password-stdin", stdin="another-pass\n", monkeypatch=monkeypatch,
    )
    assert code == 0, err
    engine = make_engine(db_url)
    with new_session(engine) as session:
        user = session.exec(select(User).where(User.username == "rey.expert")).one()
        county = session.get(County, user.county_id)
        assert county.name == "ری"
        assert session.get(Province, user.province_id).name == "تهران"
    engine.dispose()


def test_create_user_errors_are_persian_and_exit_2(db_url, capsys, monkeypatch):
    assert _run(capsys, "init")[0] == 0
    cases = [
        ("--role", "county_expert"),  # a county role without a county
        ("--role", "admin", "--province", "ناکجاآباد"),  # no such province
    ]
    for extra in cases:
        code, out, err = _run(
            capsys, "create-user", "--username", "someone", "--full-name", "کسی", *extra, "--password-stdin",
            stdin="long-enough-1\n", monkeypatch=monkeypatch,
        )
        assert code == 2 and PERSIAN.search(err) and "Traceback" not in err, (extra, err)
    code, _, err = _run(
        capsys, "create-user", "--username", "someone", "--full-name", "کسی", "--role", "admin", "--password-stdin",
        stdin="short\n", monkeypatch=monkeypatch,
    )
    assert code == 2 and "گذرواژه" in err


def test_bad_role_prints_persian_error_and_exits_2(db_url, capsys):
    assert _run(capsys, "init")[0] == 0
    env = dict(os.environ, BIMEYAR_DATABASE_URL=db_url, PYTHONIOENCODING="ascii")  # UTF-8 regardless
    result = subprocess.run(
        [sys.executable, "-m", "cli", "create-user", "--username", "x.user", "--full-name", "کاربر",
         "--role", "boss", "--password-stdin"],
        input="long-enough-1\n", capture_output=True, text=True, encoding="utf-8", cwd=ROOT, env=env, timeout=120,
    )
    assert result.returncode == 2
    assert "نقش" in result.stderr and "Traceback" not in result.stderr
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(User)).scalar_one() == 0
    engine.dispose()


def test_backup_is_a_readable_copy(db_url, capsys, tmp_path):
    assert _run(capsys, "init", "--demo", "--applicants", "200")[0] == 0
    code, out, err = _run(capsys, "backup")
    assert code == 0, err
    path = Path(re.search(r"Backup written: (\S+\.db)", out).group(1))
    assert path.parent == tmp_path / "backups" and re.fullmatch(r"bimeyar-\d{8}-\d{6}\.db", path.name)
    assert f"{path.stat().st_size:,} bytes" in out
    copy = sqlite3.connect(path)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM applicant").fetchone()[0] == 200
        assert copy.execute("SELECT count(*) FROM user").fetchone()[0] == len(DEMO_ACCOUNTS)
    finally:
        copy.close()
    code, out, _ = _run(capsys, "backup", "--out", str(tmp_path / "elsewhere.db"))
    assert code == 0 and (tmp_path / "elsewhere.db").exists()
    code, _, err = _run(capsys, "backup", "--out", str(tmp_path / "elsewhere.db"))
    assert code == 2 and PERSIAN.search(err)  # never overwrites


def test_backups_are_readable_by_their_owner_only(db_url, capsys, tmp_path):
    """Backups hold every national code: the file 0600 and our backups folder 0700, whatever the umask."""
    assert _run(capsys, "init")[0] == 0
    old_umask = os.umask(0o022)  # the usual umask, which today gives 0644 files
    try:
        code, out, err = _run(capsys, "backup")
        assert code == 0, err
        path = Path(re.search(r"Backup written: (\S+\.db)", out).group(1))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        code, out, err = _run(capsys, "backup", "--out", str(tmp_path / "given" / "copy.db"))
        assert code == 0, err
        assert stat.S_IMODE((tmp_path / "given" / "copy.db").stat().st_mode) == 0o600
        # the PostgreSQL branch writes through the same pre-created file
        target = cli._backup_path(None, tmp_path / "pg-backups", ".dump")
        assert target.stat().st_size == 0 and stat.S_IMODE(target.stat().st_mode) == 0o600
        assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    finally:
        os.umask(old_umask)


def test_demo_adds_applicants_but_accounts_once(db_url, capsys):
    assert _run(capsys, "init")[0] == 0
    code, out, err = _run(capsys, "demo", "--applicants", "60")
    assert code == 0, err
    assert "demo.admin" in out
    code, out, err = _run(capsys, "demo", "--applicants", "40")
    assert code == 0, err
    assert "already present" in out
    counts = _table_counts(db_url)
    assert counts["applicant"] == 100 and counts["user"] == len(DEMO_ACCOUNTS)


def test_demo_refuses_a_database_with_real_applicants(db_url, capsys):
    assert _run(capsys, "init")[0] == 0
    engine = make_engine(db_url)
    with new_session(engine) as session:
        county_id = session.execute(select(County.id)).scalars().first()
        session.add(Applicant(national_code="0499370899", first_name="واقعی", last_name="واقعی", county_id=county_id))
        session.commit()
    engine.dispose()
    code, _, err = _run(capsys, "demo", "--applicants", "10")
    assert code == 2 and "واقعی" in err
    code, out, _ = _run(capsys, "init", "--demo")
    assert code == 0 and "not added" in out
    assert _table_counts(db_url)["applicant"] == 1


def test_unlock_clears_the_throttle_and_list_users(db_url, capsys):
    assert _run(capsys, "init", "--demo", "--applicants", "20")[0] == 0
    engine = make_engine(db_url)
    with new_session(engine) as session:
        for _ in range(5):
            with pytest.raises(InvalidInput):
                authenticate(session, "demo.expert", "wrong-password", client="10.0.0.7")
        with pytest.raises(InvalidInput, match="ثانیه"):  # throttled: wait, from any client
            authenticate(session, "demo.expert", DEMO_PASSWORD, client="10.0.0.8")
    code, out, _ = _run(capsys, "list-users")
    assert code == 0 and all(a.username in out for a in DEMO_ACCOUNTS)
    code, out, err = _run(capsys, "unlock", "--username", "demo.expert", "--client", "10.0.0.7")
    assert code == 0, err
    assert "Cleared the sign-in throttle of demo.expert" in out and "throttle cleared" in out
    with new_session(engine) as session:
        assert authenticate(session, "demo.expert", DEMO_PASSWORD, client="10.0.0.7").username == "demo.expert"
    engine.dispose()
    code, _, err = _run(capsys, "unlock", "--username", "nobody")
    assert code == 2 and PERSIAN.search(err)


def test_migrate_and_load_reference(db_url, capsys):
    code, out, _ = _run(capsys, "migrate")
    assert code == 0 and "head" in out
    code, out, _ = _run(capsys, "load-reference")
    assert code == 0 and "provinces 31" in out and "counties 448" in out
    code, out, _ = _run(capsys, "load-reference")
    assert code == 0 and "nothing to add" in out
