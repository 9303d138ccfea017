"""The goldpath benchmark: floor, full scoring, weekly history, daily increment, naive pandas.

``python benchmarks/run.py --events 10M`` generates the data if needed (see
``generate.py``), then runs each stage in a fresh spawned process, in order, so that its
wall time and peak memory (``ru_maxrss`` of that process: Python, Arrow and DuckDB
together) are its own:

floor
    DuckDB, one pass over the events Parquet reading ``account_id, user_id, timestamp``
    of the scoring window only (a day of margin each side for time zones), exact
    ``count(DISTINCT user_id)`` per account. The fastest anything can answer "active
    users per account", so every other figure is also given as a ratio to it.
full
    goldpath from raw events, on a fresh store: ``Workspace(path).score(as_of)`` (read,
    validate, dedupe, build the daily fact, store the inputs, compute the measures, score,
    store the snapshot), with the breakdown of where the time went.
history
    26 weekly snapshots ending on the as-of date, on the stored inputs, in one pass
    (``ws.score_history(from, as_of, "7d", load=False, columns=HISTORY_COLUMNS)``, what
    ``goldpath score --from --to --every 7d`` runs).
incremental
    One more day of events lands in the events folder; ``ws.score(next_day)`` loads
    incrementally (the daily fact re-aggregates only the lookback) and scores it.
pandas
    :mod:`naive_pandas`: the same measures with pandas groupbys.

Then every measure of ``full`` is compared with ``pandas`` on every account (tolerance
1e-9) and the run fails loudly when they differ. Results go to
``benchmarks/results/<label>/report.json`` and ``report.md``; ``--doc`` also writes
``docs/benchmarks.md`` from every report under ``benchmarks/results``.
"""

from __future__ import annotations

import argparse
import datetime as dt_
import json
import multiprocessing as mp
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (the benchmark folder is not a package)

STAGES = ("floor", "full", "history", "incremental", "pandas")
MEMORY_TARGET_MIB = 4096
TOLERANCE = 1e-9


# -- stages (each runs in its own spawned process) ------------------------------------------
def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def stage_floor(root: Path, manifest: dict, out: Path) -> dict:
    import duckdb

    as_of = dt_.date.fromisoformat(manifest["as_of"])
    lo = as_of - dt_.timedelta(days=28)  # window start minus a day of time-zone margin
    hi = as_of + dt_.timedelta(days=2)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    sql = (
        f"SELECT account_id, count(DISTINCT user_id) AS users FROM read_parquet('{root}/data/events/*.parquet') "
        f"WHERE timestamp >= TIMESTAMP '{lo}' AND timestamp < TIMESTAMP '{hi}' GROUP BY account_id"
    )
    t0 = time.perf_counter()
    rows = con.execute(sql).fetchall()
    wall = time.perf_counter() - t0
    return {"wall": wall, "rows": len(rows), "note": f"window {lo} .. {hi} (UTC, margin included)"}


