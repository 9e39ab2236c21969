"""The frame, sign-in, home, users, audit and account pages through AppTest."""
from __future__ import annotations


import pytest
from sqlmodel import func, select

from lib.jalali import local_today
from db.engine import new_session
from db.models import AuditLog, User
from lib.identifiers import generate_national_code
from services.applications import HouseholdData, IntakeData, submit_application
from services import sign_in as sessions
from services.base import SYSTEM
from services.sign_in import FREE_FAILURES
from services.users import change_password, set_active
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


def test_repeated_failures_slow_down_and_the_administrator_clears_the_wait(users, app_db):
    """Today five failures locked the account for fifteen minutes; now the sign-in waits a few
    seconds, whether or not the name exists, and the administrator sees and clears the waits."""
    at = app_as().run()
    for _ in range(FREE_FAILURES + 1):
        at = sign_in(at, "expert", "not-the-password")
    at = sign_in(at, "expert", PASSWORD)  # the right password, too soon
    assert "ثانیه دیگر دوباره تلاش کنید" in at.error[0].value and "قفل" not in at.error[0].value
    assert "actor" not in at.session_state
    admin = app_as(users["admin"]).run()
    admin.switch_page("pages/users.py").run()
    assert not admin.exception
    waits = admin.dataframe[1].value
    assert set(waits["نام یا نشانی"].str.strip("\u2066\u2069")) == {"expert", "unknown"}
    for option in admin.selectbox(key="throttle_key").options:
        admin.selectbox(key="throttle_key").set_value(
            next(k for k in (("account", "expert"), ("client", "unknown")) if k[1] in option)
        ).run()
        admin.button(key="clear_throttle").click().run()
        assert "محدودیت پاک شد" in admin.success[0].value
    at = sign_in(at, "expert", PASSWORD)
    assert at.session_state["actor"].username == "expert"


def _signed_in_reruns(at):
    """Another run of the same tab (what any click does)."""
    return at.run()


def test_a_deactivated_account_is_signed_out_on_its_next_run(users, app_db):
    """Today the actor was stored once in the tab and never checked again."""
    at = app_as(users["county_expert"]).run()
    assert at.title[0].value == "پیشخوان"
    with new_session(app_db) as session:
        set_active(session, users["admin"], users["county_expert"].id, False)
    at = _signed_in_reruns(at)
    assert "actor" not in at.session_state
    assert at.title[0].value == "بیمه‌یار"  # the sign-in page
    assert "غیرفعال" in at.warning[0].value
    assert not at.metric


def test_a_password_reset_signs_the_account_out_on_its_next_run(users, app_db):
    at = app_as(users["county_expert"]).run()
    with new_session(app_db) as session:
        change_password(session, users["admin"], users["county_expert"].id, "brand-new-pass")
    at = _signed_in_reruns(at)
    assert "actor" not in at.session_state
    assert "گذرواژه" in at.warning[0].value


def test_a_new_role_signs_the_account_out_with_a_persian_reason(users, app_db):
    at = app_as(users["county_expert"]).run()
    with new_session(app_db) as session:
        session.get(User, users["county_expert"].id).role = "committee_secretary"
        session.commit()
    at = _signed_in_reruns(at)
    assert "actor" not in at.session_state
    assert at.warning[0].value == sessions.ROLE_CHANGED


def test_signing_out_in_one_tab_signs_out_the_other_on_its_next_run(users):
    first = app_as(users["county_expert"]).run()
    second = app_as().run()  # the same browser's second tab shares the session
    second.session_state["actor"] = first.session_state["actor"]
    second.session_state["session_token"] = first.session_state["session_token"]
    assert second.run().title[0].value == "پیشخوان"
    first.switch_page("pages/account.py").run()
    next(b for b in first.button if b.label == "خروج از سامانه").click().run()
    second = second.run()
    assert "actor" not in second.session_state
    assert second.warning[0].value == sessions.SESSION_ENDED


def test_a_reload_resumes_from_the_cookie_until_signed_out(users, monkeypatch):
    """Today a reload (the projector's page) asked for the password again."""
    import ui.context

    first = sign_in(app_as().run(), "expert", PASSWORD)
    token = first.session_state["session_token"]
    monkeypatch.setattr(ui.context, "browser_cookie", lambda: token)  # what the browser sends back
    reloaded = app_as().run()  # a new tab state: nothing but the cookie
    assert not reloaded.exception
    assert reloaded.title[0].value == "پیشخوان"
    assert reloaded.session_state["actor"].username == "expert"
    script = next(h.proto.body for h in reloaded.get("html") if "document.cookie" in h.proto.body)
    assert f"bimeyar_session={token}" in script and "SameSite=Strict" in script
    reloaded.switch_page("pages/account.py").run()
    next(b for b in reloaded.button if b.label == "خروج از سامانه").click().run()
    again = app_as().run()  # the old cookie names no session any more
    assert "actor" not in again.session_state and again.title[0].value == "بیمه‌یار"
    assert again.warning[0].value == sessions.SESSION_ENDED
    script = next(h.proto.body for h in again.get("html") if "document.cookie" in h.proto.body)
    assert "bimeyar_session=; Max-Age=0" in script  # and the browser forgets it


