"""Overrides and the audit log: the store functions, and the Workspace on the bundled example."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import ibis
import pandas as pd
import pytest

from goldpath import Workspace
from goldpath.errors import ConflictError, GoldpathError, InputError
from goldpath.scoring.axes import hundredths
from goldpath.store import overrides

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "crm"
DAY = dt.date(2022, 12, 31)
D = dt.date


# -- the store functions on an in-memory engine ------------------------------------------------

@pytest.fixture
def con():
    """An empty in-memory DuckDB engine."""
    c = ibis.duckdb.connect()
    yield c
    c.disconnect()


def add(con, account: str = "A1", **kw) -> int:
    """Add an override with defaults for the required fields."""
    args = {"author": "ana", "reason": "call with the CFO", "starts": D(2022, 12, 1), "expires": D(2022, 12, 31)}
    args.update(kw)
    return overrides.add_override(con, account, **args)


def test_add_list_and_audit(con):
    """Ids count up, the list is newest first and each add is audited with its details."""
    first = add(con, tier="red")
    second = add(con, "A2", measure="stickiness", score=75.5, author="bo", reason="survey says so")
    assert (first, second) == (1, 2)
    listed = overrides.list_overrides(con)
    assert listed["override_id"].tolist() == [2, 1]
    assert listed[["account_id", "kind", "measure", "tier"]].values.tolist() == [
        ["A2", "measure", "stickiness", None], ["A1", "tier", None, "red"],
    ]
    assert listed["score"].iloc[0] == 75.5 and pd.isna(listed["score"].iloc[1])
    log = overrides.audit_log(con)
    assert log[["actor", "action", "target"]].values.tolist() == [
        ["ana", "override.add", "A1"], ["bo", "override.add", "A2"],
    ]
    details = json.loads(log["details"].iloc[1])
    assert details == {"override_id": 2, "kind": "measure", "measure": "stickiness", "tier": None, "score": 75.5,
                       "reason": "survey says so", "starts": "2022-12-01", "expires": "2022-12-31"}


def test_active_on_each_date_from_starts_to_expires_inclusive(con):
    """An override is in force from its first day to its expiry, both included."""
    oid = add(con, tier="red", starts=D(2022, 12, 10), expires=D(2022, 12, 20))
    days = [D(2022, 12, 9), D(2022, 12, 10), D(2022, 12, 20), D(2022, 12, 21)]
    active = overrides.active_overrides(con, days)
    assert active["as_of"].tolist() == [D(2022, 12, 10), D(2022, 12, 20)]
    assert active["note"].iloc[0] == f"#{oid} by ana until 2022-12-20: call with the CFO"


def test_removed_override_ends_on_its_removal_day(con):
    """Removed on a day: in force the day before, not on that day; the row is kept."""
    oid = add(con, tier="red")
    overrides.remove_override(con, oid, author="bo", reason="resolved", on=D(2022, 12, 15))
    active = overrides.active_overrides(con, [D(2022, 12, 14), D(2022, 12, 15)])
    assert active["as_of"].tolist() == [D(2022, 12, 14)]
    row = overrides.list_overrides(con).iloc[0]
    assert (pd.Timestamp(row["removed_on"]).date(), row["removed_by"]) == (D(2022, 12, 15), "bo")
    last = overrides.audit_log(con).iloc[-1]
    assert (last["actor"], last["action"], last["target"]) == ("bo", "override.remove", "A1")
    assert json.loads(last["details"]) == {"override_id": oid, "reason": "resolved", "on": "2022-12-15"}
    with pytest.raises(GoldpathError, match=f"no active override with id {oid}"):
        overrides.remove_override(con, oid, author="bo", reason="again", on=D(2022, 12, 16))


def test_newest_override_of_the_same_target_wins(con):
    """Two live overrides of one account's tier: the later one applies; other targets stay."""
    add(con, tier="red")
    newer = add(con, tier="green", author="bo")
    add(con, measure="stickiness", score=10)
    active = overrides.active_overrides(con, [DAY])
    assert sorted(zip(active["kind"], active["override_id"])) == [("measure", 3), ("tier", newer)]
    assert active.loc[active["kind"] == "tier", "tier"].item() == "green"


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"tier": "red", "reason": "  "}, "an override needs an author and a reason"),
        ({"tier": "red", "author": ""}, "an override needs an author and a reason"),
        ({"tier": "red", "starts": D(2022, 12, 2), "expires": D(2022, 12, 1)},
         "override expires on 2022-12-01, before it starts on 2022-12-02"),
        ({"tier": "red", "measure": "stickiness", "score": 5}, "an override sets either a tier, or a measure and its score"),
        ({}, "an override sets either a tier, or a measure and its score"),
        ({"score": 5}, "an override sets either a tier, or a measure and its score (--score goes with --measure)"),
        ({"measure": "stickiness"}, "a measure override needs a score from 0 to 100 for stickiness"),
        ({"measure": "stickiness", "score": -0.5}, "a measure override needs a score from 0 to 100 (got -0.5)"),
    ],
)
def test_store_rejects_invalid_overrides_and_writes_nothing(con, kw, message):
    """Invalid overrides raise before anything is recorded or audited."""
    with pytest.raises(GoldpathError) as err:
        add(con, **kw)
    assert str(err.value) == message
    assert overrides.list_overrides(con).empty and overrides.audit_log(con).empty


