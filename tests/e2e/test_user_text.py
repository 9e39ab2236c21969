"""In the browser, a name written as Markdown/HTML is shown as typed and fetches nothing
(issue 9: ``![x](http://host/p.png)`` as a first name made colleagues' browsers request it)."""
from __future__ import annotations

import random
import re
from urllib.parse import urlparse

from playwright.sync_api import expect
from sqlmodel import select

from lib.jalali import local_today
from db.engine import make_engine, new_session
from db.models import Applicant, User
from lib.identifiers import generate_national_code
from lib.workflow import State
from services import applications as apps
from services.applications import HouseholdData, IntakeData
from services.users import actor_for
from tests.e2e.conftest import PASSWORD
from ui.fmt import WORD_JOINER

HOST = "evil.example"
FIRST = f"![x](http://{HOST}/p.png)"
LAST = f"<img src=http://{HOST}/q.png> *ک* `ب`"


def shown(locator) -> str:
    """The text a reader sees (the word joiners that keep addresses from becoming links are invisible)."""
    return locator.inner_text().replace(WORD_JOINER, "")


def _case_with_markup_name(db_path) -> int:
    """A case whose applicant's name is Markdown and HTML (written past intake's name rule, as
    old data may be), with an SMS that names her."""
    engine = make_engine(f"sqlite:///{db_path}")
    try:
        with new_session(engine) as session:
            expert = actor_for(session.exec(select(User).where(User.username == "expert")).one())
            case = apps.submit_application(session, expert, IntakeData(
                program="A", county_id=expert.county_id, channel="in_person",
                national_code=generate_national_code(random.Random(91)), first_name="نرگس", last_name="صالحی",
                gender="female", mobile="09121234567", applied_on=local_today(),
                household=HouseholdData(marital_status="single"),
            ))
            person = session.get(Applicant, case.applicant_id)
            person.first_name, person.last_name = FIRST, LAST
            session.add(person)
            session.commit()
            apps.change_state(session, expert, case.id, State.documents_incomplete, note="مدارک ناقص")
            return case.id
    finally:
        engine.dispose()


def test_a_markup_name_is_shown_as_typed_and_fetches_nothing(live_app, live_db, page):
    case_id = _case_with_markup_name(live_db)
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if urlparse(request.url).hostname == HOST else None)

    page.goto(live_app)
    expect(page.get_by_label("نام کاربری")).to_be_visible(timeout=120_000)  # the first run on a busy machine
    page.get_by_label("نام کاربری").fill("expert")
    page.get_by_label("گذرواژه").fill(PASSWORD)
    page.get_by_role("button", name="ورود").click()
    expect(page.get_by_role("heading", name="پیشخوان")).to_be_visible(timeout=60_000)
    page.goto(f"{live_app}/case?id={case_id}")
    heading = page.get_by_role("heading", name=re.compile("کد رهگیری"))
    expect(heading).to_be_visible()
    assert shown(heading).startswith(f"{FIRST} {LAST} — کد رهگیری"), shown(heading)  # no backslash, nothing dropped
    assert page.locator(f"img[src*='{HOST}'], a[href*='{HOST}']").count() == 0

    page.get_by_role("tab", name="پیامک‌ها").click()
    messages = page.get_by_text(re.compile("گرامی"))
    expect(messages.first).to_be_visible()
    texts = [shown(m) for m in messages.all()]
    typed = f"{FIRST} {LAST}"[:45]  # the SMS cuts a name to its template's longest (50 characters)
    assert any(t.startswith(typed) and "گرامی" in t for t in texts), texts

    page.goto(f"{live_app}/documents?id={case_id}")
    header = page.get_by_text(re.compile("کد ملی")).first
    expect(header).to_be_visible()
    assert shown(header).startswith(f"{FIRST} {LAST} — کد ملی"), shown(header)

    assert page.locator(f"img[src*='{HOST}'], a[href*='{HOST}']").count() == 0
    assert outside == []
