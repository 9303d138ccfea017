"""Assertions shared by the engine's golden tests (importable: pytest puts tests/ on the path)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest


def measure_row(df: pd.DataFrame, as_of: dt.date, account_id: str) -> pd.Series:
    """The one measures row of an account on a date."""
    hit = df[(df["as_of"] == as_of) & (df["account_id"] == account_id)]
    assert len(hit) == 1, f"{account_id} on {as_of}: {len(hit)} rows"
    return hit.iloc[0]


def check_measures(row: pd.Series, expected: dict) -> None:
    """Each expected value equals the row's (None: the row's value is null)."""
    for name, want in expected.items():
        got = row[name]
        if want is None:
            assert pd.isna(got), f"{row.account_id} {name}: expected null, got {got}"
        else:
            assert not pd.isna(got), f"{row.account_id} {name}: expected {want}, got null"
            assert got == pytest.approx(want, rel=1e-12, abs=1e-12), f"{row.account_id} {name}: expected {want}, got {got}"
