"""What the frame reads with its account check, in the same database session: the demo notice
shows exactly when demo accounts exist, and a page's data version is the one read then (a write
by another user is seen at the next run)."""
from __future__ import annotations

from db.engine import new_session
from services.base import SYSTEM
from services.users import create_user
from tests.pages.conftest import PASSWORD, app_as

NOTICE = "داده‌های این سامانه نمایشی است"


def notice_shown(at) -> bool:
    return any(NOTICE in h.proto.body for h in at.get("html"))


def test_the_demo_notice_follows_the_demo_accounts(app_db, users):
    at = app_as(users["manager"]).run()
    assert not at.exception, at.exception
    assert not notice_shown(at)
    with new_session(app_db) as session:
        create_user(session, SYSTEM, username="demo.expert", full_name="کارشناس نمایشی", password=PASSWORD,
                    role="county_expert", county_id=users["county_expert"].county_id, is_demo=True)
    at.run()
    assert notice_shown(at)


def test_a_page_sees_a_write_made_by_another_user_at_its_next_run(app_db, users):
    """The sessions list is read once per data version; the version comes with the account check,
    so another user's new session shows at the next rerun, not later."""
    from datetime import date

    from services import committee as cm
    from services.users import actor_for

    with new_session(app_db) as session:
        secretary = actor_for(create_user(session, SYSTEM, username="secretary", full_name="دبیر کمیته",
                                          password=PASSWORD, role="committee_secretary",
                                          county_id=users["county_expert"].county_id))
        other = actor_for(create_user(session, SYSTEM, username="secretary2", full_name="دبیر دوم",
                                      password=PASSWORD, role="committee_secretary",
                                      county_id=users["county_expert"].county_id))
        quorum = [cm.MemberInput("head", "رضا کریمی"), cm.MemberInput("employment_expert", "زهرا موسوی")]
        cm.create_session(session, secretary, program="A", held_on=date(2024, 7, 1), number="5", members=quorum)
    at = app_as(secretary).run()
    at.switch_page("pages/sessions.py").run()
    assert len(at.dataframe[0].value) == 1
    at.run()
    assert len(at.dataframe[0].value) == 1
    with new_session(app_db) as session:
        cm.create_session(session, other, program="A", held_on=date(2024, 7, 2), number="6", members=quorum)
    at.run()
    assert not at.exception, at.exception
    assert len(at.dataframe[0].value) == 2
