"""Printable PDFs in Persian: Form 1, Form 2 (minutes) and the introduction letter.

Content is checked on the text pypdf extracts in layout mode, which gives each line in visual
order (left to right, as drawn). :func:`pdf_pages` turns it back into reading order, so a test
phrase is compared as written in the code; a wrongly shaped or wrongly ordered line would not
match, and the negative checks make sure the helper does not accept just anything. The PDF and
a rendering of page 1 (pdftoppm, when installed) are kept in test-artifacts/ to look at.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from db.models import CommitteeSession, Decision, SessionMember
from lib.errors import Forbidden, InvalidInput
from lib.permissions import Role
from lib.text import strip_bidi_controls, to_persian_digits
from services import applications as apps
from services import printing
from services.applications import HouseholdData
from services.introductions import introduce
from services.quotas import set_quota
from tests.services.test_introductions import BRANCH_NAME, ON, YEAR, b_case, branch  # noqa: F401

NATIONAL_CODE = "0499370899"
# Left-to-right runs inside a Persian line: Latin words and codes, numbers with their separators.
_LTR_RUN = re.compile(r"[0-9A-Za-z۰-۹][0-9A-Za-z۰-۹/\-٬._]*[0-9A-Za-z۰-۹]|[0-9A-Za-z۰-۹]")


_LAM_ALEF = re.compile("ل([اأإآ])")


def _clean(text: str) -> str:
    """Letters folded (NFKC: presentation forms → letters), no direction marks, no ZWNJ, single
    spaces, and lam-alef written alef-lam: the shaped lam-alef ligature is one glyph whose text
    is «لا», so reading a line backwards turns it into «ال»; both sides are folded alike."""
    text = unicodedata.normalize("NFKC", strip_bidi_controls(text)).replace("\u200c", "")
    return _LAM_ALEF.sub(r"\1ل", re.sub(r"\s+", " ", text).strip())


def _logical(visual_line: str) -> str:
    """A right-to-left line from visual order (as pypdf's layout mode gives it) to reading order:
    reverse the line, then turn each left-to-right run (codes, numbers) back. Reversing comes
    before NFKC so that a lam-alef ligature unfolds in the right order."""
    line = _clean(strip_bidi_controls(visual_line)[::-1])
    return _LTR_RUN.sub(lambda m: m.group(0)[::-1], line)


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text in reading order, lines joined by spaces."""
    assert data.startswith(b"%PDF-")
    return [
        " ".join(_logical(line) for line in page.extract_text(extraction_mode="layout").splitlines() if line.strip())
        for page in PdfReader(io.BytesIO(data)).pages
    ]


def has(text: str, phrase: str) -> bool:
    """Whether a page text from :func:`pdf_pages` holds ``phrase`` (as written in the code)."""
    return _clean(phrase) in text


def fa(value: object) -> str:
    return to_persian_digits(str(value))


def check_rendering(data: bytes, name: str, artifacts_dir: Path) -> None:
    """Keep the PDF and page 1 as PNG in test-artifacts/ for a person to look at; poppler must
    read the file and draw real ink (the PNG check is skipped without poppler's pdftoppm)."""
    pdf = artifacts_dir / f"{name}.pdf"
    pdf.write_bytes(data)
    if shutil.which("pdftoppm") is None:
        return
    png = artifacts_dir / f"{name}.png"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png.with_suffix(""))],
        check=True,
    )
    assert png.stat().st_size > 10_000


@pytest.fixture
def full_case(session, secretary, intake):
    """A programme-A case with every Form 1 field filled."""
    return apps.submit_application(
        session,
        secretary,
        intake(
            "A",
            national_code=NATIONAL_CODE,
            first_name="ژیلا",
            last_name="کرمانشاهی",
            father_name="بهرام",
            birth_certificate_no="۴۵۶۷",
            landline="02155667788",
            home_address="تهران، خیابان آزادی، کوچه یاس، پلاک ۱۲",
            work_address="تهران، بازار بزرگ، سرای نو",
            job_field="قالی‌بافی",
            licence_no="۹۸۷۶",
            licence_date=date(2024, 3, 1),
        ),
    )


# --------------------------------------------------------------------------- the helper itself
def test_the_text_helper_reads_visual_order_and_refuses_what_is_not_there():
    written = "سلام، کد ملی \u2066۰۴۹۹۳۷۰۸۹۹\u2069 و کد رهگیری \u2066B036697593\u2069 تاریخ ۱۴۰۳/۰۴/۱۱"
    visual = "۱۴۰۳/۰۴/۱۱ خیرات B036697593 یریگهر دک و ۰۴۹۹۳۷۰۸۹۹ یلم دک ،م\ufefbس"  # as drawn, left to right
    text = _logical(visual)
    assert has(text, written)
    assert not has(text, "کد ملی ۰۴۹۹۳۷۰۸۹۸")
    assert not has(text, "تاریخ ۱۴۰۳/۰۴/۱۲")
    assert not has(text, "کد رهگیری B036697594")


