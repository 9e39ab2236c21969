"""The scoring policy as versions (دستورالعمل امتیازدهی): an administrator adopts a new version of
the table (its points changed line by line, lib.scoring_policy); from then on new score cards use it,
while saved cards keep the version they were scored with. Before saving, a preview shows how the
ranking would change if the open cases' current cards were scored with the new version: who moves
up or down in their county, computed with lib.scoring (score_many, rank_frame)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, select

from db.models import Application, County, Household, Program, ScoreCardRecord, ScoringPolicyVersion
from lib import validate
from lib.errors import InvalidInput
from lib.jalali import local_today
from lib.permissions import Action
from lib.ranking import rank_frame
from lib.scoring import ScoringPolicy, score_many
from lib.scoring_policy import policy_lines, with_points
from lib.text import to_persian_digits
from services.applications import SCORABLE_STATES, current_policy
from services.base import Actor, audit

__all__ = ["PolicyVersion", "Move", "Preview", "policy_versions", "draft_policy", "preview_policy", "adopt_policy",
           "MOVES_LISTED"]

MOVES_LISTED = 200
MAX_NOTE = int(ScoringPolicyVersion.__table__.c["note"].type.length)  # type: ignore[attr-defined]
MAX_VERSION = int(ScoringPolicyVersion.__table__.c["version"].type.length)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PolicyVersion:
    version: str
    adopted_on: date
    note: str | None
    maximum_total: int
    cards: int  # score cards saved with it
    current: bool


@dataclass(frozen=True)
class Move:
    application_id: int
    tracking_code: str
    county: str
    old_total: int
    new_total: int
    old_rank: int
    new_rank: int


@dataclass(frozen=True)
class Preview:
    cases: int
    counties: int
    up: int
    down: int
    same: int
    moves: list[Move]  # the largest moves first, at most MOVES_LISTED


def policy_versions(session: Session, actor: Actor) -> list[PolicyVersion]:
    """Every version adopted, the newest first, with how many cards were scored with each."""
    actor.require(Action.manage_reference_data)
    cards = dict(session.exec(select(ScoreCardRecord.policy_version, func.count())
                              .group_by(ScoreCardRecord.policy_version)).all())
    current = current_policy(session).version
    rows = session.exec(select(ScoringPolicyVersion).order_by(ScoringPolicyVersion.adopted_on.desc())).all()
    return [PolicyVersion(r.version, r.adopted_on, r.note, ScoringPolicy.from_dict(r.rules).maximum_total,
                          int(cards.get(r.version, 0)), r.version == current) for r in rows]


def draft_policy(session: Session, version: object, points: dict[str, object]) -> ScoringPolicy:
    """The current policy with ``points`` changed, as ``version`` (checked; nothing written)."""
    text = validate.clean_text(version, field="version", label_fa="نام نسخه تازه", max_length=MAX_VERSION, required=True)
    if session.get(ScoringPolicyVersion, text) is not None:
        raise InvalidInput(f"نسخه «{text}» پیش‌تر ثبت شده است؛ نام تازه‌ای برای نسخه بنویسید.", field="version")
    base = current_policy(session)
    policy = with_points(base, text, points)
    if [line.points for line in policy_lines(policy)] == [line.points for line in policy_lines(base)]:
        raise InvalidInput("امتیاز هیچ ردیفی تغییر نکرده است؛ دست‌کم یک امتیاز را تغییر دهید.", field="points")
    return policy


def _open_cards(session: Session) -> pd.DataFrame:
    """Programme A's open cases before the county committee with their current card and household."""
    latest = (select(ScoreCardRecord.application_id, func.max(ScoreCardRecord.id).label("card_id"))
              .group_by(ScoreCardRecord.application_id).subquery())
    A, H = Application, Household
    query = (
        select(A.id, A.tracking_code, A.county_id, County.name, ScoreCardRecord.total, A.discount_holder, A.applied_on,
               A.priority_override, A.priority_reason, H.disabled_members, H.severity, H.marital_status, H.dependants,
               H.insured_years, H.need_grade)
        .join(latest, latest.c.application_id == A.id)
        .join(ScoreCardRecord, ScoreCardRecord.id == latest.c.card_id)
        .join(H, H.application_id == A.id)
        .join(County, County.id == A.county_id)
        .join(Program, Program.id == A.program_id)
        .where(Program.code == "A", A.state.in_([s.value for s in SCORABLE_STATES]))  # type: ignore[attr-defined]
    )
    columns = ["application_id", "tracking_code", "county_id", "county", "old_total", "discount_holder", "applied_on",
               "override_rank", "override_reason", "disabled_members", "severity", "marital_status", "dependants",
               "insured_years", "need_grade"]
    return pd.DataFrame(session.execute(query).all(), columns=columns)


