"""App writes to the value ledger and success plans: the store, and the Workspace on a small workspace."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest

from goldpath import Workspace
from goldpath.errors import ConflictError, InputError, NotFoundError
from goldpath.store import ledger

MODEL = (Path(__file__).resolve().parents[2] / "examples" / "crm" / "model.yaml").read_text()
DAY = dt.date(2022, 2, 28)


# -- merge: source rows plus app rows (pure) ---------------------------------------------------

def test_merge_adds_app_rows_and_applies_changes_on_top():
    """App rows join the source rows; the newest contact change and the latest measurement win."""
    source = {
        "contacts": pd.DataFrame([{"contact_id": "C1", "account_id": "A1", "name": "Ann", "role": "finance",
                                   "joined": "2021-01-01", "left": None}]),
        "outcomes": pd.DataFrame([{"outcome_id": "O1", "account_id": "A1", "title": "t", "metric": "m", "baseline": 10.0,
                                   "target": 20.0, "achieved": 12.0, "annual_value": 5.0, "cost": 1.0,
                                   "defined_at": "2022-01-01", "achieved_at": "2022-01-15"}]),
        "acknowledgements": None,
    }
    ts = pd.Timestamp("2022-03-01 10:00")
    app = {
        "app_contacts": pd.DataFrame([{"contact_id": "app-C1", "account_id": "A1", "name": "Bo", "role": "team",
                                       "joined": None, "left": None, "author": "dana", "created_at": ts}]),
        "app_outcomes": pd.DataFrame(),
        "app_acknowledgements": pd.DataFrame([{"outcome_id": "O1", "contact_id": "app-C1", "date": "2022-02-01",
                                               "statement": None, "author": "dana", "created_at": ts}]),
        "app_contact_changes": pd.DataFrame([
            {"change_id": 1, "contact_id": "C1", "left": "2022-05-01", "author": "dana", "created_at": ts},
            {"change_id": 2, "contact_id": "C1", "left": "2022-04-01", "author": "eli", "created_at": ts},
        ]),
        "app_achievements": pd.DataFrame([
            {"change_id": 1, "outcome_id": "O1", "achieved": 25.0, "achieved_at": "2022-02-20", "author": "dana", "created_at": ts},
            {"change_id": 2, "outcome_id": "O1", "achieved": 15.0, "achieved_at": "2022-02-10", "author": "eli", "created_at": ts},
            {"change_id": 3, "outcome_id": "plan-A2", "achieved": 7.0, "achieved_at": "2022-02-11", "author": "eli",
             "created_at": ts},
        ]),
        "success_plans": pd.DataFrame([{"account_id": "A2", "version": 1, "title": "Plan", "metric": "hours",
                                        "baseline": 10.0, "target": 5.0, "closed_on": "2022-01-10", "annual_value": 900.0,
                                        "author": "sam", "created_at": ts, "updated_at": ts}]),
        "success_plan_processes": pd.DataFrame(),
    }
    out = ledger.merge(source, app, {"A1": 100.0, "A2": 300.0})
    c = out["contacts"].set_index("contact_id")
    assert c["origin"].to_dict() == {"C1": "source", "app-C1": "app"}
    # change 2 is the newer write: its date wins even though it is earlier
    assert (c.loc["C1", "left"], c.loc["C1", "left_by"]) == (pd.Timestamp("2022-04-01"), "eli")
    o = out["outcomes"].set_index("outcome_id")
    assert o["origin"].to_dict() == {"O1": "source", "plan-A2": "plan"}
    # the measurement with the latest achieved_at wins, whatever the order of writes
    assert (o.loc["O1", "achieved"], o.loc["O1", "achieved_at"], o.loc["O1", "measured_by"]) == (
        25.0, pd.Timestamp("2022-02-20"), "dana")
    plan = o.loc["plan-A2"]
    assert (plan["baseline"], plan["target"], plan["cost"], plan["annual_value"], plan["defined_at"], plan["achieved"]) == (
        10.0, 5.0, 300.0, 900.0, pd.Timestamp("2022-01-10"), 7.0)
    a = out["acknowledgements"]
    assert a[["outcome_id", "contact_id", "origin"]].values.tolist() == [["O1", "app-C1", "app"]]


def test_merge_without_app_writes_is_the_source():
    out = ledger.merge({"contacts": None, "outcomes": None, "acknowledgements": None}, None, {})
    assert [len(df) for df in out.values()] == [0, 0, 0]
    assert list(out["contacts"].columns[:6]) == ["contact_id", "account_id", "name", "role", "joined", "left"]


# -- the Workspace on a small workspace of dataframes ----------------------------------------------

def frames() -> dict[str, pd.DataFrame]:
    """A1 runs contacts and meetings every day of February 2022 with its 2 seats; A2 runs contacts only.

    The ledger: outcome O1 of A1 is achieved (12 -> 20 against 10 -> 20) and acknowledged by
    its team and sponsor contacts, not yet by finance (like A092 in the example).
    """
    accounts = pd.DataFrame({
        "account_id": ["A1", "A2"], "name": ["Acme", "Beta"], "segment": ["basic", "basic"], "arr": [1000.0, 2000.0],
        "seats": [2, 2], "contract_start": ["2022-01-01", "2022-01-01"], "renewal_date": ["2023-01-01", "2023-01-01"],
    })
    days = pd.date_range("2022-02-01", "2022-02-28", freq="D")
    events = pd.DataFrame(
        [{"account_id": "A1", "user_id": u, "feature": f, "timestamp": d + pd.Timedelta(hours=12)}
         for d in days for u in ("u1", "u2") for f in ("add_contact", "meeting")]
        + [{"account_id": "A2", "user_id": "u9", "feature": "add_contact", "timestamp": d + pd.Timedelta(hours=9)}
           for d in days]
    )
    return {
        "accounts": accounts, "events": events,
        "process_features": pd.DataFrame({"feature": ["add_contact", "meeting", "deal"],
                                          "process": ["contacts", "meetings", "pipeline"]}),
        "process_criticality": pd.DataFrame({"process": ["contacts", "meetings", "pipeline"], "segment": ["*"] * 3,
                                             "criticality": [5.0, 4.0, 4.0]}),
        "contacts": pd.DataFrame({
            "contact_id": ["C1", "C2", "C3", "C9"], "account_id": ["A1", "A1", "A1", "A2"],
            "name": ["Tea", "Spo", "Fin", "Other"], "role": ["team", "sponsor", "finance", "finance"],
            "joined": ["2021-01-01", "2021-01-01", "2022-02-10", None], "left": [None] * 4,
        }),
        "outcomes": pd.DataFrame([{
            "outcome_id": "O1", "account_id": "A1", "title": "More deals", "metric": "deals", "baseline": 10,
            "target": 20, "achieved": 21, "annual_value": 5000, "cost": 1000, "defined_at": "2022-01-15",
            "achieved_at": "2022-02-15",
        }]),
        "acknowledgements": pd.DataFrame({"outcome_id": ["O1", "O1"], "contact_id": ["C1", "C2"],
                                          "date": ["2022-02-20", "2022-02-20"], "statement": ["yes", "yes"]}),
    }


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> Path:
    """The small workspace loaded and scored on 2022-02-28 once; tests that write take a copy."""
    root = tmp_path_factory.mktemp("ledger") / "ws"
    root.mkdir()
    (root / "model.yaml").write_text(MODEL)
    (root / "goldpath.yaml").write_text("model: model.yaml\n")
    with Workspace(root, frames=frames()) as w:
        w.score(DAY)
    return root


@pytest.fixture
def ws(scored, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(scored, root)
    w = Workspace(root, frames=frames())
    yield w
    w.close()


@pytest.fixture(scope="module")
def shared(scored):
    """One Workspace on the scored folder, for tests that must write nothing."""
    w = Workspace(scored, frames=frames())
    yield w
    w.close()


def evidence(w: Workspace, account: str = "A1") -> bool:
    return bool(w.scores(DAY).set_index("account_id").loc[account, "gold_evidence"])


def coverage(w: Workspace, account: str) -> float:
    e = w.explain(account, DAY)
    return float(next(a for a in e.axes if a.axis == "indispensability").measures.set_index("measure").loc["process_coverage", "raw"])


def test_finance_acknowledgement_completes_the_evidence_at_once(ws):
    """The missing finance acknowledgement, recorded from the app, makes the evidence complete on the latest date."""
    assert not evidence(ws)
    row = ws.record_acknowledgement("O1", "C3", "2022-02-25", "CFO signs", author="dana")
    assert (row["outcome_id"], row["contact_id"], row["date"], row["author"]) == ("O1", "C3", dt.date(2022, 2, 25), "dana")
    assert evidence(ws)  # re-scored without reading a file
    acks = ws.ledger("A1")["acknowledgements"].set_index("contact_id")
    assert acks.loc["C3", ["origin", "status", "expires_on"]].tolist() == ["app", "valid", pd.Timestamp("2023-02-25")]
    log = ws.audit_log()
    assert log[["actor", "action", "target"]].values.tolist()[-1] == ["dana", "acknowledgement.add", "A1"]
    assert json.loads(log["details"].iloc[-1]) == {
        "contact_id": "C3", "date": "2022-02-25", "outcome_id": "O1", "statement": "CFO signs",
        "rescored": ["2022-02-28"],  # the stored dates on or after the acknowledgement, and what moved
        "tier_changes": [{"account_id": "A1", "as_of": "2022-02-28", "before": "green", "after": "gold"}]}


def test_app_rows_survive_a_reload(ws):
    """A load replaces the inputs from the sources; the app's rows live elsewhere and still count."""
    cid = ws.add_contact("A1", "New CFO", "finance", "2022-02-01", author="dana")
    assert cid == "app-C1"
    ws.record_acknowledgement("O1", cid, "2022-02-21", author="dana")
    ws.score(DAY)  # load=True: re-reads every source
    assert evidence(ws)
    assert ws.ledger("A1")["contacts"].set_index("contact_id").loc[cid, ["name", "origin", "author"]].tolist() == [
        "New CFO", "app", "dana"]


