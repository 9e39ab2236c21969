"""Programme B on its own path, in a real browser (seed 000, SLA 19042711100): intake →
documents → eligibility confirmed by the Relief Committee's county unit (no committee session) →
the ranked waiting list → introduction to one of the county's SSO branches within the quota →
SSO confirms her cover (active).

The county expert takes the request (a woman heading her household; programme A's fields are not
on the form), records the four documents seen at the desk and confirms eligibility on the
documents page; the committee secretary introduces her from the waiting list and records SSO's
confirmation. Each step asserts what the user reads and keeps a screenshot in
``test-artifacts/b-flow-0N-*.png``; the end checks the database.

What is set up around the browser: the quota of the county for this Jalali year (the provincial
committee's) and an SSO branch of the county (an administrator's), both through the services.
"""
from __future__ import annotations

import contextlib
import random
import re
import time
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlmodel import select

from lib.jalali import local_today
from db.engine import make_engine, new_session
from db.models import Applicant, Application, County, Introduction, User
from lib import catalog
from lib.identifiers import generate_national_code
from lib.jalali import current_year_month, jalali_year_of
from lib.text import to_persian_digits
from services.base import SYSTEM
from services.branches import add_branch
from services.quotas import county_quota, set_quota
from services.users import actor_for
from tests.e2e.test_case_flow import (
    choose,
    contains,
    expect_rows,
    fill_text,
    flash,
    mark_paper_seen,
    metric,
    open_page,
    settled,
    shot,
    sign_in_as,
    sign_out,
)

PROGRAMME_B = "بیمه زنان سرپرست خانوار (کمیته امداد)"
FIRST_NAME = "سمیه"
LAST_NAME = "نوروزی‌فر"
FULL_NAME = f"{FIRST_NAME} {LAST_NAME}"
MOBILE = "09127654321"


def prepare_county(live_db: Path, branch: str) -> None:
    """A quota with room for her this Jalali year and an SSO branch of Tehran county."""
    engine = make_engine(f"sqlite:///{live_db}")
    try:
        with new_session(engine) as session:
            tehran = session.exec(select(County).where(County.name == "تهران")).first()
            province = actor_for(session.exec(select(User).where(User.username == "province")).one())
            year = jalali_year_of(local_today())
            gauge = county_quota(session, province, tehran.id, year)
            set_quota(session, province, tehran.id, year, gauge["introduced"] + gauge["waiting"] + 5)
            add_branch(session, SYSTEM, tehran.id, branch, "17")
    finally:
        engine.dispose()


def read_case(live_db: Path, national_code: str) -> tuple[Application, Applicant, Introduction | None]:
    engine = make_engine(f"sqlite:///{live_db}")
    try:
        with new_session(engine) as session:
            case, person = session.exec(
                select(Application, Applicant).join(Applicant, Applicant.id == Application.applicant_id)
                .where(Applicant.national_code == national_code)
            ).one()
            made = session.exec(select(Introduction).where(Introduction.application_id == case.id)).first()
            return case, person, made
    finally:
        engine.dispose()


def test_programme_b_from_intake_to_insured(live_app, live_db, page, artifacts_dir):
    page.set_viewport_size({"width": 1440, "height": 900})
    expect.set_options(timeout=30_000)  # a loaded machine: the first script runs can be slow
    try:
        walk_through_programme_b(live_app, live_db, page, artifacts_dir)
    except Exception:
        with contextlib.suppress(Exception):
            shot(page, artifacts_dir, "b-flow-failure")
        raise
    finally:
        expect.set_options(timeout=5_000)  # Playwright's default, for the other browser tests


