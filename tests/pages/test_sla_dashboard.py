"""The SLA dashboard page: a manager sees each chart with its table (under it, the page's width) in Persian
digits, the cases past their target listed; a provincial manager sees her province only; county staff have
no such page."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pyarrow as pa
from sqlmodel import select

from db.engine import new_session
from db.models import County, Province
from services.base import SYSTEM
from services.service_agreement import set_stage_target
from services.users import actor_for, create_user
from tests.pages.conftest import PASSWORD, app_as
from tests.services.test_sla_dashboard import make_case

PAGE = "pages/sla_dashboard.py"


def _place(session, province: str, county: str) -> County:
    return session.exec(select(County).join(Province, Province.id == County.province_id)
                        .where(Province.name == province, County.name == county)).one()


def _seed(engine, admin) -> dict:
    now = datetime.now(timezone.utc)
    with new_session(engine) as session:
        tehran, kashan = _place(session, "تهران", "تهران"), _place(session, "اصفهان", "کاشان")
        set_stage_target(session, admin, program="B", stage="introduced", target_days=3, visits=0)
        late = make_case(session, tehran.id, tehran.province_id, "B",
                         [("received", now - timedelta(days=20)), ("county_decision", now - timedelta(days=12))])
        for took in (2, 4):
            make_case(session, tehran.id, tehran.province_id, "B",
                      [("received", now - timedelta(days=30)), ("county_decision", now - timedelta(days=30 - took))])
        make_case(session, kashan.id, kashan.province_id, "B",
                  [("received", now - timedelta(days=30)), ("county_decision", now - timedelta(days=10))])
        session.commit()
        manager = create_user(session, SYSTEM, username="tehran.manager", full_name="مدیر کل تهران", password=PASSWORD,
                              role="manager", province_id=tehran.province_id)
        return {"late": late.tracking_code, "manager": actor_for(manager)}


def _table_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_a_manager_sees_charts_with_tables_and_the_overdue_cases(app_db, users):
    seeded = _seed(app_db, users["admin"])
    at = app_as(users["manager"]).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    at.selectbox(key="sla_program").select("B").run()
    assert not at.exception
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(charts) == 4  # waiting, time per stage, per county, trend: each above its table
    # every table at the page's width, none squeezed into a column beside its chart (five or six columns
    # scrolled sideways there at 1440×900)
    assert len(at.dataframe) == 5 and at.columns and not any(col.get("arrow_data_frame") for col in at.columns)
    for spec in charts:
        for layer in spec.get("layer", [spec]):
            for axis in (layer["encoding"].get(channel) for channel in ("x", "y")):
                if axis is None:
                    continue
                assert not re.search(r"[A-Za-z]", str(axis.get("title") or "")), axis  # Persian or none
                if axis.get("type") == "quantitative" and "axis" in axis:
                    assert "۰" in axis["axis"]["labelExpr"], axis
    waiting = _table_with(at, "در انتظار")
    row = waiting[waiting["مرحله"] == "معرفی به شعبه تأمین اجتماعی"].iloc[0]
    assert (row["در انتظار"], row["گذشته از مهلت"], row["مهلت (روز)"]) == ("۴", "۴", "۳")
    stages = _table_with(at, "میانگین (روز)")
    decided = stages[stages["مرحله"] == "تصمیم کمیته شهرستان"].iloc[0]
    assert decided["تعداد"] == "۴" and decided["صدک ۹۰ (روز)"] == "۲۰٫۰"  # 2, 4, 8, 20 days: the 4th
    overdue = _table_with(at, "روز گذشته")
    assert seeded["late"] in set(overdue["کد رهگیری"]) and set(overdue["مهلت (روز)"]) == {"۳"}


def test_a_provincial_manager_sees_her_province_only(app_db, users):
    seeded = _seed(app_db, users["admin"])
    at = app_as(seeded["manager"]).run()
    at.switch_page(PAGE).run()
    at.selectbox(key="sla_program").select("B").run()
    assert not at.exception
    assert any("استان تهران" in m.value for m in at.markdown)
    waiting = _table_with(at, "در انتظار")
    assert waiting[waiting["مرحله"] == "معرفی به شعبه تأمین اجتماعی"].iloc[0]["در انتظار"] == "۳"
    at.selectbox(key="sla_stage").select("county_decision").run()
    assert set(_table_with(at, "شهرستان")["شهرستان"]) == {"تهران"}


def test_a_bad_period_is_refused_in_persian(app_db, users):
    at = app_as(users["manager"]).run()
    at.switch_page(PAGE).run()
    at.text_input(key="sla_since").input("۱۴۰۵/۰۱/۰۱").run()
    at.text_input(key="sla_until").input("۱۴۰۴/۰۱/۰۱").run()
    assert not at.exception
    assert any("پس از پایان" in e.value for e in at.error)


def test_the_dashboard_is_in_the_menu_of_managers_not_of_county_staff(users):
    from ui.nav import pages_for

    assert PAGE in [p.path for p in pages_for(users["manager"])]
    assert PAGE not in [p.path for p in pages_for(users["county_expert"])]


def test_the_county_chart_draws_the_slowest_counties_and_the_table_has_them_all(app_db, users):
    """A national manager's country has ~430 counties: the chart keeps the 30 slowest (a readable height on a
    projector), the table under it every county, and a caption says so."""
    from ui.sla_charts import CHART_COUNTIES

    now = datetime.now(timezone.utc)
    with new_session(app_db) as session:
        counties = session.exec(select(County).order_by(County.id).limit(CHART_COUNTIES + 2)).all()
        for took, county in enumerate(counties, start=1):  # the last county the slowest
            make_case(session, county.id, county.province_id, "B",
                      [("received", now - timedelta(days=60)), ("county_decision", now - timedelta(days=60 - took))])
        session.commit()
        slowest = {c.name for c in counties[-CHART_COUNTIES:]}
    at = app_as(users["manager"]).run()
    at.switch_page(PAGE).run()
    at.selectbox(key="sla_program").select("B").run()
    at.selectbox(key="sla_stage").select("county_decision").run()
    assert not at.exception
    chart = next(c for c in at.get("vega_lite_chart")
                 if json.loads(c.proto.spec)["encoding"].get("y", {}).get("field") == "شهرستان")
    drawn = pa.ipc.open_stream(chart.proto.data.data).read_all().to_pylist()  # the rows Streamlit sends the browser
    assert len(drawn) == CHART_COUNTIES and {row["شهرستان"] for row in drawn} <= slowest | {None}
    assert drawn[0]["روز"] == CHART_COUNTIES + 2  # slowest first
    assert len(_table_with(at, "شهرستان")) == CHART_COUNTIES + 2
    assert any("۳۰ شهرستانِ کندتر" in c.value and "۳۲" in c.value for c in at.caption)
