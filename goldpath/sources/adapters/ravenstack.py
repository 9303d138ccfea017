"""The Kaggle RavenStack SaaS dataset (Rivalytics, synthetic) as a goldpath workspace.

``convert(src, out)`` writes contract tables, a ``goldpath.yaml`` and a model for data
without user ids:

- accounts: plan tier as segment, ARR of the latest subscription, seats, signup as contract start;
- events: each feature-usage row (``usage_count`` as quantity, ``usage_id`` as event id), its
  account found through its subscription; there are **no user ids**, so the measures that count
  users are missing and coverage says so;
- signals: each support ticket's satisfaction (``csat``) and first response time;
- renewals: churn events (one per account and day);
- a process catalogue: the dataset names no processes, so ``feature_1..40`` are grouped into
  eight illustrative processes (labelled as such).

The dataset's known defects are left in for ``goldpath check`` to find; the ones no table
check can see are returned as notes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from goldpath.errors import SourceError
from goldpath.sources.adapters import TIERS, write_config

FILES = ("accounts", "subscriptions", "feature_usage", "support_tickets", "churn_events")

MODEL = """\
# Model for RavenStack usage without user ids (written by `goldpath adapt ravenstack`).
# The user-counting measures stay in the model: they are missing for every account, and the
# coverage on each score says so. Engagement rests on the support signals until user ids exist.
name: ravenstack-v1
window_days: 28
params:
  critical_min: 4
  key_features: {default: [feature_1, feature_2, feature_3, feature_4, feature_5]}
engagement:
  min_coverage: 0.3
  measures:
    active_seat_ratio: {weight: 30, scheme: {type: linear, min: 0.2, max: 0.9}}
    key_feature_adoption: {weight: 30, scheme: {type: linear, min: 0.2, max: 1.0}}
    csat: {signal: csat, freshness_days: 365, weight: 25, scheme: {type: linear, min: 2, max: 5}}
    first_response_minutes:
      signal: first_response_minutes
      freshness_days: 365
      weight: 15
      scheme: {type: linear, min: 30, max: 240, direction: lower}
indispensability:
  min_coverage: 0.5
  measures:
    process_coverage: {weight: 50, scheme: {type: linear, min: 0.1, max: 0.8}}
    critical_process_regularity: {weight: 30, scheme: {type: linear, min: 0.05, max: 0.5}}
    critical_process_reach: {weight: 20, scheme: {type: linear, min: 0.3, max: 1.0}}
