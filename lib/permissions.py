"""Who may do what, and where: roles, actions, and the area a user's role covers.

A user has one role and an area (a province and/or a county). Two questions decide a request:

1. may the *role* do the *action*? (:data:`PERMISSIONS`, a plain table below), and
2. is the *target* (the case, the quota, the budget…) inside the user's *area*? The scope follows
   the role: county staff see their county, the provincial committee its province, a manager a
   province or the whole country, the system administrator the whole country.

The table (adjusted from the brief; reasons in comments):

* county_expert — view, intake, edit the household, documents, confirm eligibility (programme B's
  county check), fill the scoring sheet, register complaints, export.
* committee_secretary — all of the county expert's, plus set priority (seed 003 note 1: the county
  committee may set a priority by hand), prepare and run a committee session, record the county
  committee's decision, introduce a programme-B applicant to an SSO branch (the county unit does it,
  within the quota announced to it).
* province_committee — view, set priority (note 1: the provincial committee too), sessions,
  the provincial decision (duration and share), quotas and budget, payment runs, reports,
  complaints, export.
* manager — watches quota and budget consumption: view, reports, export, quotas, budget, and the
  audit trail (added: a director general answers for what was done in the province).
* admin — everything, including users, reference data (wages, provinces, policy) and the audit.

Areas (:func:`validate_user_area`): a county role needs a county (its province is optional here;
the services fill it from reference data); the provincial committee needs a province and no
county; a manager has a province (provincial scope) or none (national), never a county; the
administrator has neither. A target whose area is unknown (``None``) at the level that matters is
*not* covered — the check fails closed.

Pure code: no Streamlit, no SQL, no I/O.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from lib.errors import Forbidden, InvalidInput

__all__ = [
    "Role",
    "ROLE_LABELS",
    "Scope",
    "SCOPE_LABELS",
    "ROLE_SCOPES",
    "Action",
    "ACTION_LABELS",
    "MONEY_ACTIONS",
    "PERMISSIONS",
    "Area",
    "to_role",
    "to_action",
    "actions_of",
    "roles_that_can",
    "scope_of",
    "validate_user_area",
    "can",
    "covers",
    "require",
]


class Role(StrEnum):
    county_expert = "county_expert"
    committee_secretary = "committee_secretary"
    province_committee = "province_committee"
    manager = "manager"
    admin = "admin"


ROLE_LABELS: Mapping[Role, str] = MappingProxyType(
    {
        Role.county_expert: "کارشناس شهرستان",
        Role.committee_secretary: "دبیر کمیته",
        Role.province_committee: "کمیته استان",
        Role.manager: "مدیر",
        Role.admin: "مدیر سامانه",
    }
)


class Scope(StrEnum):
    county = "county"
    province = "province"
    national = "national"


SCOPE_LABELS: Mapping[Scope, str] = MappingProxyType(
    {Scope.county: "شهرستان", Scope.province: "استان", Scope.national: "کشور"}
)


class Action(StrEnum):
    view_cases = "view_cases"
    intake = "intake"
    edit_household = "edit_household"
    manage_documents = "manage_documents"
    confirm_eligibility = "confirm_eligibility"
    score = "score"
    set_priority = "set_priority"
    manage_session = "manage_session"
    record_county_decision = "record_county_decision"
    record_province_decision = "record_province_decision"
    introduce_to_insurer = "introduce_to_insurer"
    manage_quota = "manage_quota"
    manage_budget = "manage_budget"
    run_payments = "run_payments"
    view_payments = "view_payments"
    prepare_payments = "prepare_payments"
    approve_payments = "approve_payments"
    finalize_payments = "finalize_payments"
    view_reports = "view_reports"
    manage_complaints = "manage_complaints"
    manage_users = "manage_users"
    manage_reference_data = "manage_reference_data"
    view_audit = "view_audit"
    export = "export"


ACTION_LABELS: Mapping[Action, str] = MappingProxyType(
    {
        Action.view_cases: "مشاهده پرونده‌ها",
        Action.intake: "ثبت درخواست",
        Action.edit_household: "ویرایش اطلاعات خانوار",
        Action.manage_documents: "مدیریت مدارک",
        Action.confirm_eligibility: "تأیید واجد شرایط بودن",
        Action.score: "امتیازدهی",
        Action.set_priority: "تعیین اولویت دستی",
        Action.manage_session: "مدیریت جلسه کمیته",
        Action.record_county_decision: "ثبت تصمیم کمیته شهرستان",
        Action.record_province_decision: "ثبت تصمیم کمیته استان",
        Action.introduce_to_insurer: "معرفی به تأمین اجتماعی",
        Action.manage_quota: "مدیریت سهمیه",
        Action.manage_budget: "مدیریت اعتبار",
        Action.run_payments: "اجرای نوبت پرداخت",
        Action.view_payments: "مشاهده نوبت‌های پرداخت",
        Action.prepare_payments: "تهیه نوبت پرداخت",
        Action.approve_payments: "تأیید نوبت پرداخت",
        Action.finalize_payments: "قطعی کردن نوبت پرداخت",
        Action.view_reports: "مشاهده گزارش‌ها",
        Action.manage_complaints: "رسیدگی به شکایت‌ها",
        Action.manage_users: "مدیریت کاربران",
        Action.manage_reference_data: "مدیریت اطلاعات پایه",
        Action.view_audit: "مشاهده رویدادنگاری",
        Action.export: "خروجی گرفتن",
    }
)

_A = Action

# Payment runs are maker-checker (issue 7): a provincial committee user of the province prepares,
# a manager whose area covers it (never the preparer) approves, a provincial committee user or the
# approver finalises. The system administrator does none of these.
MONEY_ACTIONS = frozenset({Action.prepare_payments, Action.approve_payments, Action.finalize_payments})
_COUNTY_EXPERT = frozenset(
    {
        _A.view_cases,
        _A.intake,
        _A.edit_household,
        _A.manage_documents,
        _A.confirm_eligibility,
        _A.score,
        _A.manage_complaints,
        _A.export,
    }
)

# The table: role → what it may do.
PERMISSIONS: Mapping[Role, frozenset[Action]] = MappingProxyType(
    {
        Role.county_expert: _COUNTY_EXPERT,
        Role.committee_secretary: _COUNTY_EXPERT
        | {_A.set_priority, _A.manage_session, _A.record_county_decision, _A.introduce_to_insurer},
        Role.province_committee: frozenset(
            {
                _A.view_cases,
                _A.set_priority,
                _A.manage_session,
                _A.record_province_decision,
                _A.manage_quota,
                _A.manage_budget,
                _A.run_payments,
                _A.view_payments,
                _A.prepare_payments,
                _A.finalize_payments,
                _A.view_reports,
                _A.manage_complaints,
                _A.export,
            }
        ),
        Role.manager: frozenset(
            {_A.view_cases, _A.view_reports, _A.export, _A.manage_quota, _A.manage_budget, _A.view_audit}
            | {_A.view_payments, _A.approve_payments, _A.finalize_payments}  # finalise: only a run they approved
        ),
        # The administrator manages users and reference data but never moves money (issue 7).
        Role.admin: frozenset(Action) - MONEY_ACTIONS,
    }
)

# The scope each role works at; a manager without a province is national (see scope_of).
ROLE_SCOPES: Mapping[Role, Scope] = MappingProxyType(
    {
        Role.county_expert: Scope.county,
        Role.committee_secretary: Scope.county,
        Role.province_committee: Scope.province,
        Role.manager: Scope.province,
        Role.admin: Scope.national,
    }
)


@dataclass(frozen=True)
class Area:
    """A place: a province, a county in it, or neither (the whole country)."""

    province_id: int | None = None
    county_id: int | None = None


def to_role(value: Role | str) -> Role:
    if isinstance(value, Role):
        return value
    if isinstance(value, str):
        try:
            return Role(value.strip())
        except ValueError:
            pass
    raise InvalidInput(
        f"نقش «\u2066{value}\u2069» شناخته نیست؛ یکی از این نقش‌ها را انتخاب کنید: "
        f"{'، '.join(ROLE_LABELS.values())}.",
        field="role",
    )


def to_action(value: Action | str) -> Action:
    if isinstance(value, Action):
        return value
    if isinstance(value, str):
        try:
            return Action(value.strip())
        except ValueError:
            pass
    raise InvalidInput(f"کار «\u2066{value}\u2069» در سامانه تعریف نشده است.", field="action")


def actions_of(role: Role | str) -> frozenset[Action]:
    return PERMISSIONS[to_role(role)]


def roles_that_can(action: Action | str) -> frozenset[Role]:
    action = to_action(action)
    return frozenset(role for role, actions in PERMISSIONS.items() if action in actions)


def can(role: Role | str, action: Action | str) -> bool:
    return to_action(action) in PERMISSIONS[to_role(role)]


def _area_problem(role: Role, area: Area) -> tuple[str, str] | None:
    """(field, Persian explanation) of what is wrong with ``area`` for ``role``, or None."""
    label = ROLE_LABELS[role]
    if ROLE_SCOPES[role] is Scope.county:
        if area.county_id is None:
            return (
                "county_id",
                f"برای نقش «{label}» باید شهرستان محل خدمت تعیین شود؛ شهرستان کاربر را انتخاب کنید.",
            )
        return None
    if area.county_id is not None:
        keep = "" if role is Role.admin else " و فقط استان را تعیین کنید"
        return (
            "county_id",
            f"نقش «{label}» به شهرستان خاصی محدود نیست؛ شهرستان را خالی بگذارید{keep}.",
        )
    if role is Role.province_committee and area.province_id is None:
        return (
            "province_id",
            f"برای نقش «{label}» باید استان تعیین شود؛ استان کاربر را انتخاب کنید.",
        )
    if role is Role.admin and area.province_id is not None:
        return (
            "province_id",
            f"نقش «{label}» به همه کشور دسترسی دارد؛ استان را خالی بگذارید.",
        )
    return None


def validate_user_area(role: Role | str, area: Area) -> None:
    """InvalidInput (Persian) if ``area`` does not fit ``role`` (see the module docstring)."""
    problem = _area_problem(to_role(role), area)
    if problem is not None:
        field, message = problem
        raise InvalidInput(message, field=field)


def scope_of(role: Role | str, area: Area) -> Scope:
    """The scope a user works at; InvalidInput if the area does not fit the role."""
    role = to_role(role)
    validate_user_area(role, area)
    if role is Role.manager and area.province_id is None:
        return Scope.national
    return ROLE_SCOPES[role]


def covers(role: Role | str, user_area: Area, target: Area) -> bool:
    """Whether ``target`` lies in the user's area. False when the user's area is invalid."""
    role = to_role(role)
    if _area_problem(role, user_area) is not None:
        return False
    scope = scope_of(role, user_area)
    if scope is Scope.national:
        return True
    if scope is Scope.province:
        return target.province_id is not None and target.province_id == user_area.province_id
    return target.county_id is not None and target.county_id == user_area.county_id


def require(
    role: Role | str, action: Action | str, user_area: Area, target: Area | None = None
) -> None:
    """Forbidden (Persian) unless the role may do ``action`` and ``target`` is in the user's area."""
    role = to_role(role)
    action = to_action(action)
    if action not in PERMISSIONS[role]:
        raise Forbidden(
            f"نقش «{ROLE_LABELS[role]}» اجازه «{ACTION_LABELS[action]}» را ندارد؛ اگر این کار جزو "
            "وظایف شماست، از مدیر سامانه بخواهید نقش مناسب را به شما بدهد."
        )
    if _area_problem(role, user_area) is not None:
        raise Forbidden(
            "محدوده (استان و شهرستان) حساب کاربری شما درست تعیین نشده است؛ از مدیر سامانه "
            "بخواهید آن را اصلاح کند."
        )
    if target is not None and not covers(role, user_area, target):
        where = SCOPE_LABELS[scope_of(role, user_area)]
        raise Forbidden(
            f"این مورد خارج از محدوده {where} شماست؛ فقط موارد {where} خودتان را می‌توانید "
            f"ببینید یا تغییر دهید. اگر پرونده به {where} شما منتقل شده، از مدیر سامانه بخواهید "
            "محدوده آن را اصلاح کند."
        )
