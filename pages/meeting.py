"""The meeting view for the projector (نمای جلسه): a presentation mode without the sidebar, one
case at a time in large type, an agenda strip to jump to any case, the running tally, and the
decision panel always in view. Opened as ``pages/meeting.py?session=N``.

Keyboard: → previous, ← next (right to left), 1 approve, 2 reject, 3 defer (each opens the
confirmation; Enter confirms). After a decision the view moves to the next undecided case.

Speed: the agenda strip's order (the cases' ids in the committee's order: the agenda's index, which
the sessions page reads too, once per data version) is kept in the browser session for the meeting
(the «تازه‌سازی دستور کار» button reads it again); a step reads, in one session, the one case shown,
the names of the strip cases in view and this session's decisions, so it costs the same whatever
the area's size."""
import streamlit as st

from lib.catalog import CONTRACT_RATES, TARGET_GROUPS, label
from lib.text import to_latin_digits
from lib.workflow import State
from services import committee as cm
from services.committee import meeting as mt
from ui import committee_cache
from ui.context import act, read, require_actor
from ui.versioned import current_version, versioned
from ui.errors import guarded
from ui.fmt import (
    PROGRAM_LABELS,
    STATE_LABELS,
    format_jalali,
    format_percent_bp,
    format_rial,
    md_escape,
    to_persian_digits,
)
from ui.fmt import html_text as escape  # user text inside HTML: escaped, no blank line
from ui.widgets import whole_number_input

PENDING = "meeting_pending"
GOTO_ERROR = "meeting_goto_error"
FLASH = "meeting_flash"
WINDOW = 9  # strip buttons shown around the current case
KEYS = {cm.Outcome.approve: "1", cm.Outcome.reject: "2", cm.Outcome.defer: "3"}
MARK = {"approve": "✓", "reject": "✗", "defer": "⏸", mt.PENDING: "○"}
CSS = """
<style>
/* presentation mode: this page only — no sidebar, no header bar, the whole width */
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"] { display: none !important; }
[data-testid="stMainBlockContainer"], .block-container { padding: .6rem 1.4rem .6rem !important; max-width: 100% !important; }
[data-testid="stMain"] { margin-inline-start: 0 !important; }
.stMainBlockContainer [data-testid="stVerticalBlock"] { gap: .45rem; }
.bm-meet-head { font-size: 1.25rem; color: #111; font-weight: 700; line-height: 1.4; }
.bm-meet-head small { font-weight: 500; color: #333; font-size: 1.05rem; }
.bm-meet-tally { font-size: 1.35rem; line-height: 1.5; color: #111; }
.bm-meet-tally b { font-size: 1.6rem; }
.bm-meet-tally .ok { color: #0b6b2b; } .bm-meet-tally .no { color: #a0160e; } .bm-meet-tally .wait { color: #6b4e00; }
.bm-meet-pos { font-size: 1.5rem; font-weight: 800; color: #0d3b40; }
.bm-meet-name { font-size: 5.2rem; font-weight: 900; line-height: 1.12; margin: 0; color: #000; }
.bm-meet-total { font-size: 3.8rem; font-weight: 900; line-height: 1.1; color: #0d3b40; }
.bm-meet-total small { font-size: 1.6rem; font-weight: 700; color: #222; }
.bm-meet-line { font-size: 1.4rem; line-height: 1.6; color: #111; }
.bm-meet-box { background: #fff; border: 2px solid #9fb3b1; border-radius: .6rem; padding: .4rem .9rem; margin-bottom: .5rem; }
.bm-meet-box h3 { font-size: 1.45rem; margin: 0 0 .2rem; padding: 0; color: #000; }
.bm-meet-row { display: flex; gap: .8rem; justify-content: space-between; align-items: baseline; font-size: 1.3rem;
  line-height: 1.5; border-bottom: 1px dashed #b9c6c4; padding: .05rem 0; color: #111; }
.bm-meet-row > span:last-child { white-space: nowrap; }
.bm-ok { color: #0b6b2b; font-weight: 800; }
.bm-no { color: #a0160e; font-weight: 800; }
.bm-unknown { color: #6b4e00; }
.bm-meet-offer { font-size: 1.35rem; line-height: 1.55; padding: .45rem .8rem; border-radius: .5rem;
  background: #eef3ff; border: 2px solid #8ea6dd; color: #000; }
.bm-meet-decision { font-size: 1.5rem; font-weight: 800; padding: .4rem .9rem; border-radius: .5rem;
  background: #e3f3e6; border: 2px solid #5aa86c; color: #000; }
.bm-meet-decision.reject { background: #fbe6e4; border-color: #c9524a; }
.bm-meet-decision.defer { background: #fff1cc; border-color: #c79a1e; }
[data-testid="stBaseButton-primary"] p, [data-testid="stBaseButton-secondary"] p { font-size: 1.3rem; font-weight: 700; }
[role="dialog"] p { font-size: 1.35rem; color: #000; }
[role="dialog"] h3 { font-size: 1.8rem; }
.st-key-meeting_decide [data-testid="stWidgetLabel"] p { font-size: 1.15rem; color: #000; }
.st-key-meeting_decide input { font-size: 1.3rem; }
.st-key-meeting_strip [data-testid="stBaseButton-secondary"] p,
.st-key-meeting_strip [data-testid="stBaseButton-primary"] p { font-size: 1.05rem; }
</style>
"""
CHECK = {True: '<span class="bm-ok">✓ دارد</span>', False: '<span class="bm-no">✗ ندارد</span>',
         None: '<span class="bm-unknown">— ثبت نشده</span>'}

