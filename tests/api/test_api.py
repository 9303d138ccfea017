"""The REST API on the bundled example: auth, validation, ledger writes that move tiers, plans, concurrency."""

from __future__ import annotations

import html
import re
import shutil
import threading
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():  # Starlette's TestClient warns about httpx on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from goldpath.api.app import create_app
from goldpath.api.auth import resolve_token, token_scopes, tokens
from goldpath.api.routes import api_message

TOKENS = "dana:dana-secret-token:admin,ops:ops-token:admin,clerk:clerk-token,viewer:viewer-token:read"
DANA = {"Authorization": "Bearer dana-secret-token"}
OPS = {"Authorization": "Bearer ops-token"}
CLERK = {"Authorization": "Bearer clerk-token"}  # scope write (the default): value-ledger writes
VIEWER = {"Authorization": "Bearer viewer-token"}  # scope read


@pytest.fixture(scope="module")
def built(demo_workspace_path) -> Path:
    """The example as `goldpath demo` builds it (tests/conftest.py, built once per session); never opened."""
    return demo_workspace_path


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


def test_account_list_is_riskiest_first_like_the_dashboard(reader):
    rows = reader.get("/api/v1/accounts", headers=OPS).json()["accounts"]
    order = ["red", "yellow", "green", "gold", "insufficient data"]
    ranks = [order.index(r["tier"].lower()) for r in rows]
    assert ranks == sorted(ranks) and len(set(ranks)) == 5
    reds = [r["arr"] for r in rows if r["tier"] == "red"]
    assert reds == sorted(reds, reverse=True)


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
    # Nonsense a lenient parser would take: booleans and text as numbers, dates pandas cannot
    # hold, unbounded text, control characters, a measured value without its day.
    ("/api/v1/outcomes/A092-O1/achievement", {"achieved": False, "achieved_at": "2022-12-01"}, ["body", "achieved"],
     "Input should be a valid number"),
    ("/api/v1/outcomes", {"account_id": "A092", "title": "t", "metric": "m", "baseline": " 1e3 ", "target": 2,
                          "defined_at": "2022-01-01"}, ["body", "baseline"], "Input should be a valid number"),
    ("/api/v1/outcomes", {"account_id": "A092", "title": "t", "metric": "m", "baseline": 1, "target": 2,
                          "defined_at": "9999-12-31"}, ["body", "defined_at"], "Input should be less than or equal to 2199-12-31"),
    ("/api/v1/outcomes", {"account_id": "A092", "title": "t", "metric": "m", "baseline": 1, "target": 2,
                          "defined_at": "2022-01-01", "achieved": 2}, ["body", "achieved_at"],
     "required with achieved: the day the value was measured"),
    ("/api/v1/outcomes", {"account_id": "A092", "title": "t", "metric": "m", "baseline": 1, "target": 2,
                          "defined_at": "2022-01-01", "achieved": 2, "achieved_at": "2150-01-01"}, ["body", "achieved_at"],
     "2150-01-01 is in the future"),
    ("/api/v1/contacts", {"account_id": "A092", "name": "x" * 2001, "role": "team"}, ["body", "name"],
     "String should have at most 2000 characters"),
    ("/api/v1/contacts", {"account_id": "A092", "name": "a\x00b", "role": "team"}, ["body", "name"],
     "contains a control character"),
    ("/api/v1/contacts", {"account_id": "A092", "name": "Old", "role": "team", "joined": "0001-01-01"}, ["body", "joined"],
     "Input should be greater than or equal to 1900-01-01"),
])
def test_bad_input_is_a_422_naming_the_field(reader, path, body, loc, msg):
    r = reader.post(path, json=body, headers=DANA)
    expected = 404 if loc[0] == "path" else 422
    assert r.status_code == expected, r.text
    detail = r.json()["detail"][0]
    assert detail["loc"] == loc and detail["msg"].startswith(msg)
    assert reader.get("/api/v1/audit", headers=DANA).json() == []


