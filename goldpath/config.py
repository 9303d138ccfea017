"""The workspace file ``goldpath.yaml``: sources, engine and model."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from goldpath.alerts.sinks import SinkConfig
from goldpath.contract.tables import TABLES
from goldpath.engine.connection import DuckDBEngine, EngineConfig
from goldpath.errors import ConfigError

CONFIG_FILE = "goldpath.yaml"


class SourceSpec(BaseModel):
    """Where one contract table comes from."""

    model_config = ConfigDict(extra="forbid")
    path: str | None = Field(None, description="A file (.csv, .csv.gz, .parquet, or JSON lines with `format`).")
    url: str | None = Field(None, description="A database to read from, e.g. postgresql://user@host:5432/db.")
    table: str | None = Field(None, description="The table (or view) to read from `url`.")
    format: Literal["csv", "parquet", "segment-jsonl"] | None = None
    columns: dict[str, str] = Field(default_factory=dict, description="Contract column -> column in the file.")

    @model_validator(mode="after")
    def _one_origin(self) -> "SourceSpec":
        if (self.path is None) == (self.url is None):
            raise ValueError("give either `path` (a file) or `url` and `table` (a database table)")
        if self.url is not None and not self.table:
            raise ValueError("a database source needs `table`")
        return self

    @property
    def label(self) -> str:
        """How messages name this source."""
        return self.path if self.path is not None else f"{self.table} (database table)"


class ServerConfig(BaseModel):
    """The ``server:`` section: who may use the REST API and the dashboard of ``goldpath serve``.

    Tokens are secrets and never live in this file: the environment variable named by
    ``tokens_env`` holds ``name:token`` pairs separated by commas; a token's name is the
    author of its writes in the audit log.
    """

    model_config = ConfigDict(extra="forbid")
    read_access: Literal["token", "open"] = Field(
        "token", description="`token` (default): reads need a token like writes; `open`: anyone who reaches the "
        "server may read. Writes always need a token.",
    )
    tokens_env: str = Field(
        "GOLDPATH_API_TOKENS", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Environment variable with the API tokens, `name:token` pairs separated by commas.",
    )


class WorkspaceConfig(BaseModel):
    """Contents of ``goldpath.yaml``."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    engine: EngineConfig = Field(default_factory=DuckDBEngine)
    model: str = "model.yaml"
    playbooks: str | None = Field(None, description="Playbook YAML file, for `goldpath actions`.")
    notes: list[str] = Field(
        default_factory=list, description="Known defects of the sources (adapters write them); `check` repeats them."
    )
    week_start: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = Field(
        "mon", description="First day of a reporting week (ISO Monday by default)."
    )
    alerts: list[SinkConfig] = Field(default_factory=list, description="Where tier-change alerts go.")
    alerts_wait_seconds: float = Field(
        3, ge=0, description="How long a command waits at exit for webhook deliveries before leaving them pending."
    )
    alerts_max_data_lag_days: int = Field(
        3, ge=0, description="No alerts from a snapshot whose newest event is more than this many days old."
    )
    lookback_days: int = Field(
        7, ge=0, description="Incremental loads re-read this many days before the newest stored day, for late events."
    )
    server: ServerConfig = Field(default_factory=ServerConfig, description="REST API and dashboard access.")
    sources: dict[str, SourceSpec] = Field(default_factory=dict)

    @field_validator("sources", mode="before")
    @classmethod
    def _paths(cls, v: object) -> object:
        if isinstance(v, dict):
            return {k: ({"path": s} if isinstance(s, str) else s) for k, s in v.items()}
        return v

    @field_validator("sources")
    @classmethod
    def _known(cls, v: dict[str, SourceSpec], info: ValidationInfo) -> dict[str, SourceSpec]:
        unknown = sorted(set(v) - set(TABLES))
        if unknown:
            raise ValueError(f"unknown source table(s) {unknown}; contract tables are {sorted(TABLES)}")
        provided = (info.context or {}).get("provided", set())
        missing = sorted(n for n, t in TABLES.items() if t.required and n not in v and n not in provided)
        if missing:
            raise ValueError(f"required source table(s) missing: {missing}")
        for name, spec in v.items():
            extra = sorted(set(spec.columns) - set(TABLES[name].column_names))
            if extra:
                raise ValueError(
                    f"{name}.columns maps unknown contract column(s) {extra}; the mapping reads "
                    f"contract column: column in your file, e.g. {{account_id: company_id}}"
                )
        return v


def load_config(root: Path, provided: set[str] | None = None) -> WorkspaceConfig:
    """Read and validate ``goldpath.yaml`` in ``root``.

    ``provided`` names tables given as dataframes, which the file then need not list.
    """
    path = root / CONFIG_FILE
    if not path.exists():
        raise ConfigError(f"{path}: not found; create a workspace with `goldpath init {root}`")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return WorkspaceConfig.model_validate(data, context={"provided": provided or set()})
    except ValidationError as exc:
        lines = [f"  {'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        raise ConfigError(f"{path}: invalid workspace file\n" + "\n".join(lines)) from exc
