"""Golden tests for percentile scores, ``raw_for``, last values, measure overrides and segment axes.

Every expected value is computed by hand in the comments. Scores are rounded half up to 2
decimals, contributions are ``score x weight share`` rounded to 2 decimals, and the axis is
their sum.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter

from goldpath.model.schemes import PercentileScheme, Scheme
from goldpath.model.spec import MEASURES, Model
from goldpath.scoring.axes import round2, score_axes

DAY = dt.date(2022, 12, 31)
LIN = {"type": "linear", "min": 0, "max": 1}
SCHEME = TypeAdapter(Scheme)


def make_model(eng: dict | None = None, ind: dict | None = None, segments: list | None = None) -> Model:
    """A model with the given axis measures (defaults: seat ratio 3 + stickiness 1; coverage 1)."""
    return Model.model_validate(
        {
            "engagement": {"measures": eng or {"active_seat_ratio": {"weight": 3, "scheme": LIN},
                                               "stickiness": {"weight": 1, "scheme": LIN}}},
            "indispensability": {"measures": ind or {"process_coverage": {"weight": 1, "scheme": LIN}}},
            "params": {"key_features": {"default": ["x"]}},
            "segments": segments or [],
            "tiers": {"default": [{"tier": "red"}]},
        }
    )


def frame(rows: list[dict]) -> pd.DataFrame:
    """Measures rows: ``as_of`` defaults to DAY, every measure to NaN."""
    out = []
    for i, r in enumerate(rows):
        base = {"as_of": DAY, "account_id": f"a{i}", **{m: np.nan for m in MEASURES}}
        out.append(base | r)
    return pd.DataFrame(out)


def part(parts: pd.DataFrame, account: str, axis: str, measure: str) -> pd.Series:
    """One row of the long parts table."""
    hit = parts[(parts.account_id == account) & (parts.axis == axis) & (parts.measure == measure)]
    assert len(hit) == 1
    return hit.iloc[0]


def assert_axes_add_up(axes: pd.DataFrame, parts: pd.DataFrame) -> None:
    """Every axis equals the sum of its contributions, in hundredths."""
    for axis in ("engagement", "indispensability"):
        for acc, g in parts[parts.axis == axis].groupby("account_id"):
            value = axes.loc[axes.account_id == acc, axis].iloc[0]
            assert round(value * 100) == sum(round(c * 100) for c in g["contribution"]), (acc, axis)


# --------------------------------------------------------------------------------------------
# Percentile scheme
# --------------------------------------------------------------------------------------------

D1, D2, D3 = dt.date(2022, 12, 31), dt.date(2022, 12, 30), dt.date(2022, 12, 29)
PCT_ROWS = [
    # D1: 6 accounts with data, 1 without. Ranks (ties share the mean): 0.1, 0.1 -> 1.5;
    # 0.4 -> 3; 0.9 x 3 -> 5. Score 100 * (r - 1) / (6 - 1): 10, 10, 40, 80, 80, 80.
    (D1, "p0", 0.1, 10.0),
    (D1, "p1", 0.1, 10.0),
    (D1, "p2", 0.4, 40.0),
    (D1, "p3", 0.9, 80.0),
    (D1, "p4", 0.9, 80.0),
    (D1, "p5", 0.9, 80.0),
    (D1, "p6", np.nan, np.nan),  # no data: no score, and not counted in n
    # D2: one account with data -> 50 (mixed with D1, 0.2 would rank 3rd of 7 -> 33.33).
    (D2, "q0", 0.2, 50.0),
    (D2, "q1", np.nan, np.nan),
    # D3: two accounts -> 0 and 100 (mixed with D1, n = 8: 0.3 would rank 4th -> 100 x 3/7 = 42.86).
    (D3, "r0", 0.3, 100.0),
    (D3, "r1", 0.05, 0.0),
]


def _pct_axes(direction: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    m = make_model(eng={"active_seat_ratio": {"weight": 1, "scheme": {"type": "percentile", "direction": direction}}})
    df = pd.DataFrame(
        [{"as_of": d, "account_id": a, **{k: np.nan for k in MEASURES}, "active_seat_ratio": raw, "process_coverage": 0.5}
         for d, a, raw, _ in PCT_ROWS]
    )
    return score_axes(df, m)


@pytest.mark.parametrize("direction", ["higher", "lower"])
def test_percentile_golden(direction: str) -> None:
    """Percentile ranks per date, ties at the mean rank, a lone account 50; `lower` is 100 minus it."""
    axes, parts = _pct_axes(direction)
    for d, a, _, want in PCT_ROWS:
        got = part(parts, a, "engagement", "active_seat_ratio")["score"]
        value = axes.loc[axes.account_id == a, "engagement"].iloc[0]
        if np.isnan(want):
            assert np.isnan(got) and np.isnan(value), a
            continue
        want = want if direction == "higher" else 100.0 - want
        assert got == want, (a, got, want)
        assert value == want, a  # the only measure: the axis is its score


def test_percentile_within_model_segment() -> None:
    """Accounts of different model segments on the same date are ranked apart."""
    m = make_model(eng={"active_seat_ratio": {"weight": 1, "scheme": {"type": "percentile"}}})
    df = frame([
        {"active_seat_ratio": 0.1, "process_coverage": 1.0, "model_segment": "x"},  # x: 0.1 of {0.1, 0.9} -> 0
        {"active_seat_ratio": 0.9, "process_coverage": 1.0, "model_segment": "x"},  # -> 100
        {"active_seat_ratio": 0.95, "process_coverage": 1.0, "model_segment": "y"},  # alone in y -> 50 (mixed: 100)
    ])
    axes, _ = score_axes(df, m)
    assert list(axes["engagement"]) == [0.0, 100.0, 50.0]


def test_percentile_score_peers_groups() -> None:
    """:meth:`PercentileScheme.score_peers` ranks within each group only."""
    raw = np.array([3.0, 1.0, 2.0, 5.0, np.nan, 7.0])
    groups = np.array(["a", "a", "a", "b", "b", "c"])
    # a: 1, 2, 3 -> ranks 1, 2, 3 -> 0, 50, 100 (for 3.0, 1.0, 2.0: 100, 0, 50); b: 5 alone -> 50; c: alone -> 50.
    got = PercentileScheme(type="percentile").score_peers(raw, groups)
    np.testing.assert_array_equal(got, [100.0, 0.0, 50.0, 50.0, np.nan, 50.0])


# --------------------------------------------------------------------------------------------
# raw_for
# --------------------------------------------------------------------------------------------

BANDS = {"type": "bands", "bands": [{"max": 0.2, "score": 0}, {"min": 0.2, "max": 0.4, "score": 40},
                                    {"min": 0.4, "score": 100}]}
FALLING_BANDS = {"type": "bands", "bands": [{"max": 10, "score": 100}, {"min": 10, "score": 0}]}


@pytest.mark.parametrize(
    ("spec", "score", "current", "peers", "want"),
    [
        # linear 0.2 .. 0.9: 0.2 + 50% x 0.7 = 0.55; 100 needs max; a score above 100 is clamped to 100.
        ({"type": "linear", "min": 0.2, "max": 0.9}, 50, 0.1, None, 0.55),
        ({"type": "linear", "min": 0.2, "max": 0.9}, 100, 0.1, None, 0.9),
        ({"type": "linear", "min": 0.2, "max": 0.9}, 120, 0.1, None, 0.9),
        # lower is better: 80 -> fraction 1 - 0.8 = 0.2 -> 0.2 + 0.2 x 0.7 = 0.34.
        ({"type": "linear", "min": 0.2, "max": 0.9, "direction": "lower"}, 80, 0.9, None, 0.34),
        # bands from 0.1: 40 needs the band [0.2, 0.4) -> 0.2; 41 and 100 need [0.4, ..) -> 0.4; 0: itself.
        (BANDS, 40, 0.1, None, 0.2),
        (BANDS, 41, 0.1, None, 0.4),
        (BANDS, 100, 0.1, None, 0.4),
        (BANDS, 0, 0.1, None, 0.1),
        (BANDS, 40, 0.5, None, 0.5),  # already in a band scoring 100: stays
        # falling bands from 15: the band (.., 10) scores 100 -> the largest value below 10.
        (FALLING_BANDS, 50, 15.0, None, float(np.nextafter(10.0, -np.inf))),
        # target 200: 75% -> 150; lower is better: 80 -> 200 x 100 / 80 = 250.
        ({"type": "target", "target": 200}, 75, 0.0, None, 150.0),
        ({"type": "target", "target": 200, "direction": "lower"}, 80, 400.0, None, 250.0),
        # log 0 .. 99: log1p spans 0 .. ln 100; half way is ln 10 -> expm1 = 9.
        ({"type": "log", "min": 0, "max": 99}, 50, 0.0, None, 9.0),
        # lower log 0 .. 99: 100 needs fraction 0 -> expm1(0) = 0.
        ({"type": "log", "min": 0, "max": 99, "direction": "lower"}, 100, 50.0, None, 0.0),
        # percentile, 4 peers: 50 -> overtake ceil(50 x 4 / 100) = 2 peers -> just above the 2nd (0.3).
        ({"type": "percentile"}, 50, 0.0, [0.7, 0.1, 0.5, 0.3], 0.3 + 0.3 * 1e-9),
        # 60 -> ceil(2.4) = 3 peers -> just above 0.5.
        ({"type": "percentile"}, 60, 0.0, [0.7, 0.1, 0.5, 0.3], 0.5 + 0.5 * 1e-9),
        # lower: 50 -> overtake 2 peers from the top (0.7, 0.5) -> just below 0.5.
        ({"type": "percentile", "direction": "lower"}, 50, 1.0, [0.7, 0.1, 0.5, 0.3], 0.5 - 0.5 * 1e-9),
        # a peer at 0: the next float above it.
        ({"type": "percentile"}, 50, -1.0, [0.0, 1.0], float(np.nextafter(0.0, np.inf))),
        # no peers: the current value.
        ({"type": "percentile"}, 80, 0.25, [], 0.25),
    ],
)
def test_raw_for_golden(spec: dict, score: float, current: float, peers, want: float) -> None:
    """The raw value each scheme returns for a wanted score, by hand."""
    got = SCHEME.validate_python(spec).raw_for(score, current, None if peers is None else np.array(peers))
    assert got == pytest.approx(want, rel=1e-12, abs=0.0)


def test_raw_for_unreachable_band_is_none() -> None:
    """No band scores 101: there is no raw value to aim for."""
    assert SCHEME.validate_python(BANDS).raw_for(101, 0.1) is None


SCHEMES = [
    {"type": "linear", "min": 0.2, "max": 0.9},
    {"type": "linear", "min": 0.2, "max": 0.9, "direction": "lower"},
    BANDS,
    FALLING_BANDS,
    {"type": "target", "target": 200},
    {"type": "target", "target": 200, "direction": "lower"},
    {"type": "log", "min": 0, "max": 99},
    {"type": "log", "min": 1, "max": 1000, "direction": "lower"},
]
SCORES = [0, 0.01, 12.5, 33.33, 40, 50, 66.67, 70, 99.99, 100]


@pytest.mark.parametrize("spec", SCHEMES, ids=lambda s: f"{s['type']}-{s.get('direction', 'higher')}")
def test_raw_for_reaches_the_score(spec: dict) -> None:
    """Scoring the returned raw value (rounded to hundredths, as stored) gives at least the score."""
    scheme = SCHEME.validate_python(spec)
    for current in (0.0, 0.3, 15.0):
        for score in SCORES:
            raw = scheme.raw_for(score, current)
            if raw is None:
                # Only bands can be unreachable, and only above their best score.
                assert spec["type"] == "bands" and score > max(b["score"] for b in spec["bands"])
                continue
            got = float(round2(scheme.apply(np.array([raw]))[0]))
            assert got >= score, (spec, current, score, raw, got)


@pytest.mark.parametrize("direction", ["higher", "lower"])
@pytest.mark.parametrize("peers", [[0.1, 0.3, 0.5, 0.7], [0.3, 0.3, 0.5], [0.0, 1.0], [-2.0, -1.0, 4.0], [5.0]])
def test_raw_for_percentile_reaches_the_score(direction: str, peers: list[float]) -> None:
    """Among its peers, the returned raw value's percentile is at least the score."""
    scheme = PercentileScheme(type="percentile", direction=direction)
    p = np.array(peers)
    for current in (np.nan, -5.0, 0.3):
        for score in SCORES:
            raw = scheme.raw_for(score, current, p)
            if raw is None:
                # Only lower-is-better can be unreachable: it would need a value below zero
                # when no peer is negative.
                assert direction == "lower" and p.min() >= 0
                continue
            got = float(round2(scheme.apply(np.append(p, raw))[-1]))
            assert got >= score, (peers, current, score, raw, got)