@pytest.mark.parametrize("path,text,loc", [
    ("/api/v1/outcomes/A092-O1/achievement", '{"achieved": NaN, "achieved_at": "2022-12-01"}', ["body", "achieved"]),
    ("/api/v1/outcomes", '{"account_id": "A092", "title": "t", "metric": "m", "baseline": 1, "target": 2, '
                         '"defined_at": "2022-01-01", "annual_value": -Infinity}', ["body", "annual_value"]),
])
def test_non_finite_numbers_are_a_422_not_a_crash(reader, path, text, loc):
    """JSON cannot carry NaN back: the 422 echoes it as text instead of failing to encode it."""
    r = reader.post(path, content=text, headers={**DANA, "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    assert detail["loc"] == loc and detail["msg"] == "Input should be a finite number"
    assert detail["input"] in ("nan", "-inf")
    assert reader.get("/api/v1/audit", headers=DANA).json() == []


def test_a_plan_closed_on_a_date_pandas_cannot_hold_is_refused_and_nothing_breaks(writer):
    body = {"processes": {"pipeline": 4}, "metric": "m", "baseline": 1, "target": 2, "closed_on": "9999-12-31"}
    r = writer.put("/api/v1/accounts/A146/plan", json=body, headers=DANA)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "closed_on"]
    assert writer.get("/api/v1/accounts/A092", headers=DANA).status_code == 200
    assert writer.get("/api/v1/audit", headers=DANA).json() == []


def test_an_override_cannot_be_withdrawn_after_it_expires(writer):
    r = writer.post("/api/v1/overrides", headers=DANA, json={
        "account_id": "A003", "tier": "yellow", "reason": "escalation", "expires": "2023-03-31"})
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    bad = writer.delete(f"/api/v1/overrides/{oid}", params={"reason": "x", "on": "2100-12-31"}, headers=DANA)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "on", bad.text
    ok = writer.delete(f"/api/v1/overrides/{oid}", params={"reason": "done"}, headers=DANA)
    assert ok.status_code == 200, ok.text


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
    assert stale.status_code == 409 and stale.json()["detail"][0]["loc"] == ["body", "expected_version"]
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
    again = writer.delete(f"/api/v1/overrides/{oid}", params={"reason": "twice"}, headers=OPS)
    assert again.status_code == 409 and again.json()["detail"][0]["loc"] == ["path", "override_id"]
    assert again.json()["detail"][0]["msg"].startswith(f"override {oid} was already withdrawn by ops on ")
    assert [e["action"] for e in writer.get("/api/v1/audit", headers=OPS).json()] == ["override.remove", "override.add"]


# -- /docs: offline reference ---------------------------------------------------------------------------

def test_docs_are_served_without_any_external_request(reader):
    """/docs is rendered on the server from the OpenAPI schema: no script, no external URL, every route listed."""
    r = reader.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.I), "an external URL"
    assert reader.get("/redoc").status_code == 404
    spec = reader.get("/openapi.json").json()
    for path, item in spec["paths"].items():
        for method in item:
            assert f'id="op-{method}-{html.escape(path)}"' in page, (method, path)
    assert 'id="schema-OverrideIn"' in page and "admin: a token of scope admin" in page


# -- token scopes ---------------------------------------------------------------------------------------

def test_token_entries_may_carry_a_scope():
    assert token_scopes("a:t1, b:t2:read, c:t3:admin, d:x:y") == {
        "t1": ("a", "write"), "t2": ("b", "read"), "t3": ("c", "admin"), "x:y": ("d", "write")}


def test_a_token_without_the_scope_gets_403(reader):
    ack = {"outcome_id": "A092-O1", "contact_id": "A092-C3", "date": "2022-12-28"}
    assert reader.get("/api/v1/portfolio", headers=VIEWER).status_code == 200
    r = reader.post("/api/v1/acknowledgements", json=ack, headers=VIEWER)
    assert r.status_code == 403 and r.json()["detail"].startswith("the token of viewer has scope read; a value-ledger")
    override = {"account_id": "A092", "tier": "yellow", "reason": "x", "expires": "2023-03-31"}
    r = reader.post("/api/v1/overrides", json=override, headers=CLERK)
    assert r.status_code == 403 and "needs scope admin" in r.json()["detail"]
    plan = {"processes": {"pipeline": 3}, "metric": "m", "baseline": 0, "target": 1, "closed_on": "2022-12-01"}
    assert reader.put("/api/v1/accounts/A146/plan", json=plan, headers=CLERK).status_code == 403
    assert reader.delete("/api/v1/overrides/1", params={"reason": "x"}, headers=VIEWER).status_code == 403
    assert reader.get("/api/v1/audit", headers=DANA).json() == []


