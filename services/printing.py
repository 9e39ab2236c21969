"""Printable documents in Persian: Form 1 (the request), Form 2 (the county committee's
minutes) and the introduction letter to an SSO branch (programme B).

Each function takes (session, actor, id), checks the actor's area like any read, and returns
the PDF as bytes. The documents are described block by block (:class:`PersianDocument`) and
typeset by Typst (:mod:`services.pdf_document`): shaped Persian letters, each paragraph laid out
right to left with codes and numbers (wrapped in left-to-right isolates) in their own order.
Digits are Persian, dates Jalali, every page is numbered «صفحه n از m».

The font is Vazirmatn (static/fonts, fetched at set-up by scripts/fetch_font.sh); without it
an Arabic-script system font is used (Noto Naskh/Sans Arabic, DejaVu Sans), and with none of
them :class:`FontMissing` says what to install.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, select

from db.models import (
    Applicant,
    Application,
    CommitteeSession,
    County,
    Decision,
    Introduction,
    Program,
    Province,
    SessionMember,
    User,
)
from lib import catalog
from lib.errors import InvalidInput
from lib.jalali import current_year_month, format_jalali, format_year_month, jalali_year_of
from lib.permissions import Action, Area
from lib.text import format_percent_bp, format_rial, ltr, to_persian_digits
from lib.workflow import ProgramCode
from services.applications import get_application
from services.base import Actor
from services.committee import OUTCOME_LABELS
from services.introductions import branch_title, premium_split
from services.pdf_document import (  # noqa: F401 — the font helpers and render() are used from here too
    FONT_CANDIDATES,
    FontMissing,
    PersianDocument,
    persian_font,
    render,
)
from services.wages import wage_of

BLANK = "…………"

# Form headers: the agency of each programme and how its provincial and county offices are named.
OFFICES: dict[str, tuple[str, str]] = {
    ProgramCode.A: ("اداره کل بهزیستی استان", "اداره بهزیستی شهرستان"),
    ProgramCode.B: ("اداره کل کمیته امداد استان", "کمیته امداد شهرستان"),
}
# Form 2: the members who sign the county committee's opinion, in the seed's order; the
# provincial committee's minutes list its own members (seed 003).
FORM2_ROLES = ("head", "employment_expert", "rehabilitation_expert", "social_expert", "prevention_expert")
PROVINCE_ROLES = tuple(r for r in catalog.PROVINCE_COMMITTEE_ROLES if r != "guest")


def _fa(value: object) -> str:
    """A number or code in Persian digits, isolated left to right."""
    return ltr(to_persian_digits(str(value)))


def _or_blank(value: object) -> str:
    return str(value) if value not in (None, "") else BLANK


# --------------------------------------------------------------------------- shared reads
def _places(session: Session, county_id: int | None, province_id: int) -> tuple[str, str]:
    province = session.get(Province, province_id)
    county = session.get(County, county_id) if county_id is not None else None
    return province.name, county.name if county else ""


def _office_lines(program: Program, province: str, county: str) -> list[str]:
    province_office, county_office = OFFICES[ProgramCode(program.code)]
    lines = [program.agency, f"{province_office} {province}"]
    if county:
        lines.append(f"{county_office} {county}")
    return lines


def _full_name(applicant: Applicant) -> str:
    return f"{applicant.first_name} {applicant.last_name}"


def _title_of(applicant: Applicant) -> str:
    return "خانم" if applicant.gender == "female" else "آقای"


# --------------------------------------------------------------------------- Form 1
def form1_pdf(session: Session, actor: Actor, application_id: int) -> bytes:
    """Form 1 «درخواست دریافت سهم بیمه خویش‌فرما» (programme B: its own request), filled in."""
    application = get_application(session, actor, application_id)
    applicant = session.get(Applicant, application.applicant_id)
    program = session.get(Program, application.program_id)
    province, county = _places(session, application.county_id, application.province_id)
    _, county_office = OFFICES[ProgramCode(program.code)]
    covering = catalog.COVERING_DOMAINS.get(application.covering_domain, "")
    if program.code == ProgramCode.A:
        title = "درخواست دریافت سهم بیمه خویش‌فرما"
        wish = "متقاضی استفاده از اعتبارات بیمه خویش‌فرما می‌باشم"
    else:
        title = f"درخواست {program.name}"
        wish = f"متقاضی استفاده از خدمت «{program.name}» (کد خدمت {_fa(program.service_code)}) می‌باشم"
    phones = "، ".join(_fa(p) for p in (applicant.landline, applicant.mobile) if p) or BLANK
    body = (
        f"احتراماً اینجانب {_full_name(applicant)} فرزند {_or_blank(applicant.father_name)} "
        f"شماره شناسنامه {_fa(applicant.birth_certificate_no) if applicant.birth_certificate_no else BLANK} "
        f"کد ملی {_fa(applicant.national_code)} تحت پوشش {program.agency} حوزه {_or_blank(covering)} "
        f"شغل در رشته {_or_blank(application.job_field)} {wish}، خواهشمند است دستور فرمایید پس از "
        "بررسی اقدام لازم مبذول فرمایند."
    )

    def draw(doc: PersianDocument) -> None:
        doc.text_line("فرم شماره ۱", size=10, align="L")
        doc.letterhead(
            _office_lines(program, province, county),
            [("شماره", application.tracking_code), ("تاریخ", format_jalali(application.applied_on))],
        )
        doc.heading(f"« {title} »")
        doc.gap()
        doc.text_line(f"به: {county_office} {county}", bold=True)
        doc.text_line(f"از: {_title_of(applicant)} {_full_name(applicant)}", bold=True)
        doc.gap(2)
        doc.text_line("سلام علیکم")
        doc.text_line(body, height=9)
        doc.gap()
        doc.text_line(f"آدرس محل کار: {_or_blank(applicant.work_address)}")
        doc.text_line(f"آدرس محل سکونت: {_or_blank(applicant.home_address)}")
        doc.text_line(f"شماره تلفن ثابت و همراه: {phones}")
        doc.text_line(f"مسیر دریافت درخواست: {catalog.label(catalog.CHANNELS, application.channel)}")
        doc.gap(10)
        doc.text_line("امضاء، مهر یا اثر انگشت متقاضی", bold=True, align="L")
        doc.gap(14)
        doc.text_line(f"کد رهگیری پرونده: {ltr(application.tracking_code)}", size=9.5)

    return render(f"فرم شماره ۱ — {_full_name(applicant)}", draw)


# --------------------------------------------------------------------------- Form 2
def _decision_line(decision: Decision) -> str:
    parts = [f"نظر کمیته: {OUTCOME_LABELS.get(decision.outcome, decision.outcome)}"]
    if decision.months_granted:
        parts.append(f"مدت {to_persian_digits(decision.months_granted)} ماه")
    if decision.share_percent:
        parts.append(f"سهم پرداختی {to_persian_digits(decision.share_percent)}٪")
    if decision.contract_rate_bp:
        parts.append(f"نرخ حق بیمه {catalog.label(catalog.CONTRACT_RATES, decision.contract_rate_bp)}")
    if decision.reason:
        parts.append(f"دلیل: {decision.reason}")
    return "؛ ".join(parts)


def _members_rows(members: Sequence[SessionMember], level: str = "county") -> list[list[str]]:
    """The signature table: the committee's roles first (absent ones marked), then the rest."""
    roster = catalog.PROVINCE_COMMITTEE_ROLES if level == "province" else catalog.COMMITTEE_ROLES
    by_role: dict[str, list[str]] = {}
    for member in members:
        by_role.setdefault(member.role, []).append(member.full_name)
    codes = PROVINCE_ROLES if level == "province" else FORM2_ROLES
    rows = [["، ".join(by_role.pop(code, [])) or "غایب", roster[code], ""] for code in codes]
    for role, names in by_role.items():
        rows.extend([name, catalog.label(catalog.ALL_COMMITTEE_ROLES, role), ""] for name in names)
    return rows


