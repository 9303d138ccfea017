"""The path to the next tier: raw-value targets that close each axis gap.

For an account below Green, the next tier's rule (Yellow for Red, Green for Yellow; among
several rules for that tier, the one with the smallest total gap) sets a minimum on each
axis. For every axis short of it, goldpath lists, for each measure alone, the score and raw
value that would close the gap, and a smallest combined plan: the fewest score points across
measures (measures with the largest weight share first, each capped at 100), which is the
optimum of that linear problem. All arithmetic is the scoring's own, in exact hundredths, so
applying the targets reproduces the promised axis scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from goldpath.model.spec import AXES, Model, TierRule
from goldpath.scoring.axes import hundredths
from goldpath.scoring.tiers import INSUFFICIENT


@dataclass
class MeasureTarget:
    """One measure's move: from its current raw value and score to a target."""

    axis: str
    measure: str
    raw: float
    target_raw: float | None
    score: float
    target_score: float
    feasible: bool = True


@dataclass
class AxisGap:
    """How far an axis is from the next tier's minimum, and how to close it."""

    axis: str
    value: float
    needed: float
    single: list[MeasureTarget] = field(default_factory=list)
    combined: list[MeasureTarget] = field(default_factory=list)

    @property
    def gap(self) -> float:
        """Points missing on this axis."""
        return round(self.needed - self.value, 2)


@dataclass
class NextTierPlan:
    """The way from the current tier to the next one."""

    tier: str
    target: str | None
    rule: str | None
    gaps: list[AxisGap] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total_gap(self) -> float:
        """Sum of the axis gaps, in points."""
        return round(sum(g.gap for g in self.gaps), 2)


def next_tier(current: str) -> str | None:
    """The tier above ``current`` on the way to Green (GOLD is an evidence gate, not a score)."""
    if current == "red":
        return "yellow"
    if current == "yellow":
        return "green"
    return None


def _matches(rule: TierRule, axes: dict[str, float]) -> bool:
    """Whether the rule's axis conditions hold (trend conditions are taken to hold)."""
    for axis in AXES:
        lo, hi = rule.when.box(axis)
        if not lo <= axes[axis] <= hi:
            return False
    return True


def _rule_gaps(rules: list[TierRule], index: int, axes: dict[str, float]) -> tuple[dict[str, float], list[str]]:
    """Axis minimums that make ``rules[index]`` the first rule to match.

    Starts from the rule's own minimums, then, while an earlier rule would still match
    first, lifts an axis just above that rule's maximum. Returns the minimums for the axes
    short of them, and notes for earlier rules that raising axes cannot escape.
    """
    need = {a: max(axes[a], rules[index].when.box(a)[0]) for a in AXES}
    notes: list[str] = []
    for _ in range(len(rules)):
        blocking = next((r for r in rules[:index] if _matches(r, need)), None)
        if blocking is None:
            break
        capped = [a for a in AXES if getattr(blocking.when, a) is not None and getattr(blocking.when, a).max is not None]
        if not capped:
            notes.append(f"an earlier rule ({blocking.describe()}) would still match; raising the axes cannot avoid it")
            break
        a = min(capped, key=lambda x: blocking.when.box(x)[1] - need[x])
        need[a] = round(blocking.when.box(a)[1] + 0.01, 2)
        if need[a] > 100:
            notes.append(f"an earlier rule ({blocking.describe()}) would still match even at 100")
            break
    return {a: v for a, v in need.items() if axes[a] < v}, notes


def _min_score(others_h: float, share: float, need_h: float) -> float | None:
    """Smallest score (in hundredths steps) whose contribution lifts the axis to ``need_h``."""
    def total(s_h: int) -> float:
        return others_h + float(hundredths(s_h / 100.0 * share))

    if total(10000) < need_h:
        return None
    guess = int(np.clip(np.ceil((need_h - others_h) / share) if share > 0 else 10000, 0, 10000))
    while guess > 0 and total(guess - 1) >= need_h:
        guess -= 1
    while total(guess) < need_h:
        guess += 1
    return guess / 100.0


