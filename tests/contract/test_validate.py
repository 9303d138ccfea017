"""In-engine validation: each kind of bad input is quarantined with file, row, column and expectation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis.expr.datatypes as idt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from goldpath.contract.tables import TABLES
from goldpath.contract.validate import PROBLEM_COLUMNS, Validated, validate
from goldpath.engine.connection import DuckDBEngine, connect
from goldpath.errors import SourceError
from goldpath.sources.readers import ROW, read_raw

ACCOUNTS = "account_id,name,segment,arr,seats,contract_start,renewal_date,parent_id,timezone"
GOOD_ACCOUNT = "A1,Acme,basic,1000,10,2022-01-01,2023-01-01,,Europe/Berlin"
EVENTS = "account_id,user_id,feature,timestamp,event_id,quantity,value"


@pytest.fixture(scope="module")
def con():
    """One in-memory engine for the module (session time zone pinned to UTC)."""
    c = connect(DuckDBEngine(path=":memory:"), Path("."))
    yield c
    c.disconnect()


def _check(con, tmp_path: Path, table: str, header: str, *lines: str, accepted: dict | None = None, name: str | None = None) -> Validated:
    """Write a CSV with ``header`` and ``lines``, read it and validate it as ``table``."""
    path = tmp_path / (name or f"{table}.csv")
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return validate(con, TABLES[table], read_raw(path), accepted or {})


def _accounts(con, tmp_path: Path, *lines: str) -> Validated:
    return _check(con, tmp_path, "accounts", ACCOUNTS, *lines)


def _problems(v: Validated | pd.DataFrame) -> list[dict]:
    return (v if isinstance(v, pd.DataFrame) else v.problems).to_dict("records")


def _accepted_rows(v: Validated) -> list[int]:
    return sorted(v.accepted.to_pandas()[ROW].tolist())


def _account(**cells: str) -> str:
    """One accounts line: the good account with some cells replaced."""
    values = dict(zip(ACCOUNTS.split(","), GOOD_ACCOUNT.split(",")))
    values.update(cells)
    return ",".join(values[c] for c in ACCOUNTS.split(","))


# -- accepted rows ------------------------------------------------------------------------


def test_valid_accounts_are_accepted_with_contract_types(con, tmp_path):
    """Good rows pass with typed columns (float, int64, date, text) and their row numbers."""
    v = _accounts(con, tmp_path, GOOD_ACCOUNT, "A2,Beta,starter,0,5.0,2022-03-01,2022-03-01,A1,")
    assert v.problems.empty
    assert list(v.problems.columns) == PROBLEM_COLUMNS
    assert (v.rows_read, v.rows_quarantined) == (2, 0)
    schema = v.accepted.schema()
    assert schema["arr"] == idt.float64
    assert schema["seats"] == idt.int64
    assert schema["contract_start"] == idt.date and schema["renewal_date"] == idt.date
    assert schema["account_id"] == idt.string and schema["timezone"] == idt.string
    df = v.accepted.to_pandas().sort_values(ROW)
    assert df[ROW].tolist() == [1, 2]
    assert df["arr"].tolist() == [1000.0, 0.0]
    assert df["seats"].tolist() == [10, 5]  # "5.0" is the whole number 5
    assert df["timezone"].tolist()[0] == "Europe/Berlin" and pd.isna(df["timezone"].tolist()[1])
    assert pd.Timestamp(df["renewal_date"].iloc[0]).date() == dt.date(2023, 1, 1)


def test_optional_columns_may_be_absent_from_the_file(con, tmp_path):
    """A file without optional columns is accepted; those columns are null."""
    header = "account_id,name,segment,arr,seats,contract_start,renewal_date"
    v = _check(con, tmp_path, "accounts", header, "A1,Acme,basic,1,1,2022-01-01,2023-01-01")
    df = v.accepted.to_pandas()
    assert len(df) == 1 and df["timezone"].isna().all() and df["parent_id"].isna().all()


# -- header problems ----------------------------------------------------------------------


def test_missing_required_column_is_a_source_error_at_the_header(con, tmp_path):
    """No row can pass without a required column: SourceError naming file, header, column and type."""
    header = ACCOUNTS.replace(",seats", "")
    path = tmp_path / "accounts.csv"
    path.write_text(header + "\nA1,Acme,basic,1000,2022-01-01,2023-01-01,,\n")
    with pytest.raises(SourceError) as info:
        validate(con, TABLES["accounts"], read_raw(path), {})
    err = info.value
    assert (err.file, err.row, err.column) == (str(path), "header", "seats")
    assert "required column is missing" in err.problem
    assert "expected a whole number > 0" in err.problem
    assert "found: account_id, name" in err.problem and "_row" not in err.problem
    assert str(err).startswith(f"{path}, row header, column seats: ")


def test_missing_required_column_in_events(con, tmp_path):
    """The same for events without a timestamp column."""
    path = tmp_path / "events.csv"
    path.write_text("account_id,feature\nA1,add_contact\n")
    with pytest.raises(SourceError, match="column timestamp: required column is missing") as info:
        validate(con, TABLES["events"], read_raw(path), {})
    assert "expected an ISO 8601 timestamp" in info.value.problem


# -- one bad cell per kind ----------------------------------------------------------------
# Each case is one row of a shared file (row = case index + 2, after a good row 1), so the
# file is validated once for all cases; every case still checks its own row's problems.

BAD_CELLS = [
    ("arr", "abc", "expected a number >= 0"),
    ("arr", "-0.01", "expected a number >= 0"),
    ("arr", "NaN", "expected a number >= 0"),
    ("arr", "inf", "expected a number >= 0"),
    ("arr", "1e400", "expected a number >= 0"),
    ("seats", "0", "expected a whole number > 0"),
    ("seats", "-3", "expected a whole number > 0"),
    ("seats", "2.5", "expected a whole number > 0"),
    ("seats", "1e300", "expected a whole number > 0"),
    ("seats", "9223372036854775808", "expected a whole number > 0"),
    ("seats", "ten", "expected a whole number > 0"),
    ("contract_start", "2022-02-30", "expected a date YYYY-MM-DD"),
    ("contract_start", "01/02/2022", "expected a date YYYY-MM-DD"),
    ("contract_start", "infinity", "expected a date YYYY-MM-DD"),
    ("contract_start", "-infinity", "expected a date YYYY-MM-DD"),
    ("contract_start", "epoch", "expected a date YYYY-MM-DD"),
    ("contract_start", "2021-01-01 (BC)", "expected a date YYYY-MM-DD"),
    ("contract_start", "0000-01-01", "expected a date YYYY-MM-DD"),
    ("renewal_date", "99999-01-01", "expected a date YYYY-MM-DD"),
    ("timezone", "Mars/Olympus_Mons", "expected an IANA time zone name such as Europe/Berlin"),
    ("timezone", "europe/berlin", "expected an IANA time zone name such as Europe/Berlin"),
    ("timezone", "localtime", "expected an IANA time zone name such as Europe/Berlin"),
]
REQUIRED = ["account_id", "name", "segment", "arr", "seats", "contract_start", "renewal_date"]


@pytest.fixture(scope="module")
def bad_cells(con, tmp_path_factory):
    """Accounts: a good row 1, then one row per BAD_CELLS case and one per empty required cell."""
    tmp = tmp_path_factory.mktemp("bad_cells")
    rows = [GOOD_ACCOUNT]
    rows += [_account(account_id=f"B{i}", **{column: value}) for i, (column, value, _) in enumerate(BAD_CELLS)]
    rows += [_account(**{"account_id": f"E{i}", column: "  "}) for i, column in enumerate(REQUIRED)]
    return _accounts(con, tmp, *rows), str(tmp / "accounts.csv")


@pytest.mark.parametrize(("case", "column", "value", "problem"), [(i, *c) for i, c in enumerate(BAD_CELLS)], ids=[f"{c}={v}" for c, v, _ in BAD_CELLS])
def test_bad_account_cell_is_quarantined_naming_file_row_column(bad_cells, case, column, value, problem):
    """A cell that does not parse or is out of bounds quarantines its row with exactly one problem."""
    v, file = bad_cells
    row = case + 2
    assert _problems(v.problems[v.problems.row == row]) == [
        {"table": "accounts", "file": file, "row": row, "column": column, "value": value, "problem": problem}
    ]


@pytest.mark.parametrize(("case", "column"), list(enumerate(REQUIRED)), ids=REQUIRED)
def test_empty_required_cell_is_a_missing_value(bad_cells, case, column):
    """An empty (or blank) required cell is quarantined as missing, saying what was expected."""
    v, file = bad_cells
    row = len(BAD_CELLS) + case + 2
    assert _problems(v.problems[v.problems.row == row]) == [
        {"table": "accounts", "file": file, "row": row, "column": column, "value": None,
         "problem": "missing value; expected " + TABLES["accounts"].column(column).expectation()}
    ]


def test_only_the_good_row_of_the_bad_cells_is_accepted(bad_cells):
    """Every bad row is quarantined and counted once; nothing else is lost."""
    v, _ = bad_cells
    assert _accepted_rows(v) == [1]
    assert v.rows_read == 1 + len(BAD_CELLS) + len(REQUIRED)
    assert v.rows_quarantined == len(BAD_CELLS) + len(REQUIRED)


@pytest.fixture(scope="module")
def mixed_accounts(con, tmp_path_factory):
    """Accounts with row-level problems: duplicates, several bad cells, a long value, a short row, dates out of order."""
    tmp = tmp_path_factory.mktemp("mixed")
    v = _accounts(
        con, tmp,
        _account(name="first"),                                                     # 1 accepted
        _account(account_id="A2"),                                                  # 2 accepted
        _account(name="again"),                                                     # 3 duplicate of 1
        _account(name="third"),                                                     # 4 duplicate of 1
        _account(account_id="A5", arr="x", seats="0", timezone="Nowhere"),          # 5 three problems
        _account(account_id="A6", arr="9" * 5000 + "x"),                            # 6 long value
        "A7,too,few",                                                               # 7 malformed
        _account(account_id="A8", contract_start="2022-06-01", renewal_date="2022-05-31"),  # 8 out of order
        _account(account_id="A9", contract_start="2022-06-01", renewal_date="2022-06-01"),  # 9 accepted
        _account(account_id="B1", seats="0"),                                       # 10 bad first row of B1
        _account(account_id="B1", name="second"),                                   # 11 accepted
    )
    return v, str(tmp / "accounts.csv")


def _at(v: Validated, row: int) -> list[dict]:
    return _problems(v.problems[v.problems.row == row])


def test_mixed_accounts_accept_exactly_the_good_rows(mixed_accounts):
    """Rows 1, 2, 9 and 11 pass; the seven others are quarantined and counted once each."""
    v, _ = mixed_accounts
    assert _accepted_rows(v) == [1, 2, 9, 11]
    assert (v.rows_read, v.rows_quarantined) == (11, 7)
    assert set(v.problems["row"]) == {3, 4, 5, 6, 7, 8, 10}


def test_several_problems_in_one_row_count_as_one_quarantined_row(mixed_accounts):
    """Each bad cell of a row is a problem line of its own."""
    v, _ = mixed_accounts
    assert [(p["column"], p["value"], p["problem"]) for p in _at(v, 5)] == [
        ("arr", "x", "expected a number >= 0"),
        ("seats", "0", "expected a whole number > 0"),
        ("timezone", "Nowhere", "expected an IANA time zone name such as Europe/Berlin"),
    ]


def test_long_value_is_cut_in_the_problem(mixed_accounts):
    """The quarantined value is cut to 80 characters so a huge field cannot flood the report."""
    v, _ = mixed_accounts
    [p] = _at(v, 6)
    assert (p["column"], p["value"]) == ("arr", "9" * 80)


def test_duplicate_account_id_quarantines_later_rows_naming_the_first(mixed_accounts):
    """A repeated key keeps its first row; every later one is quarantined with the first row's number."""
    v, file = mixed_accounts
    for row in (3, 4):
        assert _at(v, row) == [
            {"table": "accounts", "file": file, "row": row, "column": "account_id", "value": "A1",
             "problem": "duplicate account_id; first seen at row 1"}
        ]
    names = v.accepted.to_pandas().set_index("account_id")["name"].to_dict()
    assert names["A1"] == "first"


