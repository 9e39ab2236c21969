"""A payment run in a real browser, as the demo accounts do it: the provincial committee prepares
(programme B, two months, three women) and makes a draft; the manager approves it behind the dialog
that states the total and the people; the committee finalises it, downloads the payment list, and
uploads SSO's answer (a dry run first, then for real). Screenshots in ``test-artifacts/pay-*.png``,
at 1440×900 and 1920×1080; the end checks the database."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlmodel import select

from db.engine import make_engine, new_session
from db.models import PaymentLine, PaymentRun
from demo import DEMO_PASSWORD
from demo.accounts import create_demo_users, demo_area_ids
from services.budgets import set_budget
from services.payments.exports import LIST_HEADERS, REASON_COLUMN, RECEIVED_COLUMN, VERDICT_COLUMN
from services.users import actor_for
from db.models import User
from tests.e2e.conftest import serve
from tests.e2e.test_case_flow import metric, open_page, settled, sign_out
from tests.services.paid_runs import make_person

WOMEN = (("مهسا", "کاظمی"), ("نسرین", "رضایی"), ("پروین", "اکبری"))
SIZES = ((1440, 900), (1920, 1080))


@pytest.fixture
def payments_db(tmp_path, sqlite_template, chromium_path) -> Path:
    path = tmp_path / "payments.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with new_session(engine) as session:
        create_demo_users(session)
        province_id, county_id = demo_area_ids(session)
        for first, last in WOMEN:
            make_person(session, program="B", province_id=province_id, county_id=county_id, first_name=first, last_name=last)
        session.commit()
        committee = actor_for(session.exec(select(User).where(User.username == "demo.province")).one())
        set_budget(session, committee, program="B", province_id=province_id, jalali_year=1404,
                   amounts={"relief_committee": "۱۰۰٬۰۰۰٬۰۰۰٬۰۰۰", "government": "۱۰۰٬۰۰۰٬۰۰۰٬۰۰۰"})
    engine.dispose()
    return path


def sign_in(page: Page, base_url: str, username: str, name: str) -> None:
    page.goto(base_url)
    # a fresh server's first run migrates and loads reference data: give it time on a busy machine
    expect(page.get_by_role("heading", name="ورود به سامانه")).to_be_visible(timeout=120_000)
    page.get_by_label("نام کاربری", exact=True).fill(username)
    page.get_by_label("گذرواژه", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ورود").click()
    expect(page.get_by_test_id("stSidebarUserContent")).to_contain_text(name)
    settled(page)


def shots(page: Page, artifacts_dir: Path, name: str) -> None:
    """The page at each window size (the top of the page as a person first sees it)."""
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        settled(page)
        page.mouse.move(0, 0)
        page.screenshot(path=str(artifacts_dir / f"{name}-{width}x{height}.png"))
    page.set_viewport_size({"width": 1440, "height": 900})


def confirm_dialog(page: Page, button: str, expected: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("۳ نفر")
    expect(dialog).to_contain_text("ریال")
    dialog.get_by_role("button", name=expected).click()


def sso_answer(content: bytes, target: Path) -> Path:
    """SSO's answer: every line confirmed with its full amount, the second rejected with a reason."""
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    col = {h: LIST_HEADERS.index(h) + 1 for h in LIST_HEADERS}
    for row in range(2, sheet.max_row + 1):
        paid = sheet.cell(row, col["مبلغ پرداختی (ریال)"]).value
        rejected = row == 3
        sheet.cell(row, col[RECEIVED_COLUMN], 0 if rejected else paid)
        sheet.cell(row, col[VERDICT_COLUMN], "رد" if rejected else "تأیید")
        sheet.cell(row, col[REASON_COLUMN], "شماره بیمه نامعتبر" if rejected else None)
    book.save(target)
    return target


