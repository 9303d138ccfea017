"""What a fresh user's review of the dashboard and the report asked for (TestClient, no browser).

Overrides marked everywhere, one riskiest-first ordering, rejected forms shown at the form, the
Actions, Audit and Overrides pages, the CSV export, ``search`` as well as ``q``, charts with
readable axes and labels, and plain wording. Its own copy of the example: the overrides and
the success plan recorded here do not leak into other modules.
"""

from __future__ import annotations

import io
import json
import re
import warnings

import pandas as pd
import pytest

from goldpath.scoring.tiers import RISK_ORDER, riskiest_first
from goldpath.web import charts
from goldpath.web.report import riskiest

from .conftest import TOKENS, copy_workspace, make_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(demo_built, tmp_path_factory, monkeypatch_module):
    """A TestClient on a private copy with A099 overridden to yellow (computed red) and A040's nps at 70."""
    monkeypatch_module.setenv("GOLDPATH_API_TOKENS", TOKENS)
    path = copy_workspace(demo_built, tmp_path_factory.mktemp("review") / "ws")
    application = make_app(path, read_access="open")
    with TestClient(application) as client:
        ws = application.state.workspace
        with ws.lock:
            assert ws.scores().set_index("account_id").loc["A099", "tier"] == "red"
            ws.set_override("A099", author="dana", reason="exec sponsor re-engaged", expires="2023-03-31", tier="yellow")
            ws.set_override("A040", author="ops", reason="survey pending", expires="2023-03-31", measure="nps", score=70)
            ws.rescore(author="dana")
        yield client


def stored(site, method, *args):
    ws = site.app.state.workspace
    with ws.lock:
        return getattr(ws, method)(*args)


def listed(html: str, table: str = "accounts") -> list[str]:
    return re.findall(r'<tr data-account="([^"]+)"', html.split(f'id="{table}"')[1].split("</table>")[0])


def row_of(html: str, account: str) -> str:
    return html.split(f'<tr data-account="{account}">')[1].split("</tr>")[0]


# -- 2. overrides are marked everywhere --------------------------------------------------------
def test_overridden_tier_and_measure_are_marked_in_the_account_list(site):
    html = site.get("/accounts").text
    a099 = row_of(html, "A099")
    assert '<span class="tier tier-yellow">yellow</span>' in a099
    assert 'class="mark override"' in a099 and "computed red" in a099 and "exec sponsor re-engaged" in a099
    a040 = row_of(html, "A040")
    assert 'class="mark measure"' in a040 and "nps scored 70 by override" in a040
    plain = [a for a in listed(html) if a not in ("A099", "A040")]
    assert not any("class=\"mark" in row_of(html, a) for a in plain[:20])


def test_portfolio_counts_say_how_many_tiers_are_overridden(site):
    html = site.get("/").text
    yellow = html.split('data-tier="yellow"')[1].split("</a>")[0]
    assert "incl. 1 by override" in yellow
    assert "incl." not in html.split('data-tier="red"')[1].split("</a>")[0]
    note = html.split('id="overridden"')[1].split("</p>")[0]
    assert "1 tier is set by an override, not computed" in note and "A099</a> yellow (computed red)" in note
    assert "yellow by override (computed red)" in html.replace("\\u003c", "<")  # the matrix hover
    assert "a dark ring marks a tier set by an override" in html


def test_report_marks_overrides_in_its_counts_and_riskiest_list(site):
    html = site.get("/report.html").text
    assert "incl. 1 by override" in html.split('data-tier="yellow"')[1].split("</div>\n  </div>")[0]
    risky = html.split('id="riskiest"')[1].split("</table>")[0]
    scores = stored(site, "scores")
    assert listed(html, "riskiest") == riskiest(scores, 25)["account_id"].tolist()
    if "A099" in listed(html, "riskiest"):
        assert 'class="mark override"' in row_of(risky, "A099")


def test_overrides_page_lists_who_why_and_expiry(site):
    html = site.get("/overrides").text
    table = html.split('id="overrides"')[1].split("</table>")[0]
    assert re.findall(r'data-override="(\d+)"', table) == ["2", "1"]
    assert "exec sponsor re-engaged" in table and "dana" in table and "2023-03-31" in table
    assert "nps scored 70" in table and table.count(">in force<") == 2
    assert "2 overrides in force on 2022-12-31" in html


def test_audit_page_shows_every_write_filterable_by_account(site):
    log = stored(site, "audit_log")
    html = site.get("/audit").text
    assert html.count("<tr><td>") == len(log) and "override.add" in html and "score.rescore" in html
    one = site.get("/audit", params={"account": "a099"}).text
    body = one.split('id="audit"')[1].split("</table>")[0]
    assert body.count("<tr><td>") == int((log["target"] == "A099").sum()) == 1
    assert "exec sponsor re-engaged" in body and "A040" not in body