# -- the Workspace on the bundled example ------------------------------------------------------

@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """The example copied to a folder and scored on 2022-12-31 once (the load takes a while)."""
    root = tmp_path_factory.mktemp("crm")
    for name in ("goldpath.yaml", "model.yaml", "playbooks.yaml"):
        shutil.copy(EXAMPLE / name, root / name)
    shutil.copytree(EXAMPLE / "data", root / "data")
    ws = Workspace(root)
    base = ws.score(DAY).set_index("account_id")
    yield ws, base
    ws.close()


def rescore(ws: Workspace) -> pd.DataFrame:
    """Score the day again from the stored inputs, by account."""
    return ws.score(DAY, load=False).set_index("account_id")


def parts(ws: Workspace, account: str, axis: str) -> pd.DataFrame:
    """The stored measure rows of one account's axis, by measure."""
    e = ws.explain(account, DAY)
    return next(a for a in e.axes if a.axis == axis).measures.set_index("measure")


def audit_rows(ws: Workspace, override_id: int) -> pd.DataFrame:
    """Audit entries about one override."""
    log = ws.audit_log()
    ids = log["details"].map(lambda d: json.loads(d)["override_id"])
    return log[ids == override_id].reset_index(drop=True)


def test_example_baseline(scored):
    """The accounts used below, as the example scores them without overrides."""
    _, base = scored
    assert base.loc[["A000", "A002", "A008", "A010"], "tier"].tolist() == ["yellow", "green", "red", "yellow"]
    assert (base["tier"] == base["computed_tier"]).all() and base["override"].isna().all()


def test_tier_override_changes_tier_and_keeps_computed_tier(scored):
    """A000 (yellow) overridden to red: tier is red, the computed tier stays yellow, explain says why."""
    ws, base = scored
    oid = ws.set_override("A000", tier="red", author="ana", reason="exec escalation", starts="2022-12-01",
                          expires="2023-01-31")
    after = rescore(ws)
    row = after.loc["A000"]
    note = f"#{oid} by ana until 2023-01-31: exec escalation"
    assert (row["tier"], row["computed_tier"], row["axis_tier"], row["override"]) == ("red", "yellow", "yellow", note)
    assert (row["engagement"], row["tier_rule"]) == (base.loc["A000", "engagement"], base.loc["A000", "tier_rule"])
    e = ws.explain("A000", DAY)
    assert (e.tier, e.computed_tier, e.axis_tier, e.override) == ("red", "yellow", "yellow", note)
    log = audit_rows(ws, oid)
    assert log[["actor", "action", "target"]].values.tolist() == [["ana", "override.add", "A000"]]
    assert json.loads(log.loc[0, "details"])["reason"] == "exec escalation"
    assert json.loads(log.loc[0, "details"])["tier"] == "red"
    ws.remove_override(oid, author="ana", reason="escalation over", on=DAY)
    assert rescore(ws).loc["A000", "tier"] == "yellow"


