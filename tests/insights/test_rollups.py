"""Parent rollups: each method on hand-built children, shares by ARR, orphans skipped."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from goldpath.insights.rollups import ROLLUP_COLUMNS, rollup
from goldpath.model.spec import Model, parse_model
from goldpath.scoring.tiers import INSUFFICIENT

DAY = dt.date(2022, 12, 31)
EARLIER = dt.date(2022, 11, 30)

BASE = """
engagement: {measures: {active_seat_ratio: {weight: 1, scheme: {type: linear, min: 0, max: 1}}}}
indispensability: {measures: {process_coverage: {weight: 1, scheme: {type: linear, min: 0, max: 1}}}}
tiers:
  default:
    - {tier: green, when: {engagement: {min: 65}, indispensability: {min: 65}}}
    - {tier: yellow, when: {engagement: {min: 40}, indispensability: {min: 40}}}
    - {tier: red}
"""


def model(method: str, tier_share: dict | None = None) -> Model:
    """The base model with a rollup method (and tier-share thresholds)."""
    extra = f"rollup: {{method: {method}" + (f", tier_share: {tier_share}" if tier_share else "") + "}\n"
    return parse_model(BASE + extra)


# P1: c1 gold (ARR 100), c2 yellow (300), c3 red (600)            -> 1,000 ARR
# P2: d1 green (100), d2 yellow (200)                              ->   300 ARR
# P3: e1 insufficient, no axes (100), e2 green (300)               ->   400 ARR
# s1 has no parent (NaN), s2 an empty parent: both skipped
CHILDREN = [
    ("c1", "P1", 100.0, 80.0, 70.0, "gold"),
    ("c2", "P1", 300.0, 60.0, 50.0, "yellow"),
    ("c3", "P1", 600.0, 30.0, 45.0, "red"),
    ("d1", "P2", 100.0, 90.0, 90.05, "green"),
    ("d2", "P2", 200.0, 70.01, 60.0, "yellow"),
    ("e1", "P3", 100.0, np.nan, np.nan, INSUFFICIENT),
    ("e2", "P3", 300.0, 70.0, 80.0, "green"),
    ("s1", np.nan, 5000.0, 10.0, 10.0, "red"),
    ("s2", "", 5000.0, 10.0, 10.0, "red"),
]


def inputs(children=CHILDREN, as_of=DAY) -> tuple[pd.DataFrame, pd.Series]:
    """Scores and the parent of each account."""
    scores = pd.DataFrame(
        [(as_of, a, arr, e, i, t) for a, _, arr, e, i, t in children],
        columns=["as_of", "account_id", "arr", "engagement", "indispensability", "tier"],
    )
    parents = pd.Series({a: p for a, p, *_ in children}, name="parent_id", dtype=object)
    return scores, parents


def by_parent(out: pd.DataFrame) -> pd.DataFrame:
    """Rollup rows indexed by parent."""
    return out.set_index("parent_id")


def test_shares_are_of_the_childrens_arr_and_orphans_are_skipped():
    """Tier shares are ARR shares; accounts without a parent do not form or join a rollup."""
    out = rollup(*inputs(), model("worst_child"))
    assert list(out.columns) == ROLLUP_COLUMNS
    assert list(out["parent_id"]) == ["P1", "P2", "P3"]
    r = by_parent(out)
    # P1: gold 100/1000, yellow 300/1000, red 600/1000
    assert r.loc["P1", ["children", "children_arr"]].tolist() == [3, 1000.0]
    assert r.loc["P1", ["share_gold", "share_green", "share_yellow", "share_red", "share_insufficient"]].tolist() == [
        0.1, 0.0, 0.3, 0.6, 0.0,
    ]
    # P2: green 100/300, yellow 200/300
    assert r.loc["P2", "share_green"] == pytest.approx(1 / 3)
    assert r.loc["P2", "share_yellow"] == pytest.approx(2 / 3)
    # P3: insufficient 100/400, green 300/400
    assert r.loc["P3", ["share_insufficient", "share_green"]].tolist() == [0.25, 0.75]
    # s1 and s2 (ARR 5,000 each) are in no parent's ARR
    assert out["children_arr"].sum() == 1000 + 300 + 400


def test_worst_child():
    """Axes are the children's minimums; the tier and worst child are the lowest-ranked child."""
    r = by_parent(rollup(*inputs(), model("worst_child")))
    # P1: min(80, 60, 30) = 30, min(70, 50, 45) = 45; c3 is red
    assert r.loc["P1", ["engagement", "indispensability", "tier", "worst_child"]].tolist() == [30.0, 45.0, "red", "c3"]
    # P2: min(90, 70.01) = 70.01, min(90.05, 60) = 60; d2 is yellow
    assert r.loc["P2", ["engagement", "indispensability", "tier", "worst_child"]].tolist() == [70.01, 60.0, "yellow", "d2"]
    # P3: e1 has no tier from the rules and no axes; e2 (green) is the only rated child
    assert r.loc["P3", ["engagement", "indispensability", "tier", "worst_child"]].tolist() == [70.0, 80.0, "green", "e2"]
    assert (r["method"] == "worst_child").all()


