"""Tier rules: structured conditions on the two axes, evaluated first match wins."""

from __future__ import annotations

import numpy as np
import pandas as pd

from goldpath.model.spec import AXES, Model

INSUFFICIENT = "insufficient data"
TIER_ORDER = ["red", "yellow", "green", "gold"]
"""Tiers from worst to best; ``insufficient data`` is outside the order."""
RISK_ORDER = TIER_ORDER + [INSUFFICIENT]
"""How account lists are ordered, riskiest first: Red to GOLD, then insufficient data."""


def riskiest_first(scores: pd.DataFrame) -> pd.DataFrame:
    """Accounts riskiest tier first (:data:`RISK_ORDER`), then by ARR, largest first, then by id.

    The one ordering of ``goldpath score``, the dashboard's account lists, the CSV export and
    the report's riskiest accounts.
    """
    rank = scores["tier"].map({t: i for i, t in enumerate(RISK_ORDER)}).fillna(len(RISK_ORDER))
    order = scores.assign(_r=rank).sort_values(["_r", "arr", "account_id"], ascending=[True, False, True],
                                               kind="stable")
    return order.drop(columns="_r")


def assign_tiers(
    axes: pd.DataFrame,
    segments: pd.Series,
    model: Model,
    trends: pd.DataFrame | None = None,
    tenure: pd.Series | None = None,
) -> pd.DataFrame:
    """Apply each segment's rules to the axis scores.

    Parameters
    ----------
    axes
        Output of :func:`goldpath.scoring.axes.score_axes`.
    segments
        Model segment of each row of ``axes`` (same index).
    trends
        ``engagement_trend`` and ``indispensability_trend`` per row (NaN where no earlier
        snapshot exists: a trend condition then holds).
    tenure
        Days since contract start per row; below ``model.min_tenure_days`` the tier is
        ``insufficient data``.

    Returns
    -------
    pandas DataFrame
        ``axis_tier`` (green, yellow, red or insufficient data) and ``tier_rule`` (the rule
        that applied, in words), indexed like ``axes``.
    """
    out = pd.DataFrame({"axis_tier": pd.Series(INSUFFICIENT, index=axes.index, dtype=object),
                        "tier_rule": pd.Series("", index=axes.index, dtype=object)})
    short = np.zeros(len(axes), dtype=bool)
    reasons = np.full(len(axes), "", dtype=object)
    seg_codes, seg_values = pd.factorize(segments.to_numpy(), use_na_sentinel=False)
    for axis in AXES:
        # Each model segment may set its own minimum coverage (looked up once per segment).
        seg_need = np.array([model.axis(axis, g).min_coverage for g in seg_values], dtype=float)
        need = seg_need[seg_codes]
        seg_text = np.char.mod(f"{axis} coverage below %.0f%%; ", seg_need * 100).astype(object)
        cov = axes[f"{axis}_coverage"].to_numpy()
        low = (cov < need) | axes[axis].isna().to_numpy()
        reasons = np.where(low, reasons + seg_text[seg_codes], reasons)
        short |= low
    if tenure is not None and model.min_tenure_days:
        young = tenure.to_numpy() < model.min_tenure_days
        reasons = np.where(young, reasons + f"customer for fewer than {model.min_tenure_days} days; ", reasons)
        short |= young
    out.loc[short, "tier_rule"] = [r.rstrip("; ") for r in reasons[short]]
    for segment in segments.unique():
        rules = model.tier_rules(segment)
        pending = (segments == segment).to_numpy() & ~short
        for i, rule in enumerate(rules):
            match = pending.copy()
            for key, rng in rule.when.items():
                if key.endswith("_trend"):
                    if trends is None:
                        continue
                    v = trends[key].to_numpy(dtype=float)
                    unknown = np.isnan(v)
                else:
                    v = axes[key].to_numpy(dtype=float)
                    unknown = np.zeros(len(v), dtype=bool)
                if rng.min is not None:
                    match &= unknown | (v >= rng.min)
                if rng.max is not None:
                    match &= unknown | (v <= rng.max)
            label = "default" if segment not in model.tiers else segment
            out.loc[match, "axis_tier"] = rule.tier
            out.loc[match, "tier_rule"] = f"tiers.{label}[{i}]: {rule.describe()}"
            pending &= ~match
    return out
