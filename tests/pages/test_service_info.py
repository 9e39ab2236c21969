"""The published service information (اطلاعات خدمت): open without sign-in; every stage reads «تعیین
نشده» until an administrator sets its target, then the figure with who set it and when; the
printable file says the same, with what an administrator typed shown as text."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session

from db.engine import new_session
from services.base import SYSTEM
from services.service_agreement import agreements, set_stage_target, set_validity
from services.users import actor_for, create_user
from lib.service_agreement import stages_of
from tests.pages.conftest import app_as
from ui.service_info import service_info_html

PAGE = "pages/service_info.py"


def _signed_out_page():
    at = app_as().run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def test_no_figure_is_published_before_an_administrator_sets_one(app_db):
    at = _signed_out_page()
    assert at.title[0].value == "اطلاعات خدمت"
    for frame in at.dataframe:
        assert set(frame.value["مهلت"]) == {"تعیین نشده"} and set(frame.value["مراجعه حضوری"]) == {"تعیین نشده"}
    assert "۱۵" not in " ".join(m.value for m in at.markdown)  # the seeds' unsourced 15 days are gone
    assert any("مدرک سرپرستی خانوار" in m.value for m in at.markdown)


def test_targets_set_are_published_with_who_set_them(app_db):
    with new_session(app_db) as session:
        admin = actor_for(create_user(session, SYSTEM, username="sla", full_name="مریم احمدی",
                                      password="secret-pass-1", role="admin"))
        for stage in stages_of("B"):
            set_stage_target(session, admin, program="B", stage=stage, target_days=7, visits=1 if stage == "received" else 0)
        set_validity(session, admin, program="B", valid_from=None, valid_until=date(2030, 3, 20))
    at = _signed_out_page()
    table = next(f.value for f in at.dataframe if "۷ روز کاری" in set(f.value["مهلت"]))
    assert set(table["مهلت"]) == {"۷ روز کاری"}
    assert list(table["مراجعه حضوری"])[0] == "۱ بار" and list(table["مراجعه حضوری"])[1] == "بدون مراجعه حضوری"
    assert all(who.startswith("مریم احمدی، ") for who in table["تعیین‌کننده و زمان"])
    total = len(stages_of("B")) * 7
    assert any(f"کل زمان: {str(total).translate(str.maketrans('0123456789', '۰۱۲۳۴۵۶۷۸۹'))} روز کاری" in m.value
               and "۱ بار" in m.value for m in at.markdown)
    assert any("۱۴۰۸/۱۲/۳۰" in c.value for c in at.caption)  # the validity period, Jalali
    assert at.get("download_button")  # the printable copy


def test_the_printable_copy_shows_typed_names_as_text(app_db):
    with new_session(app_db) as session:
        admin = actor_for(create_user(session, SYSTEM, username="sla2", full_name="<b>مدیر</b>",
                                      password="secret-pass-1", role="admin"))
        set_stage_target(session, admin, program="A", stage="received", target_days=3, visits=2)
        views = agreements(session)
    page = service_info_html(views, date(2026, 11, 30))
    assert page.startswith("<!doctype html>") and 'dir="rtl"' in page
    assert "&lt;b&gt;مدیر&lt;/b&gt;" in page and "<b>مدیر" not in page
    assert "۳ روز کاری" in page and "۲ بار" in page and "تعیین نشده" in page
    assert "۱۴۰۵/۰۹/۰۹" in page  # its date


def test_the_sign_in_page_links_to_it(app_db):
    at = app_as().run()
    assert "service_info" in [link.proto.page for link in at.get("page_link")]


def test_signed_in_users_have_it_too(app_db, users):
    at = app_as(users["county_expert"]).run()
    at.switch_page(PAGE).run()
    assert not at.exception and at.title[0].value == "اطلاعات خدمت"
