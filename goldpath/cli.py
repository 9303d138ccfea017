"""The ``goldpath`` command line: a thin layer over :class:`goldpath.workspace.Workspace`."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Callable, NoReturn, Optional, TypeVar

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from goldpath.errors import GoldpathError
from goldpath.init import DEMO_AS_OF, example_dir, write_template
from goldpath.scoring.explain import Explanation, gold_lines
from goldpath.scoring.path import NextTierPlan
from goldpath.scoring.tiers import TIER_ORDER, riskiest_first
from goldpath.workspace import LoadReport, Workspace, history_dates, portfolio_summary

T = TypeVar("T")

app = typer.Typer(
    help="goldpath: customer health on two axes (Engagement, Indispensability), tiers and the GOLD gate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Rich uses the terminal's width; when output is piped it reads COLUMNS, else this default.
_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 140
console = Console(width=_WIDTH)
err = Console(stderr=True, width=_WIDTH)

TIER_STYLE = {"gold": "bold gold1", "green": "green", "yellow": "yellow", "red": "bold red", "insufficient data": "dim"}
WORKSPACE = typer.Option(Path("."), "--workspace", "-w", help="Workspace folder (holds goldpath.yaml).", envvar="GOLDPATH_WORKSPACE")


def _in_workspace(workspace: Path, call: Callable[[Workspace], T]) -> T:
    """Run ``call`` on the workspace, turning a user-facing error into a message and exit code 2."""
    try:
        with Workspace(workspace) as ws:
            return call(ws)
    except GoldpathError as exc:
        _fail(exc)


def _fail(exc: Exception) -> NoReturn:
    err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
    raise typer.Exit(2)


def _tier(t: str) -> str:
    label = t.upper() if t == "gold" else t
    style = TIER_STYLE.get(t)
    return f"[{style}]{label}[/]" if style else label


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _num(x: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if x is None or pd.isna(x) else fmt.format(x)


def print_load(report: LoadReport, examples: int = 5) -> None:
    """Print what a load read, accepted and quarantined, with example problems."""
    t = Table(title="Inputs", title_justify="left")
    for c in ("table", "file", "read", "accepted", "quarantined", "of accepted: duplicates"):
        t.add_column(c, justify="right" if c not in ("table", "file") else "left")
    for r in report.log.itertuples(index=False):
        q = f"[red]{r.rows_quarantined:,}[/]" if r.rows_quarantined else "0"
        t.add_row(r.table, r.file, f"{r.rows_read:,}", f"{r.rows_accepted:,}", q, f"{r.duplicates_dropped:,}")
    console.print(t)
    p = report.problems
    if len(p):
        rows = int(p.groupby("table")["row"].nunique().sum())
        console.print(f"[red]{_plural(rows, 'row')} quarantined[/] ({_plural(len(p), 'problem')}); "
                      f"examples (all in `goldpath quarantine`):")
        for (_, _, _), g in p.groupby(["table", "column", "problem"], sort=False):
            for r in g.head(examples).itertuples(index=False):
                got = "" if r.value is None or pd.isna(r.value) else f" (got {r.value!r})"
                console.print(f"  {r.file}, row {r.row}, column {r.column}: {r.problem}{got}", highlight=False)
            if len(g) > examples:
                console.print(f"  ... and {len(g) - examples:,} more like this", highlight=False)
    for n in report.notes:
        console.print(n, highlight=False)
    for w in report.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)


def print_freshness(scores: pd.DataFrame, window_days: int = 28) -> None:
    """Warn when the as-of date lies past the newest event (windows partly or wholly without data)."""
    if scores.empty:
        return
    day = pd.Timestamp(scores["as_of"].iloc[0]).date()
    through = scores["data_through"].iloc[0]
    if through is None or pd.isna(through):
        console.print(f"[yellow]warning:[/] no events on or before {day}: every usage measure is empty", highlight=False)
        return
    through = pd.Timestamp(through).date()
    first = scores["data_from"].iloc[0] if "data_from" in scores.columns else None
    if first is not None and not pd.isna(first) and pd.Timestamp(first).date() > day - dt.timedelta(days=window_days - 1):
        console.print(
            f"[yellow]warning:[/] events start on {pd.Timestamp(first).date()}, inside the window ending {day}: "
            f"days before it count as no usage", highlight=False,
        )
    if through < day:
        console.print(
            f"[yellow]warning:[/] events end on {through}, {(day - through).days} day(s) before {day}; usage in "
            f"those days counts as none. Score a date up to {through} or load newer events.", highlight=False,
        )


def print_portfolio(
    scores: pd.DataFrame, accounts: bool = True, tier: Optional[str] = None, known: Optional[int] = None
) -> None:
    """Print accounts and ARR per tier, then one line per account.

    ``known`` is the number of accounts loaded, to say how many were not under contract.
    """
    day = scores["as_of"].iloc[0] if len(scores) else "-"
    summary = portfolio_summary(scores)
    t = Table(title=f"Portfolio on {day}", title_justify="left")
    for c in ("tier", "accounts", "% accounts", "ARR", "% ARR"):
        t.add_column(c, justify="left" if c == "tier" else "right")
    for r in summary.itertuples(index=False):
        t.add_row(_tier(r.tier), f"{r.accounts:,}", f"{r.account_share:.0%}", f"{r.arr:,.0f}", f"{r.arr_share:.0%}")
    t.add_row("total", f"{len(scores):,}", "", f"{scores['arr'].sum():,.0f}", "")
    console.print(t)
    if known is not None and known > len(scores):
        console.print(
            f"{len(scores):,} of {known:,} accounts were under contract on {day}; the other {known - len(scores):,} "
            f"had churned by then or start later.", highlight=False,
        )
    if not accounts:
        return
    rows = riskiest_first(scores)
    if tier:
        rows = rows[rows["tier"] == tier.lower()]
    a = Table(title="Accounts (riskiest first, then by ARR)", title_justify="left")
    for c in ("account", "name", "segment", "ARR", "engagement", "cov", "indispensability", "cov", "tier"):
        a.add_column(c, justify="right" if c in ("ARR", "engagement", "indispensability", "cov") else "left")
    for r in rows.itertuples(index=False):
        a.add_row(
            r.account_id, r.name, r.segment, f"{r.arr:,.0f}", _num(r.engagement), f"{r.engagement_coverage:.0%}",
            _num(r.indispensability), f"{r.indispensability_coverage:.0%}", _tier(r.tier),
        )
    console.print(a)


def print_explanation(e: Explanation) -> None:
    """Print an account's axes as exact sums of contributions, its tier rule and GOLD evidence."""
    acc = e.account
    console.print(
        f"[bold]{acc['account_id']} {acc['name']}[/]  segment {acc['segment']} (model segment {e.model_segment})  "
        f"ARR {acc['arr']:,.0f}  "
        f"as of {e.as_of}  model {e.model}", highlight=False,
    )
    if e.trends and any(v is not None for v in e.trends.values()):
        console.print("Trend since the snapshot about a trend period earlier: " + ", ".join(
            f"{a} {'-' if v is None else f'{v:+.2f}'}" for a, v in e.trends.items()), highlight=False)
    else:
        console.print("Trend: no snapshot a trend period earlier (trend conditions hold by default)", highlight=False)
    if e.override:
        console.print(f"Tier: {_tier(e.tier)}  (override {e.override})", highlight=False)
        console.print(f"Computed tier: {_tier(e.computed_tier)}  ({e.tier_rule})", highlight=False)
    else:
        console.print(f"Tier: {_tier(e.tier)}  ({e.tier_rule})", highlight=False)
    if e.axis_tier == "green" and e.tier != "gold":
        console.print("GOLD: not met; the evidence below says what is missing", highlight=False)
    for ax in e.axes:
        t = Table(title=f"{ax.axis.capitalize()} {_num(ax.score)}  (coverage {ax.coverage:.0%})", title_justify="left")
        for c in ("measure", "raw value", "how", "score", "weight", "share", "contribution", "status"):
            t.add_column(c, justify="right" if c in ("raw value", "score", "weight", "share", "contribution") else "left")
        for m in ax.measures.itertuples(index=False):
            t.add_row(
                m.measure, _num(m.raw, "{:.4g}"), m.detail or "", _num(m.score), f"{m.weight:g}",
                f"{m.weight_share:.1%}", _num(m.contribution), m.status,
            )
        t.add_row("[bold]sum[/]", "", "", "", "", "", f"[bold]{_num(ax.contribution_sum)}[/]", "")
        console.print(t)
    console.print("[bold]GOLD evidence[/]")
    for line in gold_lines(e):
        console.print("  " + line, highlight=False)


