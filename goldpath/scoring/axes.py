"""Measure scores, contributions and axis scores, exact to the hundredth.

For each axis, every measure's score (0..100, rounded half up to 2 decimals) is weighted by
its share of the weights in play; its **contribution** is that product rounded to 2
decimals, and the **axis score is defined as the sum of the contributions**, so an
explanation adds up to the displayed score exactly. Missing data follows each measure's
rule: ``exclude`` drops it and renormalises the other weights, ``zero`` scores it 0,
``neutral`` scores it ``neutral_score``, ``last_value`` reuses the latest stored raw value
no older than ``staleness_days`` (and excludes the measure when there is none).
**Coverage** is the share of the axis weight whose measures had current data. A manual
measure override replaces the score (and counts as data); it is named in the status.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from goldpath.model.spec import AXES, MeasureSpec, Model

KEYS = ["as_of", "account_id"]
DEFAULT_SEGMENT = "default"


def round2(x: np.ndarray | float) -> np.ndarray:
    """Round half away from zero to 2 decimals, working in integer hundredths."""
    return hundredths(x) / 100.0


def hundredths(x: np.ndarray | float) -> np.ndarray:
    """Integer hundredths of ``x``, rounded half away from zero (NaN stays NaN).

    A tolerance of 1e-9 hundredths absorbs binary representation error, so that 1.005
    rounds to 1.01 as it does on paper.
    """
    a = np.asarray(x, dtype=float)
    return np.sign(a) * np.floor(np.abs(a) * 100.0 + 0.5 + 1e-9)


def _last_values(sub: pd.DataFrame, name: str, m: MeasureSpec, previous: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Latest stored raw value of ``name`` per row within the staleness limit, and its date."""
    n = len(sub)
    values, dates = np.full(n, np.nan), np.full(n, None, dtype=object)
    if previous is None or previous.empty:
        return values, dates
    prev = previous[(previous["measure"] == name) & previous["raw"].notna()]
    if prev.empty:
        return values, dates
    left = sub[KEYS].reset_index(drop=True).assign(_i=np.arange(n))
    j = left.merge(prev.rename(columns={"as_of": "prev_as_of"}), on="account_id")
    age = (pd.to_datetime(j["as_of"]) - pd.to_datetime(j["prev_as_of"])).dt.days
    j = j[(age > 0) & (age <= m.staleness_days)].sort_values("prev_as_of").drop_duplicates("_i", keep="last")
    values[j["_i"].to_numpy()] = j["raw"].to_numpy(dtype=float)
    dates[j["_i"].to_numpy()] = [pd.Timestamp(d).date() for d in j["prev_as_of"]]
    return values, dates


