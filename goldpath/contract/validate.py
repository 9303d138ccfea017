"""Validation that runs inside the engine: type casts, bounds, keys and references.

A row that fails any check is quarantined with one line per problem (file, row, column,
value, what was expected); the rest are accepted with their contract types. Nothing is
dropped without a trace.
"""

from __future__ import annotations

import uuid
import zoneinfo
from dataclasses import dataclass
from functools import cache

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd

from goldpath.contract.tables import Column, TableSpec
from goldpath.errors import SourceError
from goldpath.sources.readers import ROW, RawTable

PROBLEM_COLUMNS = ["table", "file", "row", "column", "value", "problem"]
_VALUE_CHARS = 80

IBIS_TYPES: dict[str, dt.DataType] = {
    "string": dt.string,
    "integer": dt.int64,
    "number": dt.float64,
    "date": dt.date,
    "timestamp": dt.timestamp,
}


@cache
def _time_zones() -> tuple[str, ...]:
    # ``localtime`` is a file of the system's tz database, not a zone name; DuckDB rejects it.
    return tuple(sorted(zoneinfo.available_timezones() - {"localtime"}))


@dataclass
class Validated:
    """Outcome of validating one source.

    Attributes
    ----------
    accepted
        Rows that passed, typed as in the contract, with their ``_row`` number.
    problems
        One row per problem: table, file, row, column, value, problem.
    rows_read
        Records in the file, malformed ones included.
    rejected
        The quarantined rows as text (with ``_row``), for messages about references to them.
    source
        The raw rows as registered on the connection (a temporary table that ``rejected``
        reads): release it with :func:`~goldpath.engine.connection.drop_temp` when done.
    """

    accepted: ir.Table
    problems: pd.DataFrame
    rows_read: int
    rejected: ir.Table | None = None
    source: ir.Table | None = None

    @property
    def rows_quarantined(self) -> int:
        """Number of distinct rows that failed at least one check."""
        return int(self.problems["row"].nunique()) if len(self.problems) else 0


def _parse(col: Column, raw: ir.StringValue) -> tuple[ir.Value, ir.BooleanValue]:
    """Return the typed value and a flag that is true where text is present but invalid.

    A column the reader kept typed (timestamps and dates from Parquet or a dataframe) is
    taken as it is when it has the contract's type (a date for a timestamp is its
    midnight); only the year range is checked. Any other pairing is validated as text.
    """
    present = raw.notnull()
    kind = raw.type()
    if kind.is_temporal() and (col.type == "timestamp" or (col.type == "date" and kind.is_date())):
        typed = raw.cast(IBIS_TYPES[col.type])
        year = typed.year()
        bad = present & ((year < 1) | (year > 9999))
        return ibis.ifelse(bad, ibis.null(typed.type()), typed), bad
    if not kind.is_string():
        raw = raw.cast(dt.string)
    if col.type == "string":
        typed = raw
        bad = ibis.literal(False)
        if col.choices:
            bad = present & ~raw.isin(col.choices)
        if col.timezone:
            bad = present & ~raw.isin(_time_zones())
    elif col.type in ("integer", "number"):
        num = raw.try_cast(dt.float64)
        bad = present & (num.isnull() | num.isnan() | num.isinf())
        if col.type == "integer":
            # NULL out of the int64 range; compared as a float, since ibis casts floor() to int64.
            whole = num.try_cast(dt.int64)
            bad = bad | (present & num.notnull() & (whole.isnull() | (whole.cast(dt.float64) != num)))
            typed = ibis.ifelse(bad, ibis.null(dt.int64), whole)
        else:
            typed = ibis.ifelse(bad, ibis.null(dt.float64), num)
        if col.min_value is not None:
            below = num < col.min_value if col.min_inclusive else num <= col.min_value
            bad = bad | (present & num.notnull() & below)
        if col.max_value is not None:
            bad = bad | (present & num.notnull() & (num > col.max_value))
    elif col.type in ("date", "timestamp"):
        if col.type == "date":
            typed = raw.try_cast(dt.date)
        else:
            # Text with an offset is converted to UTC; text without one is taken as UTC
            # (the session time zone is pinned to UTC on connect).
            typed = raw.try_cast(dt.Timestamp(timezone="UTC")).cast(dt.timestamp)
        # DuckDB also reads 'epoch', 'infinity' and BC dates; accept digits and years 1-9999 only.
        year = typed.year()
        bad = present & (typed.isnull() | ~raw.re_search(r"^\d{4}-") | (year < 1) | (year > 9999))
        typed = ibis.ifelse(bad, ibis.null(typed.type()), typed)
    else:  # pragma: no cover - Column.type is a Literal
        raise AssertionError(col.type)
    return typed, bad


