"""Shared builders for the engine golden tests: contract-typed tables on in-memory DuckDB."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pytest

from goldpath.engine.connection import DuckDBEngine, connect

#: Arrow types of the contract columns the tests build (see goldpath/contract/tables.py).
SCHEMAS: dict[str, pa.Schema] = {
    "accounts": pa.schema(
        [
            ("account_id", pa.string()),
            ("name", pa.string()),
            ("segment", pa.string()),
            ("arr", pa.float64()),
            ("seats", pa.int64()),
            ("contract_start", pa.date32()),
            ("renewal_date", pa.date32()),
            ("parent_id", pa.string()),
            ("timezone", pa.string()),
        ]
    ),
    "events": pa.schema(
        [
            ("account_id", pa.string()),
            ("user_id", pa.string()),
            ("feature", pa.string()),
            ("timestamp", pa.timestamp("us")),
            ("event_id", pa.string()),
            ("quantity", pa.float64()),
            ("value", pa.float64()),
            ("_row", pa.int64()),
        ]
    ),
    "process_features": pa.schema([("feature", pa.string()), ("process", pa.string())]),
    "process_criticality": pa.schema(
        [("process", pa.string()), ("segment", pa.string()), ("criticality", pa.float64())]
    ),
    "criticality_overrides": pa.schema(
        [("account_id", pa.string()), ("process", pa.string()), ("criticality", pa.float64())]
    ),
    "renewals": pa.schema(
        [
            ("account_id", pa.string()),
            ("renewal_date", pa.date32()),
            ("outcome", pa.string()),
            ("arr_before", pa.float64()),
            ("arr_after", pa.float64()),
        ]
    ),
}

_names = itertools.count()


def _cell(value: Any, typ: pa.DataType) -> Any:
    """Parse ISO text for date and timestamp columns; pass anything else through."""
    if isinstance(value, str) and pa.types.is_date(typ):
        return dt.date.fromisoformat(value)
    if isinstance(value, str) and pa.types.is_timestamp(typ):
        return dt.datetime.fromisoformat(value)
    return value


@pytest.fixture(scope="session")
def con() -> Iterator[ibis.BaseBackend]:
    """An in-memory DuckDB connection opened like the engine opens its store (UTC session)."""
    backend = connect(DuckDBEngine(path=":memory:"), Path("."))
    yield backend
    backend.disconnect()


@pytest.fixture(scope="session")
def table(con: ibis.BaseBackend) -> Callable[[str, list[tuple]], ir.Table]:
    """Build contract table ``kind`` on ``con`` from tuples in contract column order (ISO text for dates)."""

    def build(kind: str, rows: list[tuple]) -> ir.Table:
        schema = SCHEMAS[kind]
        dicts = [{f.name: _cell(v, f.type) for f, v in zip(schema, r, strict=True)} for r in rows]
        data = pa.Table.from_pylist(dicts, schema=schema) if rows else schema.empty_table()
        return con.create_table(f"{kind}_{next(_names)}", data, temp=True)

    return build


@pytest.fixture(scope="session")
def accounts(table: Callable[..., ir.Table]) -> Callable[[list[tuple]], ir.Table]:
    """Build accounts from ``(account_id, segment, seats, contract_start, timezone)`` tuples."""

    def build(rows: list[tuple]) -> ir.Table:
        full = [(a, a.title(), seg, 1000.0, seats, start, "2023-12-31", None, tz) for a, seg, seats, start, tz in rows]
        return table("accounts", full)

    return build


@pytest.fixture(scope="session")
def events(table: Callable[..., ir.Table]) -> Callable[[list[tuple]], ir.Table]:
    """Build events from ``(_row, account_id, user_id, feature, "YYYY-MM-DD HH:MM"[, event_id[, quantity[, value]]])``.

    Timestamps are UTC, as the contract stores them.
    """

    def build(rows: list[tuple]) -> ir.Table:
        full = []
        for r in rows:
            row, acc, user, feature, when, *rest = r
            event_id, quantity, value = (list(rest) + [None, None, None])[:3]
            full.append((acc, user, feature, when, event_id, quantity, value, row))
        return table("events", full)

    return build
