"""Tier-change alerts: kinds and ids, the outbox, the JSON-lines sink and the webhook sink."""

from __future__ import annotations

import datetime as dt_
import json
import re
import shutil
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import ibis
import pandas as pd
import pytest

from goldpath.alerts import outbox
from goldpath.alerts.changes import ALERT_COLUMNS, tier_changes
from goldpath.alerts.sinks import WebhookSink, send_webhook
from goldpath.workspace import Workspace

D0, D1 = dt_.date(2022, 3, 31), dt_.date(2022, 4, 30)


# -- tier_changes ---------------------------------------------------------------------------
def _snap(day: dt_.date, tiers: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"as_of": day, "account_id": a, "tier": t, "name": f"Account {a}", "arr": 1000.0 * (i + 1)}
                         for i, (a, t) in enumerate(tiers.items())])


PREVIOUS = {
    "G2Y": "green", "Y2R": "yellow", "G2R": "green", "GD2G": "gold", "GD2R": "gold", "G2GD": "green",
    "R2GD": "red", "R2Y": "red", "Y2G": "yellow", "SAME": "green", "I2R": "insufficient data",
    "G2I": "green", "GD2I": "gold", "LEFT": "green",
}
CURRENT = {
    "G2Y": "yellow", "Y2R": "red", "G2R": "red", "GD2G": "green", "GD2R": "red", "G2GD": "gold",
    "R2GD": "gold", "R2Y": "yellow", "Y2G": "green", "SAME": "green", "I2R": "red",
    "G2I": "insufficient data", "GD2I": "insufficient data", "NEW": "red",
}


def test_tier_changes_kinds():
    """Drops, GOLD reached and GOLD lost are alerts; rises, stays and moves to or from no data are not."""
    out = tier_changes(_snap(D0, PREVIOUS), _snap(D1, CURRENT))
    assert list(out.columns) == ALERT_COLUMNS
    kinds = dict(zip(out["account_id"], out["kind"]))
    assert kinds == {
        "G2Y": "tier_dropped", "Y2R": "tier_dropped", "G2R": "tier_dropped",
        "GD2G": "gold_lost", "GD2R": "gold_lost", "G2GD": "gold_reached", "R2GD": "gold_reached",
    }
    row = out.set_index("account_id").loc["GD2R"]
    assert (row["from_tier"], row["to_tier"], row["as_of"], row["previous_as_of"]) == ("gold", "red", D1, D0)
    assert row["name"] == "Account GD2R" and row["arr"] == 5000.0


def test_insufficient_data_raises_no_alert():
    """An account going to or from 'insufficient data' raises nothing, whatever the other tier."""
    previous = _snap(D0, {"A": "gold", "B": "insufficient data", "C": "green", "D": "insufficient data"})
    current = _snap(D1, {"A": "insufficient data", "B": "red", "C": "insufficient data", "D": "insufficient data"})
    out = tier_changes(previous, current)
    assert out.empty and list(out.columns) == ALERT_COLUMNS


def test_alert_ids_are_stable():
    """The id depends on the change only: not on row order, other accounts, ARR or the earlier date."""
    a = tier_changes(_snap(D0, PREVIOUS), _snap(D1, CURRENT)).set_index("account_id")["alert_id"]
    shuffled = tier_changes(_snap(D0, PREVIOUS).iloc[::-1], _snap(D1, CURRENT).sample(frac=1, random_state=5))
    assert shuffled.set_index("account_id")["alert_id"].sort_index().equals(a.sort_index())
    alone = tier_changes(_snap(D0 - dt_.timedelta(days=7), {"G2Y": "green"}), _snap(D1, {"G2Y": "yellow"}).assign(arr=1.0))
    assert alone["alert_id"].tolist() == [a["G2Y"]]
    assert a.is_unique and all(len(i) == 20 and int(i, 16) >= 0 for i in a)
    later = tier_changes(_snap(D1, {"G2Y": "green"}), _snap(D1 + dt_.timedelta(days=7), {"G2Y": "yellow"}))
    assert later["alert_id"].iloc[0] != a["G2Y"]  # the same change on another date is another alert


