"""The value ledger and success plans written from the app (API, dashboard, Python calls).

App-written rows live in store tables of their own, never in the source files, so a load
(which replaces the ``input_*`` tables from the files) never loses them:

``app_contacts``, ``app_outcomes``, ``app_acknowledgements``
    New rows, with the contract's columns plus ``author`` and ``created_at``.
``app_contact_changes``
    A contact (from the source or the app) marked as left on a date; the newest change wins.
``app_achievements``
    A new measured value of an outcome (from the source, the app or a plan); the one with the
    latest ``achieved_at`` wins (the newest write among equal dates).
``success_plans``, ``success_plan_processes``
    One plan per account (a new plan replaces the old one and bumps its ``version``) and the
    processes it intends to run, with their criticality.

Scoring reads the ledger as source rows plus app rows, with contact changes and measured
values applied on top (:func:`merge`). Ids of app rows are ``app-C<n>`` (contacts),
``app-O<n>`` (outcomes) and ``plan-<account_id>`` (a success plan's outcome); source files
should not use these prefixes (where they do, the app row wins).

Validation follows the data contract (:mod:`goldpath.contract.tables`): roles, dates,
numbers, references, plus what the evidence rule would otherwise only report as invalid
(an acknowledgement before its outcome was defined, by a contact of another account, after
the contact left). A bad value raises :class:`~goldpath.errors.InputError` naming the field.

Every write is one transaction together with its entry in the audit log
(:func:`goldpath.store.overrides.audit`), the same log overrides use.
"""

from __future__ import annotations

import datetime as dt_
import json
import math
import re

import ibis
import pandas as pd

from goldpath.contract.tables import CONTACT_ROLES, TABLES
from goldpath.errors import ConflictError, InputError, NotFoundError
from goldpath.store.overrides import AUDIT_DDL, audit
from goldpath.store.snapshots import transaction

LEDGER_TABLES = ("contacts", "outcomes", "acknowledgements")
#: The contract's columns of each ledger table.
COLUMNS = {name: TABLES[name].column_names for name in LEDGER_TABLES}
DATE_COLUMNS = {"contacts": ("joined", "left"), "outcomes": ("defined_at", "achieved_at"), "acknowledgements": ("date",)}

DDL = [
    """CREATE TABLE IF NOT EXISTS app_contacts (
        contact_id VARCHAR PRIMARY KEY, account_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
        role VARCHAR NOT NULL, joined DATE, "left" DATE, author VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS app_outcomes (
        outcome_id VARCHAR PRIMARY KEY, account_id VARCHAR NOT NULL, title VARCHAR NOT NULL, metric VARCHAR NOT NULL,
        baseline DOUBLE NOT NULL, target DOUBLE NOT NULL, achieved DOUBLE, annual_value DOUBLE, cost DOUBLE,
        defined_at DATE NOT NULL, achieved_at DATE, author VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS app_acknowledgements (
        outcome_id VARCHAR NOT NULL, contact_id VARCHAR NOT NULL, date DATE NOT NULL, statement VARCHAR,
        author VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, PRIMARY KEY (outcome_id, contact_id, date))""",
    """CREATE TABLE IF NOT EXISTS app_contact_changes (
        change_id INTEGER PRIMARY KEY, contact_id VARCHAR NOT NULL, "left" DATE NOT NULL,
        author VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS app_achievements (
        change_id INTEGER PRIMARY KEY, outcome_id VARCHAR NOT NULL, achieved DOUBLE NOT NULL,
        achieved_at DATE NOT NULL, author VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS success_plans (
        account_id VARCHAR PRIMARY KEY, version INTEGER NOT NULL, title VARCHAR NOT NULL, metric VARCHAR NOT NULL,
        baseline DOUBLE NOT NULL, target DOUBLE NOT NULL, closed_on DATE NOT NULL, annual_value DOUBLE,
        author VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS app_ids (prefix VARCHAR PRIMARY KEY, last INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS success_plan_processes (
        account_id VARCHAR NOT NULL, process VARCHAR NOT NULL, criticality DOUBLE NOT NULL,
        PRIMARY KEY (account_id, process))""",
]
APP_TABLES = ("app_contacts", "app_outcomes", "app_acknowledgements", "app_contact_changes", "app_achievements",
              "success_plans", "success_plan_processes")