# --------------------------------------------------------------------------------------------
# missing: last_value
# --------------------------------------------------------------------------------------------

LAST_VALUE = {
    "active_seat_ratio": {"weight": 3, "scheme": LIN},
    "stickiness": {"weight": 1, "scheme": LIN, "missing": "last_value", "staleness_days": 10},
}
PREVIOUS = pd.DataFrame(
    [
        # a0: the latest stored raw within 10 days is 0.6 from 12-28 (12-30 has no raw; 12-31 is today).
        (dt.date(2022, 12, 25), "a0", "stickiness", 0.3),
        (dt.date(2022, 12, 28), "a0", "stickiness", 0.6),
        (dt.date(2022, 12, 30), "a0", "stickiness", np.nan),
        (DAY, "a0", "stickiness", 0.9),
        # a1: 11 days old -> too stale; another measure's value is not used.
        (dt.date(2022, 12, 20), "a1", "stickiness", 0.5),
        (dt.date(2022, 12, 30), "a1", "active_seat_ratio", 0.99),
        # a2 has data today: its stored value is ignored.
        (dt.date(2022, 12, 30), "a2", "stickiness", 0.1),
        # a3: exactly 10 days old -> still within staleness_days.
        (dt.date(2022, 12, 21), "a3", "stickiness", 0.2),
    ],
    columns=["as_of", "account_id", "measure", "raw"],
)


