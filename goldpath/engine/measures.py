"""Per-account raw measures for one or many as-of dates, in set-based Ibis expressions.

All dates are processed in one query: rollups of the daily fact join a table of the days
each as-of window covers (an equi-join on the day, see :func:`account_measures`), so a
history of snapshots costs one pass, not one run per date, and a fact row meets only the
dates whose windows hold it. Windows are inclusive: ``window_start = as_of - (window_days - 1)``.
"""

from __future__ import annotations

import datetime as dt_
from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.selectors as s
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from goldpath.engine.connection import drop_temp, temp_table
from goldpath.model.spec import WEEKDAYS, Model

DEFAULT_SEGMENT = "default"

#: Parts of the measures, per account and date; zero where the account had no activity.
COUNT_COLUMNS = (
    "active_users", "user_days", "key_features_total", "key_features_adopted", "criticality_total",
    "criticality_run", "processes_total", "processes_run", "critical_weight", "critical_regular_weight",
    "critical_processes", "critical_users",
)


@dataclass
class EngineInputs:
    """Validated tables the measures read (``None`` for optional tables that are absent)."""

    accounts: ir.Table
    daily_usage: ir.Table
    process_features: ir.Table
    process_criticality: ir.Table
    criticality_overrides: ir.Table | None = None
    renewals: ir.Table | None = None
    signals: ir.Table | None = None
    #: ``account_id, first_day, first_user_day`` of the whole fact (kept by the store); without
    #: it they are computed from ``daily_usage``.
    account_days: ir.Table | None = None


def date_spine(as_of: list[dt_.date], window_days: int, working_days: list[str]) -> pd.DataFrame:
    """One row per as-of date with its window's first day and number of working days.

    Dates are a sequence of calendar days, never timestamps plus 24 hours; all day
    arithmetic happens here, on dates, so every engine sees the same windows.
    """
    work = np.array([WEEKDAYS[d.weekday()] in working_days for d in _days(dt_.date(2000, 1, 3), 7)])
    rows = []
    for d in sorted(set(as_of)):
        start = d - dt_.timedelta(days=window_days - 1)
        n_work = sum(bool(work[(x.weekday())]) for x in _days(start, window_days))
        rows.append({"as_of": d, "window_start": start, "window_days": window_days, "working_days": n_work})
    return pd.DataFrame(rows)


def _days(start: dt_.date, n: int) -> list[dt_.date]:
    return [start + dt_.timedelta(days=i) for i in range(n)]


def _window_days(
    spine_df: pd.DataFrame, working_days: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[dt_.date, int]]:
    """Which as-of windows hold each day, as stretches of days: ``(day, stretch, is_working)``
    and ``(stretch, as_of)``, and a calendar of working days.

    A stretch is a run of consecutive days held by the same set of windows (for weekly
    dates and 28-day windows, a week held by 4 windows), so a rollup can be counted per
    stretch first and each stretch joined to its few as-of dates. The calendar maps each
    day from the first window start to the last as-of date to the number of working days
    before it in that range.
    """
    start, end = min(spine_df["window_start"]), max(spine_df["as_of"])
    windows = list(zip(spine_df["as_of"], spine_df["window_start"]))
    before, n = {}, 0
    day_rows, stretch_rows, last, stretch = [], [], None, -1
    for d in _days(start, (end - start).days + 1):
        before[d] = n
        working = int(WEEKDAYS[d.weekday()] in working_days)
        n += working
        held = tuple(a for a, w in windows if w <= d <= a)
        if not held:
            last = None
            continue
        if held != last:
            stretch, last = stretch + 1, held
            stretch_rows += [(stretch, a) for a in held]
        day_rows.append((d, stretch, working))
    days = pd.DataFrame(day_rows, columns=["day", "stretch", "is_working"])
    return days, pd.DataFrame(stretch_rows, columns=["stretch", "as_of"]), before


