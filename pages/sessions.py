"""Committee sessions (Form 2): the list, a new session with its members, the agenda and a
decision form per case, the decisions so far, corrections, closing, and (province) activation."""

import pandas as pd
import streamlit as st

from lib.jalali import local_today
from lib.catalog import ALL_COMMITTEE_ROLES, CONTRACT_RATES, SPECIALISED_DEPUTIES
from lib.permissions import Action, can
from services import committee as cm
from services.printing import minutes_pdf
from services.reference import counties_of, provinces
from ui import committee_cache
from ui.context import act, read, require_actor
from ui.errors import guarded
from ui.fmt import PROGRAM_LABELS, STATE_LABELS, format_jalali, format_percent_bp, ltr, md_escape, to_persian_digits
from ui.paging import page_start, rows_caption
from ui.versioned import current_version, versioned
from ui.widgets import case_link, deferred, field_error, jalali_date_input, link_to, whole_number_input

AGENDA_PAGE = 25  # agenda lines built per run, whatever the size of the agenda
DECISIONS_PAGE = 50
GRANTS_PAGE = 50
FLASH = "sessions_flash"
PENDING_REJECT = "sessions_pending_reject"
ASK_CLOSE = "sessions_ask_close"
PICK = "sessions_pick"

actor = require_actor()
version = current_version()  # what this run reads is read once per data version (ui.versioned)
st.title("جلسات کمیته")
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon="✅")


def month_cap() -> int:
    """Programme A's cap of months in force, read again after a write."""
    return committee_cache.month_cap(version)


def done(message: str) -> None:
    """Show ``message`` after the rerun that brings every table up to date."""
    st.session_state[FLASH] = message
    st.rerun()


def member_inputs(prefix: str, present: list[cm.MemberInput], level: str) -> list[cm.MemberInput]:
    """A name field per role of the committee's roster (blank = absent); roles several people
    hold (the provincial employment experts, the guests) take one name per line."""
    roster, repeatable = cm.ROSTERS[cm.Level(level)], cm.REPEATABLE[cm.Level(level)]
    members = []
    for role, label in roster.items():
        if role in repeatable:
            typed = st.text_area(
                f"{label} — هر نفر در یک سطر", value="\n".join(m.full_name for m in present if m.role == role),
                key=f"{prefix}_guests" if role == cm.GUEST else f"{prefix}_{role}", height=68,
            )
            members += [cm.MemberInput(role, line) for line in typed.splitlines() if line.strip()]
        else:
            value = next((m.full_name for m in present if m.role == role), "")
            name = st.text_input(label, value=value, key=f"{prefix}_{role}")
            if name.strip():
                members.append(cm.MemberInput(role, name))
    return members


def terms_inputs(key: str, item: cm.AgendaItem | None, proposal: cm.Terms | None) -> dict:
    """Months, share and contract rate of an approval (programme A)."""
    cap = month_cap()
    remaining = item.remaining_months if item else cap
    c1, c2, c3 = st.columns(3)
    with c1:  # typed in any digits, shown in Persian ones (a number input shows Latin digits)
        months = whole_number_input(
            "تعداد ماه‌های مصوب", f"{key}_months", minimum=1, maximum=cap,
            default=proposal.months if proposal and proposal.months else max(1, remaining or 1),
            help=f"از سقف {to_persian_digits(cap)} ماه، {to_persian_digits(remaining)} ماه باقی مانده است.",
        )
    with c2:
        share = whole_number_input("درصد سهم پرداختی", f"{key}_share", minimum=1, maximum=100,
                                   default=proposal.share_percent if proposal and proposal.share_percent else 100)
    rates = list(CONTRACT_RATES)
    current = (item.contract_rate_bp if item else None) or (proposal.contract_rate_bp if proposal else None)
    rate = c3.selectbox(
        "نرخ قرارداد تأمین اجتماعی", rates, format_func=CONTRACT_RATES.get, key=f"{key}_rate",
        index=rates.index(current) if current in rates else None, placeholder="انتخاب کنید",
    )
    return {"months": months, "share_percent": share, "contract_rate_bp": rate}  # None: the service says what to type


def agenda_index(session_id: int, version: int) -> cm.AgendaIndex | None:
    """The agenda's order, read again only after a write anywhere (``version``: the data version,
    read from the database — right across app servers); the meeting view reads the same cache."""
    return versioned(cm.agenda_index, version, session_id)