def test_prepare_approve_finalise_export_and_reconcile(payments_db, browser, artifacts_dir, tmp_path):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fa-IR", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        walk_through(page, payments_db, artifacts_dir, tmp_path)
    except Exception:
        page.screenshot(path=str(artifacts_dir / "pay-failure.png"), full_page=True)
        raise
    finally:
        context.close()
    engine = make_engine(f"sqlite:///{payments_db}")
    with new_session(engine) as session:
        run = session.exec(select(PaymentRun)).one()
        assert run.status == "finalized" and run.people == 3 and run.approved_by and run.finalized_by
        states = [line.sso_status for line in session.exec(select(PaymentLine).order_by(PaymentLine.id))]
        assert states.count("confirmed") == 5 and states.count("rejected") == 1
    engine.dispose()


def walk_through(page: Page, payments_db: Path, artifacts_dir: Path, tmp_path: Path) -> None:
    with serve(payments_db) as url:
        # -- the provincial committee prepares and drafts
        sign_in(page, url, "demo.province", "فاطمه حسینی")
        open_page(page, "نوبت‌های پرداخت")
        form = page.get_by_test_id("stForm")
        form.get_by_text("بیمه زنان سرپرست خانوار (کمیته امداد)", exact=True).click()
        form.get_by_label("از ماه", exact=True).fill("۱۴۰۴/۰۱")
        form.get_by_label("تا ماه", exact=True).fill("۱۴۰۴/۰۲")
        form.get_by_role("button", name="تهیه پیش‌نمایش").click()
        expect(metric(page, "پرداخت‌شوندگان")).to_have_text("۳")
        expect(metric(page, "ردیف‌ها (نفر-ماه)")).to_have_text("۶")
        expect(page.get_by_text("چه می‌شود اگر… (هر روش)")).to_be_visible()
        settled(page)
        shots(page, artifacts_dir, "pay-01-prepared")
        page.get_by_role("button", name="ساخت پیش‌نویس نوبت").click()
        expect(metric(page, "وضعیت")).to_have_text("پیش‌نویس")
        settled(page)
        shots(page, artifacts_dir, "pay-02-draft")
        sign_out(page)

        # -- the manager approves
        sign_in(page, url, "demo.manager", "حسن کریمی")
        open_page(page, "نوبت‌های پرداخت")
        page.get_by_role("button", name="تأیید نوبت", exact=True).click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("۳ نفر")
        shots(page, artifacts_dir, "pay-03-approve-dialog")
        dialog.get_by_role("button", name="بله، تأیید شود").click()
        expect(metric(page, "وضعیت")).to_have_text("تأییدشده")
        settled(page)
        sign_out(page)

        # -- the committee finalises and exports
        sign_in(page, url, "demo.province", "فاطمه حسینی")
        open_page(page, "نوبت‌های پرداخت")
        confirm_dialog(page, "قطعی کردن نوبت", "بله، قطعی شود")
        expect(metric(page, "وضعیت")).to_have_text("قطعی")
        settled(page)
        with page.expect_download() as download:
            page.get_by_role("button", name="فهرست پرداخت برای تأمین اجتماعی و بانک (اکسل)").click()
        listed = Path(download.value.path()).read_bytes()
        rows = list(load_workbook(io.BytesIO(listed)).worksheets[0].iter_rows(values_only=True))
        assert rows[0] == LIST_HEADERS and len(rows) == 7
        shots(page, artifacts_dir, "pay-04-finalised")

        # -- SSO's answer: a dry run, then for real
        answer = sso_answer(listed, tmp_path / "sso.xlsx")
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(answer))
        page.get_by_role("button", name="بررسی فایل", exact=True).click()
        expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text="بررسی آزمایشی")).to_be_visible()
        settled(page)
        page.get_by_text("فقط بررسی آزمایشی (چیزی ثبت نشود)", exact=True).click()
        settled(page)
        page.get_by_role("button", name="ثبت پاسخ", exact=True).click()
        expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text="۵ ردیف تأیید و ۱ ردیف رد ثبت شد")).to_be_visible()
        expect(page.get_by_text("۱ ردیف را تأمین اجتماعی رد کرده است")).to_be_visible()
        settled(page)
        shots(page, artifacts_dir, "pay-05-reconciled")
