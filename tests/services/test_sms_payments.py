"""A finalised payment run queues one SMS per person (the sum of the person's lines, the run's months)
in the finalising transaction, rendered in SQL by one INSERT … SELECT exactly as the template renders
in Python; nothing for a refused finalisation, a reversal or a person without a mobile. SQLite and
PostgreSQL (the ``session`` fixture)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, literal, select as sa_select
from sqlmodel import select

from db.models import Applicant, Application, Notification, PaymentLine
from lib.errors import InvalidInput
from lib.jalali import YearMonth
from lib.sms_templates import EVENTS, render
from lib.text import format_number
from services.notify import _persian_amount, queue_payment_sms
from services.payments import approve_run, create_run, finalize_run, prepare_run
from services.sms_templates import save_template
from tests.services.paid_runs import make_run
from tests.services.payment_helpers import beneficiary, credit, person

LONG_FIRST = "عبدالرحمن‌محمدحسین‌غلامرضا"
LONG_LAST = "نیک‌اندیش‌فراهانی‌طباطبایی‌زاده"


@pytest.fixture(autouse=True)
def _credit(session, areas):
    credit(session, areas.province)


def payment_messages(session) -> list[Notification]:
    session.expire_all()
    return list(session.exec(select(Notification).where(Notification.event == "payment.paid")
                             .order_by(Notification.applicant_id)).all())


def approved_run(session, areas, province_committee, province_manager, mobiles: dict[int, str]):
    """Three running cases (A), mobiles as given by position; a two-month run, approved."""
    cases = []
    for i in range(3):
        applicant = person(session, areas.county, first_name=LONG_FIRST if i == 2 else "مریم")
        if i == 2:
            applicant.last_name = LONG_LAST
        applicant.mobile = mobiles.get(i, "")
        session.add(applicant)
        cases.append(beneficiary(session, areas.province, areas.county, applicant=applicant))
    preview = prepare_run(session, province_committee, program="A", province_id=areas.province, county_id=None,
                          start=YearMonth(1403, 7), months=2)
    run = create_run(session, province_committee, preview, budget_rial=10**10, strategy="full")
    approve_run(session, province_manager, run.id)
    return run, cases


def expected(session, run_id: int, case: Application, text: str, period: str) -> str:
    applicant = session.get(Applicant, case.applicant_id)
    amount = sum(session.exec(select(PaymentLine.amount_rial).where(
        PaymentLine.run_id == run_id, PaymentLine.applicant_id == case.applicant_id)).all())
    return render(text, {"نام": f"{applicant.first_name} {applicant.last_name}", "مبلغ": format_number(amount),
                         "دوره": period})


def test_one_message_per_person_with_the_sum_and_the_months(session, areas, province_committee, province_manager):
    run, cases = approved_run(session, areas, province_committee, province_manager,
                              {0: "09121111111", 2: "09122222222"})  # the second has no mobile
    assert payment_messages(session) == []
    finalize_run(session, province_committee, run.id)
    sent = payment_messages(session)
    assert [(m.applicant_id, m.mobile, m.status, m.application_id) for m in sent] == [
        (cases[0].applicant_id, "09121111111", "queued", cases[0].id),
        (cases[2].applicant_id, "09122222222", "queued", cases[2].id),
    ]
    text = EVENTS["payment.paid"].default
    for message, case in zip(sent, (cases[0], cases[2])):
        assert message.body == expected(session, run.id, case, text, "مهر ۱۴۰۳ تا آبان ۱۴۰۳")
    assert "مریم آزمون" in sent[0].body and " ریال به تأمین اجتماعی پرداخت شد." in sent[0].body
    assert f"{LONG_FIRST} {LONG_LAST}"[:49] + "…" in sent[1].body  # a long name is cut as in Python


def test_the_current_text_is_used_with_placeholders_in_any_order(session, areas, province_committee,
                                                                 province_manager, admin):
    text = "پرداخت {دوره}: {مبلغ} ریال. {نام} عزیز، مبلغ {مبلغ} ریال است."
    save_template(session, admin, "payment.paid", text)
    run, cases = approved_run(session, areas, province_committee, province_manager, {1: "09121111111"})
    finalize_run(session, province_committee, run.id)
    [message] = payment_messages(session)
    assert message.body == expected(session, run.id, cases[1], text, "مهر ۱۴۰۳ تا آبان ۱۴۰۳")


def test_a_refused_finalisation_queues_nothing(session, areas, province_committee, province_manager):
    run, cases = approved_run(session, areas, province_committee, province_manager, {0: "09121111111"})
    stopped = session.get(Application, cases[0].id)
    stopped.state = "suspended"
    session.add(stopped)
    session.commit()
    with pytest.raises(InvalidInput):
        finalize_run(session, province_committee, run.id)
    assert payment_messages(session) == []


@pytest.mark.parametrize("kind, told", [("topup", 2), ("reversal", 0)])
def test_a_top_up_is_a_payment_and_a_reversal_is_not(session, areas, kind, told):
    run, lines = make_run(session, program="B", province_id=areas.province, county_id=areas.county,
                          amounts=[1_000_000, 2_000_000], line_kind=kind)
    for line in lines:
        applicant = session.get(Applicant, line.applicant_id)
        applicant.mobile = "09121111111"
        session.add(applicant)
    session.commit()
    queue_payment_sms(session, run.id, "فروردین ۱۴۰۴")
    session.commit()
    assert [m.body for m in payment_messages(session)] == [
        f"مریم احمدی گرامی، حق بیمه فروردین ۱۴۰۴ شما به مبلغ {amount} ریال به تأمین اجتماعی پرداخت شد. بیمه‌یار"
        for amount in ("۱٬۰۰۰٬۰۰۰", "۲٬۰۰۰٬۰۰۰")][:told]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=10**18))
@example(0)
@example(999)
@example(1000)
@example(999_999)
@example(1_000_000)
@example(13_329_102)
@example(10**18)
def test_amounts_are_written_in_sql_as_format_number_writes_them(session, amount):
    dialect = session.get_bind().dialect.name
    written = session.execute(sa_select(_persian_amount(literal(amount, BigInteger), dialect))).scalar_one()
    assert written == format_number(amount)
