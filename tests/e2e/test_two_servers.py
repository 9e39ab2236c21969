"""Two app servers on one PostgreSQL database, used through both at once, as behind the nginx of
deploy/: nothing is double-recorded or double-paid, a sign-out on one is a sign-out on both, and a
write on one is seen on the other at its next rerun (no cache outlives a write across processes).

Each server is its own `streamlit run` process; the browser talks to each directly (nginx would
pin each browser to one of them). Needs PostgreSQL and Chromium: in CI both run.
"""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func
from sqlmodel import select

import cli
from lib.jalali import local_today
from db.engine import make_engine, new_session
from db.models import AuditLog, CommitteeSession, Decision, PaymentLine, PaymentRun, User
from demo.accounts import create_demo_users, demo_area_ids
from services.budgets import set_budget
from services.users import actor_for
from tests.conftest import _pg_database_url, _pg_drop, _pg_exec
from tests.e2e.conftest import serve_url
from tests.e2e.test_case_flow import metric, open_page, settled, sign_out
from tests.e2e.test_payment_run import sign_in
from tests.services.paid_runs import make_person

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]

WOMEN = (("مهسا", "کاظمی"), ("نسرین", "رضایی"), ("پروین", "اکبری"))
COMMITTEE, MANAGER = ("demo.province", "فاطمه حسینی"), ("demo.manager", "حسن کریمی")