def test_contact_left_lapses_their_acknowledgement(ws):
    ws.record_acknowledgement("O1", "C3", "2022-02-25", author="dana")
    assert evidence(ws)
    change = ws.mark_contact_left("C2", "2022-02-27", author="eli")  # a source contact
    assert (change["contact_id"], change["left"]) == ("C2", dt.date(2022, 2, 27))
    assert not evidence(ws)
    acks = ws.ledger("A1")["acknowledgements"].set_index("contact_id")
    assert acks.loc["C2", "status"] == "contact left"
    c = ws.ledger("A1")["contacts"].set_index("contact_id")
    assert (c.loc["C2", "left"], c.loc["C2", "left_by"], c.loc["C2", "origin"]) == (pd.Timestamp("2022-02-27"), "eli", "source")


def test_outcome_and_measured_value(ws):
    """A new outcome is stored with its id; a measured value moves its attainment; both are audited."""
    oid = ws.add_outcome("A2", "Faster onboarding", "days to onboard", 30, 10, "2022-02-01", author="sam")
    assert oid == "app-O1"
    o = ws.ledger("A2")["outcomes"].set_index("outcome_id").loc[oid]
    assert (o["origin"], o["target_reached"], pd.isna(o["attainment"])) == ("app", False, True)
    ws.record_achievement(oid, 15, "2022-02-20", author="sam")
    o = ws.ledger("A2")["outcomes"].set_index("outcome_id").loc[oid]
    # (15 - 30) / (10 - 30) = 0.75 of the way to the target
    assert (o["achieved"], o["attainment"], o["target_reached"], o["measured_by"]) == (15.0, 0.75, False, "sam")
    assert ws.audit_log()["action"].tolist()[-2:] == ["outcome.add", "outcome.achievement"]


