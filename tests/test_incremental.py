"""Incremental daily fact (lookback, late events, duplicates, time zones) and histories in one pass."""

from __future__ import annotations

import datetime as dt_
import random
import shutil
from pathlib import Path

import pandas as pd
import pytest

from goldpath.errors import GoldpathError
from goldpath.store.snapshots import scored_dates
import goldpath.workspace as workspace_module
from goldpath.workspace import FACT_TABLE, Workspace, history_dates

CONFIG = """\
name: incremental-test
engine: {type: duckdb, path: store.duckdb}
model: model.yaml
lookback_days: 7
week_start: mon
sources:
  accounts: data/accounts.csv
  events: data/events.csv
  process_features: data/process_features.csv
  process_criticality: data/process_criticality.csv
"""

# Trimmed from examples/crm/model.yaml: no segments, no signals; a percentile scheme and a
# trend condition so that one-pass histories have something to get wrong.
MODEL = """\
name: tiny
window_days: 28
working_days: [mon, tue, wed, thu, fri]
params:
  key_feature_min_users: 1
  critical_min: 4
  key_features: {default: [add_contact, add_lead, meeting, quote]}
engagement:
  min_coverage: 0.5
  measures:
    active_seat_ratio: {weight: 35, scheme: {type: linear, min: 0.2, max: 0.9}}
    stickiness:
      weight: 20
      scheme: {type: bands, bands: [{max: 0.2, score: 0}, {min: 0.2, max: 0.5, score: 50}, {min: 0.5, score: 100}]}
    active_days_per_active_user: {weight: 15, scheme: {type: linear, min: 2, max: 15}}
    key_feature_adoption: {weight: 30, scheme: {type: linear, min: 0.25, max: 1.0}}
indispensability:
  min_coverage: 0.5
  measures:
    process_coverage: {weight: 40, scheme: {type: linear, min: 0.2, max: 1.0}}
    critical_process_regularity: {weight: 35, scheme: {type: linear, min: 0.1, max: 0.8}}
    critical_process_reach: {weight: 25, scheme: {type: percentile}}
tiers:
  default:
    - {tier: green, when: {engagement: {min: 60}, indispensability: {min: 50}, engagement_trend: {min: -20}}}
    - {tier: yellow, when: {engagement: {min: 30}}}
    - {tier: red}
trend_days: 28
"""

ACCOUNTS = """\
account_id,name,segment,arr,seats,contract_start,renewal_date,parent_id,timezone
A1,Alpha,basic,12000,4,2022-01-01,2023-01-01,,UTC
A2,Beta,basic,6000,5,2022-01-01,2023-01-01,,America/New_York
A3,Gamma,basic,24000,6,2022-01-01,2023-01-01,,Asia/Tokyo
A4,Delta,basic,3000,3,2022-01-01,2023-01-01,,Europe/Berlin
"""
PROCESS_FEATURES = "feature,process\nadd_contact,contacts\nadd_lead,leads\nmeeting,meetings\nquote,pipeline\nreport,reporting\n"
PROCESS_CRITICALITY = "process,segment,criticality\ncontacts,*,5\nleads,*,4\nmeetings,*,4\npipeline,*,3\nreporting,*,1\n"
FEATURES = ["add_contact", "add_lead", "meeting", "quote", "report"]
EVENT_COLUMNS = ["account_id", "user_id", "feature", "timestamp", "event_id"]

# The newest stored local day is 2022-05-01 (A3 is in Tokyo, events run to 2022-04-30 UTC),
# so with a lookback of 7 days an incremental load re-aggregates from 2022-04-24 on.
LOOKBACK_FROM = dt_.date(2022, 4, 24)
HISTORY = [dt_.date(2022, 4, 3) + dt_.timedelta(days=7 * i) for i in range(5)]  # 04-03 .. 05-01


