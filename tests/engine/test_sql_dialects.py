"""The pipeline's SQL for the warehouses, compiled (not run) and checked against stored snapshots.

Ibis renders the daily fact (deduplication, local days, aggregation) and the measures (the
example model over a date spine) for Snowflake, BigQuery and PostgreSQL from unbound tables
with the contract's types. A change to the pipeline, to Ibis or to sqlglot that changes a
dialect's SQL fails here with a diff; when the change is intended, regenerate with

    GOLDPATH_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/engine/test_sql_dialects.py

and review the diff of tests/engine/sql_snapshots/ like code. In-memory tables (the date spine,
the local-day calendar, key features) are uploaded by the Ibis backend when a query runs;
their generated names are numbered here, and columns a query excludes are sorted, so that
snapshots do not depend on Python's hash seed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from pathlib import Path

import ibis
import pytest
import sqlglot

from goldpath.contract.tables import TABLES
from goldpath.contract.validate import IBIS_TYPES
from goldpath.engine.facts import daily_usage, dedupe_events, local_calendar
from goldpath.engine.measures import EngineInputs, account_measures, date_spine
from goldpath.model.spec import load_model
from goldpath.sources.readers import ROW

SNAPSHOTS = Path(__file__).parent / "sql_snapshots"
MODEL = Path(__file__).resolve().parents[2] / "examples" / "crm" / "model.yaml"
DIALECTS = ["snowflake", "bigquery", "postgres"]
UPDATE = os.environ.get("GOLDPATH_UPDATE_SNAPSHOTS") == "1"

#: DuckDB functions (and spellings) that no warehouse has: none may reach their SQL.
DUCKDB_ONLY = ["TIMEZONE(", "EPOCH_US(", "LIST_", "STRUCT_PACK(", "READ_CSV", "READ_PARQUET", "UNNEST(", "::",
               "STRFTIME(", "TRY_STRPTIME(", "REGEXP_MATCHES(", "ANY_VALUE("]


def _contract_table(name: str) -> ibis.Table:
    """An unbound table with the types validation gives contract table ``name``."""
    schema = {c.name: IBIS_TYPES[c.type] for c in TABLES[name].columns}
    return ibis.table({**schema, ROW: "int64"}, name=name)


def _pipeline() -> dict[str, ibis.Table]:
    events, accounts = _contract_table("events"), _contract_table("accounts")
    # A fixed calendar (zones and span), as calendar_for would read them from the data.
    calendar = local_calendar(["America/New_York", "Asia/Kolkata", None], dt.date(2022, 3, 12), dt.date(2022, 3, 14))
    fact = daily_usage(dedupe_events(events), accounts, calendar=calendar)
    inputs = EngineInputs(
        accounts=accounts,
        daily_usage=ibis.table(fact.schema(), name="daily_usage"),
        process_features=_contract_table("process_features"),
        process_criticality=_contract_table("process_criticality"),
        criticality_overrides=_contract_table("criticality_overrides"),
        renewals=_contract_table("renewals"),
        signals=_contract_table("signals"),
    )
    model = load_model(MODEL)
    spine = date_spine([dt.date(2022, 6, 30), dt.date(2022, 12, 31)], model.window_days, model.working_days)
    return {"daily_fact": fact, "measures": account_measures(inputs, spine, model)}


@pytest.fixture(scope="module")
def pipeline() -> dict[str, ibis.Table]:
    return _pipeline()


def _render(expr: ibis.Table, dialect: str) -> str:
    sql = str(ibis.to_sql(expr, dialect=dialect))
    names: dict[str, str] = {}
    sql = re.sub(r"ibis_[a-z]+_memtable_[a-z0-9]+", lambda m: names.setdefault(m.group(0), f"memtable_{len(names) + 1}"), sql)
    # Ibis keeps dropped columns in a set: their order in EXCLUDE/EXCEPT varies with the hash seed.
    sql = re.sub(r"\b(EXCLUDE|EXCEPT) \(([^()]*)\)",
                 lambda m: f"{m.group(1)} ({', '.join(sorted(c.strip() for c in m.group(2).split(',')))})", sql)
    return sql.rstrip() + "\n"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("stage", ["daily_fact", "measures"])
def test_sql_matches_snapshot(pipeline, stage: str, dialect: str) -> None:
    sql = _render(pipeline[stage], dialect)
    path = SNAPSHOTS / f"{stage}.{dialect}.sql"
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(sql, encoding="utf-8")
    assert path.exists(), f"{path.name}: no snapshot; create it with GOLDPATH_UPDATE_SNAPSHOTS=1"
    stored = path.read_text(encoding="utf-8")
    if sql != stored:
        diff = "".join(difflib.unified_diff(stored.splitlines(True), sql.splitlines(True), f"stored/{path.name}",
                                            f"now/{path.name}", n=2))
        lines = diff.splitlines(True)
        shown = "".join(lines[:80]) + (f"... {len(lines) - 80} more diff lines\n" if len(lines) > 80 else "")
        pytest.fail(f"the {dialect} SQL of the {stage} changed; if intended, rerun with GOLDPATH_UPDATE_SNAPSHOTS=1 "
                    f"and review the snapshot's diff\n{shown}", pytrace=False)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("stage", ["daily_fact", "measures"])
def test_sql_is_portable(pipeline, stage: str, dialect: str) -> None:
    """The dialect's parser reads the SQL back, and no DuckDB-only function is in it."""
    sql = _render(pipeline[stage], dialect)
    sqlglot.parse_one(sql, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
    upper = re.sub(r"'[^']*'", "''", sql).upper()  # outside string literals
    assert [f for f in DUCKDB_ONLY if f in upper] == []