def _ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.FloatingValue:
    """``num / den`` as a float, null where the denominator is zero or null."""
    return ibis.ifelse(den > 0, num.cast(dt.float64) / den.cast(dt.float64), ibis.null(dt.float64))


def portfolio(accounts: ir.Table, spine: ir.Table, renewals: ir.Table | None) -> ir.Table:
    """Accounts under contract on each as-of date: started, and not churned on or before it."""
    base = accounts.cross_join(spine).filter(accounts.contract_start <= spine.as_of)
    if renewals is not None:
        churn = renewals.filter(renewals.outcome == "churned").select("account_id", churn_date=renewals.renewal_date)
        base = base.anti_join(churn, [base.account_id == churn.account_id, churn.churn_date <= base.as_of])
    return base


def resolved_criticality(inputs: EngineInputs) -> ir.Table:
    """Criticality of every process for every account: override, else segment, else ``*``.

    Returns ``account_id, process, criticality`` for processes with criticality > 0.
    """
    acc = inputs.accounts.select("account_id", "segment")
    crit = inputs.process_criticality
    procs = crit.select("process").distinct()
    ovr = inputs.criticality_overrides
    if ovr is not None:
        procs = ibis.union(procs, ovr.select("process"), distinct=True)
    pairs = acc.cross_join(procs)
    seg = crit.filter(crit.segment != "*").select("process", "segment", c_seg=crit.criticality)
    star = crit.filter(crit.segment == "*").select("process", c_star=crit.criticality)
    pairs = pairs.left_join(seg, ["process", "segment"]).select(~s.endswith("_right"))
    pairs = pairs.left_join(star, "process").select(~s.endswith("_right"))
    if ovr is not None:
        o = ovr.select("account_id", "process", c_ovr=ovr.criticality)
        pairs = pairs.left_join(o, ["account_id", "process"]).select(~s.endswith("_right"))
        value = ibis.coalesce(pairs.c_ovr, pairs.c_seg, pairs.c_star, 0.0)
    else:
        value = ibis.coalesce(pairs.c_seg, pairs.c_star, 0.0)
    out = pairs.select("account_id", "process", criticality=value)
    return out.filter(out.criticality > 0)


def key_features_table(model: Model) -> ir.Table:
    """The model's key features as a ``(segment_key, feature)`` table."""
    rows = [(seg, f) for seg, feats in model.params.key_features.items() for f in dict.fromkeys(feats)]
    df = pd.DataFrame(rows, columns=["segment_key", "feature"]) if rows else pd.DataFrame(
        {"segment_key": pd.Series([], dtype=str), "feature": pd.Series([], dtype=str)}
    )
    return ibis.memtable(df, schema={"segment_key": "string", "feature": "string"})


def model_segment(accounts: ir.Table, as_of: ir.DateValue, model: Model) -> ir.StringValue:
    """The model segment of each account on ``as_of``: first matching rule, else ``default``.

    Without segment rules the account's own ``segment`` column is its model segment.
    """
    if not model.segments:
        return accounts.segment
    tenure = as_of.delta(accounts.contract_start, unit="day")
    branches = []
    for rule in model.segments:
        cond = ibis.literal(True)
        w = rule.when
        if w.segment is not None:
            cond &= accounts.segment.isin(w.segment)
        for value, rng in ((accounts.arr, w.arr), (accounts.seats, w.seats), (tenure, w.tenure_days)):
            if rng is None:
                continue
            if rng.min is not None:
                cond &= value >= rng.min
            if rng.max is not None:
                cond &= value <= rng.max
        branches.append((cond, ibis.literal(rule.name)))
    return ibis.cases(*branches, else_=ibis.literal(DEFAULT_SEGMENT))


