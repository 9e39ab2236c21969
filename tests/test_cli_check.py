"""``bimeyar check``: each thing an operator must know before opening the doors, and the exit code."""
from __future__ import annotations

import pytest

import cli
import cli_check
from lib.jalali import jalali_year_of, local_today
from db.engine import new_session
from db.models import MinimumWage


@pytest.fixture
def checked(engine, monkeypatch, tmp_path):
    """The check run on ``engine`` with folders of this test; returns (exit code, {what: (status, detail)})."""
    monkeypatch.setenv("BIMEYAR_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("BIMEYAR_UPLOAD_DIR", str(tmp_path / "uploads"))

    def run(capsys) -> tuple[int, dict[str, tuple[str, str]]]:
        code = cli.main(["check"])
        lines = capsys.readouterr().out.splitlines()
        rows = {}
        for line in lines[:-1]:
            status, rest = line[:4].strip(), line[6:]
            what, _, detail = rest.partition("  ")
            rows[what.strip()] = (status, detail.strip())
        return code, rows

    return run


def _set_wage(engine, *, confirmed: bool | None) -> None:
    year = jalali_year_of(local_today())
    with new_session(engine) as session:
        wage = session.get(MinimumWage, year)
        if confirmed is None:
            if wage is not None:
                session.delete(wage)
        else:
            if wage is None:
                wage = MinimumWage(jalali_year=year, daily_wage_rial=5_000_000)
            wage.confirmed = confirmed
            session.add(wage)
        session.commit()


def test_a_migrated_database_with_a_confirmed_wage_passes(engine, checked, capsys) -> None:
    _set_wage(engine, confirmed=True)
    code, rows = checked(capsys)
    assert rows["database reachable"][0] == "ok"
    assert rows["schema migrated"][0] == "ok"
    assert rows[f"minimum wage {jalali_year_of(local_today())}"][0] == "ok"
    assert rows["upload folder"][0] == "ok"
    if engine.dialect.name == "sqlite":
        assert code == 0
    else:  # the test connects as the owner of every table: exactly what a deployment must not do
        assert code == 1
        assert rows["database roles"][0] == "FAIL" and "owns" in rows["database roles"][1]


def test_the_current_years_wage_missing_fails_and_unconfirmed_warns(engine, checked, capsys) -> None:
    year = jalali_year_of(local_today())
    _set_wage(engine, confirmed=False)
    code, rows = checked(capsys)
    assert rows[f"minimum wage {year}"][0] == "warn" and "NOT confirmed" in rows[f"minimum wage {year}"][1]
    assert code == (0 if engine.dialect.name == "sqlite" else 1)  # PostgreSQL: the test's role owns the tables
    _set_wage(engine, confirmed=None)
    code, rows = checked(capsys)
    assert code == 1 and rows[f"minimum wage {year}"][0] == "FAIL"


def test_an_unmigrated_database_fails_and_says_what_to_run(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("BIMEYAR_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert cli.main(["check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  schema migrated" in out and "bimeyar migrate" in out
    assert "minimum wage" not in out  # no noise from tables that do not exist yet


def test_an_unreachable_database_fails(monkeypatch, capsys) -> None:
    monkeypatch.setenv("BIMEYAR_DATABASE_URL", "postgresql://nobody:x@127.0.0.1:1/none")
    assert cli.main(["check"]) == 1
    assert "FAIL  database reachable" in capsys.readouterr().out


def test_a_missing_font_fails(tmp_path) -> None:
    (finding,) = cli_check.check_font(tmp_path)
    assert finding.status == "FAIL" and "Vazirmatn-Regular.woff2" in finding.detail
    fonts = tmp_path / "static" / "fonts"
    fonts.mkdir(parents=True)
    for name in cli_check.FONT_FILES:
        (fonts / name).write_bytes(b"font")
    assert cli_check.check_font(tmp_path)[0].status == "ok"


def test_folders_open_to_other_users_and_readable_backups_fail(tmp_path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    folder.chmod(0o755)
    (finding,) = cli_check.check_folder("backup folder", folder)
    assert finding.status == "FAIL" and "chmod o-rwx" in finding.detail
    folder.chmod(0o700)
    backup = folder / "bimeyar-1.db"
    backup.write_bytes(b"x")
    backup.chmod(0o644)
    (finding,) = cli_check.check_folder("backup folder", folder)
    assert finding.status == "FAIL" and "chmod 600" in finding.detail
    backup.chmod(0o600)
    assert cli_check.check_folder("backup folder", folder)[0].status == "ok"
    assert cli_check.check_folder("backup folder", tmp_path / "not-yet")[0].status == "ok"
