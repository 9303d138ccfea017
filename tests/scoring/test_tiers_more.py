"""Tier trend conditions, minimum tenure, and model validation of rules and segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from goldpath.errors import ConfigError
from goldpath.model.spec import parse_model
from goldpath.scoring.tiers import INSUFFICIENT, assign_tiers

LIN = {"type": "linear", "min": 0, "max": 1}
BASE = {
    "engagement": {"measures": {"active_seat_ratio": {"weight": 1, "scheme": LIN}}},
    "indispensability": {"measures": {"process_coverage": {"weight": 1, "scheme": LIN}}},
    "tiers": {
        "default": [
            {"tier": "green", "when": {"engagement": {"min": 60}, "engagement_trend": {"min": 0}}},
            {"tier": "yellow", "when": {"engagement": {"min": 40}}},
            {"tier": "red"},
        ]
    },
}


def model_text(**changes) -> str:
    """The base model as YAML, with top-level keys replaced."""
    return yaml.safe_dump(BASE | changes)


def axes(rows: list[tuple[float, float]]) -> pd.DataFrame:
    """Axis scores ``(engagement, indispensability)`` with full coverage."""
    df = pd.DataFrame(rows, columns=["engagement", "indispensability"])
    return df.assign(engagement_coverage=1.0, indispensability_coverage=1.0)


def test_trend_conditions() -> None:
    """``engagement_trend: {min: 0}`` holds at 0 and when unknown (NaN), fails when negative."""
    m = parse_model(model_text())
    a = axes([(70, 50), (70, 50), (70, 50), (70, 50), (30, 50)])
    trends = pd.DataFrame({
        # unknown -> holds; -0.01 -> fails (falls to yellow: 70 >= 40); 0 -> holds (inclusive); +5 holds;
        # engagement 30 is below both bars whatever the trend -> red.
        "engagement_trend": [np.nan, -0.01, 0.0, 5.0, 10.0],
        "indispensability_trend": [np.nan] * 5,
    })
    t = assign_tiers(a, pd.Series(["default"] * 5), m, trends=trends)
    assert list(t["axis_tier"]) == ["green", "yellow", "green", "green", "red"]
    assert t.loc[0, "tier_rule"] == "tiers.default[0]: green when engagement >= 60 and engagement_trend >= 0"
    assert t.loc[1, "tier_rule"] == "tiers.default[1]: yellow when engagement >= 40"


def test_trend_max_bound_and_no_trends() -> None:
    """A max bound on a trend fails above it; without a trends table the condition holds."""
    rules = {"default": [
        {"tier": "red", "when": {"indispensability_trend": {"max": -10}}},  # a fall of 10 points or more
        {"tier": "green"},
    ]}
    m = parse_model(model_text(tiers=rules))
    a = axes([(90, 90), (90, 90), (90, 90)])
    trends = pd.DataFrame({"engagement_trend": [0.0] * 3, "indispensability_trend": [-10.0, -9.99, np.nan]})
    # -10 <= -10 -> red; -9.99 fails -> green; unknown holds -> red (trend conditions hold without history).
    got = assign_tiers(a, pd.Series(["x"] * 3), m, trends=trends)
    assert list(got["axis_tier"]) == ["red", "green", "red"]
    assert list(assign_tiers(a, pd.Series(["x"] * 3), m)["axis_tier"]) == ["red", "red", "red"]


def test_min_tenure_days() -> None:
    """Accounts younger than min_tenure_days get 'insufficient data' with the reason."""
    m = parse_model(model_text(min_tenure_days=30))
    a = axes([(90, 90), (90, 90), (90, 90)])
    a.loc[2, "engagement_coverage"] = 0.4  # also below the 50% coverage minimum
    t = assign_tiers(a, pd.Series(["default"] * 3), m, tenure=pd.Series([29, 30, 5]))
    # 29 days < 30 -> insufficient; exactly 30 is old enough -> green (90 >= 60, trend unknown).
    assert list(t["axis_tier"]) == [INSUFFICIENT, "green", INSUFFICIENT]
    assert t.loc[0, "tier_rule"] == "customer for fewer than 30 days"
    assert t.loc[2, "tier_rule"] == "engagement coverage below 50%; customer for fewer than 30 days"
    # Without tenure the rule is not applied.
    assert list(assign_tiers(a, pd.Series(["default"] * 3), m)["axis_tier"]) == ["green", "green", INSUFFICIENT]


def test_segment_min_coverage_applies() -> None:
    """A segment with its own axis needs that axis's min_coverage before it gets a tier."""
    own = {"min_coverage": 0.9, "measures": {"active_seat_ratio": {"weight": 1, "scheme": LIN}}}
    m = parse_model(model_text(segments=[{"name": "strict", "engagement": own}]))
    a = axes([(80, 80)])
    a.loc[0, "engagement_coverage"] = 0.6  # enough for the default 50%, not for strict's 90%
    t = assign_tiers(a, pd.Series(["strict"]), m)
    assert t.loc[0, "axis_tier"] == INSUFFICIENT
    assert t.loc[0, "tier_rule"] == "engagement coverage below 90%"


