"""Path to the next tier: hand-computed targets, and targets that really move the tier."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from goldpath.model.spec import AXES, MEASURES, Model, parse_model
from goldpath.scoring.axes import hundredths, score_axes
from goldpath.scoring.path import NextTierPlan, _min_score, next_tier, plan_next_tier
from goldpath.scoring.tiers import INSUFFICIENT, TIER_ORDER, assign_tiers

DAY = dt.date(2022, 12, 31)

# Engagement: seat ratio (linear 0.2..0.7, weight 50), stickiness (bands, 30),
# active days (target 20, 20); indispensability: coverage (log 0..99, 60), reach (linear 0..1, 40).
# Shares are exact: 0.5 / 0.3 / 0.2 and 0.6 / 0.4.
MODEL_YAML = """
name: path-test
engagement:
  min_coverage: 0.5
  measures:
    active_seat_ratio: {weight: 50, scheme: {type: linear, min: 0.2, max: 0.7}}
    stickiness:
      weight: 30
      scheme:
        type: bands
        bands:
          - {max: 0.2, score: 0}
          - {min: 0.2, max: 0.4, score: 40}
          - {min: 0.4, max: 0.6, score: 70}
          - {min: 0.6, score: 100}
    active_days_per_active_user: {weight: 20, scheme: {type: target, target: 20}}
indispensability:
  min_coverage: 0.5
  measures:
    process_coverage: {weight: 60, scheme: {type: log, min: 0, max: 99}}
    critical_process_reach: {weight: 40, scheme: {type: linear, min: 0, max: 1}}
tiers:
  default:
    - {tier: green, when: {engagement: {min: 65}, indispensability: {min: 65}}}
    - {tier: green, when: {engagement: {min: 50}, indispensability: {min: 80}}}
    - {tier: yellow, when: {engagement: {min: 40}, indispensability: {min: 40}}}
    - {tier: red}
"""

GREEN_65 = "green when engagement >= 65 and indispensability >= 65"
GREEN_50_80 = "green when engagement >= 50 and indispensability >= 80"
YELLOW_40 = "yellow when engagement >= 40 and indispensability >= 40"

PART_COLUMNS = ["axis", "measure", "raw", "score", "weight", "weight_share", "contribution", "status"]


@pytest.fixture(scope="module")
def model() -> Model:
    """The hand-checked model above."""
    return parse_model(MODEL_YAML)


def score_row(engagement: float, indispensability: float, tier: str, segment: str = "default") -> pd.Series:
    """A stored score row as the planner reads it."""
    return pd.Series(
        {"as_of": DAY, "account_id": "a", "engagement": engagement, "indispensability": indispensability,
         "axis_tier": tier, "model_segment": segment}
    )


def parts_frame(rows: list[tuple]) -> pd.DataFrame:
    """Measure rows ``(axis, measure, raw, score, weight, share, contribution, status)``."""
    df = pd.DataFrame(rows, columns=PART_COLUMNS)
    return df.assign(as_of=DAY, account_id="a")


def measures_frame(raws: dict[str, float]) -> pd.DataFrame:
    """One account's raw measures (NaN for those not given)."""
    base = {"as_of": [DAY], "account_id": ["a"]}
    for m in MEASURES:
        base[m] = [raws.get(m, np.nan)]
    return pd.DataFrame(base)


def rescore(model: Model, raws: dict[str, float]) -> tuple[pd.Series, pd.DataFrame]:
    """Score raw values with the scoring's own code: the score row and the measure parts."""
    axes, parts = score_axes(measures_frame(raws), model)
    tiers = assign_tiers(axes, pd.Series(["default"], index=axes.index), model)
    row = pd.concat([axes.iloc[0], tiers.iloc[0]])
    row["model_segment"] = "default"
    return row, parts


# Indispensability shared by the hand cases below:
#   coverage raw 9: log1p(9)/log1p(99) = log 10 / log 100 = 0.5 -> 50.00; x 0.6 = 30.00
#   reach raw 0.8: 80.00; x 0.4 = 32.00;  axis = 62.00
IND_RAWS = {"process_coverage": 9.0, "critical_process_reach": 0.8}
IND_PARTS = [
    ("indispensability", "process_coverage", 9.0, 50.0, 60.0, 0.6, 30.0, "data"),
    ("indispensability", "critical_process_reach", 0.8, 80.0, 40.0, 0.4, 32.0, "data"),
]