# -- validation gaps ------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, kw, status, loc, msg", [
    ("post", "/api/v1/contacts", {"json": {"account_id": "A092", "name": "New CFO", "role": "finance",
                                           "joined": "2150-01-01"}},
     422, ["body", "joined"], "2150-01-01 is in the future"),
    ("post", "/api/v1/outcomes", {"json": {"account_id": "A092", "title": "t", "metric": "m", "baseline": 5, "target": 5,
                                           "defined_at": "2022-03-01"}},
     422, ["body", "target"], "equals the baseline (5); attainment"),
    ("post", "/api/v1/overrides", {"json": {"account_id": "A092", "tier": "red", "reason": "x", "expires": "2022-06-30"}},
     422, ["body", "expires"], "2022-06-30 has passed (the latest scored date is 2022-12-31)"),
    ("post", "/api/v1/overrides", {"json": {"account_id": "A092", "reason": "x", "expires": "2023-06-30"}},
     422, ["body", "tier"], "an override sets either a tier, or a measure and its score"),
    ("get", "/api/v1/accounts", {"params": {"tier": "platinum"}},
     422, ["query", "tier"], "expected one of gold, green, yellow, red, insufficient data (got 'platinum')"),
    ("get", "/api/v1/migrations", {"params": {"start": "2022-12-25", "end": "2022-06-26"}},
     422, ["query", "end"], "2022-06-26 is before the start 2022-12-25"),
    ("get", "/api/v1/migrations", {"params": {"start": "2022-06-27", "end": "2022-12-25"}},
     422, ["query", "start"], "2022-06-27 has not been scored"),
    ("delete", "/api/v1/contacts/A092-C1", {"params": {"reason": "typo"}},
     409, ["path", "contact_id"], "contact A092-C1 is from the source file data/contacts.csv: fix the row there"),
    ("delete", "/api/v1/acknowledgements/A092-O1/A092-C1/2022-11-20", {"params": {"reason": "x"}},
     404, ["path", "outcome_id"], "no acknowledgement of A092-O1 by A092-C1 on 2022-11-20"),
])
def test_every_error_names_its_field_and_no_cli_command(reader, method, path, kw, status, loc, msg):
    r = getattr(reader, method)(path, headers=DANA, **kw)
    assert r.status_code == status, r.text
    detail = r.json()["detail"][0]
    assert detail["loc"] == loc and detail["msg"].startswith(msg), detail
    assert "`goldpath" not in r.text
    assert reader.get("/api/v1/audit", headers=DANA).json() == []


def test_api_messages_drop_cli_pointers():
    assert api_message("no scores stored yet; run `goldpath score --as-of YYYY-MM-DD` first") == "no scores stored yet"
    assert api_message("no active override with id 3; see `goldpath override list`") == "no active override with id 3"


# -- writes re-score the dates they affect; alerts and audit follow ---------------------------------------------

def _alerts(client, *accounts: str) -> list[tuple]:
    a = client.app.state.workspace.alerts()
    a = a[a["account_id"].isin(accounts)]
    return [(r.account_id, str(r.as_of.date() if hasattr(r.as_of, "date") else r.as_of), r.kind, r.from_tier, r.to_tier)
            for r in a.itertuples()]


def test_each_real_tier_change_of_a_write_is_one_alert(writer):
    """A092 reaches GOLD, loses it when its sponsor is marked as left, reaches it again when that is undone;
    A040 (GOLD on 12-25, yellow on 12-31: gold_lost) is made GOLD on 12-31 by a measure override. Rescoring
    the date again and again raises nothing new."""
    base = [("A040", "2022-12-25", "gold_reached", "green", "gold"), ("A040", "2022-12-31", "gold_lost", "gold", "yellow")]
    assert _alerts(writer, "A092", "A040") == base
    ack = {"outcome_id": "A092-O1", "contact_id": "A092-C3", "date": "2022-12-28"}
    assert writer.post("/api/v1/acknowledgements", json=ack, headers=CLERK).json()["account"]["tier"] == "gold"
    r = writer.post("/api/v1/contacts/A092-C2/left", json={"left": "2022-12-30"}, headers=CLERK).json()
    assert (r["account"]["tier"], r["rescored"], r["tier_changes"]) == ("green", ["2022-12-31"], [
        {"account_id": "A092", "as_of": "2022-12-31", "before": "gold", "after": "green"}])
    for _ in range(2):
        assert writer.post("/api/v1/rescore", headers=CLERK).status_code == 200
    r = writer.delete("/api/v1/contacts/A092-C2/left", params={"reason": "marked by mistake"}, headers=CLERK).json()
    assert r["account"]["tier"] == "gold"
    override = {"account_id": "A040", "measure": "process_coverage", "score": 100, "reason": "new rollout",
                "starts": "2022-12-31", "expires": "2023-03-31"}
    r = writer.post("/api/v1/overrides", json=override, headers=DANA).json()
    assert (r["rescored"], r["account"]["tier"]) == (["2022-12-31"], "gold")
    writer.post("/api/v1/rescore", headers=CLERK)
    assert _alerts(writer, "A092", "A040") == base + [
        ("A040", "2022-12-31", "gold_reached", "yellow", "gold"),
        ("A092", "2022-12-31", "gold_reached", "green", "gold"),
        ("A092", "2022-12-31", "gold_lost", "gold", "green"),
        ("A092", "2022-12-31", "gold_reached", "green", "gold"),
    ]
    ids = writer.app.state.workspace.alerts()["alert_id"]
    assert ids.is_unique


