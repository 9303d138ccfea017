"""Backtest: do the tiers predict renewal on the user's own history?

Every renewal decision is scored as of ``lead`` days before its date, from data up to that
day only, and the outcomes are summarised per tier: renewal and expansion rates with Wilson
score intervals (Wilson 1927; Newcombe 1998), gross and net ARR retention, the AUC of each axis
and of the tier order (Hanley and McNeil 1982), the churn lift in the riskiest decile, a
calibration table, a baseline (the segment's renewal rate before each date) and plain
statements on the seed's claims. The first statement says whether the tiers separate renewal
at all: Green's and Red's Wilson intervals apart, and the tier order's AUC with a stratified
percentile bootstrap interval (2,000 resamples, fixed seed; as pROC does by default: Robin et
al. 2011, BMC Bioinformatics 12:77; Carpenter and Bithell 2000) above 0.5. A Green rate that
clears a claim means little when Red renews as often.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import bootstrap, rankdata
from sklearn.metrics import roc_auc_score
from statsmodels.stats.proportion import proportion_confint

from goldpath.scoring.tiers import TIER_ORDER

RANK = {t: i for i, t in enumerate(TIER_ORDER)}


def wilson(successes: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a proportion (NaN, NaN when ``n`` is 0)."""
    if n == 0:
        return float("nan"), float("nan")
    lo, hi = proportion_confint(successes, n, alpha=alpha, method="wilson")
    return float(lo), float(hi)


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC of ``score`` for ``y`` (NaN when there is one class or no scores)."""
    ok = ~np.isnan(score)
    y, score = y[ok], score[ok]
    if len(y) == 0 or len(set(y)) < 2:
        return float("nan")
    return float(roc_auc_score(y, score))


def _mann_whitney_auc(renewed: np.ndarray, churned: np.ndarray, axis: int = -1) -> np.ndarray:
    """AUC as P(renewed score > churned score) + P(tie) / 2, over the last axis (vectorised)."""
    n1, n0 = renewed.shape[axis], churned.shape[axis]
    ranks = rankdata(np.concatenate([renewed, churned], axis=axis), axis=axis)
    return (ranks[..., :n1].sum(axis=axis) - n1 * (n1 + 1) / 2) / (n1 * n0)


def auc_interval(y: np.ndarray, score: np.ndarray, level: float = 0.95, resamples: int = 2000,
                 seed: int = 0) -> tuple[float, float]:
    """Stratified percentile bootstrap interval of the ROC AUC (NaN, NaN with fewer than 2 renewals or churns).

    Renewals and churns are resampled separately (each resample keeps both classes), as pROC's
    default ``ci.auc`` does (Robin et al. 2011); the seed is fixed so a report is reproducible.
    """
    ok = ~np.isnan(score)
    y, score = y[ok], score[ok]
    if min(int((y == 1).sum()), int((y == 0).sum())) < 2:
        return float("nan"), float("nan")
    res = bootstrap((score[y == 1], score[y == 0]), _mann_whitney_auc, n_resamples=resamples,
                    confidence_level=level, method="percentile", vectorized=True,
                    random_state=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


@dataclass
class BacktestReport:
    """Everything a backtest found; ``to_dict`` is what the JSON export holds."""

    lead_days: int
    rows: pd.DataFrame
    tiers: pd.DataFrame
    calibration: pd.DataFrame
    metrics: dict
    statements: list[str]
    skipped: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """A JSON-ready summary (the per-renewal rows go to CSV)."""
        return {
            "lead_days": self.lead_days,
            "renewals_scored": int(len(self.rows)),
            "skipped": self.skipped,
            "tiers": self.tiers.replace({np.nan: None}).to_dict("records"),
            "calibration": self.calibration.replace({np.nan: None}).to_dict("records"),
            "metrics": {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in self.metrics.items()},
            "statements": self.statements,
        }


def per_tier(rows: pd.DataFrame) -> pd.DataFrame:
    """Renewal and expansion rates (Wilson 95%), GRR and NRR per tier, best tier first."""
    out = []
    order = list(reversed(TIER_ORDER)) + ["insufficient data"]
    for tier in order + ["all"]:
        g = rows if tier == "all" else rows[rows["tier"] == tier]
        n = len(g)
        if n == 0 and tier != "all":
            continue
        renewed, expanded = int(g["renewed"].sum()), int(g["expanded"].sum())
        before = g["arr_before"].sum()
        lo, hi = wilson(renewed, n)
        elo, ehi = wilson(expanded, n)
        out.append({
            "tier": tier, "renewals": n, "renewed": renewed,
            "renewal_rate": renewed / n if n else np.nan, "renewal_low": lo, "renewal_high": hi,
            "expansion_rate": expanded / n if n else np.nan, "expansion_low": elo, "expansion_high": ehi,
            "arr_before": before,
            "gross_retention": np.minimum(g["arr_after"], g["arr_before"]).sum() / before if before else np.nan,
            "net_retention": g["arr_after"].sum() / before if before else np.nan,
        })
    return pd.DataFrame(out)


def summarize(rows: pd.DataFrame, lead_days: int, green_claim: float = 0.9, skipped: dict | None = None) -> BacktestReport:
    """Turn scored renewals into a report.

    Parameters
    ----------
    rows
        One row per renewal: ``renewed, expanded, arr_before, arr_after, tier, engagement,
        indispensability, baseline`` (the segment's earlier renewal rate).
    green_claim
        The renewal rate the claim "Green renews at least X" is tested at.
    """
    y = rows["renewed"].to_numpy(dtype=int)
    rank = rows["tier"].map(RANK).astype(float).to_numpy()
    eng, ind = rows["engagement"].to_numpy(dtype=float), rows["indispensability"].to_numpy(dtype=float)
    metrics = {
        "auc_engagement": auc(y, eng),
        "auc_indispensability": auc(y, ind),
        "auc_tier_order": auc(y, rank),
        "auc_tier_order_low": np.nan, "auc_tier_order_high": np.nan,
        "auc_baseline": auc(y, rows["baseline"].to_numpy(dtype=float)),
    }
    metrics["auc_tier_order_low"], metrics["auc_tier_order_high"] = auc_interval(y, rank)
    # Riskiest decile: the lowest tenth by tier, then by the weaker of the two axes.
    risk = pd.DataFrame({"rank": np.nan_to_num(rank, nan=-1), "weak": np.fmin(eng, ind), "churn": 1 - y})
    risk = risk.sort_values(["rank", "weak"], na_position="first")
    k = max(1, int(np.ceil(len(risk) / 10))) if len(risk) else 0
    overall = risk["churn"].mean() if len(risk) else np.nan
    top = risk["churn"].head(k).mean() if k else np.nan
    metrics["churn_rate"] = float(overall) if len(risk) else np.nan
    metrics["riskiest_decile_churn_rate"] = float(top) if k else np.nan
    metrics["riskiest_decile_lift"] = float(top / overall) if k and overall else np.nan

    counted = (~np.isnan(eng)).astype(float) + (~np.isnan(ind)).astype(float)
    with np.errstate(invalid="ignore"):
        both = (np.nan_to_num(eng) + np.nan_to_num(ind)) / np.where(counted > 0, counted, np.nan)
    cal = pd.DataFrame({"score": both, "renewed": y})
    cal = cal.dropna()
    if len(cal) >= 5:
        cal["band"] = pd.qcut(cal["score"].rank(method="first"), q=min(5, len(cal)), labels=False)
        calibration = cal.groupby("band").agg(
            mean_score=("score", "mean"), renewals=("renewed", "size"), renewal_rate=("renewed", "mean")
        ).reset_index()
    else:
        calibration = pd.DataFrame(columns=["band", "mean_score", "renewals", "renewal_rate"])

    tiers = per_tier(rows)
    separation, metrics["tiers_separate"] = _separation(tiers, metrics)
    statements = [separation] + _claims(tiers, green_claim, metrics)
    return BacktestReport(lead_days, rows, tiers, calibration, metrics, statements, skipped or {})


def _name(tier: str) -> str:
    return "GOLD" if tier == "gold" else tier.capitalize()


def _separation(tiers: pd.DataFrame, metrics: dict) -> tuple[str, bool | None]:
    """Whether the tiers separate renewal: the statement, and True / False / None (untestable).

    They separate when Green's 95% Wilson interval lies above Red's and the tier order's AUC
    interval lies above 0.5; a better tier renewing less often than a worse one is named.
    """
    t = tiers.set_index("tier")
    facts, fails = [], []
    testable = False
    if "green" in t.index and "red" in t.index:
        g, r = t.loc["green"], t.loc["red"]
        testable = True
        facts.append(f"Green renewed {g['renewal_rate']:.1%} (95% CI {g['renewal_low']:.1%} to {g['renewal_high']:.1%}), "
                     f"Red {r['renewal_rate']:.1%} ({r['renewal_low']:.1%} to {r['renewal_high']:.1%})")
        if not g["renewal_low"] > r["renewal_high"]:
            fails.append("the Green and Red intervals overlap")
    a, lo, hi = metrics["auc_tier_order"], metrics["auc_tier_order_low"], metrics["auc_tier_order_high"]
    if not np.isnan(a):
        testable = True
        if np.isnan(lo):
            facts.append(f"tier-order AUC {a:.3f}")
            fails.append("too few renewals or churns for an interval on the tier order's AUC")
        else:
            facts.append(f"tier-order AUC {a:.3f} (95% CI {lo:.3f} to {hi:.3f})")
        if not np.isnan(lo) and not lo > 0.5:
            fails.append("the AUC interval includes 0.5 (no better than chance)" if hi >= 0.5
                         else "the AUC interval lies below 0.5 (worse tiers renew more)")
    ranked = [x for x in TIER_ORDER if x in t.index]
    for i, worse in enumerate(ranked):
        for better in ranked[i + 1:]:
            if t.loc[worse, "renewal_rate"] > t.loc[better, "renewal_rate"]:
                fails.append(f"{_name(worse)} renewed more often than {_name(better)} "
                             f"({t.loc[worse, 'renewal_rate']:.1%} vs {t.loc[better, 'renewal_rate']:.1%})")
    if not testable:
        return ("Whether the tiers separate renewal is untested: the backtest needs Green and Red renewals, or "
                "renewals and churns to compute the tier order's AUC."), None
    if fails:
        return f"The tiers do not separate renewal on this history: {'; '.join(fails)}. {'; '.join(facts)}.", False
    return f"The tiers separate renewal on this history: {'; '.join(facts)}.", True


def _claims(tiers: pd.DataFrame, green_claim: float, metrics: dict) -> list[str]:
    t = tiers.set_index("tier")
    out = []
    if "green" in t.index:
        g = t.loc["green"]
        verdict = "supports" if g["renewal_low"] >= green_claim else "does not support"
        caveat = ""
        if verdict == "supports" and metrics.get("tiers_separate") is False:
            caveat = " That is not evidence for the tiers: they do not separate renewal on this history (above)."
        out.append(
            f"The data {verdict} 'Green renews at least {green_claim:.0%}': {int(g['renewed'])} of "
            f"{int(g['renewals'])} Green renewals renewed ({g['renewal_rate']:.1%}, 95% CI "
            f"{g['renewal_low']:.1%} to {g['renewal_high']:.1%}).{caveat}"
        )
    else:
        out.append(f"No Green account reached a renewal in the backtest: 'Green renews at least {green_claim:.0%}' is untested.")
    if "gold" in t.index:
        g = t.loc["gold"]
        if g["renewed"] == g["renewals"]:
            out.append(
                f"'GOLD renews at 100%' holds on {int(g['renewals'])} GOLD renewal(s), all renewed; with so few the "
                f"95% CI still reaches down to {g['renewal_low']:.1%}."
            )
        else:
            out.append(
                f"The data contradicts 'GOLD renews at 100%': {int(g['renewals'] - g['renewed'])} of "
                f"{int(g['renewals'])} GOLD renewals churned."
            )
    else:
        out.append("No GOLD account reached a renewal in the backtest: 'GOLD renews at 100%' is untested.")
    tier_auc, base_auc = metrics["auc_tier_order"], metrics["auc_baseline"]
    if not np.isnan(tier_auc) and not np.isnan(base_auc):
        better = "beats" if tier_auc > base_auc else "does not beat"
        lo, hi = metrics.get("auc_tier_order_low", np.nan), metrics.get("auc_tier_order_high", np.nan)
        inside = f", but the baseline lies inside the tier order's 95% interval ({lo:.3f} to {hi:.3f})" \
            if tier_auc > base_auc and lo <= base_auc <= hi else ""
        out.append(f"The tier order (AUC {tier_auc:.3f}) {better} the baseline of the segment's past renewal rate "
                   f"(AUC {base_auc:.3f}){inside}.")
    return out


def segment_baseline(rows: pd.DataFrame) -> np.ndarray:
    """Each renewal's baseline: its segment's renewal rate over renewals decided before its as-of date.

    Without earlier renewals in the segment, the rate over all earlier renewals; without any,
    NaN. Uses only decisions known on the as-of date (no look-ahead).
    """
    out = np.full(len(rows), np.nan)
    dates = pd.to_datetime(rows["renewal_date"]).to_numpy()
    as_of = pd.to_datetime(rows["as_of"]).to_numpy()
    seg = rows["segment"].to_numpy()
    y = rows["renewed"].to_numpy(dtype=float)
    for i in range(len(rows)):
        known = dates < as_of[i]
        same = known & (seg == seg[i])
        pick = same if same.any() else known
        if pick.any():
            out[i] = y[pick].mean()
    return out
