"""Reading source files as text columns: formats, encodings, malformed rows and unreadable files."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldpath.errors import SourceError
from goldpath.sources.readers import ROW, RawTable, _arrow_as_raw, detect_format, read_raw

HEADER = "account_id,name,arr"


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _rows(raw: RawTable) -> list[dict]:
    return raw.to_arrow().to_pylist()


def _read_or_source_error(path: Path) -> RawTable | None:
    """Read ``path``; a SourceError must name the file, any other exception fails the test."""
    try:
        return read_raw(path)
    except SourceError as exc:
        assert exc.file == str(path)
        assert str(path) in str(exc)
        return None


# -- formats ------------------------------------------------------------------------------


def test_plain_csv_reads_text_columns_with_row_numbers(tmp_path):
    """Every column is text and ``_row`` counts records from 1 after the header."""
    raw = read_raw(_write(tmp_path / "a.csv", f"{HEADER}\nA1,Acme,100\nA2,Beta,2.5\n"))
    assert raw.file == str(tmp_path / "a.csv")
    assert raw.table.column_names == ["account_id", "name", "arr", ROW]
    assert raw.table.schema.field("arr").type == pa.string()
    assert raw.table.schema.field(ROW).type == pa.int64()
    assert _rows(raw) == [
        {"account_id": "A1", "name": "Acme", "arr": "100", ROW: 1},
        {"account_id": "A2", "name": "Beta", "arr": "2.5", ROW: 2},
    ]
    assert raw.malformed == []


def test_gzipped_csv_reads_like_plain(tmp_path):
    """A ``.csv.gz`` file gives the same table as the plain file."""
    text = f"{HEADER}\nA1,Acme,100\nA2,Beta,7\n"
    plain = read_raw(_write(tmp_path / "a.csv", text))
    zipped = read_raw(_write(tmp_path / "a.csv.gz", gzip.compress(text.encode())))
    assert zipped.table.equals(plain.table)


def test_tab_separated_keeps_commas_inside_values(tmp_path):
    """A tab-separated file is detected from its header; commas stay inside values."""
    raw = read_raw(_write(tmp_path / "a.tsv", "account_id\tname\tarr\nA1\tSmith, Jones & Co\t1,5\n"))
    assert _rows(raw) == [{"account_id": "A1", "name": "Smith, Jones & Co", "arr": "1,5", ROW: 1}]


def test_crlf_and_cr_only_line_endings(tmp_path):
    """Windows (CRLF) and old Mac (CR only) line endings read as the same records."""
    expected = [{"account_id": "A1", "name": "Acme", "arr": "1", ROW: 1}, {"account_id": "A2", "name": "Beta", "arr": "2", ROW: 2}]
    for ending in ("\r\n", "\r"):
        text = ending.join([HEADER, "A1,Acme,1", "A2,Beta,2", ""])
        assert _rows(read_raw(_write(tmp_path / "a.csv", text))) == expected


def test_utf8_bom_is_not_part_of_the_first_column_name(tmp_path):
    """A UTF-8 byte order mark (as written by Excel) is dropped from the header."""
    raw = read_raw(_write(tmp_path / "a.csv", b"\xef\xbb\xbf" + f"{HEADER}\nA1,Caf\u00e9,1\n".encode()))
    assert raw.table.column_names[0] == "account_id"
    assert _rows(raw)[0]["name"] == "Caf\u00e9"


def test_quoted_fields_keep_commas_quotes_and_newlines(tmp_path):
    """RFC 4180 quoting: commas, doubled quotes and line breaks inside quotes are values."""
    text = f'{HEADER}\nA1,"Smith, Jones","1"\nA2,"say ""hi""\nthen go",2\nA3,Gamma,3\n'
    raw = read_raw(_write(tmp_path / "a.csv", text))
    assert [r["name"] for r in _rows(raw)] == ["Smith, Jones", 'say "hi"\nthen go', "Gamma"]
    assert raw.table.column(ROW).to_pylist() == [1, 2, 3]


def test_whitespace_is_trimmed_and_empty_cells_are_null(tmp_path):
    """Surrounding spaces are trimmed from values and names; blank or empty-quoted cells are null."""
    raw = read_raw(_write(tmp_path / "a.csv", ' account_id , name ,arr\n  A1 ,   ,""\n'))
    assert _rows(raw) == [{"account_id": "A1", "name": None, "arr": None, ROW: 1}]


def test_null_like_words_stay_text(tmp_path):
    """Only an empty cell is missing: NA (North America), N/A, null and NaN are values as written."""
    raw = read_raw(_write(tmp_path / "a.csv", 'account_id,name,arr\nNA,null,NaN\n"N/A",#N/A,""\n'))
    assert _rows(raw) == [
        {"account_id": "NA", "name": "null", "arr": "NaN", ROW: 1},
        {"account_id": "N/A", "name": "#N/A", "arr": None, ROW: 2},
    ]


def test_column_mapping_renames_file_columns_to_contract_names(tmp_path):
    """``columns`` maps contract names to the file's names; other columns keep theirs."""
    raw = read_raw(_write(tmp_path / "a.csv", "acct,name\nA1,Acme\n"), columns={"account_id": "acct"})
    assert raw.table.column_names == ["account_id", "name", ROW]


