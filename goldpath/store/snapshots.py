"""Writing and reading the store: one DuckDB file in the workspace by default.

Writes happen in one transaction each, so a failure leaves the previous state intact;
re-scoring a date deletes that date's rows before inserting (idempotent reruns).
"""

from __future__ import annotations

import datetime as dt_
import json
from contextlib import contextmanager
from typing import Iterator

import ibis
import pandas as pd

#: Columns of snapshot tables that may be absent (nothing stored yet), for empty reads.
SNAPSHOT_COLUMNS: dict[str, list[str]] = {}


@contextmanager
def transaction(con: ibis.BaseBackend) -> Iterator[object]:
    """Run a block in one DuckDB transaction on the raw connection; roll back on error."""
    raw = con.con
    raw.execute("BEGIN TRANSACTION")
    try:
        yield raw
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    raw.execute("COMMIT")


def _replace_from_df(raw: object, name: str, df: pd.DataFrame) -> None:
    raw.register("_incoming", df)
    try:
        raw.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _incoming')
    finally:
        raw.unregister("_incoming")


def _append_df(raw: object, name: str, df: pd.DataFrame) -> None:
    raw.register("_incoming", df)
    try:
        if _exists(raw, name):
            raw.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM _incoming')
        else:
            raw.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _incoming')
    finally:
        raw.unregister("_incoming")


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """Give all-empty text columns a text type: DuckDB would otherwise guess INTEGER for them."""
    empty = [c for c in df.columns if df[c].dtype == object and df[c].isna().all()]
    return df.astype({c: "string" for c in empty}) if empty else df


def _add_new_columns(raw: object, name: str, df: pd.DataFrame) -> None:
    """Add columns that a newer goldpath writes to a table an older one created (NULL in old rows).

    DuckDB does not allow altering and inserting into a table in one transaction, so this
    runs before the write's transaction.
    """
    if not _exists(raw, name):
        return
    have = {r[0] for r in raw.execute(f'DESCRIBE "{name}"').fetchall()}
    have_types = {r[0]: r[1] for r in raw.execute(f'DESCRIBE "{name}"').fetchall()}
    raw.register("_incoming", df)
    try:
        for col, typ, *_ in raw.execute("DESCRIBE _incoming").fetchall():
            if col not in have:
                raw.execute(f'ALTER TABLE "{name}" ADD COLUMN "{col}" {typ}')
            elif have_types[col] != typ and raw.execute(
                f'SELECT count("{col}") FROM "{name}"'
            ).fetchone()[0] == 0:
                # A column that never held a value was typed by a guess; retype it.
                raw.execute(f'ALTER TABLE "{name}" ALTER "{col}" TYPE {typ}')
    finally:
        raw.unregister("_incoming")


def _exists(raw: object, name: str) -> bool:
    return bool(
        raw.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'", [name]
        ).fetchone()[0]
    )


#: Tables a load stages in the store before its transaction puts them in place.
STAGING_PREFIX = "_staging_fact_"


def drop_staging(con: ibis.BaseBackend) -> None:
    """Drop staging tables a load left behind (one that failed before its transaction)."""
    for table in con.list_tables():
        if table.startswith(STAGING_PREFIX):
            con.con.execute(f'DROP TABLE IF EXISTS "{table}"')


def write_inputs(
    con: ibis.BaseBackend,
    tables: dict[str, str],
    load_log: pd.DataFrame,
    problems: pd.DataFrame,
    fact: tuple[str, str, dt_.date | None],
    fact_meta: dict,
) -> None:
    """Store a load in one transaction: accepted tables, the daily fact, the log and the quarantine.

    Parameters
    ----------
    tables
        Store table name -> name of the temporary table (or SQL-visible relation) to copy.
    fact
        ``(fact table, new rows, from_day)``: with ``from_day`` the stored rows from that day
        on are replaced by the new ones; without it the whole fact is replaced.
    fact_meta
        What the fact was built with (time zones), to know when a full rebuild is due.
    """
    stale = [t for t in con.list_tables() if t.startswith("input_") and t not in tables]
    name, source, from_day = fact
    with transaction(con) as raw:
        for old in stale:  # a source removed from goldpath.yaml must not keep feeding scores
            raw.execute(f'DROP TABLE "{old}"')
        for table, src in tables.items():
            raw.execute(f'CREATE OR REPLACE TABLE "{table}" AS SELECT * FROM {src}')
        if from_day is None and source.startswith(STAGING_PREFIX):
            raw.execute(f'DROP TABLE IF EXISTS "{name}"')  # the staged fact becomes the fact: no copy
            raw.execute(f'ALTER TABLE "{source}" RENAME TO "{name}"')
        elif from_day is None:
            raw.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM {source}')
        else:
            raw.execute(f'DELETE FROM "{name}" WHERE day >= ?', [from_day])
            raw.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM "{source}"')
            if source.startswith(STAGING_PREFIX):
                raw.execute(f'DROP TABLE "{source}"')
        _account_days(raw, name, from_day)
        _replace_from_df(raw, "load_log", load_log)
        _replace_from_df(raw, "quarantine", problems)
        _replace_from_df(raw, "fact_meta", pd.DataFrame([{"meta": json.dumps(fact_meta, sort_keys=True)}]))