def test_last_value_golden() -> None:
    """A stored raw value within staleness_days fills a gap; it scores but is not coverage."""
    rows = [
        {"active_seat_ratio": 0.5, "process_coverage": 1.0},
        {"active_seat_ratio": 0.5, "process_coverage": 1.0},
        {"active_seat_ratio": 0.5, "stickiness": 0.4, "process_coverage": 1.0},
        {"active_seat_ratio": 0.5, "process_coverage": 1.0},
    ]
    axes, parts = score_axes(frame(rows), make_model(eng=LAST_VALUE), previous=PREVIOUS)
    # Seat ratio 0.5 -> 50 x 3/4 = 37.50 everywhere it shares with stickiness.
    # a0: 0.6 -> 60 x 1/4 = 15.00 -> 52.50; coverage 3/4 (the last value is not current data).
    s = part(parts, "a0", "engagement", "stickiness")
    assert s["status"] == "missing: last value from 2022-12-28"
    assert (s["score"], s["contribution"]) == (60.0, 15.0)
    # a1: excluded -> seat ratio alone, 50; coverage 3/4.
    assert part(parts, "a1", "engagement", "stickiness")["status"] == "missing: excluded"
    # a2: current data 0.4 -> 40 x 1/4 = 10.00 -> 47.50; coverage 1.
    assert part(parts, "a2", "engagement", "stickiness")["status"] == "data"
    # a3: 0.2 from 12-21 (10 days) -> 20 x 1/4 = 5.00 -> 42.50; coverage 3/4.
    assert part(parts, "a3", "engagement", "stickiness")["status"] == "missing: last value from 2022-12-21"
    assert list(axes["engagement"]) == [52.5, 50.0, 47.5, 42.5]
    assert list(axes["engagement_coverage"]) == [0.75, 0.75, 1.0, 0.75]
    assert_axes_add_up(axes, parts)