# -- 3. one ordering ---------------------------------------------------------------------------
def test_one_riskiest_first_order_in_list_csv_and_report(site):
    scores = stored(site, "scores")
    expected = riskiest_first(scores)["account_id"].tolist()
    assert listed(site.get("/accounts").text) == expected
    tiers = scores.set_index("account_id").loc[expected, "tier"].tolist()
    assert [RISK_ORDER.index(t) for t in tiers] == sorted(RISK_ORDER.index(t) for t in tiers)
    assert tiers[-1] == "insufficient data"  # last, as `goldpath score` lists it
    everyone = riskiest(scores, 1000)
    assert everyone["tier"].drop_duplicates().tolist() == ["red", "yellow", "insufficient data"]


def test_riskiest_first_orders_tier_then_arr_then_id():
    s = pd.DataFrame({"account_id": ["a", "b", "c", "d", "e", "f"], "arr": [5.0, 9.0, 1.0, 9.0, 3.0, 9.0],
                      "tier": ["insufficient data", "green", "red", "green", "gold", "yellow"]})
    assert riskiest_first(s)["account_id"].tolist() == ["c", "f", "b", "d", "e", "a"]


def test_cli_score_lists_accounts_in_the_same_order(site, monkeypatch):
    from rich.console import Console

    from goldpath import cli

    scores = stored(site, "scores")
    out = Console(file=io.StringIO(), width=400)
    monkeypatch.setattr(cli, "console", out)
    cli.print_portfolio(scores)
    printed = re.findall(r"^[│|] (A\d{3}) ", out.file.getvalue(), re.M)
    assert printed == riskiest_first(scores)["account_id"].tolist() == listed(site.get("/accounts").text)


# -- 6 and 7: search, CSV, actions ---------------------------------------------------------------
def test_search_is_accepted_as_well_as_q(site):
    for text in ("a092", "tidewater"):
        by_q = listed(site.get("/accounts", params={"q": text}).text)
        assert by_q and listed(site.get("/accounts", params={"search": text}).text) == by_q
    assert 'value="tidewater"' in site.get("/accounts", params={"search": "tidewater"}).text


def test_csv_export_has_the_same_rows_filters_and_order(site):
    for params in ({}, {"tier": "yellow"}, {"search": "tidewater"}, {"q": "premier", "tier": "red"}):
        page = listed(site.get("/accounts", params=params).text)
        r = site.get("/accounts.csv", params=params)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
        frame = pd.read_csv(io.StringIO(r.text))
        assert frame["account_id"].tolist() == page, params
    frame = pd.read_csv(io.StringIO(site.get("/accounts.csv").text)).set_index("account_id")
    assert frame.loc["A099", "tier"] == "yellow" and frame.loc["A099", "computed_tier"] == "red"
    assert "nps scored 70" in frame.loc["A040", "measure_overrides"]
    scores = stored(site, "scores").set_index("account_id")
    assert frame["engagement"].round(2).equals(scores.loc[frame.index, "engagement"].round(2))
    assert 'href="/accounts.csv?tier=red"' in site.get("/accounts", params={"tier": "red"}).text


def test_actions_page_is_the_work_queue_in_goldpath_actions_order(site):
    """The page lists the actions exactly as ``goldpath actions`` does: priority first, then ARR x closeness."""
    acts = stored(site, "actions")
    html = site.get("/actions").text
    rows = listed(html, "actions")
    assert rows == acts["account_id"].tolist()
    assert acts["priority"].map({"high": 0, "medium": 1, "low": 2}).is_monotonic_increasing
    sub = acts[(acts["owner"] == "csm") & (acts["tier"] == "red")]
    assert len(sub) > 0
    r = site.get("/actions", params={"owner": "csm", "tier": "red"}).text
    assert listed(r, "actions") == sub["account_id"].tolist()
    assert f"{len(sub)} of {len(acts):,} actions" in r
    for text in sub["action"]:
        assert text.replace("'", "&#39;").replace(">", "&gt;") in r
    assert 'class="mark override"' in row_of(html, "A099")  # A099 red by computation, yellow by override


def test_new_pages_are_in_the_nav(site):
    html = site.get("/").text
    nav = html.split("<nav>")[1].split("</nav>")[0]
    for href in ("/actions", "/audit", "/overrides"):
        assert f'href="{href}"' in nav
        assert site.get(href).status_code == 200


# -- 1 and 5: the rejected form, wording --------------------------------------------------------
def test_rejected_write_is_shown_next_to_its_form(site):
    r = site.post("/signin", data={"token": "dana-secret-token", "next": "/accounts/A092"}, follow_redirects=False)
    assert r.status_code == 303
    bad = site.post("/accounts/A092/acknowledgements", follow_redirects=False, data={
        "outcome_id": "A092-O1", "contact_id": "A003-C1", "date": "2022-12-31"})
    assert bad.status_code == 303 and bad.headers["location"] == "/accounts/A092#form-error"
    page = site.get("/accounts/A092").text
    error = page.split('id="form-error"')[1].split("</div>")[0]
    assert "not saved" in error
    assert page.index('id="form-error"') < page.index('id="ack-form"')  # right above the form it concerns
    assert page.index('id="form-error"') > page.index("<h3>Record an acknowledgement</h3>")
    assert 'class="flash error"' not in page.split('id="ledger"')[0]  # not only at the top, scrolled away
    assert 'id="form-error"' not in site.get("/accounts/A092").text  # shown once
    site.post("/signout")