@app.command()
def init(directory: Path = typer.Argument(..., help="Folder to create the workspace in.")) -> None:
    """Create a workspace folder with a commented goldpath.yaml and model.yaml."""
    try:
        written = write_template(directory)
    except GoldpathError as exc:
        _fail(exc)
    for p in written:
        console.print(f"created {p}")
    console.print(f"Put your files in {directory / 'data'}, adjust the paths in goldpath.yaml, then run "
                  f"`goldpath score -w {directory} --as-of YYYY-MM-DD`.")


@app.command()
def score(
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Date to score, YYYY-MM-DD (window ends on it)."),
    start: Optional[str] = typer.Option(None, "--from", help="First date of a history (with --to and --every)."),
    end: Optional[str] = typer.Option(None, "--to", help="Last date of a history."),
    every: str = typer.Option("7d", "--every", help="History step: Nd, Nw, or 'week' (each week's last day)."),
    workspace: Path = WORKSPACE,
    load: bool = typer.Option(True, "--load/--no-load", help="Re-read the sources first (default) or use stored inputs."),
    accounts: bool = typer.Option(True, "--accounts/--no-accounts", help="Print one line per account."),
    tier: Optional[str] = typer.Option(
        None, help="Only list accounts of this tier: gold, green, yellow, red or 'insufficient data'."
    ),
) -> None:
    """Score every account on a date (or a history of dates in one pass), store the snapshots
    (replacing those dates) and print the portfolio."""
    tier = tier.lower() if tier else None
    if tier is not None and tier not in TIER_ORDER + ["insufficient data"]:
        _fail(GoldpathError(f"--tier {tier!r}: expected gold, green, yellow, red or 'insufficient data'"))
    if (as_of is None) == (start is None):
        _fail(GoldpathError("give either --as-of DATE, or --from DATE --to DATE [--every 7d]"))
    if start is not None and end is None:
        _fail(GoldpathError("--from needs --to"))
    try:
        with Workspace(workspace) as ws:
            # Bad dates fail before the (long) load.
            if start is not None:
                history_dates(_date(start), _date(end), every, ws.config.week_start)
            else:
                _date(as_of)
            if load:
                print_load(ws.load())
            if start is not None:
                history = ws.score_history(start, end, every, load=False, columns=HISTORY_COLUMNS)
                scores = ws.scores(history["as_of"].max())
                scores["as_of"] = pd.to_datetime(scores["as_of"]).dt.date  # printed as a date, as for --as-of
            else:
                scores = ws.score(as_of, load=False)
            known = ws.account_count()
            window = ws.model.window_days
    except GoldpathError as exc:
        _fail(exc)
    if start is not None:
        print_history_summary(history)
    print_freshness(scores, window)
    print_portfolio(scores, accounts=accounts, tier=tier, known=known)