def _now() -> dt_.datetime:
    return dt_.datetime.now(dt_.timezone.utc).replace(tzinfo=None)


def ensure(raw: object) -> None:
    """Create the app tables and the audit log when missing."""
    for ddl in DDL:
        raw.execute(ddl)
    raw.execute(AUDIT_DDL)


def read_app(con: ibis.BaseBackend) -> dict[str, pd.DataFrame] | None:
    """Every app table as a pandas frame; None when the app never wrote (nothing is created here)."""
    if "app_contacts" not in con.list_tables():
        return None
    with transaction(con) as raw:
        ensure(raw)  # tables a newer goldpath added
        return {name: raw.execute(f'SELECT * FROM "{name}"').df() for name in APP_TABLES}



def has_plans(con: ibis.BaseBackend) -> bool:
    """Whether any success plan is stored (without creating tables)."""
    if "success_plan_processes" not in con.list_tables():
        return False
    return bool(con.con.execute("SELECT count(*) FROM success_plan_processes").fetchone()[0])


def plan_regimes(con: ibis.BaseBackend, dates: list[dt_.date]) -> list[list[dt_.date]]:
    """``dates`` (sorted) grouped so that the same success plans are in force on every date of a group.

    A plan's process scope applies from its ``closed_on``: before it the account is scored
    on the catalogue, as it was before the plan was recorded (no look-ahead in history or
    backtests). Each group can be computed in one pass with one set of criticality overrides.
    """
    dates = sorted(set(dates))
    if not dates or not has_plans(con):
        return [dates] if dates else []
    closes = sorted({r[0] for r in con.con.execute(
        "SELECT DISTINCT closed_on FROM success_plans WHERE closed_on > ? AND closed_on <= ?",
        [dates[0], dates[-1]]).fetchall()})
    groups: list[list[dt_.date]] = []
    for d in dates:
        regime = sum(c <= d for c in closes)
        if groups and sum(c <= groups[-1][0] for c in closes) == regime:
            groups[-1].append(d)
        else:
            groups.append([d])
    return groups


# -- reading the ledger: source rows plus app rows ---------------------------------------------

def _frame(df: pd.DataFrame | None, table: str, origin: str) -> pd.DataFrame:
    cols = COLUMNS[table]
    if df is None or df.empty:
        out = pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    else:
        out = df[[c for c in cols if c in df.columns]].copy()
    out["origin"] = origin
    for extra in ("author", "created_at"):
        out[extra] = df[extra] if df is not None and extra in df.columns and not df.empty else None
    return out


def plan_outcomes(plans: pd.DataFrame, arr: dict[str, float]) -> pd.DataFrame:
    """Each success plan's value hypothesis as an outcome ``plan-<account_id>``.

    Defined on the plan's ``closed_on``; its cost is the account's ARR (what the product
    costs the customer a year), so its ROI is ``(annual_value - ARR) / ARR``.
    """
    rows = [{
        "outcome_id": f"plan-{p.account_id}", "account_id": p.account_id, "title": p.title, "metric": p.metric,
        "baseline": p.baseline, "target": p.target, "achieved": None, "annual_value": p.annual_value,
        "cost": arr.get(p.account_id), "defined_at": p.closed_on, "achieved_at": None,
        "author": p.author, "created_at": p.updated_at,
    } for p in plans.itertuples(index=False)]
    return pd.DataFrame(rows, columns=[*COLUMNS["outcomes"], "author", "created_at"])