def test_label_names_the_file_in_messages(tmp_path):
    """``label`` replaces the path in RawTable.file and in errors."""
    raw = read_raw(_write(tmp_path / "a.csv", f"{HEADER}\nA1,Acme,1\n"), label="data/a.csv")
    assert raw.file == "data/a.csv"
    with pytest.raises(SourceError, match=r"^data/missing\.csv: file not found"):
        read_raw(tmp_path / "missing.csv", label="data/missing.csv")


def test_detect_format_from_extension():
    """Extensions choose the reader; an unknown one is a SourceError naming the file."""
    assert detect_format(Path("x/EVENTS.CSV.GZ")) == "csv"
    assert detect_format(Path("a.tsv")) == "csv"
    assert detect_format(Path("a.pq")) == "parquet"
    with pytest.raises(SourceError, match=r"a\.xlsx: unknown file type"):
        detect_format(Path("a.xlsx"))


# -- malformed records --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "found"),
    [("A2,Beta", 2), ("A2,Beta,2,extra", 4), ("   ", 1)],
    ids=["too-few", "too-many", "whitespace-only"],
)
def test_malformed_row_is_kept_aside_with_its_row_number(tmp_path, bad, found):
    """A record with the wrong field count is reported at its row; later rows keep their numbers."""
    text = f"{HEADER}\nA1,Acme,1\n{bad}\nA3,Gamma,3\nA4,Delta,4\n"
    raw = read_raw(_write(tmp_path / "a.csv", text))
    assert raw.malformed == [(2, f"expected 3 fields as in the header, found {found}")]
    assert [(r["account_id"], r[ROW]) for r in _rows(raw)] == [("A1", 1), ("A3", 3), ("A4", 4)]


def test_several_malformed_rows_including_first_and_last(tmp_path):
    """Malformed rows at the start, middle and end: good rows are numbered around them."""
    text = f"{HEADER}\nx\nA2,B,2\ny,y\nA4,D,4\nA5,E,5\nz,z,z,z\n"
    raw = read_raw(_write(tmp_path / "a.csv", text))
    assert [m[0] for m in raw.malformed] == [1, 3, 6]
    assert raw.table.column(ROW).to_pylist() == [2, 4, 5]
    assert raw.table.column("account_id").to_pylist() == ["A2", "A4", "A5"]


def test_row_numbers_count_records_not_blank_lines(tmp_path):
    """Blank lines are skipped; a malformed row after one and the good rows agree on numbering."""
    text = f"{HEADER}\nA1,Acme,1\n\nA2,Beta\nA3,Gamma,3\n"
    raw = read_raw(_write(tmp_path / "a.csv", text))
    assert raw.malformed == [(2, "expected 3 fields as in the header, found 2")]
    assert raw.table.column(ROW).to_pylist() == [1, 3]


def test_row_numbers_after_a_multiline_quoted_value(tmp_path):
    """A quoted value spanning lines is one record; the following malformed row is the next number."""
    text = f'{HEADER}\nA1,"two\nlines",1\nA2,Beta\nA3,Gamma,3\n'
    raw = read_raw(_write(tmp_path / "a.csv", text))
    assert raw.malformed == [(2, "expected 3 fields as in the header, found 2")]
    assert raw.table.column(ROW).to_pylist() == [1, 3]