@pytest.fixture
def pg_url(pg_admin_url, pg_template, chromium_path, monkeypatch):
    """A database of its own with the demo accounts, three women of programme B and two approved runs
    over the same two months for the same women (prepared by the command line, as a script would)."""
    name = f"bimeyar_two_{uuid.uuid4().hex[:8]}"
    _pg_exec(pg_admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    url = _pg_database_url(pg_admin_url, name)
    engine = make_engine(url)
    with new_session(engine) as session:
        create_demo_users(session)
        province_id, county_id = demo_area_ids(session)
        for first, last in WOMEN:
            make_person(session, program="B", province_id=province_id, county_id=county_id, first_name=first, last_name=last)
        session.commit()
        committee = actor_for(session.exec(select(User).where(User.username == COMMITTEE[0])).one())
        set_budget(session, committee, program="B", province_id=province_id, jalali_year=1404,
                   amounts={"relief_committee": "۱۰۰٬۰۰۰٬۰۰۰٬۰۰۰", "government": "۱۰۰٬۰۰۰٬۰۰۰٬۰۰۰"})
    engine.dispose()
    monkeypatch.setenv("BIMEYAR_DATABASE_URL", url)
    for _ in range(2):
        assert cli.main(["payment-run", "--as", COMMITTEE[0], "--program", "B", "--province", "تهران",
                         "--from", "1404/01", "--to", "1404/02", "--budget", "1000000000000", "--strategy", "full",
                         "--approve-as", MANAGER[0], "--json"]) == 0
    yield url
    _pg_drop(pg_admin_url, name)


@pytest.fixture
def two_servers(pg_url):
    with serve_url(pg_url) as first, serve_url(pg_url) as second:
        yield first, second


def open_run(page: Page, run_id: int) -> None:
    open_page(page, "نوبت‌های پرداخت")
    page.get_by_test_id("stSelectbox").filter(has_text="نوبت").last.click()
    page.get_by_role("option", name=f"نوبت {str(run_id).translate(str.maketrans('0123456789', '۰۱۲۳۴۵۶۷۸۹'))}").click()
    settled(page)


def _run_ids(url: str) -> list[int]:
    engine = make_engine(url)
    with new_session(engine) as session:
        ids = list(session.exec(select(PaymentRun.id).order_by(PaymentRun.id)))
    engine.dispose()
    return ids


def test_two_servers_pay_nobody_twice_share_sign_out_and_see_each_others_writes(two_servers, pg_url, browser, artifacts_dir):
    first, second = two_servers
    expect.set_options(timeout=60_000)  # two servers and two browsers on a busy 2-core machine
    run_a, run_b = _run_ids(pg_url)
    # Two workstations of the provincial committee, one on each server, the same account.
    one = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fa-IR")
    two = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fa-IR")
    page_one, page_two = one.new_page(), two.new_page()
    for page in (page_one, page_two):
        page.set_default_timeout(60_000)
    try:
        sign_in(page_one, first, *COMMITTEE)
        sign_in(page_two, second, *COMMITTEE)

        # -- both finalise an overlapping run at the same moment: one run pays, the other is refused
        open_run(page_one, run_a)
        open_run(page_two, run_b)
        for page in (page_one, page_two):
            page.get_by_role("button", name="قطعی کردن نوبت", exact=True).click()
            expect(page.get_by_role("dialog")).to_contain_text("۳ نفر")
        yes_one = page_one.get_by_role("dialog").get_by_role("button", name="بله، قطعی شود")
        yes_two = page_two.get_by_role("dialog").get_by_role("button", name="بله، قطعی شود")
        yes_one.click(no_wait_after=True)
        yes_two.click(no_wait_after=True)
        settled(page_one)
        settled(page_two)
        page_one.screenshot(path=str(artifacts_dir / "two-servers-finalise-first.png"))
        page_two.screenshot(path=str(artifacts_dir / "two-servers-finalise-second.png"))

        engine = make_engine(pg_url)
        with new_session(engine) as session:
            statuses = {run.id: run.status for run in session.exec(select(PaymentRun))}
            assert sorted(statuses.values()) == ["approved", "finalized"], statuses
            paid = session.exec(
                select(PaymentLine.applicant_id, PaymentLine.jalali_year, PaymentLine.jalali_month, func.count())
                .where(PaymentLine.live, PaymentLine.line_kind == "payment")
                .group_by(PaymentLine.applicant_id, PaymentLine.jalali_year, PaymentLine.jalali_month)
            ).all()
            assert len(paid) == 6 and all(count == 1 for *_, count in paid)
            finalisations = session.exec(select(func.count()).select_from(AuditLog).where(AuditLog.action == "payment_run.finalize")).one()
            assert finalisations == 1
        engine.dispose()
        winner = next(i for i, s in statuses.items() if s == "finalized")
        loser_page = page_two if winner == run_a else page_one
        refusal = loser_page.get_by_role("dialog").get_by_test_id("stAlertContentError")
        expect(refusal).to_contain_text("پیش‌تر")  # «… paid already …», naming the people, in Persian
        expect(refusal).to_contain_text("مهسا")
        loser_page.get_by_role("dialog").get_by_role("button", name="انصراف").click()
        expect(loser_page.get_by_role("dialog")).to_have_count(0)
        settled(loser_page)

        # -- the write on one server is seen on the other at its next rerun
        winner_page_other_server = page_two if winner == run_a else page_one
        open_run(loser_page, winner)
        expect(metric(loser_page, "وضعیت")).to_have_text("قطعی")
        open_run(winner_page_other_server, winner)
        expect(metric(winner_page_other_server, "وضعیت")).to_have_text("قطعی")

        # -- the same browser on both servers (cookies are per host): signing out on one signs out both
        three = one.new_page()
        three.goto(second)
        expect(three.get_by_test_id("stSidebarUserContent")).to_contain_text(COMMITTEE[1], timeout=120_000)
        settled(three)
        three.screenshot(path=str(artifacts_dir / "two-servers-same-browser-other-server.png"))
        sign_out(page_one)
        # its next rerun, on the other server, finds the session ended
        three.get_by_test_id("stSidebarNav").get_by_role("link", name="نوبت‌های پرداخت", exact=True).click()
        expect(three.get_by_role("heading", name="ورود به سامانه")).to_be_visible()
        expect(three.get_by_test_id("stSidebarNav")).to_have_count(0)
    except Exception:
        page_one.screenshot(path=str(artifacts_dir / "two-servers-failure-first.png"), full_page=True)
        page_two.screenshot(path=str(artifacts_dir / "two-servers-failure-second.png"), full_page=True)
        raise
    finally:
        one.close()
        two.close()


@pytest.fixture
def demo_pg_url(pg_admin_url, pg_template, chromium_path, monkeypatch):
    """A database of its own with demo data: the demo county's committee has an open session."""
    from demo import generate_demo

    name = f"bimeyar_twod_{uuid.uuid4().hex[:8]}"
    _pg_exec(pg_admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    url = _pg_database_url(pg_admin_url, name)
    engine = make_engine(url)
    with new_session(engine) as session:
        create_demo_users(session)
    generate_demo(engine, 400)
    with new_session(engine) as session:  # the demo's next session is dated ahead: its day has come
        for open_session in session.exec(select(CommitteeSession).where(CommitteeSession.status == "open")):
            open_session.held_on = local_today()
            session.add(open_session)
        session.commit()
    engine.dispose()
    yield url
    _pg_drop(pg_admin_url, name)


SECRETARY = ("demo.secretary", "علی محمدی")


def test_two_servers_record_one_decision_when_two_members_decide_the_same_case_at_once(demo_pg_url, browser, artifacts_dir):
    expect.set_options(timeout=60_000)
    engine = make_engine(demo_pg_url)
    with new_session(engine) as session:
        open_session = session.exec(select(CommitteeSession).where(CommitteeSession.status == "open")
                                    .where(CommitteeSession.level == "county")).first()
        assert open_session is not None, "the demo county has an open session"
        before = session.exec(select(func.count()).select_from(Decision)).one()
    contexts = [browser.new_context(viewport={"width": 1440, "height": 900}, locale="fa-IR") for _ in range(2)]
    pages = [c.new_page() for c in contexts]
    try:
        with serve_url(demo_pg_url) as first, serve_url(demo_pg_url) as second:
            for page, url in zip(pages, (first, second)):
                page.set_default_timeout(60_000)
                sign_in(page, url, *SECRETARY)
                open_page(page, "جلسات کمیته")
            # both have the same session and the same first undecided case in front of them
            forms = [p.get_by_test_id("stForm").filter(has=p.get_by_role("button", name="ثبت تصمیم")) for p in pages]
            for form in forms:
                form.get_by_text("تعویق", exact=True).click()
                form.get_by_label("دلیل (برای رد و تعویق لازم است)").fill("مدارک تکمیلی خواسته شد")
            for page in pages:
                settled(page)
            for form in forms:
                form.get_by_role("button", name="ثبت تصمیم").click(no_wait_after=True)
            for page in pages:
                settled(page)
            for i, page in enumerate(pages):
                page.screenshot(path=str(artifacts_dir / f"two-servers-decide-{i + 1}.png"))
        with new_session(engine) as session:
            added = session.exec(select(Decision).where(Decision.session_id == open_session.id)
                                 .order_by(Decision.id.desc())).all()
            after = session.exec(select(func.count()).select_from(Decision)).one()
        assert after == before + 1, "two members deciding the same case at the same moment record one decision"
        assert added[0].outcome == "defer"
        refused = sum(p.get_by_test_id("stAlertContentError").count() for p in pages)
        recorded = sum(p.get_by_test_id("stAlertContentSuccess").count() for p in pages)
        assert refused >= 1 and recorded >= 1
    finally:
        for c in contexts:
            c.close()
        engine.dispose()