def walk_through_programme_b(live_app: str, live_db: Path, page: Page, artifacts_dir: Path) -> None:
    national_code = generate_national_code(random.Random(time.time_ns()))  # live_app is shared
    branch = f"شعبه {to_persian_digits(national_code[-3:])} تهران"
    prepare_county(live_db, branch)
    year, month = current_year_month()

    # 1. the county expert takes the request: B's own form ----------------------------------------
    page.goto(live_app)
    sign_in_as(page, "expert", "کارشناس تهران", "کارشناس شهرستان")
    open_page(page, "ثبت درخواست")
    page.get_by_role("radiogroup", name="برنامه").get_by_text(PROGRAMME_B, exact=True).click()
    settled(page)
    expect(page.get_by_text("فقط زنان سرپرست خانوار تحت پوشش کمیته امداد")).to_be_visible()
    choose(page, "مسیر دریافت درخواست", catalog.CHANNELS["counter_office"])
    page.get_by_label("تلفن همراه", exact=True).fill(to_persian_digits(MOBILE))
    page.get_by_label("تلفن همراه", exact=True).press("Tab")
    page.get_by_label("کد ملی", exact=True).fill(to_persian_digits(national_code))
    page.get_by_label("کد ملی", exact=True).press("Tab")
    expect(page.get_by_text("این کد ملی در سامانه نیست؛ متقاضی تازه ثبت می‌شود.")).to_be_visible()
    settled(page)

    form = page.get_by_test_id("stForm").filter(has_text="فرم شماره ۱ — مشخصات متقاضی")
    for a_only in ("رشته شغلی", "شماره مجوز", "تعداد افراد تحت تکفل"):  # programme A's fields are not asked
        expect(form.get_by_label(a_only, exact=True)).to_have_count(0)
    expect(page.get_by_label("تاریخ مجوز", exact=True)).to_have_count(0)
    expect(form.get_by_text("اطلاعات خانوار (برای جدول امتیازات)")).to_have_count(0)
    fill_text(form, "نام", FIRST_NAME)
    fill_text(form, "نام خانوادگی", LAST_NAME)
    fill_text(form, "نام پدر", "رحیم")
    form.get_by_role("radiogroup", name="جنسیت").get_by_text("زن", exact=True).click()
    form.get_by_role("radiogroup", name="سرپرست خانوار است؟").get_by_text("بله", exact=True).click()
    choose(page, "جامعه هدف", catalog.TARGET_GROUPS["female_head"], scope=form)
    form.get_by_role("button", name="ثبت درخواست").click()

    expect(page.get_by_text(f"درخواست «{FULL_NAME}» ثبت شد. کد رهگیری را برای متقاضی بخوانید")).to_be_visible()
    settled(page)
    tracking_code = page.get_by_test_id("stCode").first.inner_text().strip()
    assert re.fullmatch(r"B\d{9}", tracking_code), tracking_code
    shot(page, artifacts_dir, "b-flow-01-intake")
    case, person, _ = read_case(live_db, national_code)
    assert (case.state, case.head_of_household, case.job_field, person.gender) == ("received", True, "", "female")

    # 2. documents seen at the desk, then the unit confirms eligibility ------------------------------
    page.get_by_role("link", name="مدارک و شرایط پذیرش").last.click()
    expect(page.get_by_role("heading", name="مدارک و شرایط پذیرش")).to_be_visible()
    expect(page.get_by_text("وضعیت: دریافت شده")).to_be_visible()
    settled(page)
    expect(page.get_by_test_id("stAlertContentWarning").filter(has_text="مدارک دریافت نشده")).to_be_visible()
    for label in catalog.DOCUMENTS["B"].values():
        mark_paper_seen(page, label)
    expect(page.get_by_text("همه شرایط احراز شده است؛ واجد شرایط بودن را تأیید کنید.")).to_be_visible()
    page.get_by_role("button", name="تأیید واجد شرایط بودن").click()
    flash(page, "واجد شرایط بودن تأیید شد و پرونده در فهرست انتظار معرفی به تأمین اجتماعی قرار گرفت.")
    expect(page.get_by_text("وضعیت: تأیید واجد شرایط بودن")).to_be_visible()
    shot(page, artifacts_dir, "b-flow-02-eligible")
    sign_out(page)

    # 3. the secretary introduces her from the waiting list, to a branch of the county ---------------
    sign_in_as(page, "secretary", "دبیر کمیته تهران", "دبیر کمیته")
    open_page(page, "معرفی به تأمین اجتماعی")
    waiting = page.get_by_test_id("stDataFrame").filter(has_text="در سهمیه امسال")
    expect_rows(waiting, ("نام", "در سهمیه امسال"), [(FULL_NAME, "بله")], tracking_code=tracking_code)
    introduce = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="معرفی", exact=True))
    choose(page, "پرونده", contains(tracking_code), scope=introduce)
    introduce.get_by_role("button", name="معرفی", exact=True).click()  # no branch yet: refused before the dialog
    expect(page.get_by_test_id("stAlertContentError").filter(has_text="شعبه تأمین اجتماعی را از فهرست انتخاب کنید")).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    settled(page)
    choose(page, "شعبه تأمین اجتماعی", branch, scope=introduce)
    introduce.get_by_role("button", name="معرفی", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"{FULL_NAME}")
    expect(dialog).to_contain_text(branch)
    shot(page, artifacts_dir, "b-flow-03-confirm")
    dialog.get_by_role("button", name="تأیید و معرفی").click()
    flash(page, contains(f"{FULL_NAME} با نامه شماره"))
    expect(page.get_by_role("button", name="دریافت معرفی‌نامه (PDF)").first).to_be_visible()
    shot(page, artifacts_dir, "b-flow-04-introduced")

    # 4. SSO confirms her cover: insured ------------------------------------------------------------
    activate = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="ثبت آغاز پوشش"))
    choose(page, "متقاضی", FULL_NAME, scope=activate)
    expect(activate.get_by_label("ماه آغاز پوشش", exact=True)).to_have_value(to_persian_digits(f"{year}/{month:02d}"))
    activate.get_by_role("button", name="ثبت آغاز پوشش").click()
    flash(page, contains(f"پوشش بیمه {FULL_NAME} از"))
    shot(page, artifacts_dir, "b-flow-05-active")

    # 5. the case page: «فعال» and B's own path on the timeline --------------------------------------
    open_page(page, "پرونده")
    opener = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="باز کردن"))
    fill_text(opener, "کد رهگیری", tracking_code)
    opener.get_by_role("button", name="باز کردن").click()
    expect(page.get_by_role("heading", name=contains(f"{FULL_NAME} — کد رهگیری"))).to_be_visible()
    expect(metric(page, "وضعیت")).to_have_text("فعال")
    settled(page)
    page.get_by_role("tab", name="گردش کار").click()
    timeline = page.get_by_role("tabpanel", name="گردش کار").get_by_test_id("stDataFrame")
    expect_rows(timeline, ("به وضعیت", "انجام‌دهنده"), [
        ("دریافت شده", "کارشناس تهران"),
        ("تأیید واجد شرایط بودن", "کارشناس تهران"),  # B's eligibility, confirmed by the unit
        ("معرفی به تأمین اجتماعی", "دبیر کمیته تهران"),
        ("فعال", "دبیر کمیته تهران"),
    ])
    shot(page, artifacts_dir, "b-flow-06-case")

    # the database agrees ---------------------------------------------------------------------------
    case, person, made = read_case(live_db, national_code)
    assert case.state == "active" and (case.start_year, case.start_month) == (year, month)
    assert case.contract_rate_bp == 1800
    assert made is not None and made.branch == branch and made.branch_id is not None and made.refused_on is None
