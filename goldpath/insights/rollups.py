"""Parent accounts rolled up from their children, by a chosen method (see :class:`RollupSpec`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from goldpath.model.spec import AXES, Model
from goldpath.scoring.axes import round2
from goldpath.scoring.tiers import INSUFFICIENT, TIER_ORDER, assign_tiers

ROLLUP_COLUMNS = [
    "as_of", "parent_id", "method", "children", "children_arr", "engagement", "indispensability", "tier",
    "share_gold", "share_green", "share_yellow", "share_red", "share_insufficient", "worst_child",
]


def rollup(scores: pd.DataFrame, parents: pd.Series, model: Model) -> pd.DataFrame:
    """Roll children's scores up to their parents (a parent's own score, if it has one, is not a child).

    Parameters
    ----------
    scores
        Account scores (``as_of, account_id, arr, engagement, indispensability, tier``).
    parents
        ``parent_id`` per ``account_id`` (index); accounts without a parent are skipped.

    Returns
    -------
    pandas DataFrame
        One row per parent and date, columns :data:`ROLLUP_COLUMNS`; shares are of the
        children's ARR.
    """
    p = parents.dropna()
    p = p[p != ""]
    kids = scores.merge(p.rename("parent_id"), left_on="account_id", right_index=True)
    if kids.empty:
        return pd.DataFrame(columns=ROLLUP_COLUMNS)
    method = model.rollup.method
    rank = {t: i for i, t in enumerate(TIER_ORDER)}
    rows = []
    for (as_of, parent), g in kids.groupby(["as_of", "parent_id"], sort=True):
        arr = g["arr"].to_numpy(dtype=float)
        total = arr.sum()
        row = {"as_of": as_of, "parent_id": parent, "method": method, "children": len(g), "children_arr": total}
        for t in TIER_ORDER + [INSUFFICIENT]:
            key = "share_insufficient" if t == INSUFFICIENT else f"share_{t}"
            row[key] = float(arr[(g["tier"] == t).to_numpy()].sum() / total) if total else 0.0
        rated = g[g["tier"].isin(TIER_ORDER)]
        # Worst tier first; among equals the one with the weaker of its two axes.
        order = rated.assign(_r=rated["tier"].map(rank), _w=rated[list(AXES)].min(axis=1)).sort_values(["_r", "_w"])
        worst = order.iloc[0] if len(order) else None
        row["worst_child"] = None if worst is None else worst["account_id"]
        for axis in AXES:
            v = g[axis].to_numpy(dtype=float)
            ok = ~np.isnan(v)
            if method == "worst_child":
                row[axis] = float(v[ok].min()) if ok.any() else np.nan
            else:
                w = arr[ok]
                row[axis] = float(round2((v[ok] * w).sum() / w.sum())) if ok.any() and w.sum() > 0 else np.nan
        if method == "worst_child":
            row["tier"] = INSUFFICIENT if worst is None else worst["tier"]
        elif method == "tier_share" and worst is None:
            row["tier"] = INSUFFICIENT  # no child has a tier to share
        elif method == "tier_share":
            row["tier"] = "red"
            for t in ("gold", "green", "yellow"):
                at_or_better = sum(row[f"share_{b}"] for b in TIER_ORDER[rank[t]:])
                if at_or_better >= model.rollup.tier_share[t]:
                    row["tier"] = t
                    break
        rows.append(row)
    out = pd.DataFrame(rows, columns=ROLLUP_COLUMNS)
    if method == "arr_weighted" and len(out):
        cov = out[list(AXES)].notna().astype(float).rename(columns=lambda a: f"{a}_coverage")
        tiers = assign_tiers(pd.concat([out[list(AXES)], cov], axis=1), pd.Series("default", index=out.index), model)
        out["tier"] = tiers["axis_tier"]
    return out
