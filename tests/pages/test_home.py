"""The home page's figures follow the data: cached per area until the next write, wherever it
was made (another app server shares the database, not this process's memory)."""
from __future__ import annotations

import json

import pyarrow as pa

from db.engine import make_engine
from tests.pages.conftest import app_as
from tests.pages.test_cases import submit_case
from ui.fmt import PROGRAM_SHORT_LABELS, STATE_LABELS, format_number
from ui.state_chart import COUNT, PROGRAM, SHOWN, STATE


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


def test_the_home_page_charts_the_areas_cases(users, app_db):
    submit_case(app_db, users["county_expert"])
    submit_case(app_db, users["county_expert"], program="B", first_name="زهرا")
    at = app_as(users["manager"])
    at.switch_page("pages/home.py").run()
    assert not at.exception
    (chart,) = at.get("vega_lite_chart")
    assert json.loads(chart.proto.spec)["encoding"]["y"]["field"] == STATE
    drawn = pa.ipc.open_stream(chart.proto.data.data).read_all().to_pylist()
    assert sorted((r[PROGRAM], r[STATE], r[COUNT], r[SHOWN]) for r in drawn) == sorted(
        (PROGRAM_SHORT_LABELS[p], STATE_LABELS["received"], 1, format_number(1)) for p in ("A", "B")
    )