#: What the CLI keeps of a history's score rows (the newest date is read back whole).
HISTORY_COLUMNS = ["as_of", "account_id", "tier", "arr"]


def print_history_summary(scores: pd.DataFrame) -> None:
    """Accounts and ARR per tier on every date of a history."""
    order = list(reversed(TIER_ORDER)) + ["insufficient data"]
    counts = scores.pivot_table(index="as_of", columns="tier", values="account_id", aggfunc="count", fill_value=0)
    arr = scores.pivot_table(index="as_of", columns="tier", values="arr", aggfunc="sum", fill_value=0)
    t = Table(title=f"History: {len(counts)} snapshots (accounts, ARR)", title_justify="left")
    t.add_column("as of")
    present = [c for c in order if c in counts.columns]
    for c in present:
        t.add_column(_tier(c), justify="right")
    for day, row in counts.iterrows():
        t.add_row(str(day), *[f"{int(row[c])} ({arr.loc[day, c]:,.0f})" for c in present])
    console.print(t)


def print_plan(plan: NextTierPlan) -> None:
    """Print the path to the next tier: per axis gap, each measure alone and a combined plan."""
    if plan.target is None and not plan.notes:
        return
    title = f"Path to {plan.target}" if plan.target else "Path to a tier"
    console.print(f"[bold]{title}[/]" + (f"  (rule: {plan.rule})" if plan.rule else ""), highlight=False)
    for note in plan.notes:
        console.print(f"  {note}", highlight=False)
    for g in plan.gaps:
        console.print(f"  {g.axis} {g.value:.2f} needs {g.needed:g} (+{g.gap:.2f}). Any one of:", highlight=False)
        for t in g.single:
            if t.feasible:
                console.print(f"    {t.measure}: raw {_num(t.raw, '{:.4g}')} -> {_num(t.target_raw, '{:.4g}')} "
                              f"(score {t.score:.2f} -> {t.target_score:.2f})", highlight=False)
            else:
                console.print(f"    {t.measure}: cannot close the gap alone, even at 100", highlight=False)
        if g.combined:
            console.print("    or together (fewest score points): " + "; ".join(
                f"{t.measure} {_num(t.raw, '{:.4g}')} -> {_num(t.target_raw, '{:.4g}')}" for t in g.combined
            ), highlight=False)


def print_changes(changes: pd.DataFrame, since: str, as_of: str) -> None:
    """Print what moved each axis between two snapshots, measure by measure."""
    for axis, g in changes.groupby("axis", sort=False):
        total = g["contribution_change"].sum()
        t = Table(title=f"{axis.capitalize()}: {g['contribution_before'].sum():.2f} on {since} -> "
                        f"{g['contribution_after'].sum():.2f} on {as_of} ({total:+.2f})", title_justify="left")
        for c in ("measure", "raw before", "raw after", "score before", "score after", "contribution change"):
            t.add_column(c, justify="left" if c == "measure" else "right")
        for r in g.itertuples(index=False):
            t.add_row(r.measure, _num(r.raw_before, "{:.4g}"), _num(r.raw_after, "{:.4g}"), _num(r.score_before),
                      _num(r.score_after), f"{r.contribution_change:+.2f}")
        console.print(t)


@app.command()
def ingest(
    workspace: Path = WORKSPACE,
    full: bool = typer.Option(False, "--full", help="Rebuild the daily fact from every event (backfills, fixes)."),
) -> None:
    """Load and validate the sources; add new days (and the lookback's late events) to the daily fact."""
    report = _in_workspace(workspace, lambda ws: ws.load(full=full))
    print_load(report)


