"""The meeting view for the projector: one case at a time in large type, the decision buttons,
and next/previous with the arrow keys. Opened as ``pages/meeting.py?session=N``."""

import streamlit as st

from lib.catalog import CONTRACT_RATES, TARGET_GROUPS, label
from lib.payments import MAX_MONTHS
from lib.workflow import State
from services import committee as cm
from ui.context import act, read, require_actor
from ui.errors import guarded
from ui.fmt import PROGRAM_LABELS, STATE_LABELS, format_jalali, format_percent_bp, md_escape, to_persian_digits
from ui.fmt import html_text as escape  # user text inside HTML: escaped, no blank line

PENDING_REJECT = "meeting_pending_reject"
FLASH = "meeting_flash"
CSS = """
<style>
.bm-meet-pos { font-size: 1.7rem; font-weight: 700; color: #2d5d62; }
.bm-meet-session { font-size: 1.05rem; color: #5b6b70; }
.bm-meet-name { font-size: 2.5rem; font-weight: 800; line-height: 1.3; margin: .1rem 0 .3rem; }
.bm-meet-line { font-size: 1.35rem; line-height: 1.75; }
.bm-meet-box { background: #fff; border: 1px solid #dfe7e6; border-radius: .7rem; padding: .6rem 1rem; margin-bottom: .7rem; }
.bm-meet-box h3 { font-size: 1.4rem; margin: 0 0 .3rem; padding: 0; }
.bm-meet-row { display: flex; gap: .8rem; justify-content: space-between; align-items: baseline; font-size: 1.3rem;
  line-height: 1.6; border-bottom: 1px dashed #e3e9e8; padding: .1rem 0; }
.bm-meet-row > span:last-child { white-space: nowrap; }
.bm-meet-total { display: flex; justify-content: space-between; font-size: 1.8rem; font-weight: 800; padding-top: .2rem; }
.bm-ok { color: #1b7f3b; font-weight: 700; }
.bm-no { color: #b3261e; font-weight: 700; }
.bm-unknown { color: #7a6a2a; }
.bm-meet-decision { font-size: 1.7rem; font-weight: 700; padding: .5rem 1rem; border-radius: .6rem;
  background: #eef6ef; border: 1px solid #b9dcc0; margin-bottom: .6rem; }
.bm-meet-decision.reject { background: #fbeeee; border-color: #e6b9b6; }
.bm-meet-decision.defer { background: #fff6e0; border-color: #ecd38c; }
[data-testid="stBaseButton-primary"] p, [data-testid="stBaseButton-secondary"] p,
[data-testid="stBaseButton-secondaryFormSubmit"] p, [data-testid="stBaseButton-primaryFormSubmit"] p { font-size: 1.35rem; }
</style>
"""
MARKS = {True: ('<span class="bm-ok">✓ دارد</span>', "bm-ok"), False: ('<span class="bm-no">✗ ندارد</span>', "bm-no"),
         None: ('<span class="bm-unknown">— ثبت نشده</span>', "bm-unknown")}

actor = require_actor()
st.html(CSS)
st.title("نمای جلسه")


def box(title: str, rows: list[str], footer: str = "") -> None:
    """A bordered block of large rows (no table to scroll)."""
    st.markdown(
        f'<div class="bm-meet-box"><h3>{escape(title)}</h3>{"".join(rows)}{footer}</div>', unsafe_allow_html=True
    )


def row(left: str, right: str) -> str:
    return f'<div class="bm-meet-row"><span>{left}</span><span>{right}</span></div>'


def pick_session() -> None:
    """No session in the address: choose one of the open sessions of the actor's committee."""
    open_sessions = [s for s in read(cm.list_sessions, actor, level=cm.default_level(actor)) if s.is_open]
    if not open_sessions:
        st.info("جلسه بازی نیست؛ از صفحه «جلسات کمیته» جلسه‌ای تشکیل دهید.")
        st.stop()
    by_id = {s.id: s for s in open_sessions}
    chosen = st.selectbox(
        "جلسه باز", list(by_id),
        format_func=lambda i: f"جلسه {to_persian_digits(by_id[i].number)} — {format_jalali(by_id[i].held_on)} — {PROGRAM_LABELS[by_id[i].program]}",
    )
    if st.button("نمایش جلسه", type="primary"):
        st.query_params["session"] = str(chosen)
        st.rerun()
    st.stop()


raw = st.query_params.get("session", "")
if not raw.isdigit():
    pick_session()
session_id = int(raw)
view = act(cm.session_view, session_id)
items = act(cm.agenda, session_id) if view is not None else None
if view is None or items is None:
    st.stop()
