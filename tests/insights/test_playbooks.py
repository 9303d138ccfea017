"""Playbooks: which gap each rule kind matches, placeholders, ranking and file errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from goldpath.errors import ConfigError, GoldpathError
from goldpath.insights.playbooks import ACTION_COLUMNS, Playbook, PlaybookWhen, load_playbooks, match_actions

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "crm" / "playbooks.yaml"

# A1 red (ARR 1,000, closeness 0.5), A2 yellow (5,000, 0.9), A3 green (2,000, 2/3), A4 insufficient (800, 0)
ACCOUNTS = pd.DataFrame(
    [
        ("A1", "Alder", "red", 1000.0, 0.5),
        ("A2", "Birch", "yellow", 5000.0, 0.9),
        ("A3", "Cedar", "green", 2000.0, 2 / 3),
        ("A4", "Dogwood", "insufficient data", 800.0, 0.0),
    ],
    columns=["account_id", "name", "tier", "arr", "closeness"],
)
OUTCOME = "Grow won deal value by 20%"
GAPS = pd.DataFrame(
    [
        {"account_id": "A1", "kind": "tier", "label": "tier red"},
        {"account_id": "A1", "kind": "axis", "axis": "engagement", "gap": 25.0, "label": "engagement 15.00 < 40"},
        {"account_id": "A1", "kind": "measure", "axis": "engagement", "measure": "active_seat_ratio", "raw": 0.3,
         "target": 0.54995, "label": "active_seat_ratio 0.3 -> 0.55"},
        {"account_id": "A2", "kind": "tier", "label": "tier yellow"},
        {"account_id": "A2", "kind": "axis", "axis": "indispensability", "gap": 3.0, "label": "indispensability"},
        {"account_id": "A2", "kind": "measure", "axis": "indispensability", "measure": "process_coverage",
         "raw": 9.0, "target": 11.589254, "label": "process_coverage 9 -> 11.6"},
        {"account_id": "A3", "kind": "tier", "label": "tier green"},
        {"account_id": "A3", "kind": "evidence", "evidence": "missing", "requirement": "finance", "role": "finance",
         "contact": None, "outcome": OUTCOME, "label": "finance acknowledgement missing"},
        {"account_id": "A3", "kind": "evidence", "evidence": "expired", "requirement": "sponsor or stakeholder",
         "role": "sponsor or stakeholder", "contact": "VP Sales", "outcome": OUTCOME,
         "label": "sponsor or stakeholder acknowledgement expired"},
        {"account_id": "A4", "kind": "tier", "label": "tier insufficient data"},
    ]
)


def pb(name: str, when: dict, action: str, priority: str = "medium", owner: str = "csm") -> Playbook:
    """A playbook rule."""
    return Playbook.model_validate({"name": name, "when": when, "action": action, "priority": priority, "owner": owner})


def actions(*playbooks: Playbook, gaps: pd.DataFrame = GAPS) -> pd.DataFrame:
    """Matched actions for the gaps and accounts above."""
    return match_actions(gaps, ACCOUNTS, list(playbooks))


def hits(out: pd.DataFrame) -> list[tuple[str, str]]:
    """``(account, action)`` per row, in rank order."""
    return list(zip(out["account_id"], out["action"]))


@pytest.mark.parametrize(
    "when, kind",
    [({"measure": "stickiness", "axis": "engagement"}, "measure"), ({"axis": "engagement"}, "axis"),
     ({"evidence": "missing"}, "evidence"), ({"role": "finance"}, "evidence"), ({"tier": ["red"]}, "tier"),
     ({}, "tier")],
)
def test_rule_kind(when, kind):
    """A rule's kind comes from the most specific condition it sets."""
    assert PlaybookWhen.model_validate(when).kind == kind


def test_measure_rule_fills_raw_and_target():
    """A measure rule matches that measure's gap; numbers show 3 significant digits."""
    out = actions(pb("seats", {"measure": "active_seat_ratio"}, "Seats for {name}: {measure} {raw} -> {target}"),
                  pb("reach", {"measure": "critical_process_reach"}, "never: no such gap"))
    # raw 0.3 -> '0.3', target 0.54995 -> '0.55'
    assert hits(out) == [("A1", "Seats for Alder: active_seat_ratio 0.3 -> 0.55")]
    assert out.loc[0, ["tier", "arr", "closeness", "priority", "owner", "playbook", "gap"]].tolist() == [
        "red", 1000.0, 0.5, "medium", "csm", "seats", "active_seat_ratio 0.3 -> 0.55",
    ]
    assert list(out.columns) == ACTION_COLUMNS