def test_an_unexpected_error_shows_persian_with_a_reference_and_logs_the_detail(users, monkeypatch, caplog):
    """Today Streamlit showed the English exception (with «Ask Google» links)."""
    import services.dashboard

    def broken(*args, **kwargs):
        raise RuntimeError("internal detail: relation area_summary_cache does not exist")

    monkeypatch.setattr(services.dashboard, "area_summary", broken)
    with caplog.at_level("ERROR", logger="bimeyar.errors"):
        at = app_as(users["county_expert"]).run()
    assert not at.exception
    message = at.error[0].value
    assert "خطای پیش‌بینی‌نشده" in message and "شماره پیگیری" in message
    shown = " ".join(str(e.value) for e in [*at.error, *at.markdown, *at.title] if hasattr(e, "value"))
    assert "RuntimeError" not in shown and "internal detail" not in shown and "Traceback" not in shown
    record = next(r for r in caplog.records if r.name == "bimeyar.errors")
    reference = record.args[0]
    assert reference.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in message
    assert "internal detail" in caplog.text and "Traceback" in caplog.text


def test_the_error_page_never_links_outside(users):
    from streamlit import config

    config.get_config_options(force_reparse=True)
    assert config.get_option("client.showErrorLinks") is False
    assert config.get_option("client.showErrorDetails") == "none"


@pytest.mark.parametrize("role", ["admin", "county_expert", "manager"])
def test_every_page_of_every_role_renders(users, role):
    actor = users[role]
    for spec in pages_for(actor):
        at = app_as(actor).run()
        at.switch_page(spec.path).run()
        assert not at.exception, (role, spec.path, at.exception)
        expected = "پیشخوان" if spec.path.endswith("home.py") else spec.title
        assert at.title[0].value == expected


def test_the_audit_page_is_for_national_and_provincial_managers():
    from services.base import Actor
    from lib.permissions import Role

    provincial = Actor(id=9, username="m", full_name="مدیر استان", role=Role.manager, province_id=1)
    national = Actor(id=8, username="n", full_name="مدیر ستاد", role=Role.manager)
    assert "pages/audit.py" in {p.path for p in pages_for(provincial)}  # her province's records
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
                    first_name="مریم", last_name="احمدی", gender="female", mobile="09121234567",
                    applied_on=local_today(), household=HouseholdData(marital_status="married"),
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
    at.button(key="FormSubmitter:new_user_0-ساخت کاربر").click().run()
    assert "نام کاربری باید" in at.error[0].value
    with new_session(app_db) as session:
        before = session.exec(select(func.count(User.id))).one()
    assert at.text_input[1].value == "کاربر تازه"  # a refused form keeps what was typed, to fix it
    at.text_input[0].input("new.admin")
    at.button(key="FormSubmitter:new_user_0-ساخت کاربر").click().run()
    assert not at.error
    assert "ساخته شد" in at.success[0].value
    assert [t.value for t in at.text_input] == ["", "", ""]  # and the next user starts from an empty form
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
    assert "ساخت حساب کاربری" in set(frame["کار"])  # user.create, in Persian


def _change_password(at, current, new, again=None):
    at.text_input(key="current_password").input(current)
    at.text_input(key="new_password").input(new)
    at.text_input(key="new_password_again").input(new if again is None else again)
    at.button(key="FormSubmitter:password-ذخیره گذرواژه").click()
    return at.run()


def test_account_page_refuses_mismatched_passwords(users):
    at = app_as(users["county_expert"]).run()
    at.switch_page("pages/account.py").run()
    at = _change_password(at, PASSWORD, "new-password-1", "new-password-2")
    assert "یکسان نیستند" in at.error[0].value


def test_changing_ones_password_asks_for_the_current_one(users, app_db):
    """Today the account page changed the password without the current one."""
    at = app_as(users["county_expert"]).run()
    other_tab = app_as(users["county_expert"]).run()
    at.switch_page("pages/account.py").run()
    at = _change_password(at, "not-my-password", "brand-new-pass")
    assert "گذرواژه کنونی درست نیست" in at.error[0].value
    at = _change_password(at, PASSWORD, "brand-new-pass")
    assert not at.error and "گذرواژه تغییر کرد" in at.success[0].value
    assert at.run().session_state["actor"].username == "expert"  # this tab goes on
    other = other_tab.run()  # another session of the account ends
    assert "actor" not in other.session_state
    fresh = sign_in(app_as().run(), "expert", "brand-new-pass")
    assert fresh.session_state["actor"].username == "expert"


def test_sign_out_returns_to_the_login_page(users):
    at = app_as(users["county_expert"]).run()
    at.switch_page("pages/account.py").run()
    logout = next(b for b in at.button if b.label == "خروج از سامانه")
    logout.click().run()
    assert "actor" not in at.session_state
    assert at.title[0].value == "بیمه‌یار"


def test_the_sidebar_shows_the_users_name_as_text(users, app_db):
    """A name is shown as typed: no Markdown image, no HTML tag reaches the browser as markup."""
    name = '<img src="http://host/p.png"> ![x](http://host/p.png) **مریم**'
    with new_session(app_db) as session:
        session.get(User, users["county_expert"].id).full_name = name
        session.commit()
    at = app_as(users["county_expert"]).run()
    assert at.session_state["actor"].full_name == name  # the frame reads the account as it is now
    body = next(h.proto.body for h in at.sidebar.get("html"))
    assert "&lt;img" in body and "<img" not in body
    assert "![x](http://host/p.png) **مریم**" in body  # st.html renders no Markdown
    assert not any("host/p.png" in m.value for m in at.sidebar.markdown)