actor = require_actor()
version = current_version()  # a step reads again only what a write since the last one may change (ui.versioned)


def month_cap() -> int:
    """Programme A's cap of months in force (programme parameters; the seeds' 60 without one)."""
    return committee_cache.month_cap(version)  # shared with the sessions page, wrapped once per process


def fa(n: object) -> str:
    return to_persian_digits(n)


def html(markup: str) -> None:
    st.markdown(markup, unsafe_allow_html=True)


def box(title: str, rows: list[str]) -> None:
    """A bordered block of large rows (no table to scroll)."""
    html(f'<div class="bm-meet-box"><h3>{escape(title)}</h3>{"".join(rows)}</div>')


def row(left: str, right: str) -> str:
    return f'<div class="bm-meet-row"><span>{left}</span><span>{right}</span></div>'


def terms_text(t: cm.Terms) -> str:
    return (f"{fa(t.months or 0)} ماه، سهم {fa(t.share_percent or 0)}٪، "
            f"نرخ {format_percent_bp(t.contract_rate_bp) if t.contract_rate_bp else '—'}")


def pick_session() -> None:
    """No session in the address: choose one of the open sessions of the actor's committee."""
    st.title("نمای جلسه")
    open_sessions = [s for s in read(cm.list_sessions, actor, level=cm.default_level(actor)) if s.is_open]
    if not open_sessions:
        st.info("جلسه بازی نیست؛ از صفحه «جلسات کمیته» جلسه‌ای تشکیل دهید.")
        st.stop()
    by_id = {s.id: s for s in open_sessions}
    chosen = st.selectbox(
        "جلسه باز", list(by_id),
        format_func=lambda i: f"جلسه {fa(by_id[i].number)} — {format_jalali(by_id[i].held_on)} — {PROGRAM_LABELS[by_id[i].program]}",
    )
    if st.button("نمایش جلسه", type="primary"):
        st.query_params["session"] = str(chosen)
        st.rerun()
    st.stop()


raw = st.query_params.get("session", "")
if not raw.isdigit():
    pick_session()
st.html(CSS)
session_id = int(raw)
STRIP, POSITION = f"meeting_strip_{session_id}", f"meeting_position_{session_id}"
state = versioned(mt.meeting_state, version, session_id)
if state is None:
    st.stop()