def test_axis_rule():
    """An axis rule matches the gap on that axis only, with the gap in points."""
    out = actions(pb("lift", {"axis": "indispensability"}, "Lift {axis} of {account} by {gap} points"))
    assert hits(out) == [("A2", "Lift indispensability of A2 by 3 points")]


def test_evidence_and_role_rules():
    """Evidence matches its status; a role matches a requirement that lists it."""
    out = actions(
        pb("finance", {"evidence": "missing", "role": "finance"}, "Finance review of '{outcome}' ({role})"),
        pb("sponsor-missing", {"evidence": "missing", "role": "sponsor"}, "never: the sponsor gap expired"),
        pb("sponsor", {"role": "sponsor"}, "Ask a {role} ({contact} left it {evidence})"),
        pb("renew", {"evidence": "expired"}, "Re-confirm with the {role} contact"),
    )
    assert sorted(hits(out)) == [
        ("A3", "Ask a sponsor (VP Sales left it expired)"),  # {role} is the rule's role
        ("A3", "Finance review of 'Grow won deal value by 20%' (finance)"),
        ("A3", "Re-confirm with the sponsor or stakeholder contact"),  # {role} from the gap
    ]


def test_tier_rules_and_tier_narrowing():
    """A tier rule matches every account of its tiers; ``tier`` narrows the other kinds too."""
    out = actions(
        pb("red", {"tier": ["red"]}, "Escalate {name}: {tier}"),
        pb("data", {"tier": ["insufficient data"]}, "Check the feeds of {account}"),
        pb("coverage-red", {"measure": "process_coverage", "tier": ["red"]}, "never: A2 is yellow"),
        pb("coverage-yellow", {"measure": "process_coverage", "tier": ["yellow", "red"]}, "Coverage {raw} -> {target}"),
        pb("axis-green", {"axis": "engagement", "tier": ["green"]}, "never: A1 is red"),
    )
    # 9.0 -> '9', 11.589254 -> '11.6'
    assert sorted(hits(out)) == [
        ("A1", "Escalate Alder: red"), ("A2", "Coverage 9 -> 11.6"), ("A4", "Check the feeds of A4"),
    ]


def test_rule_without_conditions_matches_every_account_once():
    """``when: {}`` is a tier rule for all tiers: one action per account."""
    out = actions(pb("review", {}, "Review {account}"))
    assert sorted(out["account_id"]) == ["A1", "A2", "A3", "A4"]


def test_ranking_priority_first_then_arr_times_closeness():
    """High before medium before low; within a priority, ARR x closeness, then ARR, then account."""
    out = actions(
        pb("review", {}, "Review {account}", priority="low"),
        pb("seats", {"measure": "active_seat_ratio"}, "Seats", priority="high"),
        pb("finance", {"evidence": "missing", "role": "finance"}, "Finance", priority="high"),
        pb("coverage", {"measure": "process_coverage"}, "Coverage", priority="medium"),
        pb("data", {"tier": ["insufficient data"]}, "Data", priority="medium"),
    )
    # high: A3 2000 x 2/3 = 1333 > A1 1000 x 0.5 = 500; medium: A2 5000 x 0.9 = 4500 > A4 800 x 0 = 0;
    # low: A2 4500, A3 1333, A1 500, A4 0
    assert hits(out) == [
        ("A3", "Finance"), ("A1", "Seats"), ("A2", "Coverage"), ("A4", "Data"),
        ("A2", "Review A2"), ("A3", "Review A3"), ("A1", "Review A1"), ("A4", "Review A4"),
    ]
    assert out["priority"].tolist() == ["high"] * 2 + ["medium"] * 2 + ["low"] * 4


