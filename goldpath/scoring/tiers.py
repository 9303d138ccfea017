"""Tier rules: structured conditions on the two axes, evaluated first match wins."""

from __future__ import annotations

import numpy as np
import pandas as pd

from goldpath.model.spec import AXES, Model

INSUFFICIENT = "insufficient data"
TIER_ORDER = ["red", "yellow", "green", "gold"]
"""Tiers from worst to best; ``insufficient data`` is outside the order."""


def assign_tiers(axes: pd.DataFrame, segments: pd.Series, model: Model) -> pd.DataFrame:
    """Apply each segment's rules to the axis scores.

    Parameters
    ----------
    axes
        Output of :func:`goldpath.scoring.axes.score_axes`.
    segments
        Segment of each row of ``axes`` (same index).

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
    for axis in AXES:
        need = model.axis(axis).min_coverage
        cov = axes[f"{axis}_coverage"].to_numpy()
        low = (cov < need) | axes[axis].isna().to_numpy()
        reasons = np.where(low, reasons + f"{axis} coverage below {need:.0%}; ", reasons)
        short |= low
    out.loc[short, "tier_rule"] = [r.rstrip("; ") for r in reasons[short]]
    for segment in segments.unique():
        rules = model.tier_rules(segment)
        pending = (segments == segment).to_numpy() & ~short
        for i, rule in enumerate(rules):
            match = pending.copy()
            for axis, rng in rule.when.items():
                v = axes[axis].to_numpy()
                if rng.min is not None:
                    match &= v >= rng.min
                if rng.max is not None:
                    match &= v <= rng.max
            label = "default" if segment not in model.tiers else segment
            out.loc[match, "axis_tier"] = rule.tier
            out.loc[match, "tier_rule"] = f"tiers.{label}[{i}]: {rule.describe()}"
            pending &= ~match
    return out
