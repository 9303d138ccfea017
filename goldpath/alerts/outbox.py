"""The alert outbox in the store: each change recorded once, each delivery per sink recorded.

A scoring run inserts the alerts it detects, each real tier change once (:func:`record`), so a
repeated run sends nothing new; delivery marks ``alert_deliveries``; pending alerts are those
without a successful delivery to a sink.
"""

from __future__ import annotations

import datetime as dt_
import hashlib

import ibis
import pandas as pd

from goldpath.alerts.changes import ALERT_COLUMNS
from goldpath.store.snapshots import transaction

DDL = [
    """CREATE TABLE IF NOT EXISTS alerts (
        alert_id VARCHAR PRIMARY KEY, kind VARCHAR, account_id VARCHAR, name VARCHAR, arr DOUBLE,
        as_of DATE, previous_as_of DATE, from_tier VARCHAR, to_tier VARCHAR, created_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS alert_deliveries (
        alert_id VARCHAR, sink VARCHAR, delivered BOOLEAN, attempts INTEGER, error VARCHAR, "at" TIMESTAMP)""",
]


def _ensure(raw: object) -> None:
    for ddl in DDL:
        raw.execute(ddl)


def record(con: ibis.BaseBackend, alerts: pd.DataFrame, *, rescored: bool = False) -> int:
    """Insert new alerts; returns how many were new.

    Each real change (from -> to) of an account's tier on a date is one alert:

    - ``rescored=False``: the date was scored for the first time (compared with the stored
      date before it). A change that is the latest alert of its account and date already
      (the date scored again after ``goldpath forget``) is skipped.
    - ``rescored=True``: the date was scored again and compared with its own previous
      snapshot (an app write moved a tier), so every row is a new change, also one that
      repeats an earlier alert (GOLD reached, lost, reached again: three alerts).

    The ``alert_id`` of an account's first alert on a date is the hash of the change
    (:func:`goldpath.alerts.changes.tier_changes`); the n-th later one adds ``n`` to the hash.
    """
    with transaction(con) as raw:
        _ensure(raw)
        if alerts.empty:
            return 0
        seen = raw.execute(
            "SELECT account_id, as_of, kind, from_tier, to_tier FROM alerts WHERE as_of IN (SELECT unnest(?::DATE[])) "
            "ORDER BY created_at, alert_id", [sorted({str(d) for d in alerts["as_of"]})],
        ).fetchall()
        history: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        for account, day, kind, before, after in seen:
            history.setdefault((account, str(day)), []).append((kind, before, after))
        rows = []
        for r in alerts[ALERT_COLUMNS].to_dict("records"):
            past = history.setdefault((r["account_id"], str(r["as_of"])), [])
            change = (r["kind"], r["from_tier"], r["to_tier"])
            if past and not rescored and past[-1] == change:
                continue
            if past:
                r["alert_id"] = hashlib.sha256(f"{r['alert_id']}|{len(past)}".encode()).hexdigest()[:20]
            past.append(change)
            rows.append(r)
        if not rows:
            return 0
        before = raw.execute("SELECT count(*) FROM alerts").fetchone()[0]
        new = pd.DataFrame(rows, columns=ALERT_COLUMNS).assign(created_at=dt_.datetime.now(dt_.timezone.utc).replace(tzinfo=None))
        raw.register("_alerts", new)
        try:
            raw.execute("INSERT INTO alerts BY NAME SELECT * FROM _alerts ON CONFLICT DO NOTHING")
        finally:
            raw.unregister("_alerts")
        return raw.execute("SELECT count(*) FROM alerts").fetchone()[0] - before


def pending(con: ibis.BaseBackend, sink: str) -> pd.DataFrame:
    """Alerts not yet delivered to ``sink``, oldest first."""
    with transaction(con) as raw:
        _ensure(raw)
    return con.con.execute(
        """SELECT a.* FROM alerts a
           WHERE NOT EXISTS (SELECT 1 FROM alert_deliveries d
                             WHERE d.alert_id = a.alert_id AND d.sink = ? AND d.delivered)
           ORDER BY a.as_of, a.account_id""",
        [sink],
    ).df()


def mark(con: ibis.BaseBackend, results: list[tuple[str, str, bool, int, str | None]]) -> None:
    """Record delivery attempts."""
    if not results:
        return
    now = dt_.datetime.now(dt_.timezone.utc).replace(tzinfo=None)
    with transaction(con) as raw:
        _ensure(raw)
        raw.executemany("INSERT INTO alert_deliveries VALUES (?, ?, ?, ?, ?, ?)", [(*r, now) for r in results])


def all_alerts(con: ibis.BaseBackend) -> pd.DataFrame:
    """Every alert with its delivery state per sink."""
    with transaction(con) as raw:
        _ensure(raw)
    return con.con.execute(
        """SELECT a.*, string_agg(DISTINCT d.sink || ':' || CASE WHEN d.delivered THEN 'sent'
                      ELSE 'failed (' || coalesce(d.error, '?') || ')' END, ', ') AS deliveries
           FROM alerts a LEFT JOIN (
               SELECT * FROM alert_deliveries
               QUALIFY row_number() OVER (PARTITION BY alert_id, sink ORDER BY delivered DESC, "at" DESC) = 1
           ) d USING (alert_id)
           GROUP BY ALL ORDER BY a.as_of, a.account_id, a.created_at"""
    ).df()