def test_multiline_values_in_a_file_larger_than_one_read_block(tmp_path):
    """Quoted line breaks read the same in a file larger than pyarrow's 16 MB block (no record is split)."""
    record = 'A{i},"line one of {i}\nline two, with comma\nline three",{i}\n'
    body = "".join(record.format(i=i) for i in range(1, 320_001))
    path = _write(tmp_path / "big.csv", f"{HEADER}\n{body}A0,short\nA0,last,0\n")
    assert path.stat().st_size > 16 << 20
    raw = read_raw(path)
    assert raw.table.num_rows == 320_001
    assert raw.malformed == [(320_001, "expected 3 fields as in the header, found 2")]
    assert raw.table.column(ROW)[-1].as_py() == 320_002
    assert raw.table.column("arr").to_pylist()[:-1] == [str(i) for i in range(1, 320_001)]


def test_malformed_rows_in_a_gzipped_file(tmp_path):
    """Row numbers of malformed rows are the same in a gzipped file."""
    text = f"{HEADER}\nA1,Acme,1\nA2\nA3,Gamma,3\n"
    raw = read_raw(_write(tmp_path / "a.csv.gz", gzip.compress(text.encode())))
    assert [m[0] for m in raw.malformed] == [2]
    assert raw.table.column(ROW).to_pylist() == [1, 3]


# -- edge files that still read -----------------------------------------------------------


@pytest.mark.parametrize("text", [f"{HEADER}\n", HEADER, f"{HEADER}\r\n", f"{HEADER}\n\n\n"], ids=["lf", "no-newline", "crlf", "blank-lines"])
def test_header_only_file_reads_as_zero_rows(tmp_path, text):
    """A file with only a header has its columns and no rows, with or without a final line break."""
    raw = read_raw(_write(tmp_path / "a.csv", text))
    assert raw.table.column_names == ["account_id", "name", "arr", ROW]
    assert raw.table.num_rows == 0
    assert raw.malformed == []


def test_gzipped_header_only_file_reads_as_zero_rows(tmp_path):
    """The same holds inside a gzip stream."""
    raw = read_raw(_write(tmp_path / "a.csv.gz", gzip.compress(HEADER.encode())))
    assert raw.table.num_rows == 0
    assert raw.table.column_names[-1] == ROW


def test_huge_field_and_unicode_values_read_whole(tmp_path):
    """A 1 MB field and non-Latin text come back unchanged."""
    big = "x" * (1 << 20)
    raw = read_raw(_write(tmp_path / "a.csv", f"{HEADER}\nA1,{big},1\n\u00c5sa \u6771\u4eac \U0001f600,n,2\n"))
    assert [r["account_id"] for r in _rows(raw)] == ["A1", "\u00c5sa \u6771\u4eac \U0001f600"]
    assert len(_rows(raw)[0]["name"]) == 1 << 20


# -- files that cannot be read ------------------------------------------------------------


def test_missing_file(tmp_path):
    """A missing file is a SourceError naming it."""
    path = tmp_path / "nope.csv"
    with pytest.raises(SourceError, match="file not found") as info:
        read_raw(path)
    assert info.value.file == str(path)


@pytest.mark.parametrize("name", ["empty.csv", "empty.csv.gz", "empty.parquet"])
def test_zero_byte_file(tmp_path, name):
    """A 0-byte file of any type is a SourceError that says a header was expected."""
    path = _write(tmp_path / name, b"")
    with pytest.raises(SourceError, match=r"empty \(0 bytes\); expected a header row") as info:
        read_raw(path)
    assert str(path) in str(info.value)


def test_latin1_value_is_a_source_error_naming_the_file(tmp_path):
    """Non-UTF-8 bytes in a value (latin-1 é) stop the read with the file named."""
    path = _write(tmp_path / "a.csv", f"{HEADER}\nA1,Caf\u00e9,1\n".encode("latin-1"))
    with pytest.raises(SourceError, match="cannot be read as CSV") as info:
        read_raw(path)
    assert info.value.file == str(path)


def test_latin1_header_is_a_source_error_at_the_header(tmp_path):
    """Non-UTF-8 bytes in the header are reported at row 'header'."""
    path = _write(tmp_path / "a.csv", "caf\u00e9,name\nA1,x\n".encode("latin-1"))
    with pytest.raises(SourceError, match="header is not UTF-8") as info:
        read_raw(path)
    assert (info.value.file, info.value.row) == (str(path), "header")


