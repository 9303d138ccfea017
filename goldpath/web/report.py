"""``goldpath report``: one self-contained HTML file with the portfolio, the matrix, migrations and
the riskiest accounts by ARR.

plotly.js (from the plotly package) and the stylesheet are inlined, so the file opens offline
and names no external URL. Every number is a stored score, ARR or count read through the
Workspace, as the dashboard shows them.
"""

from __future__ import annotations

import datetime as dt_
from pathlib import Path

import pandas as pd

from goldpath.errors import GoldpathError
from goldpath.model.spec import AXES
from goldpath.scoring.tiers import INSUFFICIENT, riskiest_first
from goldpath.web import charts
from goldpath.workspace import Workspace, portfolio_summary

RISKY = ("red", "yellow", INSUFFICIENT)
"""Tiers listed among the riskiest accounts (ordered as every account list: :func:`riskiest_first`)."""


def riskiest(scores: pd.DataFrame, limit: int = 25) -> pd.DataFrame:
    """Red, then Yellow, then insufficient-data accounts, each by ARR descending; the first ``limit``."""
    return riskiest_first(scores[scores["tier"].isin(RISKY)]).head(limit)


def build_report(ws: Workspace, as_of: str | dt_.date | None = None, limit: int = 25) -> str:
    """The report's HTML for a stored date (the latest when omitted)."""
    from goldpath.web.pages import STATIC, mark_overrides, override_counts, plotly_js, templates

    scores = ws.scores(as_of)
    if scores.empty:
        raise GoldpathError(f"{as_of} has not been scored; scored dates: "
                            f"{', '.join(str(d) for d in ws.scored_dates()[-5:]) or 'none yet'}")
    scores = mark_overrides(ws, scores)
    day = pd.Timestamp(scores["as_of"].iloc[0]).date()
    dates = [d for d in ws.scored_dates() if d <= day]
    start = max([d for d in dates if d <= day - dt_.timedelta(days=91)] or dates[:1])
    counts, arr = ws.migrations(start, day)
    history = ws.portfolio_history()
    history = history[history["as_of"] <= day]
    rules = ws.model.tier_rules("default")
    notes = charts.zone_notes(rules)
    others = sorted(set(scores["model_segment"].dropna()) & set(ws.model.tiers) - {"default"})
    if others:
        notes.insert(0, f"zones of the default rules; accounts of segment(s) {', '.join(others)} have their own "
                        f"rules, and every account's colour is its actual tier")
    risky = riskiest(scores, limit)
    actions: dict[str, str] = {}
    try:
        acts = ws.actions(day)
        for r in acts.itertuples(index=False):
            actions.setdefault(r.account_id, f"{r.owner}: {r.action}")
    except GoldpathError:
        pass
    moved = [{"from": f, "to": t, "accounts": int(counts.loc[f, t]), "arr": float(arr.loc[f, t])}
             for f in counts.index for t in counts.columns if counts.loc[f, t] and f != t]
    moved.sort(key=lambda m: -m["arr"])
    template = templates.env.get_template("report.html")
    return template.render(
        name=ws.config.name, as_of=day, generated=dt_.datetime.now().strftime("%Y-%m-%d %H:%M"),
        model=f"{scores['model_name'].iloc[0]} @ {scores['model_version'].iloc[0]}",
        summary=portfolio_summary(scores).to_dict("records"), total_accounts=len(scores), total_arr=scores["arr"].sum(),
        known=ws.account_count(), css=(STATIC / "goldpath.css").read_text(encoding="utf-8"),
        plotly_js=plotly_js().decode("utf-8"),
        matrix=charts.to_div(charts.matrix_figure(scores, rules), "matrix"), notes=notes,
        over_time=charts.to_div(charts.tiers_over_time_figure(history, "accounts"), "tiers-accounts"),
        arr_over_time=charts.to_div(charts.tiers_over_time_figure(history, "arr"), "tiers-arr"),
        start=start, counts=counts, arr=arr, moved=moved,
        migration_chart=charts.to_div(charts.migration_figure(counts, arr, str(start), str(day)), "migrations"),
        risky=risky.to_dict("records"), risky_arr=risky["arr"].sum(), actions=actions, axes=AXES,
        risky_total=int(scores["tier"].isin(RISKY).sum()), limit=limit, overridden=override_counts(scores),
    )


def write_report(ws: Workspace, output: str | Path, as_of: str | dt_.date | None = None) -> Path:
    """Write the report to ``output`` and return its path."""
    path = Path(output)
    path.write_text(build_report(ws, as_of), encoding="utf-8")
    return path