class _Timer:
    """Wall time spent in wrapped functions, by label (outermost calls only)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def wrap(self, owner: object, attr: str, label: str) -> None:
        fn = getattr(owner, attr)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[label] = self.spent.get(label, 0.0) + time.perf_counter() - t0

        setattr(owner, attr, timed)


def _instrument() -> _Timer:
    import goldpath.workspace as w
    from goldpath.store import snapshots

    t = _Timer()
    t.wrap(w.Workspace, "load", "load")
    t.wrap(w.Workspace, "_validate_sources", "read + validate")
    t.wrap(w, "consistency_warnings", "load warnings")
    t.wrap(snapshots, "write_inputs", "store inputs + fact")
    t.wrap(w, "measures_frame", "measures")
    t.wrap(snapshots, "write_snapshots", "store snapshot")
    return t


def _breakdown(t: _Timer, wall: float) -> dict:
    s = t.spent
    load = s.get("load", 0.0)
    named = ("read + validate", "load warnings", "store inputs + fact")
    parts = {k: s.get(k, 0.0) for k in named}
    if load:
        parts["dedupe + daily fact"] = max(0.0, load - sum(parts.values()))
    parts["measures"] = s.get("measures", 0.0)
    parts["store snapshot"] = s.get("store snapshot", 0.0)
    parts["scoring (axes, tiers, explanations)"] = max(0.0, wall - load - parts["measures"] - parts["store snapshot"])
    return {k: round(v, 3) for k, v in parts.items()}


def stage_full(root: Path, manifest: dict, out: Path) -> dict:
    from goldpath import Workspace

    for f in root.glob("goldpath.duckdb*"):
        f.unlink()
    _remove_extra(root)
    timer = _instrument()
    t0 = time.perf_counter()
    with Workspace(root) as ws:
        scores = ws.score(manifest["as_of"])
        wall = time.perf_counter() - t0
        m = ws.con.table("score_measures")
        m = m.filter(m.as_of == dt_.date.fromisoformat(manifest["as_of"])).select("account_id", "measure", "raw")
        m.to_parquet(out / "goldpath_measures.parquet")
    return {"wall": wall, "rows": len(scores), "breakdown": _breakdown(timer, wall),
            "tiers": scores["tier"].value_counts().to_dict()}


def stage_history(root: Path, manifest: dict, out: Path) -> dict:
    from goldpath import Workspace
    from goldpath.cli import HISTORY_COLUMNS

    timer = _instrument()
    t0 = time.perf_counter()
    with Workspace(root) as ws:
        scores = ws.score_history(manifest["history_from"], manifest["as_of"], "7d", load=False,
                                  columns=HISTORY_COLUMNS)
    wall = time.perf_counter() - t0
    return {"wall": wall, "rows": len(scores), "dates": int(scores["as_of"].nunique()),
            "breakdown": _breakdown(timer, wall)}


def _remove_extra(root: Path) -> None:
    extra = root / "data" / "events" / "part-999.parquet"
    if extra.exists():
        extra.unlink()


def stage_incremental(root: Path, manifest: dict, out: Path) -> dict:
    from goldpath import Workspace

    shutil.copy(root / "extra" / "part-999.parquet", root / "data" / "events" / "part-999.parquet")
    try:
        timer = _instrument()
        t0 = time.perf_counter()
        with Workspace(root) as ws:
            scores = ws.score(manifest["extra_day"])
            wall = time.perf_counter() - t0
            log = ws.con.table("load_log").to_pandas()
        note = f"{int(log.loc[log['table'] == 'events', 'rows_read'].iloc[0]):,} event rows read"
        return {"wall": wall, "rows": len(scores), "breakdown": _breakdown(timer, wall), "note": note}
    finally:
        _remove_extra(root)


def stage_pandas(root: Path, manifest: dict, out: Path) -> dict:
    import naive_pandas

    t0 = time.perf_counter()
    result = naive_pandas.measures(root, dt_.date.fromisoformat(manifest["as_of"]))
    wall = time.perf_counter() - t0
    result.to_parquet(out / "pandas_measures.parquet")
    return {"wall": wall, "rows": len(result)}


def _child(name: str, root: str, manifest: dict, out: str, conn) -> None:
    try:
        result = globals()[f"stage_{name}"](Path(root), manifest, Path(out))
        result["peak_mib"] = _peak_mib()
        conn.send(("ok", result))
    except BaseException:  # noqa: BLE001 - reported to the parent, which fails the run
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def run_stage(name: str, root: Path, manifest: dict, out: Path) -> dict:
    """Run one stage in a fresh spawned process; its own wall time and peak RSS."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    t0 = time.perf_counter()
    p = ctx.Process(target=_child, args=(name, str(root), manifest, str(out), child))
    p.start()
    child.close()
    status, payload = parent.recv()
    p.join()
    if status != "ok":
        raise RuntimeError(f"stage {name} failed:\n{payload}")
    payload["process_wall"] = time.perf_counter() - t0
    return payload