def merge(source: dict[str, pd.DataFrame | None], app: dict[str, pd.DataFrame] | None, arr: dict[str, float]) -> dict[str, pd.DataFrame]:
    """The ledger scoring reads: source rows plus app rows, contact changes and measured values on top.

    Parameters
    ----------
    source
        ``contacts``, ``outcomes``, ``acknowledgements`` from the stored inputs (None when absent).
    app
        :func:`read_app` (None: the app never wrote).
    arr
        Account ARR, the cost of a success plan's outcome.

    Returns
    -------
    dict
        ``contacts``, ``outcomes``, ``acknowledgements`` with the contract's columns plus
        ``origin`` (``source``, ``app`` or ``plan``), ``author`` and ``created_at``;
        contacts also carry ``left_by`` (who marked them as left from the app), outcomes
        ``measured_by`` (who recorded the measured value from the app).
    """
    out: dict[str, pd.DataFrame] = {}
    empty = pd.DataFrame()
    app = {name: (app or {}).get(name, empty) for name in APP_TABLES}
    parts = {
        "contacts": [_frame(source.get("contacts"), "contacts", "source"), _frame(app["app_contacts"], "contacts", "app")],
        "outcomes": [
            _frame(source.get("outcomes"), "outcomes", "source"), _frame(app["app_outcomes"], "outcomes", "app"),
            _frame(plan_outcomes(app["success_plans"], arr) if len(app["success_plans"]) else None, "outcomes", "plan"),
        ],
        "acknowledgements": [
            _frame(source.get("acknowledgements"), "acknowledgements", "source"),
            _frame(app["app_acknowledgements"], "acknowledgements", "app"),
        ],
    }
    keys = {"contacts": ["contact_id"], "outcomes": ["outcome_id"], "acknowledgements": ["outcome_id", "contact_id", "date"]}
    for table, frames in parts.items():
        columns = list(frames[0].columns)
        frames = [f.dropna(axis=1, how="all") for f in frames if len(f)]  # all-NA columns carry no dtype
        df = (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()).reindex(columns=columns)
        for col in DATE_COLUMNS[table]:
            df[col] = pd.to_datetime(df[col])
        for col in ("baseline", "target", "achieved", "annual_value", "cost"):
            if col in df.columns:
                df[col] = pd.to_numeric(df[col]).astype(float)
        out[table] = df.drop_duplicates(keys[table], keep="last").reset_index(drop=True)

    contacts = out["contacts"]
    contacts["left_by"] = None
    changes = app["app_contact_changes"]
    if len(changes):
        last = changes.sort_values("change_id").drop_duplicates("contact_id", keep="last").set_index("contact_id")
        hit = contacts["contact_id"].isin(last.index)
        contacts.loc[hit, "left"] = pd.to_datetime(contacts.loc[hit, "contact_id"].map(last["left"]))
        contacts.loc[hit, "left_by"] = contacts.loc[hit, "contact_id"].map(last["author"])

    outcomes = out["outcomes"]
    outcomes["measured_by"] = None
    measured = app["app_achievements"]
    if len(measured):
        last = measured.sort_values(["achieved_at", "change_id"]).drop_duplicates("outcome_id", keep="last")
        last = last.set_index("outcome_id")
        hit = outcomes["outcome_id"].isin(last.index)
        ids = outcomes.loc[hit, "outcome_id"]
        outcomes.loc[hit, "achieved"] = ids.map(last["achieved"]).astype(float)
        outcomes.loc[hit, "achieved_at"] = pd.to_datetime(ids.map(last["achieved_at"]))
        outcomes.loc[hit, "measured_by"] = ids.map(last["author"])
    return out


# -- validation ----------------------------------------------------------------------------------

