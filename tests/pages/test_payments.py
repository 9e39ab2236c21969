"""The payments screen (نوبت‌های پرداخت) through AppTest: prepare, what-if, draft, approve and finalise
behind dialogs that state the total and the people, exports, and the unconfirmed wage."""
from __future__ import annotations

import pytest
from sqlmodel import select

from db.engine import new_session
from db.models import County, PaymentRun
from lib.text import format_number
from services.base import SYSTEM
from services.budgets import set_budget
from services.users import actor_for, create_user
from tests.pages.conftest import PASSWORD, app_as
from tests.services.paid_runs import make_person

PAGE = "pages/payments.py"
NAMES = (("مهسا", "کاظمی"), ("نسرین", "رضایی"), ("پروین", "اکبری"))


@pytest.fixture
def office(app_db):
    """Tehran's provincial committee and manager, credit for programme B in 1404, three women paid from 1404/01."""
    with new_session(app_db) as session:
        county = session.exec(select(County).where(County.name == "تهران")).first()
        committee = actor_for(create_user(session, SYSTEM, username="province", full_name="کمیته استان تهران",
                                          password=PASSWORD, role="province_committee", province_id=county.province_id))
        manager = actor_for(create_user(session, SYSTEM, username="tmanager", full_name="مدیر کل تهران",
                                        password=PASSWORD, role="manager", province_id=county.province_id))
        for first, last in NAMES:
            make_person(session, program="B", province_id=county.province_id, county_id=county.id, first_name=first, last_name=last,
                        months_granted=24)
        session.commit()
        set_budget(session, committee, program="B", province_id=county.province_id, jalali_year=1404,
                   amounts={"relief_committee": 10**10, "government": 10**10})
    return {"committee": committee, "manager": manager}


def open_page(actor):
    at = app_as(actor).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def prepare(at, first="۱۴۰۴/۰۱", last="۱۴۰۴/۰۲"):
    at.radio(key="pay_program").set_value("B")
    at.text_input(key="pay_from").input(first)
    at.text_input(key="pay_to").input(last)
    at.button(key="FormSubmitter:pay_prepare-تهیه پیش‌نمایش").click().run()
    assert not at.exception, at.exception
    return at