# Case A (yellow, 56.00 / 62.00):
#   seat ratio 0.6: (0.6-0.2)/0.5 = 80.00 -> x 0.5 = 40.00
#   stickiness 0.3: band [0.2, 0.4) -> 40.00 -> x 0.3 = 12.00
#   active days 4: 4/20 = 20.00 -> x 0.2 = 4.00;  engagement = 56.00
CASE_A_RAWS = {"active_seat_ratio": 0.6, "stickiness": 0.3, "active_days_per_active_user": 4.0, **IND_RAWS}
CASE_A = [
    ("engagement", "active_seat_ratio", 0.6, 80.0, 50.0, 0.5, 40.0, "data"),
    ("engagement", "stickiness", 0.3, 40.0, 30.0, 0.3, 12.0, "data"),
    ("engagement", "active_days_per_active_user", 4.0, 20.0, 20.0, 0.2, 4.0, "data"),
    *IND_PARTS,
]
# Case B (yellow, 44.00 / 62.00): as A but stickiness 0.1 -> band [..0.2) -> 0 -> 0.00
CASE_B_RAWS = {**CASE_A_RAWS, "stickiness": 0.1}
CASE_B = [CASE_A[0], ("engagement", "stickiness", 0.1, 0.0, 30.0, 0.3, 0.0, "data"), *CASE_A[2:]]
# Case C (red, 15.00 / 62.00): seat ratio 0.3 -> 20.00 -> 10.00; stickiness 0.1 -> 0; days 5 -> 25.00 -> 5.00
CASE_C_RAWS = {"active_seat_ratio": 0.3, "stickiness": 0.1, "active_days_per_active_user": 5.0, **IND_RAWS}
CASE_C = [
    ("engagement", "active_seat_ratio", 0.3, 20.0, 50.0, 0.5, 10.0, "data"),
    ("engagement", "stickiness", 0.1, 0.0, 30.0, 0.3, 0.0, "data"),
    ("engagement", "active_days_per_active_user", 5.0, 25.0, 20.0, 0.2, 5.0, "data"),
    *IND_PARTS,
]


def as_tuples(targets) -> list[tuple]:
    """Targets as ``(measure, target_score, target_raw, feasible)`` for comparison."""
    return [(t.measure, t.target_score, t.target_raw, t.feasible) for t in targets]


@pytest.mark.parametrize(
    "raws, rows, axes, tier",
    [(CASE_A_RAWS, CASE_A, (56.0, 62.0), "yellow"), (CASE_B_RAWS, CASE_B, (44.0, 62.0), "yellow"),
     (CASE_C_RAWS, CASE_C, (15.0, 62.0), "red")],
    ids=["A", "B", "C"],
)
def test_hand_built_parts_match_the_scoring(model, raws, rows, axes, tier):
    """The hand-written parts are what score_axes computes for the same raw values."""
    row, parts = rescore(model, raws)
    got = parts[PART_COLUMNS].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, parts_frame(rows)[PART_COLUMNS], check_dtype=False)
    assert (row["engagement"], row["indispensability"]) == axes
    assert row["axis_tier"] == tier


def test_next_tier_order():
    """Red goes to Yellow, Yellow to Green; nothing above Green (GOLD is evidence)."""
    assert [next_tier(t) for t in ["red", "yellow", "green", "gold", INSUFFICIENT]] == [
        "yellow", "green", None, None, None,
    ]


def test_min_score_rounds_contributions_half_up():
    """The smallest score whose rounded contribution closes the gap, in hundredths."""
    # others 22.00, share 0.5, need 65.00: 85.99 x 0.5 = 42.995 -> 43.00 (half up); 85.98 -> 42.99
    assert _min_score(2200, 0.5, 6500) == 85.99
    # others 35.00, share 0.3, need 65.00: 99.99 x 0.3 = 29.997 -> 30.00; 99.98 x 0.3 = 29.994 -> 29.99
    assert _min_score(3500, 0.3, 6500) == 99.99
    # others 40.00, share 0.2: even 100 gives 40 + 20 = 60 < 65
    assert _min_score(4000, 0.2, 6500) is None
    # others 70.00 already reach 65.00: score 0 suffices
    assert _min_score(7000, 0.5, 6500) == 0.0