BAD = [
    ("add_contact", {"account_id": "A1", "name": "X", "role": "cfo"}, InputError, "role",
     "role: expected one of team, sponsor, stakeholder, finance (got 'cfo')"),
    ("add_contact", {"account_id": "NOPE", "name": "X", "role": "team"}, NotFoundError, "account_id",
     "account_id: unknown account 'NOPE'"),
    ("add_contact", {"account_id": "A1", "name": " ", "role": "team"}, InputError, "name", "name: required: non-empty text"),
    ("add_contact", {"account_id": "A1", "name": "X", "role": "team", "author": ""}, InputError, "author",
     "author: required: non-empty text"),
    ("record_acknowledgement", {"outcome_id": "O9", "contact_id": "C3", "date": "2022-02-25"}, NotFoundError,
     "outcome_id", "outcome_id: unknown outcome 'O9'"),
    ("record_acknowledgement", {"outcome_id": "O1", "contact_id": "C3", "date": "2022-01-10"}, InputError, "date",
     "date: 2022-01-10 is before outcome O1 was defined (2022-01-15)"),
    ("record_acknowledgement", {"outcome_id": "O1", "contact_id": "C3", "date": "2022-02-05"}, InputError, "date",
     "date: 2022-02-05 is before contact C3 joined (2022-02-10)"),
    ("record_acknowledgement", {"outcome_id": "O1", "contact_id": "C9", "date": "2022-02-25"}, InputError, "contact_id",
     "contact_id: contact C9 belongs to account A2 but outcome O1 to account A1"),
    ("record_acknowledgement", {"outcome_id": "O1", "contact_id": "C3", "date": "25/02/2022"}, InputError, "date",
     "date: expected a date YYYY-MM-DD (got '25/02/2022')"),
    ("record_acknowledgement", {"outcome_id": "O1", "contact_id": "C1", "date": "2022-02-20"}, InputError, "date",
     "date: contact C1 already acknowledged outcome O1 on 2022-02-20"),
    ("record_acknowledgement", {"outcome_id": "O1", "contact_id": "C3", "date": "2150-01-01"}, InputError, "date",
     "date: 2150-01-01 is in the future"),
    ("record_acknowledgement", {"outcome_id": "O1", "contact_id": "C3", "date": "2999-01-01"}, InputError, "date",
     "date: expected a date from 1900-01-01 to 2199-12-31 (got 2999-01-01)"),
    ("add_contact", {"account_id": "A1", "name": "a" * 2001, "role": "team"}, InputError, "name",
     "name: expected at most 2,000 characters (got 2,001)"),
    ("add_outcome", {"account_id": "A1", "title": "t", "metric": "m", "baseline": "2_000", "target": 1,
                     "defined_at": "2022-01-01"}, InputError, "baseline", "baseline: expected a number (got '2_000')"),
    ("mark_contact_left", {"contact_id": "C3", "left": "2022-02-01"}, InputError, "left",
     "left: 2022-02-01 is before contact C3 joined (2022-02-10)"),
    ("mark_contact_left", {"contact_id": "C7", "left": "2022-02-01"}, NotFoundError, "contact_id",
     "contact_id: unknown contact 'C7'"),
    ("add_outcome", {"account_id": "A1", "title": "t", "metric": "m", "baseline": "ten", "target": 2,
                     "defined_at": "2022-01-01"}, InputError, "baseline", "baseline: expected a number (got 'ten')"),
    ("add_outcome", {"account_id": "A1", "title": "t", "metric": "m", "baseline": 1, "target": 2, "cost": -5,
                     "defined_at": "2022-01-01"}, InputError, "cost", "cost: expected a number >= 0 (got -5)"),
    ("record_achievement", {"outcome_id": "O1", "achieved": 3, "achieved_at": "2022-01-01"}, InputError, "achieved_at",
     "achieved_at: 2022-01-01 is before outcome O1 was defined (2022-01-15)"),
    ("set_success_plan", {"account_id": "A2", "processes": {"billing": 3}, "metric": "m", "baseline": 1, "target": 2,
                          "closed_on": "2022-01-01"}, InputError, "processes",
     "processes: unknown process 'billing'; the catalogue has contacts, meetings, pipeline"),
    ("set_success_plan", {"account_id": "A2", "processes": {"contacts": 7}, "metric": "m", "baseline": 1, "target": 2,
                          "closed_on": "2022-01-01"}, InputError, "processes.contacts",
     "processes.contacts: expected a number <= 5 (got 7)"),
    ("set_success_plan", {"account_id": "A2", "processes": {"contacts": 0}, "metric": "m", "baseline": 1, "target": 2,
                          "closed_on": "2022-01-01"}, InputError, "processes",
     "processes: at least one process needs a criticality above 0"),
]