def test_arr_weighted():
    """Axes are ARR-weighted means (rounded half up) and the tier follows the default rules."""
    r = by_parent(rollup(*inputs(), model("arr_weighted")))
    # P1: (100x80 + 300x60 + 600x30)/1000 = 44000/1000 = 44.00; (7000 + 15000 + 27000)/1000 = 49.00 -> yellow
    assert r.loc["P1", ["engagement", "indispensability", "tier"]].tolist() == [44.0, 49.0, "yellow"]
    # P2: (100x90 + 200x70.01)/300 = 23002/300 = 76.6733 -> 76.67; (9005 + 12000)/300 = 70.0167 -> 70.02 -> green
    assert r.loc["P2", ["engagement", "indispensability", "tier"]].tolist() == [76.67, 70.02, "green"]
    # P3: e1 has no axes, so only e2's ARR weighs: 70.00, 80.00 -> green
    assert r.loc["P3", ["engagement", "indispensability", "tier"]].tolist() == [70.0, 80.0, "green"]
    # worst child is still reported: c3, d2, e2
    assert r["worst_child"].tolist() == ["c3", "d2", "e2"]


def test_arr_weighted_rounds_half_up():
    """65.01 and 65.00 with equal ARR average to 65.005, which rounds half up to 65.01."""
    kids = [("k1", "P", 100.0, 65.01, 40.0, "yellow"), ("k2", "P", 100.0, 65.0, 39.99, "red")]
    r = by_parent(rollup(*inputs(kids), model("arr_weighted")))
    # engagement (6501 + 6500)/200 = 65.005 -> 65.01; indispensability (4000 + 3999)/200 = 39.995 -> 40.00
    assert r.loc["P", ["engagement", "indispensability", "tier"]].tolist() == [65.01, 40.0, "yellow"]


@pytest.mark.parametrize(
    "tier_share, expected",
    [
        # default {gold 0.5, green 0.6, yellow 0.6}: P1 gold 0.1, >= green 0.1, >= yellow 0.4 -> red;
        # P2 gold 0, >= green 1/3, >= yellow 1.0 -> yellow; P3 >= green 0.75 -> green
        (None, ["red", "yellow", "green"]),
        # yellow at 0.4 (inclusive): P1 0.1 + 0.3 = 0.4 -> yellow
        ({"gold": 0.5, "green": 0.6, "yellow": 0.4}, ["yellow", "yellow", "green"]),
        # gold at 0.1: P1's gold child holds exactly 10% -> gold
        ({"gold": 0.1, "green": 0.6, "yellow": 0.6}, ["gold", "yellow", "green"]),
        # green at 0.8: P3 has 0.75 -> only yellow-or-better 0.75 >= 0.6
        ({"gold": 0.5, "green": 0.8, "yellow": 0.6}, ["red", "yellow", "yellow"]),
    ],
)
def test_tier_share(tier_share, expected):
    """The best tier whose children at that tier or better hold the required ARR share."""
    out = rollup(*inputs(), model("tier_share", tier_share))
    assert out["tier"].tolist() == expected
    # axes as in arr_weighted
    assert out["engagement"].tolist() == [44.0, 76.67, 70.0]


def test_tier_share_without_rated_children_is_insufficient():
    """A parent whose children all lack data is not Red by accident."""
    kids = [("k1", "P", 100.0, np.nan, np.nan, INSUFFICIENT), ("k2", "P", 300.0, np.nan, np.nan, INSUFFICIENT)]
    r = by_parent(rollup(*inputs(kids), model("tier_share")))
    assert r.loc["P", "share_red"] == 0.0
    assert r.loc["P", "tier"] == INSUFFICIENT


@pytest.mark.parametrize("method", ["worst_child", "arr_weighted"])
def test_children_without_data_give_insufficient_data(method):
    """Without a rated child (and without axes) the parent has no tier from the rules."""
    kids = [("k1", "P", 100.0, np.nan, np.nan, INSUFFICIENT)]
    r = by_parent(rollup(*inputs(kids), model(method)))
    assert r.loc["P", "tier"] == INSUFFICIENT
    assert r.loc["P", "worst_child"] is None
    assert np.isnan(r.loc["P", "engagement"])


def test_one_row_per_parent_and_date():
    """Children are grouped by date too, and rows come sorted by date then parent."""
    now, parents = inputs()
    before, _ = inputs([("c1", "P1", 100.0, 20.0, 20.0, "red"), ("c2", "P1", 300.0, 60.0, 50.0, "yellow")],
                       as_of=EARLIER)
    out = rollup(pd.concat([now, before], ignore_index=True), parents, model("worst_child"))
    assert list(zip(out["as_of"], out["parent_id"])) == [(EARLIER, "P1"), (DAY, "P1"), (DAY, "P2"), (DAY, "P3")]
    first = out.iloc[0]
    # on EARLIER P1 had c1 (100, red) and c2 (300, yellow): red share 0.25, worst c1
    assert [first["children_arr"], first["share_red"], first["worst_child"], first["tier"]] == [400.0, 0.25, "c1", "red"]


def test_no_parents_gives_an_empty_frame():
    """Without any parent there is nothing to roll up (same columns)."""
    scores, _ = inputs()
    out = rollup(scores, pd.Series(np.nan, index=scores["account_id"], dtype=object), model("worst_child"))
    assert out.empty and list(out.columns) == ROLLUP_COLUMNS