def test_duplicate_of_a_quarantined_row_is_accepted(mixed_accounts):
    """When the first row of a key fails another check, the next valid one is kept."""
    v, _ = mixed_accounts
    assert [p["column"] for p in _at(v, 10)] == ["seats"]
    assert v.accepted.to_pandas().set_index("account_id").loc["B1", "name"] == "second"


def test_renewal_before_contract_start(mixed_accounts):
    """A later date before its earlier one is quarantined, naming the other column and its value; equal is fine."""
    v, file = mixed_accounts
    assert _at(v, 8) == [
        {"table": "accounts", "file": file, "row": 8, "column": "renewal_date", "value": "2022-05-31",
         "problem": "expected a date on or after contract_start (2022-06-01)"}
    ]
    assert _at(v, 9) == []


def test_malformed_rows_are_quarantined_with_the_read_problem(mixed_accounts):
    """Rows the reader kept aside appear in the problems at their row, column ``*``."""
    v, file = mixed_accounts
    assert _at(v, 7) == [
        {"table": "accounts", "file": file, "row": 7, "column": "*", "value": None,
         "problem": "expected 9 fields as in the header, found 3"}
    ]


def test_header_only_file_validates_to_nothing(con, tmp_path):
    """A file with a header and no rows gives no accepted rows and no problems."""
    v = _accounts(con, tmp_path)
    assert (v.rows_read, v.rows_quarantined, v.accepted.count().to_pyarrow().as_py()) == (0, 0, 0)
    assert v.problems.empty and list(v.problems.columns) == PROBLEM_COLUMNS