@pytest.mark.parametrize("method, kw, error, field, message", BAD, ids=[f"{b[0]}-{b[3]}-{i}" for i, b in enumerate(BAD)])
def test_invalid_writes_name_the_field_and_record_nothing(shared, method, kw, error, field, message):
    ws = shared
    n_log = len(ws.audit_log())
    before = {k: len(v) for k, v in ws.ledger("A1").items()}
    with pytest.raises(error) as err:
        getattr(ws, method)(**{"author": "dana", **kw})
    assert err.value.field == field
    assert str(err.value).startswith(message)
    assert len(ws.audit_log()) == n_log
    assert {k: len(v) for k, v in ws.ledger("A1").items()} == before
    assert ws.success_plan("A2") is None


def test_success_plan_sets_the_process_scope_and_the_value_hypothesis(ws):
    """A2 runs only `contacts` (criticality 5 of 13: coverage 0.3846). Its plan scopes it to contacts and pipeline."""
    assert coverage(ws, "A2") == pytest.approx(5 / 13, abs=1e-4)
    plan = ws.set_success_plan("A2", {"contacts": 5, "pipeline": 2}, "deals per month", 4, 10, "2022-01-01",
                               annual_value=6000, author="sam")
    # scope: contacts 5 + pipeline 2, meetings 0 -> coverage 5 / 7 (contacts ran, pipeline did not)
    assert coverage(ws, "A2") == pytest.approx(5 / 7, abs=1e-4)
    assert coverage(ws, "A1") == pytest.approx(9 / 13, abs=1e-4)  # other accounts keep the catalogue
    assert (plan["version"], plan["outcome_id"], plan["title"], plan["processes"]) == (
        1, "plan-A2", "deals per month: from 4 to 10", {"contacts": 5.0, "pipeline": 2.0})
    p = plan["progress"]
    assert (p["as_of"], p["processes_running"], p["processes_not_running"], p["criticality_running_share"]) == (
        DAY, ["contacts"], ["pipeline"], round(5 / 7, 4))
    assert p["processes"][0] == {"process": "contacts", "criticality": 5.0, "running": True, "days_run": 28}
    assert (p["achieved"], p["attainment"], p["target_reached"]) == (None, None, False)
    o = ws.ledger("A2")["outcomes"].set_index("outcome_id").loc["plan-A2"]
    # cost is the account's ARR: ROI (6000 - 2000) / 2000 = 2
    assert (o["origin"], o["defined_at"], o["cost"], o["roi"]) == ("plan", pd.Timestamp("2022-01-01"), 2000.0, 2.0)

    ws.record_achievement("plan-A2", 7, "2022-02-20", author="sam")
    p = ws.success_plan("A2")["progress"]
    assert (p["achieved"], p["attainment"], p["target_reached"]) == (7.0, 0.5, False)  # (7 - 4) / (10 - 4)

    # a new plan replaces the old one; a stale version is refused and nothing changes
    again = ws.set_success_plan("A2", {"contacts": 3}, "deals per month", 4, 12, "2022-01-01", author="sam",
                                expected_version=1)
    assert again["version"] == 2 and coverage(ws, "A2") == 1.0
    with pytest.raises(ConflictError, match="expected_version: the stored plan of A2 is at version 2, not 1"):
        ws.set_success_plan("A2", {"pipeline": 3}, "x", 0, 1, "2022-01-01", author="eli", expected_version=1)
    assert ws.success_plan("A2")["processes"] == {"contacts": 3.0}
    assert ws.audit_log()["action"].tolist()[-3:] == ["plan.set", "outcome.achievement", "plan.set"]
    details = json.loads(ws.audit_log()["details"].iloc[-1])
    assert details["replaced"]["version"] == 1 and details["replaced"]["processes"] == {"contacts": 5.0, "pipeline": 2.0}
    assert details["replaced"]["closed_on"] == "2022-01-01" and details["processes"] == {"contacts": 3}


