"""``bimeyar payment-run``: prepare a payment run from a script, and approve and finalise it when asked.

    bimeyar payment-run --as USER --program A|B --province NAME [--county NAME] --from YYYY/MM
        --to YYYY/MM --budget RIALS --strategy full|percent|months|combined|priority
        [--paid-months N --percent P] [--confirm-wage] [--approve-as USER] [--finalize-as USER] [--json]

The same services and role rules as the payment screen: ``--as`` prepares (a provincial committee
user of the province), ``--approve-as`` approves (a manager whose area covers it, not the preparer),
``--finalize-as`` finalises (a provincial committee user or the approver). Every input and every
user's right is checked before anything is written; bad input prints a Persian message on stderr
and exits with status 2 (cli.main). Should a later step still be refused (someone finalised an
overlapping run meanwhile), the draft this command made is cancelled, with the reason, so that it
never lingers. With ``--json`` one object is printed: run_id, status, people, lines, total_rial,
budget_rial, percent, months (paid), held_back (reason → people), agency_rial, government_rial.
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import select

from lib.errors import InvalidInput


def add_commands(sub: argparse._SubParsersAction, engine_of: Callable[[argparse.Namespace], Engine]) -> None:
    """Register ``payment-run`` on cli.py's sub-command parser."""
    p = sub.add_parser(
        "payment-run",
        help="prepare a payment run (and approve and finalise it with --approve-as / --finalize-as)",
        description="Prepare a payment run for a programme, province (optionally one county) and a period of "
        "Jalali months, fitted to a budget with a strategy; optionally approve and finalise it as other users, "
        "under the same role rules as the payment screen. Nothing is written when an input or a right is wrong.",
    )
    p.add_argument("--as", dest="as_user", help="username of the provincial committee user who prepares the run")
    p.add_argument("--program", help="A (self-employed share) or B (female heads of household)")
    p.add_argument("--province", help="province name (e.g. تهران) or id")
    p.add_argument("--county", help="only this county of the province (name or id)")
    p.add_argument("--from", dest="start", help="first Jalali month, YYYY/MM")
    p.add_argument("--to", dest="end", help="last Jalali month, YYYY/MM (at most 12 months after --from)")
    p.add_argument("--budget", help="credit available for the run, in rials (any digits, separators allowed)")
    p.add_argument("--strategy", help="full | percent | months | combined | priority")
    p.add_argument("--paid-months", type=str, help="with --strategy combined: pay the first N months ...")
    p.add_argument("--percent", type=str, help="... at P percent (a cell of the months x percent grid)")
    p.add_argument("--confirm-wage", action="store_true",
                   help="confirm using a minimum wage that is not yet confirmed (as the screen asks)")
    p.add_argument("--approve-as", help="username of the manager who approves the run")
    p.add_argument("--finalize-as", help="username of the user who finalises it (needs --approve-as)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=lambda args: cmd_payment_run(args, engine_of(args)))


def _need(value: str | None, flag: str, what: str) -> str:
    if value is None or not str(value).strip():
        raise InvalidInput(f"{what} را با {flag} بدهید.", field=flag.strip("-"))
    return str(value).strip()


def _actor(session, username: str, flag: str):
    from db.models import User
    from services.sign_in import actor_for

    name = username.strip().lower()
    user = session.exec(select(User).where(User.username == name)).first()
    if user is None or not user.active:
        raise InvalidInput(f"کاربر فعالی با نام کاربری «{username}» ({flag}) پیدا نشد.", field=flag.strip("-"))
    return actor_for(user)


def cmd_payment_run(args: argparse.Namespace, engine: Engine) -> int:
    from cli import _area_ids
    from db.engine import new_session
    from db.models import PaymentRun
    from lib.jalali import months_between, parse_year_month
    from lib.payments import Strategy
    from lib.text import parse_int
    from services.payments import approve_run, cancel_run, create_run, finalize_run, prepare_run
    from services.payments.common import require_approver, require_finalizer, require_preparer

    program = _need(args.program, "--program", "برنامه (A یا B)").upper()
    start = parse_year_month(_need(args.start, "--from", "ماه شروع دوره (سال/ماه)"), field="from")
    end = parse_year_month(_need(args.end, "--to", "ماه پایان دوره (سال/ماه)"), field="to")
    months = months_between(start, end) + 1
    if months < 1:
        raise InvalidInput("ماه پایان (--to) نباید پیش از ماه شروع (--from) باشد.", field="to")
    budget = parse_int(_need(args.budget, "--budget", "اعتبار (ریال)"), field="budget", label_fa="اعتبار (ریال)",
                       minimum=0)
    strategy = _need(args.strategy, "--strategy", "روش تطبیق با اعتبار").lower()
    if strategy not in {s.value for s in Strategy}:
        raise InvalidInput(
            f"روش «{strategy}» شناخته نیست؛ یکی از full، percent، months، combined یا priority را بدهید.",
            field="strategy",
        )
    paid_months = percent = None
    if args.paid_months is not None or args.percent is not None:
        paid_months = parse_int(_need(args.paid_months, "--paid-months", "تعداد ماه‌های پرداختی"),
                                field="paid_months", label_fa="تعداد ماه‌های پرداختی", minimum=1, maximum=months)
        percent = parse_int(_need(args.percent, "--percent", "درصد پرداخت"), field="percent",
                            label_fa="درصد پرداخت", minimum=1, maximum=100)
    if args.finalize_as and not args.approve_as:
        raise InvalidInput("برای قطعی کردن (--finalize-as) نوبت باید اول تأیید شود؛ --approve-as را هم بدهید.",
                           field="approve_as")

    with new_session(engine) as session:
        preparer = _actor(session, _need(args.as_user, "--as", "نام کاربری تهیه‌کننده"), "--as")
        province_id, county_id = _area_ids(session, _need(args.province, "--province", "استان"), args.county)
        approver = _actor(session, args.approve_as, "--approve-as") if args.approve_as else None
        finalizer = _actor(session, args.finalize_as, "--finalize-as") if args.finalize_as else None
        # every right is checked before anything is written
        require_preparer(preparer, province_id, county_id)
        planned = PaymentRun(program_id=0, province_id=province_id, county_id=county_id, jalali_year=start.year,
                             start_month=start.month, months=months, strategy=strategy, budget_rial=budget,
                             created_by=preparer.id, approved_by=approver.id if approver else None)
        if approver is not None:
            require_approver(approver, planned)
        if finalizer is not None:
            require_finalizer(finalizer, planned)
        preview = prepare_run(session, preparer, program=program, province_id=province_id, county_id=county_id,
                              start=start, months=months)
        run = create_run(session, preparer, preview, budget_rial=budget, strategy=strategy, months=paid_months,
                         percent=percent, confirm_unconfirmed_wage=args.confirm_wage)
        try:
            if approver is not None:
                run = approve_run(session, approver, run.id)
            if finalizer is not None:
                run = finalize_run(session, finalizer, run.id)
        except InvalidInput as exc:
            session.rollback()
            cancel_run(session, preparer, run.id, f"لغو خودکار خط فرمان: {exc.message}"[:400])
            raise
        result = {
            "run_id": run.id,
            "status": run.status,
            "program": program,
            "period": f"{start.year:04d}/{start.month:02d}-{end.year:04d}/{end.month:02d}",
            "people": run.people,
            "lines": run.line_count,
            "total_rial": run.total_rial,
            "budget_rial": run.budget_rial,
            "percent": run.percent,
            "months": run.paid_months,
            "agency_rial": run.agency_rial,
            "government_rial": run.government_rial,
            "held_back": dict(sorted((run.held_back or {}).items())),
        }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"Payment run {result['run_id']} ({program}, {result['period']}): {result['status']}")
        print(f"  {result['people']:,} people, {result['lines']:,} lines, {result['total_rial']:,} of "
              f"{result['budget_rial']:,} rials ({result['months']} months at {result['percent']} %)")
        if result["held_back"]:
            print("  held back: " + ", ".join(f"{k} {v:,}" for k, v in result["held_back"].items()))
    return 0