#: Dates a write may carry: scoring reads them through pandas, whose timestamps end in 2262.
FIRST_DATE, LAST_DATE = dt_.date(1900, 1, 1), dt_.date(2199, 12, 31)
#: Longest text a write may carry (names, titles, statements, reasons).
MAX_TEXT = 2000
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def as_date(field: str, value: object, required: bool = True) -> dt_.date | None:
    """A date from 1900 to 2199 from a ``date``, a ``datetime`` or ``YYYY-MM-DD`` text, else :class:`InputError`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError(field, "required: a date YYYY-MM-DD")
        return None
    if isinstance(value, (dt_.datetime, pd.Timestamp)):
        day = value.date()
    elif isinstance(value, dt_.date):
        day = value
    else:
        try:
            day = dt_.date.fromisoformat(str(value).strip())
        except ValueError:
            raise InputError(field, f"expected a date YYYY-MM-DD (got {value!r})") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise InputError(field, f"expected a date from {FIRST_DATE} to {LAST_DATE} (got {day})")
    return day


def as_number(field: str, value: object, required: bool = True, minimum: float | None = None,
              maximum: float | None = None) -> float | None:
    """A finite number (within bounds), else :class:`InputError`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError(field, "required: a number")
        return None
    if isinstance(value, bool) or (isinstance(value, str) and not _NUMBER.fullmatch(value.strip())):
        raise InputError(field, f"expected a number (got {value!r})")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(field, f"expected a number (got {value!r})") from None
    if not math.isfinite(number):
        raise InputError(field, f"expected a finite number (got {value!r})")
    if minimum is not None and number < minimum:
        raise InputError(field, f"expected a number >= {minimum:g} (got {number:g})")
    if maximum is not None and number > maximum:
        raise InputError(field, f"expected a number <= {maximum:g} (got {number:g})")
    return number


def as_text(field: str, value: object, required: bool = True) -> str | None:
    """Stripped non-empty text of at most :data:`MAX_TEXT` characters without control characters
    (line breaks and tabs allowed), else :class:`InputError` (or None when optional and empty)."""
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise InputError(field, "required: non-empty text")
        return None
    if len(text) > MAX_TEXT:
        raise InputError(field, f"expected at most {MAX_TEXT:,} characters (got {len(text):,})")
    if _CONTROL.search(text):
        raise InputError(field, "contains a control character (only line breaks and tabs are allowed)")
    return text


def as_author(author: object) -> str:
    """Who makes a write: required on every write, recorded in the audit log."""
    return as_text("author", author)


def as_role(role: object) -> str:
    """A contact role of the contract."""
    text = as_text("role", role)
    if text not in CONTACT_ROLES:
        raise InputError("role", f"expected one of {', '.join(CONTACT_ROLES)} (got {text!r})")
    return text


def find(ledger: dict[str, pd.DataFrame], table: str, key: str, value: str, field: str | None = None) -> pd.Series:
    """The ledger row with ``key == value``, else :class:`NotFoundError` naming ``field``."""
    df = ledger[table]
    hit = df[df[key] == value]
    if hit.empty:
        what = table.removesuffix("s")
        raise NotFoundError(field or key, f"unknown {what} {value!r}")
    return hit.iloc[-1]


def _day(value: object) -> dt_.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def check_acknowledgement(ledger: dict[str, pd.DataFrame], outcome_id: str, contact_id: str, date: dt_.date) -> tuple[pd.Series, pd.Series]:
    """The outcome and the contact of a new acknowledgement, after the contract's and the evidence rule's checks."""
    outcome = find(ledger, "outcomes", "outcome_id", outcome_id)
    contact = find(ledger, "contacts", "contact_id", contact_id)
    if contact["account_id"] != outcome["account_id"]:
        raise InputError("contact_id", f"contact {contact_id} belongs to account {contact['account_id']} but outcome "
                                       f"{outcome_id} to account {outcome['account_id']}")
    defined = _day(outcome["defined_at"])
    if date < defined:
        raise InputError("date", f"{date} is before outcome {outcome_id} was defined ({defined}); an acknowledgement "
                                 f"confirms value that was agreed first")
    joined, left = _day(contact["joined"]), _day(contact["left"])
    if joined is not None and date < joined:
        raise InputError("date", f"{date} is before contact {contact_id} joined ({joined})")
    if left is not None and date >= left:
        raise InputError("date", f"contact {contact_id} left on {left}; an acknowledgement must be dated before that")
    acks = ledger["acknowledgements"]
    same = acks[(acks["outcome_id"] == outcome_id) & (acks["contact_id"] == contact_id)
                & (acks["date"] == pd.Timestamp(date))]
    if len(same):
        raise InputError("date", f"contact {contact_id} already acknowledged outcome {outcome_id} on {date}")
    return outcome, contact


