"""Committee sessions and their decisions (Form 2), the agenda, activation and corrections.

A session (``CommitteeSession``) belongs to one committee: the county employment committee
(level ``county``, area = a county) or the provincial committee (level ``province``, area = a
province), for one programme. Its members present (``SessionMember``) carry the roles of that
committee's roster (``lib.catalog.COMMITTEE_ROLES`` for the county, Form 2;
``lib.catalog.PROVINCE_COMMITTEE_ROLES`` for the province, seed 003).

The package, by concern:

* :mod:`.common` — vocabulary, plain data for pages, the case lock, rosters and quorum;
* :mod:`.sessions` — opening (never dated after today), members, closing, listing;
* :mod:`.agenda` — the agenda (one open session per case and level) and the meeting view's data;
* :mod:`.cap` — the 60-month cap (grants in force count) and the validation of terms;
* :mod:`.decisions` — deciding, deciding again, corrections; serialised per case;
* :mod:`.requirements` — what programme A's provincial confirmation and activation require,
  the specialised deputy's confirmation, and what the county decision fills in (Form 2, condition 3);
* :mod:`.activation` — programme A activation and its first month.

Every write checks role and area, validates, writes in one transaction, audits, and (on a state
change) records the case event and queues the SMS. Callers use ``from services import committee as cm``.
"""
from services.committee.activation import (
    activate,
    awaiting_activation,
    confirmation_date,
    confirmation_dates,
    count_awaiting_activation,
)
from services.committee.agenda import agenda, agenda_index, agenda_page, case_details, claim
from services.committee.cap import GRANT_COUNTS_STATES, remaining_months
from services.committee.common import (
    CHAIRS,
    COMMITTEE_NAME,
    DEPUTY,
    EXPERT_ROLES,
    GUEST,
    HEAD,
    LEVEL_ACTIONS,
    LEVEL_LABELS,
    OUTCOME_LABELS,
    REPEATABLE,
    ROSTERS,
    STAGES,
    STATUS_LABELS,
    VOTING_ROLES,
    AgendaIndex,
    AgendaItem,
    CaseDetails,
    CheckLine,
    DecisionRow,
    Grant,
    Level,
    MemberInput,
    Outcome,
    ScoreLine,
    SessionSummary,
    SessionView,
    Stage,
    Terms,
    application_area,
    expert_roles,
    lock_case,
    session_area,
    voting_roles,
)
from services.committee.decisions import closed_decision_for, correct_decision, record_decision
from services.committee.requirements import (
    DeputyRow,
    confirm_deputy,
    confirmation_gaps,
    deputy_confirmation,
)
from services.committee.sessions import (
    close_session,
    create_session,
    default_level,
    get_session,
    list_sessions,
    session_decisions,
    session_view,
    set_members,
    today,
)

__all__ = [
    "CHAIRS", "COMMITTEE_NAME", "DEPUTY", "EXPERT_ROLES", "GRANT_COUNTS_STATES", "GUEST", "HEAD", "LEVEL_ACTIONS",
    "LEVEL_LABELS", "OUTCOME_LABELS", "REPEATABLE", "ROSTERS", "STAGES", "STATUS_LABELS", "VOTING_ROLES",
    "AgendaIndex", "AgendaItem", "CaseDetails", "CheckLine", "DecisionRow", "DeputyRow", "Grant", "Level", "MemberInput", "Outcome",
    "ScoreLine", "SessionSummary", "SessionView", "Stage", "Terms",
    "activate", "agenda", "agenda_index", "agenda_page", "application_area", "awaiting_activation", "case_details",
    "claim", "close_session", "closed_decision_for", "confirm_deputy", "confirmation_date", "confirmation_dates",
    "confirmation_gaps", "correct_decision", "count_awaiting_activation",
    "create_session", "default_level", "deputy_confirmation", "expert_roles", "get_session", "list_sessions",
    "lock_case", "record_decision", "remaining_months", "session_area", "session_decisions", "session_view", "set_members", "today",
    "voting_roles",
]
