"""The audit log in Persian: a label for every action code and field, and before → after as text.

Every action code that services write has a label here (a test greps the services for them);
an unknown code still reads as Persian («کار دیگر») with the code beside it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from lib.jalali import format_jalali, format_moment
from lib.permissions import ROLE_LABELS
from lib.text import format_percent_bp, to_persian_digits
from lib.workflow import STATE_LABELS

ACTION_LABELS: dict[str, str] = {
    "user.login": "ورود به سامانه",
    "user.login_failed": "ورود ناموفق",
    "user.logout": "خروج از سامانه",
    "user.create": "ساخت حساب کاربری",
    "user.password": "تغییر گذرواژه",
    "user.activate": "فعال‌کردن حساب کاربری",
    "user.deactivate": "غیرفعال‌کردن حساب کاربری",
    "user.unlock": "پاک‌کردن محدودیت ورود کاربر",
    "signin.throttle_clear": "پاک‌کردن محدودیت ورود",
    "complaint.register": "ثبت شکایت",
    "complaint.status": "تغییر وضعیت شکایت",
    "complaint.assign": "تعیین مسئول رسیدگی به شکایت",
    "demo.generate": "ساخت داده نمونه",
    "applicant.create": "ثبت متقاضی",
    "applicant.update": "ویرایش مشخصات متقاضی",
    "applicant.sso_insurance_no": "ثبت شماره بیمه از پاسخ تأمین اجتماعی",
    "application.submit": "ثبت درخواست (پرونده)",
    "application.import": "ورود پرونده از فایل اکسل",
    "import.applications": "ورود گروهی پرونده‌ها از فایل اکسل",
    "application.state": "تغییر وضعیت پرونده",
    "application.priority": "تعیین اولویت خارج از نوبت",
    "application.grant": "ثبت مصوبه در پرونده",
    "application.activate": "فعال‌سازی پوشش",
    "application.cover": "ثبت برقراری پوشش بیمه",
    "application.suspend": "تعلیق پرونده",
    "application.resume": "ازسرگیری پرونده",
    "application.complete": "پایان دوره حمایت",
    "application.withdraw": "انصراف متقاضی",
    "application.sso_refusal": "عدم پذیرش تأمین اجتماعی",
    "household.save": "ثبت اطلاعات خانوار",
    "score.save": "ثبت امتیازدهی",
    "eligibility.confirm": "تأیید شرایط",
    "document.upload": "بارگذاری مدرک",
    "document.replace": "جایگزینی مدرک",
    "document.received": "ثبت دریافت اصل مدرک",
    "document.minutes": "بارگذاری صورت‌جلسه",
    "deputy.confirm": "تأیید معاونت",
    "session.create": "تشکیل جلسه کمیته",
    "session.members": "تغییر اعضای جلسه",
    "session.close": "بستن جلسه کمیته",
    "agenda.place": "قراردادن پرونده در دستور جلسه",
    "decision.record": "ثبت تصمیم کمیته",
    "introduction.create": "معرفی به شعبه تأمین اجتماعی",
    "introduction.refused": "ثبت نپذیرفتن معرفی",
    "sso_branch.create": "افزودن شعبه تأمین اجتماعی",
    "sso_branch.active": "فعال/غیرفعال‌کردن شعبه",
    "quota.set": "تعیین سهمیه",
    "budget.set": "تعیین اعتبار",
    "budget.import": "ورود اعتبار از فایل",
    "payment_run.create": "تهیه فهرست پرداخت",
    "payment_run.approve": "تأیید فهرست پرداخت",
    "payment_run.finalize": "نهایی‌کردن فهرست پرداخت",
    "payment_run.cancel": "لغو فهرست پرداخت",
    "payment_run.reconcile": "تطبیق پاسخ تأمین اجتماعی",
    "payment_run.adjust.topup": "پرداخت تکمیلی (اصلاحیه)",
    "payment_run.adjust.reversal": "برگشت پرداخت (اصلاحیه)",
    "sms.retry": "ارسال دوباره پیامک",
    "sms.cancel": "لغو پیامک",
    "sms_template.update": "ویرایش متن پیامک",
    "wage.set": "ثبت یا ویرایش حداقل دستمزد",
    "service_agreement.period": "تعیین دوره اعتبار توافق‌نامه سطح خدمت",
    "service_agreement.target": "تعیین مهلت مرحله در توافق‌نامه سطح خدمت",
    "program_parameters.set": "نسخه تازه پارامترهای برنامه (نرخ، سهم‌ها، سقف ماه‌ها)",
    "county.create": "افزودن شهرستان",
    "county.rename": "تغییر نام شهرستان",
    "county.active": "فعال/غیرفعال‌کردن شهرستان",
    "sso_branch.rename": "ویرایش نام یا کد شعبه",
    "sso_branch.reassign": "انتقال معرفی‌های باز به شعبه دیگر",
    "scoring_policy.create": "نسخه تازه دستورالعمل امتیازدهی",
}

ENTITY_LABELS: dict[str, str] = {
    "user": "کاربر", "applicant": "متقاضی", "application": "پرونده", "household": "خانوار",
    "score_card": "برگه امتیاز", "eligibility": "تأیید شرایط", "document": "مدرک",
    "deputy_confirmation": "تأیید معاونت", "committee_session": "جلسه کمیته", "agenda_entry": "دستور جلسه",
    "decision": "تصمیم", "introduction": "معرفی‌نامه", "sso_branch": "شعبه", "quota": "سهمیه",
    "budget": "اعتبار", "paymentrun": "فهرست پرداخت", "import": "فایل ورودی", "demo": "داده نمونه",
    "signin_throttle": "محدودیت ورود", "notification": "پیامک", "sms_template": "متن پیامک",
    "minimum_wage": "حداقل دستمزد", "service_agreement": "توافق‌نامه سطح خدمت",
    "complaint": "شکایت", "program": "برنامه", "county": "شهرستان", "scoring_policy": "دستورالعمل امتیازدهی",
}

FIELD_LABELS: dict[str, str] = {
    "active": "فعال", "agency_rial": "سهم دستگاه (ریال)", "amount_rial": "مبلغ (ریال)",
    "applicant_id": "شماره متقاضی", "application_id": "شماره پرونده", "applied_on": "تاریخ درخواست",
    "approved_at": "زمان تأیید", "approved_by": "تأییدکننده", "birth_certificate_no": "شماره شناسنامه",
    "birth_date": "تاریخ تولد", "branch": "شعبه", "branch_id": "شماره شعبه", "budget_rial": "اعتبار (ریال)",
    "cancel_reason": "دلیل لغو", "cancelled_at": "زمان لغو", "cancelled_by": "لغوکننده", "channel": "مسیر ثبت",
    "closed_at": "زمان بستن", "code": "کد", "condition": "شرط", "confirmed_at": "زمان تأیید",
    "confirmed_by": "تأییدکننده", "contract_rate_bp": "نرخ حق بیمه", "corrects_run_id": "فهرست اصلاح‌شده",
    "county_id": "شهرستان", "covering_domain": "حوزه پوشش", "created_at": "زمان ثبت", "created_by": "ثبت‌کننده",
    "decided_at": "زمان تصمیم", "decided_by": "تصمیم‌گیرنده", "dependants": "افراد تحت تکفل",
    "deputy": "معاونت", "disabled_members": "اعضای دارای معلولیت", "discount_holder": "دارای تخفیف",
    "end_month": "ماه پایان", "end_year": "سال پایان", "failed_logins": "ورودهای ناموفق",
    "finalized_at": "زمان نهایی‌شدن", "finalized_by": "نهایی‌کننده", "father_name": "نام پدر",
    "first_name": "نام", "full_name": "نام و نام خانوادگی", "gender": "جنسیت",
    "government_rial": "سهم دولت (ریال)", "head_of_household": "سرپرست خانوار", "held_back": "نگه‌داشته‌ها",
    "held_on": "تاریخ جلسه", "home_address": "نشانی منزل", "id": "شناسه", "insured_years": "سابقه بیمه (سال)",
    "introduced_by": "معرفی‌کننده", "introduced_on": "تاریخ معرفی", "is_demo": "نمونه", "is_open": "باز",
    "jalali_year": "سال", "job_field": "رشته شغلی", "job_ready": "آمادگی شغلی", "kind": "نوع",
    "landline": "تلفن ثابت", "last_login_at": "آخرین ورود", "last_name": "نام خانوادگی",
    "letter_no": "شماره نامه", "level": "سطح", "licence_date": "تاریخ پروانه", "licence_no": "شماره پروانه",
    "line_count": "تعداد ردیف", "locked_until": "قفل تا", "marital_status": "وضعیت تأهل",
    "mime_type": "نوع فایل", "mobile": "تلفن همراه", "months": "ماه‌ها", "months_granted": "مدت مصوب (ماه)",
    "name": "نام", "national_code": "کد ملی", "need_grade": "درجه نیاز", "note": "یادداشت", "number": "شماره",
    "original_name": "نام فایل", "outcome": "نتیجه", "paid_months": "ماه‌های پرداخت‌شده",
    "people": "تعداد افراد", "percent": "درصد", "placed_at": "زمان قراردادن", "placed_by": "قراردهنده",
    "policy_version": "نسخه دستورالعمل", "priority_override": "اولویت خارج از نوبت",
    "priority_reason": "دلیل اولویت", "priority_set_by": "تعیین‌کننده اولویت", "program_id": "برنامه",
    "province_id": "استان", "reason": "دلیل", "received": "اصل دریافت شد", "refusal_reason": "دلیل نپذیرفتن",
    "refused_by": "ثبت‌کننده نپذیرفتن", "refused_on": "تاریخ نپذیرفتن", "role": "نقش", "rows": "ردیف‌ها",
    "satisfied": "برقرار", "scored_at": "زمان امتیازدهی", "scored_by": "امتیازدهنده", "session_id": "جلسه",
    "severity": "شدت معلولیت", "sha256": "اثر انگشت فایل", "share_percent": "درصد سهم",
    "size_bytes": "اندازه فایل (بایت)", "slots": "سهمیه (نفر)", "source": "منبع", "sso_insurance_no": "شماره بیمه",
    "start_month": "ماه شروع", "start_year": "سال شروع", "state": "وضعیت", "status": "وضعیت",
    "stored_name": "نام ذخیره", "strategy": "روش پرداخت", "supersedes_id": "اصلاحِ تصمیم",
    "target_group": "گروه هدف", "total": "جمع", "total_rial": "جمع (ریال)", "tracking_code": "کد رهگیری",
    "updated_at": "زمان ویرایش", "updated_by": "ویرایشگر", "uploaded_at": "زمان بارگذاری",
    "uploaded_by": "بارگذارنده", "username": "نام کاربری", "wage_confirmed_by": "تأییدکننده دستمزد",
    "work_address": "نشانی محل کار",
    "attempts": "تعداد تلاش", "next_attempt_at": "تلاش بعدی", "claimed_by": "ارسال‌کننده", "claimed_until": "مهلت ارسال",
    "outcome_unknown": "نتیجه نامعلوم", "last_error_kind": "نوع خطا", "last_error": "خطا", "provider_id": "شناسه سامانه پیامک",
    "sent_at": "زمان ارسال", "body": "متن", "event": "رویداد",
    "daily_wage_rial": "حداقل دستمزد روزانه (ریال)", "valid_from": "آغاز اعتبار", "valid_until": "پایان اعتبار",
    "set_by": "تعیین‌کننده", "set_by_name": "نام تعیین‌کننده", "set_at": "زمان تعیین", "stage": "مرحله",
    "target_days": "مهلت مرحله (روز)", "visits": "مراجعه حضوری",
    # keys that services add to their snapshots
    "amounts": "مبالغ", "confirmed": "تأییدشده", "corrects_lines": "ردیف‌های اصلاح‌شده", "failures": "ورودهای ناموفق",
    "members": "اعضا", "pending": "در انتظار", "program": "برنامه", "rejected": "ردشده",
    "sessions_ended": "نشست‌های پایان‌یافته", "unchanged": "بدون تغییر", "file_sha256": "اثر انگشت فایل",
    "imported": "واردشده", "skipped": "ردشده", "skipped_rows": "ردیف‌های ردشده", "row": "ردیف فایل",
    "applicant": "متقاضی", "application": "پرونده", "rank": "رتبه", "months_paid": "ماه‌های پرداخت‌شده",
    "open_agenda_sessions": "جلسه‌های باز دستور", "retroactive_reason": "دلیل عطف به ماسبق",
    "subject": "موضوع", "resolution": "نتیجه رسیدگی", "compensation": "جبران خسارت", "resolved_at": "زمان بستن",
    "answered_at": "زمان پاسخ", "deadline": "مهلت رسیدگی", "owner_id": "مسئول رسیدگی (شناسه کاربر)",
    "payment_line_id": "ردیف پرداخت",
    "version": "نسخه", "rate_bp": "نرخ حق بیمه", "max_months": "سقف ماه‌های حمایت",
    "agency_share_bp": "سهم دستگاه", "government_share_bp": "سهم دولت", "adopted_on": "تاریخ اجرا",
    "introductions_moved": "معرفی‌های منتقل‌شده", "to_branch_id": "شعبه مقصد", "changes": "تغییرها",
    "score_total": "امتیاز کل", "stage_since": "آغاز مرحله کنونی",
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_STATES = {str(getattr(s, "value", s)): label for s, label in STATE_LABELS.items()}
_ROLES = {str(getattr(r, "value", r)): label for r, label in ROLE_LABELS.items()}
_HIDDEN = ("password_hash",)


def action_label(code: str) -> str:
    """The Persian label of an action code; an unknown one as «کار دیگر» with its code."""
    return ACTION_LABELS.get(code) or f"کار دیگر ({code})"


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or f"ویژگی دیگر ({name})"


def local_time(at: datetime) -> str:
    """A timestamp as Tehran's Jalali date and time, in Persian digits: «۱۴۰۵/۰۸/۱۰ ۱۴:۰۵»."""
    return format_moment(at)


