"""The REST API on the bundled example: auth, validation, ledger writes that move tiers, plans, concurrency."""

from __future__ import annotations

import shutil
import threading
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():  # Starlette's TestClient warns about httpx on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from goldpath.api.app import create_app
from goldpath.api.auth import resolve_token, tokens

TOKENS = "dana:dana-secret-token,ops:ops-token"
DANA = {"Authorization": "Bearer dana-secret-token"}
OPS = {"Authorization": "Bearer ops-token"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The example as `goldpath demo` builds it (weekly 2022 history, 2022-12-31), built once; never opened."""
    from typer.testing import CliRunner

    from goldpath.cli import app as cli_app

    path = tmp_path_factory.mktemp("api-demo") / "ws"
    result = CliRunner().invoke(cli_app, ["demo", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def env():
    mp = pytest.MonkeyPatch()
    mp.setenv("GOLDPATH_API_TOKENS", TOKENS)
    yield mp
    mp.undo()


def serve(built: Path, dest: Path, **settings) -> TestClient:
    shutil.copytree(built, dest)
    return TestClient(create_app(dest, settings or None))


@pytest.fixture(scope="module")
def reader(built, env, tmp_path_factory):
    """A client on a copy of the example for tests that write nothing (reads need a token by default)."""
    with serve(built, tmp_path_factory.mktemp("api-read") / "ws") as client:
        yield client


@pytest.fixture
def writer(built, env, tmp_path):
    """A client on a private copy of the example, for one test that writes."""
    with serve(built, tmp_path / "ws") as client:
        yield client


# -- auth ------------------------------------------------------------------------------------------

def test_tokens_come_from_the_environment_as_name_token_pairs():
    assert tokens("dana:abc, ops:x:y ,broken,:nameless,") == {"abc": "dana", "x:y": "ops"}
    assert resolve_token("dana-secret-token", "NO_SUCH_VARIABLE_SET") is None


@pytest.mark.parametrize("headers, detail", [
    ({}, "a write needs a token"),
    ({"Authorization": "Bearer wrong"}, "invalid token"),
    ({"Authorization": "Basic ZGFuYTp4"}, "the Authorization header must be 'Bearer <token>'"),
])
def test_writes_need_a_valid_token(reader, headers, detail):
    body = {"outcome_id": "A092-O1", "contact_id": "A092-C3", "date": "2022-12-28"}
    r = reader.post("/api/v1/acknowledgements", json=body, headers=headers)
    assert r.status_code == 401
    assert r.json()["detail"].startswith(detail)
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert reader.get("/api/v1/audit", headers=DANA).json() == []  # nothing written


def test_reads_need_a_token_by_default(reader):
    r = reader.get("/api/v1/portfolio")
    assert r.status_code == 401 and "server.read_access: token" in r.json()["detail"]
    assert reader.get("/api/v1/portfolio", headers={"Authorization": "Bearer nope"}).status_code == 401
    ok = reader.get("/api/v1/portfolio", headers=OPS)
    assert ok.status_code == 200
    tiers = {t["tier"]: t["accounts"] for t in ok.json()["tiers"]}
    assert tiers == {"gold": 4, "green": 61, "yellow": 47, "red": 11, "insufficient data": 1}


def test_open_reads_still_check_tokens_and_writes(built, env, tmp_path):
    with serve(built, tmp_path / "ws", read_access="open") as client:
        assert client.get("/api/v1/accounts?tier=gold").json()["count"] == 4
        assert client.get("/api/v1/accounts", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert client.post("/api/v1/contacts", json={"account_id": "A092", "name": "x", "role": "team"}).status_code == 401


def test_openapi_is_published(reader):
    spec = reader.get("/openapi.json").json()
    assert spec["info"]["title"] == "goldpath"
    for path in ("/api/v1/portfolio", "/api/v1/accounts/{account_id}", "/api/v1/acknowledgements",
                 "/api/v1/accounts/{account_id}/plan", "/api/v1/migrations", "/api/v1/backtest", "/api/v1/audit"):
        assert path in spec["paths"], path
    assert spec["components"]["schemas"]["ContactIn"]["properties"]["role"]["enum"] == [
        "team", "sponsor", "stakeholder", "finance"]
    assert reader.get("/docs").status_code == 200


# -- reads -------------------------------------------------------------------------------------------

def test_account_detail_adds_up_and_says_what_is_missing(reader):
    d = reader.get("/api/v1/accounts/A092", headers=OPS).json()
    assert (d["as_of"], d["tier"]["tier"], d["tier"]["gold_evidence"]) == ("2022-12-31", "green", False)
    for axis in d["axes"]:
        assert round(sum(m["contribution"] for m in axis["measures"]), 2) == axis["score"] == axis["contribution_sum"]
    assert "  MISSING finance: no acknowledgement from a finance contact" in d["tier"]["gold"]
    assert [a["playbook"] for a in d["actions"]] == ["finance-acknowledgement"]
    assert {c["contact_id"] for c in d["ledger"]["contacts"]} == {"A092-C1", "A092-C2", "A092-C3"}
    assert [a["status"] for a in d["ledger"]["acknowledgements"]] == ["valid", "valid"]
    assert d["history"]["snapshots"][-1]["as_of"] == "2022-12-31" and d["plan"] is None


def test_filters_migrations_and_not_found(reader):
    r = reader.get("/api/v1/accounts", params={"tier": "GOLD", "search": "clinics"}, headers=OPS).json()
    assert [a["account_id"] for a in r["accounts"]] == ["A003"]
    m = reader.get("/api/v1/migrations", params={"start": "2022-06-26", "end": "2022-12-25"}, headers=OPS).json()
    green = next(row for row in m["accounts"] if row["from"] == "green")
    assert green["gold"] == 3
    r = reader.get("/api/v1/accounts/NOPE", headers=OPS)
    assert r.status_code == 404 and r.json()["detail"][0]["loc"] == ["path", "account_id"]
    r = reader.get("/api/v1/migrations", params={"start": "2022-06-27", "end": "2022-12-25"}, headers=OPS)
    assert r.status_code == 422 and "2022-06-27 has not been scored" in r.json()["detail"][0]["msg"]


# -- validation ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, body, loc, msg", [
    ("/api/v1/contacts", {"account_id": "A092", "name": "CFO", "role": "cfo"}, ["body", "role"],
     "Input should be 'team', 'sponsor', 'stakeholder' or 'finance'"),
    ("/api/v1/contacts", {"account_id": "A999", "name": "CFO", "role": "finance"}, ["body", "account_id"],
     "unknown account 'A999'"),
    ("/api/v1/acknowledgements", {"outcome_id": "A092-O9", "contact_id": "A092-C3", "date": "2022-12-28"},
     ["body", "outcome_id"], "unknown outcome 'A092-O9'"),
    ("/api/v1/acknowledgements", {"outcome_id": "A092-O1", "contact_id": "A092-C3", "date": "2022-01-10"},
     ["body", "date"], "2022-01-10 is before outcome A092-O1 was defined (2022-02-15)"),
    ("/api/v1/acknowledgements", {"outcome_id": "A092-O1", "contact_id": "A003-C3", "date": "2022-12-28"},
     ["body", "contact_id"], "contact A003-C3 belongs to account A003 but outcome A092-O1 to account A092"),
    ("/api/v1/acknowledgements", {"outcome_id": "A092-O1", "contact_id": "A092-C3", "date": "28/12/2022"},
     ["body", "date"], "Input should be a valid date"),
    ("/api/v1/acknowledgements", {"outcome_id": "A092-O1", "contact_id": "A092-C3"}, ["body", "date"], "Field required"),
    ("/api/v1/outcomes", {"account_id": "A092", "title": "t", "metric": "m", "baseline": 1, "target": 2,
                          "defined_at": "2022-01-01", "cost": -1}, ["body", "cost"], "Input should be greater than or equal to 0"),
    ("/api/v1/contacts/A092-C9/left", {"left": "2022-12-01"}, ["path", "contact_id"], "unknown contact 'A092-C9'"),
    ("/api/v1/outcomes/A092-O1/achievement", {"achieved": 1, "achieved_at": "2022-01-01"}, ["body", "achieved_at"],
     "2022-01-01 is before outcome A092-O1 was defined (2022-02-15)"),
])
def test_bad_input_is_a_422_naming_the_field(reader, path, body, loc, msg):
    r = reader.post(path, json=body, headers=DANA)
    expected = 404 if loc[0] == "path" else 422
    assert r.status_code == expected, r.text
    detail = r.json()["detail"][0]
    assert detail["loc"] == loc and detail["msg"].startswith(msg)
    assert reader.get("/api/v1/audit", headers=DANA).json() == []


def test_plan_validation_names_the_process(reader):
    body = {"processes": {"juggling": 3}, "metric": "m", "baseline": 0, "target": 1, "closed_on": "2022-12-01"}
    r = reader.put("/api/v1/accounts/A146/plan", json=body, headers=DANA)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "processes"]
    assert r.json()["detail"][0]["msg"].startswith("unknown process 'juggling'; the catalogue has contact_management")
    assert reader.put("/api/v1/accounts/NOPE/plan", json={**body, "processes": {"pipeline": 3}},
                      headers=DANA).status_code == 404


# -- writes ------------------------------------------------------------------------------------------------

def test_finance_acknowledgement_makes_a092_gold(writer):
    """The example's A092 is Green with a missing finance acknowledgement; recording it makes it GOLD at once."""
    r = writer.post("/api/v1/acknowledgements", headers=DANA, json={
        "outcome_id": "A092-O1", "contact_id": "A092-C3", "date": "2022-12-28", "statement": "CFO signs the value review"})
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["account"] == {"account_id": "A092", "as_of": "2022-12-31", "tier": "gold", "gold_evidence": True}
    assert (out["author"], out["row"]["contact_id"]) == ("dana", "A092-C3")
    d = writer.get("/api/v1/accounts/A092", headers=DANA).json()
    assert d["tier"]["tier"] == "gold" and d["actions"] == []
    acks = {a["contact_id"]: a for a in d["ledger"]["acknowledgements"]}
    assert (acks["A092-C3"]["origin"], acks["A092-C3"]["status"], acks["A092-C3"]["expires_on"]) == ("app", "valid", "2023-12-28")
    tiers = {t["tier"]: t["accounts"] for t in writer.get("/api/v1/portfolio", headers=DANA).json()["tiers"]}
    assert (tiers["gold"], tiers["green"]) == (5, 60)
    audit = writer.get("/api/v1/audit", headers=DANA).json()
    assert [(e["actor"], e["action"], e["target"]) for e in audit] == [("dana", "acknowledgement.add", "A092")]
    assert audit[0]["details"]["statement"] == "CFO signs the value review"

    # the CFO leaves the next day: the acknowledgement lapses and GOLD with it
    r = writer.post("/api/v1/contacts/A092-C3/left", json={"left": "2022-12-29"}, headers=OPS)
    assert r.status_code == 200 and r.json()["account"]["tier"] == "green"


def test_success_plan_becomes_scope_outcome_and_progress(writer):
    """A146 (no usage: insufficient data) gets a plan: two processes in scope and a value hypothesis with progress."""
    body = {"processes": {"contact_management": 5, "pipeline": 4}, "metric": "deals closed per month",
            "baseline": 2, "target": 6, "closed_on": "2022-11-15", "annual_value": 12000}
    r = writer.put("/api/v1/accounts/A146/plan", json=body, headers=DANA)
    assert r.status_code == 200, r.text
    plan = r.json()["plan"]
    assert (plan["version"], plan["outcome_id"], plan["title"]) == (1, "plan-A146", "deals closed per month: from 2 to 6")
    assert plan["progress"]["processes_not_running"] == ["contact_management", "pipeline"]
    d = writer.get("/api/v1/accounts/A146", headers=DANA).json()
    coverage = next(m for a in d["axes"] for m in a["measures"] if m["measure"] == "process_coverage")
    assert coverage["detail"] == "criticality 0 of 9 run (0 of 2 processes)"
    outcome = next(o for o in d["ledger"]["outcomes"] if o["outcome_id"] == "plan-A146")
    assert (outcome["origin"], outcome["defined_at"], outcome["cost"]) == ("plan", "2022-11-15", 7200.0)
    r = writer.post("/api/v1/outcomes/plan-A146/achievement", json={"achieved": 4, "achieved_at": "2022-12-20"},
                    headers=DANA)
    assert r.status_code == 200
    p = writer.get("/api/v1/accounts/A146/plan", headers=DANA).json()["progress"]
    assert (p["achieved"], p["attainment"], p["target_reached"]) == (4.0, 0.5, False)
    stale = writer.put("/api/v1/accounts/A146/plan", json={**body, "expected_version": 0}, headers=OPS)
    assert stale.status_code == 422 and stale.json()["detail"][0]["loc"] == ["body", "expected_version"]
    actions = [e["action"] for e in writer.get("/api/v1/audit", headers=DANA).json()]
    assert actions == ["outcome.achievement", "plan.set"]


def test_two_concurrent_writers_lose_no_update(writer):
    """Two clients write at the same moment (threads): both outcomes and both acknowledgements are stored and audited."""
    barrier = threading.Barrier(4)
    results: dict[str, int] = {}

    def post(name: str, headers: dict, path: str, body: dict) -> None:
        barrier.wait()
        results[name] = writer.post(path, json=body, headers=headers).status_code

    jobs = [
        ("dana-outcome", DANA, "/api/v1/outcomes", {"account_id": "A092", "title": "Faster quotes", "metric": "hours",
                                                    "baseline": 48, "target": 24, "defined_at": "2022-03-01"}),
        ("ops-outcome", OPS, "/api/v1/outcomes", {"account_id": "A092", "title": "Fewer tickets", "metric": "tickets",
                                                  "baseline": 30, "target": 10, "defined_at": "2022-03-01"}),
        ("dana-ack", DANA, "/api/v1/acknowledgements", {"outcome_id": "A092-O1", "contact_id": "A092-C3", "date": "2022-12-28"}),
        ("ops-ack", OPS, "/api/v1/acknowledgements", {"outcome_id": "A092-O1", "contact_id": "A092-C3", "date": "2022-12-29"}),
    ]
    threads = [threading.Thread(target=post, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {name: 201 for name, *_ in jobs}
    ledger = writer.get("/api/v1/accounts/A092/ledger", headers=DANA).json()
    app_outcomes = sorted((o["outcome_id"], o["author"]) for o in ledger["outcomes"] if o["origin"] == "app")
    assert [o for o, _ in app_outcomes] == ["app-O1", "app-O2"]
    assert {a for _, a in app_outcomes} == {"dana", "ops"}
    acks = sorted((a["date"], a["author"]) for a in ledger["acknowledgements"] if a["origin"] == "app")
    assert acks == [("2022-12-28", "dana"), ("2022-12-29", "ops")]
    audit = writer.get("/api/v1/audit", headers=DANA).json()
    assert sorted((e["actor"], e["action"]) for e in audit) == [
        ("dana", "acknowledgement.add"), ("dana", "outcome.add"), ("ops", "acknowledgement.add"), ("ops", "outcome.add")]
    assert writer.get("/api/v1/accounts/A092", headers=DANA).json()["tier"]["tier"] == "gold"


def test_overrides_through_the_api(writer):
    r = writer.post("/api/v1/overrides", headers=OPS, json={
        "account_id": "A092", "tier": "yellow", "reason": "exec escalation", "expires": "2023-03-31"})
    assert r.status_code == 201 and r.json()["account"]["tier"] == "yellow"
    oid = r.json()["id"]
    bad = writer.post("/api/v1/overrides", headers=OPS, json={
        "account_id": "NOPE", "tier": "yellow", "reason": "x", "expires": "2023-03-31"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "account_id"]
    r = writer.delete(f"/api/v1/overrides/{oid}", params={"reason": "resolved"}, headers=OPS)
    assert r.status_code == 200 and r.json()["account"]["tier"] == "green"
    assert writer.delete("/api/v1/overrides/999", params={"reason": "x"}, headers=OPS).status_code == 404
    assert [e["action"] for e in writer.get("/api/v1/audit", headers=OPS).json()] == ["override.remove", "override.add"]