# --------------------------------------------------------------------------- Form 1
def test_form1_is_filled_in_with_the_applicants_details(session, secretary, full_case, artifacts_dir):
    data = printing.form1_pdf(session, secretary, full_case.id)
    check_rendering(data, "form1", artifacts_dir)
    pages = pdf_pages(data)
    text = " ".join(pages)
    for phrase in (
        "فرم شماره ۱",
        "درخواست دریافت سهم بیمه خویش‌فرما",
        "اداره کل بهزیستی استان تهران",
        "اداره بهزیستی شهرستان تهران",
        "ژیلا کرمانشاهی",
        "فرزند بهرام",
        f"شماره شناسنامه {fa(4567)}",
        f"کد ملی {fa(NATIONAL_CODE)}",
        "حوزه توانبخشی",
        "رشته قالی‌بافی",
        "خیابان آزادی، کوچه یاس",
        "بازار بزرگ، سرای نو",
        fa("02155667788"),
        fa("09121234567"),
        "امضاء، مهر یا اثر انگشت متقاضی",
        "۱۴۰۳/۰۳/۱۲",  # applied on 2024-06-01
    ):
        assert has(text, phrase), phrase
    assert full_case.tracking_code in text
    assert has(pages[-1], f"صفحه {fa(len(pages))} از {fa(len(pages))}")
    assert not has(text, "ژیلا احمدی")


@pytest.mark.parametrize(("gender", "title", "other"), [("male", "آقای", "خانم"), ("female", "خانم", "آقای")])
def test_form1_addresses_the_applicant_by_their_recorded_sex(session, secretary, intake, gender, title, other):
    case = apps.submit_application(session, secretary, intake("A", gender=gender, first_name="رضا", last_name="کاظمی"))
    text = " ".join(pdf_pages(printing.form1_pdf(session, secretary, case.id)))
    assert has(text, f"از: {title} رضا کاظمی")
    assert not has(text, f"{other} رضا کاظمی")


def test_programme_b_request_names_the_relief_committee(session, secretary, intake):
    case = apps.submit_application(session, secretary, intake("B", first_name="نرگس", last_name="رضایی"))
    text = " ".join(pdf_pages(printing.form1_pdf(session, secretary, case.id)))
    assert has(text, "کمیته امداد شهرستان تهران") and has(text, "نرگس رضایی")
    assert has(text, f"کد خدمت {fa(19042711100)}")


# --------------------------------------------------------------------------- Form 2
OTHER_NAMES = (
    "اکبری", "بهرامی", "پارسا", "تهرانی", "ثابتی", "جعفری", "حیدری",
    "خسروی", "دهقان", "ذاکری", "رستمی", "زمانی", "سلطانی", "شریفی",
)
@pytest.fixture
def minutes(session, secretary, intake, full_case, areas):
    """A county session with four members present and decisions on many cases."""
    meeting = CommitteeSession(
        level="county", program_id=full_case.program_id, province_id=areas.province,
        county_id=areas.county, held_on=date(2024, 7, 10), number="۱۴۰۳/۷",
    )
    session.add(meeting)
    session.flush()
    for role, name in (
        ("head", "حسن مرادی"),
        ("employment_expert", "لیلا صدری"),
        ("rehabilitation_expert", "سارا نیک‌نام"),
        ("social_expert", "رضا توکلی"),
    ):
        session.add(SessionMember(session_id=meeting.id, role=role, full_name=name))
    session.add(Decision(
        session_id=meeting.id, application_id=full_case.id, level="county", outcome="approve",
        reason="اشتغال پایدار در قالی‌بافی", months_granted=24, share_percent=80, contract_rate_bp=1400,
        decided_by=secretary.id,
    ))
    others = []
    for i in range(len(OTHER_NAMES)):  # enough cases for a second page
        case = apps.submit_application(
            session, secretary,
            intake("A", first_name="متقاضی", last_name=OTHER_NAMES[i], household=HouseholdData(marital_status="single")),
        )
        others.append(case)
        session.add(Decision(
            session_id=meeting.id, application_id=case.id, level="county",
            outcome="reject" if i % 2 else "defer", reason="مدارک ناقص است", decided_by=secretary.id,
        ))
    session.commit()
    return meeting, others


def test_minutes_follow_form2_with_every_decision_and_signature(session, secretary, minutes, full_case, artifacts_dir):
    meeting, others = minutes
    data = printing.minutes_pdf(session, secretary, meeting.id)
    check_rendering(data, "minutes", artifacts_dir)
    pages = pdf_pages(data)
    text = " ".join(pages)
    assert len(pages) >= 2
    for phrase in (
        "فرم شماره ۲",
        "نظریه کمیته اشتغال و کارآفرینی شهرستان تهران",
        "در مورخ ۱۴۰۳/۰۴/۲۰",
        "حسن مرادی",
        "لیلا صدری",
        "ژیلا کرمانشاهی",
        f"کد ملی {fa(NATIONAL_CODE)}",
        f"با مجوز فعالیت به شماره {fa(9876)} مورخ ۱۴۰۲/۱۲/۱۱",
        "نظر کمیته: تأیید",
        f"مدت {fa(24)} ماه",
        f"سهم پرداختی {fa(80)}٪",
        "نرخ حق بیمه ۱۴٪ (بازنشستگی و فوت)",
        "دلیل: اشتغال پایدار در قالی‌بافی",
        "نظر کمیته: رد",
        "نظر کمیته: تعویق؛",
        "نام و نام خانوادگی اعضای کمیته",
        "رئیس اداره بهزیستی شهرستان",
        "کارشناس امور پیشگیری",
        "غایب",  # the prevention expert was not there
    ):
        assert has(text, phrase), phrase
    assert full_case.tracking_code in text
    assert all(case.tracking_code in text for case in others)
    for number, page in enumerate(pages, start=1):
        assert has(page, f"صفحه {fa(number)} از {fa(len(pages))}"), (number, page[-80:])