def test_yellow_to_green_single_targets_by_hand(model):
    """Case A: the rule with the smallest gap, and each measure's own target (score and raw)."""
    plan = plan_next_tier(score_row(56.0, 62.0, "yellow"), parts_frame(CASE_A), model)
    assert (plan.tier, plan.target, plan.notes) == ("yellow", "green", [])
    # green[0] gaps: 65-56 = 9 and 65-62 = 3 (12); green[1]: 80-62 = 18 -> green[0]
    assert plan.rule == GREEN_65
    assert [(g.axis, g.value, g.needed, g.gap) for g in plan.gaps] == [
        ("engagement", 56.0, 65.0, 9.0), ("indispensability", 62.0, 65.0, 3.0),
    ]
    assert plan.total_gap == 12.0
    eng, ind = plan.gaps
    assert [t.measure for t in eng.single] == ["active_seat_ratio", "stickiness", "active_days_per_active_user"]
    s = {t.measure: t for t in eng.single}
    # seat ratio: others 16.00, needs 49.00: 97.99 x 0.5 = 48.995 -> 49.00; raw 0.2 + 0.9799 x 0.5 = 0.68995
    assert (s["active_seat_ratio"].target_score, s["active_seat_ratio"].target_raw) == (97.99, pytest.approx(0.68995))
    # stickiness: others 44.00, needs 21.00: 69.99 x 0.3 = 20.997 -> 21.00; 69.98 -> 20.994 -> 20.99;
    # the nearest band scoring >= 69.99 is [0.4, 0.6) -> raw 0.4
    assert (s["stickiness"].target_score, s["stickiness"].target_raw) == (69.99, 0.4)
    # active days: others 52.00, needs 13.00: 64.98 x 0.2 = 12.996 -> 13.00; 64.97 -> 12.994 -> 12.99;
    # raw 0.6498 x 20 = 12.996
    t = s["active_days_per_active_user"]
    assert (t.target_score, t.target_raw) == (64.98, pytest.approx(12.996))
    assert (t.raw, t.score, t.feasible) == (4.0, 20.0, True)
    si = {t.measure: t for t in ind.single}
    # coverage: others 32.00, needs 33.00: 55.00 x 0.6 = 33.00; 54.99 x 0.6 = 32.994 -> 32.99;
    # raw expm1(0.55 x log 100) = 10^1.1 - 1 = 11.5892541...
    assert si["process_coverage"].target_score == 55.0
    assert si["process_coverage"].target_raw == pytest.approx(10 ** 1.1 - 1)
    # reach: others 30.00, needs 35.00: 87.49 x 0.4 = 34.996 -> 35.00; 87.48 -> 34.992 -> 34.99; raw 0.8749
    assert si["critical_process_reach"].target_score == 87.49
    assert si["critical_process_reach"].target_raw == pytest.approx(0.8749)
    # combined: the largest share alone closes each gap
    assert as_tuples(eng.combined) == [("active_seat_ratio", 97.99, pytest.approx(0.68995), True)]
    assert [t.measure for t in ind.combined] == ["process_coverage"]


def test_measure_that_cannot_close_the_gap_alone_is_infeasible(model):
    """Case B: seat ratio and active days cannot reach 65 alone; stickiness can."""
    plan = plan_next_tier(score_row(44.0, 62.0, "yellow"), parts_frame(CASE_B), model)
    eng = plan.gaps[0]
    assert (eng.axis, eng.gap) == ("engagement", 21.0)
    # seat ratio: others 4.00 + 100 x 0.5 = 54.00 < 65; active days: 40.00 + 20.00 = 60.00 < 65
    # stickiness: others 44.00, needs 21.00 -> 69.99 (see case A), band [0.4, 0.6)
    assert as_tuples(eng.single) == [
        ("active_seat_ratio", 100.0, None, False),
        ("stickiness", 69.99, 0.4, True),
        ("active_days_per_active_user", 100.0, None, False),
    ]