# -- outbox ---------------------------------------------------------------------------------
def test_outbox_records_each_change_once():
    """Recording the same alerts twice stores them once; deliveries decide what is pending per sink."""
    con = ibis.duckdb.connect()
    try:
        alerts = tier_changes(_snap(D0, PREVIOUS), _snap(D1, CURRENT))
        assert outbox.record(con, alerts) == 7
        assert outbox.record(con, alerts) == 0
        assert outbox.record(con, alerts.iloc[:2]) == 0
        assert outbox.record(con, alerts.iloc[:0]) == 0
        stored = con.con.execute("SELECT alert_id FROM alerts").fetchall()
        assert sorted(r[0] for r in stored) == sorted(alerts["alert_id"])
        first, second = alerts["alert_id"].iloc[0], alerts["alert_id"].iloc[1]
        outbox.mark(con, [(first, "hook", False, 3, "HTTP 500"), (second, "hook", True, 1, None)])
        pending = outbox.pending(con, "hook")["alert_id"].tolist()
        assert first in pending and second not in pending and len(pending) == 6
        assert len(outbox.pending(con, "file")) == 7
    finally:
        con.disconnect()


# -- workspace sinks -----------------------------------------------------------------------
MODEL = """\
name: alerts
window_days: 28
params:
  key_feature_min_users: 1
  key_features: {default: [add_contact, add_lead, meeting, quote]}
engagement:
  measures:
    active_seat_ratio: {weight: 50, scheme: {type: linear, min: 0.2, max: 0.9}}
    active_days_per_active_user: {weight: 20, scheme: {type: linear, min: 2, max: 15}}
    key_feature_adoption: {weight: 30, scheme: {type: linear, min: 0.25, max: 1.0}}
indispensability:
  measures:
    process_coverage: {weight: 1, scheme: {type: linear, min: 0.2, max: 1.0}}
tiers:
  default:
    - {tier: green, when: {engagement: {min: 70}, indispensability: {min: 50}}}
    - {tier: yellow, when: {engagement: {min: 35}}}
    - {tier: red}
"""
CONFIG = """\
engine: {type: duckdb, path: store.duckdb}
model: model.yaml
sources:
  accounts: data/accounts.csv
  events: data/events.csv
  process_features: data/process_features.csv
  process_criticality: data/process_criticality.csv
"""
ACCOUNTS = """\
account_id,name,segment,arr,seats,contract_start,renewal_date,parent_id,timezone
A1,Alpha,basic,12000,4,2022-01-01,2023-01-01,,
A2,Beta,basic,6000,4,2022-01-01,2023-01-01,,
A3,Gamma,basic,24000,4,2022-01-01,2023-01-01,,
"""
FEATURES = ["add_contact", "add_lead", "meeting", "quote"]
# (users, features) active on each weekday in March and in April: all Green on 2022-03-31;
# on 2022-04-30 A1 is Red, A2 Yellow and A3 still Green.
PLAN = {"A1": ((4, 4), (1, 1)), "A2": ((4, 4), (2, 3)), "A3": ((4, 4), (4, 4))}
EXPECTED = {("A1", "green", "red"), ("A2", "green", "yellow")}


@pytest.fixture(scope="module")
def scored_once(tmp_path_factory) -> Path:
    """A tiny workspace without alert sinks, loaded and scored on 2022-03-31 (one snapshot: no alerts)."""
    root = tmp_path_factory.mktemp("alerts") / "template"
    (root / "data").mkdir(parents=True)
    (root / "goldpath.yaml").write_text(CONFIG)
    (root / "model.yaml").write_text(MODEL)
    (root / "data" / "accounts.csv").write_text(ACCOUNTS)
    (root / "data" / "process_features.csv").write_text(
        "feature,process\nadd_contact,contacts\nadd_lead,leads\nmeeting,meetings\nquote,pipeline\n")
    (root / "data" / "process_criticality.csv").write_text(
        "process,segment,criticality\ncontacts,*,5\nleads,*,4\nmeetings,*,4\npipeline,*,3\n")
    rows = []
    for day in pd.bdate_range("2022-03-01", "2022-04-30"):
        for acc, (march, april) in PLAN.items():
            users, features = march if day.month == 3 else april
            rows += [(acc, f"{acc}u{u}", f, f"{day:%Y-%m-%d} 12:00:00") for u in range(users) for f in FEATURES[:features]]
    pd.DataFrame(rows, columns=["account_id", "user_id", "feature", "timestamp"]).to_csv(root / "data" / "events.csv", index=False)
    with Workspace(root) as ws:
        first = ws.score(D0)
        assert set(first["tier"]) == {"green"}
        assert ws.alerts().empty
    return root


def _workspace(template: Path, tmp_path: Path, alerts_yaml: str) -> Path:
    """A copy of the template with alert settings appended to goldpath.yaml."""
    root = Path(shutil.copytree(template, tmp_path / "ws"))
    (root / "goldpath.yaml").write_text(CONFIG + alerts_yaml)
    return root


