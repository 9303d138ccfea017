"""Axis scores: exact sums of contributions, missing-data rules and coverage."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from goldpath.model.spec import MEASURES, Model
from goldpath.scoring.axes import hundredths, round2, score_axes

DAY = dt.date(2022, 12, 31)


def model(eng: dict | None = None, ind: dict | None = None) -> Model:
    lin = {"type": "linear", "min": 0, "max": 1}
    eng = eng or {
        "active_seat_ratio": {"weight": 3, "scheme": lin},
        "stickiness": {"weight": 1, "scheme": lin},
    }
    ind = ind or {"process_coverage": {"weight": 1, "scheme": lin}}
    return Model.model_validate(
        {
            "engagement": {"measures": eng, "min_coverage": 0.5},
            "indispensability": {"measures": ind},
            "params": {"key_features": {"default": ["x"]}},
            "tiers": {"default": [{"tier": "red"}]},
        }
    )


def frame(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"as_of": [DAY] * n, "account_id": [f"a{i}" for i in range(n)]}
    for m in MEASURES:
        base[m] = cols.get(m, [np.nan] * n)
    return pd.DataFrame(base)


def parts_of(parts: pd.DataFrame, account: str, axis: str) -> pd.DataFrame:
    return parts[(parts.account_id == account) & (parts.axis == axis)].set_index("measure")


def test_weighted_contributions_by_hand():
    # seat ratio 0.5 -> 50, weight 3 of 4 -> 37.50; stickiness 0.2 -> 20, weight 1 of 4 -> 5.00; axis 42.50
    axes, parts = score_axes(frame(active_seat_ratio=[0.5], stickiness=[0.2], process_coverage=[1.0]), model())
    p = parts_of(parts, "a0", "engagement")
    assert p.loc["active_seat_ratio", "contribution"] == 37.5
    assert p.loc["stickiness", "contribution"] == 5.0
    assert axes.loc[0, "engagement"] == 42.5
    assert axes.loc[0, "engagement_coverage"] == 1.0
    assert axes.loc[0, "indispensability"] == 100.0


def test_contributions_are_rounded_and_sum_exactly():
    # scores 33.33 (0.3333) and 66.67 (0.66667): shares 3/4 and 1/4
    # 33.33 * 0.75 = 24.9975 -> 25.00 ; 66.67 * 0.25 = 16.6675 -> 16.67 ; axis = 41.67 exactly
    axes, parts = score_axes(frame(active_seat_ratio=[0.3333], stickiness=[0.66667], process_coverage=[0.1]), model())
    p = parts_of(parts, "a0", "engagement")
    assert list(p["score"]) == [33.33, 66.67]
    assert list(p["contribution"]) == [25.0, 16.67]
    assert axes.loc[0, "engagement"] == 41.67


def test_missing_excluded_renormalises_and_lowers_coverage():
    # stickiness missing: seat ratio takes all the weight: 0.5 -> 50; coverage 3/4
    axes, parts = score_axes(frame(active_seat_ratio=[0.5], stickiness=[np.nan], process_coverage=[0.5]), model())
    p = parts_of(parts, "a0", "engagement")
    assert p.loc["stickiness", "status"] == "missing: excluded"
    assert np.isnan(p.loc["stickiness", "score"]) and p.loc["stickiness", "contribution"] == 0
    assert p.loc["active_seat_ratio", "weight_share"] == 1.0
    assert axes.loc[0, "engagement"] == 50.0
    assert axes.loc[0, "engagement_coverage"] == 0.75


def test_missing_counted_as_zero_or_neutral():
    lin = {"type": "linear", "min": 0, "max": 1}
    eng = {
        "active_seat_ratio": {"weight": 2, "scheme": lin},
        "stickiness": {"weight": 1, "scheme": lin, "missing": "zero"},
        "key_feature_adoption": {"weight": 1, "scheme": lin, "missing": "neutral", "neutral_score": 60},
    }
    m = model(eng=eng)
    # seat 0.8 -> 80 * 2/4 = 40; stickiness missing -> 0 * 1/4 = 0; adoption missing -> 60 * 1/4 = 15; axis 55
    axes, parts = score_axes(frame(active_seat_ratio=[0.8], process_coverage=[0.5]), m)
    p = parts_of(parts, "a0", "engagement")
    assert list(p["contribution"]) == [40.0, 0.0, 15.0]
    assert p.loc["stickiness", "status"].startswith("missing: scored 0")
    assert axes.loc[0, "engagement"] == 55.0
    assert axes.loc[0, "engagement_coverage"] == 0.5  # only the seat ratio (2 of 4) had data


def test_no_data_at_all_gives_no_axis_score():
    axes, _ = score_axes(frame(active_seat_ratio=[np.nan], process_coverage=[np.nan]), model())
    assert np.isnan(axes.loc[0, "engagement"]) and axes.loc[0, "engagement_coverage"] == 0.0


def test_rounding_is_half_up_in_hundredths():
    assert list(round2(np.array([1.005, 2.675, 0.125, 99.995]))) == [1.01, 2.68, 0.13, 100.0]
    assert list(hundredths(np.array([12.345]))) == [1235.0]


lin_schemes = st.fixed_dictionaries(
    {"type": st.just("linear"), "min": st.floats(-5, 0), "max": st.floats(0.5, 5)}
)
measure_spec = st.fixed_dictionaries(
    {
        "weight": st.floats(0.01, 100),
        "scheme": lin_schemes,
        "missing": st.sampled_from(["exclude", "zero", "neutral"]),
        "neutral_score": st.floats(0, 100),
    }
)
ENG = [m for m, (a, _) in MEASURES.items() if a == "engagement"]
IND = [m for m, (a, _) in MEASURES.items() if a == "indispensability"]
raw_value = st.one_of(st.floats(-10, 10), st.just(float("nan")))


@settings(max_examples=60, deadline=None)
@given(
    eng=st.dictionaries(st.sampled_from(ENG), measure_spec, min_size=1),
    ind=st.dictionaries(st.sampled_from(IND), measure_spec, min_size=1),
    rows=st.lists(st.lists(raw_value, min_size=len(MEASURES), max_size=len(MEASURES)), min_size=1, max_size=8),
)
def test_axis_equals_sum_of_contributions_for_any_model(eng, ind, rows):
    m = Model.model_validate(
        {
            "engagement": {"measures": eng},
            "indispensability": {"measures": ind},
            "params": {"key_features": {"default": ["x"]}},
            "tiers": {"default": [{"tier": "red"}]},
        }
    )
    df = frame(**{name: [r[i] for r in rows] for i, name in enumerate(MEASURES)})
    axes, parts = score_axes(df, m)
    for axis in ("engagement", "indispensability"):
        cov = axes[f"{axis}_coverage"]
        assert ((cov >= 0) & (cov <= 1)).all()
        scored = parts[(parts.axis == axis)]
        s = scored["score"].dropna()
        assert ((s >= 0) & (s <= 100)).all()
        for acc, g in scored.groupby("account_id"):
            value = axes.loc[axes.account_id == acc, axis].iloc[0]
            total = int(sum(round(c * 100) for c in g["contribution"]))
            if np.isnan(value):
                assert total == 0
            else:
                assert round(value * 100) == total
                assert 0 <= value <= 100.0 + 1e-9