def _events() -> pd.DataFrame:
    """A few hundred seeded events, 2022-03-01 to 2022-04-30 UTC; every fifth without an event id."""
    rng = random.Random(7)
    rows, n = [], 0
    for acc, users, p in [("A1", 4, 0.6), ("A2", 3, 0.3), ("A3", 6, 0.5), ("A4", 2, 0.15)]:
        for day in pd.date_range("2022-03-01", "2022-04-30"):
            for u in range(users):
                if rng.random() < p:
                    n += 1
                    ts = day + pd.Timedelta(hours=rng.randrange(24), minutes=rng.randrange(60))
                    rows.append((acc, f"{acc}u{u}", rng.choice(FEATURES[: 2 + users]),
                                 ts.strftime("%Y-%m-%d %H:%M:%S"), "" if n % 5 == 0 else f"e{n}"))
    return pd.DataFrame(rows, columns=EVENT_COLUMNS)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A small workspace, loaded once (no scores); tests work on copies of it."""
    root = tmp_path_factory.mktemp("incremental") / "template"
    (root / "data").mkdir(parents=True)
    (root / "goldpath.yaml").write_text(CONFIG)
    (root / "model.yaml").write_text(MODEL)
    (root / "data" / "accounts.csv").write_text(ACCOUNTS)
    (root / "data" / "process_features.csv").write_text(PROCESS_FEATURES)
    (root / "data" / "process_criticality.csv").write_text(PROCESS_CRITICALITY)
    _events().to_csv(root / "data" / "events.csv", index=False)
    with Workspace(root) as ws:
        report = ws.load()
        assert "full rebuild" in report.notes[0]
    return root


@pytest.fixture
def root(template: Path, tmp_path: Path) -> Path:
    """A private copy of the loaded template workspace."""
    return Path(shutil.copytree(template, tmp_path / "ws"))


def _fact(ws: Workspace) -> pd.DataFrame:
    """The stored daily fact, in a canonical order."""
    df = ws.con.table(FACT_TABLE).to_pandas()
    df["day"] = pd.to_datetime(df["day"]).dt.strftime("%Y-%m-%d")
    keys = ["account_id", "user_id", "day", "feature"]
    return df.sort_values(keys).reset_index(drop=True)[[*keys, "events", "quantity", "value"]]


def _account_days(ws: Workspace) -> pd.DataFrame:
    """The stored first days per account, and the same computed from the whole stored fact."""
    stored = ws.con.table("account_days").to_pandas().sort_values("account_id").reset_index(drop=True)
    f = ws.con.table(FACT_TABLE)
    fresh = f.group_by("account_id").aggregate(first_day=f.day.min(), first_user_day=f.day.min(where=f.user_id.notnull()))
    return stored[["account_id", "first_day", "first_user_day"]], fresh.to_pandas().sort_values("account_id").reset_index(drop=True)


def _scores(ws: Workspace) -> pd.DataFrame:
    """Every stored score row, without ``computed_at``, in a canonical order."""
    df = ws.con.table("scores").to_pandas().drop(columns="computed_at")
    df["as_of"] = pd.to_datetime(df["as_of"]).dt.date
    return df.sort_values(["as_of", "account_id"]).reset_index(drop=True)


def _append(root: Path, rows: list[tuple]) -> None:
    """Append event rows to the workspace's events file."""
    path = root / "data" / "events.csv"
    events = pd.read_csv(path, dtype=str, keep_default_na=False)
    extra = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    pd.concat([events, extra], ignore_index=True).to_csv(path, index=False)


def test_rerun_on_the_same_input_changes_nothing(root: Path):
    """A second incremental load of unchanged sources leaves the fact and the scores as they were."""
    with Workspace(root) as ws:
        ws.score_history(HISTORY[2], HISTORY[-1], "7d", load=False)
        fact, scores = _fact(ws), _scores(ws)
        report = ws.load()
        assert report.notes[0].startswith(f"events: incremental load, days from {LOOKBACK_FROM}")
        pd.testing.assert_frame_equal(_fact(ws), fact)
        ws.score_history(HISTORY[2], HISTORY[-1], "7d", load=False)
        pd.testing.assert_frame_equal(_scores(ws), scores)
    assert fact["events"].sum() == len(_events())


