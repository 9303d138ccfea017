"""The same pipeline on PySpark ``local[2]`` and on DuckDB: the example workspace scores identically.

Slow tier (a JVM start and two loads of the example's 1.26 million events); CI installs
PySpark (.ci/run) and fails here if it is missing; locally it is skipped without PySpark.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from goldpath import Workspace

try:
    import pyspark  # noqa: F401
except ImportError:
    if os.environ.get("CI"):
        raise RuntimeError("CI must install PySpark for the Spark tier: .ci/run installs '.[test,spark]'") from None
    pytest.skip("PySpark is not installed (pip install -e '.[spark]')", allow_module_level=True)

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    # PySpark collects results over local sockets that it leaves to the garbage collector.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "crm"
DATES = [dt.date(2022, 3, 31), dt.date(2022, 12, 31)]
SPARK = "engine: {type: pyspark, master: 'local[2]', shuffle_partitions: 4}\n"


def _workspace(root: Path, engine: str | None) -> Path:
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("goldpath.duckdb*", "alerts.jsonl"))
    if engine is not None:
        text = (root / "goldpath.yaml").read_text()
        default = "engine:\n  type: duckdb\n  path: goldpath.duckdb\n"
        assert default in text, "the example's engine block changed; update this test"
        (root / "goldpath.yaml").write_text(text.replace(default, engine))
    return root


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, dict[str, pd.DataFrame]]:
    """Load the example and compute two dates on each engine; also keep each stored daily fact."""
    out = {}
    for name, engine in (("duckdb", None), ("pyspark", SPARK)):
        with Workspace(_workspace(tmp_path_factory.mktemp(name) / "ws", engine)) as ws:
            assert ws.engine.name == name
            ws.load()
            out[name] = ws.compute(DATES)
            out[name]["fact"] = ws.con.table("daily_usage").to_pandas()
    return out


def _sorted(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.sort_values(keys).reset_index(drop=True)


def test_daily_fact_is_identical(runs) -> None:
    """Deduplication, local days and counts: the fact Spark built is the one DuckDB built."""
    keys = ["account_id", "user_id", "day", "feature"]
    duck, spark = (_sorted(runs[n]["fact"], keys) for n in ("duckdb", "pyspark"))
    assert len(duck) > 100_000
    pd.testing.assert_frame_equal(duck.drop(columns="value"), spark.drop(columns="value"))
    # Sums of floating values may differ in the last bit with the order of addition.
    pd.testing.assert_series_equal(duck["value"], spark["value"], check_exact=False, rtol=1e-12)


def test_measures_are_identical(runs) -> None:
    """Every measure's raw value, score and contribution, for every account and date."""
    keys = ["as_of", "account_id", "measure"]
    duck, spark = (_sorted(runs[n]["score_measures"], keys) for n in ("duckdb", "pyspark"))
    assert set(duck["as_of"]) == set(DATES) and len(duck) > 1000
    pd.testing.assert_frame_equal(duck, spark)


def test_axes_and_tiers_are_identical(runs) -> None:
    keys = ["as_of", "account_id"]
    cols = ["as_of", "account_id", "model_segment", "engagement", "engagement_coverage", "indispensability",
            "indispensability_coverage", "engagement_trend", "indispensability_trend", "axis_tier", "computed_tier",
            "tier", "tier_rule", "gold_evidence", "data_through"]
    duck, spark = (_sorted(runs[n]["scores"], keys)[cols] for n in ("duckdb", "pyspark"))
    assert duck["tier"].nunique() >= 3
    pd.testing.assert_frame_equal(duck, spark)