# -- events, contacts and references ------------------------------------------------------


@pytest.fixture(scope="module")
def accounts_ok(con, tmp_path_factory):
    """Accepted accounts A1 and A2 (A3 is quarantined for zero seats)."""
    v = _accounts(con, tmp_path_factory.mktemp("accounts"), GOOD_ACCOUNT, _account(account_id="A2"), _account(account_id="A3", seats="0"))
    assert _accepted_rows(v) == [1, 2]
    return {"accounts": v.accepted}


BAD_TIMESTAMPS = ["yesterday", "2022-13-01 10:00:00", "2022-01-01 25:00:00", "1641081600", "infinity", "epoch", "2022-01-01 (BC)", "2022-01-01 10:00 EST5EDT"]


@pytest.fixture(scope="module")
def bad_timestamps(con, tmp_path_factory, accounts_ok):
    """Events: a good row 1, then one row per BAD_TIMESTAMPS value."""
    tmp = tmp_path_factory.mktemp("bad_timestamps")
    rows = ["A1,u1,login,2022-01-01 10:00:00,,,"] + [f"A1,u1,login,{value},,," for value in BAD_TIMESTAMPS]
    return _check(con, tmp, "events", EVENTS, *rows, accepted=accounts_ok), str(tmp / "events.csv")


