"""Local days from the portable calendar: hand-computed goldens around DST and odd offsets, and
a property test against :mod:`zoneinfo`.

Each golden states the offset in force and the wall-clock time it gives.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldpath.engine.facts import calendar_for, local_calendar, with_local_day
from goldpath.errors import GoldpathError


def _days(con, rows: list[tuple[str, str | None]]) -> list[dt.date]:
    """Local days of ``(UTC 'YYYY-MM-DD HH:MM:SS', zone)`` rows, computed in the engine."""
    stamps = [dt.datetime.fromisoformat(u) for u, _ in rows]
    data = pa.table({"ts": pa.array(stamps, pa.timestamp("us")), "zone": pa.array([z for _, z in rows], pa.string()),
                     "i": pa.array(range(len(rows)), pa.int64())})
    t = con.create_table(f"ld_{abs(hash(tuple(rows)))}", data, temp=True, overwrite=True)
    cal = local_calendar([z for _, z in rows], min(stamps).date(), max(stamps).date())
    df = with_local_day(t, cal, ts="ts").order_by("i").to_pandas()
    return [d.date() if hasattr(d, "date") else d for d in df["day"]]


GOLDEN = [
    # Asia/Kolkata, UTC+5:30 all year: midnight is 18:30 UTC.
    ("2022-03-01 18:29:59", "Asia/Kolkata", "2022-03-01"),  # 23:59:59
    ("2022-03-01 18:30:00", "Asia/Kolkata", "2022-03-02"),  # 00:00:00
    # Asia/Kathmandu, UTC+5:45: midnight is 18:15 UTC.
    ("2022-03-01 18:14:59", "Asia/Kathmandu", "2022-03-01"),  # 23:59:59
    ("2022-03-01 18:15:00", "Asia/Kathmandu", "2022-03-02"),  # 00:00:00
    # Kathmandu moved from +5:30 to +5:45 at 1986-01-01 00:00 local = 1985-12-31 18:30 UTC:
    # the offset change and the midnight are the same second.
    ("1985-12-31 18:29:59", "Asia/Kathmandu", "1985-12-31"),  # 23:59:59 (+5:30)
    ("1985-12-31 18:30:00", "Asia/Kathmandu", "1986-01-01"),  # 00:15:00 (+5:45)
    # America/St_Johns, UTC-3:30 (NST) until 2022-03-13 02:00 local = 05:30 UTC, then -2:30.
    ("2022-03-13 03:29:59", "America/St_Johns", "2022-03-12"),  # 23:59:59 NST
    ("2022-03-13 03:30:00", "America/St_Johns", "2022-03-13"),  # 00:00:00 NST
    ("2022-03-14 02:29:59", "America/St_Johns", "2022-03-13"),  # 23:59:59 NDT
    ("2022-03-14 02:30:00", "America/St_Johns", "2022-03-14"),  # 00:00:00 NDT
    # Australia/Lord_Howe: half-hour DST. +11 until 2022-04-03 02:00 local = 04-02 15:00 UTC, then +10:30.
    ("2022-04-02 12:59:59", "Australia/Lord_Howe", "2022-04-02"),  # 23:59:59 (+11)
    ("2022-04-02 13:00:00", "Australia/Lord_Howe", "2022-04-03"),  # 00:00:00 (+11)
    ("2022-04-03 13:29:59", "Australia/Lord_Howe", "2022-04-03"),  # 23:59:59 (+10:30)
    ("2022-04-03 13:30:00", "Australia/Lord_Howe", "2022-04-04"),  # 00:00:00 (+10:30)
    # America/Santiago falls back at midnight: 2022-04-03 00:00 (-3) becomes 04-02 23:00 (-4) at 03:00 UTC.
    ("2022-04-03 02:59:59", "America/Santiago", "2022-04-02"),  # 23:59:59 (-3)
    ("2022-04-03 03:00:00", "America/Santiago", "2022-04-02"),  # 23:00:00 (-4), the hour again
    ("2022-04-03 03:59:59", "America/Santiago", "2022-04-02"),  # 23:59:59 (-4)
    ("2022-04-03 04:00:00", "America/Santiago", "2022-04-03"),  # 00:00:00 (-4)
    # ... and springs forward at midnight: 2022-09-11 00:00 (-4) becomes 01:00 (-3) at 04:00 UTC.
    ("2022-09-11 03:59:59", "America/Santiago", "2022-09-10"),  # 23:59:59 (-4)
    ("2022-09-11 04:00:00", "America/Santiago", "2022-09-11"),  # 01:00:00 (-3); midnight never happens
    # Pacific/Apia skipped 2011-12-30: -10 until 2011-12-30 10:00 UTC (24:00 local on the 29th), then +14.
    ("2011-12-30 09:59:59", "Pacific/Apia", "2011-12-29"),  # 23:59:59 (-10)
    ("2011-12-30 10:00:00", "Pacific/Apia", "2011-12-31"),  # 00:00:00 (+14)
    # Europe/London fall back: BST (+1) until 2022-10-30 01:00 UTC, then GMT.
    ("2022-10-29 22:59:59", "Europe/London", "2022-10-29"),  # 23:59:59 BST
    ("2022-10-29 23:00:00", "Europe/London", "2022-10-30"),  # 00:00:00 BST
    ("2022-10-30 23:59:59", "Europe/London", "2022-10-30"),  # 23:59:59 GMT
    # Pacific/Kiritimati, UTC+14: most of the UTC day is the next local day.
    ("2022-03-01 09:59:59", "Pacific/Kiritimati", "2022-03-01"),  # 23:59:59
    ("2022-03-01 10:00:00", "Pacific/Kiritimati", "2022-03-02"),  # 00:00:00
    # Sub-second: 18:29:59.999999 in Kolkata is still 23:59:59.999999.
    ("2022-03-01 18:29:59.999999", "Asia/Kolkata", "2022-03-01"),
    # No zone is UTC.
    ("2022-03-01 23:59:59", None, "2022-03-01"),
]


def test_local_day_golden(con) -> None:
    """Boundaries around :30/:45 offsets, DST changes at and away from midnight, and a skipped day."""
    got = _days(con, [(u, z) for u, z, _ in GOLDEN])
    assert [(u, z, str(d)) for (u, z, _), d in zip(GOLDEN, got)] == [(u, z, e) for u, z, e in GOLDEN]


ZONES = sorted(zoneinfo.available_timezones() - {"localtime"})
EPOCH = dt.datetime(1970, 1, 1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.integers(0, (2040 - 1970) * 365 * 86_400),
    rows=st.lists(st.tuples(st.sampled_from(ZONES), st.integers(-20 * 86_400, 20 * 86_400)), min_size=1, max_size=25),
)
def test_local_day_matches_zoneinfo(con, base: int, rows: list[tuple[str, int]]) -> None:
    """Any zone, any second from 1970 on: the engine's local day is zoneinfo's."""
    stamps = [EPOCH + dt.timedelta(seconds=max(0, base + d)) for _, d in rows]
    got = _days(con, [(str(s), z) for s, (z, _) in zip(stamps, rows)])
    want = [s.replace(tzinfo=dt.timezone.utc).astimezone(zoneinfo.ZoneInfo(z)).date() for s, (z, _) in zip(stamps, rows)]
    assert got == want


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "America/Santiago",
                                  "Pacific/Apia", "Africa/Casablanca", "Antarctica/Troll", "Europe/Dublin"])
def test_every_boundary_is_exact_to_the_second(zone: str) -> None:
    """Each change of local day in the calendar is one: the second before is the old day, the second itself the new."""
    tz = zoneinfo.ZoneInfo(zone)
    frame = local_calendar([zone], dt.date(1980, 1, 1), dt.date(2030, 12, 31)).frame

    def day_at(utc_day: dt.date, sod: int) -> dt.date:
        return (dt.datetime.combine(utc_day, dt.time(), dt.timezone.utc) + dt.timedelta(seconds=sod)).astimezone(tz).date()

    for r in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
        assert day_at(r.utc_day, 0) == r.day_0
        prev = r.day_0
        for i in (1, 2, 3):
            at = getattr(r, f"from_{i}")
            if at is None:
                break
            at = int(at)
            new = getattr(r, f"day_{i}")
            assert new != prev and day_at(r.utc_day, at - 1) == prev and day_at(r.utc_day, at) == new, (r, i)
            prev = new
        assert day_at(r.utc_day, 86_399) == prev, r


def test_unknown_zone_is_a_clear_error() -> None:
    with pytest.raises(GoldpathError, match="Mars/Olympus_Mons"):
        local_calendar(["Mars/Olympus_Mons"], dt.date(2022, 1, 1), dt.date(2022, 1, 2))


def test_calendar_covers_only_days_with_events(con) -> None:
    """A stray timestamp in year 1 or 9999 costs one calendar row per zone and keeps its UTC day;
    the other events get their local days as usual."""
    rows = [("0001-01-01 05:00:00", "Pacific/Honolulu"), ("2022-03-01 09:59:59", "Pacific/Honolulu"),
            ("2022-03-01 10:00:00", "Pacific/Honolulu"), ("9999-12-31 20:00:00", "Pacific/Kiritimati")]
    stamps = [dt.datetime.fromisoformat(u) for u, _ in rows]
    data = pa.table({"timestamp": pa.array(stamps, pa.timestamp("us")), "account_id": ["a", "a", "a", "b"], "i": range(4)})
    events = con.create_table("stray_events", data, temp=True, overwrite=True)
    accounts = con.create_table("stray_accounts", pa.table({"account_id": ["a", "b"],
                                                            "timezone": ["Pacific/Honolulu", "Pacific/Kiritimati"]}),
                                temp=True, overwrite=True)
    cal = calendar_for(events, accounts)
    assert len(cal.frame) == 2 * 3  # two zones x three UTC days
    t = events.join(accounts.select("account_id", zone=accounts.timezone), "account_id")
    got = with_local_day(t, cal).order_by("i").to_pandas()["day"]
    # Honolulu is UTC-10: 09:59:59 UTC is 23:59:59 on 02-28, 10:00 is midnight on 03-01.
    assert [d.date() if hasattr(d, "date") else d for d in got] == [
        dt.date(1, 1, 1), dt.date(2022, 2, 28), dt.date(2022, 3, 1), dt.date(9999, 12, 31)]
