"""The scoring table of programme A (seed 003); the ranking rules are tests/lib/test_ranking.py."""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.errors import InvalidInput
from lib.scoring import (
    CRITERIA,
    CRITERION_LABELS,
    DEFAULT_POLICY,
    SEVERITY_LABELS,
    MaritalStatus,
    ScoreCard,
    ScoreInput,
    ScoringPolicy,
    Severity,
    Step,
    score,
    score_many,
)

LATIN_DIGIT = re.compile(r"[0-9]")


def household(**changes) -> ScoreInput:
    base = dict(
        disabled_members=1,
        severity=Severity.mild,
        marital_status=MaritalStatus.single,
        dependants=0,
        insured_years=0,
        need_grade=1,
    )
    base.update(changes)
    return ScoreInput(**base)


def points(card: ScoreCard, criterion: str) -> int:
    return card.row(criterion).points


# --------------------------------------------------------------------------- the table, row by row
@pytest.mark.parametrize(
    ("count", "expected"), [(0, 0), (1, 1), (2, 3), (3, 5), (4, 5), (30, 5)]
)
def test_disabled_members_row(count, expected):
    severity = None if count == 0 else Severity.mild
    card = score(household(disabled_members=count, severity=severity))
    assert points(card, "disabled_members") == expected


@pytest.mark.parametrize(
    ("severity", "expected"),
    [(Severity.mild, 1), (Severity.moderate, 2), (Severity.severe, 3), (Severity.very_severe, 4)],
)
def test_severity_row(severity, expected):
    assert points(score(household(severity=severity)), "severity") == expected


def test_no_disabled_member_scores_zero_for_severity():
    card = score(household(disabled_members=0, severity=None))
    assert points(card, "severity") == 0
    assert points(card, "disabled_members") == 0
    assert card.row("severity").input == "ندارد"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (MaritalStatus.single, 1),
        (MaritalStatus.married, 2),
        (MaritalStatus.widowed, 2),  # assumption in DOMAIN.md: scored as married
        (MaritalStatus.divorced, 2),
    ],
)
def test_marital_row(status, expected):
    assert points(score(household(marital_status=status)), "marital_status") == expected


@pytest.mark.parametrize(
    ("count", "expected"), [(0, 0), (1, 1), (2, 2), (3, 3), (4, 5), (5, 5), (30, 5)]
)
def test_dependants_row(count, expected):
    assert points(score(household(dependants=count)), "dependants") == expected


def test_dependants_four_or_more_score_five_not_four():
    # The seed's consistent copy: "۴ نفر به بالا ۵ امتیاز" — a jump from 3 to 5, not 4.
    assert points(score(household(dependants=3)), "dependants") == 3
    assert points(score(household(dependants=4)), "dependants") == 5


@pytest.mark.parametrize(
    ("years", "expected"), [(0, 0), (1, 1), (13, 13), (28, 28), (29, 29), (30, 29), (80, 29)]
)
def test_insured_years_one_point_per_year_capped_at_29(years, expected):
    assert points(score(household(insured_years=years)), "insured_years") == expected


@pytest.mark.parametrize("grade", [1, 2, 3, 4, 5])
def test_need_grade_scores_itself(grade):
    assert points(score(household(need_grade=grade)), "need_grade") == grade


def test_maxima_per_criterion_and_total_of_fifty():
    assert dict(DEFAULT_POLICY.maxima) == {
        "disabled_members": 5,
        "severity": 4,
        "marital_status": 2,
        "dependants": 5,
        "insured_years": 29,
        "need_grade": 5,
    }
    assert DEFAULT_POLICY.maximum_total == 50


def test_best_household_scores_exactly_fifty():
    card = score(
        household(
            disabled_members=3,
            severity=Severity.very_severe,
            marital_status=MaritalStatus.married,
            dependants=4,
            insured_years=29,
            need_grade=5,
        )
    )
    assert card.total == 50
    assert card.maximum == 50
    assert all(row.points == row.maximum for row in card.rows)


