"""Dataframes as sources through the Python API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from goldpath import Workspace
from goldpath.errors import GoldpathError
from goldpath.sources.readers import ROW, read_frame

MODEL = (Path(__file__).resolve().parents[2] / "examples" / "crm" / "model.yaml").read_text()


def test_read_frame_numbers_rows_and_keeps_timestamps_typed():
    df = pd.DataFrame({"account_id": ["A1", " A2 "], "timestamp": pd.to_datetime(["2022-03-01 10:00", "2022-03-02 11:30"]),
                       "seats": [3, None]})
    raw = read_frame(df, "<accounts dataframe>")
    t = raw.table
    assert t.column(ROW).to_pylist() == [1, 2]
    assert t.column("account_id").to_pylist() == ["A1", "A2"]
    # Typed timestamps stay typed (validation takes them as they are, as UTC)
    assert pa.types.is_timestamp(t.schema.field("timestamp").type)
    assert [str(v)[:19] for v in t.column("timestamp").to_pylist()] == ["2022-03-01 10:00:00", "2022-03-02 11:30:00"]
    assert t.column("seats").to_pylist() == ["3", None]
    same = read_frame(pa.Table.from_pandas(df, preserve_index=False), "x")
    assert same.table.column("timestamp").to_pylist() == t.column("timestamp").to_pylist()


def test_workspace_scores_dataframes_without_files(tmp_path):
    (tmp_path / "model.yaml").write_text(MODEL)
    (tmp_path / "goldpath.yaml").write_text("model: model.yaml\n")
    accounts = pd.DataFrame({
        "account_id": ["A1", "A2"], "name": ["Acme", "Beta"], "segment": ["basic", "basic"], "arr": [1000.0, 2000.0],
        "seats": [2, 0], "contract_start": ["2022-01-01", "2022-01-01"], "renewal_date": ["2023-01-01", "2023-01-01"],
    })
    days = pd.date_range("2022-02-01", "2022-02-28", freq="D")
    events = pd.DataFrame([
        {"account_id": "A1", "user_id": u, "feature": f, "timestamp": d + pd.Timedelta(hours=12)}
        for d in days for u in ("u1", "u2") for f in ("add_contact", "meeting")
    ])
    frames = {
        "accounts": accounts, "events": events,
        "process_features": pd.DataFrame({"feature": ["add_contact", "meeting"], "process": ["contacts", "meetings"]}),
        "process_criticality": pa.table({"process": ["contacts", "meetings"], "segment": ["*", "*"],
                                         "criticality": [5.0, 4.0]}),
    }
    with Workspace(tmp_path, frames=frames) as ws:
        report = ws.load()
        scores = ws.score(dt.date(2022, 2, 28), load=False)
    problems = report.problems
    assert problems[["file", "row", "column"]].values.tolist() == [["<accounts dataframe>", 2, "seats"]]
    assert list(scores["account_id"]) == ["A1"] and scores["engagement"].iloc[0] > 0


def test_unknown_frame_name(tmp_path):
    (tmp_path / "goldpath.yaml").write_text("model: model.yaml\n")
    with pytest.raises(GoldpathError, match="unknown table"):
        Workspace(tmp_path, frames={"eventz": pd.DataFrame()})
