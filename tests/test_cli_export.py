"""``bimeyar export-run RUN_ID --out FILE.xlsx``: writes the payment list; bad input → Persian, non-zero, nothing written."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlmodel import select

import cli
from db.engine import new_session
from db.models import County, User
from services.payments.exports import LIST_HEADERS
from tests.services.paid_runs import make_run

PERSIAN = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture
def run_ids(sqlite_engine, monkeypatch):
    monkeypatch.setenv("BIMEYAR_DATABASE_URL", str(sqlite_engine.url))
    with new_session(sqlite_engine) as session:
        tehran = session.exec(select(County).where(County.name == "تهران")).first()
        made = {status: make_run(session, program="B", province_id=tehran.province_id, county_id=tehran.id,
                                 amounts=[18_000, 9_000], status=status, month=m)[0].id
                for m, status in enumerate(("finalized", "draft"), start=1)}
        session.add(User(username="isfahan", full_name="کمیته اصفهان", password_hash="x", role="province_committee",
                         province_id=session.exec(select(County).where(County.name == "کاشان")).first().province_id))
        session.commit()
    return made


def test_export_run_writes_the_list_and_the_summary(run_ids, tmp_path, capsys):
    out, pdf = tmp_path / "run.xlsx", tmp_path / "run.pdf"
    assert cli.main(["export-run", str(run_ids["finalized"]), "--out", str(out), "--pdf", str(pdf)]) == 0
    rows = list(load_workbook(io.BytesIO(out.read_bytes())).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == LIST_HEADERS and len(rows) == 3
    assert pdf.read_bytes().startswith(b"%PDF-")
    printed = capsys.readouterr().out
    assert "۲ ردیف" in printed and "۲۷٬۰۰۰ ریال" in printed and re.search(r"[0-9a-f]{64}", printed)


@pytest.mark.parametrize("argv, where", [
    (["export-run", "{draft}", "--out", "{dir}/a.xlsx"], "تأییدشده"),
    (["export-run", "999", "--out", "{dir}/a.xlsx"], "پیدا نشد"),
    (["export-run", "abc", "--out", "{dir}/a.xlsx"], "عدد"),
    (["export-run", "{finalized}", "--out", "{dir}/a.csv"], ".xlsx"),
    (["export-run", "{finalized}", "--out", "{dir}/missing/a.xlsx"], "پوشه"),
    (["export-run", "{finalized}", "--out", "{dir}/a.xlsx", "--as", "nobody"], "کاربر"),
    (["export-run", "{finalized}", "--out", "{dir}/a.xlsx", "--as", "isfahan"], "محدوده"),
])
def test_bad_input_is_refused_in_persian_and_writes_nothing(run_ids, tmp_path, capsys, argv, where):
    folder = tmp_path / "out"
    folder.mkdir()
    argv = [a.format(dir=folder, **run_ids) for a in argv]
    assert cli.main(argv) != 0
    err = capsys.readouterr().err
    assert PERSIAN.search(err) and where in err, err
    assert list(folder.iterdir()) == []