@pytest.mark.parametrize(("case", "value"), list(enumerate(BAD_TIMESTAMPS)), ids=BAD_TIMESTAMPS)
def test_unparsable_event_timestamp(bad_timestamps, case, value):
    """A timestamp that does not parse (or is not a real instant) is quarantined with the expected form."""
    v, file = bad_timestamps
    row = case + 2
    assert _problems(v.problems[v.problems.row == row]) == [
        {"table": "events", "file": file, "row": row, "column": "timestamp", "value": value,
         "problem": "expected an ISO 8601 timestamp (YYYY-MM-DD HH:MM:SS, optional offset; UTC if none)"}
    ]


def test_only_the_good_event_of_the_bad_timestamps_is_accepted(bad_timestamps):
    """Nothing but row 1 passes, and every bad row is counted."""
    v, _ = bad_timestamps
    assert _accepted_rows(v) == [1]
    assert v.rows_quarantined == len(BAD_TIMESTAMPS)


def test_event_references_and_bounds(con, tmp_path, accounts_ok):
    """Unknown (or quarantined) accounts, a missing account and a negative quantity are each one problem."""
    v = _check(
        con, tmp_path, "events", EVENTS,
        "A1,u1,login,2022-01-01 10:00:00,,,-5",      # 1 accepted: value (money) may be negative
        "ZZ,u1,login,2022-01-01 10:00:00,,,",        # 2 unknown account
        "A3,u1,login,2022-01-01 10:00:00,,,",        # 3 account quarantined in accounts
        ",u1,login,2022-01-01 10:00:00,,,",          # 4 missing account: not also an unknown reference
        "Z" * 500 + ",u1,login,2022-01-01,,,",       # 5 unknown, value cut to 80 characters
        "A2,u1,login,2022-01-01,,-1,",               # 6 quantity below 0
        accepted=accounts_ok,
    )
    file = str(tmp_path / "events.csv")
    unknown = "unknown account_id; expected an id present in accounts"
    assert _problems(v) == [
        {"table": "events", "file": file, "row": 2, "column": "account_id", "value": "ZZ", "problem": unknown},
        {"table": "events", "file": file, "row": 3, "column": "account_id", "value": "A3", "problem": unknown},
        {"table": "events", "file": file, "row": 4, "column": "account_id", "value": None, "problem": "missing value; expected text"},
        {"table": "events", "file": file, "row": 5, "column": "account_id", "value": "Z" * 80, "problem": unknown},
        {"table": "events", "file": file, "row": 6, "column": "quantity", "value": "-1", "problem": "expected a number >= 0"},
    ]
    assert _accepted_rows(v) == [1]