def _forget_reject() -> None:
    st.session_state.pop(PENDING_REJECT, None)


@st.dialog("رد پرونده", on_dismiss=guarded(_forget_reject))
def confirm_reject(pending: dict) -> None:
    st.markdown(
        f"پرونده **{md_escape(pending['name'])}** ({ltr(pending['code'])}) رد می‌شود و بسته می‌ماند؛ "
        "بازگشت از رد ممکن نیست و متقاضی باید درخواست تازه بدهد."
    )
    st.markdown(f"**دلیل:** {md_escape(pending['reason'] or '—')}")
    yes, no = st.columns(2)
    if yes.button("رد قطعی پرونده", type="primary", key="reject_confirm"):
        if pending.get("correct"):
            done_ = act(cm.correct_decision, *pending["correct"], "reject", pending["reason"])
        else:
            done_ = act(cm.record_decision, *pending["decide"], "reject", pending["reason"], seen=pending.get("seen"))
        if done_ is not None:
            _forget_reject()
            done("پرونده رد شد.")
    if no.button("انصراف", key="reject_cancel"):
        _forget_reject()
        st.rerun()


def _forget_close() -> None:
    st.session_state.pop(ASK_CLOSE, None)


@st.dialog("بستن جلسه", on_dismiss=guarded(_forget_close))
def confirm_close(session_id: int, summary: cm.SessionSummary, undecided: int) -> None:
    st.markdown(
        f"با بستن جلسه شماره {ltr(md_escape(to_persian_digits(summary.number)))}، تصمیم‌های آن **قطعی** می‌شوند و فقط با تصمیم اصلاحی "
        "در جلسه‌ای دیگر تغییر می‌کنند."
    )
    if undecided:
        st.markdown(f"{to_persian_digits(undecided)} پرونده بی‌تصمیم مانده و در دستور کار جلسه بعد می‌ماند.")
    yes, no = st.columns(2)
    if yes.button("بستن قطعی جلسه", type="primary", key="close_confirm"):
        if act(cm.close_session, session_id) is not None:
            _forget_close()
            done("جلسه بسته شد و تصمیم‌هایش قطعی است.")
    if no.button("انصراف", key="close_cancel"):
        _forget_close()
        st.rerun()


def deputy_form(case_id: int, item: cm.AgendaItem) -> None:
    """The specialised deputy's confirmation of job readiness and duration (programme A)."""
    recorded = versioned(cm.deputy_confirmation, version, case_id)
    title = (
        f"تأیید معاونت تخصصی: {recorded.deputy_label}، {to_persian_digits(recorded.months)} ماه"
        f"{'' if recorded.job_ready else ' (آمادگی شغلی تأیید نشده)'} — {md_escape(recorded.confirmed_by or '—')}"
        if recorded else "تأیید معاونت تخصصی (آمادگی شغلی و مدت حمایت) — ثبت نشده"
    )
    with st.expander(title, icon=":material/verified:"):
        with st.form(f"deputy_{case_id}"):
            deputies = list(SPECIALISED_DEPUTIES)
            c1, c2 = st.columns(2)
            deputy = c1.selectbox(
                "معاونت تخصصی", deputies, format_func=SPECIALISED_DEPUTIES.get, key=f"deputy_{case_id}_which",
                index=deputies.index(recorded.deputy) if recorded else None, placeholder="انتخاب کنید",
            )
            default_months = recorded.months if recorded else (item.proposal.terms.months if item.proposal else None)
            with c2:
                months = whole_number_input("مدت حمایت تأییدشده (ماه)", f"deputy_{case_id}_months", minimum=1,
                                            maximum=month_cap(), default=default_months or 12)
            ready = st.checkbox("آمادگی شغلی متقاضی تأیید می‌شود", value=recorded.job_ready if recorded else True,
                                key=f"deputy_{case_id}_ready")
            note = st.text_input("توضیح (شماره نامه معاونت و …)", value=(recorded.note or "") if recorded else "",
                                 key=f"deputy_{case_id}_note")
            if st.form_submit_button("ثبت تأیید معاونت") and act(
                cm.confirm_deputy, case_id, deputy=deputy, job_ready=ready, months=months, note=note
            ) is not None:
                done("تأیید معاونت تخصصی ثبت شد.")


