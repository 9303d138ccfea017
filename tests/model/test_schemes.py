"""Golden values for every scheme, computed by hand."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from goldpath.model.schemes import Scheme

parse = TypeAdapter(Scheme).validate_python


def scores(spec: dict, raw: list[float]) -> list[float]:
    out = parse(spec).apply(np.array(raw, dtype=float))
    return [None if np.isnan(x) else round(float(x), 6) for x in out]


def test_linear_higher_is_better_clamps_both_ends():
    # min 0.2 -> 0, max 0.9 -> 100: 0.55 is half way -> 50; 0.7 -> (0.5/0.7)*100 = 71.428571
    assert scores({"type": "linear", "min": 0.2, "max": 0.9}, [0.1, 0.2, 0.55, 0.7, 0.9, 1.5]) == [
        0.0, 0.0, 50.0, 71.428571, 100.0, 100.0,
    ]


def test_linear_lower_is_better():
    # open tickets: 0 -> 100, 10 -> 0; 2 -> 80; 12 -> clamped 0
    assert scores({"type": "linear", "min": 0, "max": 10, "direction": "lower"}, [0, 2, 10, 12]) == [100.0, 80.0, 0.0, 0.0]


def test_linear_nan_stays_missing():
    assert scores({"type": "linear", "min": 0, "max": 1}, [float("nan")]) == [None]


def test_bands_step_at_each_lower_edge():
    spec = {
        "type": "bands",
        "bands": [{"max": 0.2, "score": 0}, {"min": 0.2, "max": 0.4, "score": 40}, {"min": 0.4, "score": 100}],
    }
    # [..0.2) -> 0, [0.2..0.4) -> 40, [0.4..) -> 100; edges belong to the band above.
    assert scores(spec, [-5, 0.19, 0.2, 0.39, 0.4, 7, float("nan")]) == [0.0, 0.0, 40.0, 40.0, 100.0, 100.0, None]


def test_bands_closed_ends_clamp_to_nearest_band():
    spec = {"type": "bands", "bands": [{"min": 0, "max": 1, "score": 10}, {"min": 1, "max": 2, "score": 90}]}
    assert scores(spec, [-1, 0.5, 1.5, 3]) == [10.0, 10.0, 90.0, 90.0]


@pytest.mark.parametrize(
    "bands, message",
    [
        ([{"max": 1, "score": 0}, {"min": 2, "score": 50}], "gap between band 1"),
        ([{"max": 2, "score": 0}, {"min": 1, "score": 50}], "overlaps band 2"),
        ([{"score": 0}, {"min": 1, "score": 50}], "only the first band may omit min"),
        ([{"min": 3, "max": 3, "score": 0}], "band 1 is empty"),
        ([{"min": 0, "score": 120}], "less than or equal to 100"),
    ],
)
def test_bands_validation(bands, message):
    with pytest.raises(ValidationError, match=message):
        parse({"type": "bands", "bands": bands})


def test_target_ratio():
    # target 20: 5 -> 25, 20 -> 100, 30 -> clamped 100
    assert scores({"type": "target", "target": 20}, [0, 5, 20, 30]) == [0.0, 25.0, 100.0, 100.0]
    # lower is better, target 4 hours: 8 -> 4/8 = 50, 2 -> clamped 100, 0 -> 100
    assert scores({"type": "target", "target": 4, "direction": "lower"}, [8, 2, 0]) == [50.0, 100.0, 100.0]


def test_log_scheme():
    # min 0, max 99: log1p(99) = ln 100; raw 9 -> ln 10 / ln 100 = 0.5 -> 50
    assert scores({"type": "log", "min": 0, "max": 99}, [0, 9, 99, 1000]) == [0.0, 50.0, 100.0, 100.0]


def test_linear_needs_max_above_min():
    with pytest.raises(ValidationError, match="max > min"):
        parse({"type": "linear", "min": 1, "max": 1})


def test_unknown_scheme_type_is_rejected():
    with pytest.raises(ValidationError, match="linear"):
        parse({"type": "sigmoid"})
