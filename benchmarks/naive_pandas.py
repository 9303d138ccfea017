"""A naive pandas implementation of goldpath's usage measures, for the benchmark.

What a data scientist would write without goldpath: read the events of the window (with
a day of margin on each side for time zones) into pandas, drop exact retries, convert
each account's timestamps to its time zone, and compute every measure with groupbys.
It reads the workspace's files and ``model.yaml`` directly and shares no code with the
engine, so agreement between the two is evidence that both are right.

It assumes what the benchmark's generator guarantees: every event names a user (so no
account is "users unknown"), no model segment rules, no signals, no renewals and no
criticality overrides. It checks the first and refuses the others.
"""

from __future__ import annotations

import datetime as dt_
from pathlib import Path

import pandas as pd
import yaml

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MEASURE_NAMES = (
    "active_seat_ratio", "stickiness", "active_days_per_active_user", "key_feature_adoption",
    "process_coverage", "critical_process_regularity", "critical_process_reach",
)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    num, den = num.astype("float64"), den.astype("float64")
    return (num / den).where(den > 0)


def measures(root: Path, as_of: dt_.date) -> pd.DataFrame:
    """Every usage measure (and its counts) per account under contract on ``as_of``."""
    root = Path(root)
    config = yaml.safe_load((root / "goldpath.yaml").read_text())
    model = yaml.safe_load((root / config["model"]).read_text())
    if model.get("segments") or config["sources"].keys() - {"accounts", "events", "process_features", "process_criticality"}:
        raise ValueError("naive_pandas handles workspaces without segment rules, signals, renewals or overrides only")
    window = int(model.get("window_days", 28))
    working = [WEEKDAYS.index(d) for d in model.get("working_days", ["mon", "tue", "wed", "thu", "fri"])]
    params = model.get("params", {})
    min_users = int(params.get("key_feature_min_users", 2))
    critical_min = float(params.get("critical_min", 4))
    key_features = params.get("key_features", {})

    accounts = pd.read_csv(root / config["sources"]["accounts"], dtype=str, keep_default_na=False)
    accounts["seats"] = accounts["seats"].astype("int64")
    accounts["contract_start"] = pd.to_datetime(accounts["contract_start"])
    accounts["timezone"] = accounts["timezone"].replace("", "UTC")
    day = pd.Timestamp(as_of)
    accounts = accounts[accounts["contract_start"] <= day].copy()
    accounts["window_from"] = accounts["contract_start"].clip(lower=day - pd.Timedelta(days=window - 1))
    accounts["window_days"] = (day - accounts["window_from"]).dt.days + 1
    cal = pd.DataFrame({"day": pd.date_range(day - pd.Timedelta(days=window - 1), day)})
    cal["later_working"] = cal["day"].dt.dayofweek.isin(working)[::-1].cumsum()[::-1].astype("int64")
    accounts = accounts.merge(cal.rename(columns={"day": "window_from"}), on="window_from", how="left")
    accounts["working_days"] = accounts.pop("later_working")

    ev = config["sources"]["events"]
    ev_path = root / (ev["path"] if isinstance(ev, dict) else ev)
    lo = day - pd.Timedelta(days=window)  # a day before the window, for zones east of UTC
    hi = day + pd.Timedelta(days=2)  # a day after it, for zones west of UTC
    events = pd.read_parquet(
        ev_path, columns=["account_id", "user_id", "feature", "timestamp"],
        filters=[("timestamp", ">=", lo), ("timestamp", "<", hi)],
    )
    if events["user_id"].isna().any():
        raise ValueError("naive_pandas assumes every event names a user")
    events = events.drop_duplicates(["account_id", "user_id", "feature", "timestamp"])
    events = events.merge(accounts[["account_id", "timezone", "window_from"]], on="account_id")
    events["day"] = pd.NaT
    for zone, idx in events.groupby("timezone").groups.items():
        local = events.loc[idx, "timestamp"].dt.tz_localize("UTC").dt.tz_convert(zone).dt.tz_localize(None)
        events.loc[idx, "day"] = local.dt.normalize()
    events["day"] = pd.to_datetime(events["day"])
    events = events[(events["day"] >= events["window_from"]) & (events["day"] <= day)]

    out = accounts.set_index("account_id")[["segment", "seats", "window_days", "working_days"]].copy()
    out["active_users"] = events.groupby("account_id")["user_id"].nunique()
    out["user_days"] = events.drop_duplicates(["account_id", "user_id", "day"]).groupby("account_id").size()

    # Key features used by at least min_users users.
    fu = events.groupby(["account_id", "feature"])["user_id"].nunique().reset_index(name="users")
    adopted = fu[fu["users"] >= min_users]
    seg_key = out["segment"].where(out["segment"].isin(list(key_features)), "default")
    kf = pd.DataFrame([(s, f) for s, fs in key_features.items() for f in dict.fromkeys(fs)], columns=["segment_key", "feature"])
    ak = seg_key.rename("segment_key").reset_index().merge(kf, on="segment_key")
    out["key_features_total"] = ak.groupby("account_id")["feature"].nunique()
    hit = ak.merge(adopted, on=["account_id", "feature"])
    out["key_features_adopted"] = hit.groupby("account_id").size()

    # Criticality per account and process: its segment's row, else the '*' row; > 0 only.
    pf = pd.read_csv(root / config["sources"]["process_features"], dtype=str)
    crit = pd.read_csv(root / config["sources"]["process_criticality"], dtype={"process": str, "segment": str})
    pairs = out[["segment"]].reset_index().merge(pd.DataFrame({"process": crit["process"].unique()}), how="cross")
    seg_rows = crit[crit["segment"] != "*"].rename(columns={"criticality": "c_seg"})
    star_rows = crit[crit["segment"] == "*"].drop(columns="segment").rename(columns={"criticality": "c_star"})
    pairs = pairs.merge(seg_rows, on=["process", "segment"], how="left").merge(star_rows, on="process", how="left")
    pairs["criticality"] = pairs["c_seg"].fillna(pairs["c_star"]).fillna(0.0)
    pairs = pairs[pairs["criticality"] > 0]

    runs = events.merge(pf, on="feature")[["account_id", "user_id", "day", "process"]].drop_duplicates()
    runs["working"] = runs["day"].dt.dayofweek.isin(working)
    ran = runs.groupby(["account_id", "process"])["day"].nunique().rename("ran_days").to_frame()
    ran["ran_working_days"] = runs[runs["working"]].groupby(["account_id", "process"])["day"].nunique()
    ran = ran.reset_index()
    bp = pairs.merge(ran, on=["account_id", "process"], how="left").fillna({"ran_days": 0, "ran_working_days": 0})
    bp = bp.merge(out[["working_days"]].reset_index(), on="account_id")
    bp["ran"] = bp["ran_days"] > 0
    bp["critical"] = bp["criticality"] >= critical_min
    bp["regular"] = bp["criticality"] * _ratio(bp["ran_working_days"], bp["working_days"])
    g = bp.groupby("account_id")
    out["criticality_total"] = g["criticality"].sum()
    out["criticality_run"] = bp[bp["ran"]].groupby("account_id")["criticality"].sum()
    out["critical_weight"] = bp[bp["critical"]].groupby("account_id")["criticality"].sum()
    out["critical_regular_weight"] = bp[bp["critical"]].groupby("account_id")["regular"].sum()
    out["critical_processes"] = bp[bp["critical"]].groupby("account_id").size()
    crit_pairs = bp[bp["critical"]][["account_id", "process"]]
    out["critical_users"] = runs.merge(crit_pairs, on=["account_id", "process"]).groupby("account_id")["user_id"].nunique()
    counts = ["active_users", "user_days", "key_features_total", "key_features_adopted", "criticality_total",
              "criticality_run", "critical_weight", "critical_regular_weight", "critical_processes", "critical_users"]
    out[counts] = out[counts].fillna(0)

    out["active_seat_ratio"] = _ratio(out["active_users"], out["seats"])
    out["stickiness"] = _ratio(out["user_days"], out["active_users"] * out["window_days"])
    out["active_days_per_active_user"] = _ratio(out["user_days"], out["active_users"])
    out["key_feature_adoption"] = _ratio(out["key_features_adopted"], out["key_features_total"])
    out["process_coverage"] = _ratio(out["criticality_run"], out["criticality_total"])
    out["critical_process_regularity"] = _ratio(out["critical_regular_weight"], out["critical_weight"]).where(
        out["working_days"] > 0
    )
    out["critical_process_reach"] = _ratio(out["critical_users"], out["active_users"]).where(out["critical_processes"] > 0)
    return out.reset_index().sort_values("account_id").reset_index(drop=True)


