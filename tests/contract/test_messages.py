"""Messages that point at the real problem: quarantined references, mappings, separators, bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldpath.contract.tables import TABLES
from goldpath.contract.validate import validate
from goldpath.engine.connection import DuckDBEngine, connect
from goldpath.errors import SourceError
from goldpath.sources.readers import read_raw

ACCOUNTS = """account_id,name,segment,arr,seats,contract_start,renewal_date
A1,Acme,smb,100,5,2022-01-01,2023-01-01
A2,Beta,smb,100,5,2022-13-01,2023-01-01
"""
EVENTS = """account_id,user_id,feature,timestamp
A1,u1,f,2022-02-01 10:00:00
A2,u1,f,2022-02-01 10:00:00
A9,u1,f,2022-02-01 10:00:00
"""


@pytest.fixture()
def con():
    c = connect(DuckDBEngine(path=":memory:"), Path("."))
    yield c
    c.disconnect()


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_reference_to_a_quarantined_row_names_that_row(con, tmp_path):
    acc = validate(con, TABLES["accounts"], read_raw(write(tmp_path, "a.csv", ACCOUNTS)), {})
    ev = validate(
        con, TABLES["events"], read_raw(write(tmp_path, "e.csv", EVENTS)),
        {"accounts": acc.accepted}, {"accounts": acc.rejected},
    )
    by_row = dict(zip(ev.problems["row"], ev.problems["problem"]))
    assert by_row[2] == "account_id was quarantined in accounts (row 2); fix that row"
    assert by_row[3] == "unknown account_id; expected an id present in accounts"


def test_column_mapping_to_a_missing_column(tmp_path):
    with pytest.raises(SourceError) as info:
        read_raw(write(tmp_path, "e.csv", EVENTS), columns={"feature": "event_nam"})
    msg = str(info.value)
    assert "maps feature to column 'event_nam', which the file does not have" in msg
    assert "its columns: account_id, user_id, feature, timestamp" in msg


def test_semicolon_separated_file_gets_a_hint(con, tmp_path):
    with pytest.raises(SourceError, match="the header contains ';'"):
        validate(con, TABLES["accounts"], read_raw(write(tmp_path, "a.csv", ACCOUNTS.replace(",", ";"))), {})


def test_missing_file_names_the_full_path(tmp_path):
    with pytest.raises(SourceError, match=f"looked for {tmp_path}"):
        read_raw(tmp_path / "nope.csv", label="nope.csv")


def test_criticality_above_five_is_quarantined(con, tmp_path):
    text = "process,segment,criticality\npipeline,*,5\npayroll,*,7\n"
    v = validate(con, TABLES["process_criticality"], read_raw(write(tmp_path, "c.csv", text)), {})
    assert v.problems[["row", "column", "problem"]].values.tolist() == [
        [2, "criticality", "expected a number >= 0 and <= 5"]
    ]
