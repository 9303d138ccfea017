"""The GOLD evidence gate, case by case."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from goldpath.model.spec import GoldSpec
from goldpath.value.gold import gold_evidence, outcome_status

AS_OF = dt.date(2022, 12, 31)


def ledger(acks: list[tuple[str, str]], left: dict[str, str] | None = None, achieved: float = 130.0,
           joined: dict[str, str] | None = None):
    """One account A with an outcome (baseline 100, target 120) and one contact per role."""
    left, joined = left or {}, joined or {}
    contacts = pd.DataFrame(
        [
            {"contact_id": f"c-{r}", "account_id": "A", "name": f"{r} person", "role": r,
             "joined": pd.Timestamp(joined[r]) if r in joined else pd.NaT,
             "left": pd.Timestamp(left[r]) if r in left else pd.NaT}
            for r in ("team", "sponsor", "stakeholder", "finance")
        ]
    )
    outcomes = pd.DataFrame(
        [{"outcome_id": "o1", "account_id": "A", "title": "t", "metric": "m", "baseline": 100.0, "target": 120.0,
          "achieved": achieved, "annual_value": 50_000.0, "cost": 20_000.0,
          "defined_at": pd.Timestamp("2021-06-10"), "achieved_at": pd.Timestamp("2022-12-01")}]
    )
    acks_df = pd.DataFrame(
        [{"outcome_id": "o1", "contact_id": f"c-{role}", "date": pd.Timestamp(date), "statement": None} for role, date in acks]
    )
    return outcomes, acks_df, contacts


FULL = [("team", "2022-12-01"), ("sponsor", "2022-12-01"), ("finance", "2022-12-01")]


def verdict(acks, **kw) -> tuple[bool, pd.DataFrame]:
    o, a, c = ledger(acks, **{k: v for k, v in kw.items() if k in ("left", "achieved", "joined")})
    ev, v = gold_evidence(o, a, c, [AS_OF], kw.get("spec", GoldSpec()))
    return bool(v.set_index("account_id").loc["A", "gold_evidence"]), ev


def test_complete_evidence():
    ok, ev = verdict(FULL)
    assert ok
    assert set(ev["status"]) == {"valid"}
    assert list(ev["requirement"]) == ["team", "sponsor or stakeholder", "finance"]


def test_stakeholder_satisfies_the_sponsor_group():
    ok, _ = verdict([("team", "2022-12-01"), ("stakeholder", "2022-06-01"), ("finance", "2022-12-01")])
    assert ok


def test_no_finance_acknowledgement():
    ok, ev = verdict(FULL[:2])
    assert not ok
    assert ev.set_index("requirement").loc["finance", "status"] == "missing"


def test_expired_acknowledgement():
    # 2022-01-01 + 365 days = 2023-01-01: still valid on 2022-12-31; 2021-12-31 + 365 = 2022-12-31: expired that day
    ok, _ = verdict([("team", "2022-01-01"), ("sponsor", "2022-12-01"), ("finance", "2022-12-01")])
    assert ok
    ok, ev = verdict([("team", "2021-12-31"), ("sponsor", "2022-12-01"), ("finance", "2022-12-01")])
    assert not ok
    row = ev.set_index("requirement").loc["team"]
    assert row["status"] == "expired" and row["expires_on"] == dt.date(2022, 12, 31)


def test_acknowledger_left():
    ok, ev = verdict(FULL, left={"sponsor": "2022-12-15"})
    assert not ok
    assert ev.set_index("requirement").loc["sponsor or stakeholder", "status"] == "contact left"
    # leaving after the as-of date does not lapse the evidence on it
    ok, _ = verdict(FULL, left={"sponsor": "2023-01-15"})
    assert ok


def test_outcome_not_achieved():
    ok, ev = verdict(FULL, achieved=110.0)  # half way from 100 to 120
    assert not ok
    assert not ev["achieved"].any() and ev["attainment"].iloc[0] == 0.5


def test_future_acknowledgements_are_ignored():
    ok, ev = verdict([("team", "2022-12-01"), ("sponsor", "2022-12-01"), ("finance", "2023-01-05")])
    assert not ok
    assert ev.set_index("requirement").loc["finance", "status"] == "missing"


def test_configurable_roles_and_validity():
    spec = GoldSpec(required_roles=[["finance"]], validity_days=30)
    ok, _ = verdict([("finance", "2022-12-15")], spec=spec)
    assert ok
    ok, _ = verdict([("finance", "2022-11-15")], spec=spec)
    assert not ok


@pytest.mark.parametrize(
    "baseline, target, achieved, expected",
    [(100, 120, 125, True), (100, 80, 75, True), (100, 80, 85, False), (100, 100, 100, True)],
)
def test_achievement_follows_the_direction_of_the_target(baseline, target, achieved, expected):
    o = pd.DataFrame(
        [{"outcome_id": "o", "account_id": "A", "title": "t", "baseline": float(baseline), "target": float(target),
          "achieved": float(achieved), "annual_value": None, "cost": None,
          "defined_at": pd.Timestamp("2022-01-01"), "achieved_at": pd.NaT}]
    )
    assert bool(outcome_status(o, AS_OF)["achieved"].iloc[0]) is expected


def test_roi():
    o, _, _ = ledger(FULL)
    # (50,000 - 20,000) / 20,000 = 1.5
    assert outcome_status(o, AS_OF)["roi"].iloc[0] == 1.5


def test_acknowledgement_before_definition_or_joining_does_not_count():
    # the outcome was defined on 2021-06-10: an acknowledgement of 2021-06-01 predates it
    ok, ev = verdict([("team", "2021-06-01"), ("sponsor", "2022-12-01"), ("finance", "2022-12-01")])
    assert not ok
    assert ev.set_index("requirement").loc["team", "status"] == "before the outcome was defined"
    ok, ev = verdict(FULL, joined={"finance": "2022-12-15"})
    assert not ok
    assert ev.set_index("requirement").loc["finance", "status"] == "before the contact joined"


def test_minimum_number_of_acknowledgements_roi_and_attainment():
    two = GoldSpec(required_roles=[["team", "sponsor"]], min_acknowledgements=2)
    ok, ev = verdict([("team", "2022-12-01")], spec=two)
    assert not ok and not ev["requirement_met"].any()
    ok, _ = verdict([("team", "2022-12-01"), ("sponsor", "2022-12-02")], spec=two)
    assert ok
    # ROI is 1.5: a minimum of 2 fails it; attainment 0.5 passes a minimum of 0.5
    ok, _ = verdict(FULL, spec=GoldSpec(min_roi=2.0))
    assert not ok
    ok, _ = verdict(FULL, achieved=110.0, spec=GoldSpec(min_attainment=0.5))
    assert ok