# --------------------------------------------------------------------------------------------
# Model validation
# --------------------------------------------------------------------------------------------

SEG_AXIS = {"measures": {"active_seat_ratio": {"weight": 1, "scheme": LIN}}}
SIGNAL = {"weight": 1, "signal": "nps", "scheme": LIN}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # engagement >= 60 is inside engagement >= 50 (indispensability 10..100 inside 0..100).
        ({"tiers": {"default": [
            {"tier": "green", "when": {"engagement": {"min": 50}}},
            {"tier": "yellow", "when": {"engagement": {"min": 60}, "indispensability": {"min": 10}}},
            {"tier": "red"}]}},
         "tiers.default[1] can never match: tiers.default[0] (green when engagement >= 50) takes every account it would"),
        # The same box twice, in a segment's list.
        ({"tiers": {"default": [{"tier": "red"}], "big": [
            {"tier": "green", "when": {"engagement": {"min": 20, "max": 80}}},
            {"tier": "yellow", "when": {"engagement": {"min": 20, "max": 80}}},
            {"tier": "red"}]}},
         "tiers.big[1] can never match: tiers.big[0]"),
        ({"segments": [{"name": "big"}, {"name": "small"}, {"name": "big"}]},
         "segments: names must be unique, got ['big', 'small', 'big']"),
        ({"segments": [{"name": "default", "when": {"seats": {"min": 10}}}]},
         "segments: `default` is the name of accounts no rule takes"),
        ({"engagement": {"measures": {"stickiness": SIGNAL}}},
         "engagement.measures.stickiness: a signal measure needs a name of its own"),
        ({"segments": [{"name": "big", "indispensability": {"measures": {"process_coverage": SIGNAL}}}]},
         "segments[0].indispensability.measures.process_coverage: a signal measure needs a name of its own"),
        ({"params": {"critical_min": 5.5}}, "params.critical_min: Input should be less than or equal to 5"),
    ],
)
def test_invalid_models(changes: dict, message: str) -> None:
    """Each invalid model is rejected with a message that names the key."""
    with pytest.raises(ConfigError) as info:
        parse_model(model_text(**changes), "model.yaml")
    assert message in str(info.value)


@pytest.mark.parametrize(
    "changes",
    [
        # A later rule that reaches outside the earlier box is allowed.
        {"tiers": {"default": [
            {"tier": "green", "when": {"engagement": {"min": 50}}},
            {"tier": "yellow", "when": {"engagement": {"min": 40}}},
            {"tier": "red"}]}},
        # An earlier rule with a trend condition covers nothing (the trend may fail).
        {"tiers": {"default": [
            {"tier": "green", "when": {"engagement": {"min": 50}, "engagement_trend": {"min": 0}}},
            {"tier": "yellow", "when": {"engagement": {"min": 60}}},
            {"tier": "red"}]}},
        {"segments": [{"name": "big"}, {"name": "small"}]},
        {"engagement": {"measures": {"nps_score": SIGNAL}}},
        {"params": {"critical_min": 5}},
    ],
)
def test_valid_neighbours(changes: dict) -> None:
    """The closest valid variants of the invalid models load."""
    parse_model(model_text(**changes), "model.yaml")
