"""Backend connection configs (a pydantic union discriminated on ``type``) and connecting.

Every connection pins the session time zone to UTC: timestamps are stored in UTC and day
boundaries are drawn explicitly in each account's reporting time zone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union

import ibis
from pydantic import BaseModel, ConfigDict, Field


class DuckDBEngine(BaseModel):
    """Embedded DuckDB: the default engine and store, one file in the workspace."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["duckdb"] = "duckdb"
    path: str = Field("goldpath.duckdb", description="Database file, relative to the workspace.")
    threads: int | None = Field(None, ge=1, description="Worker threads; all cores when empty.")
    memory_limit: str | None = Field(None, description="DuckDB memory limit such as '4GB'.")


EngineConfig = Annotated[Union[DuckDBEngine], Field(discriminator="type")]


def connect(config: DuckDBEngine, root: Path) -> ibis.BaseBackend:
    """Open the engine described by ``config``, with paths relative to ``root``."""
    path = Path(config.path)
    if not path.is_absolute():
        path = root / path
    con = ibis.duckdb.connect(str(path))
    con.raw_sql("SET TimeZone = 'UTC'")
    con.raw_sql("SET enable_progress_bar = false")
    if config.threads:
        con.raw_sql(f"SET threads = {int(config.threads)}")
    if config.memory_limit:
        con.raw_sql(f"SET memory_limit = '{config.memory_limit}'")
    return con
