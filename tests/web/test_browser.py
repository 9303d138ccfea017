"""The dashboard in a real browser: Playwright driving Debian's Chromium (never a downloaded browser).

Opens the dashboard on a copy of the example (reads need a token by default, so it signs in
first), searches the account list for A092 (Green, its finance acknowledgement missing), opens
it, records the acknowledgement and sees the account become GOLD there and in the portfolio. Screenshots of every page go to a
temporary folder, or to docs/screenshots with GOLDPATH_SCREENSHOTS=1 (`make screenshots`).

Skipped when /usr/bin/chromium is missing, except under CI (env CI set), where that fails.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI: /usr/bin/chromium is missing (.ci/run installs Debian's chromium)")
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium)")
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_copy, api_tokens):
    """`goldpath serve` on a copy of the example, in a subprocess, until the module ends."""
    from goldpath.workspace import Workspace

    with Workspace(demo_copy) as ws:  # what a CS lead may have set: marked on every page
        if ws.overrides().empty:
            ws.set_override("A099", author="dana", reason="exec sponsor re-engaged after the outage", expires="2023-03-31",
                            tier="yellow")
            ws.set_override("A040", author="ops", reason="NPS survey pending", expires="2023-03-31", measure="nps",
                            score=70)
            ws.rescore(author="dana")
    port = free_port()
    env = {**os.environ, "GOLDPATH_API_TOKENS": api_tokens}
    log = demo_copy.parent / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "goldpath", "serve", str(demo_copy), "--port", str(port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url + "/signin", timeout=5):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                pytest.fail(f"goldpath serve did not start:\n{log.read_text()}")
            time.sleep(0.5)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    if os.environ.get("GOLDPATH_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path_factory.mktemp("screenshots")


def matrix_points(page) -> int:
    page.wait_for_selector("#matrix .scatterlayer path.point", timeout=30_000)
    return page.locator("#matrix .scatterlayer path.point").count()


def gold_count(page) -> int:
    return int(page.locator('.kpi[data-tier="gold"] .accounts').inner_text())


def test_record_the_missing_finance_acknowledgement_and_see_gold(chromium, server, shots, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(30_000)
        # Reads need a token by default (server.read_access: token): the dashboard asks to sign in.
        page.goto(server + "/")
        expect(page).to_have_url(re.compile(r"/signin\?next=/$"))
        page.fill("input[name=token]", "dana-secret-token")
        page.click("button:has-text('Sign in')")
        expect(page.locator("header .who")).to_contain_text("signed in as dana")
        page.goto(server + "/backtest")  # starts the (slow) backtest in the background
        expect(page.locator("h1")).to_contain_text("predict renewal")

        # The portfolio: the matrix is drawn with one point per account that has both axes.
        page.goto(server + "/")
        assert matrix_points(page) > 100
        gold_before = gold_count(page)
        page.screenshot(path=str(shots / "portfolio.png"))

        # Search the account list for A092 and open it: Green, GOLD blocked by finance.
        page.click("text=Accounts")
        page.fill("input[name=q]", "A092")
        page.press("input[name=q]", "Enter")
        expect(page.locator("#accounts tbody tr")).to_have_count(1)
        page.goto(server + "/accounts")  # the full list for the screenshot
        page.screenshot(path=str(shots / "accounts.png"))
        page.go_back()
        page.click("#accounts >> text=A092")
        expect(page).to_have_url(re.compile(r"/accounts/A092$"))
        expect(page.locator("#tier")).to_have_text("green")
        expect(page.locator("#gold-lines")).to_contain_text("MISSING finance")

        # A finance contact who can acknowledge: the ledger's, or a new one.
        form = page.locator("#ack-form")
        finance = form.locator("select[name=contact_id] option", has_text="(finance)")
        if finance.count() == 0:
            page.fill("#contact-form input[name=name]", "CFO of Tidewater Outfitters")
            page.select_option("#contact-form select[name=role]", "finance")
            page.click("#contact-form button")
            expect(page.locator(".flash.ok")).to_contain_text("saved by dana")
            finance = form.locator("select[name=contact_id] option", has_text="(finance)")
        contact_id = finance.first.get_attribute("value")
        form.locator("select[name=outcome_id]").select_option(index=0)
        form.locator("select[name=contact_id]").select_option(contact_id)
        form.locator("input[name=statement]").fill("CFO confirms the pipeline growth is real and due to the CRM")
        form.locator("button").click()

        expect(page.locator(".flash.ok")).to_contain_text("tier green -> GOLD")
        expect(page.locator("#tier")).to_have_text("GOLD")
        expect(page.locator("#gold-lines")).to_contain_text("ok      finance")
        page.screenshot(path=str(shots / "account.png"), full_page=False)
        page.locator("#ledger").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "account-ledger.png"))

        # A rejected write: the message is next to the form, in view, without scrolling.
        page.fill("#achievement-form input[name=achieved]", "about twelve")
        page.click("#achievement-form button")
        expect(page.locator("#form-error")).to_contain_text("not saved")
        expect(page.locator("#form-error")).to_be_in_viewport()
        page.screenshot(path=str(shots / "account-form-error.png"))

        # A one-day-old account: dates on the trend's x axis, also with one snapshot.
        page.goto(server + "/accounts/A146")
        page.wait_for_selector("#trend .xtick")
        ticks = page.locator("#trend .xtick text").evaluate_all("els => els.map(e => e.textContent)")
        assert ticks and all(re.fullmatch(r"\d{4}-\d\d-\d\d", t) for t in ticks), ticks
        page.locator("#trend").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "account-new.png"))

        # The overrides, marked in the list, and the CS leader's pages.
        page.goto(server + "/accounts?search=A099")
        expect(page.locator("#accounts .mark.override")).to_have_count(1)
        page.goto(server + "/actions?tier=red")
        expect(page.locator("#actions tbody tr").first).to_be_visible()
        page.screenshot(path=str(shots / "actions.png"))
        page.goto(server + "/overrides")
        expect(page.locator("#overrides tbody tr")).to_have_count(2)
        page.screenshot(path=str(shots / "overrides.png"))
        page.goto(server + "/audit")
        expect(page.locator("#audit")).to_contain_text("acknowledgement.add")
        page.screenshot(path=str(shots / "audit.png"))

        # The portfolio counts it.
        page.goto(server + "/")
        matrix_points(page)
        assert gold_count(page) == gold_before + 1

        page.goto(server + "/migrations")
        page.wait_for_selector("#migrations .heatmaplayer, #migrations .hm", state="attached")
        for width in (1400, 1280):  # the ARR matrix fits its card (or scrolls), never cut off
            page.set_viewport_size({"width": width, "height": 800})
            fits = page.evaluate("() => { const t = document.querySelector('#migration-matrix'); const box ="
                                 " t.parentElement; return t.getBoundingClientRect().right <= box.getBoundingClientRect().right + 1"
                                 " || box.scrollWidth > box.clientWidth; }")
            assert fits, width
        page.screenshot(path=str(shots / "migrations.png"), full_page=True)

        # The offline report: downloaded, then opened with every network request refused.
        with page.expect_download() as dl:
            page.evaluate("url => { const a = document.createElement('a'); a.href = url; a.click(); }", "/report.html")
        report = tmp_path / "report.html"
        dl.value.save_as(report)
        offline = browser.new_context(viewport=VIEWPORT)
        offline.route(re.compile(r"^https?://"), lambda route: route.abort())
        rp = offline.new_page()
        rp.goto(report.as_uri())
        assert matrix_points(rp) > 100
        expect(rp.locator("#riskiest tbody tr").first).to_be_visible()
        rp.screenshot(path=str(shots / "report.png"))
        offline.close()

        # The backtest, once computed (about a minute on the example).
        page.goto(server + "/backtest")  # refreshes itself every 5 s until the result is there
        expect(page.locator("#backtest-tiers")).to_be_visible(timeout=600_000)
        expect(page.locator("#statements")).to_contain_text("Green")
        expect(page.locator("#separation")).to_contain_text("separate renewal")
        page.wait_for_selector("#backtest .plot-container")
        page.screenshot(path=str(shots / "backtest.png"))
        browser.close()