def test_combined_plan_takes_the_largest_share_first_and_caps_at_100(model):
    """Case B: seat ratio (share 0.5) is capped at 100, stickiness (0.3) makes up the rest."""
    plan = plan_next_tier(score_row(44.0, 62.0, "yellow"), parts_frame(CASE_B), model)
    eng = plan.gaps[0]
    # seat ratio 80 -> 100 (raw 0.7): 4.00 + 50.00 = 54.00; stickiness then needs 11.00:
    # 36.65 x 0.3 = 10.995 -> 11.00 (half up), 36.64 x 0.3 = 10.992 -> 10.99; nearest band >= 36.65 is
    # [0.2, 0.4) -> raw 0.2. Active days (share 0.2) is not needed.
    assert as_tuples(eng.combined) == [
        ("active_seat_ratio", 100.0, pytest.approx(0.7), True),
        ("stickiness", 36.65, 0.2, True),
    ]
    # applying both: 50.00 + 0.2 -> band 40 -> 12.00 + 4.00 = 66.00 >= 65, and indispensability's plan
    # (coverage 11.589 -> 55.00 -> 33.00 + 32.00 = 65.00) gives Green
    raws = {**CASE_B_RAWS, "active_seat_ratio": 0.7, "stickiness": 0.2,
            "process_coverage": plan.gaps[1].combined[0].target_raw}
    row, _ = rescore(model, raws)
    assert (row["engagement"], row["indispensability"], row["axis_tier"]) == (66.0, 65.0, "green")


def test_combined_plan_skips_a_measure_already_at_100(model):
    """Yellow 56/75: green[1] is the nearer rule; coverage is already 100, so reach moves."""
    # coverage raw 99 -> 100.00 x 0.6 = 60.00; reach 0.375 -> 37.50 x 0.4 = 15.00; axis 75.00
    rows = CASE_A[:3] + [
        ("indispensability", "process_coverage", 99.0, 100.0, 60.0, 0.6, 60.0, "data"),
        ("indispensability", "critical_process_reach", 0.375, 37.5, 40.0, 0.4, 15.0, "data"),
    ]
    plan = plan_next_tier(score_row(56.0, 75.0, "yellow"), parts_frame(rows), model)
    # green[0] gap: 65-56 = 9; green[1] gap: 80-75 = 5 -> green[1], indispensability only
    assert plan.rule == GREEN_50_80
    assert [(g.axis, g.needed, g.gap) for g in plan.gaps] == [("indispensability", 80.0, 5.0)]
    ind = plan.gaps[0]
    # coverage alone: others 15.00 + 60.00 = 75 < 80; reach: others 60.00, needs 20.00:
    # 49.99 x 0.4 = 19.996 -> 20.00; 49.98 x 0.4 = 19.992 -> 19.99; raw 0.4999
    assert as_tuples(ind.single) == [
        ("process_coverage", 100.0, None, False),
        ("critical_process_reach", 49.99, pytest.approx(0.4999), True),
    ]
    assert as_tuples(ind.combined) == [("critical_process_reach", 49.99, pytest.approx(0.4999), True)]


def test_red_to_yellow_by_hand(model):
    """Case C: red at 15.00 aims at Yellow (engagement 40)."""
    plan = plan_next_tier(score_row(15.0, 62.0, "red"), parts_frame(CASE_C), model)
    assert (plan.tier, plan.target, plan.rule) == ("red", "yellow", YELLOW_40)
    assert [(g.axis, g.gap) for g in plan.gaps] == [("engagement", 25.0)]
    # seat ratio: others 5.00, needs 35.00: 69.99 x 0.5 = 34.995 -> 35.00; raw 0.2 + 0.6999 x 0.5 = 0.54995
    # stickiness: others 15.00, needs 25.00: 83.32 x 0.3 = 24.996 -> 25.00; 83.31 -> 24.993 -> 24.99; band [0.6, ..)
    # active days: others 10.00 + 20.00 = 30.00 < 40 -> infeasible
    assert as_tuples(plan.gaps[0].single) == [
        ("active_seat_ratio", 69.99, pytest.approx(0.54995), True),
        ("stickiness", 83.32, 0.6, True),
        ("active_days_per_active_user", 100.0, None, False),
    ]
    row, _ = rescore(model, {**CASE_C_RAWS, "active_seat_ratio": 0.54995})
    # 69.99 x 0.5 = 34.995 -> 35.00 + 0 + 5.00 = 40.00
    assert (row["engagement"], row["axis_tier"]) == (40.0, "yellow")