@pytest.mark.parametrize(
    "data",
    [b"plain text, not gzip", b"\x1f\x8b this is not really gzip", b"\x1f\x8b\x08 a gzip header, then no deflate stream " * 20],
    ids=["no-magic", "bad-header", "corrupt-deflate"],
)
def test_garbage_with_gz_name(tmp_path, data):
    """Bytes that are not gzip behind a ``.csv.gz`` name are a SourceError naming the file."""
    path = _write(tmp_path / "events.csv.gz", data)
    with pytest.raises(SourceError, match="cannot read the file") as info:
        read_raw(path)
    assert info.value.file == str(path)


def test_truncated_gzip(tmp_path):
    """A gzip stream cut short is a SourceError, not a silently shorter table."""
    body = HEADER + "\n" + "".join(f"A{i},name {i * 7919 % 10007},{i}\n" for i in range(20000))
    packed = gzip.compress(body.encode())
    path = _write(tmp_path / "a.csv.gz", packed[: len(packed) // 2])
    with pytest.raises(SourceError, match="cannot be read as CSV"):
        read_raw(path)


def test_gzip_bytes_behind_a_plain_csv_name(tmp_path):
    """A gzipped file named ``.csv`` is not UTF-8 text: SourceError at the header."""
    path = _write(tmp_path / "a.csv", gzip.compress(f"{HEADER}\nA1,x,1\n".encode()))
    with pytest.raises(SourceError, match="header is not UTF-8"):
        read_raw(path)


def test_directory_with_a_csv_name(tmp_path):
    """A directory where a file was expected is a SourceError."""
    path = tmp_path / "a.csv"
    path.mkdir()
    with pytest.raises(SourceError, match="cannot read the file"):
        read_raw(path)


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("account_id,,arr", "empty column names"),
        ("\ufeff", "empty column names"),
        ("account_id,name,account_id", "repeats a column name"),
        ("account_id,Name,name", "'name' repeats 'Name'"),
        ("account_id, name,name ", "'name' repeats 'name'"),
        ("account_id,_row", "'_row' is reserved"),
        ("account_id,_ROW", "'_ROW' is reserved"),
    ],
    ids=["empty-name", "bom-only", "repeat", "repeat-ignoring-case", "repeat-after-trim", "reserved-row", "reserved-row-case"],
)
def test_bad_header_is_a_source_error_at_the_header(tmp_path, header, problem):
    """Header names must be non-empty and distinct as the engine compares them (case-insensitively)."""
    path = _write(tmp_path / "a.csv", f"{header}\n1,2,3\n")
    with pytest.raises(SourceError, match=problem) as info:
        read_raw(path)
    assert (info.value.file, info.value.row) == (str(path), "header")


def test_column_mapping_onto_an_existing_name_is_a_source_error(tmp_path):
    """Mapping a file column onto a name the file already has would make two columns of one name."""
    path = _write(tmp_path / "a.csv", "acct,account_id\nA1,A1\n")
    with pytest.raises(SourceError, match="repeats"):
        read_raw(path, columns={"account_id": "acct"})


@pytest.mark.parametrize(
    "data",
    [
        b"\n\n\n",
        b"a,b\x00,c\n1,2,3\n",
        b'a,"b,c\n1,2,3\n',
        b"a,b\n1,\"2\n",
        b"\xff\xfea\x00,\x00b\x00\n\x00",
        bytes(range(256)) * 4,
        b"a\rb\rc\n\r\n\r",
        ("x" * 70000).encode() + b"\n1\n",
    ],
    ids=["newlines", "nul", "open-quote-header", "open-quote-value", "utf16", "all-bytes", "mixed-endings", "header-over-64k"],
)
def test_odd_bytes_read_or_raise_source_error(tmp_path, data):
    """Whatever the bytes, the reader returns a table or raises SourceError naming the file."""
    raw = _read_or_source_error(_write(tmp_path / "odd.csv", data))
    if raw is not None:
        assert raw.table.column_names[-1] == ROW
        assert raw.table.column(ROW).to_pylist() == sorted(set(raw.table.column(ROW).to_pylist()))


# -- Parquet ------------------------------------------------------------------------------


def test_parquet_columns_become_text(tmp_path):
    """Numbers and booleans in Parquet are read as their text form; dates keep their type."""
    path = tmp_path / "a.parquet"
    pq.write_table(
        pa.table({
            "account_id": ["A1", None], "arr": [22200.0, 1.5], "seats": pa.array([5, None], pa.int64()),
            "contract_start": [dt.date(2022, 1, 21), None], "flag": [True, False],
        }),
        path,
    )
    raw = read_raw(path)
    assert all(f.type == pa.string() for f in raw.table.schema if f.name not in (ROW, "contract_start"))
    assert raw.table.schema.field("contract_start").type == pa.date32()
    assert _rows(raw) == [
        {"account_id": "A1", "arr": "22200", "seats": "5", "contract_start": dt.date(2022, 1, 21), "flag": "true", ROW: 1},
        {"account_id": None, "arr": "1.5", "seats": None, "contract_start": None, "flag": "false", ROW: 2},
    ]