# --------------------------------------------------------------------------------------------
# Measure overrides
# --------------------------------------------------------------------------------------------

OVERRIDES = pd.DataFrame(
    [
        (DAY, "a0", "stickiness", 90.0, "pilot in progress"),
        (DAY, "a1", "stickiness", 80.0, "usage not tracked yet"),
        (DAY, "a2", "stickiness", 33.333, "agreed with CSM"),
        (dt.date(2022, 12, 30), "a3", "stickiness", 100.0, "other date"),
    ],
    columns=["as_of", "account_id", "measure", "score", "note"],
)


def test_measure_overrides_golden() -> None:
    """An override replaces the score (and counts as data); the axis is still the sum of contributions."""
    rows = [
        {"active_seat_ratio": 0.5, "stickiness": 0.2, "process_coverage": 1.0},
        {"active_seat_ratio": 0.5, "process_coverage": 1.0},
        {"active_seat_ratio": 0.5, "stickiness": 0.2, "process_coverage": 1.0},
        {"active_seat_ratio": 0.5, "stickiness": 0.2, "process_coverage": 1.0},
    ]
    axes, parts = score_axes(frame(rows), make_model(), overrides=OVERRIDES)
    # a0: stickiness 20 -> override 90: 37.50 + 90 x 1/4 = 22.50 -> 60.00.
    s = part(parts, "a0", "engagement", "stickiness")
    assert s["status"] == "override: pilot in progress"
    assert (s["raw"], s["score"], s["contribution"]) == (0.2, 90.0, 22.5)
    # a1: no stickiness data, override 80 counts: 37.50 + 20.00 = 57.50; coverage 1.
    s = part(parts, "a1", "engagement", "stickiness")
    assert s["status"].startswith("override:") and s["score"] == 80.0
    # a2: 33.333 -> 33.33; 33.33 x 1/4 = 8.3325 -> 8.33: 37.50 + 8.33 = 45.83.
    assert part(parts, "a2", "engagement", "stickiness")["contribution"] == 8.33
    # a3: the override is for 12-30, not 12-31: stickiness 20 x 1/4 = 5.00 -> 42.50.
    assert part(parts, "a3", "engagement", "stickiness")["status"] == "data"
    assert list(axes["engagement"]) == [60.0, 57.5, 45.83, 42.5]
    assert list(axes["engagement_coverage"]) == [1.0, 1.0, 1.0, 1.0]
    assert_axes_add_up(axes, parts)


