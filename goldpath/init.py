"""Creating workspaces: ``goldpath init`` templates and the bundled example."""

from __future__ import annotations

from pathlib import Path

from goldpath.errors import GoldpathError

DEMO_AS_OF = "2022-12-31"

WORKSPACE_TEMPLATE = """\
# goldpath workspace. Paths are relative to this folder.
name: my-customers

# The engine that holds the data and the score history. The default is an embedded
# DuckDB file in this folder; nothing else to install.
engine:
  type: duckdb
  path: goldpath.duckdb
  # threads: 2            # worker threads (all cores when empty)
  # memory_limit: 4GB
# Or compute on Spark (pip install 'goldpath[spark]', Java 17); history stays in goldpath.duckdb:
# engine: {type: pyspark, master: "local[4]", shuffle_partitions: 8, conf: {spark.driver.memory: 4g}}
# Snowflake, BigQuery or PostgreSQL by URL (README: Engines and warehouses):
# engine: {type: postgres, url: "postgresql://user@host:5432/db"}

# The scoring model: measures, schemes, weights, tier rules and the GOLD gate.
model: model.yaml
# playbooks: playbooks.yaml         # gaps -> next best actions, for `goldpath actions`

# Incremental loads re-read this many days before the newest stored day, for late events.
lookback_days: 7
week_start: mon                     # first day of a reporting week (`score --every week`)

# Alerts when an account drops a tier, reaches GOLD or loses it (once per change, per sink).
# alerts:
#   - {type: jsonl, path: alerts.jsonl}
#   - {type: webhook, url: "https://hooks.example.com/goldpath", retries: 3, backoff_seconds: 0.5}

# `goldpath serve` (REST API under /api/v1 and the dashboard). Writes always need a token;
# tokens live in the environment, never here: GOLDPATH_API_TOKENS="dana:s3cret,ops:0ther".
# server:
#   read_access: token              # or open: anyone who reaches the server may read
#   tokens_env: GOLDPATH_API_TOKENS

# Where each table of the data contract comes from (docs/data-contract.md lists every
# column). A source is a path (.csv, .csv.gz or .parquet), or a mapping with `path`,
# optional `format` and `columns` (contract column -> the column name in your file).
sources:
  accounts: data/accounts.csv
  events:
    path: data/events.csv.gz
    # columns: {account_id: company_id, timestamp: event_time, feature: event_name}
  process_features: data/process_features.csv
  process_criticality: data/process_criticality.csv
  # Optional tables:
  # signals: data/signals.csv        # account, metric, value, date (NPS, CSAT, open tickets...)
  # users: data/users.csv
  # criticality_overrides: data/criticality_overrides.csv
  # contacts: data/contacts.csv
  # outcomes: data/outcomes.csv
  # acknowledgements: data/acknowledgements.csv
  # renewals: data/renewals.csv
"""

MODEL_TEMPLATE = """\
# goldpath scoring model. Two axes, never blended; tiers are rules over both.
name: my-model-v1
window_days: 28                       # trailing window ending on the as-of date, inclusive
working_days: [mon, tue, wed, thu, fri]

params:
  key_feature_min_users: 2            # a key feature is adopted when this many users used it
  critical_min: 4                     # processes with criticality >= 4 (of 5) are critical
  key_features:                       # per segment; `default` for segments not listed
    default: [feature_a, feature_b, feature_c]

# Each measure: a weight, a scheme from raw value to 0..100, and what to do without data
# (missing: exclude | zero | neutral). Schemes: linear {min, max, direction},
# bands {bands: [{max, score}, {min, max, score}, {min, score}]}, target {target},
# log {min, max}. Coverage (share of weight with data) is kept on every axis score.
engagement:
  min_coverage: 0.5                   # below this the tier is "insufficient data"
  measures:
    active_seat_ratio:           {weight: 35, scheme: {type: linear, min: 0.2, max: 0.9}}
    stickiness:                  {weight: 20, scheme: {type: linear, min: 0.1, max: 0.6}}
    active_days_per_active_user: {weight: 15, scheme: {type: linear, min: 4, max: 20}}
    key_feature_adoption:        {weight: 30, scheme: {type: linear, min: 0.3, max: 1.0}}

indispensability:
  min_coverage: 0.5
  measures:
    process_coverage:            {weight: 40, scheme: {type: linear, min: 0.3, max: 1.0}}
    critical_process_regularity: {weight: 35, scheme: {type: linear, min: 0.2, max: 0.9}}
    critical_process_reach:      {weight: 25, scheme: {type: linear, min: 0.3, max: 1.0}}

# Ordered rules per segment, first match wins; the last rule has no conditions.
tiers:
  default:
    - tier: green
      when: {engagement: {min: 65}, indispensability: {min: 65}}
    - tier: yellow
      when: {engagement: {min: 40}, indispensability: {min: 40}}
    - tier: red

# GOLD = Green + an achieved outcome acknowledged by a contact of each role group,
# within validity_days, by contacts who have not left.
gold:
  required_roles: [[team], [sponsor, stakeholder], [finance]]
  validity_days: 365
"""


def write_template(directory: Path) -> list[Path]:
    """Create a workspace folder with a commented ``goldpath.yaml`` and ``model.yaml``.

    Raises
    ------
    GoldpathError
        If the folder already holds a ``goldpath.yaml`` (nothing is overwritten).
    """
    directory = Path(directory)
    config = directory / "goldpath.yaml"
    if config.exists():
        raise GoldpathError(f"{config} already exists; not overwriting it")
    (directory / "data").mkdir(parents=True, exist_ok=True)
    config.write_text(WORKSPACE_TEMPLATE, encoding="utf-8")
    model = directory / "model.yaml"
    written = [config]
    if not model.exists():
        model.write_text(MODEL_TEMPLATE, encoding="utf-8")
        written.append(model)
    return written


def example_dir() -> Path:
    """Folder of the bundled CRM example (in the wheel, or in the source tree)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_examples" / "crm", here.parent / "examples" / "crm"):
        if (candidate / "goldpath.yaml").exists():
            return candidate
    raise GoldpathError("the bundled example is not installed; reinstall goldpath or run from a source checkout")
