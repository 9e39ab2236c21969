"""The scoring policy page: points typed in Persian digits, a preview of who moves up and down, then
the new version adopted from today; a bad point is refused in Persian before any preview."""
from __future__ import annotations

from sqlmodel import select

from db.engine import new_session
from db.models import County, Province, ScoringPolicyVersion
from tests.pages.conftest import app_as
from tests.services.test_scoring_policy import scored_case

PAGE = "pages/scoring_policy.py"
FOUR_OR_MORE_DEPENDANTS = 16  # the row «۴ نفر و بیشتر» of the table


def _edit_points(at, row: int, typed: str) -> None:
    """Type into the «امتیاز تازه» cell of a row, as the data editor reports an edit."""
    at.session_state["policy_editor_1392-v1"] = {"edited_rows": {row: {"new": typed}}, "added_rows": [],
                                                 "deleted_rows": []}


def test_preview_then_adopt_a_new_version(app_db, users):
    with new_session(app_db) as session:
        tehran = session.exec(select(County).join(Province, Province.id == County.province_id)
                              .where(Province.name == "تهران", County.name == "تهران")).one()
        four = scored_case(session, tehran.id, tehran.province_id, dependants=4, insured_years=0)
        scored_case(session, tehran.id, tehran.province_id, dependants=0, insured_years=7)
        moved_code = four.tracking_code
    at = app_as(users["admin"]).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    _edit_points(at, FOUR_OR_MORE_DEPENDANTS, "۱۰")
    at.text_input(key="policy_version").input("1404-v2").run()
    at.text_area(key="policy_note").input("مصوبه شورای برنامه‌ریزی").run()
    assert not [b for b in at.button if b.key == "policy_adopt"]  # no adoption before a preview
    at.button(key="policy_preview_button").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["بالاتر می‌روند"], metrics["پایین‌تر می‌روند"]) == ("۱", "۱")
    moves = next(d.value for d in at.dataframe if "رتبه تازه" in d.value.columns)
    row = moves[moves["کد رهگیری"] == moved_code].iloc[0]
    assert (row["رتبه کنونی"], row["رتبه تازه"], row["جابه‌جایی"]) == ("۲", "۱", "▲ ۱")
    at.button(key="policy_adopt").click().run()
    assert not at.exception and any("از امروز به اجرا درآمد" in s.value for s in at.success)
    with new_session(app_db) as session:
        assert {v.version for v in session.exec(select(ScoringPolicyVersion)).all()} == {"1392-v1", "1404-v2"}
    versions = next(d.value for d in at.dataframe if "نسخه" in d.value.columns)  # read once per data version:
    current = versions[versions["وضعیت"] == "در حال اجرا"]  # the adoption's write shows at once
    assert list(current["نسخه"]) == ["1404-v2"] and len(versions) == 2


def test_a_point_that_is_not_a_number_is_refused(app_db, users):
    at = app_as(users["admin"]).run()
    at.switch_page(PAGE).run()
    _edit_points(at, FOUR_OR_MORE_DEPENDANTS, "ده")
    at.run()
    assert not at.exception
    assert any("۴ نفر و بیشتر" in e.value for e in at.error)
    assert at.button(key="policy_preview_button").disabled