summary = view.summary
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon="✅")
if not items:
    st.info("دستور کار این جلسه خالی است: پرونده‌ای آماده تصمیم این کمیته نیست.")
    st.stop()

# --------------------------------------------------------------------------- position
POSITION = f"meeting_position_{session_id}"
index = min(max(st.session_state.get(POSITION, 0), 0), len(items) - 1)


def move(step: int, count: int) -> None:
    st.session_state[POSITION] = min(max(st.session_state.get(POSITION, 0) + step, 0), count - 1)


item = items[index]
head, prev_col, next_col = st.columns([6, 1, 1], vertical_alignment="center")
head.markdown(
    f'<div class="bm-meet-pos">پرونده {to_persian_digits(item.position)} از {to_persian_digits(len(items))}</div>'
    f'<div class="bm-meet-session">{escape(summary.committee_title)} — '
    f"جلسه شماره <bdi>{escape(to_persian_digits(summary.number))}</bdi> — {format_jalali(summary.held_on)}"
    f"{'' if summary.is_open else ' — بسته'}</div>",
    unsafe_allow_html=True,
)
# Right to left: «previous» sits on the right (→ key), «next» on the left (← key).
prev_col.button("قبلی", icon=":material/arrow_forward:", key="meeting_prev", shortcut="Right",
                on_click=guarded(move), args=(-1, len(items)), disabled=index == 0, width="stretch")
next_col.button("بعدی", icon=":material/arrow_back:", key="meeting_next", shortcut="Left",
                on_click=guarded(move), args=(1, len(items)), disabled=index == len(items) - 1, width="stretch")

# --------------------------------------------------------------------------- the case
details = act(cm.case_details, item.application_id)
if details is None:
    st.stop()
st.markdown(
    f'<div class="bm-meet-name">{escape(item.applicant_name)}</div>'
    f'<div class="bm-meet-line">کد ملی <bdi dir="ltr">{to_persian_digits(escape(item.national_code))}</bdi> · '
    f'کد رهگیری <bdi dir="ltr">{escape(item.tracking_code)}</bdi> · شهرستان {escape(item.county_name)}</div>'
    f'<div class="bm-meet-line">{escape(PROGRAM_LABELS[item.program])} · '
    f"جامعه هدف: {escape(label(TARGET_GROUPS, item.target_group) if item.target_group else '—')} · "
    f"رشته شغلی: {escape(item.job_field or '—')} · درخواست {format_jalali(item.applied_on)}</div>",
    unsafe_allow_html=True,
)
if item.override_rank:
    st.markdown(f'<div class="bm-meet-line">اولویت دستی کمیته: {to_persian_digits(item.override_rank)} — '
                f"{escape(item.override_reason or '')}</div>", unsafe_allow_html=True)
elif item.discount_holder:
    st.markdown('<div class="bm-meet-line">دارنده تخفیف بیمه‌ای در رشته شناسه‌دار (پس از دیگران)</div>',
                unsafe_allow_html=True)

score_col, checks_col, decision_col = st.columns([5, 5, 4])
with score_col:
    if item.program == "A":
        if details.score_lines:
            box(
                "جدول امتیازات",
                [row(escape(line.label), f"{to_persian_digits(line.points)} از {to_persian_digits(line.maximum)}")
                 for line in details.score_lines],
                f'<div class="bm-meet-total"><span>جمع</span><span>{to_persian_digits(details.score_total)} از '
                f"{to_persian_digits(details.score_maximum)}</span></div>",
            )
        else:
            box("جدول امتیازات", [row("امتیازی ثبت نشده است", "")])
        box("سقف حمایت", [row(f"باقی‌مانده از {to_persian_digits(MAX_MONTHS)} ماه",
                                f"{to_persian_digits(item.remaining_months)} ماه")])
with checks_col:
    box("مدارک", [row(escape(d.label), MARKS[d.ok][0]) for d in details.documents])
    if details.eligibility:
        box("شرایط", [row(escape(e.label), MARKS[e.ok][0]) for e in details.eligibility])
    if item.proposal:
        t = item.proposal.terms
        box("پیشنهاد کمیته شهرستان", [
            row("مدت", f"{to_persian_digits(t.months or 0)} ماه"),
            row("سهم پرداختی", f"{to_persian_digits(t.share_percent or 0)}٪"),
            row("نرخ قرارداد", format_percent_bp(t.contract_rate_bp) if t.contract_rate_bp else "—"),
            row("توضیح", escape(item.proposal.reason or "—")),
        ])

# --------------------------------------------------------------------------- the decision
def _forget_reject() -> None:
    st.session_state.pop(PENDING_REJECT, None)