def test_total_is_the_sum_of_the_rows():
    card = score(
        household(
            disabled_members=2,
            severity=Severity.severe,
            marital_status=MaritalStatus.married,
            dependants=4,
            insured_years=35,
            need_grade=3,
        )
    )
    assert [row.points for row in card.rows] == [3, 3, 2, 5, 29, 3]
    assert card.total == 45


def test_card_rows_follow_the_paper_form():
    card = score(household(disabled_members=2, severity=Severity.severe, dependants=4, insured_years=7))
    assert [row.criterion for row in card.rows] == list(CRITERIA)
    assert [row.label for row in card.rows] == [CRITERION_LABELS[c] for c in CRITERIA]
    for row in card.rows:
        assert not LATIN_DIGIT.search(row.rule), row.rule  # Persian digits for a reader
        assert not LATIN_DIGIT.search(row.input), row.input
    assert card.row("disabled_members").rule == (
        "۱ معلول ۱ امتیاز، ۲ معلول ۳ امتیاز، ۳ معلول و بیشتر ۵ امتیاز"
    )
    assert card.row("dependants").rule == "۱ نفر ۱ امتیاز، ۲ نفر ۲ امتیاز، ۳ نفر ۳ امتیاز، ۴ نفر و بیشتر ۵ امتیاز"
    assert "۲۹" in card.row("insured_years").rule
    assert card.row("severity").input == SEVERITY_LABELS[Severity.severe]
    assert card.row("dependants").input == "۴ نفر"
    assert card.row("insured_years").input == "۷ سال"


def test_card_to_dict_is_json_safe_and_round_trips():
    card = score(household())
    data = card.to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["policy_version"] == "1392-v1"
    assert data["maximum"] == 50
    assert len(data["rows"]) == 6 and set(data["rows"][0]) == {
        "criterion", "label", "rule", "input", "points", "maximum",
    }
    assert ScoreCard.from_dict(data) == card


# --------------------------------------------------------------------------- input checks
def test_enum_fields_accept_their_string_values_and_labels():
    by_value = ScoreInput(2, "very_severe", "married", 1, 3, 2)
    assert by_value.severity is Severity.very_severe
    assert by_value.marital_status is MaritalStatus.married
    by_label = ScoreInput(2, "خیلی شدید", "متأهل", 1, 3, 2)
    assert by_label == by_value
    assert ScoreInput(2, " Very Severe ", "MARRIED", 1, 3, 2) == by_value
    assert ScoreInput(0, "", "single", 0, 0, 1).severity is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (dict(disabled_members=-1), "disabled_members"),
        (dict(disabled_members=31), "disabled_members"),
        (dict(dependants=-1), "dependants"),
        (dict(dependants=31), "dependants"),
        (dict(insured_years=-1), "insured_years"),
        (dict(insured_years=81), "insured_years"),
        (dict(dependants=2.5), "dependants"),
        (dict(dependants="2"), "dependants"),
        (dict(dependants=True), "dependants"),
        (dict(disabled_members=None), "disabled_members"),
        (dict(severity="terrible"), "severity"),
        (dict(marital_status="engaged"), "marital_status"),
        (dict(marital_status=None), "marital_status"),
        (dict(disabled_members=0, severity=Severity.mild), "severity"),
        (dict(disabled_members=2, severity=None), "severity"),
        (dict(need_grade="high"), "need_grade"),
    ],
)
def test_bad_input_is_refused_naming_the_field(changes, field):
    with pytest.raises(InvalidInput) as caught:
        score(household(**changes))
    assert caught.value.field == field
    assert re.search(r"[\u0600-\u06FF]", caught.value.message)  # Persian


@pytest.mark.parametrize("grade", [0, 6, -1, 100])
def test_need_grade_outside_one_to_five_is_refused(grade):
    with pytest.raises(InvalidInput) as caught:
        score(household(need_grade=grade))
    assert caught.value.field == "need_grade"
    assert "۱" in caught.value.message and "۵" in caught.value.message


def test_limits_are_inclusive():
    score(household(disabled_members=30, dependants=30, insured_years=80))


def test_integral_float_counts_are_accepted():
    assert household(dependants=3.0).dependants == 3