def test_minutes_of_another_county_are_not_printed(session, sibling_county_expert, minutes):
    with pytest.raises(Forbidden):
        printing.minutes_pdf(session, sibling_county_expert, minutes[0].id)
    with pytest.raises(InvalidInput):
        printing.minutes_pdf(session, sibling_county_expert, 999_999)


# --------------------------------------------------------------------------- introduction letter
def test_introduction_letter_names_her_the_sla_and_the_18_percent(
    branch, session, secretary, province_committee, b_case, areas, artifacts_dir
):
    set_quota(session, province_committee, areas.county, YEAR, 2)
    case = b_case(national_code=NATIONAL_CODE, first_name="فاطمه", last_name="زارعی", father_name="محمود")
    made = introduce(session, secretary, case.id, branch, ON)
    data = printing.introduction_letter_pdf(session, secretary, made.id)
    check_rendering(data, "introduction-letter", artifacts_dir)
    text = " ".join(pdf_pages(data))
    for phrase in (
        "بسمه تعالی",
        "کمیته امداد امام خمینی (ره)",
        f"شماره: {fa(made.letter_no)}",
        "تاریخ: ۱۴۰۳/۰۴/۱۱",
        f"ریاست محترم {BRANCH_NAME} سازمان تأمین اجتماعی",
        "خانم فاطمه زارعی فرزند محمود",
        f"کد ملی {fa(NATIONAL_CODE)}",
        f"به شماره خدمت {fa(19042711100)}",
        f"سهمیه سال {fa(YEAR)} شهرستان تهران",
        "نرخ ۱۸٪ حداقل دستمزد",
        "۸٪ سهم کمیته امداد",
        "۱۰٪ سهم دولت",
        "حق بیمه تیر ۱۴۰۳ (۳۱ روز): ۱۳٬۳۲۹٬۱۰۲ ریال",  # SSO's 18 % figure
        "صفحه ۱ از ۱",
    ):
        assert has(text, phrase), phrase
    assert case.tracking_code in text


def test_introduction_letter_says_when_the_wage_is_not_confirmed(
    branch, session, secretary, province_committee, b_case, areas
):
    from services.base import SYSTEM
    from services.wages import set_wage, wage_of

    set_quota(session, province_committee, areas.county, YEAR, 2)
    made = introduce(session, secretary, b_case().id, branch, ON)
    wage = wage_of(session, YEAR)
    set_wage(session, SYSTEM, jalali_year=YEAR, daily_wage_rial=wage.daily_wage_rial, confirmed=False)
    text = " ".join(pdf_pages(printing.introduction_letter_pdf(session, secretary, made.id)))
    assert has(text, "حداقل دستمزد قطعی‌نشده")
    set_wage(session, SYSTEM, jalali_year=YEAR, daily_wage_rial=wage.daily_wage_rial, confirmed=True)
    text = " ".join(pdf_pages(printing.introduction_letter_pdf(session, secretary, made.id)))
    assert not has(text, "قطعی‌نشده")


def test_letters_and_forms_stay_in_their_county(branch, session, secretary, province_committee, b_case, areas, make_actor, counts):
    set_quota(session, province_committee, areas.county, YEAR, 1)
    case = b_case()
    made = introduce(session, secretary, case.id, branch, ON)
    neighbour = make_actor(Role.county_expert, province_id=areas.province, county_id=areas.sibling_county)
    before = counts()
    with pytest.raises(Forbidden):
        printing.introduction_letter_pdf(session, neighbour, made.id)
    with pytest.raises(Forbidden):
        printing.form1_pdf(session, neighbour, case.id)
    assert counts() == before
    assert printing.introduction_letter_pdf(session, province_committee, made.id).startswith(b"%PDF-")


# --------------------------------------------------------------------------- fonts
def test_font_falls_back_to_a_system_arabic_font_and_says_what_is_missing(tmp_path):
    missing = (tmp_path / "Vazirmatn-Regular.ttf", tmp_path / "Vazirmatn-Bold.ttf")
    regular = tmp_path / "Fallback-Regular.ttf"
    regular.write_bytes(b"ttf")
    assert printing.persian_font([missing, (regular, tmp_path / "none.ttf")]) == (regular, regular)
    with pytest.raises(printing.FontMissing, match="fetch_font.sh"):
        printing.persian_font([missing])
