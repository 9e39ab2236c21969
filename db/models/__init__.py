"""The schema. SQLModel tables; Alembic (db/migrations) owns their creation.

What must never happen is a database constraint, not only code:
- one national code, one applicant; one open application per applicant and programme
  (partial unique index);
- a person is never paid twice for the same month, by either programme
  (partial unique index over the live payment lines per applicant, year, month);
- decisions and the audit log are append-only (triggers created by the migration);
- money columns are 64-bit integers of rials and never negative (check constraints).

Dates are Gregorian ``date``; timestamps are timezone-aware ``datetime`` in UTC; payment periods are Jalali (year, month).

Split by subject into the modules of this package; import names from ``db.models`` as before.
"""
from __future__ import annotations

from sqlalchemy import Index

from db.models.common import OPEN_APPLICATION_WHERE, money, utc_midnight, utcnow
from db.models.reference import County, MinimumWage, Program, Province, ScoringPolicyVersion
from db.models.users import SignInSession, SignInThrottle, User
from db.models.cases import (
    Applicant, Application, ApplicationEvent, Document, EligibilityConfirmation, Household, ScoreCardRecord,
)
from db.models.committees import (
    AgendaEntry, CommitteeSession, Decision, DeputyConfirmation, Introduction, SessionMember, SsoBranch,
)
from db.models.money import (
    BUDGET_SOURCE_CODES, PAYMENT_LINE_PAID_ONCE_WHERE, Budget, PaymentDraftLine, PaymentLine, PaymentRun, Quota,
)
from db.models.contact import Complaint, ComplaintEvent, Notification, SmsTemplate, WorkerHeartbeat
from db.models.audit import APPEND_ONLY_TABLES, AuditLog
from db.models.tallies import (
    NONE_KEY, TALLY_RUNNING_STATES, CaseStateTally, CaseTally, PaidTally, PersonCaseTally, ProvinceCostTally, SeatTally,
    SpendTally, StageReach, JalaliMonth, StageMonthTally,
)

# --------------------------------------------------------------------------- monitoring (issue 8)
# Covering indexes of migration 0007: the running cases by area and what their premiums depend on
# (the budget request reads them); the year's introductions per county. The monitoring screen reads
# the tallies (db.models.tallies); the payment lines' covering index went with migration 0017.
Index(
    "ix_application_monitoring",
    Application.__table__.c.state, Application.__table__.c.province_id, Application.__table__.c.county_id,
    Application.__table__.c.program_id, Application.__table__.c.contract_rate_bp, Application.__table__.c.share_percent,
    Application.__table__.c.start_year, Application.__table__.c.start_month, Application.__table__.c.months_granted,
)
Index(
    "ix_introduction_monitoring",
    Introduction.__table__.c.jalali_year, Introduction.__table__.c.county_id, Introduction.__table__.c.refused_on,
)
# migration 0024: a county's introductions of the year in the introductions page's order (issue 11)
Index(
    "ix_introduction_county_order",
    Introduction.__table__.c.county_id, Introduction.__table__.c.jalali_year, Introduction.__table__.c.introduced_on,
    Introduction.__table__.c.id,
)