def test_a_plan_scopes_only_the_dates_from_its_close(ws):
    """A plan closed on 2022-02-15 scopes A2 from that date on; 2022-02-14 keeps the catalogue (5 of 13),
    whichever later write re-scores it, and a one-pass history equals the dates scored one by one."""
    def cov(day):
        e = ws.explain("A2", day)
        return float(next(a for a in e.axes if a.axis == "indispensability").measures.set_index("measure")
                     .loc["process_coverage", "raw"])

    early, close = dt.date(2022, 2, 14), dt.date(2022, 2, 15)
    ws.score_history(early, DAY, "7d", load=False)  # 02-14, 02-21, 02-28
    ws.set_success_plan("A2", {"contacts": 5, "pipeline": 2}, "deals per month", 4, 10, close, author="sam")
    assert ws.last_rescore["dates"] == [dt.date(2022, 2, 21), DAY]  # only the dates the plan can affect
    assert cov(early) == pytest.approx(5 / 13, abs=1e-4)
    assert cov(dt.date(2022, 2, 21)) == cov(DAY) == pytest.approx(5 / 7, abs=1e-4)
    # A later write re-scoring every date (an outcome defined before all of them) leaves 02-14 alone.
    ws.add_outcome("A1", "older outcome", "m", 0, 1, "2022-01-01", author="eli")
    assert early in ws.last_rescore["dates"]
    assert cov(early) == pytest.approx(5 / 13, abs=1e-4)
    stored = ws.scores(early), ws.scores(DAY)
    ws.score_history(early, DAY, "7d", load=False)  # one pass over both plan regimes
    pd.testing.assert_frame_equal(ws.scores(early).drop(columns="computed_at"), stored[0].drop(columns="computed_at"))
    pd.testing.assert_frame_equal(ws.scores(DAY).drop(columns="computed_at"), stored[1].drop(columns="computed_at"))
    assert ledger.plan_regimes(ws.con, [DAY, early, dt.date(2022, 2, 21)]) == [[early], [dt.date(2022, 2, 21), DAY]]


