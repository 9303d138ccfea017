"""Backend connection configs (a pydantic union discriminated on ``type``) and connecting.

Every connection pins the session time zone to UTC: timestamps are stored in UTC and day
boundaries are drawn explicitly in each account's reporting time zone.

Two roles, one object by default:

- the **store** (history, inputs, the daily fact, overrides, audit, alerts) is always a
  DuckDB file in the workspace: scores are small, and the store relies on DuckDB's
  transactions;
- the **compute engine** runs the heavy Ibis pipeline (deduplication, the daily fact from the
  events, the measures from the fact over a date spine). With ``type: duckdb`` it is the store
  itself. With ``type: pyspark`` it is a Spark session (local or a cluster master), and tables
  move between the two as Arrow (:func:`on_engine`, :func:`into_store`). Warehouse types
  (``snowflake``, ``bigquery``, ``postgres``, or any ``ibis`` URL) connect with
  :func:`ibis.connect`; their SQL is compile-tested only (tests/engine/test_sql_dialects.py).
"""

from __future__ import annotations

import dataclasses
import os
import re
import uuid
from pathlib import Path
from typing import Annotated, Literal, TypeVar, Union

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Field, model_validator

from goldpath.errors import ConfigError, StoreInUseError

STORE_FILE = "goldpath.duckdb"


class DuckDBEngine(BaseModel):
    """Embedded DuckDB: the default engine and store, one file in the workspace."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["duckdb"] = "duckdb"
    path: str = Field(STORE_FILE, description="Database file, relative to the workspace.")
    threads: int | None = Field(None, ge=1, description="Worker threads; all cores when empty.")
    memory_limit: str | None = Field(None, description="DuckDB memory limit such as '4GB'.")
    settings: dict[str, str | int | float | bool] = Field(
        default_factory=dict,
        description="More DuckDB settings (SET name = value), e.g. preserve_insertion_order: false for big loads.")


class PySparkEngine(BaseModel):
    """Apache Spark through PySpark (``pip install 'goldpath[spark]'``, Java 17)."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["pyspark"]
    master: str = Field("local[2]", description="Spark master: local[N], local[*] or a cluster URL (spark://host:7077).")
    app_name: str = Field("goldpath", description="Spark application name.")
    shuffle_partitions: int = Field(8, ge=1, description="spark.sql.shuffle.partitions (Spark's default 200 suits big clusters).")
    conf: dict[str, str] = Field(default_factory=dict, description="More Spark settings, e.g. spark.executor.memory.")
    store: str = Field(STORE_FILE, description="The DuckDB store file for history, inputs and the fact.")


WAREHOUSE_SCHEMES = {"snowflake": "snowflake", "bigquery": "bigquery", "postgres": "postgres"}


