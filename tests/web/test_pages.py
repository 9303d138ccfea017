"""The dashboard's pages and the offline report on the bundled example (TestClient, no browser).

Every number checked against what the Workspace stored: the pages show, never recompute.
"""

from __future__ import annotations

import re
import time

import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

from goldpath.web.report import riskiest
from goldpath.workspace import portfolio_summary

pytestmark = pytest.mark.slow  # builds the example once (about a minute)

EXTERNAL = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)


def plain(html: str) -> str:
    """Page text with the escapes of plotly's JSON and of HTML undone (for text inside figures)."""
    return html.replace("\\u003e", ">").replace("\\u003c", "<").replace("&gt;", ">").replace("&lt;", "<")


def stored(web, method, *args):
    state = web.app.state
    with state.workspace.lock:
        return getattr(state.workspace, method)(*args)


def test_portfolio_shows_the_stored_tiers_and_a_matrix(web):
    r = web.get("/")
    assert r.status_code == 200
    scores = stored(web, "scores")
    assert "Portfolio on 2022-12-31" in r.text
    for row in portfolio_summary(scores).itertuples(index=False):
        kpi = re.search(rf'data-tier="{row.tier}">.*?<span class="accounts">(\d+)</span>.*?ARR ([\d,]+)', r.text, re.S)
        assert kpi and int(kpi.group(1)) == row.accounts and kpi.group(2) == f"{row.arr:,.0f}", row.tier
    assert 'id="matrix"' in r.text and "Plotly.newPlot" in r.text
    assert "green when engagement >= 65 and indispensability >= 65" in plain(r.text)  # zones from the model's rules
    assert not EXTERNAL.search(r.text)


def test_matrix_per_segment_draws_that_segments_rules(web):
    r = web.get("/?segment=starter")
    assert r.status_code == 200
    assert "green when engagement >= 60 and indispensability >= 60" in plain(r.text)
    onboarding = web.get("/?segment=onboarding").text
    assert "green also needs engagement_trend >= 0" in plain(onboarding)  # what a box cannot show is said


def test_plotly_js_is_served_from_the_package(web):
    r = web.get("/static/plotly.min.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/javascript")
    assert r.text == get_plotlyjs()
    assert web.get("/static/../pages.py").status_code == 404


def test_account_list_is_searchable(web):
    scores = stored(web, "scores")
    everyone = web.get("/accounts").text
    assert everyone.count('<tr data-account="') == len(scores)
    r = web.get("/accounts", params={"q": "a092"})
    assert re.findall(r'<tr data-account="([^"]+)"', r.text) == ["A092"]
    tidewater = set(scores.loc[scores["name"].str.contains("Tidewater"), "account_id"])
    r = web.get("/accounts", params={"q": "tidewater"})
    assert set(re.findall(r'<tr data-account="([^"]+)"', r.text)) == tidewater and len(tidewater) > 1
    red = web.get("/accounts", params={"tier": "red"}).text
    assert red.count('<tr data-account="') == int((scores["tier"] == "red").sum())


def test_gold_account_page_shows_the_exact_axes(web):
    r = web.get("/accounts/A003")
    assert r.status_code == 200
    row = stored(web, "scores").set_index("account_id").loc["A003"]
    assert row["tier"] == "gold"
    assert re.search(r'<span id="tier"><span class="tier tier-gold">GOLD</span>', r.text)
    for axis in ("engagement", "indispensability"):
        block = r.text.split(f'id="axis-{axis}"')[1].split("</table>")[0]
        assert f'<span class="big axis-score">{row[axis]:.2f}</span>' in block
        assert f'<td class="n contribution-sum">{row[axis]:.2f}</td>' in block
        contributions = re.findall(r'<td class="n">(-?\d+\.\d\d)</td><td>(?:data|missing|override|stale)', block)
        assert round(sum(float(c) for c in contributions), 2) == round(row[axis], 2)
    assert "ok      finance" in r.text and 'id="trend"' in r.text


def test_green_account_page_says_what_gold_needs(web):
    r = web.get("/accounts/A092")
    assert r.status_code == 200
    assert '<span id="tier"><span class="tier tier-green">green</span>' in r.text
    assert "MISSING finance" in r.text and "Path to GOLD" in r.text
    assert "finance acknowledgement missing" in r.text  # the playbook action for the gap
    assert "A092-C3" in r.text  # the ledger lists the finance contact who has not acknowledged