@st.dialog("رد پرونده", on_dismiss=guarded(_forget_reject))
def confirm_reject(pending: dict) -> None:
    st.markdown(f"پرونده **{md_escape(pending['name'])}** رد می‌شود و بسته می‌ماند؛ بازگشت از رد ممکن نیست.")
    st.markdown(f"**دلیل:** {md_escape(pending['reason'] or '—')}")
    yes, no = st.columns(2)
    if yes.button("رد قطعی پرونده", type="primary", key="meeting_reject_confirm"):
        if act(cm.record_decision, session_id, pending["case"], "reject", pending["reason"], seen=pending["seen"]) is not None:
            _forget_reject()
            st.session_state[FLASH] = "پرونده رد شد."
            st.rerun()
    if no.button("انصراف", key="meeting_reject_cancel"):
        _forget_reject()
        st.rerun()


with decision_col:
    if item.decision:
        d = item.decision
        granted = (f" — {to_persian_digits(d.terms.months)} ماه، {to_persian_digits(d.terms.share_percent)}٪، "
                   f"{format_percent_bp(d.terms.contract_rate_bp)}") if d.terms.months else ""
        st.markdown(
            f'<div class="bm-meet-decision {d.outcome}">تصمیم این جلسه: {cm.OUTCOME_LABELS[cm.Outcome(d.outcome)]}{granted}'
            f"{' — ' + escape(d.reason) if d.reason else ''} · وضعیت: {STATE_LABELS[item.state]}</div>",
            unsafe_allow_html=True,
        )

    if item.missing:
        st.warning("برای تأیید کمیته استان هنوز کامل نیست: " + "، ".join(item.missing), icon="⚠️")
    if summary.is_open and item.state != State.rejected:
        # the decision this user saw when filling in the form (the previous run): a decision taken
        # meanwhile by another member is not overwritten, the service refuses
        seen_key = f"meet_seen_{session_id}_{item.application_id}"
        current = item.decision.id if item.decision else None
        seen = st.session_state.get(seen_key, current)
        st.session_state[seen_key] = current
        key = f"meet_{item.application_id}"
        with st.form(key):
            terms: dict = {}
            if item.program == "A":
                proposal = item.proposal.terms if item.proposal else None
                previous = item.decision.terms if item.decision and item.decision.terms.months else proposal
                rates = list(CONTRACT_RATES)
                rate_now = item.contract_rate_bp or (previous.contract_rate_bp if previous else None)
                c1, c2 = st.columns(2)
                terms = {
                    "months": c1.number_input(
                        "ماه", min_value=1, max_value=MAX_MONTHS, step=1, key=f"{key}_months",
                        value=(previous.months if previous and previous.months else max(1, item.remaining_months or 1)),
                    ),
                    "share_percent": c2.number_input(
                        "درصد سهم", min_value=1, max_value=100, step=1, key=f"{key}_share",
                        value=(previous.share_percent if previous and previous.share_percent else 100),
                    ),
                    "contract_rate_bp": st.selectbox(
                        "نرخ قرارداد", rates, format_func=CONTRACT_RATES.get, key=f"{key}_rate",
                        index=rates.index(rate_now) if rate_now in rates else None, placeholder="انتخاب کنید",
                    ),
                }
            reason = st.text_input("دلیل (برای رد و تعویق لازم است)", key=f"{key}_reason")
            approve = st.form_submit_button("تأیید", type="primary", icon=":material/check:", width="stretch")
            b1, b2 = st.columns(2)
            reject = b1.form_submit_button("رد", width="stretch")
            defer = b2.form_submit_button("تعویق", width="stretch")
        if approve or defer:
            outcome = cm.Outcome.approve if approve else cm.Outcome.defer
            extra = terms if approve else {}
            if act(cm.record_decision, session_id, item.application_id, outcome, reason, seen=seen, **extra) is not None:
                st.session_state[FLASH] = f"تصمیم «{cm.OUTCOME_LABELS[outcome]}» برای {item.applicant_name} ثبت شد."
                st.rerun()
        if reject:
            st.session_state[PENDING_REJECT] = {"case": item.application_id, "reason": reason, "name": item.applicant_name,
                                                "seen": seen}
        if PENDING_REJECT in st.session_state:
            confirm_reject(st.session_state[PENDING_REJECT])
    elif summary.is_open:
        st.info("این پرونده رد شده و بسته است؛ تصمیم دیگری برای آن ثبت نمی‌شود.")
    else:
        st.info("این جلسه بسته است و تصمیم‌هایش قطعی‌اند.")
