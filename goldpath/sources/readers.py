"""Read CSV (plain or gzipped) and Parquet files as raw text columns with row numbers.

Everything is read as text so that validation, which runs in the engine, can say for each
row and column exactly what did not parse; typed timestamps and dates (Parquet,
dataframes) are the exception: they cannot fail to parse, so they keep their type. Rows
whose field count does not match the header are kept aside as malformed, never dropped
silently.

Parquet whose columns are all text, numbers, booleans, timestamps or dates is not read
here at all: :class:`ParquetScan` describes the files, and the store's DuckDB reads them
itself while it validates (streaming, with the same text form and row numbers), so an
events source of many millions of rows is never held in Arrow. Other Parquet (lists,
structs, binary, decimals) is read through Arrow as before.
"""

from __future__ import annotations

import csv
import gzip
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from goldpath.errors import SourceError

ROW = "_row"
"""Name of the column holding each record's 1-based row number (the header is not counted)."""


@dataclass
class RawTable:
    """A source file read as text, ready for validation.

    Attributes
    ----------
    file
        Path as the user gave it, for messages.
    table
        Text columns named as in the contract (typed timestamps and dates keep their
        type), plus ``_row``.
    malformed
        ``(row, problem)`` for records that could not be split into the header's columns.
    """

    file: str
    table: pa.Table
    malformed: list[tuple[int, str]] = field(default_factory=list)
    scan: "ParquetScan | None" = None

    @property
    def num_rows(self) -> int:
        """Records read (malformed ones not included); of a scan that skips rows, those it read."""
        if self.scan is None:
            return self.table.num_rows
        return self.scan.read if self.scan.read is not None else self.scan.rows

    def register(self, con, name: str):
        """The raw rows as a table of DuckDB connection ``con`` (Ibis), named ``name``.

        Arrow rows are copied in as a temporary table; a Parquet scan is read by DuckDB
        straight into one (in parallel, never through Arrow).
        """
        if self.scan is None:
            return con.create_table(name, self.table, temp=True)
        names = [n for n in self.table.column_names if n != ROW]
        con.raw_sql(f"CREATE OR REPLACE TEMP TABLE {_quote(name)} AS {self.scan.sql(names)}")
        if self.scan.skip is not None:
            self.scan.read = int(con.raw_sql(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0])
        return con.table(name)

    def skip_before(self, previous: list[list], column: str, since: object) -> int:
        """Read only rows from ``since`` on of the files an earlier load read unchanged; returns how many files.

        ``previous`` is that load's :meth:`ParquetScan.fingerprint`. It applies only when those
        files come first, in the same order, with the same size, time and rows (so row numbers
        stay the same) and ``column`` is a typed timestamp; otherwise nothing is skipped (0).
        Files added after them are read whole.
        """
        if self.scan is None or not previous or len(previous) > len(self.scan.files):
            return 0
        names = [n for n in self.table.column_names if n != ROW]
        if column not in names or not pa.types.is_timestamp(self.scan.columns[names.index(column)][1]):
            return 0
        now = self.scan.fingerprint()[:len(previous)]
        if [list(x) for x in previous] != now:
            return 0
        self.scan.skip = (len(previous), self.scan.columns[names.index(column)][0], since)  # the file's name
        return len(previous)

    def to_arrow(self) -> pa.Table:
        """Every raw row in Arrow (for tests and small files; a scan is read by DuckDB)."""
        if self.scan is None:
            return self.table
        import duckdb

        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            return con.sql(self.scan.sql([n for n in self.table.column_names if n != ROW])).to_arrow_table()
        finally:
            con.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@cache
def _whitespace() -> str:
    """The characters Arrow's ``utf8_trim_whitespace`` trims (CSV cells), for DuckDB's ``trim``."""
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    trimmed = pc.utf8_trim_whitespace(pa.array(chars)).to_pylist()
    return "".join(c for c, t in zip(chars, trimmed) if t == "")