# -- writes (each one transaction with its audit entry) ------------------------------------------

def _next_number(raw: object, table: str, column: str, prefix: str) -> int:
    """The next ``<prefix><n>`` number: never one issued before, even to a row since retracted
    (``app_ids`` remembers the last one issued; stores from before it start from the table)."""
    n = len(prefix) + 1
    in_table = int(raw.execute(
        f"SELECT coalesce(max(TRY_CAST(substr({column}, {n}) AS INTEGER)), 0) FROM {table} "
        f"WHERE starts_with({column}, ?)", [prefix],
    ).fetchone()[0])
    issued = raw.execute("SELECT last FROM app_ids WHERE prefix = ?", [prefix]).fetchone()
    number = max(in_table, issued[0] if issued else 0) + 1
    raw.execute("INSERT OR REPLACE INTO app_ids VALUES (?, ?)", [prefix, number])
    return number


def insert_contact(con: ibis.BaseBackend, row: dict, author: str) -> dict:
    """Store a new contact (validated by the caller) with a new ``app-C<n>`` id; returns the row."""
    with transaction(con) as raw:
        ensure(raw)
        row = {"contact_id": f"app-C{_next_number(raw, 'app_contacts', 'contact_id', 'app-C')}", **row,
               "author": author, "created_at": _now()}
        raw.execute('INSERT INTO app_contacts (contact_id, account_id, name, role, joined, "left", author, created_at) '
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [row[c] for c in ("contact_id", "account_id", "name", "role", "joined", "left", "author", "created_at")])
        audit(raw, author, "contact.add", row["account_id"], _details(row))
    return row


def insert_contact_left(con: ibis.BaseBackend, contact_id: str, account_id: str, left: dt_.date, author: str,
                        previous: dt_.date | None) -> dict:
    """Record that a contact left on ``left``; returns the change."""
    with transaction(con) as raw:
        ensure(raw)
        change_id = raw.execute("SELECT coalesce(max(change_id), 0) + 1 FROM app_contact_changes").fetchone()[0]
        row = {"change_id": int(change_id), "contact_id": contact_id, "left": left, "author": author, "created_at": _now()}
        raw.execute('INSERT INTO app_contact_changes VALUES (?, ?, ?, ?, ?)', list(row.values()))
        audit(raw, author, "contact.left", account_id, _details({**row, "previous_left": previous}))
    return row