if STRIP not in st.session_state:  # the agenda's order, kept for the meeting (read once per data version)
    index_now = versioned(cm.agenda_index, version, session_id)
    if index_now is None:
        st.stop()
    st.session_state[STRIP] = index_now.ids
strip: tuple[int, ...] = st.session_state[STRIP]  # application ids; position = place + 1
summary, outcomes, tally = state.summary, state.outcomes, state.tally
if FLASH in st.session_state:
    st.toast(st.session_state.pop(FLASH), icon="✅")


def status(application_id: int) -> str:
    return outcomes.get(application_id, mt.PENDING)


def go(index: int) -> None:
    st.session_state[POSITION] = min(max(index, 0), len(strip) - 1)
    st.session_state.pop(PENDING, None)


def go_to_number() -> None:
    """The «رفتن به شماره» box: any digits (Persian, Arabic or Latin) of a position in the agenda."""
    wanted = to_latin_digits(st.session_state.get("meeting_goto") or "").strip()
    st.session_state["meeting_goto"] = ""
    if wanted.isdigit() and 1 <= int(wanted) <= len(strip):
        go(int(wanted) - 1)
    else:
        st.session_state[GOTO_ERROR] = f"شماره‌ای از ۱ تا {fa(len(strip))} بنویسید."


def reload_strip() -> None:
    st.session_state.pop(STRIP, None)


def leave() -> None:
    st.switch_page("pages/sessions.py")


# --------------------------------------------------------------------------- heading and tally
if POSITION not in st.session_state and strip:  # the meeting opens at its first undecided case
    st.session_state[POSITION] = next(
        (i for i, case in enumerate(strip) if case not in outcomes), 0)
index = min(max(st.session_state.get(POSITION, 0), 0), max(len(strip) - 1, 0))
head, tally_col, tools = st.columns([5, 6, 3], vertical_alignment="center")
head.markdown(
    f'<div class="bm-meet-head">{escape(summary.committee_title)} — جلسه شماره <bdi>{escape(fa(summary.number))}</bdi>'
    f" · {format_jalali(summary.held_on)}{' · بسته' if not summary.is_open else ''}</div>",
    unsafe_allow_html=True,
)
decided_here = sum(1 for case in strip if case in outcomes)
cost = ""
if summary.program == "A":
    money = "—" if tally.cost is None else format_rial(tally.cost)
    unconfirmed = "، قطعی‌نشده" if not tally.wage_confirmed else ""
    year = f" (دستمزد {fa(tally.wage_year)}{unconfirmed})" if tally.wage_year else ""
    cost = f" · <b>{fa(tally.months)}</b> ماه تأییدشده · هزینه برآوردی <b>{money}</b>{year}"
tally_col.markdown(
    f'<div class="bm-meet-tally"><span class="ok">تأیید <b>{fa(tally.approved)}</b></span> · '
    f'<span class="no">رد <b>{fa(tally.rejected)}</b></span> · '
    f'<span class="wait">تعویق <b>{fa(tally.deferred)}</b></span> · '
    f"در انتظار <b>{fa(len(strip) - decided_here)}</b>{cost}</div>",
    unsafe_allow_html=True,
)
t1, t2 = tools.columns(2)
t1.button("تازه‌سازی دستور کار", key="meeting_reload", on_click=guarded(reload_strip), width="stretch",
          help="پرونده‌هایی که از آغاز جلسه آماده تصمیم شده‌اند به دستور کار افزوده می‌شوند.")
if t2.button("بازگشت", key="meeting_leave", icon=":material/logout:", width="stretch",
             help="خروج از نمای جلسه و بازگشت به صفحه «جلسات کمیته»"):
    leave()
if not strip:
    st.info("دستور کار این جلسه خالی است: پرونده‌ای آماده تصمیم این کمیته نیست.")
    st.stop()

