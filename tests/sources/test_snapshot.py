"""The flat-snapshot adapter: a one-row-per-account table without events, end to end."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from goldpath import Workspace
from goldpath.errors import SourceError
from goldpath.sources.adapters.snapshot import convert

HEADER = ("product_data_storage,product_travel_expense,product_payroll,product_accounting,csat_score,articles_viewed,"
          "smartphone_notifications_viewed,marketing_emails_clicked,social_media_ads_viewed,minutes_customer_support,"
          "company_size,us_region,months_active,churned")
ROWS = [
    "5120,Active,Active,Active,9,8,3,20,1,0.0,100-250,West,10.0,0.0",   # engaged, all modules: green
    "2048,Free-Trial,No,Active,6,4,1,10,1,10.0,10-50,East,4.0,0.0",
    "0,No,No,No,3,0,0,0,0,45.0,1-10,South,2.0,1.0",                     # nothing adopted: red, churned
]


def write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "churn.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def test_snapshot_to_tiers_and_backtest(tmp_path):
    notes = convert(write(tmp_path, ROWS), tmp_path / "ws", dt.date(2024, 1, 31))
    assert notes[0].startswith("1 of 3 accounts churned")
    accounts = pd.read_csv(tmp_path / "ws" / "data" / "accounts.csv")
    # seats from the company size band; contract start months_active before the snapshot
    assert list(accounts["seats"]) == [100, 10, 1]
    assert list(accounts["contract_start"]) == ["2023-03-31", "2023-09-30", "2023-11-30"]
    signals = pd.read_csv(tmp_path / "ws" / "data" / "signals.csv")
    adoption = signals[signals["metric"] == "module_adoption"].set_index("account_id")["value"]
    assert adoption.round(4).to_dict() == {"S00001": 1.0, "S00002": 0.5, "S00003": 0.0}  # (0.5 + 0 + 1) / 3
    with Workspace(tmp_path / "ws") as ws:
        scores = ws.score("2024-01-31").set_index("account_id")
        report = ws.backtest("30d")
    assert scores.loc["S00001", "tier"] == "green" and scores.loc["S00003", "tier"] == "red"
    assert (scores["engagement_coverage"] == 1.0).all()
    assert len(report.rows) == 3 and report.metrics["auc_tier_order"] == 1.0


def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text("company_size,churned\n10-50,0\n")
    with pytest.raises(SourceError, match="missing column"):
        convert(path, tmp_path / "ws")
