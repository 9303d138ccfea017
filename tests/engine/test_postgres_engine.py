"""PostgreSQL as the compute engine (``engine: {type: postgres, url: ...}``) against a real server.

The example workspace, cut to its events from December 2022, scored on 2022-12-31 with
PostgreSQL computing the daily fact and the measures gives what DuckDB gives. CI starts the
server (.ci/run); without GOLDPATH_TEST_POSTGRES this is skipped locally.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from goldpath import Workspace

URL = os.environ.get("GOLDPATH_TEST_POSTGRES")
if URL is None and os.environ.get("CI"):
    raise RuntimeError("CI must provide a PostgreSQL server in GOLDPATH_TEST_POSTGRES (see .ci/run)")
pytestmark = [pytest.mark.postgres, pytest.mark.slow,
              pytest.mark.skipif(URL is None, reason="no GOLDPATH_TEST_POSTGRES server")]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "crm"
AS_OF = dt.date(2022, 12, 31)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, dict[str, pd.DataFrame]]:
    events = pd.read_csv(EXAMPLE / "data" / "events.csv.gz")
    events = events[events["timestamp"] >= "2022-12-01"]
    out = {}
    for name, engine in (("duckdb", None), ("postgres", f"engine: {{type: postgres, url: '{URL}'}}\n")):
        root = tmp_path_factory.mktemp(name) / "ws"
        shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("goldpath.duckdb*", "alerts.jsonl"))
        events.to_csv(root / "data" / "events.csv.gz", index=False)
        if engine is not None:
            text = (root / "goldpath.yaml").read_text()
            default = "engine:\n  type: duckdb\n  path: goldpath.duckdb\n"
            assert default in text, "the example's engine block changed; update this test"
            (root / "goldpath.yaml").write_text(text.replace(default, engine))
        with Workspace(root) as ws:
            assert ws.engine.name == name
            ws.load()
            out[name] = ws.compute([AS_OF])
            out[name]["fact"] = ws.con.table("daily_usage").to_pandas()
    return out


def test_postgres_computes_what_duckdb_computes(runs) -> None:
    fact_keys = ["account_id", "user_id", "day", "feature"]
    duck, pg = (runs[n]["fact"].sort_values(fact_keys).reset_index(drop=True) for n in ("duckdb", "postgres"))
    assert len(duck) > 10_000
    pd.testing.assert_frame_equal(duck.drop(columns="value"), pg.drop(columns="value"))
    pd.testing.assert_series_equal(duck["value"], pg["value"], check_exact=False, rtol=1e-12)
    for name, keys in (("score_measures", ["as_of", "account_id", "measure"]), ("scores", ["as_of", "account_id"])):
        duck, pg = (runs[n][name].sort_values(keys).reset_index(drop=True).drop(columns="computed_at", errors="ignore")
                    for n in ("duckdb", "postgres"))
        pd.testing.assert_frame_equal(duck, pg)
