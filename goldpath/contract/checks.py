"""Consistency checks across accepted tables: problems that no single row shows.

They do not quarantine anything (every row is valid on its own) but each one distorts
scores silently if nobody is told, so the load report lists them as warnings.
"""

from __future__ import annotations

import datetime as dt_

import ibis.expr.types as ir
import pandas as pd

from goldpath.model.spec import Model

_SHOW = 5


def _names(values: list[str]) -> str:
    shown = ", ".join(sorted(values)[:_SHOW])
    return shown + (f" and {len(values) - _SHOW} more" if len(values) > _SHOW else "")


def consistency_warnings(tables: dict[str, ir.Table], model: Model) -> list[str]:
    """Warnings about the catalogue, the model's key features and the events.

    Parameters
    ----------
    tables
        Accepted tables of a load, by contract name.
    model
        The scoring model, for its key features and critical threshold.
    """
    warnings: list[str] = []
    events, pf, crit = tables["events"], tables["process_features"], tables["process_criticality"]
    mapped = set(pf.feature.to_pyarrow().to_pylist())
    by_feature = events.group_by("feature").aggregate(n=events.count()).to_pandas()
    unmapped = by_feature[~by_feature["feature"].isin(mapped)]
    if len(unmapped):
        warnings.append(
            f"events: {int(unmapped['n'].sum()):,} events of {len(unmapped)} feature(s) map to no process in "
            f"process_features ({_names(unmapped['feature'].tolist())}); they count for Engagement only"
        )
    used = set(by_feature["feature"])
    processes = set(crit.filter(crit.criticality > 0).process.to_pyarrow().to_pylist())
    served = set(pf.process.to_pyarrow().to_pylist())
    orphans = sorted(processes - served)
    if orphans:
        warnings.append(
            f"process_criticality: process(es) {_names(orphans)} have no feature in process_features, so they "
            f"can never run and lower every account's process coverage"
        )
    keys = {f for feats in model.params.key_features.values() for f in feats}
    unknown = sorted(keys - used - mapped)
    if unknown:
        warnings.append(
            f"model params.key_features: {_names(unknown)} appear in no event and no process_features row; "
            f"no account can adopt them"
        )
    if not any(c >= model.params.critical_min for c in crit.criticality.to_pyarrow().to_pylist()):
        warnings.append(
            f"process_criticality: no process reaches critical_min {model.params.critical_min:g}, so the "
            f"critical-process measures have no data"
        )
    if events.count().to_pyarrow().as_py() and not events.filter(events.user_id.notnull()).count().to_pyarrow().as_py():
        warnings.append(
            "events: no event names a user (user_id is empty in every row; map it with `columns: {user_id: ...}` "
            "if the file has one): the measures that count users are missing for every account"
        )
    signals = tables.get("signals")
    metrics = set() if signals is None else set(signals.metric.to_pyarrow().to_pylist())
    for name, m in model.signal_measures().items():
        if m.signal not in metrics:
            close = [x for x in metrics if x.lower() == m.signal.lower()]
            hint = f" (the signals table has {close[0]!r})" if close else ""
            warnings.append(
                f"model measure {name}: no signal named {m.signal!r} in the signals table{hint}; it is always missing"
            )
    if not model.segments and "accounts" in tables:
        seen = set(tables["accounts"].segment.to_pyarrow().to_pylist())
        for where, keys in (("tiers", model.tiers), ("params.key_features", model.params.key_features)):
            unknown_keys = sorted(k for k in keys if k != "default" and k not in seen)
            if unknown_keys:
                warnings.append(
                    f"model {where}: {', '.join(unknown_keys)} is not a segment of any account, so it is never used"
                )
    ids = events.filter(events.event_id.notnull())
    shared = ids.group_by("event_id").aggregate(accounts=ids.account_id.nunique())
    n_shared = shared.filter(shared.accounts > 1).count().to_pyarrow().as_py()
    if n_shared:
        warnings.append(
            f"events: {n_shared:,} event_id value(s) appear in more than one account; they are kept in each "
            f"(duplicates are only dropped within an account)"
        )
    return warnings


#: The date column that says how fresh each source is.
FRESHNESS = {
    "events": "timestamp", "signals": "date", "acknowledgements": "date", "renewals": "renewal_date",
    "outcomes": "defined_at", "accounts": "contract_start",
}


def quality_report(raws: dict, results: dict, accepted: dict[str, ir.Table], model: Model, examples: int = 3) -> dict:
    """The data quality report behind ``goldpath check`` (see :meth:`Workspace.check`)."""
    from goldpath.engine.facts import dedupe_events

    now = dt_.datetime.now(dt_.timezone.utc).replace(tzinfo=None)
    sources = []
    for name, r in results.items():
        p = r.problems
        by_problem = []
        if len(p):
            for (column, problem), g in p.groupby(["column", "problem"], sort=False):
                by_problem.append({
                    "column": column, "problem": problem, "rows": int(g["row"].nunique()),
                    "examples": [{"row": int(x.row), "value": None if pd.isna(x.value) else str(x.value)}
                                 for x in g.head(examples).itertuples(index=False)],
                })
        t = accepted[name]
        entry = {
            "table": name, "file": raws[name].file, "rows_read": r.rows_read,
            "rows_accepted": int(t.count().to_pyarrow().as_py()), "rows_quarantined": r.rows_quarantined,
            "quarantined_by_problem": by_problem,
        }
        if name in FRESHNESS:
            newest = t[FRESHNESS[name]].max().to_pyarrow().as_py()
            entry["newest"] = None if newest is None else str(newest)
        sources.append(entry)
    report = {"checked_at": now.isoformat(timespec="seconds"), "sources": sources}
    events, accounts = accepted["events"], accepted["accounts"]
    kept = dedupe_events(events)
    j = events.join(accounts.select("account_id", "contract_start"), "account_id")
    stats = {
        "duplicates": int(events.count().to_pyarrow().as_py() - kept.count().to_pyarrow().as_py()),
        "before_contract_start": int(j.filter(j.timestamp.date() < j.contract_start).count().to_pyarrow().as_py()),
        "in_the_future": int(events.filter(events.timestamp > now).count().to_pyarrow().as_py()),
        "without_user": int(events.filter(events.user_id.isnull()).count().to_pyarrow().as_py()),
    }
    renewals = accepted.get("renewals")
    if renewals is not None:
        churn = renewals.filter(renewals.outcome == "churned")
        churn = churn.group_by("account_id").aggregate(churned_on=churn.renewal_date.min())
        k = events.join(churn, "account_id")
        stats["after_churn"] = int(k.filter(k.timestamp.date() > k.churned_on).count().to_pyarrow().as_py())
    report["events"] = stats
    report["warnings"] = consistency_warnings(accepted, model)
    return report
