"""Golden tests for the daily usage fact: local days, deduplication, additive counts.

Every expected value is written by hand; comments show the time-zone arithmetic.
New York is EST (UTC-5) until 2022-03-13 07:00 UTC and from 2022-11-06 06:00 UTC,
EDT (UTC-4) in between. Berlin is CET (UTC+1) in March before the 27th.
"""

from __future__ import annotations

import datetime as dt
import math

import pyarrow as pa
import pytest

from goldpath.engine.facts import daily_usage, dedupe_events, local_calendar, with_local_day

NY = "America/New_York"


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _fact_rows(fact) -> list[tuple]:
    """The fact as sorted tuples ``(account, user, day, feature, events, quantity, value)``, nulls as None."""
    df = fact.to_pandas()
    out = []
    for r in df.itertuples(index=False):
        user = None if r.user_id is None or (isinstance(r.user_id, float) and math.isnan(r.user_id)) else r.user_id
        value = None if r.value is None or math.isnan(r.value) else float(r.value)
        day = r.day.date() if hasattr(r.day, "date") else r.day
        out.append((r.account_id, user, day, r.feature, int(r.events), float(r.quantity), value))
    return sorted(out, key=lambda t: (t[0], t[1] or "", t[2], t[3]))


@pytest.mark.parametrize(
    ("utc", "zone", "expected"),
    [
        # 03:30 UTC - 5 h (EST) = 22:30 the day before.
        ("2022-03-02 03:30:00", NY, "2022-03-01"),
        # 04:59 UTC - 5 h = 23:59, still the day before; 05:00 UTC - 5 h = midnight.
        ("2022-03-02 04:59:00", NY, "2022-03-01"),
        ("2022-03-02 05:00:00", NY, "2022-03-02"),
        # Spring forward: DST starts 2022-03-13 07:00 UTC. 06:30 UTC - 5 h = 01:30 EST.
        ("2022-03-13 06:30:00", NY, "2022-03-13"),
        # 04:30 UTC - 5 h = 23:30 EST on the 12th (a fixed EDT offset would give 00:30 on the 13th).
        ("2022-03-13 04:30:00", NY, "2022-03-12"),
        # 04:30 UTC - 4 h = 00:30 EDT on the 14th (a fixed EST offset would give 23:30 on the 13th).
        ("2022-03-14 04:30:00", NY, "2022-03-14"),
        # Fall back: DST ends 2022-11-06 06:00 UTC. 05:30 UTC - 4 h = 01:30 EDT.
        ("2022-11-06 05:30:00", NY, "2022-11-06"),
        # 06:30 UTC - 5 h = 01:30 EST, the second 01:30 of the day.
        ("2022-11-06 06:30:00", NY, "2022-11-06"),
        # 03:30 UTC - 4 h = 23:30 EDT on the 5th.
        ("2022-11-06 03:30:00", NY, "2022-11-05"),
        # 04:30 UTC - 5 h = 23:30 EST on the 6th (a fixed EDT offset would give 00:30 on the 7th).
        ("2022-11-07 04:30:00", NY, "2022-11-06"),
        # 23:30 UTC + 1 h (CET) = 00:30 the next day.
        ("2022-03-01 23:30:00", "Europe/Berlin", "2022-03-02"),
        # No zone means UTC.
        ("2022-03-02 03:30:00", None, "2022-03-02"),
        ("2022-03-02 03:30:00", "UTC", "2022-03-02"),
    ],
)
def test_local_day(con, utc: str, zone: str | None, expected: str) -> None:
    """A UTC timestamp falls on the calendar day of its wall-clock time in the zone."""
    data = pa.table(
        {"ts": pa.array([dt.datetime.fromisoformat(utc)], pa.timestamp("us")), "zone": pa.array([zone], pa.string())}
    )
    t = con.create_table(f"local_day_{abs(hash((utc, zone)))}", data, temp=True, overwrite=True)
    utc_day = dt.date.fromisoformat(utc[:10])
    got = with_local_day(t, local_calendar([zone], utc_day, utc_day), ts="ts").to_pandas()["day"].iloc[0]
    got = got.date() if hasattr(got, "date") else got
    assert got == _d(expected)