def test_parquet_naive_timestamp_keeps_its_type(tmp_path):
    """A timestamp without a time zone stays a timestamp (taken as UTC later), never re-parsed from text."""
    path = tmp_path / "a.parquet"
    ts = pa.array([dt.datetime(2022, 1, 1, 23, 30, 5), None], pa.timestamp("us"))
    pq.write_table(pa.table({"timestamp": ts}), path)
    column = read_raw(path).to_arrow().column("timestamp")
    assert column.type == pa.timestamp("us")
    assert column.to_pylist() == [dt.datetime(2022, 1, 1, 23, 30, 5), None]


def test_parquet_tz_aware_timestamp_becomes_the_same_instant_in_utc(tmp_path):
    """A zoned timestamp becomes the same instant in UTC, so no instant is shifted."""
    path = tmp_path / "a.parquet"
    instant = dt.datetime(2022, 1, 2, 4, 30, tzinfo=dt.timezone.utc)
    ts = pa.array([instant], pa.timestamp("ms", tz="America/New_York"))
    pq.write_table(pa.table({"timestamp": ts}), path)
    column = read_raw(path).to_arrow().column("timestamp")
    assert pa.types.is_timestamp(column.type) and column.type.tz is None
    assert column[0].as_py() == dt.datetime(2022, 1, 2, 4, 30)


def test_parquet_dictionary_and_large_strings(tmp_path):
    """Dictionary-encoded and large string columns read as plain text."""
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"s": pa.array(["x", "y", "x"]).dictionary_encode(), "l": pa.array(["a", "b", "c"], pa.large_string())}), path)
    raw = read_raw(path)
    assert raw.to_arrow().column("s").to_pylist() == ["x", "y", "x"]
    assert raw.to_arrow().column(ROW).to_pylist() == [1, 2, 3]


@pytest.mark.parametrize(
    "column",
    [pa.array([[1, 2]]), pa.array([{"x": 1}]), pa.array([b"\xe9"], pa.binary())],
    ids=["list", "struct", "non-utf8-binary"],
)
def test_parquet_column_that_cannot_be_text_is_a_source_error(tmp_path, column):
    """A column that has no text form is a SourceError naming the file and the column."""
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"account_id": ["A1"], "odd": column}), path)
    with pytest.raises(SourceError, match="cannot be read as text") as info:
        read_raw(path)
    assert (info.value.file, info.value.column) == (str(path), "odd")


@pytest.mark.parametrize(
    ("names", "problem"),
    [(["_row"], "reserved"), (["a", "A"], "repeats"), (["a", ""], "empty name"), (["a", "  "], "empty name")],
    ids=["reserved-row", "repeat-ignoring-case", "empty", "blank"],
)
def test_parquet_column_names_the_engine_cannot_hold(tmp_path, names, problem):
    """Parquet column names get the same checks as a CSV header."""
    path = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array(["x"])] * len(names), names=names), path)
    with pytest.raises(SourceError, match=problem) as info:
        read_raw(path)
    assert (info.value.file, info.value.row) == (str(path), "header")


def test_not_parquet_behind_a_parquet_name(tmp_path):
    """CSV text named ``.parquet`` is a SourceError naming the file."""
    path = _write(tmp_path / "a.parquet", f"{HEADER}\nA1,x,1\n")
    with pytest.raises(SourceError, match="cannot be read as Parquet") as info:
        read_raw(path)
    assert info.value.file == str(path)


# -- Parquet read by DuckDB (the scan) -----------------------------------------------------


def test_parquet_is_scanned_by_the_engine_not_held_in_arrow(tmp_path):
    """A plain Parquet file is described, not read: no rows in Arrow until the engine reads them."""
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"account_id": ["A1", "A2"], "seats": [1, 2]}), path)
    raw = read_raw(path)
    assert raw.scan is not None and raw.table.num_rows == 0 and raw.num_rows == 2
    assert raw.table.column_names == ["account_id", "seats", ROW]