def test_lower_is_better_schemes_invert_the_other_way():
    """Linear and target schemes with ``direction: lower`` get raw targets below the current value."""
    m = parse_model(
        """
engagement:
  measures:
    active_seat_ratio: {weight: 1, scheme: {type: linear, min: 0, max: 10, direction: lower}}
    stickiness: {weight: 1, scheme: {type: target, target: 2, direction: lower}}
indispensability: {measures: {process_coverage: {weight: 1, scheme: {type: linear, min: 0, max: 1}}}}
tiers:
  default:
    - {tier: green, when: {engagement: {min: 60}}}
    - {tier: red}
"""
    )
    # seat ratio 8 -> 1 - 0.8 = 20.00 x 0.5 = 10.00; stickiness 4 -> 2/4 = 50.00 x 0.5 = 25.00; engagement 35.00
    row, parts = rescore(m, {"active_seat_ratio": 8.0, "stickiness": 4.0, "process_coverage": 1.0})
    assert (row["engagement"], row["axis_tier"]) == (35.0, "red")
    # Red aims at Yellow, which this model does not have: the plan goes to Green instead
    assert plan_next_tier(row, parts, m).target == "green"
    row["axis_tier"] = "yellow"  # as if Yellow: aim at Green (60)
    plan = plan_next_tier(row, parts, m)
    # seat ratio: others 25.00, needs 35.00 -> 70.00 (69.99 x 0.5 = 34.995 -> 35.00): raw 10 x (1 - 0.6999) = 3.001
    # stickiness: others 10.00, needs 50.00 -> 99.99 (49.995 -> 50.00): raw 2 x 100 / 99.99 = 2.00020002
    assert as_tuples(plan.gaps[0].single) == [
        ("active_seat_ratio", 69.99, pytest.approx(3.001), True),
        ("stickiness", 99.99, pytest.approx(200 / 99.99), True),
    ]


def test_insufficient_data_gives_notes_and_no_target(model):
    """Without enough coverage there is no target, only what data is missing."""
    rows = [
        ("engagement", "active_seat_ratio", 0.6, 80.0, 50.0, 1.0, 80.0, "data"),
        ("engagement", "stickiness", np.nan, np.nan, 30.0, 0.0, 0.0, "missing: excluded"),
        ("engagement", "active_days_per_active_user", np.nan, np.nan, 20.0, 0.0, 0.0, "missing: excluded"),
        *IND_PARTS,
    ]
    plan = plan_next_tier(score_row(80.0, 62.0, INSUFFICIENT), parts_frame(rows), model)
    assert (plan.target, plan.rule, plan.gaps) == (None, None, [])
    assert plan.notes == [
        "engagement: no data for stickiness, active_days_per_active_user; "
        "coverage must reach 50% before a tier is given"
    ]
    assert plan.total_gap == 0


@pytest.mark.parametrize("tier", ["green", "gold"])
def test_green_or_gold_has_no_next_tier(model, tier):
    """Green (and GOLD) accounts get no target and no gaps."""
    plan = plan_next_tier(score_row(70.0, 70.0, tier), parts_frame(CASE_A), model)
    assert plan == NextTierPlan(tier=tier, target=None, rule=None)


def test_excluded_and_overridden_measures_are_not_proposed(model):
    """A measure without data stays excluded (with a note); an overridden score is not a lever."""
    # stickiness excluded: seat ratio 80 x 50/70 = 57.14, days 20 x 20/70 = 5.71; engagement 62.85
    # active days is overridden (its status says so) and must not be proposed
    rows = [
        ("engagement", "active_seat_ratio", 0.6, 80.0, 50.0, 0.714286, 57.14, "data"),
        ("engagement", "stickiness", np.nan, np.nan, 30.0, 0.0, 0.0, "missing: excluded"),
        ("engagement", "active_days_per_active_user", 4.0, 20.0, 20.0, 0.285714, 5.71, "override: #1 by x: y"),
        *IND_PARTS,
    ]
    plan = plan_next_tier(score_row(62.85, 62.0, "yellow"), parts_frame(rows), model)
    assert [t.measure for t in plan.gaps[0].single] == ["active_seat_ratio"]
    assert [t.measure for t in plan.gaps[0].combined] == ["active_seat_ratio"]
    assert plan.notes == [
        "engagement: stickiness has no data and stays excluded from these targets; once it has data the weights "
        "are shared again"
    ]
    # seat ratio: others 5.71, needs 65.00 - 5.71 = 59.29: 83.00 x 0.714286 = 59.2857 -> 59.29;
    # 82.99 x 0.714286 = 59.2786 -> 59.28
    assert plan.gaps[0].single[0].target_score == 83.0


