"""Next year's budget request (برآورد اعتبار سال آینده): the cost of today's beneficiaries and of the
waiting list under an assumed wage, per county and funding source; PDF and Excel with the assumptions."""
import pandas as pd
import streamlit as st

from lib.jalali import current_year_month
from services.forecast import SOURCE_LABELS, budget_request_pdf, budget_request_shown, budget_request_xlsx
from ui.context import require_actor
from ui.fmt import format_number, to_persian_digits
from ui.versioned import current_version, versioned

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

actor = require_actor()
st.title("برآورد اعتبار سال آینده", anchor=False)
now = current_year_month()
with st.form("budget_request_form"):
    c1, c2, c3 = st.columns(3)
    years = list(range(now.year - 3, now.year + 3))
    year = c1.selectbox("سال برآورد", years, index=years.index(now.year + 1), format_func=to_persian_digits,
                        key="request_year")
    basis = c2.radio("مبنای دستمزد", ["rise", "wage"], key="request_basis", horizontal=True,
                     format_func=lambda b: "درصد افزایش" if b == "rise" else "دستمزد اعلام‌شده")
    rise = c3.text_input("درصد افزایش حداقل دستمزد", value=to_persian_digits(45), key="request_rise")
    wage_text = c3.text_input("حداقل دستمزد روزانه اعلام‌شده (ریال)", key="request_wage")
    st.form_submit_button("محاسبه برآورد", type="primary")

wage = None
if basis == "wage":
    from lib.text import to_latin_digits

    digits = to_latin_digits(wage_text or "").replace(",", "").replace("٬", "").strip()
    if not digits.isdigit() or int(digits) <= 0:
        st.error("حداقل دستمزد روزانه اعلام‌شده را به ریال و با عدد صحیح وارد کنید، مثلاً ۵۵۴۱۸۵۰.", icon="⚠️")
        st.stop()
    wage = int(digits)
# Read and formatted once per data version (and inputs): a rerun with nothing written answers from the cache.
shown = versioned(budget_request_shown, current_version(), jalali_year=year, wage_rise_percent=None if wage else rise,
                  daily_wage=wage)
if shown is None:
    st.stop()
request, headers, rows = shown

st.markdown(f"#### {request.area} — سال {to_persian_digits(year)}")
if not request.wage_confirmed:
    st.warning(f"حداقل دستمزد سال {to_persian_digits(request.base_year)} هنوز قطعی نشده است؛ این برآورد بر دستمزد "
               "«قطعی‌نشده» استوار است (در فرض‌ها، PDF و اکسل هم آمده است).")
m1, m2, m3 = st.columns(3)
m1.metric("جمع برآورد", f"{format_number(request.total_rial)} ریال")
m2.metric("دستمزد روزانه مبنا", f"{format_number(request.daily_wage)} ریال")
m3.metric("بیمه‌شدگان / در انتظار", f"{format_number(int(request.rows['people'].sum()) if len(request.rows) else 0)} / "
          f"{format_number(int(request.rows['waiting'].sum()) if len(request.rows) else 0)}")
with st.expander("فرض‌های برآورد", expanded=True):
    for line in request.assumptions():
        st.markdown(f"- {line}")

left, right = st.columns([1, 2])
with left:
    st.markdown("##### به تفکیک منبع اعتبار")
    sources = pd.DataFrame({"منبع": [SOURCE_LABELS.get(s, s) for s in request.by_source],
                            "مبلغ (ریال)": [format_number(v) for v in request.by_source.values()]})
    st.dataframe(sources, hide_index=True, width="stretch", column_order=list(sources.columns)[::-1])
with right:
    st.markdown("##### به تفکیک شهرستان و برنامه")
    table = pd.DataFrame(rows, columns=headers)
    st.dataframe(table, hide_index=True, width="stretch", column_order=headers[::-1])

d1, d2 = st.columns(2)
d1.download_button("دریافت PDF برآورد", data=lambda: budget_request_pdf(request), file_name=f"bimeyar-budget-request-{year}.pdf",
                   mime="application/pdf", key="request_pdf")
d2.download_button("دریافت اکسل برآورد", data=lambda: budget_request_xlsx(request),
                   file_name=f"bimeyar-budget-request-{year}.xlsx", mime=XLSX, key="request_xlsx")