""" + TIERS

HEADER = "# RavenStack workspace written by `goldpath adapt ravenstack` (data: Rivalytics, synthetic, credit\n# \"River @ Rivalytics\").\n"


def _read(src: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for name in FILES:
        path = src / f"ravenstack_{name}.csv"
        if not path.exists():
            raise SourceError(str(path), "file not found; expected the five ravenstack_*.csv files")
        out[name] = pd.read_csv(path, dtype=str, keep_default_na=False)
    return out


def convert(src: Path, out: Path) -> list[str]:
    """Write a goldpath workspace for the RavenStack files in ``src`` into ``out``.

    Returns
    -------
    list of str
        Defects of the dataset that no single table shows.
    """
    t = _read(Path(src))
    data = Path(out) / "data"
    data.mkdir(parents=True, exist_ok=True)
    acc, subs, usage = t["accounts"], t["subscriptions"], t["feature_usage"]

    latest = subs.sort_values("start_date").groupby("account_id").tail(1).set_index("account_id")
    ends = subs.assign(end=pd.to_datetime(subs["end_date"], errors="coerce")).groupby("account_id")["end"].max()
    signup = pd.to_datetime(acc["signup_date"], errors="coerce")
    last_start = pd.to_datetime(acc["account_id"].map(latest["start_date"]), errors="coerce")
    renewal = acc["account_id"].map(ends).fillna(last_start + pd.Timedelta(days=365))
    renewal = renewal.where(renewal >= signup, signup + pd.Timedelta(days=365))
    accounts = pd.DataFrame({
        "account_id": acc["account_id"], "name": acc["account_name"], "segment": acc["plan_tier"].str.lower(),
        "arr": acc["account_id"].map(latest["arr_amount"]), "seats": acc["seats"],
        "contract_start": acc["signup_date"], "renewal_date": renewal.dt.strftime("%Y-%m-%d"),
    })
    accounts.to_csv(data / "accounts.csv", index=False)

    sub_account = subs.set_index("subscription_id")["account_id"]
    events = pd.DataFrame({
        "account_id": usage["subscription_id"].map(sub_account).fillna(""), "user_id": "",
        "feature": usage["feature_name"], "timestamp": usage["usage_date"], "event_id": usage["usage_id"],
        "quantity": usage["usage_count"],
    })
    events.to_csv(data / "events.csv", index=False)

    features = sorted(set(usage["feature_name"]), key=lambda f: (len(f), f))
    pd.DataFrame({"feature": features, "process": [f"process_{i % 8 + 1}" for i in range(len(features))]}).to_csv(
        data / "process_features.csv", index=False
    )
    pd.DataFrame({"process": [f"process_{i}" for i in range(1, 9)], "segment": "*",
                  "criticality": [5, 5, 4, 4, 3, 3, 2, 2]}).to_csv(data / "process_criticality.csv", index=False)

    tk = t["support_tickets"]
    day = tk["submitted_at"].str[:10]
    signals = pd.concat([
        pd.DataFrame({"account_id": tk["account_id"], "metric": "csat", "value": tk["satisfaction_score"], "date": day}),
        pd.DataFrame({"account_id": tk["account_id"], "metric": "first_response_minutes",
                      "value": tk["first_response_time_minutes"], "date": day}),
    ])
    signals = signals[signals["value"] != ""]
    # Several tickets on one day: their mean is the day's value (one row per account, metric and date).
    signals = signals.assign(value=pd.to_numeric(signals["value"], errors="coerce"))
    signals.groupby(["account_id", "metric", "date"], as_index=False)["value"].mean().to_csv(data / "signals.csv", index=False)

    ch = t["churn_events"].drop_duplicates(["account_id", "churn_date"])
    arr = accounts.set_index("account_id")["arr"]
    pd.DataFrame({"account_id": ch["account_id"], "renewal_date": ch["churn_date"], "outcome": "churned",
                  "arr_before": ch["account_id"].map(arr).fillna("0"), "arr_after": 0}).to_csv(
        data / "renewals.csv", index=False)

    notes = _notes(t)
    write_config(Path(out), HEADER, "ravenstack", notes)
    (Path(out) / "model.yaml").write_text(MODEL, encoding="utf-8")
    (Path(out) / "SOURCE.md").write_text(
        "RavenStack synthetic B2B SaaS dataset by River @ Rivalytics (Kaggle; MIT-like, fully synthetic, "
        "no PII; credit required). The process catalogue (process_1..8) is illustrative: the dataset "
        "names no processes.\n", encoding="utf-8")
    return notes


def _notes(t: dict[str, pd.DataFrame]) -> list[str]:
    """Defects across the dataset's own tables, which the contract tables no longer show."""
    acc, subs, churn, usage = t["accounts"], t["subscriptions"], t["churn_events"], t["feature_usage"]
    flagged = set(acc.loc[acc["churn_flag"] == "True", "account_id"])
    sub_flagged = set(subs.loc[subs["churn_flag"] == "True", "account_id"])
    disagree = len(flagged ^ sub_flagged)
    j = usage.merge(subs[["subscription_id", "start_date", "end_date"]], on="subscription_id")
    outside = ((j["usage_date"] < j["start_date"]) | ((j["end_date"] != "") & (j["usage_date"] > j["end_date"]))).sum()
    return [
        f"accounts.churn_flag disagrees with the subscriptions' churn flags for {disagree} of {len(acc)} accounts",
        f"{int(outside)} of {len(usage)} usage rows fall outside their subscription's dates (`check` counts "
        f"against the account's signup and churn dates instead, so its numbers differ)",
        f"{int(churn.duplicated(['account_id', 'churn_date']).sum())} churn events repeat an account and day "
        f"(kept once); {int(churn['account_id'].duplicated().sum())} accounts churned more than once",
    ]
