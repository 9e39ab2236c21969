"""What the payment-run modules share: vocabularies, role rules, loading a run.

Role rules (issue 7, maker-checker):

* prepare (and cancel a draft): a provincial committee user of the run's province;
* approve: a manager whose area covers the province, never the user who prepared the run;
* finalise: a provincial committee user of the province, or the manager who approved it;
* the system administrator manages users and reference data and never moves money
  (``lib.permissions.MONEY_ACTIONS`` are not in the administrator's row).
"""
from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from sqlmodel import Session, select

from db.models import PaymentRun, Program
from lib.errors import Forbidden, InvalidInput
from lib.permissions import Action, Area, Role
from lib.text import format_number
from services.base import Actor


class HeldBack(StrEnum):
    """Why a person (or some of their months) is not in a run."""

    documents_missing = "documents_missing"
    premium_proof_missing = "premium_proof_missing"
    cap_reached = "cap_reached"
    already_paid = "already_paid"
    suspended = "suspended"
    outside_grant = "outside_grant"


HELD_BACK_LABELS: Mapping[HeldBack, str] = MappingProxyType({
    HeldBack.documents_missing: "مدارک ناقص",
    HeldBack.premium_proof_missing: "مدرک پرداخت حق بیمه برای این دوره نیست",
    HeldBack.cap_reached: "سقف ۶۰ ماه پر شده",
    HeldBack.already_paid: "این ماه قبلاً پرداخت شده",
    HeldBack.suspended: "پرونده معلق است",
    HeldBack.outside_grant: "خارج از ماه‌های مصوب",
})

RUN_STATUS_LABELS: Mapping[str, str] = MappingProxyType({
    "draft": "پیش‌نویس",
    "approved": "تأییدشده",
    "finalized": "قطعی",
    "cancelled": "لغوشده",
})

RUN_KIND_LABELS: Mapping[str, str] = MappingProxyType({"regular": "عادی", "adjustment": "اصلاحی"})

LINE_KIND_LABELS: Mapping[str, str] = MappingProxyType({
    "payment": "پرداخت",
    "topup": "پرداخت تکمیلی",
    "reversal": "برگشت",
})

PREMIUM_PROOF_VALID_MONTHS = 12
"""Programme A: the proof that the person pays their self-employed premium (document
``sso_payment_proof``) covers a period when it was received no earlier than this many months
before the period's first month (a proof is renewed yearly; uploading a new one renews it)."""


def fa(n: int, grouped: bool = True) -> str:
    return format_number(int(n), grouping=grouped)


def program_by_code(session: Session, code: str) -> Program:
    raw = (code or "").strip().upper() if isinstance(code, str) else code
    program = session.exec(select(Program).where(Program.code == raw)).first() if raw else None
    if program is None:
        raise InvalidInput("برنامه باید A (سهم بیمه خویش‌فرما) یا B (بیمه زنان سرپرست خانوار) باشد.", field="program")
    return program


def load_run(session: Session, run_id: int, *, lock: bool = False) -> PaymentRun:
    """The run, optionally locked (SELECT … FOR UPDATE) for the rest of the transaction."""
    if isinstance(run_id, bool) or not isinstance(run_id, int):
        raise InvalidInput("شماره نوبت پرداخت باید عدد صحیح باشد.", field="run_id")
    query = select(PaymentRun).where(PaymentRun.id == run_id)
    if lock:
        query = query.with_for_update()
    run = session.exec(query).first()
    if run is None:
        raise InvalidInput(f"نوبت پرداخت شماره {fa(run_id, False)} پیدا نشد؛ شماره را بررسی کنید.", field="run_id")
    return run


def run_area(run: PaymentRun) -> Area:
    return Area(province_id=run.province_id, county_id=run.county_id)


def require_preparer(actor: Actor, province_id: int, county_id: int | None = None) -> None:
    """A provincial committee user of the province (Forbidden otherwise, in Persian)."""
    actor.require(Action.prepare_payments, Area(province_id=province_id, county_id=county_id))


def require_approver(actor: Actor, run: PaymentRun) -> None:
    actor.require(Action.approve_payments, run_area(run))
    if actor.id is not None and actor.id == run.created_by:
        raise Forbidden(
            "تهیه‌کننده نوبت پرداخت نمی‌تواند آن را تأیید کند؛ تأیید باید توسط مدیر دیگری انجام شود."
        )


def require_finalizer(actor: Actor, run: PaymentRun) -> None:
    actor.require(Action.finalize_payments, run_area(run))
    if actor.role is Role.manager and (actor.id is None or actor.id != run.approved_by):
        raise Forbidden(
            "فقط مدیری که نوبت را تأیید کرده یا کاربر کمیته استان می‌تواند آن را قطعی کند."
        )


def require_status(run: PaymentRun, *allowed: str, doing: str) -> None:
    if run.status not in allowed:
        current = RUN_STATUS_LABELS.get(run.status, run.status)
        wanted = "، ".join(RUN_STATUS_LABELS[s] for s in allowed)
        raise InvalidInput(
            f"نوبت پرداخت شماره {fa(run.id, False)} در وضعیت «{current}» است؛ {doing} فقط در وضعیت "
            f"«{wanted}» ممکن است.",
            field="status",
        )