def frame_with(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def metrics(at):
    return {m.label: m.value for m in at.metric}


def test_preparing_shows_who_is_paid_with_the_shares_and_the_what_if(office):
    at = prepare(open_page(office["committee"]))
    shown = metrics(at)
    assert shown["پرداخت‌شوندگان"] == "۳" and shown["ردیف‌ها (نفر-ماه)"] == "۶"
    lines = frame_with(at, "کد ملی")
    assert {"سهم کمیته امداد (ریال)", "سهم دولت (ریال)"} <= set(lines.columns)
    assert sorted({n.split()[0] for n in lines["نام"]}) == sorted(n for n, _ in NAMES)
    strategies = frame_with(at, "روش")
    assert len(strategies) == 5 and {"سهم کمیته امداد", "سهم دولت"} <= set(strategies.columns)
    grid = frame_with(at, "۱۰۰٪")
    assert list(grid["ماه"]) == ["۱ ماه", "۲ ماه"]
    assert any("کسی از این نوبت باز نمانده" in i.value for i in at.info)
    at.text_input(key="pay_lines_search").input("مهسا").run()
    assert not at.exception
    assert [n.split()[0] for n in frame_with(at, "کد ملی")["نام"]] == ["مهسا", "مهسا"]  # her two months
    assert metrics(at)["پرداخت‌شوندگان"] == "۳"  # the preview was kept, not prepared again


def test_a_draft_is_approved_and_finalised_behind_dialogs_stating_total_and_people(office, app_db):
    at = prepare(open_page(office["committee"]))
    at.text_input(key="pay_budget").input("۱۰۰۰۰۰۰۰۰۰").run()
    at.radio(key="pay_strategy").set_value("full").run()
    at.button(key="pay_create").click().run()
    assert not at.exception and "ساخته شد" in at.success[0].value
    with new_session(app_db) as session:
        run = session.exec(select(PaymentRun)).one()
    assert run.status == "draft" and run.people == 3
    assert not [b for b in at.button if b.key == "pay_approve"]  # the preparer cannot approve

    at = open_page(office["manager"])
    at.button(key="pay_approve").click().run()
    dialog_text = " ".join(m.value for m in at.markdown)
    assert "۳ نفر" in dialog_text and "ریال" in dialog_text
    at.button(key="pay_confirm").click().run()
    assert not at.exception and "تأیید شد" in at.success[0].value

    at = open_page(office["committee"])
    at.button(key="pay_finalize").click().run()
    assert any("قطعی" in w.value for w in at.warning)
    at.button(key="pay_confirm").click().run()
    assert not at.exception
    with new_session(app_db) as session:
        assert session.exec(select(PaymentRun)).one().status == "finalized"
    assert {b.proto.label for b in at.get("download_button")} >= {"فهرست پرداخت برای تأمین اجتماعی و بانک (اکسل)", "خلاصه نوبت (PDF)"}


def test_an_unconfirmed_wage_needs_the_checkbox(office, app_db):
    with new_session(app_db) as session:
        committee = office["committee"]
        set_budget(session, committee, program="B", province_id=committee.province_id, jalali_year=1405,
                   amounts={"relief_committee": 10**10, "government": 10**10})
    at = prepare(open_page(office["committee"]), "۱۴۰۵/۰۱", "۱۴۰۵/۰۱")
    assert any("قطعی نشده" in w.value for w in at.warning)
    at.text_input(key="pay_budget").input("10000000000").run()
    at.button(key="pay_create").click().run()
    assert at.error and "صریحاً تأیید" in at.error[0].value
    at.checkbox(key="pay_confirm_wage").check().run()
    at.button(key="pay_create").click().run()
    assert not at.exception and "ساخته شد" in at.success[0].value


def test_a_bad_month_is_refused_in_persian(office):
    at = prepare(open_page(office["committee"]), "2025/01", "")
    assert at.error and "میلادی" in at.error[0].value


def test_the_case_page_shows_the_persons_payment_ledger(office, app_db):
    from services.payments.reconcile import reconcile_run
    from tests.services.paid_runs import make_run
    from tests.services.test_reconcile import answer

    with new_session(app_db) as session:
        county = session.exec(select(County).where(County.name == "تهران")).first()
        person = make_person(session, program="B", province_id=county.province_id, county_id=county.id, months_granted=24)
        run, _ = make_run(session, program="B", province_id=county.province_id, county_id=county.id, amounts=[18_000],
                          people=[person])
        reconcile_run(session, office["committee"], run.id, answer(session, office["committee"], run.id, {0: (None, "تأیید", None)}))
    at = app_as(office["committee"]).run()
    at.switch_page("pages/case.py")
    at.query_params["id"] = str(person.application_id)
    at.run()
    assert not at.exception, at.exception
    ledger = frame_with(at, "نوبت")
    assert list(ledger["وضعیت نوبت"]) == ["قطعی"] and list(ledger["مبلغ (ریال)"]) == ["۱۸٬۰۰۰"]
    assert list(ledger["تأیید تأمین اجتماعی"]) == ["۱"]
    assert any("۱ ماه پرداخت‌شده (۱۸٬۰۰۰ ریال)، ۱ ماه تأییدشده" in c.value for c in at.caption)


def test_the_runs_table_shows_each_run_and_a_change_written_meanwhile(office, app_db):
    """The runs list is read and formatted once per data version: the manager's table names the
    run in Persian (period, status, people, total), and an approval written meanwhile — by anyone,
    outside this browser — shows at the next rerun."""
    from services.payments import approve_run

    at = prepare(open_page(office["committee"]))
    at.text_input(key="pay_budget").input("۱۰۰۰۰۰۰۰۰۰").run()
    at.radio(key="pay_strategy").set_value("full").run()
    at.button(key="pay_create").click().run()
    with new_session(app_db) as session:
        run = session.exec(select(PaymentRun)).one()

    at = open_page(office["manager"])
    [row] = frame_with(at, "دوره").to_dict("records")
    assert (row["شماره"], row["برنامه"], row["دوره"], row["وضعیت"], row["افراد"]) == (
        "۱", "زنان سرپرست", "فروردین ۱۴۰۴ تا اردیبهشت ۱۴۰۴", "پیش‌نویس", "۳")
    assert row["جمع (ریال)"] == format_number(run.total_rial) and row["تهیه‌کننده"] == "کمیته استان تهران"
    at.run()  # answered from the cache: the same
    assert frame_with(at, "دوره")["وضعیت"].tolist() == ["پیش‌نویس"]

    with new_session(app_db) as session:
        approve_run(session, office["manager"], run.id)
    at.run()
    assert not at.exception
    [row] = frame_with(at, "دوره").to_dict("records")
    assert (row["وضعیت"], row["تأییدکننده"]) == ("تأییدشده", "مدیر کل تهران")