UTC_CASES = [
    ("2022-01-01T23:30:00-05:00", "2022-01-02 04:30:00"),
    ("2022-01-01 23:30:00-0500", "2022-01-02 04:30:00"),
    ("2022-01-02T04:30:00Z", "2022-01-02 04:30:00"),
    ("2022-01-02 04:30:00", "2022-01-02 04:30:00"),
    ("2022-01-02T10:00:00+05:30", "2022-01-02 04:30:00"),
    ("2022-01-02T04:30:00.250+00:00", "2022-01-02 04:30:00.250"),
    ("2022-01-02", "2022-01-02 00:00:00"),
]


@pytest.fixture(scope="module")
def utc_events(con, tmp_path_factory, accounts_ok):
    """Events, one row per UTC_CASES text, with quantity and value."""
    rows = [f"A1,u{i},login,{text},e{i},2,9.5" for i, (text, _) in enumerate(UTC_CASES)] + ["A2,,login,2022-01-01 11:00:00,,,"]
    v = _check(con, tmp_path_factory.mktemp("utc"), "events", EVENTS, *rows, accepted=accounts_ok)
    assert v.problems.empty
    return v


@pytest.mark.parametrize(("case", "text", "utc"), [(i, *c) for i, c in enumerate(UTC_CASES)], ids=[t for t, _ in UTC_CASES])
def test_timestamps_with_offsets_are_converted_to_utc(utc_events, case, text, utc):
    """Offsets are applied and dropped; text without one is already UTC."""
    df = utc_events.accepted.to_pandas().set_index(ROW)
    assert df.loc[case + 1, "timestamp"] == pd.Timestamp(utc)


def test_accepted_events_keep_contract_types(utc_events):
    """Accepted events have text ids, a naive (UTC) timestamp and float quantity and value."""
    schema = utc_events.accepted.schema()
    assert schema["timestamp"].is_timestamp() and schema["timestamp"].timezone is None
    assert schema["quantity"] == idt.float64 and schema["value"] == idt.float64
    assert schema["user_id"] == idt.string and schema["event_id"] == idt.string and schema[ROW] == idt.int64
    df = utc_events.accepted.to_pandas().sort_values(ROW)
    assert df["quantity"].tolist()[0] == 2.0 and pd.isna(df["quantity"].tolist()[-1])
    assert df["value"].tolist()[0] == 9.5
    assert df["user_id"].tolist()[0] == "u0" and pd.isna(df["user_id"].tolist()[-1])


@pytest.mark.parametrize("tz", ["America/New_York", "+05:30"])
def test_parquet_timestamps_with_a_zone_arrive_in_utc(con, tmp_path, accounts_ok, tz):
    """A zoned Parquet timestamp is stored as the same instant in UTC."""
    path = tmp_path / "events.parquet"
    instant = dt.datetime(2022, 1, 2, 4, 30, 15, tzinfo=dt.timezone.utc)
    pq.write_table(pa.table({
        "account_id": ["A1"], "feature": ["login"], "timestamp": pa.array([instant], pa.timestamp("us", tz=tz)),
    }), path)
    v = validate(con, TABLES["events"], read_raw(path), accounts_ok)
    assert v.problems.empty
    assert v.accepted.to_pandas()["timestamp"].tolist() == [pd.Timestamp("2022-01-02 04:30:15")]


def test_parquet_naive_nanosecond_timestamps_are_taken_as_utc(con, tmp_path, accounts_ok):
    """A naive Parquet timestamp (pandas' default nanoseconds) is read as UTC wall-clock time."""
    path = tmp_path / "events.parquet"
    ts = pa.array([dt.datetime(2022, 1, 2, 4, 30, 15, 123456)], pa.timestamp("ns"))
    pq.write_table(pa.table({"account_id": ["A1"], "feature": ["login"], "timestamp": ts}), path)
    v = validate(con, TABLES["events"], read_raw(path), accounts_ok)
    assert v.accepted.to_pandas()["timestamp"].tolist() == [pd.Timestamp("2022-01-02 04:30:15.123456")]