def test_measure_override_changes_the_score_and_the_axis_adds_up(scored):
    """A008: seat ratio overridden to 90, then NPS (no data) to 50; the axis is the sum of contributions."""
    ws, base = scored
    # stored: seat ratio 28.57 x 0.35 = 10.00, stickiness 8.00, active days 4.22, key features 4.29,
    # NPS excluded (no survey): engagement 26.51, coverage 100/110 = 0.9091, red
    before = parts(ws, "A008", "engagement")
    assert before["contribution"].tolist() == [10.0, 8.0, 4.22, 4.29, 0.0]
    assert (base.loc["A008", "engagement"], base.loc["A008", "engagement_coverage"]) == (26.51, 0.9091)
    seat = ws.set_override("A008", measure="active_seat_ratio", score=90, author="ana", reason="seats reassigned",
                           starts="2022-12-01", expires="2023-03-31")
    row = rescore(ws).loc["A008"]
    p = parts(ws, "A008", "engagement")
    # 90 x 0.35 = 31.50; 26.51 - 10.00 + 31.50 = 48.01 -> yellow (indispensability 58.71 >= 40)
    assert (p.loc["active_seat_ratio", "score"], p.loc["active_seat_ratio", "contribution"]) == (90.0, 31.5)
    assert p.loc["active_seat_ratio", "status"] == f"override: #{seat} by ana until 2023-03-31: seats reassigned"
    assert p.loc["active_seat_ratio", "raw"] == before.loc["active_seat_ratio", "raw"]
    assert (row["engagement"], row["axis_tier"], row["tier"]) == (48.01, "yellow", "yellow")
    assert hundredths(p["contribution"]).sum() / 100 == row["engagement"]

    nps = ws.set_override("A008", measure="nps", score=50, author="bo", reason="call notes", starts="2022-12-31",
                          expires="2022-12-31")
    row = rescore(ws).loc["A008"]
    p = parts(ws, "A008", "engagement")
    # NPS now counts: shares of 110. 90 x 35/110 = 28.636 -> 28.64; 40 x 20/110 = 7.273 -> 7.27;
    # 28.13 x 15/110 = 3.836 -> 3.84; 14.29 x 30/110 = 3.897 -> 3.90; 50 x 10/110 = 4.545 -> 4.55; sum 48.20
    assert p["contribution"].tolist() == [28.64, 7.27, 3.84, 3.9, 4.55]
    assert (row["engagement"], row["engagement_coverage"]) == (48.2, 1.0)
    e = ws.explain("A008", DAY)
    assert e.axes[0].contribution_sum == e.axes[0].score == 48.2

    ws.remove_override(seat, author="ana", reason="data fixed", on="2022-12-31")
    ws.remove_override(nps, author="bo", reason="survey arrived", on="2022-12-31")
    row = rescore(ws).loc["A008"]
    assert (row["engagement"], row["engagement_coverage"], row["tier"]) == (26.51, 0.9091, "red")
    assert parts(ws, "A008", "engagement")["status"].tolist()[:4] == ["data"] * 4


def test_expired_or_not_yet_started_override_does_not_apply(scored):
    """A002 stays green with an override that starts the day after; one that expired the day before is refused."""
    ws, _ = scored
    with pytest.raises(InputError, match="has passed"):
        ws.set_override("A002", tier="red", author="ana", reason="old", starts="2022-11-01", expires="2022-12-30")
    ws.set_override("A002", tier="red", author="ana", reason="later", starts="2023-01-01", expires="2023-01-31")
    row = rescore(ws).loc["A002"]
    assert (row["tier"], row["computed_tier"]) == ("green", "green")
    assert pd.isna(row["override"])


def test_removed_override_no_longer_applies_and_both_changes_are_audited(scored):
    """A010 overridden to red, then removed: yellow again; the row is kept, add and remove are audited."""
    ws, _ = scored
    oid = ws.set_override("A010", tier="red", author="ana", reason="churn risk", starts="2022-12-01",
                          expires="2023-06-30")
    assert rescore(ws).loc["A010", "tier"] == "red"
    ws.remove_override(oid, author="bo", reason="risk cleared", on="2022-12-31")
    row = rescore(ws).loc["A010"]
    assert (row["tier"], row["computed_tier"]) == ("yellow", "yellow") and pd.isna(row["override"])
    kept = ws.overrides().set_index("override_id").loc[oid]
    assert (kept["account_id"], kept["reason"], kept["removed_by"]) == ("A010", "churn risk", "bo")
    assert pd.Timestamp(kept["removed_on"]).date() == DAY
    log = audit_rows(ws, oid)
    assert log[["actor", "action", "target"]].values.tolist() == [
        ["ana", "override.add", "A010"], ["bo", "override.remove", "A010"],
    ]
    assert [json.loads(d)["reason"] for d in log["details"]] == ["churn risk", "risk cleared"]
    with pytest.raises(ConflictError, match=f"override {oid} was already withdrawn by bo on "):
        ws.remove_override(oid, author="bo", reason="twice", on="2022-12-31")


