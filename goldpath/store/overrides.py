"""Manual overrides of a tier or a measure score, and the audit log of every change.

Overrides live in their own table: a scoring run reads them and never writes them. Each
has an author, a reason, a first day and an expiry; removing one keeps its row (with who
removed it and when) so history stays explainable. Every change is appended to
``audit_log``.
"""

from __future__ import annotations

import datetime as dt_
import json

import ibis
import pandas as pd

from goldpath.errors import GoldpathError
from goldpath.store.snapshots import transaction

OVERRIDES_DDL = """
CREATE TABLE IF NOT EXISTS overrides (
    override_id INTEGER PRIMARY KEY,
    account_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,          -- 'tier' or 'measure'
    measure VARCHAR,                -- for kind = 'measure'
    tier VARCHAR,                   -- for kind = 'tier'
    score DOUBLE,                   -- for kind = 'measure'
    author VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    starts DATE,                    -- NULL: no first day
    expires DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    removed_on DATE,                -- with removed_at: applies only before this day
    removed_by VARCHAR,
    removed_at TIMESTAMP
)
"""
AUDIT_DDL = """
CREATE TABLE IF NOT EXISTS audit_log (
    "at" TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    target VARCHAR NOT NULL,
    details VARCHAR NOT NULL
)
"""


def _ensure(raw: object) -> None:
    raw.execute(OVERRIDES_DDL)
    raw.execute(AUDIT_DDL)
    # Stores written by goldpath before withdrawals had their own column.
    raw.execute("ALTER TABLE overrides ADD COLUMN IF NOT EXISTS removed_at TIMESTAMP")


def _now() -> dt_.datetime:
    return dt_.datetime.now(dt_.timezone.utc).replace(tzinfo=None)


def audit(raw: object, actor: str, action: str, target: str, details: dict) -> None:
    """Append one entry to the audit log (inside the caller's transaction)."""
    raw.execute(
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?)",
        [_now(), actor, action, target, json.dumps(details, default=str, sort_keys=True)],
    )


def add_override(
    con: ibis.BaseBackend,
    account_id: str,
    *,
    author: str,
    reason: str,
    expires: dt_.date,
    starts: dt_.date | None,
    tier: str | None = None,
    measure: str | None = None,
    score: float | None = None,
) -> int:
    """Record an override and audit it; returns its id."""
    if not author.strip() or not reason.strip():
        raise GoldpathError("an override needs an author and a reason")
    if starts is not None and expires < starts:
        raise GoldpathError(f"override expires on {expires}, before it starts on {starts}")
    if (tier is None) == (measure is None):
        hint = " (--score goes with --measure)" if score is not None and measure is None else ""
        raise GoldpathError(f"an override sets either a tier, or a measure and its score{hint}")
    if measure is not None and score is None:
        raise GoldpathError(f"a measure override needs a score from 0 to 100 for {measure}")
    if measure is not None and not 0 <= score <= 100:
        raise GoldpathError(f"a measure override needs a score from 0 to 100 (got {score:g})")
    with transaction(con) as raw:
        _ensure(raw)
        new_id = raw.execute("SELECT coalesce(max(override_id), 0) + 1 FROM overrides").fetchone()[0]
        kind = "tier" if tier is not None else "measure"
        row = [new_id, account_id, kind, measure, tier, score, author, reason, starts, expires, _now(), None, None, None]
        raw.execute("INSERT INTO overrides VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        audit(raw, author, "override.add", account_id, {
            "override_id": new_id, "kind": kind, "measure": measure, "tier": tier, "score": score,
            "reason": reason, "starts": starts, "expires": expires,
        })
    return int(new_id)


def remove_override(
    con: ibis.BaseBackend, override_id: int, *, author: str, reason: str, on: dt_.date | None = None
) -> None:
    """Withdraw an override and audit it; its row is kept.

    Without ``on`` it no longer applies to any date; with ``on`` it still applies before that day.
    """
    if not author.strip() or not reason.strip():
        raise GoldpathError("removing an override needs an author and a reason")
    with transaction(con) as raw:
        _ensure(raw)
        found = raw.execute(
            "SELECT account_id FROM overrides WHERE override_id = ? AND removed_at IS NULL", [override_id]
        ).fetchone()
        if found is None:
            raise GoldpathError(f"no active override with id {override_id}; see `goldpath override list`")
        raw.execute(
            "UPDATE overrides SET removed_on = ?, removed_by = ?, removed_at = ? WHERE override_id = ?",
            [on, author, _now(), override_id],
        )
        audit(raw, author, "override.remove", found[0], {"override_id": override_id, "reason": reason, "on": on})


def list_overrides(con: ibis.BaseBackend) -> pd.DataFrame:
    """Every override ever recorded, newest first."""
    with transaction(con) as raw:
        _ensure(raw)
    return con.con.execute("SELECT * FROM overrides ORDER BY override_id DESC").df()


def audit_log(con: ibis.BaseBackend) -> pd.DataFrame:
    """The audit log, oldest first."""
    with transaction(con) as raw:
        _ensure(raw)
    return con.con.execute("SELECT * FROM audit_log ORDER BY \"at\"").df()


def active_overrides(con: ibis.BaseBackend, dates: list[dt_.date]) -> pd.DataFrame:
    """Overrides in force on each date: ``starts <= as_of <= expires`` (no start: any date up to
    ``expires``), not withdrawn (or withdrawn only from a later ``removed_on``).

    Returns one row per (as_of, override) with ``note`` describing it for explanations, and
    its ``author``, ``reason``, ``starts`` and ``expires``.
    """
    o = list_overrides(con)
    cols = ["as_of", "override_id", "account_id", "kind", "measure", "tier", "score", "note",
            "author", "reason", "starts", "expires"]
    if o.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for d in dates:
        day = pd.Timestamp(d)
        withdrawn = o["removed_at"].notna() & (o["removed_on"].isna() | (pd.to_datetime(o["removed_on"]) <= day))
        live = o[
            (o["starts"].isna() | (pd.to_datetime(o["starts"]) <= day))
            & (pd.to_datetime(o["expires"]) >= day)
            & ~withdrawn
        ]
        # The newest override of the same target wins.
        live = live.sort_values("override_id").drop_duplicates(["account_id", "kind", "measure"], keep="last")
        for r in live.itertuples(index=False):
            note = f"#{r.override_id} by {r.author} until {pd.Timestamp(r.expires).date()}: {r.reason}"
            rows.append({"as_of": d, "override_id": r.override_id, "account_id": r.account_id, "kind": r.kind,
                         "measure": r.measure, "tier": r.tier, "score": r.score, "note": note, "author": r.author,
                         "reason": r.reason, "starts": None if pd.isna(r.starts) else pd.Timestamp(r.starts).date(),
                         "expires": pd.Timestamp(r.expires).date()})
    return pd.DataFrame(rows, columns=cols)
