"""Workspace.load: accepted rows and the quarantine are stored; an unreadable file changes nothing."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd
import pytest

from goldpath.errors import SourceError
from goldpath.workspace import LoadReport, Workspace

CONFIG = """\
name: load-test
engine: {type: duckdb, path: store.duckdb}
model: model.yaml
sources:
  accounts: data/accounts.csv
  events: data/events.csv.gz
  process_features: data/process_features.csv
  process_criticality: {path: data/criticality.csv, columns: {criticality: weight}}
"""

ACCOUNTS = """\
account_id,name,segment,arr,seats,contract_start,renewal_date,parent_id,timezone
A1,Acme,basic,12000,10,2022-01-01,2023-01-01,,Europe/Berlin
A2,Beta,starter,abc,5,2022-01-01,2023-01-01,,
A3,Gamma,starter,6000,0,2022-01-01,2023-01-01,,
A4,Delta,basic,8000,8,2022-01-01,2023-01-01,,America/New_York
A1,Acme again,basic,1,1,2022-01-01,2023-01-01,,
A5,too,few
A6,,basic,100,1,2022-01-01,2023-01-01,,
"""

EVENTS = """\
account_id,user_id,feature,timestamp
A1,u1,add_contact,2022-01-03T23:30:00-05:00
A1,u2,add_lead,2022-01-04 09:00:00
A2,u1,add_contact,2022-01-04 09:00:00
A4,u7,add_contact,not a time
A4,u7,add_contact,2022-01-04 09:00:00
A4,u7,add_contact,2022-01-04 09:00:00
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, example_model_text: str) -> tuple[Path, LoadReport]:
    """A workspace with the example model and small CSVs (some rows bad), loaded once."""
    root = tmp_path_factory.mktemp("workspace")
    (root / "goldpath.yaml").write_text(CONFIG)
    (root / "model.yaml").write_text(example_model_text)
    data = root / "data"
    data.mkdir()
    (data / "accounts.csv").write_text(ACCOUNTS)
    (data / "events.csv.gz").write_bytes(gzip.compress(EVENTS.encode()))
    (data / "process_features.csv").write_text("feature,process\nadd_contact,contact_management\nadd_lead,lead_management\n")
    (data / "criticality.csv").write_text("process,segment,weight\ncontact_management,*,5\nlead_management,*,4\n")
    with Workspace(root) as ws:
        report = ws.load()
    return root, report


def _stored(root: Path) -> dict[str, pd.DataFrame]:
    """Every table persisted in the workspace store, read through a fresh connection."""
    with Workspace(root) as ws:
        names = sorted(n for n in ws.con.list_tables() if not n.startswith("_"))
        return {n: ws.con.table(n).to_pandas() for n in names}


