"""Engine configs in goldpath.yaml, the store/engine split and moving tables between them."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from goldpath.config import load_config
from goldpath.engine.connection import (
    DuckDBEngine, PySparkEngine, WarehouseEngine, connect, connect_store, drop_temp, into_store, on_engine, same_backend,
    temp_table,
)
from goldpath.errors import ConfigError

SOURCES = """
sources:
  accounts: a.csv
  events: e.csv
  process_features: pf.csv
  process_criticality: pc.csv
"""


def _config(tmp_path: Path, engine: str):
    (tmp_path / "goldpath.yaml").write_text(f"engine: {engine}\n{SOURCES}")
    return load_config(tmp_path)


def test_engine_types_parse(tmp_path) -> None:
    spark = _config(tmp_path, "{type: pyspark, master: 'spark://head:7077', conf: {spark.executor.memory: 8g}}").engine
    assert isinstance(spark, PySparkEngine)
    assert (spark.master, spark.shuffle_partitions, spark.store) == ("spark://head:7077", 8, "goldpath.duckdb")
    assert spark.conf == {"spark.executor.memory": "8g"}
    assert isinstance(_config(tmp_path, "{type: duckdb}").engine, DuckDBEngine)
    for kind, url in (("snowflake", "snowflake://u:p@acct/db/sch?warehouse=wh"), ("bigquery", "bigquery://proj/ds"),
                      ("postgres", "postgresql://u@h:5432/db"), ("ibis", "mysql://u@h/db")):
        engine = _config(tmp_path, f"{{type: {kind}, url: '{url}'}}").engine
        assert isinstance(engine, WarehouseEngine) and engine.url == url


def test_warehouse_url_must_match_its_type(tmp_path) -> None:
    with pytest.raises(ConfigError, match="engine type snowflake needs a snowflake:// url"):
        _config(tmp_path, "{type: snowflake, url: 'postgresql://u@h/db'}")
    with pytest.raises(ConfigError, match="engine"):
        _config(tmp_path, "{type: spark}")


def test_store_is_duckdb_whatever_the_engine(tmp_path) -> None:
    """A Spark or warehouse config keeps its history in the DuckDB ``store`` file (no Spark started)."""
    store = connect_store(PySparkEngine(type="pyspark", store="history.duckdb"), tmp_path)
    try:
        assert store.name == "duckdb"
        store.create_table("t", pa.table({"x": [1]}))
        assert (tmp_path / "history.duckdb").exists()
    finally:
        store.disconnect()


def test_tables_move_between_store_and_engine(tmp_path) -> None:
    """``on_engine`` copies a table to another backend (identity on its own); ``into_store`` brings results back."""
    store = connect(DuckDBEngine(path=":memory:"), tmp_path)
    other = connect(DuckDBEngine(path=":memory:"), tmp_path)
    try:
        t = store.create_table("t", pa.table({"x": [1, 2, 3]}), temp=True)
        assert on_engine(store, t) is t and on_engine(other, None) is None
        moved = on_engine(other, t)
        assert same_backend(moved, other) and not same_backend(moved, store)
        back = into_store(store, "doubled", moved.mutate(y=moved.x * 2))
        assert same_backend(back, store)
        assert back.order_by("x").to_pyarrow().to_pydict() == {"x": [1, 2, 3], "y": [2, 4, 6]}
    finally:
        other.disconnect()
        store.disconnect()


def test_duckdb_workspace_engine_is_its_store(tmp_path) -> None:
    from goldpath import Workspace

    for name in ("a.csv", "e.csv", "pf.csv", "pc.csv"):
        (tmp_path / name).write_text("x\n")
    (tmp_path / "goldpath.yaml").write_text(f"engine: {{type: duckdb, path: s.duckdb}}\n{SOURCES}")
    with Workspace(tmp_path) as ws:
        assert ws.engine is ws.con


def test_drop_temp_releases_temporary_tables_and_copies(tmp_path) -> None:
    """``drop_temp`` drops what ``temp_table`` and ``on_engine`` made, by its own name."""
    store = connect(DuckDBEngine(path=":memory:"), tmp_path)
    other = connect(DuckDBEngine(path=":memory:"), tmp_path)

    def temporary(con) -> list[str]:
        return [r[0] for r in con.raw_sql("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()]

    try:
        t = store.create_table("t", pa.table({"x": [1, 2, 3]}), temp=True)
        made = temp_table(store, "_span_", t.filter(t.x > 1))
        copy = on_engine(other, t)
        assert len(temporary(store)) == 2 and len(temporary(other)) == 1
        drop_temp(made)
        drop_temp(copy)
        assert temporary(store) == ["t"] and temporary(other) == []
    finally:
        other.disconnect()
        store.disconnect()