def test_an_override_re_scores_every_stored_date_in_its_period_and_the_audit_says_what_moved(writer):
    """A tier override from 2022-12-01 re-scores the stored 12-04 .. 12-31 in one pass, not only 12-31."""
    history = writer.get("/api/v1/accounts/A092", headers=OPS).json()["history"]["snapshots"]
    before = {h["as_of"]: h["tier"] for h in history}
    body = {"account_id": "A092", "tier": "red", "reason": "exec escalation", "starts": "2022-12-01", "expires": "2023-03-31"}
    r = writer.post("/api/v1/overrides", json=body, headers=OPS)
    assert r.status_code == 201, r.text
    out = r.json()
    dates = ["2022-12-04", "2022-12-11", "2022-12-18", "2022-12-25", "2022-12-31"]
    assert out["rescored"] == dates and out["rescore_seconds"] > 0
    changes = [{"account_id": "A092", "as_of": d, "before": before[d], "after": "red"} for d in dates]
    assert out["tier_changes"] == changes and before["2022-12-31"] == "green"
    history = writer.get("/api/v1/accounts/A092", headers=OPS).json()["history"]["snapshots"]
    assert [(h["as_of"], h["tier"]) for h in history[-6:]] == [("2022-11-27", before["2022-11-27"])] + [
        (d, "red") for d in dates]
    entry = writer.get("/api/v1/audit", params={"account_id": "A092"}, headers=OPS).json()[0]
    assert (entry["action"], entry["details"]["rescored"], entry["details"]["tier_changes"]) == (
        "override.add", dates, changes)
    r = writer.delete(f"/api/v1/overrides/{out['id']}", params={"reason": "resolved", "on": "2022-12-20"}, headers=OPS)
    assert r.json()["rescored"] == ["2022-12-25", "2022-12-31"]  # it still applies before the 20th
    assert [c["after"] for c in r.json()["tier_changes"]] == ["green", "green"]


def test_overrides_are_visible_in_the_account_list_and_detail(writer):
    body = {"account_id": "A014", "measure": "active_seat_ratio", "score": 95, "reason": "seats reassigned",
            "expires": "2023-03-31"}
    oid = writer.post("/api/v1/overrides", json=body, headers=DANA).json()["id"]
    writer.post("/api/v1/overrides", headers=DANA, json={
        "account_id": "A014", "tier": "red", "reason": "exec escalation", "starts": "2022-12-31", "expires": "2023-01-31"})
    row = next(a for a in writer.get("/api/v1/accounts", params={"search": "A014"}, headers=DANA).json()["accounts"])
    assert (row["tier"], row["tier_override"]["tier"], row["tier_override"]["author"]) == ("red", "red", "dana")
    assert row["tier_override"]["expires"] == "2023-01-31" and row["computed_tier"] != "red"
    assert row["measure_overrides"] == [{
        "measure": "active_seat_ratio", "value": 95.0, "override_id": oid, "author": "dana", "reason": "seats reassigned",
        "starts": "2022-12-31", "expires": "2023-03-31", "note": f"#{oid} by dana until 2023-03-31: seats reassigned"}]
    d = writer.get("/api/v1/accounts/A014", headers=DANA).json()["tier"]
    assert d["measure_overrides"] == row["measure_overrides"] and d["tier_override"] == row["tier_override"]
    other = writer.get("/api/v1/accounts", params={"search": "A092"}, headers=DANA).json()["accounts"][0]
    assert (other["tier_override"], other["measure_overrides"]) == (None, [])