def decide(key: str, item: cm.AgendaItem | None, proposal: cm.Terms | None, program: str, submit_label: str):
    """A decision form; returns (outcome, reason, terms) when submitted."""
    with st.form(key):
        outcome = st.radio("تصمیم", list(cm.Outcome), format_func=lambda o: cm.OUTCOME_LABELS[o], horizontal=True)
        terms = terms_inputs(key, item, proposal) if program == "A" else {}
        if program == "A":
            st.caption("ماه، درصد و نرخ فقط برای «تأیید» ثبت می‌شوند.")
        reason = st.text_area("دلیل (برای رد و تعویق لازم است)", key=f"{key}_reason")
        if st.form_submit_button(submit_label, type="primary"):
            return outcome, reason, (terms if outcome == cm.Outcome.approve else {})
    return None


# --------------------------------------------------------------------------- list
my_level = cm.default_level(actor)
sessions = versioned(cm.list_sessions, version, level=my_level) or []
if sessions:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "شماره": to_persian_digits(s.number),
                    "تاریخ": format_jalali(s.held_on),
                    "کمیته": cm.LEVEL_LABELS[cm.Level(s.level)],
                    "برنامه": PROGRAM_LABELS[s.program],
                    "حوزه": s.area_name,
                    "وضعیت": cm.STATUS_LABELS[s.status],
                    "پرونده‌های تصمیم‌گرفته": to_persian_digits(s.decided_cases),
                }
                for s in sessions
            ]
        ),
        hide_index=True,
        width="stretch",
        height=min(38 * (len(sessions) + 1), 300),
    )
else:
    st.info("هنوز جلسه‌ای در حوزه شما ثبت نشده است؛ نخستین جلسه را در بخش زیر تشکیل دهید.")

# --------------------------------------------------------------------------- new session
def new_session_form() -> None:
    level, county_id, province_id = my_level, None, None
    if level is None:  # the administrator chooses the committee
        level = st.radio("کمیته", list(cm.Level), format_func=lambda lv: cm.LEVEL_LABELS[lv], horizontal=True, key="new_level")
        names = {p.id: p.name for p in read(provinces)}
        province_id = st.selectbox("استان", list(names), format_func=names.get, key="new_province")
        if level == cm.Level.county and province_id:
            counties = {c.id: c.name for c in read(counties_of, province_id)}
            county_id = st.selectbox("شهرستان", list(counties), format_func=counties.get, key="new_county")
    programmes = ["A"]  # programme B has no committee: its county unit confirms eligibility (documents page)
    with st.form("new_session"):
        c1, c2, c3 = st.columns(3)
        program = c1.selectbox("برنامه", programmes, format_func=PROGRAM_LABELS.get)
        with c2:
            held_on = jalali_date_input("تاریخ جلسه (شمسی)", key="new_held_on", default=local_today(),
                                        help="تاریخ روز برگزاری؛ جلسه با تاریخ آینده ثبت نمی‌شود.")
        number = c3.text_input("شماره جلسه", placeholder="مثلاً ۱۲/۱۴۰۳")
        st.markdown(f"**حاضران جلسه ({cm.LEVEL_LABELS[cm.Level(level)]})** — نام هر عضو حاضر را بنویسید؛ "
                    "ردیف غایبان را خالی بگذارید.")
        members = member_inputs("new_member", [], level)
        if st.form_submit_button("تشکیل جلسه", type="primary") and not field_error("new_held_on"):
            created = act(
                cm.create_session, program=program, held_on=held_on, number=number, members=members,
                level=level, county_id=county_id, province_id=province_id,
            )
            if created is not None:
                st.session_state[PICK] = created.id
                st.query_params["session"] = str(created.id)
                done(f"جلسه شماره {ltr(md_escape(to_persian_digits(created.number)))} تشکیل شد.")


# once the committee has sessions the form is folded away and built only when unfolded (its
# roster's dozen fields cost a first render more than the session's reads)
new_box = st.expander("تشکیل جلسه تازه", expanded=not sessions, icon=":material/add:",
                      **({"key": "sessions_new_open", "on_change": "rerun"} if sessions else {}))
if not sessions or new_box.open:
    with new_box:
        new_session_form()

if not sessions:
    st.stop()

# --------------------------------------------------------------------------- one session
ids = [s.id for s in sessions]
by_id = {s.id: s for s in sessions}
asked = st.query_params.get("session")
if st.session_state.get(PICK) not in by_id:
    st.session_state.pop(PICK, None)