def signal_values(signals: ir.Table, spine_df: pd.DataFrame, model: Model) -> list[ir.Table]:
    """Per signal measure: the latest value (and its date) within the freshness limit, per account and date."""
    out = []
    for name, m in model.signal_measures().items():
        sp = spine_df[["as_of"]].assign(since=[d - dt_.timedelta(days=m.freshness_days - 1) for d in spine_df["as_of"]])
        spine = ibis.memtable(sp)
        sig = signals.filter(signals.metric == m.signal)
        j = sig.join(spine, [sig.date >= spine.since, sig.date <= spine.as_of])
        w = ibis.window(group_by=[j.as_of, j.account_id], order_by=ibis.desc(j.date))
        j = j.mutate(_n=ibis.row_number().over(w))
        latest = j.filter(j._n == 0)
        out.append(latest.select("as_of", "account_id", **{name: latest.value, f"{name}__date": latest.date}))
    return out


def account_measures(
    inputs: EngineInputs, spine_df: pd.DataFrame, model: Model,
    materialise: Callable[[ir.Table], ir.Table] | None = None,
) -> ir.Table:
    """Raw measures and their parts for every account in the portfolio on each as-of date.

    Each account's window runs from ``max(window_start, contract_start)`` to ``as_of``
    (``window_days`` and ``working_days`` are its own). Measures that count users are null
    for an account whose events never name a user (``users_unknown``).

    How windows are formed (the costly part, so every step is an equi-join):

    - the daily fact is first reduced to the small rollups the measures read, none of which
      depends on the as-of date: distinct ``(account, user, day)``, ``(account, process,
      day)``, ``(account, user, day)`` with a critical process, and ``(account, user, day,
      feature)`` for key features only; days before the account's contract are dropped here
      (``window_from = max(window_start, contract_start)``, and the day table below gives
      ``day >= window_start``);
    - each rollup joins a small table of ``(day, as_of)`` pairs, one per day each as-of
      window covers, on ``day``: a row meets only the dates whose windows hold it (about 4
      of 26 weekly dates for a 28-day window), not every date of its account;
    - the user-day rollup is counted per ``(as_of, account, user)`` once and gives both
      active users and user-days; process days need no distinct count at all;
    - totals that do not depend on the date (criticality, processes) are summed per account.

    Accounts outside the portfolio on a date get rows in the rollups but none in the result:
    every part is left-joined onto the portfolio.

    ``materialise``, when given, computes the fact rows the windows cover once (for example
    as a temporary table) before the four rollups read them; without it the expression is
    one query, as compiled for warehouses.

    Returns
    -------
    ibis Table
        One row per ``(as_of, account_id)`` with the raw value of every measure in
        :data:`goldpath.model.spec.MEASURES` (null where undefined) and the counts they are
        made of, for explanations.
    """
    spine_df = spine_df.copy()
    days_df, stretches_df, work_before = _window_days(spine_df, model.working_days)
    spine_df["_work_through"] = [work_before[d] + int(WEEKDAYS[d.weekday()] in model.working_days)
                                 for d in spine_df["as_of"]]
    spine = ibis.memtable(spine_df)
    acc = inputs.accounts
    base = portfolio(acc.select("account_id", "segment", "arr", "seats", "contract_start"), spine, inputs.renewals)
    base = base.mutate(
        model_segment=model_segment(base, base.as_of, model),
        tenure_days=base.as_of.delta(base.contract_start, unit="day"),
        # An account's window starts no earlier than its contract: a customer of 3 days is
        # measured over 3 days, not over the full window.
        window_from=ibis.greatest(base.window_start, base.contract_start),
    )
    base = base.mutate(window_days=base.as_of.delta(base.window_from, unit="day") + 1)
    # Working days in [window_from, as_of]: working days up to as_of minus those before
    # window_from, read from a calendar by an equi-join on the day.
    before = ibis.memtable(pd.DataFrame({"day": list(work_before), "_work_before": list(work_before.values())}))
    base = base.left_join(before, base.window_from == before.day).select(~s.endswith("_right"))
    base = base.mutate(working_days=(base._work_through - base._work_before).fill_null(0))
    base = base.select(
        "as_of", "account_id", "segment", "model_segment", "seats", "tenure_days", "window_from", "window_days",
        "working_days",
    )
    keys = ["as_of", "account_id"]

    f = inputs.daily_usage
    # Sources without user ids: an account whose events up to the as-of date never name a
    # user has no user measures (decided from days up to as_of only: no look-ahead).
    if inputs.account_days is not None:
        ad = inputs.account_days
        seen = ad.select("account_id", _first_day=ad.first_day, _first_user_day=ad.first_user_day)
    else:
        seen = f.group_by("account_id").aggregate(
            _first_day=f.day.min(), _first_user_day=f.day.min(where=f.user_id.notnull())
        )
    # Only the days some window covers (a constant range the engine can push to the scan,
    # and to row groups of a stored fact), none before the account's contract, each with
    # its stretch of days (see _window_days).
    days = ibis.memtable(days_df)
    stretches = ibis.memtable(stretches_df)
    span = f.filter((f.day >= min(spine_df["window_start"])) & (f.day <= max(spine_df["as_of"])))
    starts = acc.select("account_id", _contract_start=acc.contract_start)
    span = span.join(starts, "account_id")
    span = span.filter(span.day >= span._contract_start).select("account_id", "user_id", "day", "feature")
    span = span.join(days, "day")
    if materialise is not None:
        span = materialise(span)

    # Users and user-days: distinct user-days counted per stretch, then per as-of date.
    ud = span.filter(span.user_id.notnull()).select("account_id", "user_id", "day", "stretch").distinct()
    us = ud.group_by(["account_id", "user_id", "stretch"]).aggregate(_days=ud.count()).join(stretches, "stretch")
    au = us.group_by(["as_of", "account_id", "user_id"]).aggregate(_days=us._days.sum())
    users = au.group_by(keys).aggregate(active_users=au.count(), user_days=au._days.sum())

    # Key features used by at least N users (only key features are counted).
    kf = key_features_table(model)
    listed = list(model.params.key_features)
    seg_key = ibis.ifelse(base.model_segment.isin(listed), base.model_segment, ibis.literal(DEFAULT_SEGMENT))
    key_names = sorted({f_ for feats in model.params.key_features.values() for f_ in feats})
    fk = span.filter(span.user_id.notnull() & span.feature.isin(key_names))
    fks = fk.select("account_id", "feature", "user_id", "stretch").distinct().join(stretches, "stretch")
    fu = fks.group_by(["as_of", "account_id", "feature"]).aggregate(feature_users=fks.user_id.nunique())
    adopted_f = fu.filter(fu.feature_users >= model.params.key_feature_min_users)
    base = base.mutate(segment_key=seg_key)
    bseg = base.select("as_of", "account_id", "segment_key")
    ak = adopted_f.join(bseg, keys).join(kf, ["segment_key", "feature"])
    adopted = ak.group_by(keys).aggregate(key_features_adopted=ak.count())
    totals = kf.group_by("segment_key").aggregate(key_features_total=kf.count())
    key = bseg.join(totals, "segment_key").select("as_of", "account_id", "key_features_total")
    key = key.left_join(adopted, keys).select(~s.endswith("_right"))

    # Processes: which ran, on how many working days, by whom.
    crit = resolved_criticality(inputs)
    sp = span.join(inputs.process_features, "feature")
    pdays = sp.select("account_id", "process", "day", "stretch", "is_working").distinct()
    ps = pdays.group_by(["account_id", "process", "stretch"]).aggregate(
        _work=pdays.count(where=pdays.is_working == 1)
    ).join(stretches, "stretch")
    pu = ps.group_by(["as_of", "account_id", "process"]).aggregate(ran_working_days=ps._work.sum())
    # (a row per process that ran in the window)
    is_critical = crit.criticality >= model.params.critical_min
    per_account = crit.group_by("account_id").aggregate(
        criticality_total=crit.criticality.sum(),
        processes_total=crit.count(),
        critical_weight=crit.criticality.sum(where=is_critical),
        critical_processes=crit.count(where=is_critical),
    )
    rp = pu.join(crit, ["account_id", "process"]).join(base.select("as_of", "account_id", "working_days"), keys)
    rp_critical = rp.criticality >= model.params.critical_min
    # A window without working days has no regularity (null, not 0/0 = NaN; see below).
    regular = rp.criticality * _ratio(rp.ran_working_days, rp.working_days)
    ran = rp.group_by(keys).aggregate(
        criticality_run=rp.criticality.sum(),
        # Counts, not sums of booleans cast to int64: PostgreSQL has no boolean -> bigint cast.
        processes_run=rp.count(),
        critical_regular_weight=regular.sum(where=rp_critical),
    )
    critical = crit.filter(is_critical).select("account_id", "process")
    cu = sp.filter(sp.user_id.notnull()).join(critical, ["account_id", "process"])
    cus = cu.select("account_id", "user_id", "stretch").distinct().join(stretches, "stretch")
    cusers = cus.group_by(keys).aggregate(critical_users=cus.user_id.nunique())

    m = base
    signals = signal_values(inputs.signals, spine_df, model) if inputs.signals is not None else []
    for part in (users, key, ran, cusers, *signals):
        m = m.left_join(part, keys).select(~s.endswith("_right"))
    m = m.left_join(per_account, "account_id").select(~s.endswith("_right"))
    m = m.left_join(seen, "account_id").select(~s.endswith("_right"))
    unknown = (m._first_day <= m.as_of) & (m._first_user_day.isnull() | (m._first_user_day > m.as_of))
    m = m.mutate(**{c: m[c].fill_null(0) for c in COUNT_COLUMNS}, users_unknown=unknown.fill_null(False))
    m = m.drop("_first_day", "_first_user_day")
    m = m.select(*base.columns, *COUNT_COLUMNS, *[c for c in m.columns if c not in set(base.columns) | set(COUNT_COLUMNS)])

    def by_user(value: ir.FloatingValue) -> ir.FloatingValue:
        return ibis.ifelse(m.users_unknown, ibis.null(dt.float64), value)

    return m.mutate(
        active_seat_ratio=by_user(_ratio(m.active_users, m.seats)),
        stickiness=by_user(_ratio(m.user_days, m.active_users * m.window_days)),
        active_days_per_active_user=by_user(_ratio(m.user_days, m.active_users)),
        key_feature_adoption=by_user(_ratio(m.key_features_adopted, m.key_features_total)),
        process_coverage=_ratio(m.criticality_run, m.criticality_total),
        critical_process_regularity=ibis.ifelse(
            m.working_days > 0, _ratio(m.critical_regular_weight, m.critical_weight), ibis.null(dt.float64)
        ),
        critical_process_reach=by_user(ibis.ifelse(
            m.critical_processes > 0, _ratio(m.critical_users, m.active_users), ibis.null(dt.float64)
        )),
    )


def measures_frame(inputs: EngineInputs, model: Model, dates: list[dt_.date]) -> pd.DataFrame:
    """:func:`account_measures` for ``dates``, as a pandas frame sorted by date and account."""
    spine = date_spine(dates, model.window_days, model.working_days)
    engine = inputs.daily_usage._find_backend(use_default=False)
    # A temporary table of the windows' fact rows on SQL engines; Spark plans the query as a
    # whole (and Ibis's cache() there does not register the day tables the rows join).
    made: list[ir.Table] = []

    def materialise(t: ir.Table) -> ir.Table:
        made.append(temp_table(engine, "_span_", t))
        return made[-1]

    try:
        df = account_measures(inputs, spine, model, materialise=None if engine.name == "pyspark" else materialise).to_pandas()
    finally:
        drop_temp(*made)  # a history computes many batches: each batch's span is dropped after it
    df["as_of"] = pd.to_datetime(df["as_of"]).dt.date
    return df.sort_values(["as_of", "account_id"]).reset_index(drop=True)