def _overrides_for(sub: pd.DataFrame, name: str, overrides: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    n = len(sub)
    score, note = np.full(n, np.nan), np.full(n, None, dtype=object)
    if overrides is None or overrides.empty:
        return score, note
    o = overrides[overrides["measure"] == name]
    if o.empty:
        return score, note
    left = sub[KEYS].reset_index(drop=True).assign(_i=np.arange(n))
    j = left.merge(o, on=KEYS)
    score[j["_i"].to_numpy()] = j["score"].to_numpy(dtype=float)
    note[j["_i"].to_numpy()] = j["note"].to_numpy()
    return score, note


def score_axes(
    measures: pd.DataFrame,
    model: Model,
    previous: pd.DataFrame | None = None,
    overrides: pd.DataFrame | None = None,
    positions: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every measure and axis for every row of ``measures``.

    Parameters
    ----------
    measures
        One row per ``(as_of, account_id)`` with a column per raw measure and, optionally,
        ``model_segment`` (the segment whose axes apply; ``default`` when absent).
    model
        The scoring model.
    previous
        Stored raw values (``as_of, account_id, measure, raw``) for ``missing: last_value``.
    overrides
        Active measure overrides (``as_of, account_id, measure, score, note``).
    positions
        Add column ``_pos`` to ``parts``: the position of each part's row in ``measures``
        (to attach per-row values without a join on the keys).

    Returns
    -------
    axes
        ``as_of, account_id`` and, per axis, ``{axis}`` (score or NaN) and ``{axis}_coverage``.
    parts
        Long table: one row per account, axis and measure with ``raw, score, weight,
        weight_share, contribution, status``.
    """
    if "model_segment" not in measures.columns:
        measures = measures.assign(model_segment=DEFAULT_SEGMENT)
    axes_frames, parts = [], []
    # Percentile schemes rank within each as-of date: integer codes of the dates group the
    # same rows as the dates themselves, without formatting a text per row.
    date_codes = pd.Series(pd.factorize(measures["as_of"])[0], index=measures.index)
    pos = pd.Series(np.arange(len(measures)), index=measures.index)
    for segment, sub in measures.groupby("model_segment", sort=False):
        axes_sub = sub[KEYS].copy()
        for axis in AXES:
            frame, part = _score_axis(sub, model, axis, str(segment), previous, overrides, date_codes[sub.index].to_numpy())
            if positions:
                part["_pos"] = np.tile(pos[sub.index].to_numpy(), len(part) // max(len(sub), 1))
            axes_sub[axis] = frame[axis]
            axes_sub[f"{axis}_coverage"] = frame["coverage"]
            parts.append(part)
        axes_frames.append(axes_sub)
    axes = pd.concat(axes_frames).loc[measures.index]
    return axes, pd.concat(parts, ignore_index=True)


def _score_axis(
    sub: pd.DataFrame, model: Model, axis: str, segment: str,
    previous: pd.DataFrame | None, overrides: pd.DataFrame | None, groups: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    spec = model.axis(axis, segment)
    n = len(sub)
    total_weight = sum(m.weight for m in spec.measures.values())
    in_play, with_data = np.zeros(n), np.zeros(n)
    per_measure = []
    for name, m in spec.measures.items():
        raw = sub[name].to_numpy(dtype=float) if name in sub.columns else np.full(n, np.nan)
        has = ~np.isnan(raw)
        status = np.where(has, "data", "missing: excluded").astype(object)
        used = raw.copy()
        if m.missing == "last_value":
            last, last_date = _last_values(sub, name, m, previous)
            fill = ~has & ~np.isnan(last)
            used = np.where(fill, last, raw)
            status[fill] = [f"missing: last value from {d}" for d in last_date[fill]]
        score = round2(m.scheme.score_peers(used, groups))
        counted = ~np.isnan(used)
        if m.missing in ("zero", "neutral"):
            value = 0.0 if m.missing == "zero" else m.neutral_score
            score = np.where(has, score, value)
            status[~has] = f"missing: scored {value:g} ({m.missing})"
            counted = np.ones(n, dtype=bool)
        o_score, o_note = _overrides_for(sub, name, overrides)
        over = ~np.isnan(o_score)
        if over.any():
            score = np.where(over, round2(o_score), score)
            status[over] = [f"override: {t}" for t in o_note[over]]
            counted = counted | over
        in_play += np.where(counted, m.weight, 0.0)
        with_data += np.where(has | over, m.weight, 0.0)
        per_measure.append((name, m, raw, score, counted, status))
    axis_h = np.zeros(n)
    rows = []
    for name, m, raw, score, counted, status in per_measure:
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(counted, m.weight / in_play, 0.0)
        contribution_h = np.where(counted, hundredths(score * share), 0.0)
        axis_h += contribution_h
        rows.append(
            pd.DataFrame(
                {
                    "as_of": sub["as_of"].to_numpy(),
                    "account_id": sub["account_id"].to_numpy(),
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
    frame = pd.DataFrame(
        {axis: np.where(in_play > 0, axis_h / 100.0, np.nan), "coverage": np.round(with_data / total_weight, 4)},
        index=sub.index,
    )
    return frame, pd.concat(rows, ignore_index=True)