def test_missing_need_grade_is_refused_by_default():
    with pytest.raises(InvalidInput) as caught:
        score(household(need_grade=None))
    assert caught.value.field == "need_grade"


def test_missing_need_grade_gives_a_provisional_card_scoring_zero_when_allowed():
    card = score(household(need_grade=None), require_need_grade=False)
    assert card.provisional
    assert points(card, "need_grade") == 0
    assert card.total == score(household(need_grade=1)).total - 1
    assert not score(household(need_grade=1), require_need_grade=False).provisional


def test_out_of_range_grade_is_refused_even_for_a_provisional_card():
    with pytest.raises(InvalidInput):
        score(household(need_grade=7), require_need_grade=False)


def test_from_mapping_names_the_missing_key():
    data = household().to_dict()
    assert ScoreInput.from_mapping(data) == household()
    del data["insured_years"]
    with pytest.raises(InvalidInput) as caught:
        ScoreInput.from_mapping(data)
    assert caught.value.field == "insured_years"


# --------------------------------------------------------------------------- the policy as data
def test_policy_to_dict_is_json_and_round_trips():
    data = DEFAULT_POLICY.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert ScoringPolicy.from_dict(json.loads(json.dumps(data))) == DEFAULT_POLICY
    assert hash(ScoringPolicy.from_dict(data)) == hash(DEFAULT_POLICY)
    assert data["version"] == "1392-v1"


def broken(path: str, value):
    data = json.loads(json.dumps(DEFAULT_POLICY.to_dict()))
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("version", ""),
        ("version", None),
        ("version", KeyError),
        ("disabled_members", []),
        ("disabled_members", [{"at_least": 1, "points": 1}]),  # does not start at 0
        ("disabled_members", [{"at_least": 0, "points": 0}, {"at_least": 0, "points": 1}]),
        ("disabled_members", [{"at_least": 0, "points": -1}]),
        ("disabled_members", [{"at_least": 0, "points": 1.5}]),
        ("disabled_members", [{"at_least": 0}]),
        ("disabled_members", "0:0"),
        ("dependants", [{"at_least": 0, "points": 0}, {"at_least": 99, "points": 5}]),
        ("severity", {"mild": 1, "moderate": 2, "severe": 3}),  # very_severe missing
        ("severity", {"mild": 1, "moderate": 2, "severe": 3, "very_severe": 4, "fatal": 9}),
        ("marital_status", {"single": "one", "married": 2, "widowed": 2, "divorced": 2}),
        ("marital_status", [1, 2]),
        ("insured_years.points_per_year", -1),
        ("insured_years.max_points", KeyError),
        ("need_grade.min", 6),
        ("need_grade", KeyError),
        ("need_grade.max", True),
    ],
)
def test_a_broken_policy_is_refused(path, value):
    with pytest.raises(InvalidInput) as caught:
        ScoringPolicy.from_dict(broken(path, value))
    assert caught.value.field.startswith("policy.")
    assert re.search(r"[\u0600-\u06FF]", caught.value.message)


def test_from_dict_of_something_else_is_refused():
    with pytest.raises(InvalidInput):
        ScoringPolicy.from_dict(["not", "a", "policy"])


def test_a_revised_policy_changes_the_total_and_cards_carry_their_version():
    married = household(marital_status=MaritalStatus.married)
    old_card = score(married)
    saved = json.dumps(old_card.to_dict())

    revised = DEFAULT_POLICY.revise(
        "1404-v2",
        marital_points={**DEFAULT_POLICY.marital_points, MaritalStatus.married: 3},
    )
    new_card = score(married, revised)

    assert revised.version == "1404-v2"
    assert revised.maxima["marital_status"] == 3
    assert revised.maximum_total == 51
    assert new_card.total == old_card.total + 1
    assert new_card.policy_version == "1404-v2"
    assert "متأهل ۳ امتیاز" in new_card.row("marital_status").rule
    # the old card, read back, keeps its version and figures
    restored = ScoreCard.from_dict(json.loads(saved))
    assert restored.policy_version == "1392-v1"
    assert restored == old_card
    # and the default policy itself is untouched
    assert score(married).total == old_card.total
    assert DEFAULT_POLICY.marital_points[MaritalStatus.married] == 2