@dataclass
class ParquetScan:
    """Parquet files that DuckDB reads during validation instead of the reader.

    Attributes
    ----------
    files
        The files in row order (a folder's files sorted as pyarrow lists them).
    counts
        Rows of each file; rows are numbered from 1 across the files in this order.
    columns
        ``(file column, arrow type)`` in the files' order; :attr:`RawTable.table` holds the
        (possibly renamed) contract names in the same order.
    """

    files: list[str]
    counts: list[int]
    columns: list[tuple[str, pa.DataType]]
    #: ``(files, file column, since)``: of the first ``files`` files, read only rows whose
    #: column (a typed timestamp) is null or at least ``since`` (see :meth:`RawTable.skip_before`).
    skip: tuple[int, str, object] | None = None
    #: Rows read when some were skipped (set once the engine has read them).
    read: int | None = None

    @property
    def rows(self) -> int:
        return sum(self.counts)

    def fingerprint(self) -> list[list]:
        """``[file, bytes, modified (ns), rows]`` of each file, to tell later whether it changed."""
        out = []
        for file, count in zip(self.files, self.counts):
            st = Path(file).stat()
            out.append([file, st.st_size, st.st_mtime_ns, count])
        return out

    def sql(self, names: list[str]) -> str:
        """A DuckDB query giving the raw rows: text trimmed (blank = null), typed times, ``_row``."""
        selects = ", ".join(f"{_scan_value(_quote(src), typ)} AS {_quote(dst)}" for (src, typ), dst in zip(self.columns, names))
        parts, offset = [], 0
        for i, (file, count) in enumerate(zip(self.files, self.counts)):
            where = ""
            if self.skip is not None and i < self.skip[0]:
                col = _quote(self.skip[1])
                where = f" WHERE {col} IS NULL OR {col} >= TIMESTAMP {_literal(str(self.skip[2]))}"
            parts.append(
                f"SELECT {selects}, file_row_number + {offset + 1} AS {ROW} "
                f"FROM read_parquet({_literal(file)}, file_row_number = true){where}"
            )
            offset += count
        return " UNION ALL ".join(parts)


def _scan_value(col: str, typ: pa.DataType) -> str:
    """DuckDB SQL giving a Parquet column the form :func:`_arrow_as_raw` gives it."""
    if pa.types.is_timestamp(typ):
        return f"CAST({col} AS TIMESTAMP)" if typ.tz else col  # a zoned instant in UTC (session zone)
    if pa.types.is_date(typ):
        return f"CAST({col} AS DATE)"
    if pa.types.is_floating(typ):
        # Whole numbers print without ".0" as Arrow prints them (ids saved as floats by pandas).
        return (f"CASE WHEN isnan({col}) THEN 'nan' "
                f"WHEN isfinite({col}) AND {col} = trunc({col}) AND abs({col}) < 9007199254740992 "
                f"THEN CAST(CAST({col} AS BIGINT) AS VARCHAR) ELSE CAST({col} AS VARCHAR) END")
    if pa.types.is_integer(typ) or pa.types.is_boolean(typ):
        return f"CAST({col} AS VARCHAR)"
    # Trim only where an end is whitespace: DuckDB's trim with a character set is slow on every row.
    codes = ", ".join(str(ord(c)) for c in _whitespace())
    return (f"CASE WHEN {col} = '' THEN NULL WHEN unicode({col}) IN ({codes}) OR unicode(right({col}, 1)) IN ({codes}) "
            f"THEN NULLIF(trim({col}, {_literal(_whitespace())}), '') ELSE {col} END")


def _scannable(typ: pa.DataType) -> bool:
    """Whether DuckDB reads this Parquet type with the text form the Arrow reader gives it."""
    if pa.types.is_dictionary(typ):
        return pa.types.is_string(typ.value_type) or pa.types.is_large_string(typ.value_type)
    return (pa.types.is_string(typ) or pa.types.is_large_string(typ) or pa.types.is_integer(typ)
            or pa.types.is_floating(typ) or pa.types.is_boolean(typ) or pa.types.is_date(typ)
            or (pa.types.is_timestamp(typ) and typ.unit in ("s", "ms", "us", "ns")))


def _raw_type(typ: pa.DataType) -> pa.DataType:
    """The raw (reader) type of a scannable Parquet type: text, or a typed time."""
    if pa.types.is_timestamp(typ):
        return pa.timestamp("us") if typ.tz else typ
    if pa.types.is_date(typ):
        return pa.date32()
    return pa.string()


def detect_format(path: Path) -> str:
    """Return ``csv`` or ``parquet`` from a file name."""
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".csv", ".csv.gz", ".txt", ".tsv", ".tsv.gz")):
        return "csv"
    raise SourceError(
        str(path), "unknown file type; expected .csv, .csv.gz or .parquet (or set `format: segment-jsonl`)"
    )


