"""End-to-end: run the ``goldpath`` command like a user, on the bundled example."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from goldpath.config import load_config
from goldpath.model.spec import load_model

pytestmark = pytest.mark.slow


def run(*args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "goldpath", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"goldpath {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, str]:
    ws = tmp_path_factory.mktemp("demo") / "ws"
    out = run("demo", str(ws)).stdout
    return ws, out


def tier_counts(output: str) -> dict[str, int]:
    counts = {}
    for tier in ("GOLD", "green", "yellow", "red"):
        m = re.search(rf"│ {tier}\s+│\s+(\d+) │", output)
        counts[tier] = int(m.group(1)) if m else 0
    return counts


def test_demo_prints_a_portfolio_with_red_green_and_gold(demo):
    _, out = demo
    counts = tier_counts(out)
    assert counts["GOLD"] >= 1 and counts["green"] >= 1 and counts["red"] >= 1, out
    assert "Portfolio on 2022-12-31" in out
    assert "events" in out and "of accepted: duplicates" in out


def test_explain_gold_account_adds_up(demo):
    ws, _ = demo
    out = run("explain", "A003", "-w", str(ws)).stdout
    assert "Tier: GOLD" in out
    assert out.count("  ok      ") == 3
    con = duckdb.connect(str(ws / "goldpath.duckdb"), read_only=True)
    day = "as_of = '2022-12-31' and account_id = 'A003'"
    stored = con.execute(f"select engagement, indispensability from scores where {day}").fetchone()
    parts = con.execute(
        f"select axis, sum(round(contribution * 100)) from score_measures where {day} group by axis"
    ).fetchall()
    con.close()
    by_axis = dict(parts)
    assert round(stored[0] * 100) == by_axis["engagement"]
    assert round(stored[1] * 100) == by_axis["indispensability"]
    assert f"Engagement {stored[0]:.2f}" in out and f"Indispensability {stored[1]:.2f}" in out


@pytest.mark.parametrize(
    "account, tier, expected",
    [
        ("A081", "green", "LAPSED  sponsor or stakeholder"),
        ("A054", "green", "EXPIRED finance"),
        ("A092", "green", "MISSING finance"),
        ("A040", "yellow", "GOLD needs Green first"),
    ],
)
def test_explain_lapsed_and_missing_gold(demo, account, tier, expected):
    ws, _ = demo
    out = run("explain", account, "-w", str(ws)).stdout
    assert f"Tier: {tier}" in out
    assert expected in out


def test_rescoring_a_date_replaces_its_rows(demo):
    ws, _ = demo
    run("score", "--as-of", "2022-12-31", "-w", str(ws), "--no-load", "--no-accounts")
    run("score", "--as-of", "2022-12-31", "-w", str(ws), "--no-accounts")
    con = duckdb.connect(str(ws / "goldpath.duckdb"), read_only=True)
    n, distinct = con.execute("select count(*), count(distinct account_id) from scores where as_of = '2022-12-31'").fetchone()
    con.close()
    assert n == distinct == 124


def test_unknown_account_is_a_clear_error(demo):
    ws, _ = demo
    proc = run("explain", "NOPE", "-w", str(ws), check=False)
    assert proc.returncode == 2
    assert "unknown account 'NOPE'" in proc.stderr


def workspace_with(ws: Path, dest: Path, table: str, text: str) -> Path:
    """A copy of workspace ``ws`` in ``dest`` whose ``table`` source is replaced by ``text``."""
    dest.mkdir()
    for f in ("goldpath.yaml", "model.yaml"):
        (dest / f).write_text((ws / f).read_text())
    (dest / "data").symlink_to(ws / "data")
    cfg = (dest / "goldpath.yaml").read_text().replace(f"data/{table}.csv", f"{table}.csv")
    (dest / "goldpath.yaml").write_text(cfg)
    (dest / f"{table}.csv").write_text(text)
    return dest


def with_zero_seats(ws: Path, dest: Path) -> Path:
    """A copy of ``ws`` whose accounts file has seats 0 on data row 3."""
    lines = (ws / "data" / "accounts.csv").read_text().splitlines()
    cells = lines[3].split(",")
    cells[lines[0].split(",").index("seats")] = "0"
    lines[3] = ",".join(cells)
    return workspace_with(ws, dest, "accounts", "\n".join(lines) + "\n")


def test_bad_input_is_reported_and_quarantined(demo, tmp_path):
    ws, _ = demo
    bad = with_zero_seats(ws, tmp_path / "ws")
    out = run("score", "--as-of", "2022-12-31", "-w", str(bad), "--no-accounts").stdout
    assert "accounts.csv, row 3, column seats: expected a whole number > 0 (got '0')" in out
    q = run("quarantine", "-w", str(bad)).stdout
    assert "accounts.csv, row 3, column seats" in q


def test_unreadable_file_stops_before_writing(tmp_path, demo):
    ws, _ = demo
    bad = workspace_with(ws, tmp_path / "ws2", "renewals", "account_id,outcome\nA000,renewed\n")
    proc = run("score", "--as-of", "2022-12-31", "-w", str(bad), check=False)
    assert proc.returncode == 2
    assert "renewals.csv, row header, column renewal_date: required column is missing" in proc.stderr
    assert not (bad / "goldpath.duckdb").exists() or "scores" not in duckdb.connect(str(bad / "goldpath.duckdb")).execute(
        "select table_name from information_schema.tables"
    ).fetchall()


def test_init_creates_a_valid_commented_workspace(tmp_path):
    out = run("init", str(tmp_path / "new")).stdout
    assert "created" in out
    cfg = load_config(tmp_path / "new")
    assert cfg.engine.type == "duckdb" and "events" in cfg.sources
    assert load_model(tmp_path / "new" / "model.yaml").name == "my-model-v1"
    assert "#" in (tmp_path / "new" / "goldpath.yaml").read_text()
    again = run("init", str(tmp_path / "new"), check=False)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_python_api_matches_the_cli(demo):
    from goldpath import Workspace

    ws, _ = demo
    with Workspace(ws) as w:
        scores = w.scores("2022-12-31")
        e = w.explain("A003")
    assert len(scores) == 124
    assert e.tier == "gold" and e.axes[0].contribution_sum == e.axes[0].score


def test_check_reports_problems_as_json_and_stores_nothing(demo, tmp_path):
    ws, _ = demo
    bad = with_zero_seats(ws, tmp_path / "ws")
    report = json.loads(run("check", "-w", str(bad), "--json").stdout)
    accounts = next(s for s in report["sources"] if s["table"] == "accounts")
    assert accounts["rows_quarantined"] == 1
    assert accounts["quarantined_by_problem"][0]["column"] == "seats"
    assert accounts["quarantined_by_problem"][0]["examples"] == [{"row": 3, "value": "0"}]
    events = next(s for s in report["sources"] if s["table"] == "events")
    assert events["newest"].startswith("2022-12-31")
    # the example has 10 duplicate events; one belongs to the account quarantined here
    assert report["events"]["duplicates"] == 9
    con = duckdb.connect(str(bad / "goldpath.duckdb"))
    assert "scores" not in {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    con.close()


def test_score_refuses_bad_dates_before_loading_and_an_empty_portfolio_cleanly(demo, tmp_path):
    """A date that is not a date fails before the load (no 'loaded' line); a date on which no
    account is under contract is a clear error, not a traceback, and stores nothing."""
    ws = Path(shutil.copytree(demo[0], tmp_path / "ws"))
    proc = run("score", "--from", "2022-13-01", "--to", "2022-12-31", "-w", str(ws), check=False)
    assert proc.returncode != 0 and "is not a calendar date" in proc.stderr + proc.stdout
    assert "accepted" not in proc.stdout  # nothing was loaded
    before = duckdb.connect(str(ws / "goldpath.duckdb"), read_only=True)
    dates = before.sql("SELECT count(DISTINCT as_of) FROM scores").fetchone()[0]
    before.close()
    for args in (("--as-of", "2019-01-06"), ("--from", "2019-01-06", "--to", "2019-01-27")):
        proc = run("score", *args, "-w", str(ws), "--no-load", check=False)
        assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
        assert "no account is in the portfolio on 2019-01-06" in proc.stderr + proc.stdout
    after = duckdb.connect(str(ws / "goldpath.duckdb"), read_only=True)
    assert after.sql("SELECT count(DISTINCT as_of) FROM scores").fetchone()[0] == dates
    after.close()
    out = run("score", "--from", "2022-12-18", "--to", "2022-12-31", "--every", "week", "-w", str(ws), "--no-load",
              "--no-accounts").stdout
    assert "Portfolio on 2022-12-25" in out and "00:00:00" not in out
