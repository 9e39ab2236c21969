"""The scoring worksheet of one applicant, the county grid and the ranking through AppTest."""
from __future__ import annotations

from datetime import date

from sqlmodel import select

from db.engine import new_session
from db.models import Application, ScoreCardRecord
from lib.workflow import State
from services import applications as apps
from services.applications import HouseholdData
from services.base import SYSTEM
from services.users import actor_for, create_user
from tests.pages.conftest import PASSWORD, app_as
from tests.pages.test_cases import submit_case

# submit_case's household: 1 disabled (1), mild (1), married (2), 1 dependant (1), 2 years (2) = 7 + need grade


def open_page(actor, path, application_id=None):
    at = app_as(actor).run()
    at.switch_page(path)
    if application_id is not None:
        at.query_params["id"] = str(application_id)
    return at.run()


def headline(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("### امتیاز کل"))


def cards(engine, application_id):
    with new_session(engine) as session:
        return session.exec(select(ScoreCardRecord).where(ScoreCardRecord.application_id == application_id)).all()


def test_scoring_sheet_is_the_paper_form_computed_live_and_saved(users, app_db):
    expert = users["county_expert"]
    case = submit_case(app_db, expert)
    at = open_page(expert, "pages/scoring.py", case.id)
    assert not at.exception
    assert at.title[0].value == "کاربرگ امتیازدهی"
    assert headline(at) == "### امتیاز کل: ۷ از ۵۰"
    sheet = at.dataframe[0].value
    assert list(sheet.columns) == ["ردیف", "موضوع", "وضعیت خانوار", "شرط گزینه", "امتیاز", "امتیاز مکتسبه"]
    assert list(sheet["امتیاز"]) == ["۵", "۴", "۲", "۵", "۲۹", "۵"]
    assert "موقت" in at.info[0].value  # the need grade is not in yet

    at.text_input(key=f"scoring_{case.id}_dependants").input("۴").run()
    assert headline(at) == "### امتیاز کل: ۱۱ از ۵۰"  # four dependants score 5
    assert at.dataframe[0].value.loc[3, "امتیاز مکتسبه"] == "۵"
    at.segmented_control[0].set_value(3).run()
    assert headline(at) == "### امتیاز کل: ۱۴ از ۵۰"
    assert not at.info

    at.button(key=f"scoring_{case.id}_save").click().run()
    assert not at.error
    # the policy version in words and Persian digits, never the raw code «1392-v1»
    assert "امتیاز ۱۴" in at.success[0].value and "جدول امتیازات ۱۳۹۲، ویرایش ۱" in at.success[0].value
    assert "1392" not in at.success[0].value
    (card,) = cards(app_db, case.id)
    assert (card.total, card.policy_version, card.scored_by) == (14, "1392-v1", expert.id)
    assert any("کارشناس تهران" in c.value and "آخرین کاربرگ" in c.value for c in at.caption)
    with new_session(app_db) as session:
        assert session.get(Application, case.id).state == State.scored


def test_scoring_sheet_says_what_is_wrong_and_saves_nothing(users, app_db):
    expert = users["county_expert"]
    case = submit_case(app_db, expert)
    at = open_page(expert, "pages/scoring.py", case.id)
    at.text_input(key=f"scoring_{case.id}_disabled_members").input("0").run()
    assert "شدت معلولیت" in at.error[0].value  # severity left without a disabled member
    at.button(key=f"scoring_{case.id}_save").click().run()
    assert any("ستون «شدت معلولیت»" in e.value for e in at.error)
    assert cards(app_db, case.id) == []


def test_scoring_page_picks_from_the_countys_pending_cases(users, app_db):
    expert = users["county_expert"]
    first = submit_case(app_db, expert, first_name="نرگس", last_name="صالحی")
    at = open_page(expert, "pages/scoring.py")
    assert not at.exception
    assert first.tracking_code in at.selectbox[1].format_func(at.selectbox[1].value)
    assert "نرگس صالحی" in at.subheader[0].value


def editor_key(actor, version=0) -> str:
    return f"worksheet_editor_{actor.county_id}_{version}"