def test_retractions_undo_app_writes_and_are_audited(writer):
    ack = {"outcome_id": "A092-O1", "contact_id": "A092-C3", "date": "2022-12-28"}
    writer.post("/api/v1/acknowledgements", json=ack, headers=CLERK)
    r = writer.delete("/api/v1/acknowledgements/A092-O1/A092-C3/2022-12-28", params={"reason": "wrong outcome"},
                      headers=CLERK)
    assert r.status_code == 200, r.text
    assert (r.json()["account"]["tier"], r.json()["rescored"]) == ("green", ["2022-12-31"])
    cid = writer.post("/api/v1/contacts", headers=CLERK, json={"account_id": "A092", "name": "Controller",
                                                               "role": "finance"}).json()["id"]
    oid = writer.post("/api/v1/outcomes", headers=CLERK, json={
        "account_id": "A092", "title": "Faster quotes", "metric": "hours", "baseline": 48, "target": 24,
        "defined_at": "2022-12-01"}).json()["id"]  # late in the year: its writes re-score few stored dates
    writer.post("/api/v1/acknowledgements", headers=CLERK, json={"outcome_id": oid, "contact_id": cid, "date": "2022-12-01"})
    blocked = writer.delete(f"/api/v1/outcomes/{oid}", params={"reason": "x"}, headers=CLERK)
    assert blocked.status_code == 409 and "has acknowledgements" in blocked.json()["detail"][0]["msg"]
    assert writer.delete(f"/api/v1/acknowledgements/{oid}/{cid}/2022-12-01", params={"reason": "x"},
                         headers=CLERK).status_code == 200
    assert writer.delete(f"/api/v1/outcomes/{oid}", params={"reason": "duplicate"}, headers=CLERK).status_code == 200
    assert writer.delete(f"/api/v1/contacts/{cid}", params={"reason": "duplicate"}, headers=CLERK).status_code == 200
    assert writer.delete(f"/api/v1/contacts/{cid}", params={"reason": "x"}, headers=CLERK).status_code == 404
    assert writer.delete("/api/v1/contacts/A092-C2/left", params={"reason": "x"}, headers=CLERK).status_code == 404
    plan = writer.delete("/api/v1/outcomes/A092-O1", params={"reason": "x"}, headers=CLERK)
    assert plan.status_code == 409 and "from the source file data/outcomes.csv" in plan.json()["detail"][0]["msg"]
    ledger = writer.get("/api/v1/accounts/A092/ledger", headers=CLERK).json()
    assert all(row["origin"] != "app" for table in ledger.values() for row in table)
    audit = writer.get("/api/v1/audit", params={"account_id": "A092"}, headers=CLERK).json()
    actions = [e["action"] for e in audit]
    assert actions == ["contact.retract", "outcome.retract", "acknowledgement.retract", "acknowledgement.add",
                       "outcome.add", "contact.add", "acknowledgement.retract", "acknowledgement.add"]
    assert audit[0]["details"]["reason"] == "duplicate" and audit[0]["details"]["contact_id"] == cid
    assert writer.get("/api/v1/audit", params={"account_id": "A040"}, headers=CLERK).json() == []


# -- one backtest cache per server ----------------------------------------------------------------------------

def test_backtest_cache_is_shared_and_cleared_by_writes(writer, monkeypatch):
    """The API and the dashboard read one cache (app.state.backtests); a write clears it."""
    from goldpath.api.cache import backtests
    from goldpath.workspace import Workspace

    calls = []

    class Report:
        def to_dict(self):
            return {"lead_days": 90}

    def fake(self, lead="90d", green_claim=0.9):
        calls.append((lead, green_claim))
        return Report()

    monkeypatch.setattr(Workspace, "backtest", fake)
    assert writer.get("/api/v1/backtest", headers=CLERK).json() == {"lead_days": 90}
    cache = backtests(writer.app.state)
    ws = writer.app.state.workspace
    assert cache.slot(ws, "90d", 0.9)["status"] == "done"  # what the dashboard page asks for: already there
    writer.get("/api/v1/backtest", headers=CLERK)
    assert calls == [("90d", 0.9)]
    writer.post("/api/v1/acknowledgements", headers=CLERK,
                json={"outcome_id": "A092-O1", "contact_id": "A092-C3", "date": "2022-12-28"})
    writer.get("/api/v1/backtest", headers=CLERK)
    assert calls == [("90d", 0.9)] * 2


