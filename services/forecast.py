"""Next Jalali year's budget request (برآورد اعتبار سال آینده), per county and funding source.

Who is costed:

* today's beneficiaries — running cases (active or suspended) with a start month: the months of the
  next year inside their grant (programme B without a duration: the whole year), and under
  programme A's 60-month cap only the months left of it: 60 − (the months of this grant before the
  next year) − (the months already paid on the person's other cases);
* the waiting list, if admitted — cases the county committee approved and that wait (programme B
  for a seat, programme A for the province) — for the whole next year at the programme's rate and
  the full share.

The wage is the current year's minimum daily wage raised by the assumed percentage (half up) or
the wage entered when announced; each month has its calendar days of the next year. Who is costed
is counted from the case tallies, not case by case (services.budget_request_counts): per county,
programme, rate and share, the running cases' months in each run of months of equal days, each
costed at one month's premium of that many days (a person's cost is the sum of her months'; the
waiting list's year costed once per programme). Programme A's total is split over its three funding
sources in proportion to this year's credit (lib.payments.split_shares, exact); programme B's 8 %
and 10 % are kept apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, select

from db.models import Budget, County, MinimumWage, Program, Province
from lib.catalog import BUDGET_SOURCES
from lib.errors import InvalidInput
from lib.payments import MAX_MONTHS
from lib.forecast import assumed_wage, person_year_cost, split_by_weights
from lib.permissions import Action, Area, Scope, scope_of
from lib.text import LATIN_DIGITS, PERSIAN_DIGITS, THOUSANDS_SEPARATOR, to_persian_digits
from lib.workflow import State
from services.program_parameters import share_weights
from services.base import Actor
from services.budget_request_counts import month_runs, running_months, waiting_groups

RUNNING_STATES = (State.active.value, State.suspended.value)
WAITING_STATES = (State.county_decision.value,)
BUCKETS = ("A", "relief_committee", "government")
ROW_COLUMNS = ["county_id", "county", "program", "people", "waiting", "current_rial", "waiting_rial",
               "A", "relief_committee", "government", "total_rial"]


@dataclass(frozen=True, eq=False)
class BudgetRequest:
    jalali_year: int
    base_year: int
    base_wage: int
    daily_wage: int
    wage_rise_bp: int | None  # None: the wage was entered
    base_confirmed: bool
    province_id: int | None
    area: str
    rows: pd.DataFrame  # ROW_COLUMNS, one row per county and programme
    total_rial: int
    by_source: dict[str, int] = field(default_factory=dict)  # funding source → rials (adds up to total)
    by_county: dict[str, int] = field(default_factory=dict)  # "county (province)" → rials (adds up to total)

    @property
    def wage_confirmed(self) -> bool:
        """False when the figure rests on a minimum wage not confirmed yet (the base year's, raised)."""
        return self.wage_rise_bp is None or self.base_confirmed

    def assumptions(self) -> list[str]:
        fa = lambda n: f"{int(n):,}".replace(",", "٬")  # noqa: E731
        wage = (f"حداقل دستمزد روزانه سال {to_persian_digits(self.base_year)} ({to_persian_digits(fa(self.base_wage))} ریال) "
                f"{'' if self.base_confirmed else '(هنوز تأیید نشده) '}با {_percent(self.wage_rise_bp)} افزایش"
                if self.wage_rise_bp is not None
                else "حداقل دستمزد روزانه اعلام‌شده")
        return [
            f"سال برآورد: {to_persian_digits(self.jalali_year)}؛ حوزه: {self.area}.",
            f"دستمزد روزانه مبنا: {wage} = {to_persian_digits(fa(self.daily_wage))} ریال (گرد شده به نزدیک‌ترین ریال).",
            "روزهای هر ماه: روزهای تقویمی همان ماه در سال برآورد (اسفند ۲۹ یا در سال کبیسه ۳۰ روز).",
            "بیمه‌شدگان فعلی: ماه‌های سال برآورد که در مدت مصوب هر نفر است، با نرخ قرارداد و سهم مصوب؛ "
            "در برنامه الف حداکثر تا سقف ۶۰ ماه هر نفر.",
            "فهرست انتظار: پرونده‌های مصوب کمیته شهرستان، در صورت پذیرش از فروردین تا اسفند، با نرخ برنامه و سهم کامل.",
            "مبنای بیمه حداقل دستمزد است (زیر سقف ۷ برابر حداقل دستمزد تأمین اجتماعی).",
            "برنامه ب: سهم کمیته امداد ۸٪ و سهم دولت ۱۰٪ جداگانه؛ برنامه الف به نسبت اعتبار امسال میان منابع آن تقسیم شده است.",
        ]


def _percent(bp: int) -> str:
    whole, part = divmod(bp, 100)
    return to_persian_digits(f"{whole}" + (f"٫{part:02d}".rstrip("0") if part else "")) + "٪"


def _year(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1300 <= value <= 1500:
        raise InvalidInput("سال برآورد را به شمسی و چهاررقمی وارد کنید، مثلاً ۱۴۰۵.", field="jalali_year")
    return value


def budget_request(
    session: Session, actor: Actor, *, jalali_year: int, wage_rise_percent: int | None = None,
    daily_wage: int | None = None, province_id: int | None = None,
) -> BudgetRequest:
    """The budget request for ``jalali_year`` (see the module docstring); a provincial user gets
    her province; ``province_id`` narrows a national one."""
    year = _year(jalali_year)
    actor.require(Action.view_reports)
    if scope_of(actor.role, actor.area) is not Scope.national:
        if province_id is not None and province_id != actor.province_id:
            actor.require(Action.view_reports, Area(province_id=province_id))
        province_id = actor.province_id
    if province_id is not None:
        province = session.get(Province, province_id)
        if province is None:
            raise InvalidInput("استان انتخاب‌شده در فهرست نیست؛ نام استان را درست وارد کنید.", field="province")
        area = f"استان {province.name}"
    else:
        area = "کل کشور"
    base = session.get(MinimumWage, year - 1)
    if base is None and daily_wage is None:
        raise InvalidInput(
            f"حداقل دستمزد سال {to_persian_digits(year - 1)} ثبت نشده است؛ آن را در اطلاعات پایه ثبت کنید یا دستمزد "
            "سال برآورد را مستقیم وارد کنید.", field="wage")
    rise_bp = None if daily_wage is not None else _rise_bp(wage_rise_percent)
    wage = assumed_wage(int(base.daily_wage_rial) if base else 0, rise_bp=rise_bp, entered=daily_wage)
    programs = {p.id: p for p in session.exec(select(Program)).all()}
    caps = {pid: cap for pid, cap in ((p.id, _cap(p)) for p in programs.values()) if cap is not None}
    running = running_months(session, year, province_id, caps, RUNNING_STATES)
    waiting = waiting_groups(session, province_id, WAITING_STATES)

    # (county, programme code) → [people, waiting, current_rial, waiting_rial, A, relief_committee, government]
    acc: dict[tuple[int, str], list[int]] = {}
    shares: dict[int, dict[str, int]] = {}

    def shares_of(program_id: int) -> dict[str, int]:  # programme B's split in force (program parameters)
        if program_id not in shares:
            shares[program_id] = share_weights(session, program_id)
        return shares[program_id]

    def cost_of(program_id: int, months: list[int], rate_bp: int, share_percent: int) -> tuple[int, int, int]:
        """One person's premiums for ``months`` of the year per bucket (BUCKETS' order)."""
        cost = person_year_cost(months, year, wage, rate_bp, share_percent, programs[program_id].code,
                                b_shares=shares_of(program_id))
        return tuple(cost.get(bucket, 0) for bucket in BUCKETS)  # type: ignore[return-value]

    runs = month_runs(year)
    month_costs: dict[tuple[int, int, int], list[tuple[int, int, int]]] = {}  # one month of each run, per bucket

    codes = {pid: p.code for pid, p in programs.items()}

    def add(county: int, program_id: int, n: int, cost: tuple[int, int, int], waiting: bool) -> None:
        """``n`` people costing ``cost`` (per bucket, all of them together)."""
        row = acc.get((county, codes[program_id]))
        if row is None:
            row = acc[county, codes[program_id]] = [0] * 7
        a, relief, government = cost
        row[1 if waiting else 0] += n
        row[3 if waiting else 2] += a + relief + government
        row[4] += a
        row[5] += relief
        row[6] += government

    for (county, program_id, rate_bp, share_percent), (people, *months) in running.items():
        per_month = month_costs.get((program_id, rate_bp, share_percent))
        if per_month is None:
            per_month = month_costs[program_id, rate_bp, share_percent] = [
                cost_of(program_id, [begin], rate_bp, share_percent) for begin, _ in runs]
        a = relief = government = 0
        for k, (one_a, one_relief, one_government) in zip(months, per_month):
            if k:
                a += k * one_a
                relief += k * one_relief
                government += k * one_government
        add(county, program_id, people, (a, relief, government), False)
    year_costs: dict[int, tuple[int, int, int]] = {}  # the whole year at the programme's rate, full share
    for (county, program_id), n in waiting.items():
        year_cost = year_costs.get(program_id)
        if year_cost is None:
            year_cost = year_costs[program_id] = cost_of(program_id, list(range(1, 13)),
                                                         int(programs[program_id].rate_bp), 100)
        add(county, program_id, n, tuple(c * n for c in year_cost), True)  # type: ignore[arg-type]

    names = {cid: (cname, pname) for cid, cname, pname in session.connection().execute(
        select(County.id, County.name, Province.name).join(Province, Province.id == County.province_id)
    ).all()}
    national = province_id is None
    rows = []
    for (county, code), v in sorted(acc.items(), key=lambda kv: (names[kv[0][0]][1], names[kv[0][0]][0], kv[0][1])):
        label = f"{names[county][0]} ({names[county][1]})" if national else names[county][0]
        rows.append([county, label, code, *v, v[2] + v[3]])
    frame = pd.DataFrame(rows, columns=ROW_COLUMNS)
    total = sum(row[-1] for row in rows)

    by_county: dict[str, int] = {}
    for row in rows:
        by_county[row[1]] = by_county.get(row[1], 0) + row[-1]
    # Programme A's pool split over its sources by this year's credit (exact); B's shares as they are.
    credit_q = select(Budget.source, func.sum(Budget.amount_rial)).join(Program, Program.id == Budget.program_id).where(
        Program.code == "A", Budget.jalali_year == year - 1)
    if province_id is not None:
        credit_q = credit_q.where(Budget.province_id == province_id)
    weights = {source: 0 for source in BUDGET_SOURCES["A"]}
    weights.update({s: int(a or 0) for s, a in session.exec(credit_q.group_by(Budget.source)).all()})
    a_total = sum(row[7] for row in rows)
    by_source = {s: 0 for s in (*BUDGET_SOURCES["A"], *BUDGET_SOURCES["B"])}
    by_source.update(split_by_weights(a_total, weights, BUDGET_SOURCES["A"][0]))
    by_source["relief_committee"] = sum(row[8] for row in rows)
    by_source["government"] = sum(row[9] for row in rows)
    return BudgetRequest(year, year - 1, int(base.daily_wage_rial) if base else 0, wage,
                         rise_bp, bool(base.confirmed) if base else True, province_id, area, frame, total, by_source, by_county)


def _cap(program: Program) -> int | None:
    """The programme's cap of months per person (programme A: the seed's 60 if the row has none)."""
    return program.max_months if program.max_months is not None else (MAX_MONTHS if program.code == "A" else None)


def _rise_bp(percent: object) -> int:
    """A wage rise typed as a percent (45, 45.5, "۴۵") → basis points."""
    from decimal import Decimal, InvalidOperation

    from lib.text import to_latin_digits

    try:
        value = Decimal(to_latin_digits(str(percent)).replace("٫", ".").replace("%", "").replace("٪", "").strip())
    except (InvalidOperation, ValueError):
        value = None
    if percent is None or value is None or not value.is_finite() or not 0 <= value <= 500 or (value * 100) % 1:
        raise InvalidInput("درصد افزایش حداقل دستمزد را عددی بین ۰ و ۵۰۰ وارد کنید، مثلاً ۴۵ یا ۴۵٫۵.", field="wage_rise")
    return int(value * 100)


SOURCE_LABELS = {
    "program_30435": "برنامه ۳۰۴۳۵", "public_participation": "مشارکت‌های مردمی", "other": "سایر منابع",
    "relief_committee": "سهم کمیته امداد (۸٪)", "government": "سهم دولت (۱۰٪)",
}
PROGRAM_NAMES = {"A": "الف", "B": "ب"}


_FA_NUMBER = str.maketrans(LATIN_DIGITS + ",", PERSIAN_DIGITS + THOUSANDS_SEPARATOR)


def _fa(n: int) -> str:
    """``n`` with Persian digits and thousands separators (١٢٬٣٤٥)."""
    return f"{int(n):,}".translate(_FA_NUMBER)


def request_rows(request: BudgetRequest) -> tuple[list[str], list[list[str]]]:
    """The request's table as people read it (Persian headers, Persian digits): county rows then the total."""
    headers = ["شهرستان", "برنامه", "بیمه‌شدگان", "در انتظار", "بیمه‌شدگان فعلی (ریال)", "فهرست انتظار (ریال)", "جمع (ریال)"]
    frame = request.rows  # column by column: plain ints, no row objects
    rows = [[str(county), PROGRAM_NAMES.get(program, program), _fa(people), _fa(waiting), _fa(current), _fa(waiting_rial),
             _fa(total)] for county, program, people, waiting, current, waiting_rial, total in zip(*(
                 frame[c].tolist() for c in ("county", "program", "people", "waiting", "current_rial", "waiting_rial",
                                             "total_rial")))]
    rows.append(["جمع کل", "", "", "", "", "", _fa(request.total_rial)])
    return headers, rows


def budget_request_shown(session: Session, actor: Actor, **kwargs) -> tuple[BudgetRequest, list[str], list[list[str]]]:
    """The request (:func:`budget_request`'s arguments) with its table as people read it (:func:`request_rows`):
    what the screen shows, read and formatted in one call it can keep until the next write."""
    request = budget_request(session, actor, **kwargs)
    return (request, *request_rows(request))


def budget_request_pdf(request: BudgetRequest) -> bytes:
    """The request as a PDF to send upward: assumptions, totals by funding source, the county table."""
    from services.printing import render

    headers, rows = request_rows(request)

    def draw(doc) -> None:
        doc.heading(f"برآورد اعتبار سال {to_persian_digits(request.jalali_year)} — {request.area}")
        doc.gap()
        doc.text_line("فرض‌ها", bold=True)
        for line in request.assumptions():
            doc.text_line(f"• {line}", size=10)
        doc.gap()
        doc.text_line(f"جمع کل: {_fa(request.total_rial)} ریال", bold=True, size=12)
        doc.grid(["منبع اعتبار", "مبلغ (ریال)"],
                 [[SOURCE_LABELS.get(s, s), _fa(v)] for s, v in request.by_source.items()], [3, 2])
        doc.gap()
        doc.grid(headers, rows, [3, 1, 1.3, 1.3, 2.4, 2.4, 2.4])

    return render(f"برآورد اعتبار {request.jalali_year}", draw)


def budget_request_xlsx(request: BudgetRequest) -> bytes:
    """The request as Excel: the county table (integer rials), the sources, and the assumptions."""
    from lib.xlsx import Sheet, workbook_bytes

    table = Sheet(
        "برآورد", ["شهرستان", "برنامه", "بیمه‌شدگان", "در انتظار", "بیمه‌شدگان فعلی (ریال)", "فهرست انتظار (ریال)",
                   "سهم برنامه الف (ریال)", "سهم کمیته امداد (ریال)", "سهم دولت (ریال)", "جمع (ریال)"],
        [[str(r.county), PROGRAM_NAMES.get(r.program, r.program), int(r.people), int(r.waiting), int(r.current_rial),
          int(r.waiting_rial), int(r.A), int(r.relief_committee), int(r.government), int(r.total_rial)]
         for r in request.rows.itertuples(index=False)] + [["جمع کل", "", None, None, None, None, None, None, None,
                                                           request.total_rial]],
        money=frozenset({4, 5, 6, 7, 8, 9}), widths=(24, 8, 12, 12, 20, 20, 20, 20, 20, 20),
    )
    sources = Sheet("منابع", ["منبع اعتبار", "مبلغ (ریال)"],
                    [[SOURCE_LABELS.get(s, s), v] for s, v in request.by_source.items()], money=frozenset({1}), widths=(30, 20))
    notes = Sheet("فرض‌ها", ["فرض"], [[line] for line in request.assumptions()], widths=(120,))
    return workbook_bytes([table, sources, notes])
