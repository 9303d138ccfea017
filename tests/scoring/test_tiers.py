"""Tier rules: first match wins, per segment, and insufficient data is never Red."""

from __future__ import annotations

import numpy as np
import pandas as pd

from goldpath.model.spec import parse_model
from goldpath.scoring.tiers import INSUFFICIENT, assign_tiers


def axes(rows: list[tuple[float, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["engagement", "engagement_coverage", "indispensability", "indispensability_coverage"])


def test_example_rules_by_hand(example_model_text):
    m = parse_model(example_model_text)
    a = axes(
        [
            (65.0, 1, 65.0, 1),  # default: exactly on the Green bar -> green
            (64.99, 1, 90.0, 1),  # just short on engagement -> yellow
            (90.0, 1, 39.99, 1),  # indispensability short of yellow -> red
            (60.0, 1, 60.0, 1),  # starter: Green bar is 60 -> green
            (60.0, 1, 60.0, 1),  # same axes in default segment -> yellow
            (np.nan, 0, 80.0, 1),  # no engagement data -> insufficient data, not red
            (90.0, 0.4, 90.0, 1),  # coverage 40% below the 50% minimum -> insufficient
        ]
    )
    seg = pd.Series(["basic", "premier", "basic", "starter", "basic", "basic", "basic"])
    t = assign_tiers(a, seg, m)
    assert list(t["axis_tier"]) == ["green", "yellow", "red", "green", "yellow", INSUFFICIENT, INSUFFICIENT]
    assert t.loc[0, "tier_rule"] == "tiers.default[0]: green when engagement >= 65 and indispensability >= 65"
    assert t.loc[3, "tier_rule"].startswith("tiers.starter[0]")
    assert t.loc[2, "tier_rule"] == "tiers.default[2]: red (otherwise)"
    assert t.loc[6, "tier_rule"] == "engagement coverage below 50%"


def test_first_match_wins_and_max_bounds():
    m = parse_model(
        """
engagement: {measures: {active_seat_ratio: {weight: 1, scheme: {type: linear, min: 0, max: 1}}}}
indispensability: {measures: {process_coverage: {weight: 1, scheme: {type: linear, min: 0, max: 1}}}}
tiers:
  default:
    - tier: yellow
      when: {engagement: {max: 20}}
    - tier: green
      when: {engagement: {min: 10}}
    - tier: red
"""
    )
    t = assign_tiers(axes([(15, 1, 0, 1), (25, 1, 0, 1), (5, 1, 0, 1)]), pd.Series(["x", "x", "x"]), m)
    # 15 matches both rules: the first (yellow) wins; 25 only the second; 5 only the first.
    assert list(t["axis_tier"]) == ["yellow", "green", "yellow"]