def test_success_plan_not_measured_yet_and_its_scope_on_the_axis(site):
    site.post("/signin", data={"token": "dana-secret-token", "next": "/"})
    r = site.post("/accounts/A110/success-plan", follow_redirects=False, data={
        "processes": "pipeline: 5\nmeetings: 2", "metric": "hours saved", "baseline": "0", "target": "100",
        "closed_on": "2022-12-01", "title": "Claims in the product", "version": "0"})
    page = site.get("/accounts/A110").text
    assert r.headers["location"] == "/accounts/A110", page.split('id="form-error"')[-1][:300]
    plan = page.split('id="success-plan"')[1]
    assert "not measured yet" in plan and "measured -" not in plan and "(- of the way" not in plan
    scope = page.split('id="plan-scope"')[1].split("</p>")[0]
    assert "set by <b>dana</b>" in scope and "pipeline 5" in scope and "replace the catalogue" in scope
    assert page.index('id="plan-scope"') > page.index('id="axis-indispensability"')
    site.post("/signout")


def test_no_singular_count_with_a_plural_noun(site):
    for url in ("/", "/accounts", "/accounts?q=a146", "/actions", "/audit?account=A099", "/overrides", "/report.html"):
        text = re.sub(r"<[^>]+>", " ", site.get(url).text)
        assert not re.search(r"(?<![\d,.])1 (accounts|actions|tiers|entries|overrides|renewals)\b", text), url
    assert "1 account (1%)" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", site.get("/").text))


def test_signin_says_what_a_token_is_needed_for(site):
    from goldpath.config import ServerConfig

    assert "reading needs none on this server" in site.get("/signin").text
    state = site.app.state
    before = state.server
    try:
        state.server = ServerConfig(read_access="token")
        assert "needs an API token to read anything" in site.get("/signin").text
    finally:
        state.server = before


# -- 4. charts ---------------------------------------------------------------------------------
def figure_json(html: str, div: str) -> dict:
    """The data and layout plotly draws in ``div`` (parsed from Plotly.newPlot's arguments)."""
    part = html[re.search(rf'Plotly\.newPlot\(\s*"{div}",', html).end():]
    decoder = json.JSONDecoder()
    data, end = decoder.raw_decode(part.lstrip())
    rest = part.lstrip()[end:].lstrip().lstrip(",").lstrip()
    layout, _ = decoder.raw_decode(rest)
    return {"data": data, "layout": layout}


def test_matrix_zone_labels_sit_outside_the_bubbles(site):
    fig = figure_json(site.get("/").text, "matrix")
    inside = [a for a in fig["layout"].get("annotations", []) if a.get("yref", "y") == "y"]
    assert inside == []  # no label in the plot area, where bubbles are
    above = [a for a in fig["layout"]["annotations"] if a.get("yref") == "paper"]
    assert {a["text"].split(" zone")[0] for a in above} == {"green", "yellow"} and all(a["y"] >= 1 for a in above)
    zones = [t["name"] for t in fig["data"] if t.get("legendgroup") == "zones"]
    assert "green when engagement >= 65 and indispensability >= 65" in zones


def test_one_day_old_account_has_dates_on_its_trend_axis(site):
    html = site.get("/accounts/A146").text
    fig = figure_json(html, "trend")
    x = fig["layout"]["xaxis"]
    assert x["type"] == "date" and x["tickformat"] == "%Y-%m-%d"
    lo, hi = (pd.Timestamp(v) for v in x["range"])
    assert pd.Timedelta(days=14) <= hi - lo <= pd.Timedelta(days=30)


def test_backtest_labels_clear_whiskers_and_calibration_runs_0_to_100():
    tiers = pd.DataFrame({"tier": ["green", "red", "all"], "renewals": [10, 5, 15], "renewal_rate": [0.9, 0.6, 0.8],
                          "renewal_low": [0.6, 0.2, 0.5], "renewal_high": [0.98, 0.9, 0.9]})
    bar = charts.backtest_figure(tiers).data[0]
    assert bar.textposition == "inside" and bar.insidetextanchor == "start"
    cal = charts.calibration_figure(pd.DataFrame({"mean_score": [20.0, 80.0], "renewals": [7, 9],
                                                  "renewal_rate": [0.94, 0.99]}))
    assert list(cal.layout.yaxis.range) == [0, 105] and cal.data[0].cliponaxis is False
    assert cal.data[0].textposition == "bottom center"  # n= under the points, never above the top


def test_migration_matrix_is_full_width_and_scrolls(site):
    html = site.get("/migrations", params={"from": "2022-09-25", "to": "2022-12-31"}).text
    grid = html.split('<div class="grid">')[1].split('<div class="card" style="margin-top:16px">')[0]
    assert 'id="migration-matrix"' not in grid
    assert '<div class="scroll"><table id="migration-matrix">' in html
