"""Measure scores, contributions and axis scores, exact to the hundredth.

For each axis, every measure's score (0..100, rounded half up to 2 decimals) is weighted by
its share of the weights in play; its **contribution** is that product rounded to 2
decimals, and the **axis score is defined as the sum of the contributions**, so an
explanation adds up to the displayed score exactly. Missing data follows each measure's
rule: ``exclude`` drops it and renormalises the other weights, ``zero`` scores it 0,
``neutral`` scores it ``neutral_score``. **Coverage** is the share of the axis weight whose
measures had data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from goldpath.model.spec import AXES, Model

KEYS = ["as_of", "account_id"]


def round2(x: np.ndarray | float) -> np.ndarray:
    """Round half away from zero to 2 decimals, working in integer hundredths."""
    return hundredths(x) / 100.0


def hundredths(x: np.ndarray | float) -> np.ndarray:
    """Integer hundredths of ``x``, rounded half away from zero (NaN stays NaN as float)."""
    a = np.asarray(x, dtype=float)
    return np.sign(a) * np.floor(np.abs(a) * 100.0 + 0.5 + 1e-9)


def score_axes(measures: pd.DataFrame, model: Model) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every measure and axis for every row of ``measures``.

    Parameters
    ----------
    measures
        One row per ``(as_of, account_id)`` with a column per raw measure.
    model
        The scoring model.

    Returns
    -------
    axes
        ``as_of, account_id`` and, per axis, ``{axis}`` (score or NaN) and ``{axis}_coverage``.
    parts
        Long table: one row per account, axis and measure with ``raw, score, weight,
        weight_share, contribution, status``.
    """
    axes = measures[KEYS].copy()
    parts = []
    for axis in AXES:
        spec = model.axis(axis)
        total_weight = sum(m.weight for m in spec.measures.values())
        in_play = np.zeros(len(measures))
        with_data = np.zeros(len(measures))
        per_measure = []
        for name, m in spec.measures.items():
            raw = measures[name].to_numpy(dtype=float)
            has = ~np.isnan(raw)
            score = round2(m.scheme.apply(raw))
            if m.missing == "exclude":
                status = np.where(has, "data", "missing: excluded")
                counted = has
            else:
                fill = 0.0 if m.missing == "zero" else m.neutral_score
                score = np.where(has, score, fill)
                status = np.where(has, "data", f"missing: scored {fill:g} ({m.missing})")
                counted = np.ones(len(raw), dtype=bool)
            in_play += np.where(counted, m.weight, 0.0)
            with_data += np.where(has, m.weight, 0.0)
            per_measure.append((name, m, raw, score, counted, status))
        axis_h = np.zeros(len(measures))
        for name, m, raw, score, counted, status in per_measure:
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(counted, m.weight / in_play, 0.0)
            contribution_h = np.where(counted, hundredths(score * share), 0.0)
            axis_h += contribution_h
            parts.append(
                pd.DataFrame(
                    {
                        "as_of": measures["as_of"].to_numpy(),
                        "account_id": measures["account_id"].to_numpy(),
                        "axis": axis,
                        "measure": name,
                        "raw": raw,
                        "score": np.where(counted, score, np.nan),
                        "weight": m.weight,
                        "weight_share": np.round(share, 6),
                        "contribution": contribution_h / 100.0,
                        "status": status,
                    }
                )
            )
        axes[axis] = np.where(in_play > 0, axis_h / 100.0, np.nan)
        axes[f"{axis}_coverage"] = np.round(with_data / total_weight, 4)
    return axes, pd.concat(parts, ignore_index=True)
