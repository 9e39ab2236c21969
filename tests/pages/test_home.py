"""The home page's figures follow the data: cached per area until the next write, wherever it
was made (another app server shares the database, not this process's memory)."""
from __future__ import annotations

from db.engine import make_engine
from tests.pages.conftest import app_as
from tests.pages.test_cases import submit_case
from ui.fmt import format_number


def all_cases(at) -> str:
    return next(m.value for m in at.metric if m.label == "همه پرونده‌ها")


def test_a_case_written_elsewhere_shows_at_the_next_rerun(users, app_db):
    submit_case(app_db, users["county_expert"])
    at = app_as(users["manager"])
    at.switch_page("pages/home.py").run()
    assert not at.exception
    assert all_cases(at) == format_number(1)
    at.run()  # nothing written: the same figure (from the cache)
    assert all_cases(at) == format_number(1)
    other_server = make_engine(str(app_db.url))  # another process's engine on the same database
    try:
        submit_case(other_server, users["county_expert"], first_name="زهرا")
    finally:
        other_server.dispose()
    at.run()
    assert all_cases(at) == format_number(2)