# -- targets and report -----------------------------------------------------------------------
def evaluate(results: dict) -> list[dict]:
    """One row per stage: wall, peak, ratio to the floor, target and met/missed (by how much)."""
    floor = results["floor"]["wall"]
    full = results.get("full", {}).get("wall")
    rows = []
    for name in STAGES:
        r = results.get(name)
        if r is None:
            continue
        wall, peak = r["wall"], r["peak_mib"]
        target, met, distance = "", None, ""
        if name == "full":
            target, met = "<= 2x floor", wall <= 2 * floor
            distance = "" if met else f"{wall / (2 * floor):.1f}x the target ({wall - 2 * floor:.1f} s too slow)"
        elif name == "history":
            target, met = "<= 30x floor", wall <= 30 * floor
            distance = "" if met else f"{wall / (30 * floor):.1f}x the target ({wall - 30 * floor:.1f} s too slow)"
        elif name == "incremental" and full:
            target, met = "<= 10% of full", wall <= 0.10 * full
            distance = f"{wall / full:.1%} of full" + ("" if met else f", {wall / (0.10 * full):.2f}x the target")
        elif name == "pandas" and full:
            target, met = ">= 10x full", wall >= 10 * full
            distance = f"pandas takes {wall / full:.1f}x full's time" + (
                "" if met else f"; full would have to take {wall / 10:.1f} s or less")
        mem_met = peak < MEMORY_TARGET_MIB if name in ("full", "history", "incremental") else None
        rows.append({
            "stage": name, "wall_s": round(wall, 2), "peak_mib": round(peak), "x_floor": round(wall / floor, 1),
            "target": target, "met": met, "distance": distance, "memory_met": mem_met,
        })
    return rows


