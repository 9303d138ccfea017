"""The additive daily usage fact: account x user x local day x feature -> events, quantity, value.

Events are deduplicated first (on ``event_id``, or on account, user, feature and timestamp
where a source has none), then each UTC timestamp is converted to its account's reporting
time zone before it is cut to a day. Windows are computed from this fact, never by adding
daily distinct counts.

Local days are portable Ibis: no engine time-zone function is called. A small calendar
(:func:`local_calendar`), computed in Python from the IANA database that :mod:`zoneinfo`
reads, has one row per zone and UTC day with the seconds after UTC midnight at which the
local day changes (at most three times: a local midnight, an offset change and a second
midnight around it). Events join it on ``(zone, UTC day)``, an equi-join on a table of
about 365 rows per zone and year, and pick their local day by comparing their UTC time of
day to those boundaries. Boundaries are exact to the second, so no assumption about
15-minute offsets is needed; :func:`local_calendar` checks every UTC day for more offset
changes than it can represent and raises if it finds one.
"""

from __future__ import annotations

import datetime as dt_
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from goldpath.errors import GoldpathError
from goldpath.sources.readers import ROW

_DAY = 86_400
#: Boundaries a UTC day can hold in :func:`local_calendar` (midnight, offset change, midnight).
_MAX_BOUNDARIES = 3
#: UTC days whose local day may fall outside the date type in some zone.
_FIRST_DAY, _LAST_DAY = dt_.date(1, 1, 1), dt_.date(9999, 12, 31)
CALENDAR_SCHEMA = {
    "zone": "string", "utc_day": "date", "day_0": "date",
    **{f"{k}_{i}": ("int64" if k == "from" else "date") for i in range(1, _MAX_BOUNDARIES + 1) for k in ("from", "day")},
}


@dataclass(frozen=True)
class LocalCalendar:
    """Which local day each second of each UTC day in ``first .. last`` falls on, per zone.

    Attributes
    ----------
    frame
        One row per ``(zone, utc_day)``: ``day_0`` is the local day at 00:00 UTC; from
        ``from_k`` seconds after UTC midnight on it is ``day_k`` (null ``from_k``: no k-th change).
    """

    frame: pd.DataFrame

    def table(self) -> ir.Table:
        return ibis.memtable(self.frame, schema=CALENDAR_SCHEMA)


def _offset(zone: zoneinfo.ZoneInfo, t: int) -> int:
    """UTC offset in seconds of ``zone`` at epoch second ``t``."""
    return int(dt_.datetime.fromtimestamp(t, zone).utcoffset().total_seconds())


