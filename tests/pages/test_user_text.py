"""Whatever a user typed — names, reasons, branch names, members — is shown as text on every
page, never rendered as Markdown or HTML (issue 9: a first name ``![x](http://host/p.png)`` made
colleagues' browsers fetch that address). The data is written straight into the database, as
old rows from before the name rule may hold it."""
from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as hst
from sqlmodel import select

from lib.jalali import local_today
from db.engine import new_session
from db.models import Applicant, Application, Notification, SessionMember, SsoBranch
from lib.workflow import State
from services import applications as apps
from services import committee as cm
from tests.pages.conftest import app_as
from tests.pages.test_cases import open_case, submit_case, tab
from tests.pages.test_introductions import PAGE as INTRODUCTIONS, _announce, _choose_branch, programme_b  # noqa: F401
from tests.pages.test_sessions import QUORUM, committee, on_sessions_page, scored_cases  # noqa: F401
from ui.fmt import WORD_JOINER, html_text, md_escape

FIRST = "![x](http://evil.example/p.png)"
LAST = "<img src=http://evil.example/q.png> *ک* # `ب`"
REASON = "# **پررنگ** [پیوند](http://evil.example/r) <b>x</b> :red[سرخ] $x$ _زیر_"
NAME = f"{FIRST} {LAST}"


def rendered(markdown: str) -> str:
    """What CommonMark shows for ``markdown`` made only of text, backslash escapes and hard line
    breaks (``"  \\n"``): each escaped ASCII punctuation character as itself."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown.replace("  \n", "\n"))


def unescaped_markup(markdown: str) -> bool:
    """Whether ``markdown`` holds an ASCII punctuation character not escaped by a backslash."""
    return re.search(r"[!-/:-@\[-`{-~]", re.sub(r"\\[!-/:-@\[-`{-~]", "", markdown)) is not None


def shows_literally(values, *texts: str) -> None:
    joined = "\n".join(values)
    for text in texts:
        assert md_escape(text) in joined, (text, joined)
        assert text not in joined  # never the raw Markdown


# --------------------------------------------------------------------------- the helpers
@given(hst.text(max_size=200))
@example(FIRST)
@example(LAST)
@example(REASON)
@example("علی‌رضا  محمدی\n\n    کد")
@example("\\*نه\\*")
def test_escaped_text_reads_exactly_as_typed(text):
    escaped = md_escape(text)
    assert not unescaped_markup(escaped)
    typed = re.sub(r"(?m)^[ \t]+", lambda m: "\u00a0" * len(m.group(0)), text.replace("\r\n", "\n"))
    assert rendered(escaped).replace(WORD_JOINER, "") == typed.replace(WORD_JOINER, "")  # joiners keep links away


def test_web_and_mail_addresses_are_not_made_links():
    assert md_escape("http://a.b www.c.d e@f.g") == "http\u2060\\:\\/\\/a\\.b www\u2060\\.c\\.d e\\@\u2060f\\.g"


def test_persian_text_is_left_as_it_is():
    assert md_escape("زهرا نیک‌نام") == "زهرا نیک‌نام"  # no stray backslash in a plain name


def test_html_text_never_leaves_a_blank_line_or_a_tag():
    assert html_text("a\n\n![x](y)<img src=z>") == "a<br><br>![x](y)&lt;img src=z&gt;"


# --------------------------------------------------------------------------- the pages
def rename(engine, application_id: int, first: str = FIRST, last: str = LAST) -> None:
    with new_session(engine) as session:
        application = session.get(Application, application_id)
        person = session.get(Applicant, application.applicant_id)
        person.first_name, person.last_name = first, last
        session.add(person)
        session.commit()


def test_case_page_header_priority_reason_and_sms_show_the_text(users, app_db):
    expert = users["county_expert"]
    case = submit_case(app_db, expert)
    rename(app_db, case.id)
    with new_session(app_db) as session:
        row = session.get(Application, case.id)
        row.priority_override, row.priority_reason = 1, REASON
        session.add(row)
        session.commit()
        apps.change_state(session, expert, case.id, State.documents_incomplete, note=REASON)  # an SMS naming her
        sms = session.exec(select(Notification.body).where(Notification.application_id == case.id)
                           .order_by(Notification.id.desc())).first()
    assert FIRST[:8] in sms  # her typed name (cut to the template's length) is in the message
    at = open_case(expert, case.id)
    assert not at.exception, at.exception
    shows_literally([at.subheader[0].value], FIRST, LAST)
    shows_literally([i.value for i in tab(at, "شرایط").info], REASON)
    shows_literally([m.value for m in tab(at, "پیامک‌ها").markdown], sms)


def test_documents_page_heads_the_case_with_the_text(users, app_db):
    expert = users["county_expert"]
    case = submit_case(app_db, expert)
    rename(app_db, case.id)
    at = app_as(expert).run()
    at.switch_page("pages/documents.py")
    at.query_params["id"] = str(case.id)
    at.run()
    assert not at.exception, at.exception
    shows_literally([m.value for m in at.markdown], FIRST, LAST)


def test_case_list_link_names_the_applicant_as_text(users, app_db):
    expert = users["county_expert"]
    case = submit_case(app_db, expert)
    rename(app_db, case.id)
    at = app_as(expert).run()
    at.switch_page("pages/cases.py").run()
    at.session_state["cases_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    (link,) = at.get("page_link")
    shows_literally([link.proto.label], FIRST, LAST)


def test_sessions_page_members_agenda_and_reject_dialog_show_the_text(app_db, committee):  # noqa: F811
    first, _ = scored_cases(app_db, committee["expert"], ["مریم", "سارا"])
    rename(app_db, first)
    with new_session(app_db) as session:
        made = cm.create_session(session, committee["secretary"], program="A", held_on=local_today(), number="12",
                                 members=QUORUM)
        session.add(SessionMember(session_id=made.id, role="guest", full_name=REASON))
        session.commit()
        session_id = made.id
    at = on_sessions_page(committee["secretary"])
    shows_literally([m.value for m in at.markdown], REASON)  # «حاضران: …»

    at.selectbox(key=f"decide_case_{session_id}").select(first).run()
    at.radio[0].set_value(cm.Outcome.reject)
    at.text_area(key=f"decide_{first}_reason").input(REASON)
    at.button(key=f"FormSubmitter:decide_{first}-ثبت تصمیم").click().run()
    assert not at.error, [e.value for e in at.error]
    dialog = [m.value for m in at.markdown]
    shows_literally(dialog, FIRST, LAST, REASON)
    at.button(key="reject_confirm").click().run()
    assert not at.exception and "رد شد" in at.success[0].value


def test_introductions_dialog_and_success_show_names_and_branch_as_text(programme_b, app_db):  # noqa: F811
    _announce(app_db, programme_b["province"], programme_b["county"], 2)
    rename(app_db, programme_b["cases"][0].id)
    branch_name = "شعبه [۳](http://evil.example/b) **تهران**"
    with new_session(app_db) as session:
        branch = session.exec(select(SsoBranch).where(SsoBranch.id == programme_b["branch"])).one()
        branch.name = branch_name
        session.add(branch)
        session.commit()
    at = app_as(programme_b["secretary"]).run()
    at.switch_page(INTRODUCTIONS).run()
    _choose_branch(at, programme_b["branch"])
    at.button(key="FormSubmitter:introduce-معرفی").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    shows_literally([m.value for m in at.markdown], FIRST, LAST, branch_name)
    at.button(key="confirm_introduce").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    shows_literally([at.success[0].value], FIRST, LAST)