if PICK not in st.session_state and asked and asked.isdigit() and int(asked) in by_id:
    st.session_state[PICK] = int(asked)
session_id = st.selectbox(
    "جلسه",
    ids,
    key=PICK,
    format_func=lambda i: (
        # no status in the label: Streamlit keeps a selectbox's old label when only its text changes
        f"جلسه {to_persian_digits(by_id[i].number)} — {format_jalali(by_id[i].held_on)} — {PROGRAM_LABELS[by_id[i].program]}"
    ),
)
st.query_params["session"] = str(session_id)
view = versioned(cm.session_view, version, session_id, decisions=False)
if view is None:
    st.stop()
summary = view.summary

st.subheader(f"{md_escape(summary.committee_title)} — جلسه شماره {ltr(md_escape(to_persian_digits(summary.number)))}")
st.markdown(
    f"{PROGRAM_LABELS[summary.program]} · تاریخ {format_jalali(summary.held_on, long=True)} · "
    f"وضعیت: **{cm.STATUS_LABELS[summary.status]}**"
)
link_to("pages/meeting.py", "نمای جلسه روی پرده (یک پرونده در هر صفحه)", icon=":material/co_present:", session=session_id)
st.download_button(
    "صورت‌جلسه (فرم شماره ۲، PDF)", data=deferred(minutes_pdf, session_id), icon=":material/picture_as_pdf:",
    file_name=f"minutes-{session_id}.pdf", mime="application/pdf", key="minutes_pdf",
)
if view.members:
    st.markdown("**حاضران:** " + "، ".join(f"{md_escape(m.full_name)} ({ALL_COMMITTEE_ROLES.get(m.role, m.role)})" for m in view.members))
else:
    st.warning("نام حاضران جلسه ثبت نشده است.", icon="⚠️")
if summary.is_open:
    members_box = st.expander("ویرایش حاضران", key=f"sessions_members_open_{session_id}", on_change="rerun")
    if members_box.open:  # built only when unfolded
        with members_box, st.form("members"):
            members = member_inputs(f"members_{session_id}", view.members, summary.level)
            if st.form_submit_button("ذخیره حاضران") and act(cm.set_members, session_id, members) is not None:
                done("فهرست حاضران ذخیره شد.")