def test_trend_condition_is_noted():
    """A target rule with a trend condition says the targets cannot guarantee it."""
    text = MODEL_YAML.replace(
        "- {tier: green, when: {engagement: {min: 65}, indispensability: {min: 65}}}",
        "- {tier: green, when: {engagement: {min: 65}, indispensability: {min: 65}, engagement_trend: {min: 0}}}",
    )
    plan = plan_next_tier(score_row(56.0, 62.0, "yellow"), parts_frame(CASE_A), parse_model(text))
    assert plan.notes == ["the rule also has a trend condition, which these targets cannot guarantee"]


def test_plan_accounts_for_an_earlier_rule_that_matches_first():
    """A Yellow rule's minimum is not enough while an earlier Red rule still takes the account."""
    m = parse_model(
        """
engagement: {measures: {active_seat_ratio: {weight: 1, scheme: {type: linear, min: 0, max: 1}}}}
indispensability: {measures: {process_coverage: {weight: 1, scheme: {type: linear, min: 0, max: 1}}}}
tiers:
  default:
    - {tier: red, when: {engagement: {max: 20}}}
    - {tier: green, when: {engagement: {min: 65}, indispensability: {min: 65}}}
    - {tier: yellow, when: {indispensability: {min: 40}}}
    - {tier: red}
"""
    )
    # engagement 10, indispensability 30: red by rule 0 (and by the catch-all)
    raws = {"active_seat_ratio": 0.1, "process_coverage": 0.3}
    row, parts = rescore(m, raws)
    plan = plan_next_tier(row, parts, m)
    # yellow needs indispensability 40, and engagement just above rule 0's max: 20 + 0.01 = 20.01
    assert (plan.target, plan.rule) == ("yellow", "yellow when indispensability >= 40")
    assert [(g.axis, g.needed) for g in plan.gaps] == [("engagement", 20.01), ("indispensability", 40.0)]
    # linear 0..1 with the whole weight: raw 0.2001 -> 20.01, raw 0.4 -> 40.00
    assert [t.target_raw for g in plan.gaps for t in g.combined] == [pytest.approx(0.2001), pytest.approx(0.4)]
    raws.update({t.measure: t.target_raw for g in plan.gaps for t in g.combined})
    after, _ = rescore(m, raws)
    assert (after["engagement"], after["indispensability"], after["axis_tier"]) == (20.01, 40.0, "yellow")


def test_feasibility_uses_the_exact_share_not_the_stored_rounded_one():
    """Weights 50 and 51: share 50/101 = 0.4950495 is stored as 0.49505; the planner must not use it."""
    m = parse_model(
        """
engagement:
  measures:
    active_seat_ratio: {weight: 50, scheme: {type: linear, min: 0, max: 1}}
    stickiness: {weight: 51, scheme: {type: linear, min: 0, max: 1}}
indispensability: {measures: {process_coverage: {weight: 1, scheme: {type: linear, min: 0, max: 1}}}}
tiers:
  default:
    - {tier: green, when: {engagement: {min: 65}}}
    - {tier: yellow, when: {engagement: {min: 10}}}
    - {tier: red}
"""
    )
    # seat ratio 0.5 -> 50 x 50/101 = 24.75; stickiness 0.3068 -> 30.68 x 51/101 = 15.49; engagement 40.24
    raws = {"active_seat_ratio": 0.5, "stickiness": 0.3068, "process_coverage": 1.0}
    row, parts = rescore(m, raws)
    assert (row["engagement"], row["axis_tier"]) == (40.24, "yellow")
    assert parts["weight_share"].iloc[0] == 0.49505  # stored rounded
    seat = next(t for t in plan_next_tier(row, parts, m).gaps[0].single if t.measure == "active_seat_ratio")
    # with the stored share: 15.49 + 100 x 0.49505 = 15.49 + 49.505 -> 49.51 = 65.00 would look feasible;
    # the scoring's exact share: 100 x 50/101 = 49.50495 -> 49.50, engagement 64.99: seat ratio alone cannot do it
    assert (seat.feasible, seat.target_raw) == (False, None)
    after, _ = rescore(m, {**raws, "active_seat_ratio": 1.0})
    assert (after["engagement"], after["axis_tier"]) == (64.99, "yellow")