@app.command()
def check(
    workspace: Path = WORKSPACE,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Data quality report of every source (nothing is stored): quarantined rows by problem,
    duplicates, events outside contracts or in the future, freshness, cross-table warnings."""
    report = _in_workspace(workspace, lambda ws: ws.check())
    if as_json:
        print(json.dumps(report, indent=2))
        return
    t = Table(title="Sources", title_justify="left")
    for c in ("table", "file", "read", "accepted", "quarantined", "newest"):
        t.add_column(c, justify="right" if c in ("read", "accepted", "quarantined") else "left")
    for r in report["sources"]:
        t.add_row(r["table"], r["file"], f"{r['rows_read']:,}", f"{r['rows_accepted']:,}",
                  f"{r['rows_quarantined']:,}", r.get("newest") or "-")
    console.print(t)
    for r in report["sources"]:
        for q in r["quarantined_by_problem"]:
            ex = ", ".join(f"row {e['row']}" + (f" {e['value']!r}" if e["value"] is not None else "") for e in q["examples"])
            console.print(f"{r['file']}: {q['rows']:,} row(s), column {q['column']}: {q['problem']} (e.g. {ex})",
                          highlight=False)
    e = report["events"]
    console.print(
        f"events: {e['duplicates']:,} duplicates dropped, {e['before_contract_start']:,} before the account's "
        f"contract started, {e.get('after_churn', 0):,} after it churned, {e['in_the_future']:,} in the future, "
        f"{e['without_user']:,} without a user", highlight=False,
    )
    for w in report["warnings"]:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    for n in report["source_notes"]:
        console.print(f"[yellow]known defect of the source:[/] {n}", highlight=False)


@app.command()
def adapt(
    kind: str = typer.Argument(..., help="Which export: ravenstack (a folder) or snapshot (a flat CSV)."),
    source: Path = typer.Argument(..., help="The export's folder (ravenstack) or file (snapshot)."),
    directory: Path = typer.Argument(..., help="Workspace folder to write."),
    snapshot_date: str = typer.Option("2024-01-31", help="For snapshot: the date the flat table describes."),
) -> None:
    """Turn a well-known export into a goldpath workspace (contract tables, goldpath.yaml, a model)."""
    from goldpath.sources.adapters import ravenstack, snapshot

    if kind not in ("ravenstack", "snapshot"):
        _fail(GoldpathError(f"unknown export {kind!r}; known: ravenstack, snapshot"))
    try:
        if kind == "ravenstack":
            notes = ravenstack.convert(source, directory)
        else:
            notes = snapshot.convert(source, directory, _date(snapshot_date))
    except GoldpathError as exc:
        _fail(exc)
    console.print(f"workspace written to {directory}; next: `goldpath check -w {directory}`, then score it")
    for note in notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)


@app.command()
def explain(
    account: str = typer.Argument(..., help="Account id."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Scored date; the latest when omitted."),
    since: Optional[str] = typer.Option(None, "--since", help="Also show what moved each axis since this scored date."),
    workspace: Path = WORKSPACE,
) -> None:
    """Explain an account's tier: each axis as the exact sum of its measures, the rule, the GOLD evidence,
    and the path to the next tier."""
    try:
        with Workspace(workspace) as ws:
            e = ws.explain(account, as_of)
            plan = ws.plan(account, e.as_of)
            if e.model_version != ws.model.version:
                plan.notes.insert(0, f"this snapshot was scored with model version {e.model_version}; the targets "
                                     f"use the current {ws.model.version}: rescore the date for exact targets")
            changes = ws.changes(account, since, e.as_of) if since else None
    except GoldpathError as exc:
        _fail(exc)
    print_explanation(e)
    print_plan(plan)
    if changes is not None:
        print_changes(changes, since, str(e.as_of))


@app.command()
def actions(
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Scored date; the latest when omitted."),
    workspace: Path = WORKSPACE,
    limit: int = typer.Option(25, help="Actions to show (0 for all)."),
    owner: Optional[str] = typer.Option(None, help="Only actions for this owner role."),
) -> None:
    """Next best actions across the portfolio, from the playbooks, ranked by priority and ARR x closeness."""
    acts = _in_workspace(workspace, lambda ws: ws.actions(as_of))
    if owner:
        acts = acts[acts["owner"] == owner]
    t = Table(title=f"Next best actions ({len(acts):,})", title_justify="left")
    for c in ("#", "priority", "account", "tier", "ARR", "close", "owner", "action", "gap"):
        t.add_column(c, justify="right" if c in ("#", "ARR", "close") else "left")
    for i, r in enumerate((acts if limit == 0 else acts.head(limit)).itertuples(index=False), start=1):
        t.add_row(str(i), r.priority, f"{r.account_id} {r.name}", _tier(r.tier), f"{r.arr:,.0f}",
                  f"{r.closeness:.0%}", r.owner, r.action, r.gap)
    console.print(t)


@app.command()
def rollups(
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Scored date; the latest when omitted."),
    workspace: Path = WORKSPACE,
) -> None:
    """Parent accounts rolled up from their children (method set in the model's `rollup`)."""
    r = _in_workspace(workspace, lambda ws: ws.rollups(as_of))
    if r.empty:
        console.print("no parent accounts (set parent_id in accounts)")
        return
    t = Table(title=f"Rollups ({r['method'].iloc[0]})", title_justify="left")
    for c in ("parent", "children", "ARR", "engagement", "indispensability", "tier", "GOLD/green/yellow/red ARR", "worst child"):
        t.add_column(c)
    for x in r.itertuples(index=False):
        shares = "/".join(f"{getattr(x, f'share_{k}'):.0%}" for k in ("gold", "green", "yellow", "red"))
        t.add_row(x.parent_id, str(x.children), f"{x.children_arr:,.0f}", _num(x.engagement), _num(x.indispensability),
                  _tier(x.tier), shares, x.worst_child or "-")
    console.print(t)


@app.command()
def history(
    account: str = typer.Argument(..., help="Account id."),
    last: Optional[int] = typer.Option(None, help="Only the last N snapshots."),
    workspace: Path = WORKSPACE,
) -> None:
    """An account's stored snapshots: both axes, coverage, tier, and what changed each time."""
    h, summary = _in_workspace(workspace, lambda ws: ws.history(account, last))
    t = Table(title=f"{account}: {len(h)} snapshots", title_justify="left")
    for c in ("as of", "engagement", "change", "indispensability", "change", "tier"):
        t.add_column(c, justify="left" if c in ("as of", "tier") else "right")
    for r in h.itertuples(index=False):
        t.add_row(str(r.as_of), _num(r.engagement), _num(r.engagement_change, "{:+.2f}"), _num(r.indispensability),
                  _num(r.indispensability_change, "{:+.2f}"), _tier(r.tier))
    console.print(t)
    if summary:
        console.print(
            f"{_tier(summary['tier'])} since {summary['tier_since']} ({summary['days_in_tier']} days); over these "
            f"snapshots engagement {summary['engagement_change_over']:+.2f}, indispensability "
            f"{summary['indispensability_change_over']:+.2f}", highlight=False,
        )


@app.command()
def migrations(
    start: str = typer.Option(..., "--from", help="Earlier scored date."),
    end: str = typer.Option(..., "--to", help="Later scored date."),
    workspace: Path = WORKSPACE,
) -> None:
    """Tier migration matrix: accounts (and ARR) that moved from each tier to each other."""
    counts, arr = _in_workspace(workspace, lambda ws: ws.migrations(start, end))
    t = Table(title=f"Tier migrations {start} (rows) -> {end} (columns): accounts, ARR", title_justify="left")
    t.add_column("from / to")
    for c in counts.columns:
        t.add_column(_tier(c), justify="right")
    for tier_from, row in counts.iterrows():
        t.add_row(_tier(tier_from), *[f"{int(row[c])} ({arr.loc[tier_from, c]:,.0f})" if row[c] else "-"
                                       for c in counts.columns])
    console.print(t)


@app.command()
def compare(
    model: Path = typer.Option(..., "--model", help="The other model YAML (path relative to the workspace or absolute)."),
    start: Optional[str] = typer.Option(None, "--from", help="First date (default: every stored date)."),
    end: Optional[str] = typer.Option(None, "--to", help="Last date."),
    every: str = typer.Option("7d", "--every", help="Step between --from and --to."),
    workspace: Path = WORKSPACE,
    limit: int = typer.Option(20, help="Accounts that change tier to list (0 for all)."),
) -> None:
    """Recompute history under another model and show, side by side, how tiers and axes differ."""
    try:
        with Workspace(workspace) as ws:
            dates = history_dates(_date(start), _date(end), every, ws.config.week_start) if start and end else None
            result = ws.compare(model, dates)
    except GoldpathError as exc:
        _fail(exc)
    p = result["portfolio"]
    order = list(reversed(TIER_ORDER)) + ["insufficient data"]
    t = Table(title="Accounts (ARR) per tier under each model", title_justify="left")
    t.add_column("as of")
    t.add_column("model")
    present = [c for c in order if c in set(p["tier"])]
    for c in present:
        t.add_column(_tier(c), justify="right")
    for (day, label), g in p.groupby(["as_of", "model"], sort=True):
        g = g.set_index("tier")
        t.add_row(str(day), label, *[f"{int(g.loc[c, 'accounts'])} ({g.loc[c, 'arr']:,.0f})" if c in g.index else "-"
                                     for c in present])
    console.print(t)
    ch = result["changes"]
    c = Table(title=f"Accounts whose tier differs ({len(ch):,} account-dates)", title_justify="left")
    for col in ("as of", "account", "ARR", "engagement now / other", "indispensability now / other", "tier now", "tier other"):
        c.add_column(col)
    for r in (ch if limit == 0 else ch.head(limit)).itertuples(index=False):
        c.add_row(str(r.as_of), f"{r.account_id} {r.name}", f"{r.arr:,.0f}",
                  f"{_num(r.engagement_current)} / {_num(r.engagement_other)}",
                  f"{_num(r.indispensability_current)} / {_num(r.indispensability_other)}",
                  _tier(str(r.tier_current)), _tier(str(r.tier_other)))
    console.print(c)


def _date(value: Optional[str]):
    from goldpath.workspace import _as_date

    return None if value is None else _as_date(value)


@app.command()
def alerts(
    workspace: Path = WORKSPACE,
    send: bool = typer.Option(False, "--send", help="Retry delivering pending alerts to every sink."),
) -> None:
    """Alerts raised by tier changes (drop, GOLD reached, GOLD lost) and their delivery per sink."""
    try:
        with Workspace(workspace) as ws:
            if send:
                ws.send_alerts()
                ws._finish_alerts()
            a = ws.alerts()
    except GoldpathError as exc:
        _fail(exc)
    t = Table(title=f"Alerts ({len(a):,})", title_justify="left")
    for c in ("as of", "kind", "account", "ARR", "from", "to", "deliveries"):
        t.add_column(c)
    for r in a.itertuples(index=False):
        t.add_row(str(pd.Timestamp(r.as_of).date()), r.kind, f"{r.account_id} {r.name}", f"{r.arr:,.0f}",
                  _tier(r.from_tier), _tier(r.to_tier), r.deliveries or "pending")
    console.print("a sink with no successful delivery of an alert retries it on the next run or `goldpath alerts --send`")
    console.print(t)


@app.command()
def backtest(
    lead: str = typer.Option("90d", "--lead", help="Score each renewal this long before its date (e.g. 90d)."),
    claim: float = typer.Option(0.9, "--claim", help="Test the claim 'Green renews at least CLAIM'."),
    export: Optional[Path] = typer.Option(None, "--export", help="Write backtest.json and CSVs into this folder."),
    workspace: Path = WORKSPACE,
) -> None:
    """Do the tiers predict renewal? Score every renewal LEAD before its date and compare."""
    report = _in_workspace(workspace, lambda ws: ws.backtest(lead, claim))
    console.print(f"{len(report.rows):,} renewals scored {report.lead_days} days before their date"
                  + "".join(f"; {n:,} skipped ({why})" for why, n in report.skipped.items() if n), highlight=False)
    t = Table(title="Renewal by tier (95% Wilson intervals)", title_justify="left")
    for c in ("tier", "renewals", "renewal rate", "expansion rate", "gross ARR retention", "net ARR retention"):
        t.add_column(c, justify="left" if c == "tier" else "right")
    for r in report.tiers.itertuples(index=False):
        t.add_row(_tier(r.tier) if r.tier != "all" else "[bold]all[/]", f"{r.renewals:,}",
                  f"{r.renewal_rate:.1%} ({r.renewal_low:.1%}-{r.renewal_high:.1%})",
                  f"{r.expansion_rate:.1%} ({r.expansion_low:.1%}-{r.expansion_high:.1%})",
                  _num(r.gross_retention, "{:.1%}"), _num(r.net_retention, "{:.1%}"))
    console.print(t)
    m = report.metrics
    console.print(
        f"AUC: engagement {_num(m['auc_engagement'], '{:.3f}')}, indispensability "
        f"{_num(m['auc_indispensability'], '{:.3f}')}, tier order {_num(m['auc_tier_order'], '{:.3f}')}, "
        f"baseline (segment's past renewal rate) {_num(m['auc_baseline'], '{:.3f}')}. Riskiest decile churns "
        f"{_num(m['riskiest_decile_churn_rate'], '{:.1%}')} vs {_num(m['churn_rate'], '{:.1%}')} overall "
        f"(lift {_num(m['riskiest_decile_lift'], '{:.2f}')}).", highlight=False,
    )
    c = Table(title="Calibration: renewal rate by score quintile (mean of the two axes)", title_justify="left")
    for col in ("quintile", "mean score", "renewals", "renewal rate"):
        c.add_column(col, justify="right")
    for r in report.calibration.itertuples(index=False):
        c.add_row(str(int(r.band) + 1), f"{r.mean_score:.1f}", f"{r.renewals:,}", f"{r.renewal_rate:.1%}")
    console.print(c)
    for line in report.statements:
        console.print(line, highlight=False)
    if export:
        export.mkdir(parents=True, exist_ok=True)
        (export / "backtest.json").write_text(json.dumps(report.to_dict(), indent=2, default=str))
        report.tiers.to_csv(export / "backtest_tiers.csv", index=False)
        report.rows.to_csv(export / "backtest_renewals.csv", index=False)
        console.print(f"wrote backtest.json, backtest_tiers.csv and backtest_renewals.csv to {export}")


@app.command()
def tune(
    lead: str = typer.Option("90d", "--lead", help="Score each renewal this long before its date."),
    test_share: float = typer.Option(0.3, "--test-share", help="Share of the latest renewals held out for validation."),
    output: Path = typer.Option(Path("model.tuned.yaml"), "-o", "--output", help="Where to write the proposed model."),
    workspace: Path = WORKSPACE,
) -> None:
    """Propose weights and Green thresholds from renewal outcomes, validated on later renewals."""
    try:
        with Workspace(workspace) as ws:
            r = ws.tune(lead, test_share)
            target = output if output.is_absolute() else ws.root / output
    except GoldpathError as exc:
        _fail(exc)
    console.print(f"fitted on {r.train['renewals']} renewals ({r.train['churns']} churns, {r.train['from']} to "
                  f"{r.train['to']}); tested on the {r.test['renewals']} later ones ({r.test['churns']} churns, "
                  f"{r.test['from']} to {r.test['to']})", highlight=False)
    for note in r.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    if not r.proposed:
        return
    t = Table(title="Out of sample (later renewals): current vs proposed", title_justify="left")
    for c in ("metric", "current", "proposed"):
        t.add_column(c, justify="left" if c == "metric" else "right")
    for key, fmt in (("auc_tier_order", "{:.3f}"), ("auc_engagement", "{:.3f}"), ("auc_indispensability", "{:.3f}"),
                     ("green_share", "{:.1%}"), ("green_renewal_rate", "{:.1%}"), ("green_renewal_low", "{:.1%}")):
        t.add_row(key.replace("_", " "), _num(r.before[key], fmt), _num(r.after[key], fmt))
    console.print(t)
    w = Table(title=f"Proposed weights (Green minimums shifted {r.green_shift:+g} points)", title_justify="left")
    for c in ("axis", "measure", "current", "proposed"):
        w.add_column(c, justify="right" if c in ("current", "proposed") else "left")
    for axis, weights in r.weights.items():
        for m, (old, new) in weights.items():
            w.add_row(axis, m, f"{old:g}", f"{new:g}")
    console.print(w)
    target.write_text(r.model_yaml, encoding="utf-8")
    target.with_suffix(".diff").write_text(r.diff, encoding="utf-8")
    console.print(f"wrote {target} and {target.with_suffix('.diff')}; compare it on your history with "
                  f"`goldpath compare --model {output}`", highlight=False)


@app.command()
def forget(
    as_of: str = typer.Option(..., "--as-of", help="Scored date whose snapshot to delete."),
    workspace: Path = WORKSPACE,
) -> None:
    """Delete one date's stored snapshot (for a date scored by mistake, e.g. past the data)."""
    n = _in_workspace(workspace, lambda ws: ws.forget(as_of))
    console.print(f"deleted the snapshot of {as_of} ({n:,} accounts)")


@app.command()
def cohorts(workspace: Path = WORKSPACE) -> None:
    """Time to Green and to GOLD per cohort of contract start month, from the stored history."""
    c = _in_workspace(workspace, lambda ws: ws.cohorts())
    t = Table(title="Time to Green and GOLD by contract-start cohort", title_justify="left")
    for col in ("cohort", "accounts", "reached green", "median days", "reached GOLD", "median days"):
        t.add_column(col, justify="left" if col == "cohort" else "right")
    for r in c.itertuples(index=False):
        t.add_row(r.cohort, str(r.accounts), str(r.reached_green), _num(r.median_days_to_green, "{:.0f}"),
                  str(r.reached_gold), _num(r.median_days_to_gold, "{:.0f}"))
    console.print(t)


override_app = typer.Typer(help="Manual overrides of a tier or a measure score (audited, with expiry).", no_args_is_help=True)
app.add_typer(override_app, name="override")


@override_app.command("set")
def override_set(
    account: str = typer.Argument(..., help="Account id."),
    author: str = typer.Option(..., help="Who sets it."),
    reason: str = typer.Option(..., help="Why; shown in explanations."),
    expires: str = typer.Option(..., help="Last day it applies, YYYY-MM-DD."),
    tier: Optional[str] = typer.Option(None, help="Tier to set: red, yellow or green."),
    measure: Optional[str] = typer.Option(None, help="Measure whose score to set."),
    score: Optional[float] = typer.Option(None, help="Score 0..100 for --measure."),
    starts: Optional[str] = typer.Option(None, help="First day it applies (default: the latest scored date)."),
    workspace: Path = WORKSPACE,
) -> None:
    """Override an account's tier or a measure's score; applies from the next scoring run."""
    try:
        with Workspace(workspace) as ws:
            oid = ws.set_override(account, author=author, reason=reason, expires=expires, tier=tier,
                                  measure=measure, score=score, starts=starts)
    except GoldpathError as exc:
        _fail(exc)
    console.print(f"override #{oid} recorded; rescore the dates it covers to apply it")


@override_app.command("remove")
def override_remove(
    override_id: int = typer.Argument(..., help="Override id from `goldpath override list`."),
    author: str = typer.Option(..., help="Who removes it."),
    reason: str = typer.Option(..., help="Why."),
    on: Optional[str] = typer.Option(None, "--on", help="Withdraw it only from this date on (default: all dates)."),
    workspace: Path = WORKSPACE,
) -> None:
    """Withdraw an override; it stays in the override list and the audit log. Rescore to apply."""
    try:
        with Workspace(workspace) as ws:
            ws.remove_override(override_id, author=author, reason=reason, on=on)
    except GoldpathError as exc:
        _fail(exc)
    console.print(f"override #{override_id} withdrawn; rescore the dates it covered to apply that")


@override_app.command("list")
def override_list(workspace: Path = WORKSPACE) -> None:
    """Every override, newest first."""
    o = _in_workspace(workspace, lambda ws: ws.overrides())
    t = Table(title="Overrides", title_justify="left")
    for c in ("#", "account", "sets", "author", "reason", "from", "until", "removed"):
        t.add_column(c)
    for r in o.itertuples(index=False):
        sets = f"tier {r.tier}" if r.kind == "tier" else f"{r.measure} = {r.score:g}"
        removed = ""
        if not pd.isna(r.removed_at):
            removed = f"by {r.removed_by}" + ("" if pd.isna(r.removed_on) else f" from {pd.Timestamp(r.removed_on).date()}")
        starts = "-" if pd.isna(r.starts) else str(pd.Timestamp(r.starts).date())
        t.add_row(str(r.override_id), r.account_id, sets, r.author, r.reason, starts,
                  str(pd.Timestamp(r.expires).date()), removed)
    console.print(t)


@app.command()
def audit(
    workspace: Path = WORKSPACE,
    account: Optional[str] = typer.Option(None, "--account", help="Only the entries about this account."),
) -> None:
    """The audit log: every write (overrides, value ledger, retractions, success plans, rescores), who made it and when."""
    log = _in_workspace(workspace, lambda ws: ws.audit_log(account_id=account))
    for r in log.itertuples(index=False):
        console.print(f"{r.at:%Y-%m-%d %H:%M:%S}  {r.actor:<12} {r.action:<16} {r.target:<8} {r.details}", highlight=False)


@app.command()
def quarantine(
    workspace: Path = WORKSPACE,
    limit: int = typer.Option(50, help="Rows to show (0 for all)."),
    csv: Optional[Path] = typer.Option(None, help="Write every quarantined problem to this CSV file."),
) -> None:
    """List the rows the last load quarantined, with file, row, column and what was expected."""
    q = _in_workspace(workspace, lambda ws: ws.quarantine())
    if csv:
        q.to_csv(csv, index=False)
        console.print(f"wrote {len(q):,} problems to {csv}")
    if q.empty:
        console.print("no rows quarantined by the last load")
        return
    for r in (q if limit == 0 else q.head(limit)).itertuples(index=False):
        got = "" if r.value is None or pd.isna(r.value) else f" (got {r.value!r})"
        console.print(f"{r.file}, row {r.row}, column {r.column}: {r.problem}{got}", highlight=False)
    if limit and len(q) > limit:
        console.print(f"... {len(q) - limit:,} more (use --limit 0 or --csv FILE)")


@app.command()
def demo(
    directory: Path = typer.Argument(Path("demo-workspace"), help="Where to build the example workspace."),
    as_of: str = typer.Option(DEMO_AS_OF, "--as-of", help="Date to score."),
) -> None:
    """Build the bundled CRM example workspace and run the main job on it."""
    try:
        src = example_dir()
        kept: list[str] = []

        def copy_new(s: str, d: str) -> None:
            if Path(d).exists():
                kept.append(Path(d).name)
            else:
                shutil.copy2(s, d)

        shutil.copytree(src, directory, dirs_exist_ok=True, copy_function=copy_new,
                        ignore=shutil.ignore_patterns("build.py", "*.duckdb", "*.duckdb.wal", "__pycache__"))
        if kept:
            console.print(f"kept your existing {', '.join(sorted(set(kept))[:6])}"
                          + (" and others" if len(set(kept)) > 6 else ""), highlight=False)
        console.print(f"example workspace ready in {directory}/ (crm6 simulation, MIT, Carl Gold)")
        with Workspace(directory) as ws:
            print_load(ws.load())
            day = _date(as_of)
            first = dt.date(day.year, 1, 1)
            weekly = ws.score_history(first, day - dt.timedelta(days=1), "week", load=False, columns=HISTORY_COLUMNS)
            scores = ws.score(as_of, load=False)
            known = ws.account_count()
    except GoldpathError as exc:
        _fail(exc)
    console.print(
        f"weekly history: {weekly['as_of'].nunique()} snapshots from {weekly['as_of'].min()} to "
        f"{weekly['as_of'].max()}, then {as_of} (see `goldpath history ACCOUNT`, `goldpath migrations`)",
        highlight=False,
    )
    print_portfolio(scores, known=known)
    gold = scores[scores["tier"] == "gold"]["account_id"].tolist()
    console.print(
        f"Next: `goldpath explain {gold[0] if gold else scores['account_id'].iloc[0]} -w {directory}` shows why an account "
        f"has its tier.", highlight=False,
    )


@app.command()
def serve(
    workspace: Path = typer.Argument(Path("."), help="Workspace folder (holds goldpath.yaml).", envvar="GOLDPATH_WORKSPACE"),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
) -> None:
    """The web dashboard and the REST API on one server (writes need a token from GOLDPATH_API_TOKENS)."""
    import uvicorn

    from goldpath.api.app import create_app

    try:
        web = create_app(workspace)
    except GoldpathError as exc:
        _fail(exc)
    console.print(f"goldpath dashboard on http://{host}:{port}/ (workspace {workspace}); Ctrl+C stops it", highlight=False)
    uvicorn.run(web, host=host, port=port, log_level="warning")


@app.command()
def report(
    workspace: Path = typer.Argument(Path("."), help="Workspace folder (holds goldpath.yaml).", envvar="GOLDPATH_WORKSPACE"),
    output: Path = typer.Option(Path("report.html"), "-o", "--output", help="The HTML file to write."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Scored date; the latest when omitted."),
) -> None:
    """One self-contained HTML file (opens offline): portfolio, matrix, migrations, riskiest accounts by ARR."""
    from goldpath.web.report import write_report

    path = _in_workspace(workspace, lambda ws: write_report(ws, output, as_of))
    console.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, plotly.js inlined: opens offline)", highlight=False)


def main() -> None:  # pragma: no cover - console entry point
    """Entry point for ``python -m goldpath``."""
    try:
        app()
    except GoldpathError as exc:  # a command that does not catch it itself (e.g. the store in use by a server)
        err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
        raise SystemExit(2) from None
