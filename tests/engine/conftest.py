"""Shared builders for the engine golden tests: contract-typed tables on in-memory DuckDB."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any, Callable

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


def d(text: str) -> dt.date:
    """A date from ``YYYY-MM-DD``."""
    return dt.date.fromisoformat(text)


def ts(text: str) -> dt.datetime:
    """A naive UTC timestamp from ``YYYY-MM-DD HH:MM``."""
    return dt.datetime.fromisoformat(text)


def account(account_id: str, segment: str, seats: int, start: str, tz: str | None) -> dict[str, Any]:
    """One accounts row; the columns the engine does not read get fixed values."""
    return {
        "account_id": account_id,
        "name": account_id.title(),
        "segment": segment,
        "arr": 1000.0,
        "seats": seats,
        "contract_start": d(start),
        "renewal_date": d("2023-12-31"),
        "parent_id": None,
        "timezone": tz,
    }


def event(
    row: int,
    account_id: str,
    user_id: str | None,
    feature: str,
    when: str,
    event_id: str | None = None,
    quantity: float | None = None,
    value: float | None = None,
) -> dict[str, Any]:
    """One events row; ``row`` is the source row number ``_row``."""
    return {
        "account_id": account_id,
        "user_id": user_id,
        "feature": feature,
        "timestamp": ts(when),
        "event_id": event_id,
        "quantity": quantity,
        "value": value,
        "_row": row,
    }


@pytest.fixture(scope="session")
def con() -> ibis.BaseBackend:
    """An in-memory DuckDB connection opened like the engine opens its store (UTC session)."""
    backend = connect(DuckDBEngine(path=":memory:"), Path("."))
    yield backend
    backend.disconnect()


@pytest.fixture(scope="session")
def table(con: ibis.BaseBackend) -> Callable[[str, list[dict[str, Any]]], ir.Table]:
    """Build a contract table ``kind`` from row dicts as a table on ``con``."""

    def build(kind: str, rows: list[dict[str, Any]]) -> ir.Table:
        schema = SCHEMAS[kind]
        data = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
        return con.create_table(f"{kind}_{next(_names)}", data, temp=True)

    return build