def test_bands_target_for_a_measure_scored_zero_without_data():
    """A measure scored 0 for lack of data still gets a usable raw target."""
    m = parse_model(
        """
engagement:
  measures:
    active_seat_ratio: {weight: 1, scheme: {type: linear, min: 0, max: 1}}
    stickiness:
      weight: 1
      missing: zero
      scheme: {type: bands, bands: [{max: 0.5, score: 0}, {min: 0.5, score: 100}]}
indispensability: {measures: {process_coverage: {weight: 1, scheme: {type: linear, min: 0, max: 1}}}}
tiers:
  default:
    - {tier: green, when: {engagement: {min: 65}}}
    - {tier: yellow, when: {engagement: {min: 60}}}
    - {tier: red}
"""
    )
    # seat ratio 0.5 -> 50 x 0.5 = 25.00; stickiness missing -> 0; engagement 25.00 (red, aims at 60)
    row, parts = rescore(m, {"active_seat_ratio": 0.5, "process_coverage": 0.9})
    plan = plan_next_tier(row, parts, m)
    sticky = next(t for t in plan.gaps[0].single if t.measure == "stickiness")
    # stickiness alone: needs 35.00 of its 0.5 share -> 69.99 (34.995 -> 35.00); the band scoring 100 starts at 0.5
    assert (sticky.target_score, sticky.feasible) == (69.99, True)
    assert sticky.target_raw == 0.5
    # applied: band 100 x 0.5 = 50.00 + 25.00 = 75.00; the band's jump overshoots Yellow to Green
    after, _ = rescore(m, {"active_seat_ratio": 0.5, "stickiness": 0.5, "process_coverage": 0.9})
    assert (after["engagement"], after["axis_tier"]) == (75.0, "green")


# -- applying the targets really moves the tier ---------------------------------------------------

LIN = {"type": "linear", "min": 0.0, "max": 1.0}
SCHEMES = {
    "linear": (LIN, (0.0, 1.2)),
    "linear_lower": ({**LIN, "direction": "lower"}, (0.0, 1.2)),
    "target": ({"type": "target", "target": 20.0}, (0.0, 30.0)),
    "target_lower": ({"type": "target", "target": 5.0, "direction": "lower"}, (0.5, 40.0)),
    "log": ({"type": "log", "min": 0.0, "max": 99.0}, (0.0, 150.0)),
    "log_lower": ({"type": "log", "min": 0.0, "max": 99.0, "direction": "lower"}, (0.0, 150.0)),
    "bands": ({"type": "bands", "bands": [{"max": 0.2, "score": 0}, {"min": 0.2, "max": 0.5, "score": 35},
                                          {"min": 0.5, "max": 0.8, "score": 80}, {"min": 0.8, "score": 100}]},
              (0.0, 1.0)),
}
AXIS_MEASURES = {a: [m for m, (axis, _) in MEASURES.items() if axis == a] for a in AXES}