def test_red_account_shows_the_path_to_the_next_tier(web):
    scores = stored(web, "scores")
    red = scores[scores["tier"] == "red"].sort_values("arr").iloc[-1]["account_id"]
    plan = stored(web, "plan", red)
    r = web.get(f"/accounts/{red}")
    assert f"Path to {plan.target}" in r.text
    for gap in plan.gaps:
        assert f"{gap.axis} {gap.value:.2f} needs {gap.needed:g}" in r.text


def test_unknown_account_is_404(web):
    r = web.get("/accounts/NOPE")
    assert r.status_code == 404 and "unknown account" in r.text


def test_migrations_match_the_workspace(web):
    r = web.get("/migrations", params={"from": "2022-10-02", "to": "2022-12-31"})
    assert r.status_code == 200
    counts, arr = stored(web, "migrations", "2022-10-02", "2022-12-31")
    table = r.text.split('id="migration-matrix"')[1].split("</table>")[0]
    cells = re.findall(r'<td class="n">(?:(\d+) <span class="muted">\(([\d,]+)\)</span>|-)</td>', table)
    expected = [(str(int(counts.loc[f, t])), f"{arr.loc[f, t]:,.0f}") if counts.loc[f, t] else ("", "")
                for f in counts.index for t in counts.columns]
    assert cells == expected
    assert web.get("/migrations", params={"from": "2021-01-01"}).status_code == 404


def test_backtest_is_computed_once_in_the_background(web, monkeypatch):
    from goldpath.insights.backtest import summarize
    from goldpath.workspace import Workspace

    rows = pd.DataFrame({
        "tier": ["green"] * 8 + ["red"] * 4, "renewed": [True] * 8 + [True, False, False, True],
        "expanded": [False] * 12, "arr_before": [100.0] * 12, "arr_after": [100.0] * 8 + [100, 0, 0, 100.0],
        "engagement": [80.0] * 8 + [20.0] * 4, "indispensability": [80.0] * 8 + [30.0] * 4,
        "baseline": [0.8] * 12, "segment": ["s"] * 12, "renewal_date": pd.date_range("2022-01-01", periods=12),
    })
    calls = []

    def fake(self, lead="90d", green_claim=0.9):
        calls.append(lead)
        time.sleep(0.3)
        return summarize(rows, 45, green_claim, {})

    monkeypatch.setattr(Workspace, "backtest", fake)
    first = web.get("/backtest", params={"lead": "45d"})
    assert first.status_code == 200 and 'id="backtest-running"' in first.text
    for _ in range(50):
        page = web.get("/backtest", params={"lead": "45d"})
        if 'id="backtest-tiers"' in page.text:
            break
        time.sleep(0.1)
    assert 'id="backtest-tiers"' in page.text and 'id="backtest"' in page.text
    assert "12 renewals scored 45 days before their date" in page.text
    web.get("/backtest", params={"lead": "45d"})
    assert calls == ["45d"]


def test_report_is_self_contained_with_the_riskiest_accounts(web):
    r = web.get("/report.html")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    html = r.text
    assert not EXTERNAL.search(html)
    assert get_plotlyjs()[:2000] in html and "/static/" not in html
    scores = stored(web, "scores")
    top = riskiest(scores, 25)
    assert top["tier"].iloc[0] == "red"
    listed = re.findall(r'<tr data-account="([^"]+)"', html.split('id="riskiest"')[1].split("</table>")[0])
    assert listed == top["account_id"].tolist()
    assert 'id="matrix"' in html and 'id="migrations"' in html


def test_reads_need_a_sign_in_where_the_server_says_so(web, monkeypatch):
    from goldpath.config import ServerConfig

    monkeypatch.setattr(web.app.state, "server", ServerConfig(read_access="token"))
    for url in ("/", "/accounts?q=a0", "/accounts/A003", "/migrations", "/backtest", "/report.html"):
        r = web.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=/"), url
    assert web.get("/signin").status_code == 200 and web.get("/static/goldpath.css").status_code == 200
    r = web.post("/signin", data={"token": "ops-token", "next": "/accounts?q=a0"}, follow_redirects=False)
    assert r.headers["location"] == "/accounts?q=a0"
    assert web.get("/accounts/A003").status_code == 200
    assert web.get("/api/v1/portfolio").status_code == 200  # the session also reads the REST API
    web.post("/signout")
    assert web.get("/", follow_redirects=False).status_code == 303


