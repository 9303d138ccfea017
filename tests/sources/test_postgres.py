"""PostgreSQL tables as sources, against a real server (.ci/run starts one)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from goldpath import Workspace
from goldpath.errors import SourceError
from goldpath.sources.readers import read_database

URL = os.environ.get("GOLDPATH_TEST_POSTGRES")
MODEL = (Path(__file__).resolve().parents[2] / "examples" / "crm" / "model.yaml").read_text()

if URL is None and os.environ.get("CI"):
    raise RuntimeError("CI must provide a PostgreSQL server in GOLDPATH_TEST_POSTGRES (see .ci/run)")
pytestmark = [pytest.mark.postgres, pytest.mark.skipif(URL is None, reason="no GOLDPATH_TEST_POSTGRES server")]


@pytest.fixture()
def tables():
    """Contract tables in Postgres under unique names; dropped afterwards."""
    import psycopg

    tag = uuid.uuid4().hex[:8]
    names = {n: f"{n}_{tag}" for n in ("accounts", "events", "pf", "pc")}
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute(f"""CREATE TABLE {names['accounts']} (account_id text, name text, segment text, arr numeric,
                         seats integer, contract_start date, renewal_date date)""")
        conn.execute(f"""INSERT INTO {names['accounts']} VALUES
                         ('A1', 'Acme', 'basic', 1000, 2, '2022-01-01', '2023-01-01'),
                         ('A2', 'Beta', 'basic', 500, 0, '2022-01-01', '2023-01-01')""")
        conn.execute(f"CREATE TABLE {names['events']} (company text, user_id text, feature text, ts timestamptz)")
        conn.execute(f"""INSERT INTO {names['events']}
                         SELECT 'A1', 'u' || u, f, timestamptz '2022-02-01 12:00+00' + d * interval '1 day'
                         FROM generate_series(0, 27) d, generate_series(1, 2) u,
                              unnest(array['add_contact', 'meeting']) f""")
        conn.execute(f"CREATE TABLE {names['pf']} (feature text, process text)")
        conn.execute(f"INSERT INTO {names['pf']} VALUES ('add_contact', 'contacts'), ('meeting', 'meetings')")
        conn.execute(f"CREATE TABLE {names['pc']} (process text, segment text, criticality numeric)")
        conn.execute(f"INSERT INTO {names['pc']} VALUES ('contacts', '*', 5), ('meetings', '*', 4)")
        yield names
        for t in names.values():
            conn.execute(f"DROP TABLE IF EXISTS {t}")


def test_workspace_reads_postgres_tables(tmp_path, tables):
    (tmp_path / "model.yaml").write_text(MODEL)
    (tmp_path / "goldpath.yaml").write_text(
        "model: model.yaml\nsources:\n"
        f"  accounts: {{url: '{URL}', table: {tables['accounts']}}}\n"
        f"  events: {{url: '{URL}', table: {tables['events']}, columns: {{account_id: company, timestamp: ts}}}}\n"
        f"  process_features: {{url: '{URL}', table: {tables['pf']}}}\n"
        f"  process_criticality: {{url: '{URL}', table: {tables['pc']}}}\n"
    )
    with Workspace(tmp_path) as ws:
        report = ws.load()
        scores = ws.score("2022-02-28", load=False)
    log = report.log.set_index("table")
    assert log.loc["events", "rows_accepted"] == 112  # 28 days x 2 users x 2 features
    # A2 has 0 seats: quarantined, named by table and row
    p = report.problems
    assert p[["file", "column"]].values.tolist() == [[f"{tables['accounts']} (database table)", "seats"]]
    assert list(scores["account_id"]) == ["A1"] and scores["engagement"].iloc[0] > 0


def test_missing_table_and_unreachable_server():
    with pytest.raises(SourceError, match="no table 'nope'"):
        read_database(URL, "nope", label="nope")
    with pytest.raises(SourceError, match="cannot connect"):
        read_database("postgresql://goldpath@127.0.0.1:1/postgres", "x", label="x")