def test_a_revision_needs_a_new_version():
    with pytest.raises(InvalidInput) as caught:
        DEFAULT_POLICY.revise("1392-v1", points_per_insured_year=2)
    assert caught.value.field == "policy.version"


def test_the_policy_can_move_a_step_and_the_rule_text_follows():
    policy = DEFAULT_POLICY.revise(
        "test-steps", dependant_steps=[(0, 0), (1, 1), (3, 4), (6, 5)]
    )
    assert policy.dependant_steps == (Step(0, 0), Step(1, 1), Step(3, 4), Step(6, 5))
    assert [policy.dependant_points(n) for n in range(8)] == [0, 1, 1, 4, 4, 4, 5, 5]
    assert policy.rules()["dependants"] == (
        "۱ تا ۲ نفر ۱ امتیاز، ۳ تا ۵ نفر ۴ امتیاز، ۶ نفر و بیشتر ۵ امتیاز"
    )


# --------------------------------------------------------------------------- properties
@st.composite
def score_inputs(draw, need_grade=st.integers(1, 5)):
    disabled = draw(st.integers(0, 30))
    severity = None if disabled == 0 else draw(st.sampled_from(list(Severity)))
    return ScoreInput(
        disabled_members=disabled,
        severity=severity,
        marital_status=draw(st.sampled_from(list(MaritalStatus))),
        dependants=draw(st.integers(0, 30)),
        insured_years=draw(st.integers(0, 80)),
        need_grade=draw(need_grade),
    )


@given(score_inputs())
def test_total_stays_between_zero_and_fifty(inp):
    card = score(inp)
    assert 0 <= card.total <= 50
    assert card.total == sum(row.points for row in card.rows)
    assert all(0 <= row.points <= row.maximum for row in card.rows)


@st.composite
def policies(draw):
    def steps(limit):
        thresholds = sorted(draw(st.sets(st.integers(1, limit), max_size=4)))
        return [(0, draw(st.integers(0, 3)))] + [(t, draw(st.integers(0, 10))) for t in thresholds]

    low = draw(st.integers(0, 5))
    return ScoringPolicy(
        version=draw(st.from_regex(r"[0-9]{4}-v[0-9]", fullmatch=True)),
        disabled_member_steps=steps(30),
        severity_points={s: draw(st.integers(0, 6)) for s in Severity},
        marital_points={m: draw(st.integers(0, 4)) for m in MaritalStatus},
        dependant_steps=steps(30),
        points_per_insured_year=draw(st.integers(0, 3)),
        insured_years_max_points=draw(st.integers(0, 40)),
        need_grade_min=low,
        need_grade_max=draw(st.integers(low, 10)),
    )


@given(policies(), st.data())
def test_any_policy_round_trips_and_bounds_its_totals(policy, data):
    assert ScoringPolicy.from_dict(json.loads(json.dumps(policy.to_dict()))) == policy
    inp = data.draw(score_inputs(st.integers(policy.need_grade_min, policy.need_grade_max)))
    card = score(inp, policy)
    assert 0 <= card.total <= policy.maximum_total
    assert card.policy_version == policy.version


def frame_of(inputs: list[ScoreInput]) -> pd.DataFrame:
    return pd.DataFrame([inp.to_dict() for inp in inputs], columns=list(CRITERIA))


@settings(max_examples=60)
@given(st.lists(score_inputs(st.one_of(st.none(), st.integers(1, 5))), min_size=1, max_size=40))
def test_score_many_equals_score(inputs):
    result = score_many(frame_of(inputs), require_need_grade=False)
    assert list(result.columns) == [*CRITERIA, "total"]
    for position, inp in enumerate(inputs):
        card = score(inp, require_need_grade=False)
        assert result.iloc[position].to_dict() == {**card.points(), "total": card.total}


@settings(max_examples=30)
@given(policies(), st.data())
def test_score_many_equals_score_under_any_policy(policy, data):
    grades = st.integers(policy.need_grade_min, policy.need_grade_max)
    inputs = data.draw(st.lists(score_inputs(grades), min_size=1, max_size=20))
    result = score_many(frame_of(inputs), policy)
    assert result["total"].tolist() == [score(inp, policy).total for inp in inputs]