def value_text(name: str, value: Any) -> str:
    """A snapshot value as a reader expects it: بله/خیر, Jalali dates, Persian digits, state and role labels."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "بله" if value else "خیر"
    if isinstance(value, int) and name.endswith("_bp"):
        return format_percent_bp(value)
    if isinstance(value, (int, float)):
        grouped = name.endswith("_rial") or name in ("amount", "total", "budget")
        return to_persian_digits(f"{value:,}".replace(",", "٬") if grouped else str(value))
    if isinstance(value, str):
        if name == "state" and value in _STATES:
            return _STATES[value]
        if name == "role" and value in _ROLES:
            return _ROLES[value]
        if _ISO_TIME.match(value):
            try:
                return local_time(datetime.fromisoformat(value))
            except ValueError:
                pass
        if _ISO_DATE.match(value):
            try:
                return format_jalali(date.fromisoformat(value))
            except ValueError:
                pass
        return to_persian_digits(value) if value.isascii() and any(c.isdigit() for c in value) and " " not in value and len(value) < 30 else value
    if isinstance(value, Mapping):
        return "؛ ".join(f"{field_label(str(k))}: {value_text(str(k), v)}" for k, v in value.items() if k not in _HIDDEN)
    if isinstance(value, (list, tuple)):
        return "، ".join(value_text(name, v) for v in value) or "—"
    return str(value)


def changes(before: Mapping | None, after: Mapping | None) -> list[tuple[str, str, str]]:
    """(field label, before, after) for each field that differs, in the snapshots' own order; a
    record with only an *after* (a creation) lists its fields with an empty before."""
    before, after = before or {}, after or {}
    names = list(dict.fromkeys([*after.keys(), *before.keys()]))
    rows = []
    for name in names:
        if name in _HIDDEN:
            continue
        old, new = before.get(name), after.get(name)
        if before and after and old == new:
            continue
        rows.append((field_label(name), value_text(name, old) if name in before else "—", value_text(name, new) if name in after else "—"))
    return rows


def changes_text(before: Mapping | None, after: Mapping | None, *, limit: int = 12) -> str:
    """The changes on one line each: «وضعیت: ثبت‌شده ← در انتظار کمیته»."""
    rows = changes(before, after)
    lines = [f"{label}: {old} ← {new}" if old != "—" else f"{label}: {new}" for label, old, new in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"و {to_persian_digits(len(rows) - limit)} مورد دیگر")
    return "\n".join(lines)