def edit(at, key, rows: dict):
    at.session_state[key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    return at.run()


def test_worksheet_recomputes_on_edit_and_refuses_a_bad_row(users, app_db):
    expert = users["county_expert"]
    good = submit_case(app_db, expert, applied_on=date(2024, 6, 1))
    bad = submit_case(app_db, expert, first_name="نرگس", last_name="صالحی", applied_on=date(2024, 6, 2))
    at = open_page(expert, "pages/worksheet.py")
    assert not at.exception
    grid = at.data_editor[0].value
    assert list(grid["tracking_code"]) == [good.tracking_code, bad.tracking_code]
    assert list(grid["total"]) == ["۷", "۷"]  # provisional: no need grade yet; Persian digits

    at = edit(at, editor_key(expert), {0: {"need_grade": 5}, 1: {"dependants": 4}})
    grid = at.data_editor[0].value
    assert list(grid["total"]) == ["۱۲", "۱۱"]
    assert list(grid["points_dependants"]) == ["۱", "۵"]

    at = edit(at, editor_key(expert), {0: {"need_grade": 5}, 1: {"disabled_members": 0, "need_grade": 2}})
    assert any(bad.tracking_code in w.value and "«شدت معلولیت»" in w.value for w in at.warning)
    assert (at.data_editor[0].value["total"] == "").tolist() == [False, True]
    at.button[0].click().run()  # «ذخیره تغییرات»
    (message,) = [e.value for e in at.error]
    assert bad.tracking_code in message and "نرگس صالحی" in message and "ستون «شدت معلولیت»" in message
    assert cards(app_db, good.id) == [] and cards(app_db, bad.id) == []


def test_worksheet_saves_the_changed_rows_in_one_go(users, app_db):
    expert = users["county_expert"]
    first = submit_case(app_db, expert, applied_on=date(2024, 6, 1))
    untouched = submit_case(app_db, expert, applied_on=date(2024, 6, 2))
    third = submit_case(app_db, expert, applied_on=date(2024, 6, 3))
    at = open_page(expert, "pages/worksheet.py")
    at = edit(at, editor_key(expert), {0: {"need_grade": 5}, 2: {"need_grade": 1, "insured_years": 40}})
    at.button[0].click().run()
    assert not at.error
    assert "۲ کاربرگ ذخیره شد" in at.success[0].value
    assert [c.total for c in cards(app_db, first.id)] == [12]
    assert [(c.total, c.policy_version) for c in cards(app_db, third.id)] == [(1 + 1 + 2 + 1 + 29 + 1, "1392-v1")]
    assert cards(app_db, untouched.id) == []
    # the grid is reloaded: saved totals show, the edits are gone
    grid = at.data_editor[0].value
    assert list(grid["saved_total"]) == ["۱۲", "", "۳۵"]


def test_worksheet_names_the_row_and_column_of_each_bad_number_and_saves_nothing(users, app_db):
    """Typed cells take any digits; a cell out of range or not a number is named (row, case,
    column, allowed range) in Persian, counts as empty in the preview, and blocks the save."""
    expert = users["county_expert"]
    first = submit_case(app_db, expert, applied_on=date(2024, 6, 1))
    second = submit_case(app_db, expert, first_name="نرگس", last_name="صالحی", applied_on=date(2024, 6, 2))
    at = open_page(expert, "pages/worksheet.py")
    at = edit(at, editor_key(expert), {0: {"need_grade": "۵", "dependants": "3"}, 1: {"insured_years": "۲۵۰",
                                                                                       "dependants": "سه"}})
    grid = at.data_editor[0].value
    assert grid["need_grade"][0] == "۵" and grid["dependants"][0] == "۳"  # read, and shown in Persian digits
    (message,) = [e.value for e in at.error]
    assert "ردیف ۲" in message and second.tracking_code in message and "ستون «سابقه بیمه" in message
    assert "باید بین ۰ و" in message and "عدد صحیح" in message
    at.button[0].click().run()
    (message,) = [e.value for e in at.error]
    assert message.startswith("هیچ کاربرگی ذخیره نشد") and "ردیف ۲" in message
    assert cards(app_db, first.id) == [] and cards(app_db, second.id) == []
    at = edit(at, editor_key(expert), {0: {"need_grade": "۵", "dependants": "3"}, 1: {}})
    at.button[0].click().run()
    assert not at.error and "۱ کاربرگ ذخیره شد" in at.success[0].value
    assert len(cards(app_db, first.id)) == 1 and cards(app_db, second.id) == []


def test_ranking_puts_discount_holders_last_and_shows_override_reasons(users, app_db):
    expert = users["county_expert"]
    with new_session(app_db) as session:
        secretary = actor_for(create_user(session, SYSTEM, username="secretary", full_name="دبیر کمیته تهران",
                                          password=PASSWORD, role="committee_secretary", county_id=expert.county_id))

    def scored(grade, **kw):
        case = submit_case(app_db, expert, **kw)
        with new_session(app_db) as session:
            apps.score_application(session, expert, case.id, need_grade=grade)
        return case

    high = scored(5, first_name="زهرا", last_name="کریمی")
    holder = scored(5, first_name="سارا", last_name="نوری", discount_holder=True)
    low = scored(1, first_name="علی", last_name="رضایی")
    lifted = scored(1, first_name="نرگس", last_name="صالحی", household=HouseholdData(marital_status="single"))
    with new_session(app_db) as session:
        apps.set_priority(session, secretary, lifted.id, 1, "سرپرست خانوار با دو فرزند معلول")

    at = open_page(expert, "pages/ranking.py")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["کد رهگیری"]) == [lifted.tracking_code, high.tracking_code, low.tracking_code, holder.tracking_code]
    assert list(table["رتبه"]) == ["۱", "۲", "۳", "۴"]
    assert table.loc[0, "دلیل اولویت دستی"] == "سرپرست خانوار با دو فرزند معلول"
    assert table.loc[0, "ثبت‌کننده اولویت"] == "دبیر کمیته تهران"
    assert table.loc[3, "تخفیف بیمه‌ای"] == "دارد — پس از همه"
    assert not at.text_area  # a county expert cannot set a priority

    at = open_page(secretary, "pages/ranking.py")
    at.selectbox[1].set_value(low.id)
    at.text_input(key="priority_rank_0").input("صفر")
    at.button[0].click().run()  # not a number: said under the field, nothing saved
    assert any("رتبه دستی" in e.value and "عدد صحیح" in e.value for e in at.error)
    at.text_input(key="priority_rank_0").input("2")
    at.button[0].click().run()  # no reason
    assert "دلیل" in at.error[0].value
    at.text_area[0].input("مصوبه جلسه ۱۲ تیر")
    at.button[0].click().run()
    assert not at.error and "ثبت شد" in at.success[0].value
    table = at.dataframe[0].value
    assert list(table["کد رهگیری"])[:2] == [lifted.tracking_code, low.tracking_code]
    assert table.loc[1, "دلیل اولویت دستی"] == "مصوبه جلسه ۱۲ تیر"
    at.selectbox[1].set_value(lifted.id)
    at.button[1].click().run()  # «برداشتن اولویت دستی»
    assert "برداشته شد" in at.success[0].value
    assert list(at.dataframe[0].value["کد رهگیری"])[:2] == [low.tracking_code, high.tracking_code]