def _cases_and_people(session: Session, application_ids: list[int]) -> dict[int, tuple[Application, Applicant]]:
    """Each case with its applicant, read in one query per 500 cases (not two queries a case)."""
    found: dict[int, tuple[Application, Applicant]] = {}
    for start in range(0, len(application_ids), 500):
        chunk = application_ids[start:start + 500]
        rows = session.exec(
            select(Application, Applicant)
            .join(Applicant, Applicant.id == Application.applicant_id)
            .where(Application.id.in_(chunk))
        ).all()
        found.update((application.id, (application, applicant)) for application, applicant in rows)
    return found


def minutes_pdf(session: Session, actor: Actor, committee_session_id: int) -> bytes:
    """Form 2 «نظریه کمیته اشتغال و کارآفرینی شهرستان» for a committee session: who was present,
    then per decided case its request, applicant, licence and numbered decisions; signatures."""
    meeting = session.get(CommitteeSession, committee_session_id)
    if meeting is None:
        raise InvalidInput("جلسه‌ای با این شماره پیدا نشد.")
    actor.require(Action.view_cases, Area(province_id=meeting.province_id, county_id=meeting.county_id))
    program = session.get(Program, meeting.program_id)
    province, county = _places(session, meeting.county_id, meeting.province_id)
    level = f"شهرستان {county}" if meeting.level == "county" else f"استان {province}"
    members = session.exec(
        select(SessionMember).where(SessionMember.session_id == meeting.id).order_by(SessionMember.id)
    ).all()
    decisions = session.exec(
        select(Decision).where(Decision.session_id == meeting.id).order_by(Decision.id)
    ).all()
    superseded = {d.supersedes_id for d in decisions if d.supersedes_id}
    cases: dict[int, list[Decision]] = {}
    for decision in decisions:
        if decision.id not in superseded:
            cases.setdefault(decision.application_id, []).append(decision)
    present = "، ".join(
        f"{m.full_name} ({catalog.label(catalog.ALL_COMMITTEE_ROLES, m.role)})" for m in members
    ) or BLANK
    people = _cases_and_people(session, list(cases))

    def draw(doc: PersianDocument) -> None:
        doc.text_line("فرم شماره ۲", size=10, align="L")
        doc.letterhead(
            _office_lines(program, province, county),
            [("شماره", _fa(meeting.number) if meeting.number else BLANK), ("تاریخ", format_jalali(meeting.held_on))],
        )
        doc.heading(f"« نظریه کمیته اشتغال و کارآفرینی {level} »")
        doc.gap()
        doc.text_line(
            f"کمیته اشتغال و کارآفرینی {level} در مورخ {format_jalali(meeting.held_on)} با حضور اعضای "
            f"ذیل: {present} جهت بررسی و اعلام نظر در خصوص درخواست‌های زیر تشکیل و بر اساس بازدید و "
            "بررسی‌های انجام شده تصمیمات ذیل اتخاذ گردید.",
            height=8.5,
        )
        if not cases:
            doc.text_line("در این جلسه تصمیمی ثبت نشده است.", bold=True)
        for number, (application_id, rows) in enumerate(cases.items(), start=1):
            application, applicant = people[application_id]
            licence = (
                f"با مجوز فعالیت به شماره {_fa(application.licence_no)} مورخ {format_jalali(application.licence_date)}"
                if application.licence_no
                else "بدون مجوز فعالیت ثبت‌شده"
            )
            doc.gap(2)
            doc.text_line(
                f"{to_persian_digits(number)}- درخواست شماره {ltr(application.tracking_code)} مورخ "
                f"{format_jalali(application.applied_on)} با موضوع استفاده از مزایای {program.name} "
                f"مربوط به {_title_of(applicant)} {_full_name(applicant)} (کد ملی {_fa(applicant.national_code)}) "
                f"{licence}:",
                bold=True,
                height=8,
            )
            for index, decision in enumerate(rows, start=1):
                prefix = f"{to_persian_digits(number)}-{to_persian_digits(index)}" if len(rows) > 1 else "•"
                doc.text_line(f"{prefix} {_decision_line(decision)}", height=8)
        signatures = _members_rows(members, meeting.level)
        doc.gap(6)
        with doc.together():  # the signature block on one page
            doc.text_line("امضاء اعضای کمیته", bold=True)
            doc.grid(["نام و نام خانوادگی اعضای کمیته", "سمت", "امضاء و تاریخ"], signatures, [5, 5, 3])

    return render(f"صورت‌جلسه کمیته {level} — {format_jalali(meeting.held_on)}", draw)


