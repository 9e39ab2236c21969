"""The monitoring screen (پایش سهمیه و اعتبار) through AppTest: a national manager sees the
provinces and narrows to one, a provincial manager sees only her counties, rows at 80 % or more
and over 100 % are coloured and labelled as stated."""
from __future__ import annotations

import pytest
from sqlmodel import select

from db.engine import new_session
from db.models import County, Program, Province, Quota
from services.base import SYSTEM
from services.users import actor_for, create_user
from tests.pages.conftest import PASSWORD, app_as

PAGE = "pages/monitoring.py"
YEAR = 1404


@pytest.fixture
def world(app_db):
    with new_session(app_db) as session:
        tehran = session.exec(select(County).where(County.name == "تهران")).first()
        kashan = session.exec(select(County).where(County.name == "کاشان")).first()
        islamshahr = session.exec(select(County).where(County.name == "اسلامشهر")).first()
        b = session.exec(select(Program).where(Program.code == "B")).one()
        # Tehran county 10 seats, Islamshahr 4 seats: nothing used (ok); Kashan 0 seats: none used
        for county, slots in ((tehran, 10), (islamshahr, 4), (kashan, 2)):
            session.add(Quota(program_id=b.id, province_id=county.province_id, county_id=county.id,
                              jalali_year=YEAR, slots=slots))
        session.commit()
        manager = actor_for(create_user(session, SYSTEM, username="tmanager", full_name="مدیر کل تهران",
                                        password=PASSWORD, role="manager", province_id=tehran.province_id))
        national = actor_for(create_user(session, SYSTEM, username="nmanager", full_name="مدیر کل کشور",
                                         password=PASSWORD, role="manager"))
        isfahan = session.get(Province, kashan.province_id)
        return {"tehran": tehran, "islamshahr": islamshahr, "kashan": kashan, "manager": manager,
                "national": national, "isfahan": isfahan}


def _introduce(app_db, county, n):
    from db.models import Applicant, Application, Introduction
    from lib.jalali import to_gregorian

    with new_session(app_db) as session:
        b = session.exec(select(Program).where(Program.code == "B")).one()
        for k in range(n):
            code = f"{county.id:04d}{k:06d}"
            applicant = Applicant(national_code=code, first_name="زهرا", last_name=f"نمونه{k}", county_id=county.id)
            session.add(applicant)
            session.flush()
            app = Application(tracking_code=f"B{code}", applicant_id=applicant.id, program_id=b.id, county_id=county.id,
                              province_id=county.province_id, channel="in_person", state="introduced",
                              applied_on=to_gregorian(1404, 1, 5))
            session.add(app)
            session.flush()
            session.add(Introduction(application_id=app.id, county_id=county.id, jalali_year=YEAR, branch="شعبه",
                                     letter_no=f"L{code}", introduced_on=to_gregorian(1404, 2, 1)))
        session.commit()


def open_page(actor):
    at = app_as(actor).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    at.selectbox(key="monitoring_year").set_value(YEAR).run()
    assert not at.exception, at.exception
    return at


def table(at):
    return at.dataframe[0].value


def test_a_provincial_manager_sees_only_her_counties(world):
    at = open_page(world["manager"])
    assert at.title[0].value == "پایش سهمیه و اعتبار"
    frame = table(at)
    assert "شهرستان" in frame.columns
    assert {"تهران", "اسلامشهر"} <= set(frame["شهرستان"])
    assert "کاشان" not in set(frame["شهرستان"])
    assert "استان تهران" in at.markdown[0].value


def test_the_years_are_offered_in_persian_digits(world):
    at = open_page(world["manager"])
    options = at.selectbox(key="monitoring_year").options
    assert "۱۴۰۴" in options and not any(ch.isascii() and ch.isdigit() for o in options for ch in o)
    at = app_as(world["manager"]).run()
    at.switch_page("pages/budget_request.py").run()
    options = at.selectbox(key="request_year").options
    assert "۱۴۰۴" in options and not any(ch.isascii() and ch.isdigit() for o in options for ch in o)


def test_thresholds_colour_and_sort_by_closeness(world, app_db):
    _introduce(app_db, world["islamshahr"], 5)  # 5 of 4: over
    _introduce(app_db, world["tehran"], 8)  # 8 of 10: exactly 80 %, stands out
    at = open_page(world["manager"])
    frame = table(at)
    assert list(frame["شهرستان"][:2]) == ["اسلامشهر", "تهران"]  # closest to the limit first
    assert list(frame["وضعیت"][:2]) == ["بیش از سقف", "نزدیک سقف (۸۰٪ یا بیشتر)"]
    assert list(frame["مصرف سهمیه"][:2]) == ["۱۲۵٪", "۸۰٪"]
    styles = str(at.dataframe[0].proto.arrow_data.styler)
    assert "#f8c7c3" in styles and "#fff3c4" in styles
    at.radio(key="monitoring_order").set_value("name").run()
    assert list(table(at)["شهرستان"]) == sorted(table(at)["شهرستان"])