def test_late_events_inside_the_lookback_are_picked_up(root: Path):
    """Late events after the lookback start reach the fact and only the snapshots that cover them."""
    with Workspace(root) as ws:
        ws.score_history(HISTORY[0], HISTORY[-1], "7d", load=False)
        before = _scores(ws)
        fact_before = _fact(ws)
    # A4 (Berlin) gets a third user on 2022-04-27 and 2022-04-28; A1 (UTC) one more event.
    late = [("A4", "A4u2", f, f"2022-04-{d} 10:00:00", f"late-{d}-{f}") for d in (27, 28) for f in FEATURES[:4]]
    late += [("A1", "A1u0", "report", "2022-04-26 09:00:00", "late-a1")]
    _append(root, late)
    with Workspace(root) as ws:
        report = ws.load()
        assert "incremental load" in report.notes[0]
        incremental = _fact(ws)
        added = incremental.merge(fact_before, how="left", indicator=True)
        assert set(added.loc[added["_merge"] == "left_only", "day"]) == {"2022-04-26", "2022-04-27", "2022-04-28"}
        assert incremental["events"].sum() == fact_before["events"].sum() + len(late)
        pd.testing.assert_frame_equal(*_account_days(ws))  # kept in step by the incremental load

        ws.score_history(HISTORY[0], HISTORY[-1], "7d", load=False)
        after = _scores(ws)
        report = ws.load(full=True)
        assert report.notes[0] == "events: full rebuild of the daily fact (asked for)"
        pd.testing.assert_frame_equal(_fact(ws), incremental)

    ended_before = before["as_of"] < dt_.date(2022, 4, 26)
    pd.testing.assert_frame_equal(after[ended_before], before[ended_before])
    last = pd.Timestamp(HISTORY[-1]).date()
    b = before[before["as_of"] == last].set_index("account_id")
    a = after[after["as_of"] == last].set_index("account_id")
    assert a.loc["A4", "engagement"] > b.loc["A4", "engagement"]
    assert a.loc["A4", "engagement_trend"] > b.loc["A4", "engagement_trend"]
    pd.testing.assert_series_equal(a.loc["A2"], b.loc["A2"])  # A2 and A3 got no late events ...
    assert a.loc["A3", "engagement"] == b.loc["A3", "engagement"]  # ... (A3's percentile may move)


def test_late_events_older_than_the_lookback_need_a_full_rebuild(root: Path):
    """Events dated before the lookback start are ignored incrementally and counted by ``full=True``."""
    with Workspace(root) as ws:
        fact_before = _fact(ws)
    old = [("A2", "A2u9", "meeting", "2022-04-12 15:00:00", "old-1"), ("A2", "A2u9", "quote", "2022-04-22 15:00:00", "")]
    _append(root, old)
    with Workspace(root) as ws:
        ws.load()
        pd.testing.assert_frame_equal(_fact(ws), fact_before)
        ws.load(full=True)
        full = _fact(ws)
    new = full[full["user_id"] == "A2u9"]
    assert list(new["day"]) == ["2022-04-12", "2022-04-22"]
    assert full["events"].sum() == fact_before["events"].sum() + 2


