"""The audit log reads in Persian: every action code the services write has a label, snapshot
fields have labels, values read as a person expects (Jalali, Persian digits, state names)."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import db.models as models
from lib.audit_chain import GENESIS, canonical, first_break, link_hash
from lib.audit_labels import ACTION_LABELS, FIELD_LABELS, action_label, changes, changes_text, local_time, value_text

ROOT = Path(__file__).resolve().parents[2]
LATIN = re.compile(r"[A-Za-z0-9]")


def _codes_written() -> set[str]:
    """Action codes passed to audit(...) / _audit_row(...) in services and the demo generator."""
    codes: set[str] = set()
    for path in [*ROOT.joinpath("services").rglob("*.py"), ROOT / "demo" / "generator.py"]:
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"(?:audit|_audit_row)\(\s*[\w.]+,\s*[\w.()]+(?:\([^)]*\))?,\s*(f?)\"([a-z_.{}]+)\"", text):
            if call.group(1) != "f":
                codes.add(call.group(2))
        codes.update(re.findall(r'action="([a-z_]+\.[a-z_.]+)"', text))
    return codes


def test_every_action_code_written_has_a_persian_label():
    written = _codes_written()
    assert len(written) > 35  # the scan finds the services' codes
    assert "user.login" in written and "demo.generate" in written
    missing = sorted(c for c in written if c not in ACTION_LABELS)
    assert not missing, missing
    # the codes built at run time: lifecycle kinds and payment adjustments
    from services.lifecycle import Lifecycle

    for kind in Lifecycle:
        assert f"application.{kind.value}" in ACTION_LABELS
    assert {"payment_run.adjust.topup", "payment_run.adjust.reversal"} <= set(ACTION_LABELS)
    assert action_label("user.login") == "ورود به سامانه"
    assert not LATIN.search(action_label("demo.generate"))


def test_every_snapshot_field_has_a_persian_label():
    snap_models = [models.Application, models.Applicant, models.User, models.Household, models.ScoreCardRecord,
                   models.Document, models.EligibilityConfirmation, models.CommitteeSession, models.AgendaEntry,
                   models.DeputyConfirmation, models.Decision, models.Introduction, models.SsoBranch, models.Quota,
                   models.Budget, models.PaymentRun]
    missing = sorted({f for m in snap_models for f in m.model_fields if f not in FIELD_LABELS and f != "password_hash"})
    assert not missing, missing
    assert all(not LATIN.search(label.split(" (")[0]) for label in FIELD_LABELS.values())


def test_before_and_after_read_by_field_label():
    rows = changes(
        {"state": "received", "months_granted": None, "active": True, "updated_at": "2025-03-20T20:30:00+00:00"},
        {"state": "introduced", "months_granted": 12, "active": True, "updated_at": "2025-03-21T08:00:00+00:00"},
    )
    as_dict = {label: (old, new) for label, old, new in rows}
    assert "فعال" not in as_dict  # unchanged fields are left out
    assert as_dict["مدت مصوب (ماه)"] == ("—", "۱۲")
    assert as_dict["وضعیت"] == ("دریافت شده", "معرفی به تأمین اجتماعی")
    assert as_dict["زمان ویرایش"] == ("۱۴۰۴/۰۱/۰۱ ۰۰:۰۰", "۱۴۰۴/۰۱/۰۱ ۱۱:۳۰")  # Tehran time, Nowruz 1404
    assert all(not LATIN.search(old + new) for old, new in as_dict.values())
    text = changes_text(None, {"username": "new.admin", "role": "admin", "password_hash": "x"})
    assert "password" not in text and "نام کاربری: new.admin" in text and "نقش: مدیر سامانه" in text
    assert local_time(datetime(2025, 3, 20, 20, 30, tzinfo=timezone.utc)) == "۱۴۰۴/۰۱/۰۱ ۰۰:۰۰"
    assert value_text("amount_rial", 1234567) == "۱٬۲۳۴٬۵۶۷"


_row = st.fixed_dictionaries({
    "id": st.integers(1, 2**31), "at": st.datetimes(timezones=st.just(timezone.utc)),
    "user_id": st.none() | st.integers(1, 10**6), "username": st.text(max_size=20), "action": st.sampled_from(sorted(ACTION_LABELS)),
    "entity": st.text(max_size=10), "entity_id": st.none() | st.text(max_size=10),
    "before": st.none() | st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5) | st.none(), max_size=4),
    "after": st.none() | st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5) | st.booleans(), max_size=4),
    "province_id": st.none() | st.integers(1, 31), "application_id": st.none() | st.integers(1, 10**6),
})


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=60)
@given(st.lists(_row, min_size=1, max_size=4), st.data())
@example([{"id": 1, "at": datetime(2025, 1, 1, tzinfo=timezone.utc), "user_id": None, "username": "", "action": "user.login",
           "entity": "", "entity_id": None, "before": None, "after": {}, "province_id": None, "application_id": None}], None)
def test_any_change_to_any_field_breaks_that_records_link(rows, data):
    previous = GENESIS
    for row in rows:
        row["hash"] = previous = link_hash(previous, row)
    assert first_break(rows).broken is None and first_break(rows).head == previous
    if data is None:
        return
    k = data.draw(st.integers(0, len(rows) - 1))
    field = data.draw(st.sampled_from(["user_id", "username", "action", "entity_id", "after", "province_id", "application_id"]))
    changed = {**rows[k], field: {"tampered": 1} if field == "after" else ("x" if field in ("username", "action", "entity_id") else 99999999)}
    if canonical(changed) == canonical(rows[k]):
        return
    tampered = [*rows[:k], changed, *rows[k + 1:]]
    assert first_break(tampered).broken.id == rows[k]["id"]
