"""Tuning from outcomes: non-negative weights and a Green threshold, validated on later renewals.

The renewals are split by date: the earlier ``1 - test_share`` fit, the later test. On the
fitting set a logistic regression of "renewed" on the measure scores, with every weight
constrained to be non-negative, gives each measure's weight (so a better score can never lower
renewal odds: the model stays monotone in each measure, as the schemes are), normalised to 100
per axis. Then one shift of every Green rule's axis minimums is chosen to maximise the AUC of
the tier order on the fitting set. Both models are scored, with the same code, on the later
renewals. With too few renewals or churns nothing is proposed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import minimize

from goldpath.errors import ConfigError
from goldpath.insights.backtest import RANK, auc, wilson
from goldpath.model.spec import AXES, Model, parse_model
from goldpath.scoring.axes import score_axes
from goldpath.scoring.tiers import assign_tiers

SHIFTS = np.arange(-20.0, 20.01, 2.5)


@dataclass
class TuningResult:
    """What the tuner proposes, or why it proposes nothing."""

    proposed: bool
    notes: list[str]
    train: dict
    test: dict
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)
    green_shift: float = 0.0
    model_yaml: str | None = None
    diff: str | None = None


def _wide(parts: pd.DataFrame, rows: pd.DataFrame, column: str) -> pd.DataFrame:
    w = parts.pivot_table(index=["as_of", "account_id"], columns="measure", values=column, aggfunc="first")
    w = w.reset_index()
    keys = rows[["as_of", "account_id", "model_segment", "renewed"]]
    return keys.merge(w, on=["as_of", "account_id"], how="left")


def evaluate(raw: pd.DataFrame, model: Model) -> dict:
    """Score renewals' raw measures with ``model`` and measure how the result predicts renewal."""
    axes, _ = score_axes(raw, model)
    tiers = assign_tiers(axes, raw["model_segment"], model)
    y = raw["renewed"].to_numpy(dtype=int)
    rank = tiers["axis_tier"].map(RANK).astype(float).to_numpy()
    green = (tiers["axis_tier"] == "green").to_numpy()
    n, k = int(green.sum()), int(y[green].sum())
    lo, hi = wilson(k, n)
    return {
        "auc_tier_order": auc(y, rank),
        "auc_engagement": auc(y, axes["engagement"].to_numpy(dtype=float)),
        "auc_indispensability": auc(y, axes["indispensability"].to_numpy(dtype=float)),
        "green_share": float(green.mean()) if len(green) else float("nan"),
        "green_renewals": n,
        "green_renewal_rate": k / n if n else float("nan"),
        "green_renewal_low": lo,
        "green_renewal_high": hi,
    }


def _fit_weights(scores: pd.DataFrame, y: np.ndarray, names: list[str]) -> np.ndarray:
    """Non-negative logistic regression of ``y`` on scores / 100 (missing -> column mean)."""
    x = scores[names].to_numpy(dtype=float) / 100.0
    means = np.nanmean(x, axis=0)
    x = np.where(np.isnan(x), np.nan_to_num(means), x)
    x = x - x.mean(axis=0)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] + x @ theta[1:]
        p = 1 / (1 + np.exp(-z))
        eps = 1e-12
        value = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)) + 1e-3 * np.sum(theta[1:] ** 2)
        grad = np.concatenate([[np.mean(p - y)], x.T @ (p - y) / len(y) + 2e-3 * theta[1:]])
        return value, grad

    start = np.zeros(len(names) + 1)
    bounds = [(None, None)] + [(0.0, None)] * len(names)
    res = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
    return res.x[1:]