# --------------------------------------------------------------------------------------------
# Model segments with their own axes
# --------------------------------------------------------------------------------------------

SEGMENTS = [
    {"name": "big", "when": {"seats": {"min": 100}},
     "engagement": {"measures": {"stickiness": {"weight": 1, "scheme": {"type": "linear", "min": 0, "max": 0.5}}}}},
    {"name": "deep", "when": {"arr": {"min": 1}},
     "indispensability": {"measures": {"critical_process_reach": {
         "weight": 1, "scheme": {"type": "linear", "min": 0, "max": 0.8}}}}},
    {"name": "plain", "when": {"seats": {"max": 5}}},  # no axes of its own
]


def test_segment_axes_golden() -> None:
    """Rows are scored with their model segment's axes, the model's where it has none."""
    raw = {"active_seat_ratio": 0.5, "stickiness": 0.2, "process_coverage": 0.7, "critical_process_reach": 0.4}
    order = ["big", "default", "deep", "plain", "big"]
    df = frame([raw | {"model_segment": s} for s in order])
    axes, parts = score_axes(df, make_model(segments=SEGMENTS))
    # default engagement: seat 50 x 3/4 = 37.50 + stickiness 20 x 1/4 = 5.00 -> 42.50.
    # big engagement: stickiness 0.2 on 0 .. 0.5 -> 40.00.
    # default indispensability: coverage 0.7 -> 70.00; deep: reach 0.4 on 0 .. 0.8 -> 50.00.
    assert list(axes["account_id"]) == ["a0", "a1", "a2", "a3", "a4"]
    assert list(axes["engagement"]) == [40.0, 42.5, 42.5, 42.5, 40.0]
    assert list(axes["indispensability"]) == [70.0, 70.0, 50.0, 70.0, 70.0]
    measures = {a: sorted(g["measure"]) for a, g in parts[parts.axis == "engagement"].groupby("account_id")}
    assert measures["a0"] == ["stickiness"]
    assert measures["a1"] == ["active_seat_ratio", "stickiness"]
    ind = {a: sorted(g["measure"]) for a, g in parts[parts.axis == "indispensability"].groupby("account_id")}
    assert ind["a2"] == ["critical_process_reach"] and ind["a3"] == ["process_coverage"]
    assert_axes_add_up(axes, parts)