def read_raw(path: Path, columns: dict[str, str] | None = None, fmt: str | None = None, label: str | None = None) -> RawTable:
    """Read one source file as text columns.

    Parameters
    ----------
    path
        File to read.
    columns
        Mapping from contract column name to the file's column name, for sources whose
        names differ; unmapped names are used as they are.
    fmt
        ``csv`` or ``parquet``; detected from the extension when omitted.
    label
        Name of the file in messages (defaults to ``path``).

    Raises
    ------
    SourceError
        When the file is missing, empty or not readable as the format at all.
    """
    label = label or str(path)
    if not path.exists():
        raise SourceError(label, f"file not found (looked for {path.resolve()})")
    if path.stat().st_size == 0:
        raise SourceError(label, "file is empty (0 bytes); expected a header row")
    fmt = fmt or detect_format(path)
    if fmt == "csv":
        raw = _read_csv(path, label)
    elif fmt == "parquet":
        raw = _read_parquet(path, label)
    elif fmt == "segment-jsonl":
        from goldpath.sources.adapters.segment import read_segment_jsonl

        raw = read_segment_jsonl(path, label)
    else:
        raise SourceError(label, f"unknown format {fmt!r}; expected csv, parquet or segment-jsonl")
    return _mapped(raw, columns)


def read_frame(frame: object, label: str, columns: dict[str, str] | None = None) -> RawTable:
    """A dataframe (pandas, polars, pyarrow) as a raw text table, like a file source.

    Rows are numbered from 1 in the frame's order, so messages name them as for a file.
    """
    try:
        if isinstance(frame, pa.Table):
            table = frame
        elif hasattr(frame, "to_arrow"):  # polars
            table = frame.to_arrow()
        else:  # pandas
            table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise SourceError(label, f"cannot be read as a dataframe: {exc}") from exc
    return _mapped(_arrow_as_raw(table, label), columns)


def read_database(url: str, table: str, label: str, columns: dict[str, str] | None = None) -> RawTable:
    """A table of a database Ibis can reach (``postgresql://...``) as a raw text table.

    The table is read in the database's order; messages number rows by position in it.
    """
    import ibis

    safe = url.split("@")[-1]  # never print a password
    try:
        con = ibis.connect(url)
    except Exception as exc:  # noqa: BLE001 - drivers raise their own types; all mean "cannot connect"
        raise SourceError(label, f"cannot connect to {safe}: {exc}") from exc
    try:
        if table not in con.list_tables():
            raise SourceError(label, f"no table {table!r} in {safe}")
        data = con.table(table).to_pyarrow()
    finally:
        con.disconnect()
    return _mapped(_arrow_as_raw(data, label), columns)


def _mapped(raw: RawTable, columns: dict[str, str] | None) -> RawTable:
    """Apply a source's column mapping and check the names."""
    label = raw.file
    if columns:
        found = [n for n in raw.table.column_names if n != ROW]
        for dst, src in columns.items():
            if src not in found:
                raise SourceError(
                    label, f"goldpath.yaml maps {dst} to column {src!r}, which the file does not have "
                    f"(its columns: {', '.join(found)})", row="header", column=dst,
                )
        inverse = {src: dst for dst, src in columns.items()}
        raw.table = raw.table.rename_columns([inverse.get(n, n) for n in raw.table.column_names])
    _check_names(raw)
    return raw


def _check_names(raw: RawTable) -> None:
    """Reject names the engine cannot tell apart (it ignores case) and a source column ``_row``."""
    seen: dict[str, str] = {}
    for name in raw.table.column_names[:-1]:  # the last column is our ``_row``
        if not name.strip():
            raise SourceError(raw.file, f"a column has an empty name: {raw.table.column_names[:-1]}", row="header")
        if name.lower() == ROW:
            raise SourceError(raw.file, f"column name {name!r} is reserved for row numbers; rename it", row="header", column=name)
        if name.lower() in seen:
            raise SourceError(
                raw.file,
                f"column name {name!r} repeats {seen[name.lower()]!r} (names are compared ignoring case and surrounding spaces)",
                row="header", column=name,
            )
        seen[name.lower()] = name


