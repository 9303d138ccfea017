"""Golden tests for tier migrations, account histories and time-to-tier cohorts."""

from __future__ import annotations

import datetime as dt_

import numpy as np
import pandas as pd

from goldpath.insights.history import ENTERED, MIGRATION_ORDER, account_history, migration_matrix, time_to_tier

D0, D1 = dt_.date(2022, 3, 31), dt_.date(2022, 4, 30)
ORDER = ["gold", "green", "yellow", "red", "insufficient data", "not in portfolio"]


def _snapshot(day: dt_.date, rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"as_of": day, "account_id": a, "tier": t, "arr": arr} for a, t, arr in rows])


BEFORE = _snapshot(D0, [
    ("A", "green", 100.0),
    ("B", "green", 200.0),
    ("C", "yellow", 300.0),
    ("D", "red", 400.0),
    ("E", "gold", 500.0),
    ("F", "insufficient data", 600.0),  # leaves
    ("G", "yellow", 700.0),             # leaves
])
AFTER = _snapshot(D1, [
    ("A", "green", 110.0),   # expanded: the later ARR counts
    ("B", "yellow", 200.0),
    ("C", "green", 350.0),
    ("D", "red", 400.0),
    ("E", "green", 500.0),
    ("H", "red", 800.0),     # new
    ("I", "gold", 900.0),    # new
])


def _grid(cells: dict[tuple[str, str], float]) -> np.ndarray:
    out = np.zeros((len(ORDER), len(ORDER)))
    for (src, dst), v in cells.items():
        out[ORDER.index(src), ORDER.index(dst)] = v
    return out


def test_migration_matrix_counts_and_arr_by_hand():
    """Each account lands in one cell; ARR is the later ARR, or the earlier one for accounts that left."""
    counts, arr = migration_matrix(BEFORE, AFTER)
    assert MIGRATION_ORDER == ORDER and ENTERED == "not in portfolio"
    for frame in (counts, arr):
        assert list(frame.index) == ORDER and list(frame.columns) == ORDER
    expected_counts = _grid({
        ("green", "green"): 1, ("green", "yellow"): 1, ("yellow", "green"): 1, ("red", "red"): 1,
        ("gold", "green"): 1, ("insufficient data", "not in portfolio"): 1, ("yellow", "not in portfolio"): 1,
        ("not in portfolio", "red"): 1, ("not in portfolio", "gold"): 1,
    })
    expected_arr = _grid({
        ("green", "green"): 110, ("green", "yellow"): 200, ("yellow", "green"): 350, ("red", "red"): 400,
        ("gold", "green"): 500, ("insufficient data", "not in portfolio"): 600, ("yellow", "not in portfolio"): 700,
        ("not in portfolio", "red"): 800, ("not in portfolio", "gold"): 900,
    })
    np.testing.assert_array_equal(counts.to_numpy(), expected_counts)
    np.testing.assert_array_equal(arr.to_numpy(dtype=float), expected_arr)
    assert counts.to_numpy().sum() == 9 and arr.to_numpy().sum() == 4560.0


def test_migration_matrix_sums_per_cell_and_is_order_free():
    """Several accounts in one cell add up; shuffling the rows changes nothing."""
    before = _snapshot(D0, [("A", "green", 10.0), ("B", "green", 20.0), ("C", "red", 5.0)])
    after = _snapshot(D1, [("C", "red", 7.0), ("B", "yellow", 25.0), ("A", "yellow", 30.0)])
    counts, arr = migration_matrix(before, after)
    assert counts.loc["green", "yellow"] == 2 and arr.loc["green", "yellow"] == 55.0
    assert counts.loc["red", "red"] == 1 and arr.loc["red", "red"] == 7.0
    assert counts.to_numpy().sum() == 3
    counts2, arr2 = migration_matrix(before.iloc[::-1], after.sample(frac=1, random_state=3))
    pd.testing.assert_frame_equal(counts2, counts)
    pd.testing.assert_frame_equal(arr2, arr)


def _history(tiers: list[str], engagement: list[float], start: dt_.date = dt_.date(2022, 3, 6)) -> pd.DataFrame:
    return pd.DataFrame({
        "as_of": [start + dt_.timedelta(days=7 * i) for i in range(len(tiers))],
        "account_id": "A1",
        "engagement": engagement,
        "indispensability": [50.0 + i for i in range(len(tiers))],
        "tier": tiers,
    })