# --------------------------------------------------------------------------- agenda strip
first = min(max(index - WINDOW // 2, 0), max(len(strip) - WINDOW, 0))
shown = strip[first:first + WINDOW]
# the case shown, its details and the names in the strip's window: one read, once per data version
step = versioned(mt.meeting_step, version, session_id, strip[index], index + 1, shown)
if step is None:
    st.stop()
with st.container(key="meeting_strip"):
    prev_col, *cells, next_col, jump_col = st.columns([1.2] + [2] * len(shown) + [1.2, 1.6], vertical_alignment="center")
    # Right to left: «previous» sits on the right (→ key), «next» on the left (← key).
    prev_col.button("قبلی", icon=":material/arrow_forward:", key="meeting_prev", shortcut="Right",
                    on_click=guarded(go), args=(index - 1,), disabled=index == 0, width="stretch")
    for place, (cell, case) in enumerate(zip(cells, shown), start=first):
        name = step.names.get(case, "—")
        cell.button(
            f"{fa(place + 1)} {MARK[status(case)]} {md_escape(name)}", key=f"meeting_jump_{case}",
            type="primary" if place == index else "secondary", on_click=guarded(go), args=(place,),
            width="stretch", help=md_escape(f"{name} — {cm.OUTCOME_LABELS.get(status(case), 'در انتظار تصمیم')}"),
        )
    next_col.button("بعدی", icon=":material/arrow_back:", key="meeting_next", shortcut="Left",
                    on_click=guarded(go), args=(index + 1,), disabled=index == len(strip) - 1, width="stretch")
    jump_col.text_input("رفتن به شماره", key="meeting_goto", placeholder=f"شماره ۱ تا {fa(len(strip))}",
                        label_visibility="collapsed", on_change=guarded(go_to_number))
    if GOTO_ERROR in st.session_state:
        jump_col.error(st.session_state.pop(GOTO_ERROR))

item, details = step.item, step.details
if item is None or details is None:
    st.warning("این پرونده دیگر در دستور کار این جلسه نیست (در جلسه دیگری بررسی شد یا وضعیتش تغییر کرد)؛ "
               "«تازه‌سازی دستور کار» را بزنید.", icon="⚠️")
    st.stop()

# --------------------------------------------------------------------------- the case
case_col, decision_col = st.columns([8, 4], gap="medium")
with case_col:
    total = ""
    if item.program == "A":
        total = (f'<div class="bm-meet-total">{fa(details.score_total)} <small>از {fa(details.score_maximum)} امتیاز</small></div>'
                 if details.score_total is not None else '<div class="bm-meet-total"><small>امتیازی ثبت نشده است</small></div>')
    html(
        f'<div class="bm-meet-pos">پرونده {fa(item.position)} از {fa(len(strip))}</div>'
        f'<div class="bm-meet-name">{escape(item.applicant_name)}</div>{total}'
        f'<div class="bm-meet-line">کد ملی <bdi dir="ltr">{fa(escape(item.national_code))}</bdi> · '
        f'کد رهگیری <bdi dir="ltr">{escape(item.tracking_code)}</bdi> · شهرستان {escape(item.county_name)} · '
        f"{escape(PROGRAM_LABELS[item.program])}</div>"
        f"<div class=\"bm-meet-line\">جامعه هدف: {escape(label(TARGET_GROUPS, item.target_group) if item.target_group else '—')} · "
        f"رشته شغلی: {escape(item.job_field or '—')} · درخواست {format_jalali(item.applied_on)}</div>"
    )
    if item.override_rank:
        html(f'<div class="bm-meet-line">اولویت دستی کمیته: {fa(item.override_rank)} — {escape(item.override_reason or "")}</div>')
    elif item.discount_holder:
        html('<div class="bm-meet-line">دارنده تخفیف بیمه‌ای در رشته شناسه‌دار (پس از دیگران)</div>')
    score_col, checks_col = st.columns(2)
    with score_col:
        if item.program == "A":
            box("جدول امتیازات", [row(escape(line.label), f"{fa(line.points)} از {fa(line.maximum)}")
                                  for line in details.score_lines] or [row("امتیازی ثبت نشده است", "")])
            box("سقف حمایت", [row(f"باقی‌مانده از {fa(month_cap())} ماه", f"{fa(item.remaining_months)} ماه")])
    with checks_col:
        box("مدارک", [row(escape(d.label), CHECK[d.ok]) for d in details.documents])
        if details.eligibility:
            box("شرایط", [row(escape(e.label), CHECK[e.ok]) for e in details.eligibility])


# --------------------------------------------------------------------------- the decision
def next_undecided(after: int, decided: set[int]) -> int:
    """The index of the first undecided case after ``after`` (wrapping), else ``after``."""
    for ahead in range(1, len(strip) + 1):
        candidate = (after + ahead) % len(strip)
        if strip[candidate] not in decided:
            return candidate
    return after


def _forget() -> None:
    st.session_state.pop(PENDING, None)


@st.dialog("تأیید تصمیم", on_dismiss=guarded(_forget))
def confirm(pending: dict) -> None:
    outcome = cm.Outcome(pending["outcome"])
    st.markdown(f"### {cm.OUTCOME_LABELS[outcome]} — {md_escape(pending['name'])}")
    if outcome == cm.Outcome.approve and pending["terms"]:
        st.markdown(md_escape(terms_text(cm.Terms(**pending["terms"]))))
    if outcome == cm.Outcome.reject:
        st.markdown("پرونده رد می‌شود و بسته می‌ماند؛ بازگشت از رد ممکن نیست.")
    st.markdown(f"**دلیل:** {md_escape(pending['reason'] or '—')}")
    yes, no = st.columns(2)
    if yes.button(f"ثبت «{cm.OUTCOME_LABELS[outcome]}»", type="primary", key="meeting_confirm", shortcut="Enter",
                  width="stretch"):
        done = act(cm.record_decision, session_id, pending["case"], outcome, pending["reason"], seen=pending["seen"],
                   **(pending["terms"] if outcome == cm.Outcome.approve else {}))
        if done is not None:
            _forget()
            st.session_state[POSITION] = next_undecided(index, set(outcomes) | {pending["case"]})
            st.session_state[FLASH] = f"تصمیم «{cm.OUTCOME_LABELS[outcome]}» برای {md_escape(pending['name'])} ثبت شد."
            st.rerun()
    if no.button("انصراف", key="meeting_cancel", shortcut="Esc", width="stretch"):
        _forget()
        st.rerun()


def terms_inputs(key: str) -> dict:
    """Programme A: months, share and contract rate, preset from this session's decision or the
    county's proposal."""
    proposal = item.proposal.terms if item.proposal else None
    previous = item.decision.terms if item.decision and item.decision.terms.months else proposal
    rates = list(CONTRACT_RATES)
    rate_now = item.contract_rate_bp or (previous.contract_rate_bp if previous else None)
    c1, c2, c3 = st.columns([1, 1, 1.3])
    with c1:
        months = whole_number_input(
            "ماه", f"{key}_months", minimum=1, maximum=month_cap(),
            default=previous.months if previous and previous.months else max(1, item.remaining_months or 1),
        )
    with c2:
        share = whole_number_input("درصد سهم", f"{key}_share", minimum=1, maximum=100,
                                   default=previous.share_percent if previous and previous.share_percent else 100)
    rate = c3.selectbox(
        "نرخ قرارداد", rates, format_func=CONTRACT_RATES.get, key=f"{key}_rate",
        index=rates.index(rate_now) if rate_now in rates else None, placeholder="انتخاب کنید",
    )
    return {"months": months, "share_percent": share, "contract_rate_bp": rate}


def offer_line(terms: dict) -> None:
    """What the county proposed and, for programme A, what this approval would cost."""
    if item.program != "A":
        return
    parts = []
    if item.proposal:
        reason = f" — {escape(item.proposal.reason)}" if item.proposal.reason else ""
        parts.append(f"پیشنهاد کمیته شهرستان: <b>تأیید، {escape(terms_text(item.proposal.terms))}</b>{reason}")
    elif summary.level == cm.Level.province.value:
        parts.append("پیشنهاد کمیته شهرستان ثبت نشده است.")
    wage = versioned(mt.approval_wage, version)  # once per data version (and day), whatever the terms typed
    cost = mt.cost_at(wage, cm.Terms(**terms))
    if cost is None:
        parts.append("هزینه تأیید: پس از انتخاب نرخ قرارداد (یا ثبت حداقل دستمزد سال) برآورد می‌شود.")
    else:
        unconfirmed = " (قطعی‌نشده)" if not cost.wage_confirmed else ""
        parts.append(f"هزینه این تأیید به دستمزد {fa(cost.wage_year)}{unconfirmed}: ماهانه <b>{format_rial(cost.monthly)}</b>، "
                     f"در {fa(cost.months)} ماه <b>{format_rial(cost.total)}</b>")
    html(f'<div class="bm-meet-offer">{"<br>".join(parts)}</div>')


@st.fragment
def decision_panel() -> None:
    """Terms, reason and the three decisions; reruns alone while the terms are edited."""
    if item.decision:
        d = item.decision
        granted = f" — {escape(terms_text(d.terms))}" if d.terms.months else ""
        html(f'<div class="bm-meet-decision {d.outcome}">تصمیم این جلسه: {cm.OUTCOME_LABELS[cm.Outcome(d.outcome)]}{granted}'
             f"{' — ' + escape(d.reason) if d.reason else ''} · وضعیت: {STATE_LABELS[item.state]}</div>")
    if item.missing:
        st.warning("برای تأیید کمیته استان هنوز کامل نیست: " + "، ".join(item.missing), icon="⚠️")
    if not summary.is_open:
        st.info("این جلسه بسته است و تصمیم‌هایش قطعی‌اند.")
        return
    if item.state == State.rejected:
        st.info("این پرونده رد شده و بسته است؛ تصمیم دیگری برای آن ثبت نمی‌شود.")
        return
    # the decision this user saw when choosing (the previous run): a decision taken meanwhile by
    # another member is not overwritten, the service refuses
    seen_key = f"meet_seen_{session_id}_{item.application_id}"
    current = item.decision.id if item.decision else None
    seen = st.session_state.get(seen_key, current)
    st.session_state[seen_key] = current
    key = f"meet_{item.application_id}"
    terms = terms_inputs(key) if item.program == "A" else {}
    if terms:
        offer_line(terms)
    reason = st.text_input("دلیل (برای رد و تعویق لازم است)", key=f"{key}_reason")
    approve = st.button("تأیید", type="primary", icon=":material/check:",
                        key="meeting_approve", shortcut=KEYS[cm.Outcome.approve], width="stretch")
    b1, b2 = st.columns(2)
    reject = b1.button("رد", key="meeting_reject", icon=":material/close:",
                       shortcut=KEYS[cm.Outcome.reject], width="stretch")
    defer = b2.button("تعویق", key="meeting_defer", icon=":material/schedule:",
                      shortcut=KEYS[cm.Outcome.defer], width="stretch")
    chosen = cm.Outcome.approve if approve else cm.Outcome.reject if reject else cm.Outcome.defer if defer else None
    if chosen is not None:
        st.session_state[PENDING] = {"outcome": chosen.value, "case": item.application_id, "reason": reason,
                                     "name": item.applicant_name, "seen": seen, "terms": terms}
    pending = st.session_state.get(PENDING)
    if pending and pending["case"] == item.application_id:
        confirm(pending)


with decision_col:
    with st.container(key="meeting_decide"):
        decision_panel()