def test_ids_of_retracted_rows_are_never_issued_again(ws):
    """A retracted contact's id stays its own in the audit log: the next contact gets a new one."""
    first = ws.add_contact("A1", "Temp", "team", author="dana")
    ws.retract("contact", first, author="dana", reason="typo")
    second = ws.add_contact("A2", "Someone else", "team", author="dana")
    assert second != first
    assert int(second.removeprefix("app-C")) == int(first.removeprefix("app-C")) + 1


def test_concurrent_writers_lose_nothing(ws):
    """Eight threads write through one Workspace at once: every row is stored with its own id, and audited."""
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            if i % 2:
                ws.add_outcome("A1", f"outcome {i}", "m", 0, 1, "2022-02-01", author=f"user{i}", rescore=False)
            else:
                cid = ws.add_contact("A1", f"contact {i}", "team", author=f"user{i}")
                ws.record_acknowledgement("O1", cid, "2022-02-21", author=f"user{i}", rescore=False)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    n_log = len(ws.audit_log())
    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    led = ws.ledger("A1")
    assert sorted(led["outcomes"].query("origin == 'app'")["outcome_id"]) == ["app-O1", "app-O2", "app-O3", "app-O4"]
    assert sorted(led["contacts"].query("origin == 'app'")["contact_id"]) == ["app-C1", "app-C2", "app-C3", "app-C4"]
    assert len(led["acknowledgements"].query("origin == 'app'")) == 4
    log = ws.audit_log().iloc[n_log:]
    assert sorted(log["action"].value_counts().items()) == [("acknowledgement.add", 4), ("contact.add", 4), ("outcome.add", 4)]
    assert set(log["actor"]) == {f"user{i}" for i in range(8)}


def test_rescore_is_audited_when_someone_asks(ws):
    scores = ws.rescore(author="ops")
    assert set(scores["as_of"]) == {pd.Timestamp(DAY)}
    assert ws.audit_log()[["actor", "action", "target"]].values.tolist()[-1] == ["ops", "score.rescore", "2022-02-28"]
