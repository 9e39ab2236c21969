"""``bimeyar budget-request``: next Jalali year's budget request (services.forecast) from a script.

    bimeyar budget-request --year YYYY (--wage-rise PERCENT | --wage RIALS) [--province NAME] [--json]

The same figures as the budget request screen. With ``--json`` one object: year, daily_wage_rial,
wage_rise_percent, total_rial, by_source (funding source → rials) and by_county (county → rials),
each adding up exactly to total_rial. Read-only; run by whoever operates the server (the database
URL is theirs), so it reads as the system, over the whole country or ``--province``.
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import select

from lib.errors import InvalidInput


def add_commands(sub: argparse._SubParsersAction, engine_of: Callable[[argparse.Namespace], Engine]) -> None:
    p = sub.add_parser(
        "budget-request",
        help="next year's budget request: cost of today's beneficiaries and the waiting list under a wage rise",
        description="Cost of today's beneficiaries, and of the waiting list if admitted, over a Jalali year under "
        "an assumed minimum-wage rise, per county and funding source.",
    )
    p.add_argument("--year", required=True, help="the Jalali year of the request, e.g. 1405")
    p.add_argument("--wage-rise", help="assumed rise of the minimum daily wage in percent, e.g. 45")
    p.add_argument("--wage", help="the announced minimum daily wage of that year in rials (instead of --wage-rise)")
    p.add_argument("--province", help="only this province (name or id)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=lambda args: cmd_budget_request(args, engine_of(args)))


def _int(raw: str, field: str, what: str) -> int:
    from lib.text import to_latin_digits

    text = to_latin_digits(str(raw)).replace(",", "").replace("٬", "").strip()
    if not text.isdigit():
        raise InvalidInput(f"{what} باید عدد صحیح باشد؛ «{raw}» پذیرفته نیست.", field=field)
    return int(text)


def cmd_budget_request(args: argparse.Namespace, engine: Engine) -> int:
    from db.engine import new_session
    from db.models import Province
    from lib.text import format_number, normalize_persian, to_latin_digits, to_persian_digits
    from services.base import SYSTEM
    from services.forecast import budget_request

    year = _int(args.year, "year", "سال (--year)")
    if (args.wage_rise is None) == (args.wage is None):
        raise InvalidInput("یکی از --wage-rise (درصد افزایش دستمزد) یا --wage (دستمزد روزانه اعلام‌شده) را بدهید.",
                           field="wage_rise")
    wage = None if args.wage is None else _int(args.wage, "wage", "دستمزد روزانه (--wage)")
    with new_session(engine) as session:
        province_id = None
        if args.province:
            key = normalize_persian(to_latin_digits(args.province)).strip()
            row = session.exec(select(Province).where((Province.name == key) | (Province.code == key))).first()
            if row is None and key.isdigit():
                row = session.get(Province, int(key))
            if row is None:
                raise InvalidInput(f"استان «{args.province}» پیدا نشد؛ نام استان را همان‌طور که در فهرست است بنویسید.",
                                   field="province")
            province_id = row.id
        request = budget_request(session, SYSTEM, jalali_year=year, wage_rise_percent=args.wage_rise,
                                 daily_wage=wage, province_id=province_id)
    if args.json:
        print(json.dumps({
            "year": request.jalali_year, "area": request.area, "daily_wage_rial": request.daily_wage,
            "wage_rise_percent": None if request.wage_rise_bp is None else request.wage_rise_bp / 100,
            "wage_confirmed": request.wage_confirmed,
            "total_rial": request.total_rial, "by_source": request.by_source, "by_county": request.by_county,
        }, ensure_ascii=False))
        return 0
    print(f"برآورد اعتبار سال {to_persian_digits(request.jalali_year)} — {request.area}")
    for line in request.assumptions():
        print(f"  • {line}")
    print(f"جمع کل: {format_number(request.total_rial)} ریال")
    print("به تفکیک منبع:")
    for source, amount in request.by_source.items():
        print(f"  {source}: {format_number(amount)}")
    print("به تفکیک شهرستان:")
    for county, amount in request.by_county.items():
        print(f"  {county}: {format_number(amount)}")
    return 0