def _ranks(frame: pd.DataFrame, total: str) -> pd.Series:
    ranks = pd.Series(0, index=frame.index, dtype=np.int64)
    for _, county in frame.groupby("county_id", sort=False):
        ranked = rank_frame(county.assign(total=county[total]))
        ranks.loc[ranked.index] = ranked["rank"].to_numpy()
    return ranks


def preview_policy(session: Session, actor: Actor, policy: ScoringPolicy) -> Preview:
    """How each county's ranking of open programme A cases would change if their current cards were
    scored with ``policy`` (nothing is written; old cards keep their version)."""
    actor.require(Action.manage_reference_data)
    frame = _open_cards(session)
    if frame.empty:
        return Preview(0, 0, 0, 0, 0, [])
    inputs = frame[["disabled_members", "severity", "marital_status", "dependants", "insured_years", "need_grade"]]
    inputs = inputs.assign(severity=inputs["severity"].where(inputs["severity"].astype(bool), None))
    frame["new_total"] = score_many(inputs, policy, require_need_grade=False)["total"].to_numpy()
    frame["old_rank"] = _ranks(frame, "old_total")
    frame["new_rank"] = _ranks(frame, "new_total")
    shift = frame["old_rank"] - frame["new_rank"]  # positive: moved up
    moved = frame.loc[shift != 0].assign(size=shift.abs()).sort_values(["size", "application_id"],
                                                                        ascending=[False, True])
    moves = [Move(int(r.application_id), r.tracking_code, r.county, int(r.old_total), int(r.new_total),
                  int(r.old_rank), int(r.new_rank)) for r in moved.head(MOVES_LISTED).itertuples()]
    return Preview(len(frame), int(frame["county_id"].nunique()), int((shift > 0).sum()), int((shift < 0).sum()),
                   int((shift == 0).sum()), moves)


def adopt_policy(session: Session, actor: Actor, *, version: object, points: dict[str, object],
                 note: object) -> PolicyVersion:
    """Adopt a new version from today (Tehran): new cards use it, saved cards keep theirs; audited
    with the lines changed. One version a day (the newest by date is the one in force)."""
    actor.require(Action.manage_reference_data)
    base = current_policy(session)
    policy = draft_policy(session, version, points)
    text = validate.clean_text(note, field="note", label_fa="دلیل یا شماره مصوبه", max_length=MAX_NOTE,
                               multiline=True, required=True)
    today = local_today()
    newest = session.exec(select(func.max(ScoringPolicyVersion.adopted_on))).one()
    if newest is not None and newest >= today:
        raise InvalidInput("امروز نسخه‌ای از دستورالعمل امتیازدهی به اجرا درآمده است؛ نسخه تازه را از فردا ثبت کنید "
                           "تا نسخه در حال اجرا روشن باشد.", field="version")
    old = {line.key: line for line in policy_lines(base)}
    changed = "؛ ".join(f"{line.criterion} — {line.case}: {to_persian_digits(old[line.key].points)} ← "
                        f"{to_persian_digits(line.points)}" for line in policy_lines(policy)
                        if old[line.key].points != line.points)
    session.add(ScoringPolicyVersion(version=policy.version, rules=policy.to_dict(), adopted_on=today, note=text))
    audit(session, actor, "scoring_policy.create", "scoring_policy", policy.version,
          before={"version": base.version},
          after={"version": policy.version, "adopted_on": today.isoformat(), "changes": changed, "note": text})
    session.commit()
    return PolicyVersion(policy.version, today, text, policy.maximum_total, 0, True)
