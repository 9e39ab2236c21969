"""Navigation built from the role: a page is registered only if the role may use it."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lib.permissions import Action, Scope, can, scope_of
from services.base import Actor
from ui.context import SIGNED_OUT_KEY


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    action: Action | None  # None: every signed-in user
    section: str
    default: bool = False
    national_only: bool = False  # for users whose area is the whole country


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "خانه", ":material/home:", None, "پیشخوان", default=True),
    # -- intake and import (پذیرش)
    PageSpec("pages/intake.py", "ثبت درخواست", ":material/person_add:", Action.intake, "پرونده‌ها"),
    PageSpec("pages/documents.py", "مدارک و شرایط پذیرش", ":material/fact_check:", Action.manage_documents, "پرونده‌ها"),
    PageSpec("pages/import_cases.py", "ورود گروهی از اکسل", ":material/upload_file:", Action.intake, "پرونده‌ها"),
    # -- cases and scoring (پرونده‌ها و امتیازدهی)
    PageSpec("pages/cases.py", "پرونده‌ها", ":material/folder_open:", Action.view_cases, "پرونده‌ها"),
    PageSpec("pages/case.py", "پرونده", ":material/description:", Action.view_cases, "پرونده‌ها"),
    PageSpec("pages/scoring.py", "کاربرگ امتیازدهی", ":material/calculate:", Action.score, "امتیازدهی"),
    PageSpec("pages/worksheet.py", "امتیازدهی گروهی", ":material/table_edit:", Action.score, "امتیازدهی"),
    PageSpec("pages/complaints.py", "شکایات", ":material/report:", Action.view_cases, "پرونده‌ها"),  # reading checked by the service
    PageSpec("pages/ranking.py", "رتبه‌بندی", ":material/format_list_numbered:", Action.view_cases, "امتیازدهی"),
    # -- committee (کمیته)
    PageSpec("pages/sessions.py", "جلسات کمیته", ":material/groups:", Action.manage_session, "کمیته"),
    PageSpec("pages/meeting.py", "نمای جلسه", ":material/co_present:", Action.manage_session, "کمیته"),
    # -- programme B introductions and quotas (برنامه ب)
    PageSpec("pages/introductions.py", "معرفی به تأمین اجتماعی", ":material/how_to_reg:", Action.introduce_to_insurer, "برنامه ب"),
    PageSpec("pages/quotas.py", "سهمیه‌ها", ":material/pie_chart:", Action.manage_quota, "برنامه ب"),
    # -- payments (پرداخت)
    PageSpec("pages/payments.py", "نوبت‌های پرداخت", ":material/payments:", Action.view_payments, "پرداخت"),
    PageSpec("pages/budgets.py", "اعتبار", ":material/account_balance:", Action.manage_budget, "پرداخت"),
    PageSpec("pages/monitoring.py", "پایش سهمیه و اعتبار", ":material/monitoring:", Action.view_reports, "پایش"),
    PageSpec("pages/sla_dashboard.py", "داشبورد توافق‌نامه سطح خدمت", ":material/timer:", Action.view_reports, "پایش"),
    PageSpec("pages/budget_request.py", "برآورد اعتبار سال آینده", ":material/request_quote:", Action.view_reports, "پایش"),
    PageSpec("pages/users.py", "کاربران", ":material/group:", Action.manage_users, "مدیریت سامانه"),
    PageSpec("pages/sms.py", "پیامک‌ها", ":material/sms:", Action.manage_reference_data, "مدیریت سامانه"),
    PageSpec("pages/sms_templates.py", "متن پیامک‌ها", ":material/edit_note:", Action.manage_reference_data,
             "مدیریت سامانه"),
    PageSpec("pages/program_parameters.py", "پارامترهای برنامه", ":material/tune:", Action.manage_reference_data,
             "مدیریت سامانه"),
    PageSpec("pages/areas.py", "شهرستان‌ها و شعب", ":material/location_city:", Action.manage_reference_data,
             "مدیریت سامانه"),
    PageSpec("pages/scoring_policy.py", "دستورالعمل امتیازدهی", ":material/rule:", Action.manage_reference_data,
             "مدیریت سامانه"),
    PageSpec("pages/wages.py", "حداقل دستمزد", ":material/price_change:", Action.manage_reference_data, "مدیریت سامانه"),
    PageSpec("pages/service_agreement.py", "توافق‌نامه سطح خدمت", ":material/timer:", Action.manage_reference_data,
             "مدیریت سامانه"),
    PageSpec("pages/audit.py", "رویدادنگار", ":material/history:", Action.view_audit, "مدیریت سامانه"),
    PageSpec("pages/service_info.py", "اطلاعات خدمت", ":material/info:", None, "پیشخوان"),
    PageSpec("pages/account.py", "حساب کاربری", ":material/person:", None, "کاربر"),
)


def pages_for(actor: Actor) -> list[PageSpec]:
    national = scope_of(actor.role, actor.area) == Scope.national
    return [
        p for p in PAGES
        if (p.action is None or can(actor.role, p.action)) and (national or not p.national_only)
    ]


LOGIN_PATH = "pages/login.py"
STATUS_PATH = "pages/status.py"  # the applicant's status lookup: open without sign-in, nothing else is
SERVICE_INFO_PATH = "pages/service_info.py"  # published service information: open to all, signed in or not
AFTER_LOGIN_KEY = "after_login"


def signed_out_navigation():
    """Before sign-in only the sign-in page and the applicant's status lookup run. Every other page is registered hidden for
    one purpose: to know where a deep link (``/case?id=12``) was going, so that the sign-in
    can continue there. The frame never runs those pages for a signed-out visitor."""
    login = st.Page(LOGIN_PATH, title="ورود", icon=":material/login:", default=True)
    status = st.Page(STATUS_PATH, title="پیگیری درخواست", icon=":material/search:")
    info = st.Page(SERVICE_INFO_PATH, title="اطلاعات خدمت", icon=":material/info:")
    hidden = [st.Page(spec.path, title=spec.title, visibility="hidden") for spec in PAGES
              if not spec.default and spec.path != SERVICE_INFO_PATH]
    page = st.navigation([login, status, info, *hidden], position="hidden")
    if page.url_path not in (login.url_path, status.url_path, info.url_path):
        if not st.session_state.pop(SIGNED_OUT_KEY, False):  # a deep link, not the page signed out from
            st.session_state[AFTER_LOGIN_KEY] = (page.url_path, dict(st.query_params))
        st.switch_page(login)
    return page


def continue_after_login(actor: Actor) -> None:
    """After sign-in, open the page a deep link asked for, if this role may open it."""
    target = st.session_state.pop(AFTER_LOGIN_KEY, None)
    if not target:
        return
    url_path, params = target
    for spec in pages_for(actor):
        if not spec.default and st.Page(spec.path).url_path == url_path:
            st.switch_page(spec.path, query_params=params)


def navigation_for(actor: Actor) -> dict[str, list]:
    sections: dict[str, list] = {}
    for spec in pages_for(actor):
        page = st.Page(spec.path, title=spec.title, icon=spec.icon, default=spec.default)
        sections.setdefault(spec.section, []).append(page)
    return sections