# --------------------------------------------------------------------------- agenda
def agenda_table(items: list[cm.AgendaItem], any_priority: bool) -> None:
    province_level = summary.level == cm.Level.province
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "ردیف": to_persian_digits(i.position),
                    "کد رهگیری": i.tracking_code,
                    "متقاضی": i.applicant_name,
                    "شهرستان": i.county_name,
                    "امتیاز": "—" if i.total is None else to_persian_digits(i.total),
                    **({"اولویت": (
                        f"دستی {to_persian_digits(i.override_rank)}: {i.override_reason}" if i.override_rank
                        else "دارنده تخفیف (پس از دیگران)" if i.discount_holder else ""
                    )} if any_priority else {}),
                    "ماه باقی‌مانده از سقف": "—" if i.remaining_months is None else to_persian_digits(i.remaining_months),
                    **(
                        {"پیشنهاد شهرستان": (
                            f"{to_persian_digits(i.proposal.terms.months or 0)} ماه، "
                            f"{to_persian_digits(i.proposal.terms.share_percent or 0)}٪"
                        ) if i.proposal else "—"}
                        if province_level else {}
                    ),
                    **({"آماده تأیید استان": f"ناقص ({to_persian_digits(len(i.missing))} مورد)" if i.missing else "کامل"}
                       if province_level and i.program == "A" else {}),
                    "تصمیم این جلسه": cm.OUTCOME_LABELS[cm.Outcome(i.decision.outcome)] if i.decision else "—",
                    "وضعیت پرونده": STATE_LABELS[i.state],
                }
                for i in items
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def decision_form(items: list[cm.AgendaItem]) -> None:
    """Choose a case of the page shown and record the committee's decision on it."""
    agenda_by_id = {i.application_id: i for i in items}
    pick_key = f"decide_case_{session_id}"
    if st.session_state.get(pick_key) not in agenda_by_id:  # a case of another page, or decided elsewhere
        st.session_state.pop(pick_key, None)
    case_id = st.selectbox(
        "پرونده برای تصمیم",
        list(agenda_by_id),
        format_func=lambda a: f"{to_persian_digits(agenda_by_id[a].position)}. {agenda_by_id[a].applicant_name} ({agenda_by_id[a].tracking_code})",
        key=pick_key,
    )
    item = agenda_by_id[case_id]
    case_link(case_id, "پرونده کامل این متقاضی")
    if item.proposal:
        t = item.proposal.terms
        st.markdown(
            f"**پیشنهاد کمیته شهرستان:** {to_persian_digits(t.months or 0)} ماه، سهم {to_persian_digits(t.share_percent or 0)}٪، "
            f"نرخ {format_percent_bp(t.contract_rate_bp) if t.contract_rate_bp else '—'} — {md_escape(item.proposal.reason or 'بی‌توضیح')}"
        )
    if item.missing:
        st.warning("برای تأیید کمیته استان هنوز کامل نیست: " + "، ".join(item.missing), icon="⚠️")
    if summary.level == cm.Level.province and item.program == "A":
        deputy_form(case_id, item)
    # the decision this user had in front of them when they filled in the form (the previous run):
    # if another member decided meanwhile, the service refuses instead of overwriting it
    seen_key = f"decide_seen_{session_id}_{case_id}"
    current = item.decision.id if item.decision else None
    seen = st.session_state.get(seen_key, current)
    st.session_state[seen_key] = current
    submitted = decide(f"decide_{case_id}", item, item.proposal.terms if item.proposal else None, summary.program, "ثبت تصمیم")
    if submitted:
        outcome, reason, terms = submitted
        if outcome == cm.Outcome.reject:
            st.session_state[PENDING_REJECT] = {
                "decide": (session_id, case_id), "seen": seen, "reason": reason, "name": item.applicant_name,
                "code": item.tracking_code,
            }
            st.rerun()  # the whole page: the confirmation dialog opens at its end
        elif act(cm.record_decision, session_id, case_id, outcome, reason, seen=seen, **terms) is not None:
            done(f"تصمیم «{cm.OUTCOME_LABELS[outcome]}» برای {md_escape(item.applicant_name)} ثبت شد.")


@st.fragment
def agenda_panel() -> None:
    """The agenda a page at a time and the decision form; turning a page or choosing a case reruns
    this panel alone, and reads only the lines of the page shown."""
    global version
    version = current_version()  # this panel reruns alone too: whatever was written meanwhile
    index = agenda_index(session_id, version)
    st.subheader("دستور کار")
    if not index:
        st.info("پرونده‌ای آماده تصمیم این کمیته نیست.")
        return
    start = page_start(len(index), AGENDA_PAGE, f"agenda_page_{session_id}")
    items = act(committee_cache.agenda_page, session_id, version, index, start, AGENDA_PAGE) or []
    st.caption(rows_caption(start, len(items), len(index)) + " (به ترتیب رتبه)")
    if items:
        agenda_table(items, index.any_priority)
    if summary.is_open and items:
        decision_form(items)


agenda_panel()

# --------------------------------------------------------------------------- decisions so far
st.subheader("تصمیم‌های ثبت‌شده در این جلسه")
# the first page and how many there are in one read; another page reads its own rows
decisions, decided_total = versioned(cm.session_decisions, version, session_id, offset=0, limit=DECISIONS_PAGE) or ([], 0)
if not decided_total:
    st.caption("هنوز تصمیمی ثبت نشده است.")
else:
    first_decision = page_start(decided_total, DECISIONS_PAGE, f"decisions_page_{session_id}")
    if first_decision:
        decisions, _ = versioned(cm.session_decisions, version, session_id, offset=first_decision,
                                 limit=DECISIONS_PAGE) or ([], 0)
    if decided_total > DECISIONS_PAGE:
        st.caption(rows_caption(first_decision, len(decisions), decided_total))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "شماره تصمیم": to_persian_digits(d.id),
                    "کد رهگیری": d.tracking_code,
                    "متقاضی": d.applicant_name,
                    "تصمیم": cm.OUTCOME_LABELS[cm.Outcome(d.outcome)],
                    "ماه": to_persian_digits(d.terms.months) if d.terms.months else "—",
                    "سهم": f"{to_persian_digits(d.terms.share_percent)}٪" if d.terms.share_percent else "—",
                    "نرخ": format_percent_bp(d.terms.contract_rate_bp) if d.terms.contract_rate_bp else "—",
                    "دلیل": d.reason,
                    "جایگزینِ": to_persian_digits(d.supersedes_id) if d.supersedes_id else "",
                    "اعتبار": "جایگزین شده" if d.superseded else "معتبر",
                    "ثبت‌کننده": d.decided_by,
                }
                for d in decisions
            ]
        ),
        hide_index=True,
        width="stretch",
    )