def validate(
    con: ibis.BaseBackend,
    spec: TableSpec,
    raw: RawTable,
    accepted_tables: dict[str, ir.Table],
    rejected_tables: dict[str, ir.Table] | None = None,
) -> Validated:
    """Validate one raw source against its table spec.

    Parameters
    ----------
    con
        Engine connection; the raw table is registered there as a temporary table.
    spec
        Contract table.
    raw
        Text columns read from the file.
    accepted_tables
        Tables already accepted in this load, for reference checks.
    rejected_tables
        Raw rows of those tables that were quarantined (see :attr:`Validated.rejected`), so
        a reference to a quarantined row says so instead of "unknown".

    Raises
    ------
    SourceError
        When a required column is missing from the file: no row can be accepted.
    """
    names = raw.table.column_names
    for col in spec.columns:
        if col.required and col.name not in names:
            found = ", ".join(n for n in names if n != ROW)
            hint = ""
            if any(";" in n for n in names):
                hint = "; the header contains ';': goldpath reads comma- or tab-separated files"
            raise SourceError(
                raw.file, f"required column is missing (found: {found}); expected {col.expectation()}{hint}",
                row="header", column=col.name,
            )
    tmp = f"_raw_{spec.name}_{uuid.uuid4().hex[:8]}"
    t = registered = raw.register(con, tmp)
    for col in spec.columns:
        if col.name not in names:
            t = t.mutate(**{col.name: ibis.null(dt.string)})

    typed: dict[str, ir.Value] = {}
    checks: list[tuple[str, ir.BooleanValue, ir.StringValue]] = []
    for col in spec.columns:
        value, bad = _parse(col, t[col.name])
        typed[col.name] = value
        expected = ibis.literal(f"expected {col.expectation()}")
        checks.append((col.name, bad, expected))
        if col.required:
            checks.append((col.name, t[col.name].isnull(), ibis.literal("missing value; " + f"expected {col.expectation()}")))
    for later, earlier in spec.after_columns:
        wrong = typed[later].notnull() & typed[earlier].notnull() & (typed[later] < typed[earlier])
        checks.append((later, wrong, ibis.literal(f"expected a date on or after {earlier} (") + typed[earlier].cast(dt.string) + ")"))

    problem_parts = [
        t.filter(bad).select(
            row=t[ROW], column=ibis.literal(name), value=t[name].cast(dt.string).substr(0, _VALUE_CHARS), problem=msg
        )
        for name, bad, msg in checks
    ]
    row_ok = ibis.and_(*[~bad for _, bad, _ in checks])
    good = t.filter(row_ok).select(ROW, **typed)

    # Keys: a repeated key keeps its first row; later rows are quarantined naming the first.
    if spec.key:
        w = ibis.window(group_by=[good[k] for k in spec.key], order_by=good[ROW])
        good = good.mutate(_rank=ibis.row_number().over(w), _first=good[ROW].min().over(w))
        key_label = "+".join(spec.key)
        dups = good.filter(good._rank > 0)
        key_text = ibis.literal(" / ").join([dups[k].cast(dt.string) for k in spec.key])
        problem_parts.append(
            dups.select(
                row=dups[ROW], column=ibis.literal(key_label), value=key_text.substr(0, _VALUE_CHARS),
                problem=ibis.literal(f"duplicate {key_label}; first seen at row ") + dups._first.cast(dt.string),
            )
        )
        good = good.filter(good._rank == 0).drop("_rank", "_first")

    # References: values must exist among the accepted keys of the referenced table.
    for ref in spec.references:
        target = accepted_tables.get(ref.table)
        if target is None:
            continue
        keys = target.select(**{"_ref": target[ref.target]}).distinct()
        joined = good.left_join(keys, good[ref.column] == keys._ref)
        missing = joined.filter(joined._ref.isnull() & joined[ref.column].notnull()).drop("_ref")
        problem = ibis.literal(f"unknown {ref.target}; expected an id present in {ref.table}")
        held = (rejected_tables or {}).get(ref.table)
        if held is not None:
            # Point at the real problem: the referenced row was quarantined itself.
            r = held.select(_ref=held[ref.target], _ref_row=held[ROW])
            r = r.group_by("_ref").aggregate(_ref_row=r._ref_row.min())
            missing = missing.left_join(r, missing[ref.column] == r._ref)
            problem = ibis.ifelse(
                missing._ref_row.notnull(),
                ibis.literal(f"{ref.target} was quarantined in {ref.table} (row ")
                + missing._ref_row.cast(dt.string) + "); fix that row",
                problem,
            )
        problem_parts.append(
            missing.select(
                row=missing[ROW], column=ibis.literal(ref.column), value=missing[ref.column].substr(0, _VALUE_CHARS),
                problem=problem,
            )
        )
        good = good.filter(good[ref.column].isin(keys._ref) | good[ref.column].isnull())

    problems = ibis.union(*problem_parts).to_pandas() if problem_parts else pd.DataFrame()
    for row, problem in raw.malformed:
        problems.loc[len(problems)] = {"row": row, "column": "*", "value": None, "problem": problem}
    problems.insert(0, "table", spec.name)
    problems.insert(1, "file", raw.file)
    problems = problems.sort_values(["row", "column"], kind="stable").reset_index(drop=True)
    accepted = con.create_table(f"_ok_{spec.name}_{uuid.uuid4().hex[:8]}", good, temp=True)
    rejected = t.select(ROW, *[c.name for c in spec.columns]).anti_join(accepted, ROW)
    return Validated(
        accepted=accepted, problems=problems[PROBLEM_COLUMNS], rows_read=raw.num_rows + len(raw.malformed),
        rejected=rejected, source=registered,
    )