def _sniff_header(path: Path, label: str) -> tuple[str, list[str], bool]:
    """Return the delimiter, the column names of a CSV file's header row and whether nothing follows it."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(64 * 1024)
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(label, f"cannot read the file: {exc}") from exc
    lines = head.splitlines()  # \n, \r\n or \r, as pyarrow splits records
    header_only = len(lines) <= 1 and len(head) < 64 * 1024
    try:
        first = (lines[0] if lines else b"").decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(label, f"header is not UTF-8 text: {exc}", row="header") from exc
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        names = next(csv.reader([first], delimiter=delimiter), [])
    except csv.Error as exc:
        raise SourceError(label, f"header row cannot be parsed: {exc}", row="header") from exc
    if not names or any(not n.strip() for n in names):
        raise SourceError(label, f"header row has empty column names: {first[:200]!r}", row="header")
    if len(set(names)) != len(names):
        raise SourceError(label, f"header row repeats a column name: {names}", row="header")
    return delimiter, names, header_only


def _read_csv(path: Path, label: str) -> RawTable:
    delimiter, header, header_only = _sniff_header(path, label)
    malformed: list[tuple[int, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        # ``number`` counts physical lines from 1 with the header as line 1.
        number = (row.number - 1) if row.number is not None else -1
        malformed.append(
            (number, f"expected {row.expected_columns} fields as in the header, found {row.actual_columns}")
        )
        return "skip"

    try:
        if header_only:  # pyarrow cannot skip a header that has no line break after it
            return RawTable(label, pa.table({n.strip(): pa.array([], pa.string()) for n in header} | {ROW: pa.array([], pa.int64())}))
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=1 << 24, column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in header},
                null_values=[""],  # only empty cells: not pyarrow's defaults such as NA, N/A, null, NaN
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowException, UnicodeDecodeError, OSError, EOFError) as exc:
        raise SourceError(label, f"cannot be read as CSV: {exc}") from exc
    table = table.rename_columns([n.strip() for n in table.column_names])
    rows = _row_numbers(table.num_rows, [m[0] for m in malformed])
    return RawTable(label, strip_text(table).append_column(ROW, pa.array(rows, pa.int64())), malformed)


def _row_numbers(n_valid: int, skipped: list[int]) -> np.ndarray:
    """Row numbers of the valid records, given the row numbers of the skipped ones."""
    total = n_valid + len(skipped)
    keep = np.ones(total, dtype=bool)
    for s in skipped:
        if 1 <= s <= total:
            keep[s - 1] = False
    rows = np.flatnonzero(keep)[:n_valid] + 1
    return rows


def _read_parquet(path: Path, label: str) -> RawTable:
    """A scan for DuckDB when every column is scannable and every file has one schema, else Arrow."""
    try:
        scan = _parquet_scan(path)
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(label, f"cannot be read as Parquet: {exc}") from exc
    if scan is not None:
        empty = pa.schema([(name, _raw_type(typ)) for name, typ in scan.columns] + [(ROW, pa.int64())]).empty_table()
        return RawTable(label, empty, scan=scan)
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(label, f"cannot be read as Parquet: {exc}") from exc
    return _arrow_as_raw(table, label)


def _parquet_scan(path: Path) -> ParquetScan | None:
    """Describe ``path`` (a file or a folder of files) from its metadata, or None when Arrow must read it."""
    import pyarrow.dataset as ds

    if path.is_dir():
        dataset = ds.dataset(path, format="parquet")
        files = [str(Path(f).resolve()) for f in dataset.files]
        if dataset.partitioning is not None and dataset.partitioning.schema.names:  # pragma: no cover - hive folders
            return None
    else:
        files = [str(path.resolve())]
    if not files:
        return None
    schema, counts = None, []
    for file in files:
        meta = pq.ParquetFile(file)
        arrow = meta.schema_arrow
        if schema is None:
            schema = arrow
        elif not arrow.equals(schema):
            return None  # files that differ: Arrow unifies them or says why not
        counts.append(meta.metadata.num_rows)
    names = schema.names
    if "file_row_number" in names or not all(_scannable(f.type) for f in schema):
        return None
    return ParquetScan(files=files, counts=counts, columns=[(f.name, f.type) for f in schema])


def _arrow_as_raw(table: pa.Table, label: str) -> RawTable:
    """Typed Arrow columns as text, except timestamps and dates, which keep their type.

    A timestamp with a time zone becomes the same instant in UTC (without a zone), as its
    ISO text with offset would after validation; a timestamp without one is taken as UTC.
    Keeping them typed spares formatting and re-parsing every event's time (validation
    accepts a typed column as it is, see :func:`goldpath.contract.validate.validate`).
    """
    cols = []
    for name, col in zip(table.column_names, table.columns):
        try:
            if pa.types.is_timestamp(col.type):
                cols.append(pc.cast(col, pa.timestamp(col.type.unit)) if col.type.tz else col)
            elif pa.types.is_date(col.type):
                cols.append(pc.cast(col, pa.date32()))
            else:
                cols.append(pc.cast(col, pa.string()))
        except pa.ArrowException as exc:
            raise SourceError(label, f"values of type {col.type} cannot be read as text: {exc}", column=name) from exc
    table = pa.table(cols, names=table.column_names)
    rows = np.arange(1, table.num_rows + 1, dtype=np.int64)
    return RawTable(label, strip_text(table).append_column(ROW, pa.array(rows)))


def strip_text(table: pa.Table) -> pa.Table:
    """Trim surrounding whitespace and turn blank strings into nulls (text columns only)."""
    cols = []
    for col in table.columns:
        if not pa.types.is_string(col.type):
            cols.append(col)
            continue
        trimmed = pc.utf8_trim_whitespace(col)
        cols.append(pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed))
    return pa.table(cols, names=table.column_names)