def insert_outcome(con: ibis.BaseBackend, row: dict, author: str) -> dict:
    """Store a new outcome with a new ``app-O<n>`` id; returns the row."""
    cols = ["outcome_id", *[c for c in COLUMNS["outcomes"] if c != "outcome_id"], "author", "created_at"]
    with transaction(con) as raw:
        ensure(raw)
        row = {"outcome_id": f"app-O{_next_number(raw, 'app_outcomes', 'outcome_id', 'app-O')}", **row,
               "author": author, "created_at": _now()}
        raw.execute(f"INSERT INTO app_outcomes ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [row[c] for c in cols])
        audit(raw, author, "outcome.add", row["account_id"], _details(row))
    return row


def insert_achievement(con: ibis.BaseBackend, outcome_id: str, account_id: str, achieved: float,
                       achieved_at: dt_.date, author: str, previous: dict) -> dict:
    """Record a new measured value of an outcome; returns the change."""
    with transaction(con) as raw:
        ensure(raw)
        change_id = raw.execute("SELECT coalesce(max(change_id), 0) + 1 FROM app_achievements").fetchone()[0]
        row = {"change_id": int(change_id), "outcome_id": outcome_id, "achieved": achieved, "achieved_at": achieved_at,
               "author": author, "created_at": _now()}
        raw.execute("INSERT INTO app_achievements VALUES (?, ?, ?, ?, ?, ?)", list(row.values()))
        audit(raw, author, "outcome.achievement", account_id, _details({**row, "previous": previous}))
    return row


def insert_acknowledgement(con: ibis.BaseBackend, row: dict, account_id: str, author: str) -> dict:
    """Store an acknowledgement; returns the row."""
    with transaction(con) as raw:
        ensure(raw)
        row = {**row, "author": author, "created_at": _now()}
        raw.execute("INSERT INTO app_acknowledgements VALUES (?, ?, ?, ?, ?, ?)",
                    [row[c] for c in ("outcome_id", "contact_id", "date", "statement", "author", "created_at")])
        audit(raw, author, "acknowledgement.add", account_id, _details(row))
    return row


def upsert_plan(con: ibis.BaseBackend, plan: dict, processes: dict[str, float], author: str,
                expected_version: int | None) -> dict:
    """Store an account's success plan, replacing its previous one; returns it with its new ``version``.

    With ``expected_version`` the write is refused (:class:`ConflictError` on ``expected_version``)
    unless the stored plan has that version (0: no plan yet): a client that edited an older
    plan does not silently overwrite a newer one.
    """
    account_id = plan["account_id"]
    with transaction(con) as raw:
        ensure(raw)
        old = raw.execute("SELECT version, created_at FROM success_plans WHERE account_id = ?", [account_id]).fetchone()
        version = 0 if old is None else int(old[0])
        if expected_version is not None and expected_version != version:
            raise ConflictError("expected_version", f"the stored plan of {account_id} is at version {version}, not "
                                                 f"{expected_version}; reload it and apply your change again")
        now = _now()
        row = {**plan, "version": version + 1, "author": author, "created_at": now if old is None else old[1],
               "updated_at": now}
        replaced = None
        if old is not None:  # the audit keeps what the write replaced
            prev = raw.execute("SELECT title, metric, baseline, target, closed_on, annual_value FROM success_plans "
                               "WHERE account_id = ?", [account_id]).fetchone()
            replaced = {**dict(zip(("title", "metric", "baseline", "target", "closed_on", "annual_value"), prev)),
                        "version": version, "processes": dict(raw.execute(
                            "SELECT process, criticality FROM success_plan_processes WHERE account_id = ? "
                            "ORDER BY process", [account_id]).fetchall())}
        raw.execute("DELETE FROM success_plans WHERE account_id = ?", [account_id])
        raw.execute("DELETE FROM success_plan_processes WHERE account_id = ?", [account_id])
        cols = ["account_id", "version", "title", "metric", "baseline", "target", "closed_on", "annual_value",
                "author", "created_at", "updated_at"]
        raw.execute(f"INSERT INTO success_plans ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [row[c] for c in cols])
        for process, criticality in processes.items():
            raw.execute("INSERT INTO success_plan_processes VALUES (?, ?, ?)", [account_id, process, criticality])
        audit(raw, author, "plan.set", account_id, _details({**row, "processes": processes, "replaced": replaced}))
    return {**row, "processes": dict(processes)}


RETRACTABLE = {
    # kind: (table, key columns, audit action)
    "contact": ("app_contacts", ("contact_id",), "contact.retract"),
    "outcome": ("app_outcomes", ("outcome_id",), "outcome.retract"),
    "acknowledgement": ("app_acknowledgements", ("outcome_id", "contact_id", "date"), "acknowledgement.retract"),
    "contact_left": ("app_contact_changes", ("change_id",), "contact.left_undo"),
}


def delete_app_row(con: ibis.BaseBackend, kind: str, key: dict, account_id: str, author: str, reason: str,
                   row: dict, cascade: tuple[tuple[str, str], ...] = ()) -> None:
    """Retract an app-written row (kind: a key of :data:`RETRACTABLE`) and audit it with the row and the reason.

    ``cascade``: (table, column) pairs of dependent app rows with ``column == key`` deleted too
    (a retracted outcome's measured values, a retracted contact's left dates).
    """
    table, columns, action = RETRACTABLE[kind]
    with transaction(con) as raw:
        ensure(raw)
        where = " AND ".join(f'"{c}" = ?' for c in columns)
        raw.execute(f'DELETE FROM "{table}" WHERE {where}', [key[c] for c in columns])
        for dep, column in cascade:
            raw.execute(f'DELETE FROM "{dep}" WHERE "{column}" = ?', [key[column]])
        audit(raw, author, action, account_id, _details({**row, "reason": reason}))


def record_audit(con: ibis.BaseBackend, author: str, action: str, target: str, details: dict) -> None:
    """An audit entry of its own (a rescore asked for by someone)."""
    with transaction(con) as raw:
        ensure(raw)
        audit(raw, author, action, target, details)


def annotate_audit(con: ibis.BaseBackend, action: str, target: str, extra: dict) -> None:
    """Add ``extra`` to the details of the newest audit entry of ``action`` on ``target``.

    Called right after the write (under the workspace's lock, so that entry is the write's own)
    to record what its rescore changed: the dates re-scored and the tier changes.
    """
    with transaction(con) as raw:
        ensure(raw)
        row = raw.execute('SELECT "at", details FROM audit_log WHERE action = ? AND target = ? ORDER BY "at" DESC LIMIT 1',
                          [action, target]).fetchone()
        if row is None:
            return
        details = json.dumps({**json.loads(row[1]), **extra}, default=str, sort_keys=True)
        raw.execute('UPDATE audit_log SET details = ? WHERE "at" = ? AND action = ? AND target = ?',
                    [details, row[0], action, target])


def _details(row: dict) -> dict:
    """The audited change: the row without its bookkeeping, JSON-ready (missing values null,
    dates ``YYYY-MM-DD`` whether they come from a request or from a stored row)."""
    def plain(v: object) -> object:
        if isinstance(v, (dict, list)) or v is None:
            return v
        if pd.isna(v):
            return None
        if isinstance(v, (pd.Timestamp, dt_.datetime)) and pd.Timestamp(v) == pd.Timestamp(v).normalize():
            return pd.Timestamp(v).date().isoformat()
        return v

    return json.loads(json.dumps({k: plain(v) for k, v in row.items() if k not in ("author", "created_at")}, default=str))


def criticality_overrides(con: ibis.BaseBackend, source: ibis.Table | None, catalogue: list[ibis.Table],
                          as_of: dt_.date | None = None) -> ibis.Table | None:
    """The engine's per-account criticality: source overrides, with success plans on top.

    An account with a success plan in force takes its process scope from the plan alone: the
    plan's processes at their criticality and every other catalogue process at 0. The plan
    wins over a source override row of the same account (it is the newer, account-specific
    statement).

    Parameters
    ----------
    source
        The stored ``criticality_overrides`` input, or None.
    catalogue
        Tables with a ``process`` column (process criticality, process features...).
    as_of
        Only plans closed on or before this date are in force (every plan when None).
    """
    if not has_plans(con):
        return source
    pp = con.table("success_plan_processes")
    if as_of is not None:
        plans = con.table("success_plans")
        pp = pp.semi_join(plans.filter(plans.closed_on <= as_of), "account_id")
    planned = pp.select("account_id").distinct()
    procs = ibis.union(*[t.select("process") for t in catalogue], distinct=True)
    if source is not None:
        procs = ibis.union(procs, source.select("process"), distinct=True)
    grid = planned.cross_join(procs)
    grid = grid.left_join(pp, ["account_id", "process"])
    expanded = grid.select(
        account_id=grid.account_id, process=grid.process,
        criticality=ibis.coalesce(grid.criticality, 0.0).cast("float64"),
    )
    if source is None:
        return expanded
    kept = source.select("account_id", "process", criticality=source.criticality.cast("float64"))
    kept = kept.anti_join(planned, "account_id")
    return ibis.union(kept, expanded)