def test_a_read_token_signed_into_the_dashboard_cannot_write(reader):
    """auth.py is the one resolver: the dashboard's forms honour the token's scope too."""
    assert reader.post("/signin", data={"token": "viewer-token", "next": "/"}, follow_redirects=False).status_code == 303
    try:
        r = reader.post("/accounts/A092/acknowledgements", follow_redirects=False, data={
            "outcome_id": "A092-O1", "contact_id": "A092-C3", "date": "2022-12-28"})
        assert r.status_code == 303 and r.headers["location"] == "/accounts/A092"
        page = reader.get("/accounts/A092").text
        assert "token of scope read; this write needs scope write or admin" in page
        assert 'id="ack-form"' not in page and "read-only token" in page  # no form it cannot use
        assert reader.get("/api/v1/audit", headers=DANA).json() == []
    finally:
        reader.post("/signout")


def test_dashboard_writes_take_the_scope_of_the_token_signed_in_with(built, tmp_path, monkeypatch):
    """A name with a read token and an admin token: signed in with the read one, it cannot write;
    a write token cannot set a success plan (admin, as in the API); ids must be the account's own;
    a form posted from another site is refused."""
    monkeypatch.setenv("GOLDPATH_API_TOKENS", "ops:ops-read:read,ops:ops-admin:admin,sam:sam-token")
    with serve(built, tmp_path / "ws") as web:
        web.post("/signin", data={"token": "ops-read", "next": "/"})
        r = web.post("/accounts/A092/contacts", data={"name": "x", "role": "team"}, follow_redirects=False)
        assert r.headers["location"] == "/accounts/A092"
        web.post("/signout")
        web.post("/signin", data={"token": "sam-token", "next": "/"})
        plan = {"processes": "pipeline: 4", "metric": "m", "baseline": "1", "target": "2", "closed_on": "2022-11-15"}
        r = web.post("/accounts/A146/success-plan", data=plan, follow_redirects=False)
        assert r.headers["location"] == "/accounts/A146"
        assert "this write needs scope admin" in web.get("/accounts/A146").text
        # A092's contact and outcome, posted under A001's page and an unknown account
        r = web.post("/accounts/A003/contacts/A092-C2/left", data={"left": "2022-12-30"}, follow_redirects=False)
        assert r.headers["location"].endswith("#form-error")
        assert "contact &#39;A092-C2&#39; is not one of A003&#39;s contacts" in web.get("/accounts/A003").text
        r = web.post("/accounts/NOPE/acknowledgements", follow_redirects=False,
                     data={"outcome_id": "A092-O1", "contact_id": "A092-C3", "date": "2022-12-28"})
        assert r.headers["location"].endswith("#form-error")
        forged = web.post("/accounts/A092/contacts", data={"name": "csrf", "role": "finance"}, follow_redirects=False,
                          headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
        assert forged.status_code == 403
        assert web.get("/api/v1/audit", headers={"Authorization": "Bearer ops-admin"}).json() == []
        assert web.get("/migrations", params={"to": "garbage"}).status_code == 404


def test_goldpath_audit_filters_by_account(copy_demo, tmp_path):
    from typer.testing import CliRunner

    from goldpath import Workspace
    from goldpath.cli import app as cli_app

    path = copy_demo(tmp_path)
    with Workspace(path) as ws:
        ws.add_contact("A092", "Controller", "finance", author="dana")
        ws.add_contact("A003", "Analyst", "team", author="ops")
    out = CliRunner().invoke(cli_app, ["audit", "-w", str(path), "--account", "A003"], env={"COLUMNS": "300"}).output
    assert "contact.add" in out and "A003" in out and "A092" not in out


def test_the_report_and_csv_download_with_a_bearer_token(reader):
    """A scheduled download needs no browser session: a read token in the header is enough; a wrong one is a 401."""
    r = reader.get("/report.html", headers=VIEWER, follow_redirects=False)
    assert r.status_code == 200 and "<html" in r.text
    assert reader.get("/accounts.csv", headers=VIEWER, follow_redirects=False).status_code == 200
    bad = reader.get("/report.html", headers={"Authorization": "Bearer nope"}, follow_redirects=False)
    assert bad.status_code == 401
    assert reader.get("/report.html", follow_redirects=False).status_code == 303  # a browser signs in first