def test_ties_in_value_go_to_the_larger_arr_then_the_account_id():
    """Equal ARR x closeness: the larger ARR first; equal both: by account id."""
    accounts = pd.DataFrame(
        [("B2", "x", "red", 1000.0, 0.5), ("B1", "y", "red", 500.0, 1.0), ("B0", "z", "red", 500.0, 1.0)],
        columns=["account_id", "name", "tier", "arr", "closeness"],
    )
    gaps = pd.DataFrame([{"account_id": a, "kind": "tier", "label": "tier red"} for a in ["B1", "B2", "B0"]])
    # all 1000 x 0.5 = 500 x 1.0 = 500: B2 (ARR 1000), then B0 and B1 (ARR 500) by id
    out = match_actions(gaps, accounts, [pb("red", {"tier": ["red"]}, "Call")])
    assert out["account_id"].tolist() == ["B2", "B0", "B1"]


def test_same_action_for_the_same_account_is_listed_once():
    """Two gaps that give one rule the same text for an account make one action."""
    gaps = pd.concat([GAPS, GAPS[GAPS["kind"] == "evidence"]], ignore_index=True)
    out = actions(pb("value", {"evidence": "missing"}, "Value review with {name}"), gaps=gaps)
    assert hits(out) == [("A3", "Value review with Cedar")]


def test_no_match_gives_an_empty_frame_with_the_columns():
    """Nothing matched: empty, same columns."""
    out = actions(pb("nothing", {"measure": "stickiness"}, "x"))
    assert out.empty and list(out.columns) == ACTION_COLUMNS


def test_placeholder_without_a_value_is_blank():
    """A placeholder that the gap has no value for is left empty, as an unknown one is."""
    gaps = pd.DataFrame(
        [{"account_id": "A1", "kind": "measure", "measure": "stickiness", "raw": None, "target": 0.6},
         {"account_id": "A1", "kind": "tier"}]
    )
    out = actions(pb("sticky", {"measure": "stickiness"}, "stickiness {raw}->{target}"),
                  pb("red", {"tier": ["red"]}, "red{measure}"), gaps=gaps)
    assert sorted(out["action"]) == ["red", "stickiness ->0.6"]


def test_unknown_placeholder_and_mixed_gap_kinds_are_errors():
    """A placeholder typo or a `when` mixing a usage gap with evidence is refused when loading."""
    with pytest.raises(ValidationError, match=r"unknown placeholder\(s\) \['rw'\]"):
        pb("x", {"measure": "stickiness"}, "from {rw}")
    with pytest.raises(ValidationError, match="names both a usage gap"):
        pb("x", {"measure": "stickiness", "evidence": "missing"}, "x")


def write(tmp_path: Path, text: str) -> Path:
    """A playbook file with ``text``."""
    path = tmp_path / "playbooks.yaml"
    path.write_text(text)
    return path


def test_load_example_playbooks():
    """The bundled example loads: 13 rules of every kind."""
    books = load_playbooks(EXAMPLE)
    assert len(books) == 13 and books[0].name == "activate-seats"
    assert {b.when.kind for b in books} == {"measure", "tier", "evidence"}


def test_load_defaults(tmp_path):
    """Owner defaults to csm and priority to medium."""
    (book,) = load_playbooks(write(tmp_path, "playbooks:\n  - {name: a, action: do it}\n"))
    assert (book.owner, book.priority, book.when.kind) == ("csm", "medium", "tier")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("playbooks:\n  - {name: a, action: x, priority: urgent}\n", "playbooks.0.priority: Input should be"),
        ("playbooks:\n  - {name: a, action: x}\n  - {name: b, action: y, owners: csm}\n",
         "playbooks.1.owners: Extra inputs are not permitted"),
        ("playbooks:\n  - {name: a, action: x, when: {evidence: lost}}\n", "playbooks.0.when.evidence"),
        ("playbooks:\n  - {name: a, action: x, when: {tier: [gold]}}\n", "playbooks.0.when.tier.0"),
        ("playbooks:\n  - {name: a}\n", "playbooks.0.action: Field required"),
        ("playbooks: []\n", "playbooks: List should have at least 1 item"),
        ("playbooks:\n  - {name: a, action: [x\n", "not valid YAML"),
    ],
)
def test_load_errors_name_the_file_and_the_key(tmp_path, text, expected):
    """Invalid files raise ConfigError naming the file and the offending key."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_playbooks(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)
    assert isinstance(err.value, GoldpathError)


def test_missing_file(tmp_path):
    """A file that cannot be read says so."""
    with pytest.raises(ConfigError, match="cannot read the playbook file"):
        load_playbooks(tmp_path / "nope.yaml")