def test_choosing_another_case_after_a_save_shows_and_saves_that_case(users, app_db):
    """Issue 6: after saving a case still «دریافت شده» (its label in the select changes to
    «امتیازدهی شده»), picking another case jumped back to the first of the list and the next
    save overwrote that person's card."""
    expert = users["county_expert"]
    first = submit_case(app_db, expert, first_name="نرگس", last_name="صالحی", applied_on=date(2024, 6, 1))
    second = submit_case(app_db, expert, first_name="زهرا", last_name="کریمی", applied_on=date(2024, 6, 2))
    third = submit_case(app_db, expert, first_name="علی", last_name="رضایی", applied_on=date(2024, 6, 3))
    at = open_page(expert, "pages/scoring.py")
    picker = next(s for s in at.selectbox if s.label == "پرونده")
    picker.set_value(second.id).run()
    assert "زهرا کریمی" in at.subheader[0].value
    at.segmented_control[0].set_value(4).run()
    at.button(key=f"scoring_{second.id}_save").click().run()
    assert not at.error
    (message,) = [s.value for s in at.success]
    assert second.tracking_code in message and "زهرا کریمی" in message  # the save names the case it wrote

    picker = next(s for s in at.selectbox if s.label == "پرونده")
    picker.set_value(third.id).run()
    assert "علی رضایی" in at.subheader[0].value  # not the first case of the list
    assert next(s for s in at.selectbox if s.label == "پرونده").value == third.id
    at.segmented_control[0].set_value(2).run()
    at.button(key=f"scoring_{third.id}_save").click().run()
    assert not at.error
    assert third.tracking_code in at.success[0].value and "علی رضایی" in at.success[0].value
    assert cards(app_db, first.id) == []  # nobody else's card was written
    assert [c.total for c in cards(app_db, second.id)] == [7 + 4]
    assert [c.total for c in cards(app_db, third.id)] == [7 + 2]
    assert next(s for s in at.selectbox if s.label == "پرونده").value == third.id


def test_a_chosen_case_that_leaves_the_list_is_not_saved_onto_another(users, app_db):
    """The chosen case is decided by the committee meanwhile (it leaves the pending list): the
    page falls back to showing the list's first case by name, never saving the old inputs there."""
    expert = users["county_expert"]
    first = submit_case(app_db, expert, first_name="نرگس", last_name="صالحی", applied_on=date(2024, 6, 1))
    second = submit_case(app_db, expert, first_name="زهرا", last_name="کریمی", applied_on=date(2024, 6, 2))
    at = open_page(expert, "pages/scoring.py")
    next(s for s in at.selectbox if s.label == "پرونده").set_value(second.id).run()
    with new_session(app_db) as session:
        row = session.get(Application, second.id)
        row.state = State.county_decision.value
        session.add(row)
        session.commit()
    at.run()
    assert not at.exception
    assert "نرگس صالحی" in at.subheader[0].value
    assert next(s for s in at.selectbox if s.label == "پرونده").value == first.id
    assert not any(b.key == f"scoring_{second.id}_save" for b in at.button)
