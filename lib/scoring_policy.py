"""A new version of the scoring table as an administrator edits it (pure: no SQL, no Streamlit).

The administrator changes the *points* of each line of the table, as printed on the paper form;
the thresholds (0, 1, 2, 3 or more disabled members…) stay those of the policy revised. Each line
has a key (``disabled_members.2``, ``severity.moderate``, ``insured_years.max_points`` …) so that
a table of (key, label, points) goes to a data editor and back. The need grade scores itself on the
social worker's scale (1–5) and is not edited here: changing its range would invalidate grades given. The new policy is validated by
:class:`lib.scoring.ScoringPolicy` itself (Persian messages naming the line)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from lib.errors import InvalidInput
from lib.scoring import CRITERION_LABELS, MARITAL_LABELS, SEVERITY_LABELS, ScoringPolicy, Step, step_range

__all__ = ["PolicyLine", "policy_lines", "with_points"]


class PolicyLine(NamedTuple):
    key: str
    criterion: str  # Persian
    case: str  # Persian: which case of the criterion
    points: int


def _steps_lines(criterion: str, steps: tuple[Step, ...], unit: str) -> list[PolicyLine]:
    return [PolicyLine(f"{criterion}.{step.at_least}", CRITERION_LABELS[criterion], step_range(steps, i, unit), step.points)
            for i, step in enumerate(steps)]


def policy_lines(policy: ScoringPolicy) -> list[PolicyLine]:
    """Every line of the table with its points, in the order of the paper form."""
    lines = _steps_lines("disabled_members", policy.disabled_member_steps, "معلول")
    lines += [PolicyLine(f"severity.{s.value}", CRITERION_LABELS["severity"], SEVERITY_LABELS[s], p)
              for s, p in policy.severity_points.items()]
    lines += [PolicyLine(f"marital_status.{m.value}", CRITERION_LABELS["marital_status"], MARITAL_LABELS[m], p)
              for m, p in policy.marital_points.items()]
    lines += _steps_lines("dependants", policy.dependant_steps, "نفر")
    insured = CRITERION_LABELS["insured_years"]
    lines += [PolicyLine("insured_years.points_per_year", insured, "امتیاز هر سال کامل", policy.points_per_insured_year),
              PolicyLine("insured_years.max_points", insured, "حداکثر امتیاز", policy.insured_years_max_points)]
    return lines  # the need grade scores itself on the social worker's scale: not a line to edit


def with_points(base: ScoringPolicy, version: str, points: Mapping[str, object]) -> ScoringPolicy:
    """``base`` with the points of ``points`` (key → points; keys not given keep theirs) under a new
    ``version``. An unknown key, a point that is not a whole number, or a policy that does not hold
    together (e.g. the need grade's minimum above its maximum) is an InvalidInput."""
    known = {line.key for line in policy_lines(base)}
    unknown = sorted(set(points) - known)
    if unknown:
        raise InvalidInput(f"ردیف «{unknown[0]}» در جدول امتیازات نیست.", field="points")
    data = base.to_dict()
    for key, value in points.items():
        criterion, _, part = key.partition(".")
        target = data[criterion]
        if isinstance(target, list):
            step = next(s for s in target if str(s["at_least"]) == part)
            step["points"] = value
        else:
            target[part] = value
    data["version"] = version
    if not isinstance(version, str) or version.strip() == base.version:
        return base.revise(version)  # raises the Persian message: a new version is needed
    return ScoringPolicy.from_dict(data)
