"""Which tier changes are alerts: a drop, reaching GOLD, losing GOLD."""

from __future__ import annotations

import hashlib

import pandas as pd

from goldpath.scoring.tiers import TIER_ORDER

ALERT_COLUMNS = [
    "alert_id", "kind", "account_id", "name", "arr", "as_of", "previous_as_of", "from_tier", "to_tier",
]


def tier_changes(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Alerts between two snapshots of the same accounts.

    ``gold_lost`` when an account leaves GOLD, ``gold_reached`` when it enters it, and
    ``tier_dropped`` when it falls from Green to Yellow or Red, or from Yellow to Red.
    ``insufficient data`` is not a tier, so changes to or from it raise no alert. The
    ``alert_id`` is a hash of the change, so the same change is one alert however often
    it is computed.
    """
    rank = {t: i for i, t in enumerate(TIER_ORDER)}
    m = previous[["account_id", "as_of", "tier"]].merge(
        current[["account_id", "as_of", "tier", "name", "arr"]], on="account_id", suffixes=("_prev", "")
    )
    m = m[m["tier_prev"].isin(rank) & m["tier"].isin(rank) & (m["tier_prev"] != m["tier"])]
    kind = pd.Series("", index=m.index, dtype=object)
    kind[m["tier_prev"] == "gold"] = "gold_lost"
    kind[(m["tier"] == "gold")] = "gold_reached"
    drop = (kind == "") & (m["tier"].map(rank) < m["tier_prev"].map(rank))
    kind[drop] = "tier_dropped"
    m = m.assign(kind=kind)[kind != ""]
    out = pd.DataFrame({
        "kind": m["kind"], "account_id": m["account_id"], "name": m["name"], "arr": m["arr"],
        "as_of": m["as_of"].map(lambda d: pd.Timestamp(d).date()),
        "previous_as_of": m["as_of_prev"].map(lambda d: pd.Timestamp(d).date()),
        "from_tier": m["tier_prev"], "to_tier": m["tier"],
    })
    out.insert(0, "alert_id", [
        hashlib.sha256(f"{r.account_id}|{r.as_of}|{r.kind}|{r.from_tier}|{r.to_tier}".encode()).hexdigest()[:20]
        for r in out.itertuples(index=False)
    ])
    return out[ALERT_COLUMNS].reset_index(drop=True)