def test_account_history_changes_and_time_in_tier():
    """Changes since the previous snapshot, and the current tier's run: since when and for how long."""
    rows = _history(["yellow", "green", "green", "yellow", "yellow", "yellow"], [40.0, 66.5, 70.25, 55.0, 55.0, 58.1])
    h, summary = account_history(rows.sample(frac=1, random_state=1))  # any input order
    assert list(h["as_of"]) == list(rows["as_of"])
    np.testing.assert_array_equal(h["engagement_change"].to_numpy(), [np.nan, 26.5, 3.75, -15.25, 0.0, 3.1])
    np.testing.assert_array_equal(h["indispensability_change"].to_numpy()[1:], [1.0] * 5)
    assert summary == {
        "tier": "yellow", "tier_since": dt_.date(2022, 3, 27), "days_in_tier": 14,
        "engagement_change_over": 18.1, "indispensability_change_over": 5.0,
    }


def test_account_history_last_n_shows_fewer_rows_but_the_whole_run():
    """``last`` trims the rows and the change-over, not the start of the current tier's run."""
    rows = _history(["red", "yellow", "yellow", "yellow"], [10.0, 35.0, 40.0, 42.5])
    h, summary = account_history(rows, last=2)
    assert list(h["as_of"]) == [dt_.date(2022, 3, 20), dt_.date(2022, 3, 27)]
    assert h["engagement_change"].iloc[1] == 2.5
    assert summary["tier_since"] == dt_.date(2022, 3, 13) and summary["days_in_tier"] == 14
    assert summary["engagement_change_over"] == 2.5


def test_account_history_last_n_keeps_the_change_of_the_first_row_shown():
    """The first of the last N snapshots still shows its change since the snapshot before it.

    Failed on commit 2878652, which took the differences after trimming (NaN on the first row).
    """
    rows = _history(["red", "yellow", "yellow", "yellow"], [10.0, 35.0, 40.0, 42.5])
    h, _ = account_history(rows, last=2)
    assert h["engagement_change"].iloc[0] == 5.0


def test_account_history_one_tier_throughout_and_a_single_snapshot():
    """A single run of one tier counts from the first snapshot; one snapshot has 0 days in tier."""
    _, summary = account_history(_history(["green"] * 3, [70.0, 71.0, 72.0]))
    assert (summary["tier_since"], summary["days_in_tier"]) == (dt_.date(2022, 3, 6), 14)
    h, summary = account_history(_history(["red"], [12.0]))
    assert len(h) == 1 and summary["days_in_tier"] == 0 and summary["engagement_change_over"] == 0.0


def test_time_to_tier_per_cohort():
    """Days from contract start to the first Green-or-better and GOLD snapshot, medians per start month."""
    accounts = pd.DataFrame({
        "account_id": ["A", "B", "C", "D", "E"],
        "contract_start": pd.to_datetime(["2022-01-10", "2022-01-20", "2022-02-05", "2022-02-15", "2022-03-01"]).date,
    })
    s = [
        ("A", "2022-01-31", "yellow"), ("A", "2022-02-28", "green"), ("A", "2022-03-31", "gold"),
        ("B", "2022-01-31", "red"), ("B", "2022-02-28", "gold"), ("B", "2022-03-31", "green"),  # GOLD is Green too
        ("C", "2022-02-28", "green"), ("C", "2022-03-31", "yellow"),
        ("D", "2022-02-28", "red"), ("D", "2022-03-31", "insufficient data"),
        # E has no snapshot: it is not in any cohort
    ]
    scores = pd.DataFrame(s, columns=["account_id", "as_of", "tier"])
    scores["as_of"] = pd.to_datetime(scores["as_of"]).dt.date
    out = time_to_tier(scores, accounts)
    expected = pd.DataFrame({
        "cohort": ["2022-01", "2022-02"],
        "accounts": [2, 2],
        "reached_green": [2, 1],
        "median_days_to_green": [(49 + 39) / 2, 23.0],   # A: 01-10 -> 02-28; B: 01-20 -> 02-28; C: 02-05 -> 02-28
        "reached_gold": [2, 0],
        "median_days_to_gold": [(80 + 39) / 2, np.nan],  # A: 01-10 -> 03-31; B: 01-20 -> 02-28
    })
    pd.testing.assert_frame_equal(out, expected, check_dtype=False)


def test_time_to_tier_ignores_row_order():
    """The first snapshot at the tier counts, not the first row."""
    accounts = pd.DataFrame({"account_id": ["A"], "contract_start": [dt_.date(2022, 1, 1)]})
    scores = pd.DataFrame({"account_id": "A", "as_of": [dt_.date(2022, 3, 1), dt_.date(2022, 2, 1)], "tier": ["green", "green"]})
    out = time_to_tier(scores, accounts)
    assert out.loc[0, "median_days_to_green"] == 31 and np.isnan(out.loc[0, "median_days_to_gold"])
