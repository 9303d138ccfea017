"""The benchmark harness at a tiny scale: every stage runs, the report is complete, goldpath and pandas agree."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))


@pytest.mark.slow
def test_tiny_benchmark_runs_every_stage_and_agrees(tmp_path):
    import report_doc
    import run

    report = run.main(["--events", "20k", "--accounts", "300", "--data", str(tmp_path / "data"),
                       "--results", str(tmp_path / "results")])
    assert report["agreement"].startswith("agree on all"), report["agreement"]
    assert [r["stage"] for r in report["rows"]] == list(run.STAGES)
    assert all(r["wall_s"] > 0 and r["peak_mib"] > 0 for r in report["rows"])
    assert {r["stage"]: r["met"] is not None for r in report["rows"]} == {
        "floor": False, "full": True, "history": True, "incremental": True, "pandas": True,
    }
    stored = json.loads((tmp_path / "results" / "20k" / "report.json").read_text())
    assert set(stored["results"]) == set(run.STAGES)
    assert stored["results"]["full"]["breakdown"]["read + validate"] > 0
    doc = report_doc.render(tmp_path / "results")
    assert "| full |" in doc and "cores" in doc


def test_generator_is_deterministic(tmp_path):
    import generate

    a = generate.generate(tmp_path / "a", 3000, 50, 400, days=14, seed=3)
    b = generate.generate(tmp_path / "b", 3000, 50, 400, days=14, seed=3)
    assert a["events_written"] == b["events_written"] > 0
    for rel in ("data/accounts.csv", "data/events/part-000.parquet", "extra/part-999.parquet"):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
