"""The RavenStack adapter end to end: raw export -> workspace -> check -> tiers with honest coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldpath import Workspace
from goldpath.sources.adapters.ravenstack import convert

SRC = Path(__file__).resolve().parents[3] / "shared" / "data" / "ravenstack"
pytestmark = pytest.mark.skipif(not SRC.exists(), reason="needs ../shared/data/ravenstack (present in CI)")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> tuple[Path, list[str]]:
    out = tmp_path_factory.mktemp("raven") / "ws"
    return out, convert(SRC, out)


def test_dataset_defects_are_reported(workspace):
    out, notes = workspace
    assert any("churn_flag disagrees" in n for n in notes)
    assert any("usage rows fall outside their subscription's dates" in n for n in notes)
    with Workspace(out) as ws:
        report = ws.check()
    events = report["events"]
    assert events["before_contract_start"] > 0 and events["without_user"] == 25000
    text = "\n".join(report["warnings"])
    assert "no event names a user" in text
    assert "21 event_id value(s) appear in more than one account" in text
    # the defects no table check can see travel with the workspace
    assert any("churn_flag disagrees" in n for n in report["source_notes"])


def test_scoring_completes_with_honest_coverage(workspace):
    out, _ = workspace
    with Workspace(out) as ws:
        scores = ws.score("2024-12-31")
    # Without user ids, the user-counting measures (60 of 100 engagement weight) never have data.
    assert (scores["engagement_coverage"] <= 0.4).all()
    assert set(scores["tier"]) <= {"red", "yellow", "green", "insufficient data"}
    assert (scores["tier"] == "insufficient data").any() and (scores["tier"] != "insufficient data").any()
    with Workspace(out) as ws:
        e = ws.explain(scores["account_id"].iloc[0], "2024-12-31")
    seats = e.axes[0].measures.set_index("measure").loc["active_seat_ratio"]
    assert seats["status"] == "missing: excluded"
    assert seats["detail"] == "no user ids in this account's events: users cannot be counted"
