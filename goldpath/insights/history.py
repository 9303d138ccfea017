"""Trends, tier migrations and time-to-tier cohorts, from stored snapshots."""

from __future__ import annotations

import numpy as np
import pandas as pd

from goldpath.model.spec import AXES
from goldpath.scoring.tiers import INSUFFICIENT, TIER_ORDER

ENTERED = "not in portfolio"
"""Row/column label for accounts that were not under contract on one of the two dates."""

MIGRATION_ORDER = list(reversed(TIER_ORDER)) + [INSUFFICIENT, ENTERED]


def account_history(scores: pd.DataFrame, last: int | None = None) -> tuple[pd.DataFrame, dict]:
    """One account's snapshots, oldest first, with each axis's change since the previous one.

    Returns
    -------
    history
        ``as_of, engagement, indispensability, tier`` and ``{axis}_change`` per snapshot.
    summary
        ``tier``, ``tier_since`` (first snapshot of the current run of that tier),
        ``days_in_tier`` and ``{axis}_change_over`` (change over the snapshots shown).
    """
    h = scores.sort_values("as_of").reset_index(drop=True)
    for axis in AXES:  # changes before trimming: the first row shown keeps its change
        h[f"{axis}_change"] = h[axis].diff().round(2)
    if last:
        h = h.tail(last).reset_index(drop=True)
    summary: dict = {}
    if len(h):
        tiers = scores.sort_values("as_of")["tier"].to_numpy()
        dates = scores.sort_values("as_of")["as_of"].to_numpy()
        i = len(tiers) - 1
        while i > 0 and tiers[i - 1] == tiers[-1]:
            i -= 1
        since = pd.Timestamp(dates[i]).date()
        summary = {
            "tier": tiers[-1],
            "tier_since": since,
            "days_in_tier": (pd.Timestamp(dates[-1]).date() - since).days,
        }
        for axis in AXES:
            summary[f"{axis}_change_over"] = round(float(h[axis].iloc[-1] - h[axis].iloc[0]), 2)
    return h, summary


def migration_matrix(before: pd.DataFrame, after: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accounts and ARR that moved from each tier on one date to each tier on another.

    Accounts in only one of the snapshots appear under ``not in portfolio`` (new customers
    as a row, departed ones as a column). ARR is the ARR on the later date, or on the
    earlier one for accounts that left.

    Returns
    -------
    counts, arr
        Square frames indexed by the earlier tier, with a column per later tier.
    """
    b = before[["account_id", "tier", "arr"]].rename(columns={"tier": "from", "arr": "arr_from"})
    a = after[["account_id", "tier", "arr"]].rename(columns={"tier": "to", "arr": "arr_to"})
    m = b.merge(a, on="account_id", how="outer")
    m["from"] = m["from"].fillna(ENTERED)
    m["to"] = m["to"].fillna(ENTERED)
    m["arr"] = m["arr_to"].fillna(m["arr_from"]).fillna(0.0)
    counts = pd.crosstab(m["from"], m["to"]).reindex(index=MIGRATION_ORDER, columns=MIGRATION_ORDER, fill_value=0)
    arr = m.pivot_table(index="from", columns="to", values="arr", aggfunc="sum", fill_value=0.0)
    arr = arr.reindex(index=MIGRATION_ORDER, columns=MIGRATION_ORDER, fill_value=0.0)
    return counts, arr


def time_to_tier(scores: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """Per cohort (month of contract start): how many accounts reached Green and GOLD, and how fast.

    An account reaches a tier on its first snapshot at that tier or better (Green counts
    GOLD too); days are counted from its contract start.

    Returns
    -------
    pandas DataFrame
        ``cohort, accounts, reached_green, median_days_to_green, reached_gold,
        median_days_to_gold``.
    """
    rank = {t: i for i, t in enumerate(TIER_ORDER)}
    s = scores.merge(accounts[["account_id", "contract_start"]], on="account_id")
    s["as_of"] = pd.to_datetime(s["as_of"])
    s["contract_start"] = pd.to_datetime(s["contract_start"])
    s["r"] = s["tier"].map(rank).fillna(-1)
    rows = []
    for acc, g in s.groupby("account_id"):
        start = g["contract_start"].iloc[0]
        row = {"account_id": acc, "cohort": start.strftime("%Y-%m")}
        for name, level in (("green", rank["green"]), ("gold", rank["gold"])):
            hit = g[g["r"] >= level]["as_of"]
            row[f"days_to_{name}"] = (hit.min() - start).days if len(hit) else np.nan
        rows.append(row)
    per = pd.DataFrame(rows, columns=["account_id", "cohort", "days_to_green", "days_to_gold"])
    out = per.groupby("cohort").agg(
        accounts=("account_id", "count"),
        reached_green=("days_to_green", "count"),
        median_days_to_green=("days_to_green", "median"),
        reached_gold=("days_to_gold", "count"),
        median_days_to_gold=("days_to_gold", "median"),
    )
    return out.reset_index()