class WarehouseEngine(BaseModel):
    """A SQL warehouse Ibis connects to by URL (``ibis.connect``). Compile-tested only."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["snowflake", "bigquery", "postgres", "ibis"]
    url: str = Field(description="An ibis.connect URL, e.g. snowflake://user:pass@account/db/schema?warehouse=wh.")
    store: str = Field(STORE_FILE, description="The DuckDB store file for history, inputs and the fact.")

    @model_validator(mode="after")
    def _scheme(self) -> "WarehouseEngine":
        scheme = self.url.split("://", 1)[0].lower()
        want = WAREHOUSE_SCHEMES.get(self.type)
        if want is not None and not (scheme == want or (want == "postgres" and scheme == "postgresql")):
            raise ValueError(f"engine type {self.type} needs a {want}:// url (got {scheme}://)")
        return self


EngineConfig = Annotated[Union[DuckDBEngine, PySparkEngine, WarehouseEngine], Field(discriminator="type")]
AnyEngine = DuckDBEngine | PySparkEngine | WarehouseEngine


def _path(root: Path, name: str) -> Path:
    path = Path(name)
    return path if path.is_absolute() else root / path


def connect(config: AnyEngine, root: Path) -> ibis.BaseBackend:
    """Open the engine described by ``config``, with paths relative to ``root``."""
    if isinstance(config, PySparkEngine):
        return connect_spark(config)
    if isinstance(config, WarehouseEngine):
        try:
            return ibis.connect(config.url)
        except ImportError as exc:
            raise ConfigError(f"engine {config.type}: its driver is not installed ({exc}); "
                              f"`pip install 'ibis-framework[{config.type}]'`") from exc
    con = _open_duckdb(_path(root, config.path))
    con.raw_sql("SET TimeZone = 'UTC'")
    con.raw_sql("SET enable_progress_bar = false")
    if config.threads:
        con.raw_sql(f"SET threads = {int(config.threads)}")
    if config.memory_limit:
        con.raw_sql(f"SET memory_limit = '{config.memory_limit}'")
    for name, value in config.settings.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ConfigError(f"engine.settings: {name!r} is not a DuckDB setting name")
        literal = str(value).lower() if isinstance(value, bool) else (
            str(value) if isinstance(value, (int, float)) else "'" + str(value).replace("'", "''") + "'")
        try:
            con.raw_sql(f"SET {name} = {literal}")
        except Exception as exc:  # noqa: BLE001 - DuckDB's own message names the problem
            raise ConfigError(f"engine.settings: {name} = {value!r}: {exc}") from None
    return con


def _open_duckdb(path: Path) -> ibis.BaseBackend:
    """A DuckDB file; :class:`StoreInUseError` when another process holds its lock (DuckDB: one writer process)."""
    import duckdb

    try:
        return ibis.duckdb.connect(str(path))
    except duckdb.IOException as exc:
        if "Could not set lock" not in str(exc):
            raise
        pid = re.search(r"\(PID (\d+)\)", str(exc))
        holder = f"PID {pid.group(1)}, " if pid else ""
        raise StoreInUseError(
            f"the workspace store {path} is in use by another process ({holder}e.g. `goldpath serve`); "
            f"stop it, or use the dashboard/REST API while it runs"
        ) from None


def connect_store(config: AnyEngine, root: Path) -> ibis.BaseBackend:
    """The DuckDB store: the engine itself for ``type: duckdb``, else the ``store`` file."""
    if isinstance(config, DuckDBEngine):
        return connect(config, root)
    return connect(DuckDBEngine(path=config.store), root)


def connect_spark(config: PySparkEngine) -> ibis.BaseBackend:
    """A Spark session for ``config``: UTC, quiet, no web UI, Arrow transfers, few shuffle partitions."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError("engine pyspark: PySpark is not installed; `pip install 'goldpath[spark]'` "
                          "(and Java 17 on the PATH)") from exc
    settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
        "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
        "spark.sql.shuffle.partitions": str(config.shuffle_partitions),
        "spark.default.parallelism": str(config.shuffle_partitions),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # ANSI mode (Spark 4's default) raises on integer overflow and invalid casts where
        # other engines return null; the pipeline's casts are all valid, but keep the
        # semantics the DuckDB reference has.
        "spark.sql.ansi.enabled": "false",
        **config.conf,
    }
    if config.master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # one machine: stay on loopback
    builder = SparkSession.builder.master(config.master).appName(config.app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return ibis.pyspark.connect(session)


def same_backend(table: ir.Table, engine: ibis.BaseBackend) -> bool:
    """Whether ``table`` is computed by ``engine``."""
    try:
        return table._find_backend(use_default=False) is engine
    except Exception:  # noqa: BLE001 - in-memory only expressions have no backend of their own
        return False


def on_engine(engine: ibis.BaseBackend, table: ir.Table | None) -> ir.Table | None:
    """``table`` on the compute engine: itself when it already is, else a copy sent as Arrow.

    On Spark the copy is a cached temporary view; on other engines a temporary table.
    """
    if table is None or same_backend(table, engine):
        return table
    data = table.to_pyarrow()
    name = f"_goldpath_{uuid.uuid4().hex[:10]}"
    if engine.name == "pyspark":
        engine._session.createDataFrame(data).cache().createOrReplaceTempView(name)
        return engine.table(name)
    return engine.create_table(name, data, temp=True)


T = TypeVar("T")


def inputs_on(engine: ibis.BaseBackend, inputs: T) -> T:
    """A dataclass of tables (such as ``EngineInputs``) with every table moved to ``engine``."""
    return dataclasses.replace(inputs, **{f.name: on_engine(engine, getattr(inputs, f.name))
                                          for f in dataclasses.fields(inputs)})


def into_store(store: ibis.BaseBackend, name: str, expr: ir.Table, temp: bool = True) -> ir.Table:
    """Materialise ``expr`` as table ``name`` in the store (fetched as Arrow when computed elsewhere).

    ``temp=False`` makes a staging table of the database itself, which a transaction can
    then rename into place instead of copying it.
    """
    if same_backend(expr, store):
        return store.create_table(name, expr, temp=temp, overwrite=not temp)
    return store.create_table(name, expr.to_pyarrow(), temp=temp, overwrite=not temp)


def temp_table(engine: ibis.BaseBackend, prefix: str, expr: ir.Table) -> ir.Table:
    """Materialise ``expr`` on its engine for reuse: a temporary table, or a cached view on Spark."""
    if engine.name == "pyspark":
        return expr.cache()
    return engine.create_table(f"{prefix}{uuid.uuid4().hex[:8]}", expr, temp=True)


def drop_temp(*tables: ir.Table | None) -> None:
    """Release tables made by :func:`temp_table`, :func:`on_engine` or validation (each once; None skipped).

    A temporary table is dropped, a cached Spark view uncached and dropped, so a long run
    (a history of many batches, a load of 100M events followed by scoring) does not keep
    every intermediate result in the engine's memory until the connection closes.
    """
    for table in {t.get_name(): t for t in tables if t is not None}.values():
        if isinstance(table, ir.CachedTable):
            table.release()
            continue
        engine, op = table._find_backend(use_default=False), table.op()
        if engine.name == "pyspark":
            engine._session.catalog.dropTempView(op.name)
            continue
        # By its own name in its own namespace (DuckDB's temporary tables are in catalog "temp"):
        # the qualified name ``get_name()`` gives is not a table name.
        where = tuple(p for p in (op.namespace.catalog, op.namespace.database) if p)
        engine.drop_table(op.name, database=where or None, force=True)