def _deliveries(root: Path) -> pd.DataFrame:
    with Workspace(root) as ws:
        if "alert_deliveries" not in ws.con.list_tables():
            return pd.DataFrame(columns=["alert_id", "sink", "delivered", "attempts", "error", "at"])
        return ws.con.table("alert_deliveries").to_pandas()


def test_jsonl_sink_writes_each_alert_once(scored_once: Path, tmp_path: Path):
    """One JSON line per alert; rescoring the same date (or backfilling an earlier one) adds nothing."""
    root = _workspace(scored_once, tmp_path, "alerts: [{type: jsonl, path: out/alerts.jsonl}]\n")
    path = root / "out" / "alerts.jsonl"
    with Workspace(root) as ws:
        scores = ws.score(D1, load=False)
        assert set(scores["tier"]) == {"red", "yellow", "green"}
        lines = path.read_text().splitlines()
        ws.score(D1, load=False)
        ws.score(D1 - dt_.timedelta(days=10), load=False)  # a backfill: not the newest date
        assert path.read_text().splitlines() == lines
        stored = ws.alerts()
    payloads = [json.loads(x) for x in lines]
    assert {(p["account_id"], p["from_tier"], p["to_tier"]) for p in payloads} == EXPECTED
    assert len(payloads) == 2 and all(p["kind"] == "tier_dropped" for p in payloads)
    first = next(p for p in payloads if p["account_id"] == "A1")
    assert (first["as_of"], first["previous_as_of"], first["name"], first["arr"]) == ("2022-04-30", "2022-03-31", "Alpha", 12000.0)
    assert first["text"] == "Alpha (A1): green -> red on 2022-04-30"
    assert sorted(stored["alert_id"]) == sorted(p["alert_id"] for p in payloads)
    assert set(stored["deliveries"]) == {"jsonl:sent"}


class _Hook:
    """What the local webhook server answers, and every request it got."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[dict, int]] = []  # (payload, status answered)
        self.fail_first = 0      # answer 500 to the first N attempts of each alert
        self.always: int | None = None
        self.delay = 0.0         # seconds to hold each request (cut short by `release`)
        self.release = threading.Event()

    def answer(self, payload: dict) -> int:
        with self.lock:
            seen = sum(1 for p, _ in self.requests if p["alert_id"] == payload["alert_id"])
            status = self.always or (500 if seen < self.fail_first else 200)
            self.requests.append((payload, status))
        return status

    def ok(self) -> list[str]:
        """Alert ids answered with 200, in order."""
        with self.lock:
            return [p["alert_id"] for p, s in self.requests if s == 200]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        hook: _Hook = self.server.hook  # type: ignore[attr-defined]
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if hook.delay:
            hook.release.wait(hook.delay)
        status = hook.answer(payload)
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook():
    """A webhook server on 127.0.0.1 and a free port, in a thread; yields (hook, url)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.hook = _Hook()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.hook, f"http://127.0.0.1:{server.server_address[1]}/hook"  # type: ignore[attr-defined]
    finally:
        server.hook.release.set()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()
        thread.join(5)


def _webhook_yaml(url: str, wait: float = 5, retries: int = 2, timeout: float = 2) -> str:
    return (f"alerts: [{{type: webhook, name: hook, url: '{url}', retries: {retries}, backoff_seconds: 0.01, "
            f"timeout_seconds: {timeout}}}]\nalerts_wait_seconds: {wait}\n")


def test_webhook_delivers_on_the_third_attempt(scored_once: Path, tmp_path: Path, hook):
    """500, 500, then 200: each alert is delivered on its third attempt, and recorded so."""
    server, url = hook
    server.fail_first = 2
    root = _workspace(scored_once, tmp_path, _webhook_yaml(url))
    with Workspace(root) as ws:
        ws.score(D1, load=False)
    assert len(server.requests) == 6
    assert {(p["account_id"], p["from_tier"], p["to_tier"]) for p, _ in server.requests} == EXPECTED
    d = _deliveries(root)
    assert len(d) == 2 and d["delivered"].all() and (d["attempts"] == 3).all() and d["error"].isna().all()
    assert sorted(d["alert_id"]) == sorted(set(server.ok()))
    with Workspace(root) as ws:
        assert set(ws.alerts()["deliveries"]) == {"hook:sent"}
        ws.send_alerts()
    assert len(server.requests) == 6