CONTACTS = "contact_id,account_id,name,role,joined,left"


def test_bad_contact_role(con, tmp_path, accounts_ok):
    """A role outside the contract's choices (case and spaces matter) is quarantined, listing the allowed roles."""
    v = _check(
        con, tmp_path, "contacts", CONTACTS,
        "C1,A1,Ann,finance,2021-01-01,", "C2,A1,Bob,ceo,,", "C3,A1,Cy,Finance,,", 'C4,A1,Di,"spon sor",,',
        accepted=accounts_ok,
    )
    assert _problems(v) == [
        {"table": "contacts", "file": str(tmp_path / "contacts.csv"), "row": row, "column": "role", "value": role,
         "problem": "expected one of team, sponsor, stakeholder, finance"}
        for row, role in [(2, "ceo"), (3, "Finance"), (4, "spon sor")]
    ]
    assert _accepted_rows(v) == [1]


def test_contact_left_before_joining(con, tmp_path, accounts_ok):
    """``left`` before ``joined`` is out of order; either one alone is fine."""
    v = _check(
        con, tmp_path, "contacts", CONTACTS,
        "C1,A1,Ann,team,2022-05-01,2022-04-30", "C2,A1,Bob,team,,2022-04-30", "C3,A1,Cy,team,2022-05-01,",
        accepted=accounts_ok,
    )
    assert [(p["row"], p["column"], p["problem"]) for p in _problems(v)] == [
        (1, "left", "expected a date on or after joined (2022-05-01)")
    ]
    assert _accepted_rows(v) == [2, 3]


def test_composite_key_duplicate_names_both_columns(con, tmp_path):
    """A repeated (process, segment) pair names both key columns and both values."""
    v = _check(con, tmp_path, "process_criticality", "process,segment,criticality", "p,*,5", "p,basic,4", "p,*,3")
    assert [(p["row"], p["column"], p["value"], p["problem"]) for p in _problems(v)] == [
        (3, "process+segment", "p / *", "duplicate process+segment; first seen at row 1")
    ]


def test_typed_parquet_times_are_accepted_as_the_same_utc_values_as_text(con, tmp_path):
    """Parquet timestamps (naive = UTC, or zoned) and dates skip text parsing but end up as from CSV."""
    accounts = _accounts(con, tmp_path, GOOD_ACCOUNT)
    stamps = ["2022-03-01 10:00:00", "2022-03-01 23:30:05+02:00", "2022-03-02 00:00:00"]
    text = _check(con, tmp_path, "events", "account_id,user_id,feature,timestamp",
                  *[f"A1,u1,f,{s}" for s in stamps], accepted={"accounts": accounts.accepted})
    utc = [pd.Timestamp(s).tz_localize("UTC") if pd.Timestamp(s).tzinfo is None else pd.Timestamp(s).tz_convert("UTC")
           for s in stamps]
    for ts in (pa.array([t.tz_localize(None).to_pydatetime() for t in utc], pa.timestamp("ms")),
               pa.array([t.to_pydatetime() for t in utc], pa.timestamp("us", tz="Asia/Tokyo"))):
        path = tmp_path / "events.parquet"
        pq.write_table(pa.table({"account_id": ["A1"] * 3, "user_id": ["u1"] * 3, "feature": ["f"] * 3, "timestamp": ts}), path)
        typed = validate(con, TABLES["events"], read_raw(path), {"accounts": accounts.accepted})
        assert typed.problems.empty
        got = typed.accepted.to_pandas().sort_values(ROW)["timestamp"].tolist()
        assert got == text.accepted.to_pandas().sort_values(ROW)["timestamp"].tolist()
    path = tmp_path / "accounts.parquet"
    pq.write_table(pa.table({**{c: [v] for c, v in zip(ACCOUNTS.split(","), GOOD_ACCOUNT.split(","))},
                             "contract_start": pa.array([dt.date(2022, 1, 1)]), "parent_id": pa.array([None], pa.string())}), path)
    typed = validate(con, TABLES["accounts"], read_raw(path), {})
    assert typed.problems.empty
    assert typed.accepted.to_pandas()["contract_start"].tolist() == accounts.accepted.to_pandas()["contract_start"].tolist()