def test_duplicate_events_change_no_count(root: Path):
    """Repeated event ids and id-less repeats of (account, user, feature, timestamp) are dropped."""
    events = pd.read_csv(root / "data" / "events.csv", dtype=str, keep_default_na=False)
    with_id = events[events["event_id"] != ""]
    without_id = events[events["event_id"] == ""]
    recent_id = with_id[with_id["timestamp"] >= "2022-04-26"].iloc[0]
    old_id = with_id[with_id["timestamp"] < "2022-04-01"].iloc[0]
    recent_noid = without_id[without_id["timestamp"] >= "2022-04-26"].iloc[0]
    old_noid = without_id[without_id["timestamp"] < "2022-04-01"].iloc[0]
    utc = pd.Timestamp(recent_noid["timestamp"])
    dups = [
        tuple(recent_id),                                                    # exact copy
        (recent_id["account_id"], "someone-else", "report", "2022-04-29 08:00:00", recent_id["event_id"]),  # same id
        tuple(old_id),
        tuple(recent_noid),
        (*recent_noid[["account_id", "user_id", "feature"]], (utc + pd.Timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+02:00"), ""),
        tuple(old_noid),
    ]
    with Workspace(root) as ws:
        fact = _fact(ws)
        dropped = ws.con.table("load_log").to_pandas().set_index("table").loc["events", "duplicates_dropped"]
    _append(root, dups)
    with Workspace(root) as ws:
        report = ws.load()
        assert report.log.set_index("table").loc["events", "duplicates_dropped"] == dropped + len(dups)
        pd.testing.assert_frame_equal(_fact(ws), fact)
        ws.load(full=True)
        pd.testing.assert_frame_equal(_fact(ws), fact)


def test_a_time_zone_change_forces_a_full_rebuild(root: Path):
    """Moving an account to another time zone rebuilds the whole fact, even outside the lookback."""
    accounts = root / "data" / "accounts.csv"
    accounts.write_text(accounts.read_text().replace("A2,Beta,basic,6000,5,2022-01-01,2023-01-01,,America/New_York",
                                                     "A2,Beta,basic,6000,5,2022-01-01,2023-01-01,,Asia/Kolkata"))
    with Workspace(root) as ws:
        before = _fact(ws)
        report = ws.load()
        assert report.notes == ["events: full rebuild of the daily fact (the events source, its column mapping, the accounts or their time zones changed)"]
        rebuilt = _fact(ws)
        again = ws.load()  # the new zones are remembered: the next load is incremental again
        assert "incremental load" in again.notes[0]
    # Evening events in New York fall on the next day in Kolkata, in March too (before the lookback).
    a2_before, a2_after = before[before["account_id"] == "A2"], rebuilt[rebuilt["account_id"] == "A2"]
    assert a2_before["events"].sum() == a2_after["events"].sum()
    moved = a2_after.merge(a2_before, how="left", indicator=True)
    assert (moved.loc[moved["_merge"] == "left_only", "day"] < str(LOOKBACK_FROM)).any()
    others = ["A1", "A3", "A4"]
    pd.testing.assert_frame_equal(rebuilt[rebuilt["account_id"].isin(others)].reset_index(drop=True),
                                  before[before["account_id"].isin(others)].reset_index(drop=True))


@pytest.mark.parametrize("batch_account_dates", [400_000, 12], ids=["one batch", "batches of 3 dates"])
def test_history_in_one_pass_equals_dates_scored_in_order(root: Path, tmp_path: Path, monkeypatch, batch_account_dates):
    """``score_history`` stores exactly what scoring each date alone, oldest first, stores,
    whether it computes all dates in one batch or in batches (4 accounts x 3 dates) that
    read the trends of the batches before them from the store."""
    monkeypatch.setattr(workspace_module, "BATCH_ACCOUNT_DATES", batch_account_dates)
    other = Path(shutil.copytree(root, tmp_path / "other"))
    start, end = dt_.date(2022, 3, 27), dt_.date(2022, 5, 1)
    with Workspace(root) as ws:
        returned = ws.score_history(start, end, "7d", load=False)
        one_pass = _scores(ws)
    dates = history_dates(start, end, "7d")
    with Workspace(other) as ws:
        for d in dates:
            ws.score(d, load=False)
        one_by_one = _scores(ws)
    assert sorted(set(one_pass["as_of"])) == dates and len(one_pass) == 4 * len(dates)
    assert len(returned) == len(one_pass)
    pd.testing.assert_frame_equal(one_pass, one_by_one)
    # The comparison has teeth: trends exist from the fifth date (28 days in) on, and tiers differ.
    with_trend = one_pass.dropna(subset=["engagement_trend", "indispensability_trend"])
    assert sorted(set(with_trend["as_of"])) == dates[4:]
    assert one_pass["tier"].nunique() >= 2


@pytest.mark.parametrize(
    ("start", "end", "every", "week_start", "expected"),
    [
        ("2022-03-01", "2022-03-22", "7d", "mon", ["2022-03-01", "2022-03-08", "2022-03-15", "2022-03-22"]),
        ("2022-03-01", "2022-03-21", "7d", "mon", ["2022-03-01", "2022-03-08", "2022-03-15"]),
        ("2022-03-01", "2022-03-03", "1d", "mon", ["2022-03-01", "2022-03-02", "2022-03-03"]),
        ("2022-03-01", "2022-03-01", "3d", "mon", ["2022-03-01"]),
        ("2022-03-01", "2022-03-31", "2w", "mon", ["2022-03-01", "2022-03-15", "2022-03-29"]),
        ("2022-03-01", "2022-03-31", " 2W ", "sun", ["2022-03-01", "2022-03-15", "2022-03-29"]),
        # 2022-03-01 is a Tuesday: weeks starting Monday end on Sundays, starting Sunday on Saturdays.
        ("2022-03-01", "2022-03-31", "week", "mon", ["2022-03-06", "2022-03-13", "2022-03-20", "2022-03-27"]),
        ("2022-03-01", "2022-03-31", "week", "sun", ["2022-03-05", "2022-03-12", "2022-03-19", "2022-03-26"]),
        ("2022-03-06", "2022-03-13", "week", "mon", ["2022-03-06", "2022-03-13"]),
        ("2022-03-06", "2022-03-12", "week", "sun", ["2022-03-12"]),
        ("2022-03-01", "2022-03-31", "Week", "wed", ["2022-03-01", "2022-03-08", "2022-03-15", "2022-03-22", "2022-03-29"]),
    ],
)
def test_history_dates(start, end, every, week_start, expected):
    """Steps of N days, N weeks, or each week's last day for the configured first weekday."""
    got = history_dates(dt_.date.fromisoformat(start), dt_.date.fromisoformat(end), every, week_start)
    assert got == [dt_.date.fromisoformat(d) for d in expected]


@pytest.mark.parametrize("every", ["", "7", "d", "0d", "-1d", "1.5d", "7m", "weekly", "w7"])
def test_history_dates_rejects_a_bad_step(every):
    """Anything but Nd, Nw (N >= 1) or 'week' is an error that names the accepted forms."""
    with pytest.raises(GoldpathError, match="expected Nd"):
        history_dates(dt_.date(2022, 3, 1), dt_.date(2022, 3, 31), every)


def test_history_dates_rejects_an_end_before_the_start_and_an_empty_range():
    """An end before the start, and a range holding no week end, are errors."""
    with pytest.raises(GoldpathError, match="the end is before the start"):
        history_dates(dt_.date(2022, 3, 2), dt_.date(2022, 3, 1), "1d")
    with pytest.raises(GoldpathError, match="no week date between 2022-03-01 and 2022-03-04"):
        history_dates(dt_.date(2022, 3, 1), dt_.date(2022, 3, 4), "week", "mon")


def test_score_history_uses_the_workspace_week_start(root: Path):
    """``every='week'`` scores the last day of each week as goldpath.yaml defines weeks."""
    config = root / "goldpath.yaml"
    config.write_text(config.read_text().replace("week_start: mon", "week_start: sun"))
    with Workspace(root) as ws:
        scored = ws.score_history("2022-04-01", "2022-04-30", "week", load=False)
    assert sorted({str(d) for d in scored["as_of"]}) == ["2022-04-02", "2022-04-09", "2022-04-16", "2022-04-23", "2022-04-30"]


def test_score_history_returns_only_the_columns_asked_for(root: Path):
    """``columns`` narrows what a history returns, not what it stores; an unknown column is an error."""
    with Workspace(root) as ws:
        with pytest.raises(GoldpathError, match="columns: tiers not among the score columns"):
            ws.score_history("2022-04-01", "2022-04-30", "7d", load=False, columns=["as_of", "tiers"])
        slim = ws.score_history("2022-04-01", "2022-04-29", "7d", load=False, columns=["as_of", "account_id", "tier"])
        assert list(slim.columns) == ["as_of", "account_id", "tier"]
        stored = ws.scores("2022-04-29")
    newest = slim[slim["as_of"] == dt_.date(2022, 4, 29)].sort_values("account_id").reset_index(drop=True)
    assert len(stored) == 4 and len(slim) == 4 * 5
    pd.testing.assert_frame_equal(newest[["account_id", "tier"]],
                                  stored.sort_values("account_id").reset_index(drop=True)[["account_id", "tier"]])


def test_a_change_of_the_events_mapping_forces_a_full_rebuild(root: Path):
    """Mapping a column differently changes what every stored day means: the fact is rebuilt."""
    path = root / "data" / "events.csv"
    pd.read_csv(path, dtype=str, keep_default_na=False).rename(columns={"user_id": "uid"}).to_csv(path, index=False)
    config = (root / "goldpath.yaml").read_text()
    (root / "goldpath.yaml").write_text(
        config.replace("  events: data/events.csv\n", "  events: {path: data/events.csv, columns: {user_id: uid}}\n")
    )
    with Workspace(root) as ws:
        report = ws.load()
    assert report.notes[0].startswith("events: full rebuild")
    assert "column mapping" in report.notes[0]


def test_forget_deletes_one_snapshot(root: Path):
    """A date scored by mistake can be removed; the other dates stay."""
    with Workspace(root) as ws:
        ws.score_history(HISTORY[0], HISTORY[1], "7d", load=False)
        assert ws.forget(HISTORY[1]) == 4
        assert scored_dates(ws.con) == [HISTORY[0]]
        with pytest.raises(GoldpathError, match="has not been scored"):
            ws.forget(HISTORY[1])


def test_explain_defaults_to_the_date_this_session_scored(root: Path):
    """After score(D) in a session, explain() without a date explains D, even when a later date is stored."""
    with Workspace(root) as ws:
        ws.score(HISTORY[-1], load=False)
    with Workspace(root) as ws:
        ws.score(HISTORY[0], load=False)
        assert ws.explain("A1").as_of == HISTORY[0]
    with Workspace(root) as ws:  # a new session: the latest stored date
        assert ws.explain("A1").as_of == HISTORY[-1]


# -- Parquet folders: an incremental load reads only the lookback of unchanged files -------------

def _parquet_workspace(template: Path, dest: Path) -> Path:
    """The template's events as a folder of two monthly Parquet files (typed timestamps), one
    March row for an unknown account (quarantined), loaded once."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = Path(shutil.copytree(template, dest))
    for f in root.glob("store.duckdb*"):
        f.unlink()
    events = _events()
    events.loc[len(events)] = ("A9", "A9u0", "report", "2022-03-05 10:00:00", "bad1")  # no such account
    events["timestamp"] = pd.to_datetime(events["timestamp"])
    folder = root / "data" / "events"
    folder.mkdir()
    for name, month in (("part-03.parquet", 3), ("part-04.parquet", 4)):
        part = events[events["timestamp"].dt.month == month].reset_index(drop=True)
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False), folder / name)
    (root / "goldpath.yaml").write_text(CONFIG.replace("events: data/events.csv", "events: {path: data/events, format: parquet}"))
    with Workspace(root) as ws:
        ws.load()
    return root


def _add_may(root: Path, rows: list[tuple]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    extra = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    extra["timestamp"] = pd.to_datetime(extra["timestamp"])
    pq.write_table(pa.Table.from_pandas(extra, preserve_index=False), root / "data" / "events" / "part-05.parquet")


def test_an_incremental_parquet_load_reads_only_the_lookback_of_unchanged_files(template: Path, tmp_path: Path):
    """A new May file: March is not read again, yet the fact equals a full rebuild, the quarantined
    March row is still reported, and the late April event in the new file is counted."""
    root = _parquet_workspace(template, tmp_path / "ws")
    new = [("A1", "A1u0", "meeting", "2022-05-01 09:00:00", "m1"), ("A1", "A1u1", "quote", "2022-05-02 10:00:00", "m2"),
           ("A2", "A2u0", "add_contact", "2022-04-28 12:00:00", "m3"),  # late, inside the lookback
           ("A1", "A1u0", "meeting", "2022-05-01 09:00:00", "m1"),  # a retry of m1
           ("A9", "A9u1", "report", "2022-05-02 08:00:00", "bad2")]  # no such account
    _add_may(root, new)
    with Workspace(root) as ws:
        report = ws.load()
        assert any("were not read again" in n for n in report.notes), report.notes
        log = report.log.set_index("table").loc["events"]
        total = len(_events()) + 1 + len(new)
        assert log["rows_read"] < total / 2  # March and most of April were skipped
        assert log["duplicates_dropped"] == 1
        q = ws.quarantine()
        assert sorted(q.loc[q["table"] == "events", "value"].tolist()) == ["A9", "A9"]  # March's row kept, May's added
        incremental = _fact(ws)
        pd.testing.assert_frame_equal(*_account_days(ws))
        again = ws.load()  # a rerun of the same files changes nothing
        assert any("were not read again" in n for n in again.notes)
        pd.testing.assert_frame_equal(_fact(ws), incremental)
        ws.load(full=True)
        pd.testing.assert_frame_equal(_fact(ws), incremental)
        q_full = ws.quarantine()
    assert sorted(q_full["row"].tolist()) == sorted(q["row"].tolist())


def test_a_changed_parquet_file_is_read_whole_again(template: Path, tmp_path: Path):
    """Rewriting an older file (new rows, new size) means row numbers may move: everything is read."""
    import pyarrow.parquet as pq

    root = _parquet_workspace(template, tmp_path / "ws")
    march = root / "data" / "events" / "part-03.parquet"
    table = pq.read_table(march)
    pq.write_table(table.slice(0, table.num_rows - 1), march)
    with Workspace(root) as ws:
        report = ws.load()
    assert not any("were not read again" in n for n in report.notes)
    assert report.log.set_index("table").loc["events", "rows_read"] == len(_events())  # the A9 row was the last


def test_first_days_follow_an_account_whose_only_events_were_in_the_lookback(root: Path):
    """A5's only events are late ones inside the lookback; removing them again empties its first days."""
    accounts = root / "data" / "accounts.csv"
    accounts.write_text(accounts.read_text() + "A5,Epsilon,basic,1000,2,2022-01-01,2023-01-01,,UTC\n")
    with Workspace(root) as ws:
        ws.load(full=True)  # a new account changes the zones: one full load first
    events = (root / "data" / "events.csv").read_text()
    _append(root, [("A5", "", "report", "2022-04-27 10:00:00", "a5-1"), ("A5", "A5u0", "quote", "2022-04-28 10:00:00", "a5-2")])
    with Workspace(root) as ws:
        assert "incremental load" in ws.load().notes[0]
        stored, fresh = _account_days(ws)
        pd.testing.assert_frame_equal(stored, fresh)
        a5 = stored.set_index("account_id").loc["A5"]
        assert (str(a5["first_day"])[:10], str(a5["first_user_day"])[:10]) == ("2022-04-27", "2022-04-28")
    (root / "data" / "events.csv").write_text(events)
    with Workspace(root) as ws:
        ws.load()
        stored, fresh = _account_days(ws)
        assert stored.set_index("account_id").loc["A5"].isna().all() and "A5" not in set(fresh["account_id"])
        pd.testing.assert_frame_equal(stored.dropna().reset_index(drop=True), fresh)