def test_webhook_failure_stays_pending_and_a_later_send_delivers_once(scored_once: Path, tmp_path: Path, hook):
    """A server that always fails leaves alerts pending with attempts and the error; recovery delivers once."""
    server, url = hook
    server.always = 500
    root = _workspace(scored_once, tmp_path, _webhook_yaml(url))
    with Workspace(root) as ws:
        ws.score(D1, load=False)
    assert len(server.requests) == 6 and not server.ok()
    d = _deliveries(root)
    assert len(d) == 2 and not d["delivered"].any()
    assert (d["attempts"] == 3).all() and (d["error"] == "HTTP 500").all()
    with Workspace(root) as ws:
        assert len(outbox.pending(ws.con, "hook")) == 2
        assert set(ws.alerts()["deliveries"]) == {"hook:failed (HTTP 500)"}

    server.always = None
    with Workspace(root) as ws:
        ws.send_alerts()
    assert len(server.ok()) == 2 and len(server.requests) == 8
    with Workspace(root) as ws:
        assert outbox.pending(ws.con, "hook").empty
        ws.send_alerts()  # nothing pending: nothing sent
        ws.score(D1, load=False)  # nor by a rescore
    assert len(server.requests) == 8
    d = _deliveries(root)
    assert sorted(d.loc[d["delivered"], "alert_id"]) == sorted(server.ok())
    assert (d.loc[d["delivered"], "attempts"] == 1).all()


def test_scoring_does_not_wait_for_a_slow_webhook(scored_once: Path, tmp_path: Path, hook):
    """A webhook that holds each request for 30 s delays scoring and closing by alerts_wait_seconds at most."""
    server, url = hook
    server.delay = 30
    root = _workspace(scored_once, tmp_path, _webhook_yaml(url, wait=0.5, retries=0, timeout=20))
    ws = Workspace(root)
    try:
        t0 = time.monotonic()
        ws.score(D1, load=False)
        scored = time.monotonic()
    finally:
        ws.close()
    closed = time.monotonic()
    assert scored - t0 < 10
    assert 0.4 <= closed - scored < 4
    server.release.set()
    with Workspace(root) as ws:
        assert len(outbox.pending(ws.con, "hook")) == 2  # not delivered in time: still pending


def test_webhook_alert_is_sent_once_when_rescoring_in_one_session(scored_once: Path, tmp_path: Path, hook):
    """Rescoring the newest date while its alerts are in flight, or after, does not deliver them again.

    Failed on commit 2878652: webhook results were only recorded at ``close()``, so every
    scoring run of a session re-sent the alerts of the earlier runs.
    """
    server, url = hook
    server.delay = 0.3  # each request is held, so the first deliveries are in flight during the rescore
    root = _workspace(scored_once, tmp_path, _webhook_yaml(url))
    with Workspace(root) as ws:
        ws.score(D1, load=False)
        ws.score(D1, load=False)
        deadline = time.monotonic() + 5
        while len(server.ok()) < 2 and time.monotonic() < deadline:  # the first delivery is done
            time.sleep(0.02)
        ws.score(D1, load=False)  # finished but not yet recorded
    assert len(server.ok()) == 2 and len(server.requests) == 2
    d = _deliveries(root)
    assert sorted(d.loc[d["delivered"], "alert_id"]) == sorted(server.ok())


def test_webhook_answer_that_is_not_http_is_a_failed_attempt():
    """A server answering garbage counts as failed attempts, retried, with the error recorded.

    Failed on commit 2878652: ``http.client.BadStatusLine`` escaped the retry loop (and
    would end the dispatcher thread, leaving the batch's other alerts unattempted).
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                buf = b""
                while b"\r\n\r\n" not in buf:
                    buf += conn.recv(4096)
                head, _, body = buf.partition(b"\r\n\r\n")
                length = int(re.search(rb"content-length: *(\d+)", head, re.I).group(1))
                while len(body) < length:
                    body += conn.recv(4096)
                conn.sendall(b"not http at all\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        sink = WebhookSink(type="webhook", url=f"http://127.0.0.1:{sock.getsockname()[1]}/", retries=1,
                           backoff_seconds=0.01, timeout_seconds=2)
        delivered, attempts, error = send_webhook(sink, {"alert_id": "x"})
        assert (delivered, attempts) == (False, 2) and error
    finally:
        stop.set()
        thread.join(5)
        sock.close()


def test_no_alerts_from_a_snapshot_scored_past_the_data(scored_once: Path, tmp_path: Path):
    """Events end on 2022-04-29: a snapshot of 2022-06-30 would show drops made of missing data."""
    root = _workspace(scored_once, tmp_path, "alerts: [{type: jsonl, path: alerts.jsonl}]\n")
    with Workspace(root) as ws:
        ws.score(dt_.date(2022, 6, 30), load=False)
        assert ws.alerts().empty
    assert not (root / "alerts.jsonl").exists()