def plan_next_tier(
    score_row: pd.Series,
    parts: pd.DataFrame,
    model: Model,
    peers: Callable[[str], np.ndarray] | None = None,
) -> NextTierPlan:
    """The path from an account's current tier to the next one.

    Parameters
    ----------
    score_row
        The account's stored score row (axes, ``axis_tier``, ``model_segment``).
    parts
        The account's stored measure rows on the same date.
    peers
        Raw values of the other accounts of the segment for a measure (for percentile schemes).
    """
    current = score_row["axis_tier"]
    segment = score_row.get("model_segment") or "default"
    if current == INSUFFICIENT:
        plan = NextTierPlan(tier=current, target=None, rule=None)
        for axis in AXES:
            missing = parts[(parts["axis"] == axis) & parts["score"].isna()]["measure"].tolist()
            if missing:
                plan.notes.append(f"{axis}: no data for {', '.join(missing)}; coverage must reach "
                                  f"{model.axis(axis, segment).min_coverage:.0%} before a tier is given")
        return plan
    target = next_tier(current)
    # A segment without a Yellow rule goes from Red straight to Green.
    while target is not None and not any(r.tier == target for r in model.tier_rules(segment)):
        target = next_tier(target)
    plan = NextTierPlan(tier=current, target=target, rule=None)
    if target is None:
        return plan
    axes = {a: float(score_row[a]) for a in AXES}
    rules = model.tier_rules(segment)
    options = [(_rule_gaps(rules, i, axes), r) for i, r in enumerate(rules) if r.tier == target]
    (needs, blocked), best = min(options, key=lambda o: sum(v - axes[a] for a, v in o[0][0].items()))
    plan.rule = best.describe()
    plan.notes.extend(blocked)
    if best.when.has_trend:
        plan.notes.append("the rule also has a trend condition, which these targets cannot guarantee")
    for axis, needed in needs.items():
        rows = parts[parts["axis"] == axis]
        plan.gaps.append(_axis_plan(axis, axes[axis], needed, rows, model, segment, peers))
        excluded = rows[rows["score"].isna()]["measure"].tolist()
        if excluded:
            verb = "has no data and stays" if len(excluded) == 1 else "have no data and stay"
            plan.notes.append(f"{axis}: {' and '.join(excluded)} {verb} excluded from these targets; "
                              f"once {'it has' if len(excluded) == 1 else 'they have'} data the weights are shared again")
    return plan


def _axis_plan(
    axis: str, value: float, needed: float, rows: pd.DataFrame, model: Model, segment: str,
    peers: Callable[[str], np.ndarray] | None,
) -> AxisGap:
    spec = model.axis(axis, segment)
    gap = AxisGap(axis=axis, value=value, needed=needed)
    need_h = float(hundredths(needed))
    counted = rows[rows["score"].notna()]
    # Shares recomputed from the weights exactly as scoring does (the stored share is rounded).
    share = {r.measure: float(r.weight) / float(counted["weight"].sum()) for r in counted.itertuples(index=False)}
    live = counted[~counted["status"].astype(str).str.startswith("override")]
    live = live.assign(weight_share=live["measure"].map(share))
    contrib_h = {r.measure: float(hundredths(r.contribution)) for r in rows.itertuples(index=False)}
    total_h = sum(contrib_h.values())

    def target(r, score: float) -> MeasureTarget:
        scheme = spec.measures[r.measure].scheme
        raw = None if pd.isna(r.raw) else float(r.raw)
        target_raw = scheme.raw_for(score, np.nan if raw is None else raw, peers(r.measure) if peers else None)
        return MeasureTarget(axis, r.measure, raw, target_raw, float(r.score), score, feasible=target_raw is not None)

    for r in live.sort_values("weight_share", ascending=False).itertuples(index=False):
        s = _min_score(total_h - contrib_h[r.measure], float(r.weight_share), need_h)
        if s is None:
            gap.single.append(MeasureTarget(axis, r.measure, r.raw, None, float(r.score), 100.0, feasible=False))
        else:
            gap.single.append(target(r, s))
    remaining_total = total_h
    for r in live.sort_values("weight_share", ascending=False).itertuples(index=False):
        if remaining_total >= need_h:
            break
        others = remaining_total - contrib_h[r.measure]
        s = _min_score(others, float(r.weight_share), need_h)
        s = 100.0 if s is None else s
        if s <= r.score:
            continue
        gap.combined.append(target(r, s))
        remaining_total = others + float(hundredths(s * r.weight_share))
    return gap
