"""Per-account raw measures for one or many as-of dates, in set-based Ibis expressions.

All dates are processed in one query: the daily fact is joined to a date spine of
``(as_of, window_start)`` pairs, so a history of snapshots costs one pass, not one run
per date. Windows are inclusive: ``window_start = as_of - (window_days - 1)``.
"""

from __future__ import annotations

import datetime as dt_
from dataclasses import dataclass

import ibis
import ibis.selectors as s
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pandas as pd

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


def _calendar(spine_df: pd.DataFrame, working_days: list[str]) -> pd.DataFrame:
    """Every day the windows cover, with 1 for a working day."""
    start, end = min(spine_df["window_start"]), max(spine_df["as_of"])
    days = _days(start, (end - start).days + 1)
    return pd.DataFrame({"day": days, "is_working": [int(WEEKDAYS[d.weekday()] in working_days) for d in days]})


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


def account_measures(inputs: EngineInputs, spine_df: pd.DataFrame, model: Model) -> ir.Table:
    """Raw measures and their parts for every account in the portfolio on each as-of date.

    Each account's window runs from ``max(window_start, contract_start)`` to ``as_of``
    (``window_days`` and ``working_days`` are its own). Measures that count users are null
    for an account whose events never name a user (``users_unknown``).

    Returns
    -------
    ibis Table
        One row per ``(as_of, account_id)`` with the raw value of every measure in
        :data:`goldpath.model.spec.MEASURES` (null where undefined) and the counts they are
        made of, for explanations.
    """
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
    cal = ibis.memtable(_calendar(spine_df, model.working_days))
    wd = base.select("as_of", "account_id", "window_from").join(
        cal, [cal.day >= base.window_from, cal.day <= base.as_of]
    )
    work = wd.group_by(["as_of", "account_id"]).aggregate(working_days=wd.is_working.sum())
    base = base.drop("working_days").left_join(work, ["as_of", "account_id"]).select(~s.endswith("_right"))
    base = base.mutate(working_days=base.working_days.fill_null(0))
    base = base.select(
        "as_of", "account_id", "segment", "model_segment", "seats", "tenure_days", "window_from", "window_days",
        "working_days",
    )

    f = inputs.daily_usage
    # Sources without user ids: an account whose events up to the as-of date never name a
    # user has no user measures (decided from days up to as_of only: no look-ahead).
    seen = f.group_by("account_id").aggregate(
        _first_day=f.day.min(), _first_user_day=f.day.min(where=f.user_id.notnull())
    )
    # Only the days some window covers: a constant range the engine can push to the scan
    # (and to row groups of a stored fact), before the join multiplies rows by dates.
    span = f.filter((f.day >= min(spine_df["window_start"])) & (f.day <= max(spine_df["as_of"])))
    fw = span.join(base.select("as_of", "account_id", "window_from"), "account_id")
    fw = fw.filter((fw.day >= fw.window_from) & (fw.day <= fw.as_of)).drop("window_from")
    keys = ["as_of", "account_id"]

    # Users and user-days (exact distinct counts over the window, from the daily fact).
    ud = fw.filter(fw.user_id.notnull()).select("as_of", "account_id", "user_id", "day").distinct()
    users = ud.group_by(keys).aggregate(active_users=ud.user_id.nunique(), user_days=ud.count())

    # Key features used by at least N users.
    kf = key_features_table(model)
    listed = list(model.params.key_features)
    seg_key = ibis.ifelse(base.model_segment.isin(listed), base.model_segment, ibis.literal(DEFAULT_SEGMENT))
    base = base.mutate(segment_key=seg_key)
    fu = fw.filter(fw.user_id.notnull()).group_by(["as_of", "account_id", "feature"]).aggregate(
        feature_users=fw.user_id.nunique()
    )
    adopted_f = fu.filter(fu.feature_users >= model.params.key_feature_min_users)
    bk = base.select("as_of", "account_id", "segment_key").join(kf, "segment_key")
    bk = bk.left_join(adopted_f, [bk.as_of == adopted_f.as_of, bk.account_id == adopted_f.account_id, bk.feature == adopted_f.feature])
    key = bk.group_by([bk.as_of, bk.account_id]).aggregate(
        key_features_total=bk.feature.nunique(),
        key_features_adopted=bk.feature_users.count(),  # non-null: adopted
    )

    # Processes: which ran, on how many working days, by whom.
    crit = resolved_criticality(inputs)
    pf = inputs.process_features
    fp = fw.join(pf, "feature").select("as_of", "account_id", "user_id", "day", "process").distinct()
    work_idx = [WEEKDAYS.index(d) for d in model.working_days]
    pu = fp.group_by(["as_of", "account_id", "process"]).aggregate(
        ran_days=fp.day.nunique(),
        ran_working_days=fp.day.nunique(where=fp.day.day_of_week.index().isin(work_idx)),
    )
    bp = base.select("as_of", "account_id", "working_days").join(crit, "account_id")
    bp = bp.left_join(pu, ["as_of", "account_id", "process"]).select(~s.endswith("_right"))
    is_critical = bp.criticality >= model.params.critical_min
    ran = bp.ran_days.fill_null(0) > 0
    # A window without working days has no regularity (null, not 0/0 = NaN; see below).
    regular = bp.criticality * _ratio(bp.ran_working_days.fill_null(0), bp.working_days)
    procs = bp.group_by(keys).aggregate(
        criticality_total=bp.criticality.sum(),
        criticality_run=bp.criticality.sum(where=ran),
        processes_total=bp.count(),
        # Counts, not sums of booleans cast to int64: PostgreSQL has no boolean -> bigint cast.
        processes_run=bp.count(where=ran),
        critical_weight=bp.criticality.sum(where=is_critical),
        critical_regular_weight=regular.sum(where=is_critical),
        critical_processes=bp.count(where=is_critical),
    )
    critical = crit.filter(crit.criticality >= model.params.critical_min).select("account_id", "process")
    cu = fp.filter(fp.user_id.notnull()).join(critical, ["account_id", "process"])
    cusers = cu.group_by(keys).aggregate(critical_users=cu.user_id.nunique())

    m = base
    signals = signal_values(inputs.signals, spine_df, model) if inputs.signals is not None else []
    for part in (users, key, procs, cusers, *signals):
        m = m.left_join(part, keys).select(~s.endswith("_right"))
    m = m.left_join(seen, "account_id").select(~s.endswith("_right"))
    unknown = (m._first_day <= m.as_of) & (m._first_user_day.isnull() | (m._first_user_day > m.as_of))
    m = m.mutate(**{c: m[c].fill_null(0) for c in COUNT_COLUMNS}, users_unknown=unknown.fill_null(False))
    m = m.drop("_first_day", "_first_user_day")

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
    df = account_measures(inputs, spine, model).to_pandas()
    df["as_of"] = pd.to_datetime(df["as_of"]).dt.date
    return df.sort_values(["as_of", "account_id"]).reset_index(drop=True)