def test_dedupe_keeps_first_row_of_each_event(events) -> None:
    """Same ``event_id``, or same account/user/feature/time without one, keeps the lowest ``_row``."""
    raw = events(
        [
            # Physical order is not row order: row 2 comes first but row 1 wins.
            (2, "utc", "u1", "view", "2022-03-01 10:07:00", "e1", 9.0),  # retry of e1: dropped
            (1, "utc", "u1", "view", "2022-03-01 10:00:00", "e1", 2.0),  # kept
            (3, "utc", "u1", "view", "2022-03-01 11:00:00", None, None),  # kept
            (4, "utc", "u1", "view", "2022-03-01 11:00:00", None, 5.0),  # same natural key as 3: dropped
            (5, "utc", None, "export", "2022-03-01 12:00:00", None),  # kept
            (6, "utc", None, "export", "2022-03-01 12:00:00", None),  # null users match: dropped
            (7, "utc", "u2", "view", "2022-03-01 11:00:00", None),  # other user: kept
            (8, "utc", "u1", "edit", "2022-03-01 11:00:00", None),  # other feature: kept
            (9, "utc", "u1", "view", "2022-03-01 11:00:01", None),  # one second later: kept
            (10, "ny", "u1", "view", "2022-03-01 11:00:00", None),  # other account: kept
            (11, "utc", "u3", "view", "2022-03-01 13:00:00", "e20"),  # two ids, same content:
            (12, "utc", "u3", "view", "2022-03-01 13:00:00", "e21"),  # both kept
        ]
    )
    kept = dedupe_events(raw).to_pandas().sort_values("_row")
    # 12 rows - dropped {2, 4, 6} = 9 rows.
    assert kept["_row"].tolist() == [1, 3, 5, 7, 8, 9, 10, 11, 12]
    # The first row's own values survive: e1 keeps quantity 2 (not the retry's 9), row 3 keeps null.
    q = dict(zip(kept["_row"], kept["quantity"]))
    assert q[1] == 2.0
    assert math.isnan(q[3])
    assert list(kept.columns) == ["account_id", "user_id", "feature", "timestamp", "event_id", "quantity", "value", "_row"]


@pytest.fixture(scope="module")
def fact_inputs(accounts, events):
    """Accounts in New York, UTC (no zone) and Berlin, with events including two duplicates."""
    acc = accounts(
        [
            ("ny", "mid", 10, "2021-01-01", NY),
            ("utc", "mid", 10, "2021-01-01", None),
            ("berlin", "mid", 10, "2021-01-01", "Europe/Berlin"),
        ]
    )
    rows = [
        (1, "ny", "u1", "view", "2022-03-02 03:30:00"),  # 22:30 EST 03-01
        (2, "ny", "u1", "view", "2022-03-01 15:00:00", None, 2.0),  # 10:00 EST 03-01
        (3, "ny", "u1", "view", "2022-03-02 05:30:00", None, None, 5.5),  # 00:30 EST 03-02
        (4, "ny", "u1", "view", "2022-03-02 05:30:00", None, 100.0, 7.0),  # duplicate of row 3
        (5, "ny", None, "view", "2022-03-01 16:00:00", None, 4.0),  # 11:00 EST 03-01, no user
        (6, "ny", "u1", "edit", "2022-03-01 16:00:00", None, 0.0),  # quantity 0 stays 0
        (7, "utc", "u1", "view", "2022-03-02 03:30:00", None, None, 1.25),  # UTC day 03-02
        (8, "utc", "u1", "view", "2022-03-02 20:00:00", "x", None, 2.0),
        (9, "utc", "u1", "view", "2022-03-02 20:30:00", "x", None, 50.0),  # retry of x
        (10, "berlin", "u2", "view", "2022-03-01 23:30:00"),  # 00:30 CET 03-02
        (11, "ny", "u2", "view", "2022-03-13 06:30:00"),  # 01:30 EST 03-13
        (12, "ny", "u2", "view", "2022-11-06 05:30:00"),  # 01:30 EDT 11-06
        (13, "ny", "u2", "view", "2022-11-07 04:30:00"),  # 23:30 EST 11-06
    ]
    return acc, rows


# (account, user, day, feature, events, quantity, value) computed by hand from fact_inputs.
EXPECTED_FACT = [
    # rows 5 and 6 have no event_id and differ in feature/user, so both stay.
    ("berlin", "u2", _d("2022-03-02"), "view", 1, 1.0, None),  # row 10; quantity null -> 1
    ("ny", None, _d("2022-03-01"), "view", 1, 4.0, None),  # row 5
    ("ny", "u1", _d("2022-03-01"), "edit", 1, 0.0, None),  # row 6
    ("ny", "u1", _d("2022-03-01"), "view", 2, 1.0 + 2.0, None),  # rows 1, 2; values all null -> null
    ("ny", "u1", _d("2022-03-02"), "view", 1, 1.0, 5.5),  # row 3 (row 4 dropped: not 101 / 12.5)
    ("ny", "u2", _d("2022-03-13"), "view", 1, 1.0, None),  # row 11
    ("ny", "u2", _d("2022-11-06"), "view", 2, 1.0 + 1.0, None),  # rows 12, 13: both 11-06 local
    ("utc", "u1", _d("2022-03-02"), "view", 2, 1.0 + 1.0, 1.25 + 2.0),  # rows 7, 8 (9 dropped)
]


def test_daily_usage_golden(fact_inputs, events) -> None:
    """The fact groups deduplicated events by account, user, local day and feature."""
    acc, rows = fact_inputs
    fact = daily_usage(dedupe_events(events(rows)), acc)
    assert list(fact.columns) == ["account_id", "user_id", "day", "feature", "events", "quantity", "value"]
    assert _fact_rows(fact) == EXPECTED_FACT


def test_duplicates_do_not_change_the_fact(fact_inputs, events) -> None:
    """Dropping the duplicate rows (4 and 9) by hand gives the same fact."""
    acc, rows = fact_inputs
    with_dups = _fact_rows(daily_usage(dedupe_events(events(rows)), acc))
    without = _fact_rows(daily_usage(dedupe_events(events([r for r in rows if r[0] not in (4, 9)])), acc))
    assert with_dups == without == EXPECTED_FACT
