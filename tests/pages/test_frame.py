"""The frame, sign-in, home, users, audit and account pages through AppTest."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import func, select

from db.engine import new_session
from db.models import AuditLog, User
from lib.identifiers import generate_national_code
from services.applications import HouseholdData, IntakeData, submit_application
from services.users import MAX_FAILED_LOGINS
from tests.pages.conftest import PASSWORD, app_as
from ui.nav import pages_for


def sign_in(at, username: str, password: str):
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button(key="FormSubmitter:login-ورود").click()
    return at.run()


def test_login_page_is_persian_and_hides_everything_else(users):
    at = app_as().run()
    assert not at.exception
    assert at.title[0].value == "بیمه‌یار"
    assert at.subheader[0].value == "ورود به سامانه"
    assert not at.metric  # nothing of the home page before signing in


def test_wrong_password_gives_a_persian_message_and_no_session(users):
    at = sign_in(app_as().run(), "admin", "wrong-password")
    assert "نام کاربری یا گذرواژه نادرست است" in at.error[0].value
    assert "actor" not in at.session_state


def test_sign_in_opens_the_home_page(users):
    at = sign_in(app_as().run(), "admin", PASSWORD)
    assert not at.exception
    assert at.title[0].value == "پیشخوان"
    assert at.session_state["actor"].username == "admin"


def test_repeated_failures_lock_the_account(users, app_db):
    at = app_as().run()
    for _ in range(MAX_FAILED_LOGINS):
        at = sign_in(at, "expert", "not-the-password")
    at = sign_in(at, "expert", PASSWORD)  # even the right password is refused now
    assert "قفل" in at.error[0].value
    assert "actor" not in at.session_state


@pytest.mark.parametrize("role", ["admin", "county_expert", "manager"])
def test_every_page_of_every_role_renders(users, role):
    actor = users[role]
    for spec in pages_for(actor):
        at = app_as(actor).run()
        at.switch_page(spec.path).run()
        assert not at.exception, (role, spec.path, at.exception)
        expected = "پیشخوان" if spec.path.endswith("home.py") else spec.title
        assert at.title[0].value == expected


def test_the_audit_page_is_only_for_national_users():
    from services.base import Actor
    from lib.permissions import Role

    provincial = Actor(id=9, username="m", full_name="مدیر استان", role=Role.manager, province_id=1)
    national = Actor(id=8, username="n", full_name="مدیر ستاد", role=Role.manager)
    assert "pages/audit.py" not in {p.path for p in pages_for(provincial)}
    assert "pages/audit.py" in {p.path for p in pages_for(national)}


def test_navigation_follows_the_role(users):
    expert_pages = {p.path for p in pages_for(users["county_expert"])}
    admin_pages = {p.path for p in pages_for(users["admin"])}
    assert "pages/users.py" in admin_pages and "pages/audit.py" in admin_pages
    assert "pages/users.py" not in expert_pages and "pages/audit.py" not in expert_pages


def test_home_shows_the_users_area_with_real_figures(users, app_db):
    expert = users["county_expert"]
    with new_session(app_db) as session:
        for _ in range(3):
            submit_application(
                session,
                expert,
                IntakeData(
                    program="A", county_id=expert.county_id, channel="in_person",
                    national_code=generate_national_code(__import__("random").Random(_)),
                    first_name="مریم", last_name="احمدی", mobile="09121234567",
                    applied_on=date.today(), household=HouseholdData(marital_status="married"),
                ),
            )
    at = app_as(expert).run()
    assert not at.exception
    assert "شهرستان تهران" in at.markdown[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["همه پرونده‌ها"] == "۳"
    assert metrics["پرونده‌های باز"] == "۳"
    # the national manager sees the same three cases
    at = app_as(users["manager"]).run()
    assert {m.label: m.value for m in at.metric}["همه پرونده‌ها"] == "۳"
    assert "کل کشور" in at.markdown[0].value


def test_admin_creates_a_user_and_bad_input_creates_nothing(users, app_db):
    at = app_as(users["admin"]).run()
    at.switch_page("pages/users.py").run()
    at.text_input[0].input("x")  # too short, not a valid username
    at.text_input[1].input("کاربر تازه")
    at.text_input[2].input("long-enough-pass")
    at.button(key="FormSubmitter:new_user-ساخت کاربر").click().run()
    assert "نام کاربری باید" in at.error[0].value
    with new_session(app_db) as session:
        before = session.exec(select(func.count(User.id))).one()
    at.text_input[0].input("new.admin")
    at.button(key="FormSubmitter:new_user-ساخت کاربر").click().run()
    assert not at.error
    assert "ساخته شد" in at.success[0].value
    with new_session(app_db) as session:
        assert session.exec(select(func.count(User.id))).one() == before + 1
        entry = session.exec(select(AuditLog).where(AuditLog.action == "user.create").order_by(AuditLog.id.desc())).first()
        assert entry.username == "admin" and entry.after["username"] == "new.admin"
        assert "password_hash" not in entry.after


def test_audit_page_lists_the_writes(users):
    at = app_as(users["admin"]).run()
    at.switch_page("pages/audit.py").run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert "user.create" in set(frame["کار"])


def test_account_page_refuses_mismatched_passwords(users):
    at = app_as(users["county_expert"]).run()
    at.switch_page("pages/account.py").run()
    at.text_input[0].input("new-password-1")
    at.text_input[1].input("new-password-2")
    at.button[0].click().run()
    assert "یکسان نیستند" in at.error[0].value


def test_sign_out_returns_to_the_login_page(users):
    at = app_as(users["county_expert"]).run()
    at.switch_page("pages/account.py").run()
    logout = next(b for b in at.button if b.label == "خروج از سامانه")
    logout.click().run()
    assert "actor" not in at.session_state
    assert at.title[0].value == "بیمه‌یار"