def test_writes_need_a_signed_in_token(web):
    r = web.post("/accounts/A092/contacts", data={"name": "X", "role": "team"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin")
    bad = web.post("/signin", data={"token": "wrong", "next": "/accounts/A092"}, follow_redirects=False)
    assert bad.status_code == 401 and "not valid" in bad.text
    assert web.post("/signin", data={"token": "x", "next": "//evil.example"}, follow_redirects=False).status_code == 401


def test_recording_the_finance_acknowledgement_makes_a092_gold(web):
    r = web.post("/signin", data={"token": "dana-secret-token", "next": "/accounts/A092"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/accounts/A092"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = web.get("/accounts/A092").text
    assert "signed in as <b>dana</b>" in page and 'id="ack-form"' in page
    r = web.post("/accounts/A092/acknowledgements", follow_redirects=False, data={
        "outcome_id": "A092-O1", "contact_id": "A092-C3", "date": "2022-12-31", "statement": "CFO confirms"})
    assert r.status_code == 303 and r.headers["location"] == "/accounts/A092"
    page = web.get("/accounts/A092").text
    assert "saved by dana" in page and "tier green -&gt; GOLD on the latest date" in page
    assert "2022-12-31 was re-scored" in page  # the acknowledgement's date on: the only stored date it affects
    assert '<span id="tier"><span class="tier tier-gold">GOLD</span>' in page
    assert stored(web, "scores").set_index("account_id").loc["A092", "tier"] == "gold"
    assert "saved by dana" not in web.get("/accounts/A092").text  # a flash is shown once
    bad = web.post("/accounts/A092/acknowledgements", follow_redirects=False, data={
        "outcome_id": "A092-O1", "contact_id": "A003-C1", "date": "2022-12-31"})
    assert bad.status_code == 303
    assert "not saved" in web.get("/accounts/A092").text
    web.post("/signout")


def test_report_command_writes_one_offline_file(demo_built, tmp_path):
    import shutil

    from typer.testing import CliRunner

    from goldpath.cli import app

    ws = shutil.copytree(demo_built, tmp_path / "ws")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", str(ws), "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "Portfolio on 2022-12-31" in html and not EXTERNAL.search(html) and 'id="riskiest"' in html
    bad = CliRunner().invoke(app, ["report", str(ws), "-o", str(out), "--as-of", "2022-06-30"])
    assert bad.exit_code == 2 and "has not been scored" in bad.output


def test_sessions_end_when_idle_too_long_too_old_or_their_token_is_removed(web, monkeypatch):
    """A session is refused (and forgotten) after 12 idle hours, 7 days after sign-in, or once
    its token is gone from GOLDPATH_API_TOKENS; the cookie lasts no longer than the session may."""
    from goldpath.web import pages

    clock = [1_000_000.0]
    monkeypatch.setattr(pages.time, "monotonic", lambda: clock[0])

    def sign_in() -> None:
        r = web.post("/signin", data={"token": "dana-secret-token", "next": "/"}, follow_redirects=False)
        assert r.status_code == 303 and f"max-age={pages.SESSION_MAX_SECONDS}" in r.headers["set-cookie"].lower()

    def signed_in() -> bool:
        return "signed in as <b>dana</b>" in web.get("/accounts/A092").text

    sign_in()
    clock[0] += pages.SESSION_IDLE_SECONDS - 60
    assert signed_in()  # used within 12 hours: the idle clock starts again
    clock[0] += pages.SESSION_IDLE_SECONDS - 60
    assert signed_in()
    clock[0] += pages.SESSION_IDLE_SECONDS + 1
    assert not signed_in()
    r = web.post("/accounts/A092/contacts", data={"name": "X", "role": "team"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin")

    sign_in()
    started, alive = clock[0], []
    while clock[0] - started <= pages.SESSION_MAX_SECONDS + 11 * 3600:  # used every 11 hours ...
        clock[0] += 11 * 3600
        alive.append((clock[0] - started <= pages.SESSION_MAX_SECONDS, signed_in()))
    assert all(ok == expected for expected, ok in alive) and alive[-1] == (False, False)  # ... it ends after 7 days

    sign_in()
    assert signed_in()
    monkeypatch.setenv("GOLDPATH_API_TOKENS", "ops:ops-token")  # dana's token revoked
    assert not signed_in()
    monkeypatch.setenv("GOLDPATH_API_TOKENS", "dana:dana-secret-token:read,ops:ops-token")  # back, but read-only
    assert not signed_in()  # a session keeps the scope it signed in with, or ends