def test_a_folder_of_parquet_files_is_numbered_across_its_files(tmp_path):
    """Rows are numbered from 1 over the files in name order, as pyarrow reads the folder."""
    folder = tmp_path / "events"
    folder.mkdir()
    for i, ids in enumerate([["a", "b"], [], ["c"], ["d", "e", "f"]]):
        pq.write_table(pa.table({"id": pa.array(ids, pa.string())}), folder / f"part-{i}.parquet")
    raw = read_raw(folder, fmt="parquet")
    got = raw.to_arrow().sort_by(ROW).to_pylist()
    assert got == [{"id": c, ROW: n} for n, c in enumerate("abcdef", start=1)]
    assert got == _arrow_as_raw(pq.read_table(folder), "x").table.to_pylist()


def test_parquet_files_of_different_schemas_fall_back_to_arrow(tmp_path):
    """Files whose schemas differ are read through Arrow, which unifies them as it always did."""
    folder = tmp_path / "events"
    folder.mkdir()
    pq.write_table(pa.table({"id": ["a"]}), folder / "part-0.parquet")
    pq.write_table(pa.table({"id": [1]}), folder / "part-1.parquet")
    raw = read_raw(folder, fmt="parquet")
    assert raw.scan is None
    assert raw.table.to_pylist() == _arrow_as_raw(pq.read_table(folder), "x").table.to_pylist()


def test_a_column_mapping_renames_the_scanned_columns(tmp_path):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"acct": ["A1"], "name": ["x"]}), path)
    raw = read_raw(path, columns={"account_id": "acct"})
    assert raw.to_arrow().to_pylist() == [{"account_id": "A1", "name": "x", ROW: 1}]


_TEXT = st.one_of(st.none(), st.text(alphabet=st.sampled_from(list("ab ,'\"\t\n\u00a0\u3000\u2028\x1f\u200bé😀")), max_size=6))
_FLOAT = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6).map(float))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.lists(_TEXT, min_size=1, max_size=8),
    data=st.data(),
)
def test_the_scan_reads_parquet_as_the_arrow_reader_does(tmp_path, text, data):
    """Property: DuckDB's scan gives every value the Arrow reader's form (trimmed text, blank =
    null, integers and booleans as text, zoned times in UTC); floats are the same numbers."""
    n = len(text)
    ints = data.draw(st.lists(st.one_of(st.none(), st.integers(-2**63, 2**63 - 1)), min_size=n, max_size=n))
    flags = data.draw(st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n))
    floats = data.draw(st.lists(_FLOAT, min_size=n, max_size=n))
    stamps = data.draw(st.lists(st.one_of(st.none(), st.datetimes(min_value=dt.datetime(1900, 1, 1),
                                                                   max_value=dt.datetime(2100, 1, 1))), min_size=n, max_size=n))
    table = pa.table({
        "s": pa.array(text, pa.string()), "d": pa.array(text, pa.string()).dictionary_encode(),
        "i": pa.array(ints, pa.int64()), "b": pa.array(flags, pa.bool_()), "f": pa.array(floats, pa.float64()),
        "naive": pa.array(stamps, pa.timestamp("us")),
        "zoned": pa.array([None if t is None else t.replace(tzinfo=dt.timezone.utc) for t in stamps],
                          pa.timestamp("us", tz="Asia/Kolkata")),
        "day": pa.array([None if t is None else t.date() for t in stamps], pa.date32()),
    })
    path = tmp_path / "p.parquet"
    pq.write_table(table, path)
    raw = read_raw(path)
    assert raw.scan is not None
    got = raw.to_arrow().sort_by(ROW).to_pylist()
    want = _arrow_as_raw(pq.read_table(path), "x").table.to_pylist()
    for g, w, f in zip(got, want, floats):
        if f is not None and f == f and abs(f) != float("inf"):
            # Whole numbers print as integers (ids saved as floats match their CSV text, even
            # where Arrow writes 1e+10); others are the same number, perhaps printed otherwise.
            assert g["f"] == str(int(f)) if f == int(f) and abs(f) < 2**53 else float(g["f"]) == float(w["f"])
            g["f"] = w["f"]
        assert g == w


def test_explicit_format_overrides_the_extension(tmp_path):
    """``fmt='csv'`` reads a CSV file whatever its name."""
    raw = read_raw(_write(tmp_path / "export.dat", f"{HEADER}\nA1,x,1\n"), fmt="csv")
    assert raw.table.num_rows == 1