def test_load_stores_accepted_rows_and_the_quarantine(loaded):
    """Good rows go to the input tables; every bad row is in the quarantine with file, row and column."""
    workspace, report = loaded

    log = report.log.set_index("table")
    assert log.loc["accounts", ["file", "rows_read", "rows_accepted", "rows_quarantined"]].tolist() == ["data/accounts.csv", 7, 2, 5]
    assert log.loc["events", ["file", "rows_read", "rows_accepted", "rows_quarantined", "duplicates_dropped"]].tolist() == [
        "data/events.csv.gz", 6, 4, 2, 1,
    ]
    assert log.loc["process_criticality", ["rows_read", "rows_accepted"]].tolist() == [2, 2]

    stored = _stored(workspace)
    assert {"input_accounts", "input_process_features", "input_process_criticality", "quarantine", "load_log", "daily_usage"} <= set(stored)
    # Accepted events are not copied into the store: the daily fact is all that reads them.
    assert "input_events" not in stored
    accounts = stored["input_accounts"].sort_values("_row")
    assert accounts[["_row", "account_id", "name"]].values.tolist() == [[1, "A1", "Acme"], [4, "A4", "Delta"]]
    assert accounts["seats"].tolist() == [10, 8]
    fact = stored["daily_usage"].sort_values(["account_id", "user_id"])
    assert fact[["account_id", "user_id", "feature", "events"]].values.tolist() == [
        ["A1", "u1", "add_contact", 1], ["A1", "u2", "add_lead", 1], ["A4", "u7", "add_contact", 1],  # rows 5, 6: one event
    ]
    assert [str(d)[:10] for d in fact["day"]] == ["2022-01-04"] * 3
    assert stored["input_process_criticality"].sort_values("_row")["criticality"].tolist() == [5.0, 4.0]

    quarantine = stored["quarantine"]
    got = sorted(quarantine[["table", "file", "row", "column"]].itertuples(index=False, name=None))
    assert got == sorted([
        ("accounts", "data/accounts.csv", 2, "arr"),
        ("accounts", "data/accounts.csv", 3, "seats"),
        ("accounts", "data/accounts.csv", 5, "account_id"),
        ("accounts", "data/accounts.csv", 6, "*"),
        ("accounts", "data/accounts.csv", 7, "name"),
        ("events", "data/events.csv.gz", 3, "account_id"),
        ("events", "data/events.csv.gz", 4, "timestamp"),
    ])
    problems = dict(zip(zip(quarantine["table"], quarantine["row"]), quarantine["problem"]))
    assert problems["accounts", 5] == "duplicate account_id; first seen at row 1"
    # the event's account was itself quarantined (accounts row 2): the message points there
    assert problems["events", 3] == "account_id was quarantined in accounts (row 2); fix that row"
    assert len(report.problems) == len(quarantine)


def test_quarantine_keeps_missing_values_missing(loaded):
    """A quarantined empty cell is stored as NULL, not as the text 'None'."""
    quarantine = _stored(loaded[0])["quarantine"].set_index(["table", "row"])
    assert pd.isna(quarantine.loc[("accounts", 7), "value"])


def _garbage_events(root: Path) -> None:
    (root / "data" / "events.csv.gz").write_bytes(b"\x1f\x8b\x08 definitely not a gzip stream " * 20)


def _events_without_timestamp(root: Path) -> None:
    text = "account_id,user_id,feature\nA1,u1,add_contact\nA4,u7,add_lead\n"
    (root / "data" / "events.csv.gz").write_bytes(gzip.compress(text.encode()))


@pytest.mark.parametrize(
    ("breaker", "message"),
    [
        (_garbage_events, r"^data/events\.csv\.gz: cannot read the file"),
        (_events_without_timestamp, r"^data/events\.csv\.gz, row header, column timestamp: required column is missing"),
    ],
    ids=["garbage-gz", "missing-required-column"],
)
def test_unreadable_file_stops_the_load_and_keeps_the_store(loaded, tmp_path, breaker, message):
    """After a good load, a second load with an unreadable file raises SourceError and changes no stored table."""
    workspace = tmp_path / "copy"
    shutil.copytree(loaded[0], workspace)  # the store of the good load, closed
    before = _stored(workspace)
    assert len(before["input_accounts"]) == 2 and len(before["daily_usage"]) == 3

    # New, different accounts make sure a partial write would show.
    (workspace / "data" / "accounts.csv").write_text(ACCOUNTS.replace("A1,Acme,basic,12000", "A1,Renamed,basic,99"))
    breaker(workspace)
    with Workspace(workspace) as ws, pytest.raises(SourceError, match=message):
        ws.load()

    after = _stored(workspace)
    assert sorted(after) == sorted(before)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame, obj=name)


def test_load_check_and_scoring_leave_no_temporary_tables(loaded, tmp_path):
    """Raw rows, accepted rows, duplicates and the measures' window spans are released when
    done: a long process (a server, a history of many batches) does not keep every
    intermediate table in memory."""
    root = Path(shutil.copytree(loaded[0], tmp_path / "again"))

    def temporary(ws: Workspace) -> list[str]:
        return [r[0] for r in ws.con.raw_sql("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()]

    with Workspace(root) as ws:
        ws.load()
        assert temporary(ws) == []
        ws.check()
        assert temporary(ws) == []
        ws.score_history("2022-01-10", "2022-01-31", "7d", load=False)
        assert temporary(ws) == []
