"""``bimeyar payment-run``: prepare, approve and finalise from a script; bad input writes nothing."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

import cli
from db.engine import make_engine, new_session
from db.models import County, PaymentLine, PaymentRun, Province, User
from lib.jalali import YearMonth
from lib.payments import monthly_premium
from tests.services.payment_helpers import beneficiary, credit, paid_history

PERSIAN = re.compile(r"[\u0600-\u06FF]")
MEHR_1403 = monthly_premium(2_388_728, 30, 1800)  # a 30-day month of 1403 at 18 %


@pytest.fixture
def db(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("BIMEYAR_DATABASE_URL", url)
    assert cli.main(["init"]) == 0
    capsys.readouterr()
    engine = make_engine(url)
    with new_session(engine) as session:
        tehran = session.exec(select(Province).where(Province.name == "تهران")).one()
        county = session.exec(select(County).where(County.province_id == tehran.id, County.name == "تهران")).one()
        isfahan = session.exec(select(Province).where(Province.name == "اصفهان")).one()
        for username, role, province in (
            ("prov", "province_committee", tehran.id), ("boss", "manager", tehran.id),
            ("far.boss", "manager", isfahan.id), ("root", "admin", None),
        ):
            session.add(User(username=username, full_name=username, password_hash="x", role=role,
                             province_id=province))
        session.commit()
        credit(session, tehran.id)
        cases = [beneficiary(session, tehran.id, county.id) for _ in range(3)]
        paid_history(session, cases[0], YearMonth(1403, 7), 1)
        beneficiary(session, tehran.id, county.id, state="suspended")
        beneficiary(session, tehran.id, county.id, start=(1405, 1), months=12,
                    proof_at=datetime(2026, 3, 1, tzinfo=timezone.utc))
    yield url, engine
    engine.dispose()


def _run(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _counts(engine):
    with engine.connect() as conn:
        return {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one()
                for n in inspect(conn).get_table_names()}


BASE = ("payment-run", "--as", "prov", "--program", "A", "--province", "تهران", "--from", "1403/07", "--to",
        "1403/08", "--strategy", "full")


def test_prepare_approve_and_finalise_in_one_command(db, capsys):
    url, engine = db
    code, out, err = _run(capsys, *BASE, "--budget", "1,000,000,000", "--approve-as", "boss", "--finalize-as",
                          "prov", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["status"] == "finalized" and result["people"] == 3 and result["lines"] == 5
    assert result["total_rial"] == 5 * MEHR_1403  # Mehr and Aban have 30 days each
    assert result["budget_rial"] == 1_000_000_000 and result["percent"] == 100 and result["months"] == 2
    assert result["held_back"] == {"already_paid": 1, "outside_grant": 1, "suspended": 1}
    with new_session(engine) as session:
        run = session.get(PaymentRun, result["run_id"])
        assert (run.status, run.total_rial) == ("finalized", result["total_rial"])
        live = session.exec(select(PaymentLine).where(PaymentLine.run_id == run.id, PaymentLine.live)).all()
        assert len(live) == 5 and sum(x.amount_rial for x in live) == result["total_rial"]


def test_a_draft_by_default_and_a_grid_cell_in_text(db, capsys):
    code, out, err = _run(capsys, *BASE[:-1], "combined", "--paid-months", "1", "--percent", "50", "--budget",
                          "10000000000")
    assert code == 0, err
    assert "draft" in out and "1 months at 50 %" in out and "held back" in out


@pytest.mark.parametrize("change", [
    {"--as": "nobody"},
    {"--as": "root"},  # an administrator never prepares money
    {"--as": "boss"},
    {"--program": "C"},
    {"--province": "آتلانتیس"},
    {"--from": "1403/13"},
    {"--to": "1403/06"},  # before --from
    {"--to": "1404/08"},  # 14 months
    {"--budget": "ده میلیون"},
    {"--budget": "-5"},
    {"--budget": "10"},  # a full run that does not fit
    {"--strategy": "fastest"},
    {"--approve-as": "prov"},  # the preparer cannot approve (nor a committee user)
    {"--approve-as": "far.boss"},  # a manager of another province
    {"--approve-as": "root"},
    {"--finalize-as": "prov"},  # finalising needs an approval first
    {"--approve-as": "boss", "--finalize-as": "root"},
    {"--from": "1405/01", "--to": "1405/01"},  # an unconfirmed wage needs --confirm-wage
    {"--as": None},
])
def test_bad_input_is_refused_in_persian_and_writes_nothing(db, capsys, change):
    url, engine = db
    args = dict(zip(BASE[1::2], BASE[2::2]))
    args["--budget"] = "1000000000"
    args.update(change)
    argv = ["payment-run"] + [x for k, v in args.items() if v is not None for x in (k, v)]
    before = _counts(engine)
    code, out, err = _run(capsys, *argv)
    assert code == 2, (out, err)
    assert PERSIAN.search(err) and out == ""
    assert _counts(engine) == before


def test_the_unconfirmed_wage_can_be_confirmed(db, capsys):
    code, out, err = _run(capsys, *BASE[:7], "--from", "1405/01", "--to", "1405/01", "--strategy", "full",
                          "--budget", "1000000000", "--confirm-wage", "--json")
    assert code == 0, err
    assert json.loads(out)["people"] == 1


def test_a_refused_finalisation_leaves_no_draft_behind(db, capsys, monkeypatch):
    """Someone finalised an overlapping run between this command's steps: its draft is cancelled."""
    url, engine = db
    import services.payments.runs as runs

    real = runs.finalize_run

    def competing(session, actor, run_id):
        from lib.errors import InvalidInput

        raise InvalidInput("در همین لحظه نوبت دیگری قطعی شد.", field="run_id")

    monkeypatch.setattr("services.payments.finalize_run", competing)
    code, out, err = _run(capsys, *BASE, "--budget", "1000000000", "--approve-as", "boss", "--finalize-as", "prov")
    assert code == 2 and PERSIAN.search(err)
    with new_session(engine) as session:
        [run] = session.exec(select(PaymentRun).where(PaymentRun.kind == "regular", PaymentRun.status != "finalized"))
        assert run.status == "cancelled" and "خط فرمان" in run.cancel_reason
    assert real is runs.finalize_run