# --------------------------------------------------------------------------- introduction letter
def introduction_letter_pdf(session: Session, actor: Actor, introduction_id: int) -> bytes:
    """The letter introducing a woman to an SSO branch under SLA 19042711100 (programme B)."""
    introduction = session.get(Introduction, introduction_id)
    if introduction is None:
        raise InvalidInput("معرفی‌نامه‌ای با این شماره پیدا نشد.")
    application = get_application(session, actor, introduction.application_id)
    applicant = session.get(Applicant, application.applicant_id)
    program = session.get(Program, application.program_id)
    province, county = _places(session, application.county_id, application.province_id)
    signer = session.get(User, introduction.introduced_by) if introduction.introduced_by else None
    year = jalali_year_of(introduction.introduced_on)
    rate, agency, government = (
        format_percent_bp(bp) for bp in (program.rate_bp, program.agency_share_bp or 0, program.government_share_bp or 0)
    )
    month = current_year_month(introduction.introduced_on)
    split = premium_split(session, month, program.rate_bp)
    wage = wage_of(session, month.year)
    unconfirmed = " (برآورد با حداقل دستمزد قطعی‌نشده)" if wage is not None and not wage.confirmed else ""

    def draw(doc: PersianDocument) -> None:
        doc.text_line("بسمه تعالی", bold=True, align="C")
        doc.letterhead(
            _office_lines(program, province, county),
            [
                ("شماره", _fa(introduction.letter_no)),
                ("تاریخ", format_jalali(introduction.introduced_on)),
                ("پیوست", "مدارک متقاضی"),
            ],
        )
        doc.text_line(f"به: ریاست محترم {branch_title(introduction.branch)} سازمان تأمین اجتماعی", bold=True)
        doc.text_line("موضوع: معرفی مددجوی زن سرپرست خانوار جهت برقراری بیمه اجتماعی", bold=True)
        doc.gap(2)
        doc.text_line("با سلام و احترام،")
        doc.text_line(
            f"بدین‌وسیله {_title_of(applicant)} {_full_name(applicant)} فرزند {_or_blank(applicant.father_name)} "
            f"به شماره شناسنامه {_fa(applicant.birth_certificate_no) if applicant.birth_certificate_no else BLANK} "
            f"و کد ملی {_fa(applicant.national_code)}، مددجوی زن سرپرست خانوار تحت پوشش {program.agency} "
            f"(کد رهگیری پرونده {ltr(application.tracking_code)})، در اجرای توافقنامه سطح خدمت "
            f"«{program.name}» به شماره خدمت {_fa(program.service_code)} و در سهمیه سال "
            f"{to_persian_digits(year)} شهرستان {county}، جهت برقراری بیمه اجتماعی معرفی می‌گردد.",
            height=9,
        )
        doc.text_line(
            f"حق بیمه بر مبنای نرخ {rate} حداقل دستمزد مصوب ({agency} سهم کمیته امداد و {government} "
            "سهم دولت) از سوی این نهاد پرداخت خواهد شد.",
            height=9,
        )
        if split is not None:
            premium, agency_rial, government_rial = split
            doc.text_line(
                f"حق بیمه {format_year_month(month)} ({to_persian_digits(month.days)} روز): {format_rial(premium)}؛ سهم کمیته امداد "
                f"{format_rial(agency_rial)} و سهم دولت {format_rial(government_rial)}{unconfirmed}.",
                height=9,
            )
        doc.text_line(
            "خواهشمند است دستور فرمایید پس از بررسی مدارک، اقدام لازم معمول و نتیجه را به این واحد اعلام فرمایند.",
            height=9,
        )
        doc.gap()
        doc.text_line(f"نشانی متقاضی: {_or_blank(applicant.home_address)}")
        doc.text_line(f"تلفن همراه متقاضی: {_fa(applicant.mobile) if applicant.mobile else BLANK}")
        doc.gap(12)
        doc.text_line(signer.full_name if signer else BLANK, bold=True, align="L")
        doc.text_line(f"{OFFICES[ProgramCode.B][1]} {county}", align="L")

    return render(f"معرفی‌نامه {introduction.letter_no}", draw)

