"""Backtest statistics: Wilson intervals, per-tier retention, AUCs, lift, claims and the baseline."""

from __future__ import annotations

import datetime as dt_
import math

import numpy as np
import pandas as pd
import pytest

from goldpath.insights.backtest import auc, auc_interval, per_tier, segment_baseline, summarize, wilson


# Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score, no
# continuity correction), 95% intervals as printed to 4 decimals.
@pytest.mark.parametrize(
    "successes, n, low, high",
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_table_1(successes, n, low, high):
    """The Wilson interval equals Newcombe's published values to 4 decimals."""
    lo, hi = wilson(successes, n)
    assert round(lo, 4) == pytest.approx(low, abs=1e-9)
    assert round(hi, 4) == pytest.approx(high, abs=1e-9)
    assert 0.0 <= lo <= successes / n <= hi <= 1.0


def test_wilson_without_observations_is_nan():
    """n = 0 gives (NaN, NaN), not an interval."""
    lo, hi = wilson(0, 0)
    assert math.isnan(lo) and math.isnan(hi)


def _renewals(specs: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    """Rows ``(tier, outcome, arr_before, arr_after)`` as the backtest builds them."""
    df = pd.DataFrame(specs, columns=["tier", "outcome", "arr_before", "arr_after"])
    df["renewed"] = df["outcome"] != "churned"
    df["expanded"] = df["outcome"] == "expanded"
    return df


HAND = _renewals([
    ("green", "renewed", 100.0, 100.0),
    ("green", "expanded", 200.0, 260.0),
    ("green", "contracted", 100.0, 80.0),
    ("green", "churned", 100.0, 0.0),
    ("yellow", "renewed", 50.0, 50.0),
    ("yellow", "churned", 150.0, 0.0),
    ("red", "churned", 80.0, 0.0),
    ("red", "churned", 20.0, 0.0),
    ("red", "expanded", 100.0, 150.0),
    ("insufficient data", "renewed", 40.0, 40.0),
])


def test_per_tier_counts_rates_and_retention_by_hand():
    """Renewal and expansion rates, GRR = sum(min(after, before))/sum(before), NRR = sum(after)/sum(before)."""
    t = per_tier(HAND).set_index("tier")
    assert list(t.index) == ["green", "yellow", "red", "insufficient data", "all"]  # best first; gold absent
    expected = {
        # tier: renewals, renewed, expanded, arr_before, GRR, NRR
        "green": (4, 3, 1, 500.0, (100 + 200 + 80 + 0) / 500, (100 + 260 + 80 + 0) / 500),
        "yellow": (2, 1, 0, 200.0, 50 / 200, 50 / 200),
        "red": (3, 1, 1, 200.0, 100 / 200, 150 / 200),
        "insufficient data": (1, 1, 0, 40.0, 1.0, 1.0),
        "all": (10, 6, 2, 940.0, (380 + 50 + 100 + 40) / 940, (440 + 50 + 150 + 40) / 940),
    }
    for tier, (n, renewed, expanded, before, grr, nrr) in expected.items():
        row = t.loc[tier]
        assert row["renewals"] == n and row["renewed"] == renewed, tier
        assert row["renewal_rate"] == pytest.approx(renewed / n), tier
        assert row["expansion_rate"] == pytest.approx(expanded / n), tier
        assert row["arr_before"] == pytest.approx(before), tier
        assert row["gross_retention"] == pytest.approx(grr), tier
        assert row["net_retention"] == pytest.approx(nrr), tier
        assert (row["renewal_low"], row["renewal_high"]) == pytest.approx(wilson(renewed, n)), tier
        assert (row["expansion_low"], row["expansion_high"]) == pytest.approx(wilson(expanded, n)), tier


def test_per_tier_without_arr_has_nan_retention():
    """A tier whose ARR before was 0 has no retention (NaN), not a division error."""
    t = per_tier(_renewals([("green", "renewed", 0.0, 0.0), ("red", "churned", 10.0, 0.0)])).set_index("tier")
    assert math.isnan(t.loc["green", "gross_retention"]) and math.isnan(t.loc["green", "net_retention"])
    assert t.loc["red", "gross_retention"] == 0.0


def _scored(n_green: int, green_churns: int, gold: list[str] | None = None) -> pd.DataFrame:
    """Renewals with axes: Green ones high on engagement, Red ones low; indispensability constant."""
    specs = [("green", "churned" if i < green_churns else "renewed", 100.0, 0.0 if i < green_churns else 100.0)
             for i in range(n_green)]
    specs += [("red", "churned", 100.0, 0.0)] * 5 + [("red", "renewed", 100.0, 100.0)] * 2
    specs += [("gold", o, 100.0, 0.0 if o == "churned" else 100.0) for o in (gold or [])]
    df = _renewals(specs)
    df["engagement"] = np.where(df["tier"] == "red", 30.0, 80.0)
    df["indispensability"] = 50.0
    df["baseline"] = 0.5
    return df


def test_auc_perfect_axis_is_one_and_constant_axis_is_half():
    """A score that separates renewals from churns perfectly has AUC 1; a constant one 0.5; one class NaN."""
    y = np.array([0, 0, 1, 1, 1])
    assert auc(y, np.array([1.0, 2.0, 3.0, 4.0, 5.0])) == 1.0
    assert auc(y, np.array([5.0, 4.0, 3.0, 2.0, 1.0])) == 0.0
    assert auc(y, np.full(5, 7.0)) == 0.5
    assert math.isnan(auc(np.ones(5, dtype=int), np.arange(5.0)))
    assert math.isnan(auc(y, np.full(5, np.nan)))
    # Missing scores are left out, not counted as ties.
    assert auc(np.array([0, 1, 1, 0]), np.array([1.0, 2.0, np.nan, np.nan])) == 1.0


def test_summarize_aucs_and_riskiest_decile_by_hand():
    """Engagement separates perfectly (AUC 1); the constant axis is 0.5; lift is decile churn / churn."""
    rows = _renewals(
        [("red", "churned", 10.0, 0.0)] * 3 + [("yellow", "renewed", 10.0, 10.0)] * 5
        + [("green", "renewed", 10.0, 10.0)] * 12
    )
    rows["engagement"] = [5.0, 10.0, 15.0] + [50.0] * 5 + [90.0] * 12
    rows["indispensability"] = 40.0
    rows["baseline"] = 0.5
    r = summarize(rows, 30)
    m = r.metrics
    assert r.lead_days == 30
    assert m["auc_engagement"] == 1.0
    assert m["auc_indispensability"] == 0.5
    assert m["auc_baseline"] == 0.5
    assert m["auc_tier_order"] == 1.0
    # 20 renewals: the riskiest decile is the two riskiest (both Red churns); overall churn 3/20.
    assert m["churn_rate"] == pytest.approx(3 / 20)
    assert m["riskiest_decile_churn_rate"] == pytest.approx(1.0)
    assert m["riskiest_decile_lift"] == pytest.approx(1.0 / (3 / 20))
    # Calibration: quintiles of 4 renewals each, ordered by the mean of the two axes.
    cal = r.calibration
    assert list(cal["renewals"]) == [4, 4, 4, 4, 4]
    assert list(cal["renewal_rate"]) == pytest.approx([0.25, 1.0, 1.0, 1.0, 1.0])
    assert list(cal["mean_score"]) == pytest.approx(sorted(cal["mean_score"]))


def test_riskiest_decile_orders_by_tier_then_weaker_axis():
    """Within the lowest tier the weaker of the two axes decides; insufficient data counts as riskiest."""
    rows = _renewals(
        [("insufficient data", "renewed", 1.0, 1.0)]
        + [("red", "churned", 1.0, 0.0), ("red", "renewed", 1.0, 1.0)]
        + [("green", "renewed", 1.0, 1.0)] * 17
    )
    # The churned Red account has the weaker minimum axis (indispensability 5) of the two Red ones.
    rows["engagement"] = [np.nan, 60.0, 20.0] + [90.0] * 17
    rows["indispensability"] = [95.0, 5.0, 30.0] + [90.0] * 17
    rows["baseline"] = np.nan
    m = summarize(rows, 90).metrics
    # k = 2: the insufficient-data renewal (renewed) and the churned Red one.
    assert m["riskiest_decile_churn_rate"] == pytest.approx(0.5)
    assert m["riskiest_decile_lift"] == pytest.approx(0.5 / (1 / 20))
    assert math.isnan(m["auc_baseline"])


def test_summarize_accepts_a_renewal_without_any_axis_score():
    """A renewal scored 'insufficient data' with both axes NaN is summarised without a warning."""
    rows = _renewals([("insufficient data", "renewed", 1.0, 1.0)] + [("red", "churned", 1.0, 0.0)] * 5)
    rows["engagement"] = [np.nan] + [10.0] * 5
    rows["indispensability"] = [np.nan] + [10.0] * 5
    rows["baseline"] = np.nan
    r = summarize(rows, 90)  # warnings are errors in this suite
    assert r.metrics["riskiest_decile_churn_rate"] == 0.0  # the insufficient-data renewal is riskiest
    assert r.calibration["renewals"].sum() == 5


def _statement(report, start: str) -> str:
    hits = [s for s in report.statements if s.startswith(start)]
    assert len(hits) == 1, report.statements
    return hits[0]


def test_green_claim_supported_when_wilson_lower_bound_reaches_it():
    """50 of 50 Green renewals: the Wilson lower bound (0.929) is above 0.9, so the claim is supported."""
    r = summarize(_scored(50, 0), 90, green_claim=0.9)
    assert wilson(50, 50)[0] >= 0.9
    s = _statement(r, "The data supports 'Green renews at least 90%'")
    assert "50 of 50 Green renewals renewed (100.0%" in s


def test_green_claim_not_supported_with_a_high_rate_but_a_low_bound():
    """19 of 20 Green renewals renewed (95%) but the lower bound (0.764) is below 0.9: not supported."""
    r = summarize(_scored(20, 1), 90, green_claim=0.9)
    lo = wilson(19, 20)[0]
    assert lo < 0.9
    s = _statement(r, "The data does not support 'Green renews at least 90%'")
    assert "19 of 20" in s and "95.0%" in s and f"{lo:.1%}" in s


def test_green_claim_threshold_is_the_claim_argument():
    """The same 19 of 20 support a claim of 70% (lower bound 0.764)."""
    r = summarize(_scored(20, 1), 90, green_claim=0.7)
    _statement(r, "The data supports 'Green renews at least 70%'")


def test_gold_statements_all_renewed_some_churned_and_untested():
    """GOLD all renewed holds (with its CI); a churned GOLD contradicts; no GOLD (or no Green) is untested."""
    held = summarize(_scored(10, 0, gold=["renewed", "expanded", "renewed"]), 90)
    s = _statement(held, "'GOLD renews at 100%' holds on 3 GOLD renewal(s)")
    assert f"{wilson(3, 3)[0]:.1%}" in s
    broken = summarize(_scored(10, 0, gold=["renewed", "churned", "renewed"]), 90)
    assert "The data contradicts 'GOLD renews at 100%': 1 of 3 GOLD renewals churned." in broken.statements
    none = summarize(_scored(10, 0), 90)
    _statement(none, "No GOLD account reached a renewal in the backtest")
    assert not any(s.startswith("No Green") for s in none.statements)
    no_green = summarize(_scored(0, 0), 90)
    _statement(no_green, "No Green account reached a renewal in the backtest: 'Green renews at least 90%' is untested.")


def test_tier_order_against_baseline_statement():
    """The tier order is compared with the baseline only when both AUCs exist."""
    rows = _scored(10, 0)
    rows["baseline"] = np.linspace(0.2, 0.8, len(rows))
    r = summarize(rows, 90)
    base = auc(rows["renewed"].to_numpy(dtype=int), rows["baseline"].to_numpy())
    verdict = "beats" if r.metrics["auc_tier_order"] > base else "does not beat"
    assert r.metrics["auc_baseline"] == pytest.approx(base)
    s = _statement(r, f"The tier order (AUC {r.metrics['auc_tier_order']:.3f}) {verdict} the baseline")
    lo, hi = r.metrics["auc_tier_order_low"], r.metrics["auc_tier_order_high"]
    if verdict == "beats" and lo <= base <= hi:  # a point estimate above the baseline is not called a win alone
        assert s.endswith(f"but the baseline lies inside the tier order's 95% interval ({lo:.3f} to {hi:.3f}).")
    rows["baseline"] = np.nan
    assert not any(s.startswith("The tier order") for s in summarize(rows, 90).statements)


def test_to_dict_is_json_ready():
    """NaN metrics and interval bounds become None; counts stay numbers."""
    import json

    rows = _scored(3, 0)
    rows["baseline"] = np.nan
    d = summarize(rows, 45, skipped={"not under contract on the scoring date": 2}).to_dict()
    text = json.dumps(d)  # no default=: every value must be JSON-native
    back = json.loads(text)
    assert back["lead_days"] == 45 and back["renewals_scored"] == 10
    assert back["metrics"]["auc_baseline"] is None
    assert back["skipped"] == {"not under contract on the scoring date": 2}
    green = next(t for t in back["tiers"] if t["tier"] == "green")
    assert green["renewals"] == 3 and green["renewal_rate"] == 1.0


def _dated(specs: list[tuple[str, str, str, bool]], lead: int = 30) -> pd.DataFrame:
    """Rows ``(account, segment, renewal_date, renewed)`` scored ``lead`` days before."""
    df = pd.DataFrame(specs, columns=["account_id", "segment", "renewal_date", "renewed"])
    df["renewal_date"] = pd.to_datetime(df["renewal_date"]).dt.date
    df["as_of"] = df["renewal_date"] - dt_.timedelta(days=lead)
    return df


def test_segment_baseline_uses_only_renewals_decided_before_the_as_of_date():
    """Each baseline sees the segment's renewals dated before its as-of date, never later ones."""
    rows = _dated([
        ("A", "basic", "2022-01-10", False),   # as_of 2021-12-11: nothing known yet
        ("B", "basic", "2022-01-20", True),    # as_of 2021-12-21: nothing known yet
        ("C", "basic", "2022-03-01", True),    # as_of 2022-01-30: A and B known -> 1/2
        ("D", "premier", "2022-03-05", False), # as_of 2022-02-03: no premier yet -> all earlier: A, B -> 1/2
        ("E", "premier", "2022-04-30", True),  # as_of 2022-03-31: D (premier) known -> 0/1
        ("F", "basic", "2022-04-30", False),   # as_of 2022-03-31: A, B, C known (basic) -> 2/3
        ("G", "basic", "2022-05-30", True),    # as_of 2022-04-30: E and F decided ON the as-of date: not before
    ])
    base = segment_baseline(rows)
    assert np.isnan(base[0]) and np.isnan(base[1])
    assert list(base[2:]) == pytest.approx([0.5, 0.5, 0.0, 2 / 3, 2 / 3])


def test_segment_baseline_ignores_future_outcomes():
    """Flipping the outcome of a later renewal changes no earlier baseline (no look-ahead)."""
    rows = _dated([
        ("A", "basic", "2022-01-10", True),
        ("B", "basic", "2022-03-10", False),
        ("C", "basic", "2022-06-10", True),
        ("D", "basic", "2022-09-10", False),
    ])
    before = segment_baseline(rows)
    flipped = rows.copy()
    flipped.loc[3, "renewed"] = True  # D is decided after every other row's as-of date
    after = segment_baseline(flipped)
    np.testing.assert_array_equal(before, after)
    flipped.loc[0, "renewed"] = False  # A is known to the later rows, so their baselines move
    assert not np.allclose(segment_baseline(flipped)[1:], before[1:], equal_nan=True)


def _tiered(counts: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """``tier: (renewed, churned)`` as scored renewals (axes constant: only the tier order varies)."""
    specs = [(t, "renewed", 1.0, 1.0) for t, (r, _) in counts.items() for _ in range(r)]
    specs += [(t, "churned", 1.0, 0.0) for t, (_, c) in counts.items() for _ in range(c)]
    df = _renewals(specs)
    df["engagement"], df["indispensability"], df["baseline"] = 50.0, 50.0, np.nan
    return df


def test_auc_interval_exact_cases_and_against_hanley_mcneil():
    """Perfect order: every resample has AUC 1; constant score: 0.5; one churn: no interval.

    With continuous scores the bootstrap interval matches the normal interval of Hanley and
    McNeil (1982), SE^2 = (A(1-A) + (n1-1)(Q1-A^2) + (n0-1)(Q2-A^2)) / (n1 n0), Q1 = A/(2-A),
    Q2 = 2A^2/(1+A), to within 0.02.
    """
    y = np.array([0] * 5 + [1] * 5)
    assert auc_interval(y, np.arange(10.0)) == (1.0, 1.0)
    assert auc_interval(y, np.ones(10)) == (0.5, 0.5)
    assert all(math.isnan(v) for v in auc_interval(np.array([0, 1, 1, 1]), np.arange(4.0)))
    rng = np.random.default_rng(7)
    y = np.array([1] * 120 + [0] * 60)
    score = np.where(y == 1, rng.normal(1.0, 1.0, 180), rng.normal(0.0, 1.0, 180))
    a, n1, n0 = auc(y, score), 120, 60
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    se = math.sqrt((a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / (n1 * n0))
    lo, hi = auc_interval(y, score)
    assert lo == pytest.approx(a - 1.96 * se, abs=0.02) and hi == pytest.approx(a + 1.96 * se, abs=0.02)
    assert auc_interval(y, score) == (lo, hi)  # fixed seed: the same interval every time


def test_tiers_that_do_not_separate_renewal_are_said_so_first():
    """Red renews 28 of 30 (93.3%), Green 90 of 100, Yellow 47 of 50: no good news on top.

    Wilson 95%: Green 82.6% to 94.5%, Red 78.7% to 98.2% (overlap); the tier-order AUC is
    below 0.5 and its interval reaches above it.
    """
    r = summarize(_tiered({"green": (90, 10), "yellow": (47, 3), "red": (28, 2)}), 90)
    first = r.statements[0]
    assert first.startswith("The tiers do not separate renewal on this history: the Green and Red intervals overlap")
    assert "Green renewed 90.0% (95% CI 82.6% to 94.5%), Red 93.3% (78.7% to 98.2%)" in first
    assert "Red renewed more often than Green (93.3% vs 90.0%)" in first
    assert "Yellow renewed more often than Green (94.0% vs 90.0%)" in first
    assert "Red renewed more often than Yellow" not in first
    rows = _tiered({"green": (90, 10), "yellow": (47, 3), "red": (28, 2)})
    rows["baseline"] = np.where(rows["renewed"], 0.3, 0.7)  # AUC 0: below the tier order's interval
    assert _statement(summarize(rows, 90), "The tier order").endswith("the baseline of the segment's past renewal "
                                                                       "rate (AUC 0.000).")
    lo, hi = r.metrics["auc_tier_order_low"], r.metrics["auc_tier_order_high"]
    assert lo < 0.5 < hi and r.metrics["auc_tier_order"] < 0.5 and r.metrics["tiers_separate"] is False
    assert f"tier-order AUC {r.metrics['auc_tier_order']:.3f} (95% CI {lo:.3f} to {hi:.3f})" in first
    # A Green rate that clears the claim is not presented as good news for the tiers.
    easy = summarize(_tiered({"green": (90, 10), "yellow": (47, 3), "red": (28, 2)}), 90, green_claim=0.8)
    claim = _statement(easy, "The data supports 'Green renews at least 80%'")
    assert claim.endswith("That is not evidence for the tiers: they do not separate renewal on this history (above).")


def test_tiers_that_separate_renewal_and_untested_separation():
    """Green 50 of 50 vs Red 2 of 7 (Wilson 100%-92.9% vs 8.2%-64.1%): they separate, AUC interval above 0.5."""
    r = summarize(_scored(50, 0), 90)
    assert r.statements[0].startswith("The tiers separate renewal on this history: Green renewed 100.0% "
                                      "(95% CI 92.9% to 100.0%), Red 28.6% (8.2% to 64.1%); tier-order AUC ")
    assert r.metrics["auc_tier_order_low"] > 0.5 and r.metrics["tiers_separate"] is True
    assert "not evidence" not in _statement(r, "The data supports")
    one_class = summarize(_tiered({"green": (5, 0)}), 90)
    assert one_class.statements[0].startswith("Whether the tiers separate renewal is untested")
    assert one_class.metrics["tiers_separate"] is None
    assert math.isnan(one_class.metrics["auc_tier_order_low"])