@st.composite
def accounts(draw):
    """A random model (weights, schemes, thresholds) and one account's raw values."""
    spec, raws, kinds = {}, {}, {}
    for axis in AXES:
        names = draw(st.lists(st.sampled_from(AXIS_MEASURES[axis]), min_size=1, max_size=len(AXIS_MEASURES[axis]),
                              unique=True))
        spec[axis] = {"measures": {}}
        for name in names:
            kind = draw(st.sampled_from(sorted(SCHEMES)))
            scheme, (lo, hi) = SCHEMES[kind]
            # totals above 100 (e.g. 101) make shares the stored 6 decimals round
            spec[axis]["measures"][name] = {"weight": draw(st.integers(1, 60)), "scheme": scheme}
            kinds[name] = kind
            missing = draw(st.sampled_from(["data"] * 6 + ["zero", "neutral"]))
            if missing == "data":
                raws[name] = draw(st.floats(lo, hi, allow_nan=False).map(lambda x: round(x, 4)))
            else:  # no data, scored 0 or neutral: still counted, so a lever
                spec[axis]["measures"][name].update(missing=missing, neutral_score=draw(st.integers(0, 100)))
    ye, yi = draw(st.integers(10, 60)), draw(st.integers(10, 60))
    ge, gi = ye + draw(st.integers(1, 39)), yi + draw(st.integers(1, 39))
    spec["params"] = {"key_features": {"default": ["x"]}}
    spec["tiers"] = {"default": [
        {"tier": "green", "when": {"engagement": {"min": ge}, "indispensability": {"min": gi}}},
        {"tier": "yellow", "when": {"engagement": {"min": ye}, "indispensability": {"min": yi}}},
        {"tier": "red"},
    ]}
    return parse_model(yaml.safe_dump(spec)), raws, kinds


def moved(model: Model, raws: dict, targets: list) -> tuple[pd.Series, pd.DataFrame]:
    """Rescore with the targets' raw values substituted."""
    return rescore(model, {**raws, **{t.measure: t.target_raw for t in targets}})


def plan_total(gap, shares: dict[str, float]) -> float:
    """The axis, in hundredths, once the combined plan is applied (exact shares, as scoring uses)."""
    total = hundredths(gap.value)
    for t in gap.combined:
        total += hundredths(t.target_score * shares[t.measure]) - hundredths(t.score * shares[t.measure])
    return total


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts())
def test_applying_the_targets_moves_the_account_to_the_next_tier(case):
    """Every feasible single target (with the other axes' combined plans) and the combined plan reach the target."""
    model, raws, kinds = case
    row, parts = rescore(model, raws)
    assume(row["axis_tier"] in ("red", "yellow"))
    plan = plan_next_tier(row, parts, model)
    assert plan.target == next_tier(row["axis_tier"])
    assert plan.gaps, "an account below Green has at least one axis short of the next tier"
    rank = TIER_ORDER.index(plan.target)
    shares = {m: w / parts.loc[parts["axis"] == a, "weight"].sum() for m, w, a in zip(parts["measure"], parts["weight"],
                                                                                     parts["axis"])}
    for g in plan.gaps:
        assert g.value == row[g.axis] and g.needed > g.value

    def check(after: pd.Series, after_parts: pd.DataFrame, targets: list) -> None:
        scores = after_parts.set_index("measure")["score"]
        overshoot = False
        for t in targets:
            if kinds[t.measure] == "bands":
                assert scores[t.measure] >= t.target_score
                overshoot |= scores[t.measure] > t.target_score
            else:
                assert scores[t.measure] == t.target_score  # the raw target scores exactly as promised
        for g in plan.gaps:
            assert after[g.axis] >= g.needed
        got = TIER_ORDER.index(after["axis_tier"]) if after["axis_tier"] in TIER_ORDER else -1
        assert got == rank or (overshoot and got > rank), (after["axis_tier"], plan.target)

    feasible = {g.axis: plan_total(g, shares) >= hundredths(g.needed) for g in plan.gaps}
    for g in plan.gaps:
        if not feasible[g.axis]:
            # infeasible even combined: every live measure is pushed to 100 and the axis stays short
            assert all(t.target_score == 100.0 for t in g.combined)
            assert all(not t.feasible for t in g.single)
            after, _ = moved(model, raws, g.combined)
            assert after[g.axis] < g.needed
    assume(all(feasible.values()))
    combined = [t for g in plan.gaps for t in g.combined]
    after, after_parts = moved(model, raws, combined)
    check(after, after_parts, combined)
    for g in plan.gaps:
        others = [t for o in plan.gaps if o is not g for t in o.combined]
        for t in g.single:
            if not t.feasible:
                continue
            after, after_parts = moved(model, raws, [t, *others])
            check(after, after_parts, [t, *others])
