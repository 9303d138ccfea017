"""Schemes: how a measure's raw value becomes a score from 0 to 100.

Each scheme is vectorised over a numpy array of raw values (NaN = no data) and clamps to
0..100. ``direction: lower`` means smaller raw values are better.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

Direction = Literal["higher", "lower"]


class _Scheme(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def apply(self, raw: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """Map raw values to scores in 0..100; NaN (no data) stays NaN."""
        raise NotImplementedError

    def raw_for(self, score: float, current: float, peers: np.ndarray | None = None) -> float | None:  # pragma: no cover
        """The raw value nearest to ``current`` that scores at least ``score``; None if none does."""
        raise NotImplementedError

    def score_peers(self, raw: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Scores where the scheme depends on peers (percentile); others ignore ``groups``."""
        return self.apply(raw)

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


def _clamp(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 100.0)


def _check_range(kind: str, lo: float, hi: float) -> None:
    if not hi > lo:
        raise ValueError(f"{kind} scheme needs max > min (got min={lo}, max={hi})")


class LinearScheme(_Scheme):
    """Straight line from ``min`` (score 0) to ``max`` (score 100), clamped.

    With ``direction: lower`` the line runs the other way: ``min`` scores 100, ``max`` 0.
    """

    type: Literal["linear"]
    min: float
    max: float
    direction: Direction = "higher"

    @model_validator(mode="after")
    def _ordered(self) -> "LinearScheme":
        _check_range("linear", self.min, self.max)
        return self

    def apply(self, raw: np.ndarray) -> np.ndarray:
        frac = (raw - self.min) / (self.max - self.min)
        if self.direction == "lower":
            frac = 1.0 - frac
        return _clamp(100.0 * frac)

    def raw_for(self, score: float, current: float, peers: np.ndarray | None = None) -> float | None:
        """Invert the line (clamped: 100 needs ``max``, or ``min`` when lower is better)."""
        frac = min(max(score, 0.0), 100.0) / 100.0
        if self.direction == "lower":
            frac = 1.0 - frac
        return self.min + frac * (self.max - self.min)

    def describe(self) -> str:
        """One line for explanations."""
        ends = (self.min, self.max) if self.direction == "higher" else (self.max, self.min)
        return f"linear: {ends[0]:g} -> 0, {ends[1]:g} -> 100"


class Band(BaseModel):
    """Raw values in ``[min, max)`` score ``score``; an open end is empty."""

    model_config = ConfigDict(extra="forbid")
    min: float | None = None
    max: float | None = None
    score: float = Field(ge=0, le=100)


class BandsScheme(_Scheme):
    """Step function: each band of raw values gets a fixed score.

    Bands must be listed in ascending order, touch without gaps or overlaps, and the first
    may be open below and the last open above; values outside a closed end are clamped to
    the nearest band.
    """

    type: Literal["bands"]
    bands: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _contiguous(self) -> "BandsScheme":
        for i, (a, b) in enumerate(zip(self.bands, self.bands[1:]), start=1):
            if a.max is None or b.min is None:
                raise ValueError(f"band {i} and band {i + 1}: only the first band may omit min and only the last may omit max")
            if a.max < b.min:
                raise ValueError(f"gap between band {i} (max {a.max:g}) and band {i + 1} (min {b.min:g})")
            if a.max > b.min:
                raise ValueError(f"band {i} (max {a.max:g}) overlaps band {i + 1} (min {b.min:g})")
        for i, b in enumerate(self.bands, start=1):
            if b.min is not None and b.max is not None and not b.max > b.min:
                raise ValueError(f"band {i} is empty: max {b.max:g} must exceed min {b.min:g}")
        return self

    def apply(self, raw: np.ndarray) -> np.ndarray:
        edges = np.array([b.min for b in self.bands[1:]], dtype=float)
        scores = np.array([b.score for b in self.bands], dtype=float)
        idx = np.searchsorted(edges, raw, side="right")
        out = scores[np.clip(idx, 0, len(scores) - 1)]
        return np.where(np.isnan(raw), np.nan, out)

    def raw_for(self, score: float, current: float, peers: np.ndarray | None = None) -> float | None:
        """The nearest raw value to ``current`` inside a band scoring at least ``score``."""
        best = None
        for b in self.bands:
            if b.score + 1e-9 < score:
                continue
            lo = -np.inf if b.min is None else b.min
            hi = np.inf if b.max is None else np.nextafter(b.max, -np.inf)
            if np.isnan(current):  # no current value: the band's own lower edge (or any value in it)
                return float(lo if np.isfinite(lo) else (hi if np.isfinite(hi) else 0.0))
            cand = min(max(current, lo), hi)
            if best is None or abs(cand - current) < abs(best - current):
                best = cand
        return None if best is None else float(best)

    def describe(self) -> str:
        """One line for explanations."""
        parts = []
        for b in self.bands:
            lo = "" if b.min is None else f"{b.min:g}"
            hi = "" if b.max is None else f"{b.max:g}"
            parts.append(f"[{lo}..{hi})->{b.score:g}")
        return "bands: " + " ".join(parts)