def test_a_national_manager_narrows_to_a_province_then_a_county(world, app_db):
    _introduce(app_db, world["kashan"], 1)
    at = open_page(world["national"])
    frame = table(at)
    assert "استان" in frame.columns and {"تهران", "اصفهان"} <= set(frame["استان"])
    at.selectbox(key="monitoring_pick_national").set_value(world["isfahan"].id).run()
    assert not at.exception, at.exception
    frame = table(at)
    assert "کاشان" in set(frame["شهرستان"]) and "تهران" not in set(frame["شهرستان"])
    assert "استان اصفهان" in at.markdown[0].value
    at.selectbox(key="monitoring_pick_province").set_value(world["kashan"].id).run()
    assert not at.exception, at.exception
    cases = table(at)
    assert list(cases["متقاضی"]) == ["زهرا نمونه0"]
    at.button(key="monitoring_back_county").click().run()
    assert "کاشان" in set(table(at)["شهرستان"])


def test_the_screen_is_in_the_navigation_of_managers_only(users, world):
    from ui.nav import pages_for

    assert "pages/monitoring.py" in {p.path for p in pages_for(world["manager"])}
    assert "pages/monitoring.py" not in {p.path for p in pages_for(users["county_expert"])}


def test_the_budget_request_screen_shows_the_figures_and_assumptions(world, app_db):
    from db.models import Applicant, Application
    from lib.jalali import to_gregorian

    with new_session(app_db) as session:
        b = session.exec(select(Program).where(Program.code == "B")).one()
        county = world["tehran"]
        applicant = Applicant(national_code="5000000001", first_name="زهرا", last_name="امینی", county_id=county.id)
        session.add(applicant)
        session.flush()
        session.add(Application(tracking_code="BREQ0001", applicant_id=applicant.id, program_id=b.id, county_id=county.id,
                                province_id=county.province_id, channel="in_person", state="active",
                                applied_on=to_gregorian(1403, 1, 1), contract_rate_bp=1800, share_percent=100,
                                start_year=1403, start_month=1))
        session.commit()
    at = app_as(world["manager"]).run()
    at.switch_page("pages/budget_request.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="request_year").set_value(1404)
    at.text_input(key="request_rise").input("۴۵")
    at.button[0].click().run()
    assert not at.exception, at.exception
    total = 6 * 19_327_200 + 5 * 18_703_742 + 18_080_284  # all of 1404 at 3,463,656 rials a day
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["جمع برآورد"] == f"{total:,} ریال".translate(str.maketrans("0123456789,", "۰۱۲۳۴۵۶۷۸۹٬"))
    assert metrics["دستمزد روزانه مبنا"] == "۳٬۴۶۳٬۶۵۶ ریال"
    assert any("۴۵٪" in m.value for m in at.markdown)
    assert "تهران" in set(at.dataframe[1].value["شهرستان"])
    at.text_input(key="request_rise").input("چهل")
    at.button[0].click().run()
    assert at.error and "درصد افزایش" in at.error[0].value


def test_the_budget_request_opens_with_its_wage_rise_in_persian_digits(world):
    at = app_as(world["manager"]).run()
    at.switch_page("pages/budget_request.py").run()
    assert not at.exception, at.exception
    assert at.text_input(key="request_rise").value == "۴۵"  # as every figure around it, not «45»
    assert any("۴۵٪" in m.value for m in at.markdown)  # and the estimate shown is that of a 45 % rise


def _axes(spec):
    """Every x/y encoding of a Vega-Lite spec, through its layers."""
    if isinstance(spec, dict):
        for channel in ("x", "y"):
            if isinstance(spec.get("encoding", {}).get(channel), dict):
                yield spec["encoding"][channel]
        for value in spec.values():
            yield from _axes(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _axes(value)


def test_charts_name_their_axes_in_persian_and_draw_persian_digits(world, app_db):
    import json
    import re

    from db.models import Budget

    _introduce(app_db, world["tehran"], 8)
    with new_session(app_db) as session:
        b = session.exec(select(Program).where(Program.code == "B")).one()
        session.add(Budget(program_id=b.id, province_id=world["tehran"].province_id, jalali_year=YEAR,
                           source="government", amount_rial=50_000_000))
        session.commit()
    at = open_page(world["manager"])
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(charts) == 2  # use per area; the year month by month
    for spec in charts:
        for axis in _axes(spec):
            # a layer without its own title would add its column name to the shared axis' title
            assert "title" in axis and not re.search(r"[A-Za-z0-9]", axis["title"] or ""), axis
            if axis.get("type") == "quantitative":
                assert "۰" in axis["axis"]["labelExpr"], axis


def test_an_unconfirmed_wage_is_flagged_on_the_screen_and_in_the_exports(world, app_db):
    from db.models import MinimumWage

    with new_session(app_db) as session:
        wage = session.get(MinimumWage, YEAR) or MinimumWage(jalali_year=YEAR, daily_wage_rial=3_463_656)
        wage.confirmed = False
        session.add(wage)
        session.commit()
    at = open_page(world["national"])
    assert any("هنوز قطعی نشده" in w.value and "قطعی‌نشده" in w.value for w in at.warning)
    assert "تعهدشده (ریال، با دستمزد قطعی‌نشده)" in table(at).columns