def test_score_many_accepts_enum_members_labels_and_categoricals():
    frame = pd.DataFrame(
        {
            "disabled_members": [0, 2, 3],
            "severity": [None, Severity.severe, "خیلی شدید"],
            "marital_status": ["single", MaritalStatus.widowed, "متأهل"],
            "dependants": [0, 4, 1],
            "insured_years": [0, 40, 10],
            "need_grade": [1, 5, 3],
        },
        index=[10, 11, 12],
    )
    expected = [1 + 1, 3 + 3 + 2 + 5 + 29 + 5, 5 + 4 + 2 + 1 + 10 + 3]
    assert score_many(frame)["total"].tolist() == expected
    assert list(score_many(frame).index) == [10, 11, 12]
    categorical = frame.assign(
        severity=pd.Categorical(["", "severe", "very_severe"]),
        marital_status=pd.Categorical(["single", "widowed", "married"]),
    )
    assert score_many(categorical)["total"].tolist() == expected
    assert score_many(frame.to_dict("list"))["total"].tolist() == expected


def test_score_many_accepts_a_nullable_need_grade_column():
    frame = frame_of([household(need_grade=3), household(need_grade=None)])
    frame["need_grade"] = frame["need_grade"].astype("Int64")
    result = score_many(frame, require_need_grade=False)
    assert result["need_grade"].tolist() == [3, 0]
    with pytest.raises(InvalidInput) as caught:
        score_many(frame)
    assert caught.value.field == "need_grade"
    assert "۱" in caught.value.message  # names the row (index label 1)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("disabled_members", -1),
        ("dependants", 31),
        ("insured_years", 81),
        ("dependants", 1.5),
        ("dependants", "many"),
        ("dependants", None),
        ("severity", "terrible"),
        ("marital_status", None),
        ("marital_status", "engaged"),
        ("need_grade", 6),
        ("need_grade", 0),
    ],
)
def test_score_many_refuses_what_score_refuses(column, value):
    frame = frame_of([household(), household(disabled_members=2)])
    frame.index = [100, 200]
    frame[column] = frame[column].astype(object)
    frame.at[200, column] = value
    with pytest.raises(InvalidInput) as caught:
        score_many(frame)
    assert caught.value.field == column
    assert "ردیف ۲۰۰" in caught.value.message
    with pytest.raises(InvalidInput):
        score(household(**{**frame.loc[200].to_dict(), column: value}))


def test_score_many_checks_severity_against_disabled_members():
    frame = frame_of([household(), household()])
    frame.loc[1, "disabled_members"] = 0
    with pytest.raises(InvalidInput) as caught:
        score_many(frame)
    assert caught.value.field == "severity"
    frame.loc[1, "severity"] = None
    score_many(frame)
    frame.loc[0, "severity"] = None
    with pytest.raises(InvalidInput) as caught:
        score_many(frame)
    assert caught.value.field == "severity"


def test_score_many_names_a_missing_column():
    with pytest.raises(InvalidInput) as caught:
        score_many(frame_of([household()]).drop(columns="dependants"))
    assert caught.value.field == "dependants"


def test_score_many_handles_a_million_rows():
    n = 1_000_000
    rng = np.random.default_rng(7)
    disabled = rng.integers(0, 5, n)
    severity = np.array(list(Severity), dtype=object)[rng.integers(0, 4, n)]
    frame = pd.DataFrame(
        {
            "disabled_members": disabled,
            "severity": np.where(disabled == 0, None, severity),
            "marital_status": np.array(list(MaritalStatus), dtype=object)[rng.integers(0, 4, n)],
            "dependants": rng.integers(0, 8, n),
            "insured_years": rng.integers(0, 40, n),
            "need_grade": rng.integers(1, 6, n),
        }
    )
    result = score_many(frame)
    assert len(result) == n
    assert result["total"].between(0, 50).all()
    sample = rng.integers(0, n, 50)
    for i in sample:
        assert result["total"].iat[i] == score(ScoreInput(**frame.iloc[i].to_dict())).total