# --------------------------------------------------------------------------- corrections and closing
if summary.is_open:
    with st.expander("تصمیم اصلاحی برای پرونده‌ای از یک جلسه بسته"):
        code = st.text_input("کد رهگیری پرونده", key=f"correct_code_{session_id}")
        old = act(cm.closed_decision_for, session_id, code) if code.strip() else None
        if old is not None:
            st.markdown(
                f"تصمیم شماره {to_persian_digits(old.id)} در جلسه {ltr(md_escape(to_persian_digits(old.session_number)))} "
                f"({format_jalali(old.held_on)}): **{cm.OUTCOME_LABELS[cm.Outcome(old.outcome)]}** — {md_escape(old.reason or 'بی‌توضیح')}"
            )
            submitted = decide(f"correct_{old.id}", None, old.terms, summary.program, "ثبت تصمیم اصلاحی")
            if submitted:
                outcome, reason, terms = submitted
                if outcome == cm.Outcome.reject:
                    st.session_state[PENDING_REJECT] = {
                        "correct": (old.id, session_id), "reason": reason, "name": old.applicant_name, "code": old.tracking_code,
                    }
                elif act(cm.correct_decision, old.id, session_id, outcome, reason, **terms) is not None:
                    done(f"تصمیم اصلاحی برای {md_escape(old.applicant_name)} ثبت شد.")

    undecided = len(agenda_index(session_id, version) or ()) - summary.decided_cases
    if st.button("بستن جلسه…", icon=":material/lock:", key="close_session"):
        st.session_state[ASK_CLOSE] = session_id
    if st.session_state.get(ASK_CLOSE) == session_id:
        confirm_close(session_id, summary, undecided)

if PENDING_REJECT in st.session_state:
    confirm_reject(st.session_state[PENDING_REJECT])

# --------------------------------------------------------------------------- activation (province)
if can(actor.role, Action.record_province_decision):
    waiting = versioned(cm.count_awaiting_activation, version) or 0
    st.subheader("آغاز پرداخت پرونده‌های تأییدشده استان")
    if not waiting:
        st.caption("پرونده‌ای در انتظار آغاز پرداخت نیست.")
    else:
        first_grant = page_start(waiting, GRANTS_PAGE, "activate_page")
        grants = versioned(cm.awaiting_activation, version, offset=first_grant, limit=GRANTS_PAGE) or []
        if waiting > GRANTS_PAGE:
            st.caption(rows_caption(first_grant, len(grants), waiting) + " (قدیمی‌ترین تأیید اول)")
        by_case = {g.application_id: g for g in grants}
        if st.session_state.get("activate_case") not in by_case:  # a case of another page, or activated since
            st.session_state.pop("activate_case", None)
        with st.form("activate"):
            chosen = st.selectbox(
                "پرونده", list(by_case), key="activate_case",
                format_func=lambda a: (
                    f"{by_case[a].applicant_name} ({by_case[a].tracking_code}) — {by_case[a].county_name} — "
                    f"{to_persian_digits(by_case[a].terms.months or 0)} ماه، {to_persian_digits(by_case[a].terms.share_percent or 0)}٪"
                ),
            )
            start = st.text_input("ماه شروع پرداخت (شمسی)", placeholder="مثلاً ۱۴۰۳/۰۷ یا مهر ۱۴۰۳",
                                  help="از ماه تأیید کمیته استان به بعد، و نه ماهی که پیش‌تر پرداخت شده است.")
            retro = st.text_input("دلیل پرداخت از گذشته (فقط اگر ماه شروع پیش از ماه تأیید استان است)",
                                  help="حداکثر تا آغاز سال جاری؛ دلیل در رویدادنگاری ثبت می‌شود.")
            if st.form_submit_button("آغاز پرداخت") and act(cm.activate, chosen, start, retroactive_reason=retro) is not None:
                done(f"پرداخت برای {by_case[chosen].applicant_name} فعال شد.")