def test_rescoring_never_modifies_overrides_or_the_audit_log(scored):
    """A scoring run reads overrides; it writes neither them nor the audit log."""
    ws, _ = scored
    ws.set_override("A014", tier="yellow", author="ana", reason="new champion", starts="2022-12-01",
                    expires="2023-01-31")
    before, log = ws.overrides(), ws.audit_log()
    assert rescore(ws).loc["A014", "tier"] == "yellow"
    pd.testing.assert_frame_equal(ws.overrides(), before)
    pd.testing.assert_frame_equal(ws.audit_log(), log)


def test_an_override_without_a_start_starts_on_the_latest_scored_date(scored):
    """No start: the override applies from the latest scored date on, never to history (a backtest's hindsight)."""
    ws, _ = scored
    latest = max(ws.scored_dates())
    oid = ws.set_override("A000", tier="red", author="ana", reason="escalation", expires="2023-01-31")
    row = ws.overrides().set_index("override_id").loc[oid]
    assert pd.Timestamp(row["starts"]).date() == latest
    ws.remove_override(oid, author="ana", reason="test done")


@pytest.mark.parametrize(
    "account, kw, message",
    [
        ("NOPE", {"tier": "red"}, "account_id: unknown account 'NOPE'"),
        ("A000", {"measure": "logins", "score": 50},
         "measure: unknown measure 'logins'; the model has active_days_per_active_user"),
        ("A000", {"tier": "gold"}, "tier: tier override must be red, yellow or green (got 'gold'); GOLD needs evidence"),
        ("A000", {"measure": "stickiness", "score": 120}, "score: a measure override needs a score from 0 to 100 (got 120)"),
        ("A000", {"tier": "red", "starts": "2022-12-31", "expires": "2022-12-30"},
         "expires: override expires on 2022-12-30, before it starts on 2022-12-31"),
        ("A000", {"tier": "red", "starts": None, "expires": "2022-12-30"},
         "expires: 2022-12-30 has passed (the latest scored date is 2022-12-31): the override would change no current tier"),
        ("A000", {"measure": "stickiness", "tier": "red", "score": 5},
         "tier: an override sets either a tier, or a measure and its score"),
        ("A000", {"tier": "red", "reason": ""}, "an override needs an author and a reason"),
        ("A000", {"tier": "red", "expires": "31/12/2022"}, "date '31/12/2022': expected YYYY-MM-DD"),
    ],
)
def test_workspace_rejects_invalid_overrides(scored, account, kw, message):
    """Invalid overrides raise GoldpathError with a clear message and record nothing."""
    ws, _ = scored
    args = {"author": "ana", "reason": "why", "starts": "2022-12-01", "expires": "2023-01-31", **kw}
    n_over, n_log = len(ws.overrides()), len(ws.audit_log())
    with pytest.raises(GoldpathError) as err:
        ws.set_override(account, **args)
    assert str(err.value).startswith(message)
    assert (len(ws.overrides()), len(ws.audit_log())) == (n_over, n_log)


def test_removal_needs_an_author_and_a_reason(scored):
    """Removing an override is audited, so it needs a reason as adding one does."""
    ws, _ = scored
    oid = ws.set_override("A017", tier="red", author="ana", reason="test", starts="2022-12-01", expires="2023-01-31")
    with pytest.raises(GoldpathError, match="author and a reason"):
        ws.remove_override(oid, author="ana", reason=" ", on="2022-12-31")


def test_override_without_start_and_withdrawal_semantics():
    """No start: any date up to expiry; a withdrawal ends it everywhere, or only from a given day."""
    con = ibis.duckdb.connect()
    add_override, remove_override, active_overrides = (
        overrides.add_override, overrides.remove_override, overrides.active_overrides
    )
    a = add_override(con, "A", author="ana", reason="r", expires=dt.date(2022, 12, 31), starts=None, tier="green")
    b = add_override(con, "B", author="ana", reason="r", expires=dt.date(2022, 12, 31), starts=None, tier="red")
    days = [dt.date(2020, 1, 1), dt.date(2022, 6, 1), dt.date(2022, 9, 1)]
    assert len(active_overrides(con, days)) == 6
    remove_override(con, a, author="ana", reason="done")
    remove_override(con, b, author="ana", reason="from autumn", on=dt.date(2022, 9, 1))
    live = active_overrides(con, days)
    assert sorted(zip(live["account_id"], live["as_of"])) == [("B", days[0]), ("B", days[1])]
    with pytest.raises(GoldpathError, match="no active override"):
        remove_override(con, a, author="ana", reason="again")
