"""The published service information as a printable HTML document (right to left, Persian digits):
what is needed, how long each stage takes and how many visits, from the targets an administrator
set — with who set each and when; a stage without a target reads «تعیین نشده», never a guess."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from lib.audit_labels import local_time
from lib.text import to_persian_digits
from services.service_agreement import AgreementView
from ui.fmt import format_jalali, html_text

UNSET = "تعیین نشده"
TITLE = "اطلاعات خدمت"


def days_text(days: int | None) -> str:
    return UNSET if days is None else f"{to_persian_digits(days)} روز کاری"


def visits_text(visits: int | None) -> str:
    if visits is None:
        return UNSET
    return "بدون مراجعه حضوری" if visits == 0 else f"{to_persian_digits(visits)} بار"


def set_by_text(name: str | None, at) -> str:
    return "—" if name is None else f"{name}، {local_time(at)}"


def period_text(view: AgreementView) -> str:
    if view.valid_until is None:
        return "دوره اعتبار توافق‌نامه هنوز ثبت نشده است."
    start = f"از {format_jalali(view.valid_from)} " if view.valid_from else ""
    return f"اعتبار توافق‌نامه: {start}تا {format_jalali(view.valid_until)}"


def _section(view: AgreementView) -> str:
    docs = "".join(f"<li>{html_text(d)}</li>" for d in view.documents)
    rows = "".join(
        f"<tr><td>{html_text(s.label)}</td><td>{days_text(s.target_days)}</td><td>{visits_text(s.visits)}</td>"
        f"<td>{html_text(set_by_text(s.set_by_name, s.set_at))}</td></tr>"
        for s in view.stages
    )
    code = f" — شماره خدمت {to_persian_digits(view.service_code)}" if view.service_code else ""
    return (
        f"<section><h2>{html_text(view.program_name)}</h2>"
        f"<p>{html_text(view.agency)}{code}</p>"
        f"<h3>مدارک لازم</h3><ul>{docs}</ul>"
        "<h3>مرحله‌ها و مهلت هر یک</h3>"
        "<table><thead><tr><th>مرحله</th><th>مهلت</th><th>مراجعه حضوری</th><th>تعیین‌کننده و زمان</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f"<p>کل زمان: {days_text(view.total_days)}؛ کل مراجعه حضوری: {visits_text(view.total_visits)}</p>"
        f"<p>{html_text(period_text(view))}</p></section>"
    )


def service_info_html(views: Sequence[AgreementView], today: date) -> str:
    """The whole page as a standalone document to print or keep."""
    body = "".join(_section(v) for v in views)
    return (
        '<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8">'
        f"<title>{TITLE}</title><style>"
        "body{font-family:Vazirmatn,Tahoma,sans-serif;margin:2cm;line-height:1.8}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #444;padding:4px 8px;text-align:right}"
        "section{page-break-inside:avoid;margin-bottom:1.5cm}"
        f"</style></head><body><h1>{TITLE}</h1><p>تاریخ: {format_jalali(today)}</p>{body}</body></html>"
    )