def compare(goldpath: pd.DataFrame, naive: pd.DataFrame, tolerance: float = 1e-9) -> list[str]:
    """Disagreements between goldpath's raw measures (long: account_id, measure, raw) and these.

    Returns one line per problem (empty when both agree on every account and measure):
    accounts only one side scored, and values that differ by more than ``tolerance`` or
    are missing on one side only.
    """
    wide = goldpath.pivot(index="account_id", columns="measure", values="raw")
    problems = []
    only_g = sorted(set(wide.index) - set(naive["account_id"]))
    only_n = sorted(set(naive["account_id"]) - set(wide.index))
    if only_g:
        problems.append(f"{len(only_g)} account(s) scored by goldpath only, e.g. {only_g[:5]}")
    if only_n:
        problems.append(f"{len(only_n)} account(s) measured by pandas only, e.g. {only_n[:5]}")
    n = naive.set_index("account_id").reindex(wide.index)
    for name in MEASURE_NAMES:
        if name not in wide.columns:
            problems.append(f"{name}: not in goldpath's stored measures (is it in the model?)")
            continue
        a, b = wide[name].astype("float64"), n[name].astype("float64")
        differ = (a.isna() != b.isna()) | ((a - b).abs() > tolerance)
        if differ.any():
            ex = differ[differ].index[:3]
            shown = ", ".join(f"{k}: goldpath {a[k]!r} vs pandas {b[k]!r}" for k in ex)
            problems.append(f"{name}: {int(differ.sum())} account(s) differ ({shown})")
    return problems