#: Per account, the first day of the fact and the first day with a user id (``users_unknown``).
ACCOUNT_DAYS = "account_days"


def _account_days(raw: object, fact: str, from_day: dt_.date | None) -> None:
    """Keep :data:`ACCOUNT_DAYS` in step with the fact, so no scoring run scans the whole fact for it.

    After an incremental load (fact days from ``from_day`` replaced) a first day before
    ``from_day`` still holds; otherwise it is the first day among the new rows.
    """
    rollup = (f'SELECT account_id, min(day) AS first_day, min(day) FILTER (WHERE user_id IS NOT NULL) AS first_user_day '
              f'FROM "{fact}"')
    if from_day is None or not _exists(raw, ACCOUNT_DAYS):
        raw.execute(f'CREATE OR REPLACE TABLE "{ACCOUNT_DAYS}" AS {rollup} GROUP BY account_id')
        return
    raw.execute(
        f'CREATE OR REPLACE TEMP TABLE "_account_days_new" AS {rollup} WHERE day >= ? GROUP BY account_id', [from_day])
    raw.execute(
        f'CREATE OR REPLACE TABLE "{ACCOUNT_DAYS}" AS SELECT coalesce(o.account_id, n.account_id) AS account_id, '
        f'CASE WHEN o.first_day < ? THEN o.first_day ELSE n.first_day END AS first_day, '
        f'CASE WHEN o.first_user_day < ? THEN o.first_user_day ELSE n.first_user_day END AS first_user_day '
        f'FROM "{ACCOUNT_DAYS}" o FULL JOIN "_account_days_new" n ON o.account_id = n.account_id', [from_day, from_day])
    raw.execute('DROP TABLE "_account_days_new"')


def fact_meta(con: ibis.BaseBackend) -> dict | None:
    """What the stored daily fact was built with, or None."""
    if not has_table(con, "fact_meta"):
        return None
    rows = con.con.execute("SELECT meta FROM fact_meta").fetchall()
    return json.loads(rows[0][0]) if rows else None


def write_snapshots(con: ibis.BaseBackend, as_of: list[dt_.date], frames: dict[str, pd.DataFrame]) -> None:
    """Replace the rows of the given as-of dates in each snapshot table, in one transaction."""
    raw = con.con
    frames = {name: _typed(df) for name, df in frames.items()}
    for name, df in frames.items():
        # An empty table carries no types worth keeping (an empty frame infers none):
        # it is recreated from the first rows there are.
        if _exists(raw, name) and raw.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == 0:
            raw.execute(f'DROP TABLE "{name}"')
        _add_new_columns(raw, name, df)
    with transaction(con) as raw:
        for name, df in frames.items():
            if _exists(raw, name):
                raw.execute(f'DELETE FROM "{name}" WHERE as_of IN (SELECT unnest(?::DATE[]))', [list(as_of)])
            if len(df):
                _append_df(raw, name, df)


def has_table(con: ibis.BaseBackend, name: str) -> bool:
    """Whether the store has a table called ``name``."""
    return name in con.list_tables()


def read_snapshot(con: ibis.BaseBackend, name: str, as_of: dt_.date, account_id: str | None = None) -> pd.DataFrame:
    """Rows of one snapshot table for a date (and optionally one account); empty when none were stored."""
    if not has_table(con, name):
        return pd.DataFrame(columns=SNAPSHOT_COLUMNS.get(name, ["as_of", "account_id"]))
    t = con.table(name)
    t = t.filter(t.as_of == as_of)
    if account_id is not None:
        t = t.filter(t.account_id == account_id)
    return t.to_pandas()


def latest_as_of(con: ibis.BaseBackend) -> dt_.date | None:
    """The most recent as-of date with stored scores."""
    if not has_table(con, "scores"):
        return None
    t = con.table("scores")
    value = t.as_of.max().to_pandas()
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def scored_dates(con: ibis.BaseBackend) -> list[dt_.date]:
    """Every as-of date with stored scores, oldest first."""
    if not has_table(con, "scores"):
        return []
    values = con.table("scores").as_of.name("as_of").as_table().distinct().order_by("as_of").to_pandas()["as_of"]
    return [pd.Timestamp(v).date() for v in values]


def delete_dates(con: ibis.BaseBackend, dates: list[dt_.date]) -> None:
    """Remove every snapshot table's rows of ``dates`` in one transaction."""
    with transaction(con) as raw:
        for name in ("scores", "score_measures", "gold_evidence", "rollups"):
            if _exists(raw, name):
                raw.execute(f'DELETE FROM "{name}" WHERE as_of IN (SELECT unnest(?::DATE[]))', [list(dates)])
