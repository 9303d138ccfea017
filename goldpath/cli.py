"""The ``goldpath`` command line: a thin layer over :class:`goldpath.workspace.Workspace`."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from goldpath.errors import GoldpathError
from goldpath.init import DEMO_AS_OF, example_dir, write_template
from goldpath.scoring.explain import Explanation, gold_lines
from goldpath.scoring.tiers import TIER_ORDER
from goldpath.workspace import LoadReport, Workspace, portfolio_summary

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


def _fail(exc: Exception) -> None:
    err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
    raise typer.Exit(2)


def _tier(t: str) -> str:
    return f"[{TIER_STYLE.get(t, '')}]{t.upper() if t == 'gold' else t}[/]"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _num(x: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if x is None or pd.isna(x) else fmt.format(x)


def print_load(report: LoadReport, examples: int = 5) -> None:
    """Print what a load read, accepted and quarantined, with example problems."""
    t = Table(title="Inputs", title_justify="left")
    for c in ("table", "file", "read", "accepted", "quarantined", "duplicates dropped"):
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
    rank = {t: i for i, t in enumerate(TIER_ORDER + ["insufficient data"])}
    rows = scores.assign(_r=scores["tier"].map(rank)).sort_values(["_r", "arr"], ascending=[True, False])
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
        f"[bold]{acc['account_id']} {acc['name']}[/]  segment {acc['segment']}  ARR {acc['arr']:,.0f}  "
        f"as of {e.as_of}  model {e.model}", highlight=False,
    )
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
    as_of: str = typer.Option(..., "--as-of", help="Date to score, YYYY-MM-DD (window ends on it)."),
    workspace: Path = WORKSPACE,
    load: bool = typer.Option(True, "--load/--no-load", help="Re-read the sources first (default) or use stored inputs."),
    accounts: bool = typer.Option(True, "--accounts/--no-accounts", help="Print one line per account."),
    tier: Optional[str] = typer.Option(None, help="Only list accounts of this tier."),
) -> None:
    """Score every account on a date, store the snapshot (replacing that date) and print the portfolio."""
    try:
        with Workspace(workspace) as ws:
            if load:
                print_load(ws.load())
            scores = ws.score(as_of, load=False)
            known = ws.account_count()
    except GoldpathError as exc:
        _fail(exc)
    print_portfolio(scores, accounts=accounts, tier=tier, known=known)


@app.command()
def explain(
    account: str = typer.Argument(..., help="Account id."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Scored date; the latest when omitted."),
    workspace: Path = WORKSPACE,
) -> None:
    """Explain an account's tier: each axis as the exact sum of its measures, the rule, the GOLD evidence."""
    try:
        with Workspace(workspace) as ws:
            e = ws.explain(account, as_of)
    except GoldpathError as exc:
        _fail(exc)
    print_explanation(e)


@app.command()
def quarantine(
    workspace: Path = WORKSPACE,
    limit: int = typer.Option(50, help="Rows to show (0 for all)."),
    csv: Optional[Path] = typer.Option(None, help="Write every quarantined problem to this CSV file."),
) -> None:
    """List the rows the last load quarantined, with file, row, column and what was expected."""
    try:
        with Workspace(workspace) as ws:
            q = ws.quarantine()
    except GoldpathError as exc:
        _fail(exc)
    if csv:
        q.to_csv(csv, index=False)
        console.print(f"wrote {len(q):,} problems to {csv}")
    if q.empty:
        console.print("no rows quarantined by the last load")
        return
    for r in (q if limit == 0 else q.head(limit)).itertuples(index=False):
        got = "" if r.value in (None, "None", "nan") else f" (got {r.value!r})"
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
        directory.mkdir(parents=True, exist_ok=True)
        for item in ("goldpath.yaml", "model.yaml", "data", "SOURCE.md", "LICENSE_fightchurn_MIT.md"):
            s, d = src / item, directory / item
            if s.is_dir():
                shutil.copytree(s, d, dirs_exist_ok=True)
            elif s.exists():
                shutil.copy2(s, d)
        console.print(f"example workspace ready in {directory}/ (crm6 simulation, MIT, Carl Gold)")
        with Workspace(directory) as ws:
            print_load(ws.load())
            scores = ws.score(as_of, load=False)
            known = ws.account_count()
    except GoldpathError as exc:
        _fail(exc)
    print_portfolio(scores, known=known)
    gold = scores[scores["tier"] == "gold"]["account_id"].tolist()
    console.print(
        f"Next: `goldpath explain {gold[0] if gold else scores['account_id'].iloc[0]} -w {directory}` shows why an account "
        f"has its tier.", highlight=False,
    )


def main() -> None:  # pragma: no cover - console entry point
    """Entry point for ``python -m goldpath``."""
    app()
