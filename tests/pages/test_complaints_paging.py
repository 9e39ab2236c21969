"""The complaints page shows the register 100 rows a page (issue 11: a run costs the same in an
area of any size): the overdue ones first across every page, a choice of page when there are
more, and the count of overdue complaints is of the whole register, not of the page shown."""
from __future__ import annotations

from datetime import timedelta

from db.engine import new_session
from db.models import Complaint
from lib.jalali import local_today
from lib.text import to_persian_digits
from services.complaints import ComplaintData, register_complaint
from tests.pages.conftest import app_as
from tests.pages.test_complaints import _case

COMPLAINTS = 102


def test_a_long_register_is_shown_a_page_at_a_time_overdue_first(users, app_db):
    expert = users["county_expert"]
    tracking = _case(app_db, expert)
    with new_session(app_db) as session:
        ids = [
            register_complaint(session, expert, ComplaintData(
                channel="phone", subject="تأخیر", body="…", deadline=local_today() + timedelta(days=1 + i % 30),
                tracking_code=tracking)).id
            for i in range(COMPLAINTS)
        ]
        late = session.get(Complaint, ids[-1])  # the last registered, its deadline passed: first on page one
        late.deadline = local_today() - timedelta(days=3)
        session.add(late)
        session.commit()
    at = app_as(users["manager"]).run()
    at.switch_page("pages/complaints.py").run()
    assert not at.exception
    assert "۱ شکایت از مهلت" in at.error[0].value
    first = at.dataframe[0].value
    assert len(first) == 100 and first["شماره"].iloc[0] == to_persian_digits(ids[-1])
    assert first["دیرکرد"].iloc[0] and not first["دیرکرد"].iloc[1:].any()
    pager = next(s for s in at.selectbox if s.label.startswith("صفحه"))
    assert pager.label == "صفحه (از ۲)"
    assert len(next(s for s in at.selectbox if s.label == "شکایت").options) == 100

    pager.set_value(2).run()
    assert not at.exception
    second = at.dataframe[0].value
    assert len(second) == 2
    shown = [int(n.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))) for n in [*first["شماره"], *second["شماره"]]]
    assert sorted(shown) == sorted(ids)  # every complaint on one of the two pages, none twice
    assert any("ردیف‌های ۱۰۱ تا ۱۰۲ از ۱۰۲" in c.value for c in at.caption)
