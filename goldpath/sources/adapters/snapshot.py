"""A flat account snapshot (one row per account, no events) as a goldpath workspace.

Shaped after the PySurvival "churn" dataset (square/pysurvival, Apache-2.0): module adoption
states (``Active``, ``Free-Trial``, ``No``) per product module, CSAT, engagement counts, support
minutes, company size, months active and a churn flag. ``convert(src_csv, out, snapshot)``
writes:

- accounts with an id of their own (the file has none), company size as segment, contract start
  ``months_active`` months before the snapshot date; ARR and seats are not in the file, so ARR
  is 0 and seats the lower bound of the company size band (both stated in SOURCE.md);
- signals dated on the snapshot date: every numeric column, each module's adoption (Active 1,
  Free-Trial 0.5, No 0) and their mean, ``module_adoption``;
- the modules as processes of the catalogue (there are no events to run them);
- renewals 30 days after the snapshot: ``churned`` or ``renewed``, so ``goldpath backtest
  --lead 30d`` measures whether the tiers foresaw the churn flag;
- a model that reads only signals: usage measures would see no events and score zero.
"""

from __future__ import annotations

import datetime as dt_
from pathlib import Path

import pandas as pd

from goldpath.errors import SourceError
from goldpath.sources.adapters import TIERS, write_config

MODULES = ("product_travel_expense", "product_payroll", "product_accounting")
ADOPTION = {"Active": 1.0, "Free-Trial": 0.5, "No": 0.0}
SIGNALS = (
    "csat_score", "articles_viewed", "smartphone_notifications_viewed", "marketing_emails_clicked",
    "social_media_ads_viewed", "minutes_customer_support", "product_data_storage",
)

MODEL = """\
# Model for a flat account snapshot without events (written by `goldpath adapt snapshot`).
name: snapshot-v1
params: {critical_min: 4}
engagement:
  measures:
    csat: {signal: csat_score, freshness_days: 365, weight: 40, scheme: {type: linear, min: 3, max: 9}}
    articles: {signal: articles_viewed, freshness_days: 365, weight: 20, scheme: {type: linear, min: 0, max: 8}}
    emails: {signal: marketing_emails_clicked, freshness_days: 365, weight: 20, scheme: {type: linear, min: 0, max: 20}}
    notifications: {signal: smartphone_notifications_viewed, freshness_days: 365, weight: 20,
                    scheme: {type: linear, min: 0, max: 3}}
indispensability:
  measures:
    modules: {signal: module_adoption, freshness_days: 365, weight: 60, scheme: {type: linear, min: 0.2, max: 1.0}}
    storage: {signal: product_data_storage, freshness_days: 365, weight: 25, scheme: {type: log, min: 0, max: 5120}}
    support: {signal: minutes_customer_support, freshness_days: 365, weight: 15,
              scheme: {type: linear, min: 0, max: 30, direction: lower}}
""" + TIERS

HEADER = "# Flat snapshot workspace written by `goldpath adapt snapshot`.\n"


def _seats(size: str) -> int:
    """The lower bound of a company size band such as ``10-50`` (at least 1)."""
    head = str(size).split("-")[0].strip().rstrip("+")
    return max(1, int(head)) if head.isdigit() else 1


def convert(src: Path, out: Path, snapshot: dt_.date = dt_.date(2024, 1, 31)) -> list[str]:
    """Write a workspace for the flat snapshot ``src`` into ``out``; returns notes on what was assumed."""
    try:
        df = pd.read_csv(src)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise SourceError(str(src), f"cannot be read as CSV: {exc}") from exc
    missing = [c for c in (*MODULES, *SIGNALS, "company_size", "months_active", "churned") if c not in df.columns]
    if missing:
        raise SourceError(str(src), f"missing column(s) {missing}", row="header")
    data = Path(out) / "data"
    data.mkdir(parents=True, exist_ok=True)
    ids = [f"S{i:05d}" for i in range(1, len(df) + 1)]
    day = pd.Timestamp(snapshot)
    start = [(day - pd.DateOffset(months=int(m))).date() for m in df["months_active"].fillna(0)]
    pd.DataFrame({
        "account_id": ids, "name": [f"Company {i}" for i in ids], "segment": df["company_size"].astype(str),
        "arr": 0, "seats": [_seats(s) for s in df["company_size"]], "contract_start": start,
        "renewal_date": snapshot + dt_.timedelta(days=30),
    }).to_csv(data / "accounts.csv", index=False)
    pd.DataFrame(columns=["account_id", "user_id", "feature", "timestamp"]).to_csv(data / "events.csv", index=False)
    pd.DataFrame({"feature": list(MODULES), "process": [m.removeprefix("product_") for m in MODULES]}).to_csv(
        data / "process_features.csv", index=False)
    pd.DataFrame({"process": [m.removeprefix("product_") for m in MODULES], "segment": "*", "criticality": 5}).to_csv(
        data / "process_criticality.csv", index=False)
    rows = []
    adoption = pd.DataFrame({m: df[m].map(ADOPTION) for m in MODULES})
    for col in SIGNALS:
        rows.append(pd.DataFrame({"account_id": ids, "metric": col, "value": df[col]}))
    for m in MODULES:
        rows.append(pd.DataFrame({"account_id": ids, "metric": m.removeprefix("product_"), "value": adoption[m]}))
    rows.append(pd.DataFrame({"account_id": ids, "metric": "module_adoption", "value": adoption.mean(axis=1)}))
    signals = pd.concat(rows, ignore_index=True).assign(date=snapshot)
    signals.dropna(subset=["value"]).to_csv(data / "signals.csv", index=False)
    churned = df["churned"].fillna(0).astype(float) > 0
    pd.DataFrame({"account_id": ids, "renewal_date": snapshot + dt_.timedelta(days=30),
                  "outcome": ["churned" if c else "renewed" for c in churned], "arr_before": 0, "arr_after": 0}).to_csv(
        data / "renewals.csv", index=False)
    (Path(out) / "model.yaml").write_text(MODEL, encoding="utf-8")
    (Path(out) / "SOURCE.md").write_text(
        f"Flat account snapshot converted by goldpath from {Path(src).name}. Assumed: snapshot date {snapshot}, "
        "ARR 0 (not in the file), seats = lower bound of the company size band, renewals 30 days after the "
        "snapshot from the churn flag.\n", encoding="utf-8")
    unknown = sorted(set().union(*[set(df[m].dropna().unique()) - set(ADOPTION) for m in MODULES]))
    notes = [f"{int(churned.sum())} of {len(df)} accounts churned; renewals are dated {snapshot + dt_.timedelta(days=30)}"]
    if unknown:
        notes.append(f"unknown module states {unknown} read as no adoption")
    notes.append("ARR and seats are not in the file: ARR is 0 and seats the lower bound of the company size band")
    notes.append(
        f"the signals and the churn flag describe the same snapshot: score it on {snapshot}, and read a backtest "
        f"(--lead 30d) as an in-sample fit of the tiers to that flag, not as a prediction"
    )
    write_config(Path(out), HEADER, "snapshot", notes)
    return notes
