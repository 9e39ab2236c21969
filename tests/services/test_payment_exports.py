"""The payment list (Excel, fixed layout, formula-safe) and the summary PDF, only from approved or
finalised runs, with the checksum of the list in both."""
from __future__ import annotations

import io
import re
import unicodedata
import warnings

import pytest
from openpyxl import load_workbook

from lib.errors import Forbidden, InvalidInput
from lib.text import strip_bidi_controls
from services.payments.exports import LIST_HEADERS, list_checksum, payment_list, summary_pdf
from tests.services.paid_runs import make_run


# Reading Persian back out of a PDF (as tests/services/test_printing.py does): pypdf gives each line
# in visual order; reverse it and turn the left-to-right runs (numbers, codes) back.
_LTR_RUN = re.compile(r"[0-9A-Za-z۰-۹][0-9A-Za-z۰-۹/\-٬._]*[0-9A-Za-z۰-۹]|[0-9A-Za-z۰-۹]")
_LAM_ALEF = re.compile("ل([اأإآ])")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", strip_bidi_controls(text)).replace("\u200c", "")
    return _LAM_ALEF.sub(r"\1ل", re.sub(r"\s+", " ", text).strip())


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    def logical(line: str) -> str:
        return _LTR_RUN.sub(lambda m: m.group(0)[::-1], _clean(strip_bidi_controls(line)[::-1]))

    return [" ".join(logical(line) for line in page.extract_text(extraction_mode="layout").splitlines() if line.strip())
            for page in PdfReader(io.BytesIO(data)).pages]


def has(text: str, phrase: str) -> bool:
    return _clean(phrase) in text


def sheets(content: bytes):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        book = load_workbook(io.BytesIO(content))
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def test_the_list_has_the_fixed_layout_and_one_row_per_line(session, province_committee, areas):
    run, lines = make_run(session, program="B", province_id=areas.province, county_id=areas.county,
                          amounts=[18_000, 9_000], status="approved", names=[("زهرا", "کریمی"), ("سارا", "نوری")])
    exported = payment_list(session, province_committee, run.id)
    book = sheets(exported.content)
    rows = book["فهرست پرداخت"]
    assert rows[0] == LIST_HEADERS
    assert len(rows) == 3 and exported.lines == 2 and exported.total_rial == 27_000
    first = dict(zip(LIST_HEADERS, rows[1]))
    assert first["شماره نوبت"] == run.id and first["شناسه ردیف"] == lines[0].id
    assert first["نام"] == "زهرا" and first["نام خانوادگی"] == "کریمی" and first["شهرستان"] == "تهران"
    assert (first["سال"], first["ماه"], first["روزها"], first["نرخ حق بیمه (٪)"]) == (1404, 1, 31, 18)
    assert (first["مبلغ پرداختی (ریال)"], first["سهم دستگاه (ریال)"], first["سهم دولت (ریال)"]) == (18_000, 8_000, 10_000)
    assert first["نتیجه تأمین اجتماعی"] is None  # SSO's columns are left for SSO
    assert len(first["کد ملی"]) == 10 and isinstance(first["کد ملی"], str)  # leading zeros kept
    summary = dict(book["خلاصه"][1:])
    assert summary["چکیده SHA-256 فهرست"] == exported.checksum
    assert summary["جمع پرداخت"] == "۲۷٬۰۰۰ ریال"


def test_a_name_that_looks_like_a_formula_is_exported_as_text(session, province_committee, areas):
    run, _ = make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[100],
                      status="finalized", names=[("=HYPERLINK(\"http://x\")", "-2+3")])
    row = dict(zip(LIST_HEADERS, sheets(payment_list(session, province_committee, run.id).content)["فهرست پرداخت"][1]))
    assert row["نام"] == "'=HYPERLINK(\"http://x\")" and row["نام خانوادگی"] == "'-2+3"


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_a_draft_or_cancelled_run_is_not_exported(session, province_committee, areas, status):
    run, _ = make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[100], status=status)
    for export in (payment_list, summary_pdf):
        with pytest.raises(InvalidInput) as err:
            export(session, province_committee, run.id)
        assert "تأییدشده یا قطعی‌شده" in err.value.message


def test_another_province_may_not_export(session, other_province_committee, areas):
    run, _ = make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[100])
    with pytest.raises(Forbidden):
        payment_list(session, other_province_committee, run.id)


def test_the_checksum_is_of_the_lines_and_stable(session, province_committee, areas):
    run, _ = make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[100, 200])
    a, b = payment_list(session, province_committee, run.id), payment_list(session, province_committee, run.id)
    assert a.checksum == b.checksum and a.content == b.content and len(a.checksum) == 64
    other, _ = make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[100, 201], month=2)
    assert payment_list(session, province_committee, other.id).checksum != a.checksum
    assert list_checksum([]) != list_checksum([(1,)])


def test_the_summary_pdf_names_totals_per_county_sources_approvers_and_checksum(session, province_committee, province_manager, areas):
    run, _ = make_run(session, program="B", province_id=areas.province, county_id=areas.county, amounts=[18_000],
                      status="approved", created_by=province_committee.id, approved_by=province_manager.id)
    make_run(session, program="B", province_id=areas.province, county_id=areas.sibling_county, amounts=[9_000],
             status="approved")
    pdf = summary_pdf(session, province_committee, run.id)
    text = " ".join(pdf_pages(pdf))
    checksum = payment_list(session, province_committee, run.id).checksum
    assert checksum[:32] in text and checksum[32:] in text
    for phrase in ("تهیه‌کننده", "تأییدکننده", province_manager.full_name, "تهران", "سهم دولت"):
        assert has(text, phrase), phrase
    for amount in ("۱۸٬۰۰۰", "۸٬۰۰۰", "۱۰٬۰۰۰"):
        assert amount in text, amount
    assert "۹٬۰۰۰" not in text  # the other run's line is not in this run's totals
