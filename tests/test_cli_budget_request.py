"""``bimeyar budget-request``: the same figures as the service; --json adds up exactly."""
from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select

import cli
from db.engine import make_engine, new_session
from db.models import Applicant, Application, Budget, County, Program, Province
from lib.jalali import to_gregorian

PERSIAN = re.compile(r"[\u0600-\u06FF]")
D31, D30, D29 = 19_327_200, 18_703_742, 18_080_284  # 1404 at 3,463,656 rials a day, 18 %
B_YEAR = 6 * D31 + 5 * D30 + D29


@pytest.fixture
def db(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("BIMEYAR_DATABASE_URL", url)
    assert cli.main(["init"]) == 0
    capsys.readouterr()
    engine = make_engine(url)
    with new_session(engine) as session:
        programs = {p.code: p for p in session.exec(select(Program)).all()}
        places = []
        for province_name, county_name in (("تهران", "تهران"), ("تهران", "اسلامشهر"), ("اصفهان", "کاشان")):
            places.append(session.exec(select(County).join(Province, Province.id == County.province_id)
                                       .where(Province.name == province_name, County.name == county_name)).one())
        for k, (county, code, start, months) in enumerate((
            (places[0], "A", (1403, 7), 12), (places[1], "B", (1403, 1), None), (places[2], "A", (1403, 1), 60),
            (places[0], "A", (1403, 10), 24),
        )):
            applicant = Applicant(national_code=f"7{k:09d}", first_name="نام", last_name="نمونه", county_id=county.id)
            session.add(applicant)
            session.flush()
            session.add(Application(
                tracking_code=f"C{k:08d}", applicant_id=applicant.id, program_id=programs[code].id, county_id=county.id,
                province_id=county.province_id, channel="in_person", state="active", applied_on=to_gregorian(1403, 1, 1),
                contract_rate_bp=1800, share_percent=100, start_year=start[0], start_month=start[1], months_granted=months,
            ))
        # 1403's credit of A in Tehran: 2 : 1 : 0 — the split of A's total is exact, the odd rials by largest remainder
        for source, amount in (("program_30435", 2), ("public_participation", 1)):
            session.add(Budget(program_id=programs["A"].id, province_id=places[0].province_id, jalali_year=1403,
                               source=source, amount_rial=amount))
        session.commit()
    yield url
    engine.dispose()


def _run(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_adds_up_exactly(db, capsys):
    code, out, err = _run(capsys, "budget-request", "--year", "1404", "--wage-rise", "45", "--province", "تهران", "--json")
    assert code == 0, err
    data = json.loads(out)
    a_total = 6 * D31 + 12 * 0 + (6 * D31 + 5 * D30 + D29)  # 1403/07+12 → 6 months; 1403/10+24 → all of 1404
    assert data["total_rial"] == a_total + B_YEAR
    assert sum(data["by_source"].values()) == data["total_rial"]
    assert sum(data["by_county"].values()) == data["total_rial"]
    assert data["by_source"]["government"] + data["by_source"]["relief_committee"] == B_YEAR
    assert data["by_source"]["program_30435"] - 2 * data["by_source"]["public_participation"] in (-2, -1, 0, 1, 2)
    assert set(data["by_county"]) == {"تهران", "اسلامشهر"}
    assert data["wage_confirmed"] is True  # 1403's wage, raised, is confirmed


def test_national_text_names_the_assumptions(db, capsys):
    code, out, _ = _run(capsys, "budget-request", "--year", "۱۴۰۴", "--wage-rise", "۴۵")
    assert code == 0
    assert "۳٬۴۶۳٬۶۵۶" in out and "کاشان (اصفهان)" in out and "۴۵٪" in out


@pytest.mark.parametrize("argv", [
    ("--year", "1404"),  # neither --wage-rise nor --wage
    ("--year", "1404", "--wage-rise", "چهل"),
    ("--year", "سال", "--wage-rise", "45"),
    ("--year", "1404", "--wage-rise", "45", "--province", "آتلانتیس"),
])
def test_bad_input_is_a_persian_message(db, capsys, argv):
    code, out, err = _run(capsys, "budget-request", *argv)
    assert code == 2 and not out and PERSIAN.search(err)