def machine() -> dict:
    """Where the numbers come from."""
    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"

    import duckdb
    import ibis
    import pandas
    import pyarrow

    mem_kib = first("/proc/meminfo", "MemTotal").split()[0]
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "cpu": first("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "ram_gib": round(int(mem_kib) / 1024**2, 1) if mem_kib.isdigit() else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "ibis": ibis.__version__,
        "pandas": pandas.__version__,
        "pyarrow": pyarrow.__version__,
        "goldpath_commit": commit,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def print_table(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    m = report["manifest"]
    t = Table(title=f"goldpath benchmark, {m['events_written']:,} events, {m['accounts']:,} accounts, as of {m['as_of']}")
    for col in ("stage", "wall s", "peak MiB", "x floor", "target", "result"):
        t.add_column(col, justify="right" if col in ("wall s", "peak MiB", "x floor") else "left")
    for r in report["rows"]:
        res = "" if r["met"] is None else ("[green]met[/]" if r["met"] else "[red]missed[/]")
        if r["distance"]:
            res += f" {r['distance']}"
        if r["memory_met"] is False:
            res += " [red]memory >= 4 GiB[/]"
        t.add_row(r["stage"], f"{r['wall_s']:.2f}", f"{r['peak_mib']:,}", f"{r['x_floor']:.1f}", r["target"], res)
    Console().print(t)
    for name in ("full", "history", "incremental"):
        b = report["results"].get(name, {}).get("breakdown")
        if b:
            print(f"{name}: " + ", ".join(f"{k} {v:.2f} s" for k, v in b.items() if v))
    print(f"agreement (full vs pandas, every account and measure, tolerance {TOLERANCE:g}): {report['agreement']}")


def markdown_table(report: dict) -> str:
    lines = ["| stage | wall s | peak MiB | x floor | target | result |", "|---|--:|--:|--:|---|---|"]
    for r in report["rows"]:
        res = "" if r["met"] is None else ("met" if r["met"] else "**missed**")
        if r["distance"]:
            res += f" ({r['distance']})"
        if r["memory_met"] is not None:
            res += "; memory " + ("< 4 GiB" if r["memory_met"] else "**>= 4 GiB**")
        lines.append(f"| {r['stage']} | {r['wall_s']:.2f} | {r['peak_mib']:,} | {r['x_floor']:.1f} | {r['target']} | {res} |")
    out = "\n".join(lines) + "\n"
    for name in ("full", "history", "incremental"):
        b = report["results"].get(name, {}).get("breakdown")
        if b:
            out += f"\n`{name}` breakdown: " + ", ".join(f"{k} {v:.2f} s" for k, v in b.items() if v) + "."
    out += f"\n\nAgreement of `full` and `pandas` on every account and measure (tolerance {TOLERANCE:g}): {report['agreement']}.\n"
    return out


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description="Run the goldpath benchmark (see the module docstring).")
    p.add_argument("--events", type=generate.parse_count, default=generate.parse_count("10M"),
                   help="events to generate: 10M (default), 50M or 100M as in issue #5; a smaller count keeps "
                        "100,000 accounts and 2M users, so its ratios say little")
    p.add_argument("--accounts", type=generate.parse_count, default=100_000, help="accounts (default 100k)")
    p.add_argument("--data", type=Path, default=HERE / "data",
                   help="where generated workspaces go (benchmarks/data/<events>/, generated once)")
    p.add_argument("--results", type=Path, default=HERE / "results",
                   help="where report.json and report.md go (benchmarks/results/<events>/)")
    p.add_argument("--stages", default=",".join(STAGES), help="comma-separated subset of " + ",".join(STAGES))
    p.add_argument("--doc", type=Path, default=None, help="also write this benchmark document (docs/benchmarks.md)")
    p.add_argument("--memory-limit", default=generate.MEMORY_LIMIT,
                   help=f"DuckDB memory_limit of the benchmark workspace (default {generate.MEMORY_LIMIT})")
    a = p.parse_args(argv)
    label = generate.label_of(a.events)
    root = (a.data / label).resolve()
    gen_args = ["--events", str(a.events), "--accounts", str(a.accounts), "--out", str(root)]
    manifest = generate.main(gen_args)
    generate.write_config(root, label, a.memory_limit)
    manifest = {**manifest, "memory_limit": a.memory_limit}
    out = (a.results / label).resolve()
    out.mkdir(parents=True, exist_ok=True)
    stages = [s.strip() for s in a.stages.split(",") if s.strip()]
    unknown = sorted(set(stages) - set(STAGES))
    if unknown or "floor" not in stages:
        p.error(f"--stages: unknown {unknown}" if unknown else "--stages must include floor")
    info = machine()
    results: dict[str, dict] = {}
    started = dt_.datetime.now(dt_.timezone.utc).replace(microsecond=0)
    for name in STAGES:
        if name in stages:
            print(f"[{time.strftime('%H:%M:%S')}] {name} ...", flush=True)
            results[name] = run_stage(name, root, manifest, out)
            print(f"    {results[name]['wall']:.2f} s, peak {results[name]['peak_mib']:,.0f} MiB", flush=True)
    agreement = "not checked (full or pandas skipped)"
    problems: list[str] = []
    if "full" in results and "pandas" in results:
        import naive_pandas
        import pandas as pd

        problems = naive_pandas.compare(pd.read_parquet(out / "goldpath_measures.parquet"),
                                        pd.read_parquet(out / "pandas_measures.parquet"), TOLERANCE)
        n = results["pandas"]["rows"]
        agreement = (f"agree on all {n:,} accounts x {len(naive_pandas.MEASURE_NAMES)} measures" if not problems
                     else "DISAGREE: " + "; ".join(problems))
    report = {"label": label, "started": started.isoformat(), "machine": info, "manifest": manifest,
              "results": results, "rows": evaluate(results), "agreement": agreement, "problems": problems}
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    (out / "report.md").write_text(markdown_table(report), encoding="utf-8")
    print_table(report)
    if a.doc is not None:
        import report_doc

        a.doc.write_text(report_doc.render(a.results), encoding="utf-8")
        print(f"wrote {a.doc}")
    if problems:
        raise SystemExit("goldpath and the pandas implementation disagree:\n  " + "\n  ".join(problems))
    return report


if __name__ == "__main__":
    main()