def _change_at(zone: zoneinfo.ZoneInfo, lo: int, hi: int) -> int:
    """First epoch second in ``(lo, hi]`` with the offset of ``hi`` (the offset at ``lo`` differs)."""
    target = _offset(zone, hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset(zone, mid) == target:
            hi = mid
        else:
            lo = mid
    return hi


def _zone_days(name: str, days: Iterable[dt_.date]) -> list[dict]:
    """Calendar rows of one zone for the given UTC days."""
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise GoldpathError(f"time zone {name!r} is not in the IANA database this Python reads") from exc
    rows = []
    epoch = dt_.date(1970, 1, 1)
    for day in days:
        if not _FIRST_DAY < day < _LAST_DAY:
            # The local day could be outside the date type (year 0 or 10000): keep the UTC day
            # for timestamps no scoring window reaches.
            rows.append({"zone": name, "utc_day": day, "day_0": day,
                         **{f"{k}_{i}": None for i in range(1, _MAX_BOUNDARIES + 1) for k in ("from", "day")}})
            continue
        start = (day - epoch).days * _DAY
        # Offsets at 00:00, 06:00, 12:00, 18:00 and 23:59:59 UTC: one change at most, located
        # to the second; more than one in a day is not representable here.
        probes = [_offset(zone, start + s) for s in (0, 6 * 3600, 12 * 3600, 18 * 3600, _DAY - 1)]
        changes = sum(a != b for a, b in zip(probes, probes[1:]))
        if changes > 1:
            raise GoldpathError(f"time zone {name}: its UTC offset changes more than once on {day} (UTC); "
                                f"local days cannot be computed for it")
        segments = [(0, probes[0])]  # (first second of the segment, offset)
        if changes:
            i = next(k for k in range(4) if probes[k] != probes[k + 1])
            at = _change_at(zone, start + i * 6 * 3600, start + min((i + 1) * 6 * 3600, _DAY - 1)) - start
            if _offset(zone, start + at) != probes[4] or at >= _DAY:  # pragma: no cover - defensive
                raise GoldpathError(f"time zone {name}: could not locate its offset change on {day} (UTC)")
            segments.append((at, probes[4]))
        # Within a segment of constant offset o the local day changes where sod + o crosses a
        # multiple of 86400 (|o| < 1 day: at most once).
        points: list[tuple[int, int]] = []  # (second of the UTC day, local day shift from it on)
        for k, (s0, o) in enumerate(segments):
            s1 = segments[k + 1][0] if k + 1 < len(segments) else _DAY
            points.append((s0, (s0 + o) // _DAY))
            cross = ((s0 + o) // _DAY + 1) * _DAY - o  # next second where the local day turns
            if s0 < cross < s1:
                points.append((cross, (cross + o) // _DAY))
        # Drop points that do not change the day (an offset change within the same local day).
        kept = [points[0]]
        for p in points[1:]:
            if p[1] != kept[-1][1]:
                kept.append(p)
        if len(kept) - 1 > _MAX_BOUNDARIES:  # pragma: no cover - at most 2 segments x 2 points
            raise GoldpathError(f"time zone {name}: too many local day changes on {day} (UTC)")
        row = {"zone": name, "utc_day": day, "day_0": day + dt_.timedelta(days=kept[0][1])}
        for i in range(1, _MAX_BOUNDARIES + 1):
            at, shift = kept[i] if i < len(kept) else (None, None)
            row[f"from_{i}"] = at
            row[f"day_{i}"] = None if shift is None else day + dt_.timedelta(days=shift)
        rows.append(row)
    return rows


def local_calendar(zones: Iterable[str | None], first: dt_.date, last: dt_.date) -> LocalCalendar:
    """The calendar of ``zones`` (null means UTC) for UTC days ``first`` to ``last`` inclusive.

    Raises
    ------
    GoldpathError
        For a zone the IANA database does not have, or one whose offset changes more than
        once in a UTC day (no zone does in the database's history since 1970).
    """
    days = [first + dt_.timedelta(days=i) for i in range((last - first).days + 1)]
    return calendar_of_days(zones, days)


def calendar_of_days(zones: Iterable[str | None], days: Iterable[dt_.date]) -> LocalCalendar:
    """The calendar of ``zones`` (null means UTC) for the given UTC days (see :func:`local_calendar`)."""
    names, days = sorted({z or "UTC" for z in zones}), sorted(set(days))
    rows = [r for z in names for r in _zone_days(z, days)]
    frame = pd.DataFrame(rows, columns=list(CALENDAR_SCHEMA))
    frame = frame.astype({f"from_{i}": "Int64" for i in range(1, _MAX_BOUNDARIES + 1)})
    return LocalCalendar(frame)


def calendar_for(events: ir.Table, accounts: ir.Table) -> LocalCalendar:
    """The calendar that :func:`with_local_day` needs for ``events`` of ``accounts``.

    Two small set-based queries on the engine: the account zones and the UTC days that have
    events. Only days with events get rows, so a stray timestamp decades away from the rest
    costs one row per zone, not a calendar of every day in between.
    """
    zones = accounts.select(zone=accounts.timezone).distinct().to_pyarrow().column("zone").to_pylist()
    days = events.select(d=events.timestamp.date()).distinct().to_pyarrow().column("d").to_pylist()
    return calendar_of_days(zones, [d for d in days if d is not None])


def with_local_day(t: ir.Table, calendar: LocalCalendar, ts: str = "timestamp", zone: str = "zone",
                   name: str = "day") -> ir.Table:
    """Add column ``name``: the calendar day of UTC timestamp ``ts`` in time zone ``zone`` (UTC when null).

    Rows whose UTC day is outside the calendar get a null day; build the calendar over the
    span of ``t`` (:func:`calendar_for`).
    """
    cal = calendar.table().rename("_cal_{name}")
    stamp = t[ts]
    keyed = t.mutate(
        _zone=t[zone].fill_null("UTC"),
        _utc_day=stamp.date(),
        _sod=stamp.hour().cast("int64") * 3600 + stamp.minute().cast("int64") * 60 + stamp.second().cast("int64"),
    )
    j = keyed.left_join(cal, [keyed._zone == cal._cal_zone, keyed._utc_day == cal._cal_utc_day])
    # Later boundaries first: the day after the last boundary that the time of day reached.
    day = ibis.cases(
        *[(j._sod >= j[f"_cal_from_{i}"], j[f"_cal_day_{i}"]) for i in range(_MAX_BOUNDARIES, 0, -1)],
        else_=j._cal_day_0,
    )
    return j.mutate(**{name: day}).select(*t.columns, name)


def duplicate_rows(events: ir.Table) -> ir.Table:
    """The ``_row`` of every later copy of an event (the first copy, lowest ``_row``, is kept).

    Copies share an ``event_id`` (per account), or, without one, the account, user, feature
    and time (an empty user equals an empty user). Only keys seen more than once leave the
    aggregation, so the join back to the events has a small build side; the aggregation
    holds keys and two numbers per key, which an engine can spill to disk.
    """
    parts = []
    for with_id, keys in ((True, ["account_id", "event_id"]), (False, ["account_id", "user_id", "feature", "timestamp"])):
        # The aggregation reads a projection of the keys, a different expression from the
        # events it is joined back to: an engine would otherwise share (DuckDB: materialise)
        # the filtered events, every column of every event, between the two.
        narrow = events.select(*dict.fromkeys([*keys, ROW, "event_id"]))
        narrow = narrow.filter(narrow.event_id.notnull() if with_id else narrow.event_id.isnull())
        e = events.filter(events.event_id.notnull() if with_id else events.event_id.isnull())
        groups = narrow.group_by(keys).aggregate(_copies=narrow.count(), _first=narrow[ROW].min())
        repeated = groups.filter(groups._copies > 1).rename({f"_dup_{k}": k for k in keys})
        j = e.join(repeated, [e[k].identical_to(repeated[f"_dup_{k}"]) for k in keys])
        parts.append(j.filter(j[ROW] != j._first).select(ROW))
    return ibis.union(*parts)


def dedupe_events(events: ir.Table, duplicates: ir.Table | None = None) -> ir.Table:
    """Keep the first row of each event: ``events`` without their :func:`duplicate_rows`.

    ``duplicates`` may be those rows already computed (materialised, to count them too).
    """
    drop = duplicate_rows(events) if duplicates is None else duplicates
    return events.anti_join(drop, ROW)


def daily_usage(events: ir.Table, accounts: ir.Table, calendar: LocalCalendar | None = None) -> ir.Table:
    """Build the daily fact from validated, deduplicated events.

    ``calendar`` defaults to :func:`calendar_for` the events and accounts (two small queries);
    give one to build the expression without touching the engine.

    Returns
    -------
    ibis Table
        Columns ``account_id, user_id, day, feature, events, quantity, value``.
    """
    zones = accounts.select("account_id", zone=accounts.timezone)
    e = events.join(zones, "account_id")
    e = with_local_day(e, calendar if calendar is not None else calendar_for(events, accounts))
    return e.group_by(["account_id", "user_id", "day", "feature"]).aggregate(
        events=e.count(),
        quantity=e.quantity.fill_null(1.0).sum(),
        value=e.value.sum(),
    )