class TargetScheme(_Scheme):
    """Share of a target reached: ``100 * raw / target`` (or ``target / raw`` when lower is better)."""

    type: Literal["target"]
    target: float = Field(gt=0)
    direction: Direction = "higher"

    def apply(self, raw: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.direction == "higher":
                ratio = raw / self.target
            else:
                ratio = np.where(raw <= 0, 1.0, self.target / raw)
        return np.where(np.isnan(raw), np.nan, _clamp(100.0 * ratio))

    def raw_for(self, score: float, current: float, peers: np.ndarray | None = None) -> float | None:
        """Invert the ratio: ``score / 100 * target`` (``target * 100 / score`` when lower is better)."""
        score = min(max(score, 0.0), 100.0)
        if self.direction == "higher":
            return score / 100.0 * self.target
        return np.inf if score <= 0 else self.target * 100.0 / score

    def describe(self) -> str:
        """One line for explanations."""
        return f"target: {self.target:g} ({self.direction} is better) -> 100"


class LogScheme(_Scheme):
    """Logarithmic from ``min`` (0) to ``max`` (100): ``log(1 + raw)`` scaled linearly, clamped."""

    type: Literal["log"]
    min: float = Field(0, ge=0)
    max: float = Field(gt=0)
    direction: Direction = "higher"

    @model_validator(mode="after")
    def _ordered(self) -> "LogScheme":
        _check_range("log", self.min, self.max)
        return self

    def apply(self, raw: np.ndarray) -> np.ndarray:
        lo, hi = np.log1p(self.min), np.log1p(self.max)
        with np.errstate(invalid="ignore"):
            frac = (np.log1p(np.maximum(raw, 0.0)) - lo) / (hi - lo)
        if self.direction == "lower":
            frac = 1.0 - frac
        return np.where(np.isnan(raw), np.nan, _clamp(100.0 * frac))

    def raw_for(self, score: float, current: float, peers: np.ndarray | None = None) -> float | None:
        """Invert the log scale."""
        frac = min(max(score, 0.0), 100.0) / 100.0
        if self.direction == "lower":
            frac = 1.0 - frac
        lo, hi = np.log1p(self.min), np.log1p(self.max)
        return float(np.expm1(lo + frac * (hi - lo)))

    def describe(self) -> str:
        """One line for explanations."""
        return f"log: {self.min:g} -> 0, {self.max:g} -> 100 ({self.direction} is better)"


class PercentileScheme(_Scheme):
    """Percentile rank among the accounts of the same model segment on the same date.

    With ``n`` accounts that have data, the lowest scores 0, the highest 100, and account
    ``i`` scores ``100 * (r_i - 1) / (n - 1)`` where ``r_i`` is its 1-based rank, ties
    sharing their mean rank; a lone account scores 50. ``direction: lower`` reverses it.
    """

    type: Literal["percentile"]
    direction: Direction = "higher"

    def apply(self, raw: np.ndarray) -> np.ndarray:
        return self.score_peers(raw, np.zeros(len(raw)))

    def score_peers(self, raw: np.ndarray, groups: np.ndarray) -> np.ndarray:
        s = pd.Series(raw, dtype=float)
        g = pd.Series(groups)
        rank = s.groupby(g).rank(method="average")
        n = s.notna().groupby(g).transform("sum")
        pct = np.where(n > 1, 100.0 * (rank - 1) / (n - 1).clip(lower=1), 50.0)
        if self.direction == "lower":
            pct = 100.0 - pct
        return np.where(np.isnan(raw), np.nan, pct)

    def raw_for(self, score: float, current: float, peers: np.ndarray | None = None) -> float | None:
        """A raw value just past the peer that must be overtaken (peers exclude the account)."""
        p = np.sort(np.asarray(peers if peers is not None else [], dtype=float))
        p = p[~np.isnan(p)]
        m = len(p)
        if m == 0:
            return current
        k = int(np.ceil(min(max(score, 0.0), 100.0) * m / 100.0 - 1e-9))
        if self.direction == "higher":
            if k == 0:
                return min(current, p[0]) if not np.isnan(current) else p[0]
            v = p[k - 1]
            return float(np.nextafter(v, np.inf) if v == 0 else v + abs(v) * 1e-9)
        p = p[::-1]
        if k == 0:
            return max(current, p[0]) if not np.isnan(current) else p[0]
        v = p[k - 1]
        if v <= 0 and p.min() >= 0:
            return None  # would need a value below zero, which non-negative peers suggest is impossible
        return float(np.nextafter(v, -np.inf) if v == 0 else v - abs(v) * 1e-9)

    def describe(self) -> str:
        """One line for explanations."""
        return f"percentile within segment ({self.direction} is better)"


Scheme = Annotated[
    Union[LinearScheme, BandsScheme, TargetScheme, LogScheme, PercentileScheme], Field(discriminator="type")
]
