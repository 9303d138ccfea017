"""The additive daily usage fact: account x user x local day x feature -> events, quantity, value.

Events are deduplicated first (on ``event_id``, or on account, user, feature and timestamp
where a source has none), then each UTC timestamp is converted to its account's reporting
time zone before it is cut to a day. Windows are computed from this fact, never by adding
daily distinct counts.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from goldpath.sources.readers import ROW


@ibis.udf.scalar.builtin(name="timezone")
def _to_local(zone: str, ts: dt.Timestamp(timezone="UTC")) -> dt.timestamp:  # type: ignore[valid-type]
    """DuckDB's ``timezone(zone, timestamptz)``: wall-clock time in ``zone``."""


def local_day(ts_utc: ir.TimestampValue, zone: ir.StringValue) -> ir.DateValue:
    """The calendar day of a UTC timestamp in a time zone (UTC when ``zone`` is null)."""
    aware = ts_utc.cast(dt.Timestamp(timezone="UTC"))
    return _to_local(zone.fill_null("UTC"), aware).date()


def dedupe_events(events: ir.Table) -> ir.Table:
    """Keep the first row of each event: same ``event_id``, or same account, user, feature and time."""
    sep = "\x1f"
    natural = ibis.literal(sep).join(
        [
            events.account_id,
            events.user_id.fill_null(""),
            events.feature,
            events.timestamp.cast(dt.string),
        ]
    )
    key = ibis.coalesce(ibis.literal("id") + sep + events.event_id, ibis.literal("nk") + sep + natural)
    w = ibis.window(group_by=[events.account_id, key], order_by=events[ROW])
    ranked = events.mutate(_n=ibis.row_number().over(w))
    return ranked.filter(ranked._n == 0).drop("_n")


def daily_usage(events: ir.Table, accounts: ir.Table) -> ir.Table:
    """Build the daily fact from validated, deduplicated events.

    Returns
    -------
    ibis Table
        Columns ``account_id, user_id, day, feature, events, quantity, value``.
    """
    zones = accounts.select("account_id", zone=accounts.timezone)
    e = events.join(zones, "account_id")
    e = e.mutate(day=local_day(e.timestamp, e.zone))
    return e.group_by(["account_id", "user_id", "day", "feature"]).aggregate(
        events=e.count(),
        quantity=e.quantity.fill_null(1.0).sum(),
        value=e.value.sum(),
    )