def tune_model(
    rows: pd.DataFrame,
    parts: pd.DataFrame,
    model: Model,
    model_text: str,
    test_share: float = 0.3,
    min_renewals: int = 40,
    min_churns: int = 8,
) -> TuningResult:
    """Propose a tuned model from scored renewals (see the module docstring).

    Parameters
    ----------
    rows, parts
        From :meth:`goldpath.workspace.Workspace.renewal_snapshots`.
    model_text
        The current model YAML, which the proposal edits.
    """
    rows = rows.sort_values("renewal_date").reset_index(drop=True)
    cut = rows["renewal_date"].iloc[int(len(rows) * (1 - test_share))] if len(rows) else None
    train, test = rows[rows["renewal_date"] < cut], rows[rows["renewal_date"] >= cut]
    info = lambda d: {"renewals": int(len(d)), "churns": int((~d["renewed"]).sum()),  # noqa: E731
                      "from": str(d["renewal_date"].min()), "to": str(d["renewal_date"].max())}
    result = TuningResult(False, [], info(train), info(test))
    if len(train) < min_renewals or result.train["churns"] < min_churns or result.test["churns"] < 2:
        result.notes.append(
            f"too little history to tune: the fitting set has {len(train)} renewals and {result.train['churns']} "
            f"churns (at least {min_renewals} and {min_churns} needed), the later test set {result.test['churns']} "
            f"churns (at least 2); nothing is proposed"
        )
        return result

    raw = _wide(parts, rows, "raw")
    scores = _wide(parts, rows, "score")
    fit = train.index.to_numpy()
    y = rows["renewed"].to_numpy(dtype=float)
    data = yaml.safe_load(model_text)
    for axis in AXES:
        names = list(model.axis(axis).measures)
        w = _fit_weights(scores.iloc[fit], y[fit], names)
        if w.sum() <= 0:
            result.notes.append(f"{axis}: no measure predicted renewal on the fitting set; weights kept")
            continue
        new = np.round(100 * w / w.sum(), 1)
        if new.sum() == 0 or (new == 0).all():
            continue
        new = np.where(new == 0, 0.1, new)  # every measure keeps a (tiny) positive weight
        result.weights[axis] = {n: (model.axis(axis).measures[n].weight, float(v)) for n, v in zip(names, new)}
        for n, v in zip(names, new):
            data[axis]["measures"][n]["weight"] = float(v)
    if model.segments:
        result.notes.append("segments with axes of their own keep their weights; only the default axes are tuned")

    candidates: dict[float, Model] = {}
    for delta in SHIFTS:
        try:
            candidates[float(delta)] = parse_model(yaml.safe_dump(_shift_green(data, delta), sort_keys=False), "tuned")
        except ConfigError:
            continue  # this shift would make a later rule unreachable: not a valid model

    best = max(
        candidates,
        key=lambda s: (np.nan_to_num(evaluate(raw.iloc[fit], candidates[s])["auc_tier_order"], nan=0.0), -abs(s)),
    )
    tuned = candidates[best]
    result.green_shift = float(best)
    later = test.index.to_numpy()
    result.before = evaluate(raw.iloc[later], model)
    result.after = evaluate(raw.iloc[later], tuned)
    name = data.get("name") or "model"
    out = _shift_green(data, best)
    out["name"] = f"{name}-tuned"
    text = "# Proposed by `goldpath tune`: review before use.\n" + yaml.safe_dump(out, sort_keys=False)
    result.model_yaml = text
    result.diff = "".join(difflib.unified_diff(
        yaml.safe_dump(yaml.safe_load(model_text), sort_keys=False).splitlines(keepends=True),
        yaml.safe_dump(out, sort_keys=False).splitlines(keepends=True), "current", "proposed",
    ))
    if result.test["churns"] < 10:
        result.notes.append(
            f"only {result.test['churns']} churns among the later renewals: the out-of-sample comparison is noisy"
        )
    if best in (min(candidates), max(candidates)) and best != 0:
        result.notes.append(f"the Green shift stopped at the edge of its range ({best:+g} points)")
    result.proposed = True
    return result


def _shift_green(data: dict, delta: float) -> dict:
    """A copy of model ``data`` with every Green rule's axis minimums moved by ``delta`` (clamped)."""
    d = yaml.safe_load(yaml.safe_dump(data, sort_keys=False))
    for rules in d["tiers"].values():
        for rule in rules:
            if rule.get("tier") != "green":
                continue
            for axis in AXES:
                cond = (rule.get("when") or {}).get(axis)
                if cond and cond.get("min") is not None:
                    cond["min"] = float(np.clip(cond["min"] + delta, 0, 100))
    return d
