"""A workspace: a folder with ``goldpath.yaml``, a model file and the store.

:class:`Workspace` is the Python API; the CLI is a thin layer over it.
"""

from __future__ import annotations

import datetime as dt_
import hashlib
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from goldpath.alerts import outbox
from goldpath.alerts.changes import tier_changes
from goldpath.alerts.sinks import Dispatcher, JsonLinesSink, write_jsonl
from goldpath.config import WorkspaceConfig, load_config
from goldpath.contract.checks import consistency_warnings, quality_report
from goldpath.contract.tables import LOAD_ORDER, TABLES
from goldpath.contract.validate import PROBLEM_COLUMNS, Validated, validate
from goldpath.engine.connection import connect, connect_store, drop_temp, inputs_on, into_store, on_engine, temp_table
from goldpath.engine.facts import daily_usage, dedupe_events, duplicate_rows
from goldpath.engine.measures import EngineInputs, measures_frame
from goldpath.errors import ConflictError, GoldpathError, InputError, NotFoundError
from goldpath.model.spec import Model, load_model
from goldpath.scoring.axes import hundredths, score_axes
from goldpath.scoring.path import NextTierPlan, plan_next_tier
from goldpath.scoring.explain import Explanation, build_explanation, detail_arrays
from goldpath.scoring.tiers import TIER_ORDER, assign_tiers
from goldpath.sources.readers import ROW, RawTable, read_database, read_frame, read_raw
from goldpath.insights.backtest import BacktestReport, segment_baseline, summarize
from goldpath.insights.tuning import TuningResult, tune_model
from goldpath.insights.history import account_history, migration_matrix, time_to_tier
from goldpath.insights.playbooks import load_playbooks, match_actions, portfolio_gaps
from goldpath.insights.rollups import rollup
from goldpath.model.spec import AXES, MEASURES, WEEKDAYS
from goldpath.store import ledger as ledger_store, overrides, snapshots
from goldpath.value.gold import EVIDENCE_COLUMNS, acknowledgement_status, gold_evidence, outcome_status

INPUT_PREFIX = "input_"
SCORE_COLUMNS = [
    "as_of", "account_id", "name", "segment", "model_segment", "arr", "engagement", "engagement_coverage",
    "indispensability", "indispensability_coverage", "engagement_trend", "indispensability_trend",
    "axis_tier", "computed_tier", "override", "tier", "tier_rule", "gold_evidence", "model_name",
    "model_version", "computed_at", "data_through", "data_from",
]
FACT_TABLE = "daily_usage"
#: Account-dates computed and stored per batch when many dates are scored (memory bound).
BATCH_ACCOUNT_DATES = 250_000


@dataclass
class LoadReport:
    """What a load read, accepted and quarantined.

    Attributes
    ----------
    log
        One row per source: table, file, rows_read, rows_accepted, rows_quarantined,
        duplicates_dropped.
    problems
        One row per problem (table, file, row, column, value, problem).
    warnings
        Problems across tables that no row shows (a feature mapped to no process, ...).
    """

    log: pd.DataFrame
    problems: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Workspace:
    """A goldpath workspace folder.

    Parameters
    ----------
    path
        Folder holding ``goldpath.yaml``.
    frames
        Contract tables given as dataframes (pandas, polars or pyarrow), used instead of (or
        without) the files named in ``goldpath.yaml``.

    Examples
    --------
    >>> ws = Workspace("demo-workspace")            # doctest: +SKIP
    >>> scores = ws.score(as_of="2022-12-31")       # doctest: +SKIP
    """

    def __init__(self, path: str | Path, frames: dict[str, object] | None = None):
        self.root = Path(path).resolve()
        self.frames = dict(frames or {})
        unknown = sorted(set(self.frames) - set(TABLES))
        if unknown:
            raise GoldpathError(f"frames: unknown table(s) {unknown}; contract tables are {sorted(TABLES)}")
        self.config: WorkspaceConfig = load_config(self.root, provided=set(self.frames))
        self._model: Model | None = None
        self._con: ibis.BaseBackend | None = None
        self._engine: ibis.BaseBackend | None = None
        self._dispatchers: list[Dispatcher] = []
        self._last_scored: dt_.date | None = None
        #: What the last app write re-scored (:meth:`_after_write`): dates, tier changes, seconds.
        self.last_rescore: dict | None = None
        #: Called with no argument after every stored snapshot write (a server drops its caches).
        self.on_scores_written: list = []
        self._lock = threading.RLock()  # see "value ledger and success plans (app writes)"

    # -- plumbing -------------------------------------------------------------------------
    @property
    def model(self) -> Model:
        """The scoring model named in ``goldpath.yaml``."""
        if self._model is None:
            self._model = load_model(self.root / self.config.model)
        return self._model

    @property
    def con(self) -> ibis.BaseBackend:
        """The store: a DuckDB connection (opened on first use); also the engine for ``type: duckdb``."""
        if self._con is None:
            self._con = connect_store(self.config.engine, self.root)
        return self._con

    @property
    def engine(self) -> ibis.BaseBackend:
        """The compute engine of the daily fact and the measures: the store itself for DuckDB, else
        PySpark or a warehouse (goldpath.engine.connection)."""
        if self._engine is None:
            self._engine = self.con if self.config.engine.type == "duckdb" else connect(self.config.engine, self.root)
        return self._engine

    def close(self) -> None:
        """Wait (up to ``alerts_wait_seconds``) for alert deliveries, then close the connection."""
        if self._con is not None:
            self._finish_alerts()
            if self._engine is not None and self._engine is not self._con:
                self._engine.disconnect()
            self._engine = None
            self._con.disconnect()
            self._con = None

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- load -----------------------------------------------------------------------------
    def load(self, full: bool = False) -> LoadReport:
        """Read and validate every source, then replace the stored inputs in one transaction.

        The daily fact is maintained incrementally: only days from the newest stored day minus
        ``lookback_days`` (goldpath.yaml) are re-aggregated from the events, so late events in
        that span are picked up and a rerun of the same input changes nothing. ``full`` (or a
        change of account time zones) rebuilds it from every event.

        Every file is read before anything is written: a file that cannot be read at all
        raises :class:`~goldpath.errors.SourceError` and the store stays as it was. Rows
        that fail validation are quarantined, counted and kept in the ``quarantine`` table.
        """
        model = self.model  # a broken model file stops the run before the (long) load
        con = self.con
        spec = self.config.sources.get("events")
        origin = "dataframe" if "events" in self.frames or spec is None else spec.model_dump_json()
        skipped: dict = {}

        def skip_old_events(raw: RawTable, so_far: dict[str, ir.Table]) -> None:
            """An incremental load reads only the lookback of the Parquet files the last load read unchanged."""
            start, _ = self._incremental_start(_zone_fingerprint(so_far["accounts"], origin), full)
            previous = (snapshots.fact_meta(con) or {}).get("files") or []
            if start is None or not previous:
                return
            since = pd.Timestamp(start) - pd.Timedelta(days=1)  # a UTC day of margin, as for the fact
            if raw.skip_before(previous, "timestamp", since.to_pydatetime()):
                skipped.update(since=since, files=len(previous), rows=sum(int(f[3]) for f in previous))

        raws, results, accepted = self._validate_sources(before_events=skip_old_events)
        if skipped:
            results["events"].problems = self._kept_problems(results["events"], skipped["rows"])
        drop_temp(*[r.source for r in results.values()])  # the raw rows (every event as read) are not needed any more
        # Deduplication and the daily fact run on the compute engine; the fact lands in the store.
        events, accounts = on_engine(self.engine, accepted["events"]), on_engine(self.engine, accepted["accounts"])
        # Only the later copies are materialised (few); the events stream through the fact once.
        copies = temp_table(self.engine, "_dups_", duplicate_rows(events))
        deduped = dedupe_events(events, copies)
        duplicates = int(copies.count().to_pyarrow().as_py())
        # A staging table in the store (not temporary): the load's transaction renames it into place.
        snapshots.drop_staging(con)
        fact_tmp = f"{snapshots.STAGING_PREFIX}{uuid.uuid4().hex[:8]}"
        zones = _zone_fingerprint(accepted["accounts"], origin)
        from_day, why_full = self._incremental_start(zones, full)
        if from_day is None:
            into_store(con, fact_tmp, daily_usage(deduped, accounts), temp=False)
        else:
            # Only days from the lookback on are re-aggregated; a UTC day of margin keeps
            # every event whose local day is in range.
            margin = pd.Timestamp(from_day) - pd.Timedelta(days=1)
            recent = deduped.filter(deduped.timestamp >= margin)
            fact = daily_usage(recent, accounts)
            into_store(con, fact_tmp, fact.filter(fact.day >= from_day), temp=False)
        fact_note = (
            f"events: incremental load, days from {from_day} re-aggregated (lookback {self.config.lookback_days} "
            f"days); older days kept as stored (`goldpath ingest --full` rebuilds them)"
            if from_day is not None else f"events: full rebuild of the daily fact ({why_full})"
        )
        notes = [fact_note]
        if skipped:
            notes.append(
                f"events: rows before {skipped['since']:%Y-%m-%d %H:%M} UTC of the {skipped['files']} Parquet file(s) "
                f"the last load read unchanged were not read again (validated then; their quarantined rows are kept; "
                f"duplicates are looked for from that time on); files added since were read whole")
        scan = raws["events"].scan if "events" in raws else None
        files = scan.fingerprint() if scan is not None else None

        log = pd.DataFrame(
            [
                {
                    "table": name,
                    "file": raws[name].file,
                    "rows_read": r.rows_read,
                    "rows_accepted": int(accepted[name].count().to_pyarrow().as_py()),
                    "rows_quarantined": r.rows_quarantined,
                    "duplicates_dropped": duplicates if name == "events" else 0,
                    "loaded_at": pd.Timestamp.now(tz="UTC").tz_localize(None),
                }
                for name, r in results.items()
            ]
        )
        problems = pd.concat([r.problems for r in results.values()], ignore_index=True)
        problems = problems.astype({"row": "int64"}) if len(problems) else pd.DataFrame(
            {c: pd.Series([], dtype="int64" if c == "row" else object) for c in PROBLEM_COLUMNS}
        )
        warnings = consistency_warnings(accepted, model)
        lost = results["accounts"].rows_quarantined
        if lost:
            warnings.insert(0, f"accounts: {lost:,} account row(s) quarantined; those accounts and their events "
                               f"are not scored until the rows are fixed")
        # Accepted events are not copied into the store: the daily fact (stored above) is all
        # that reads them, and a load re-reads its sources anyway; the copy was the largest
        # write of a load. A stored input_events of an older load is dropped as stale.
        tables = {INPUT_PREFIX + n: t.get_name() for n, t in accepted.items() if n != "events"}
        snapshots.write_inputs(
            con, tables, log, problems.astype({c: "string" for c in PROBLEM_COLUMNS if c != "row"}),
            fact=(FACT_TABLE, fact_tmp, from_day),
            fact_meta={"zones": zones, "lookback_days": self.config.lookback_days, "files": files},
        )
        # The accepted rows (every event) and the copies are in the store or the fact now:
        # release them before scoring needs the memory.
        drop_temp(copies, events, accounts, *accepted.values())
        return LoadReport(log=log, problems=problems, warnings=warnings, notes=notes)

    def _kept_problems(self, result: Validated, old_rows: int) -> pd.DataFrame:
        """This load's events problems plus the stored ones of rows it did not read again.

        A stored problem of a row within the first ``old_rows`` rows (the unchanged files) that
        is neither accepted nor rejected now was not re-read: it still holds, so it is kept.
        """
        if not snapshots.has_table(self.con, "quarantine"):
            return result.problems
        q = self.con.table("quarantine")
        stored = q.filter((q.table == "events") & (q.row <= old_rows)).to_pandas()
        if stored.empty:
            return result.problems
        rows = ibis.memtable(pd.DataFrame({ROW: stored["row"].astype("int64").unique()}))
        reread = set()
        for t in (result.accepted, result.rejected):
            if t is not None:
                reread |= set(t.select(ROW).semi_join(rows, ROW).to_pyarrow().column(ROW).to_pylist())
        kept = stored[~stored["row"].isin(reread)][PROBLEM_COLUMNS]
        return pd.concat([result.problems, kept], ignore_index=True) if len(result.problems) else kept.reset_index(drop=True)

    def _validate_sources(self, before_events=None) -> tuple[dict[str, RawTable], dict[str, Validated], dict[str, ir.Table]]:
        """Read every source (all before any validation), then validate them in dependency order.

        ``before_events(raw, accepted)``, when given, runs just before the events are validated
        (the accounts are accepted by then) and may narrow what the events' reader reads.
        """
        raws: dict[str, RawTable] = {}
        for name in LOAD_ORDER:
            spec = self.config.sources.get(name)
            if name in self.frames:
                columns = spec.columns if spec is not None else None
                raws[name] = read_frame(self.frames[name], f"<{name} dataframe>", columns)
                continue
            if spec is None:
                continue
            if spec.url is not None:
                raws[name] = read_database(spec.url, spec.table, columns=spec.columns, label=spec.label)
                continue
            path = Path(spec.path)
            path = path if path.is_absolute() else self.root / path
            raws[name] = read_raw(path, columns=spec.columns, fmt=spec.format, label=spec.path)
        accepted: dict[str, ir.Table] = {}
        results: dict[str, Validated] = {}
        rejected: dict[str, ir.Table] = {}
        for name, raw in raws.items():
            if name == "events" and before_events is not None and "accounts" in accepted:
                before_events(raw, accepted)
            results[name] = validate(self.con, TABLES[name], raw, accepted, rejected)
            # The engine holds its own copy now: release the reader's (for events, every
            # event in Arrow) before deduplication and the daily fact need the memory.
            raw.table = raw.table.schema.empty_table()
            accepted[name] = results[name].accepted
            rejected[name] = results[name].rejected
        if "acknowledgements" in accepted and "contacts" in accepted and "outcomes" in accepted:
            first = accepted["acknowledgements"]
            accepted["acknowledgements"], extra = _same_account_acks(self.con, accepted, raws["acknowledgements"].file)
            results["acknowledgements"].accepted = accepted["acknowledgements"]
            drop_temp(first)
            results["acknowledgements"].problems = pd.concat([results["acknowledgements"].problems, extra], ignore_index=True)
        return raws, results, accepted

    def check(self) -> dict:
        """A data quality report of every source, without storing anything.

        Returns a JSON-ready dict: per source the rows read, accepted and quarantined (by
        column and problem, with examples) and the newest row; for events also duplicates,
        events before the account's contract started or after it churned, and timestamps in
        the future; and the cross-table warnings of a load.
        """
        raws, results, accepted = self._validate_sources()
        report = quality_report(raws, results, accepted, self.model)
        drop_temp(*[r.source for r in results.values()], *accepted.values())
        report["source_notes"] = list(self.config.notes)
        return report

    def _incremental_start(self, zones: str, full: bool) -> tuple[dt_.date | None, str]:
        """First day to re-aggregate, or None (with the reason) for a full rebuild of the fact."""
        if full:
            return None, "asked for"
        meta = snapshots.fact_meta(self.con)
        if meta is None or not snapshots.has_table(self.con, FACT_TABLE):
            return None, "no stored fact yet"
        if meta.get("zones") != zones:
            return None, "the events source, its column mapping, the accounts or their time zones changed"
        newest = self.con.table(FACT_TABLE).day.max().to_pandas()
        if newest is None or pd.isna(newest):
            return None, "the stored fact is empty"
        return pd.Timestamp(newest).date() - dt_.timedelta(days=self.config.lookback_days), ""

    def _input(self, name: str) -> ir.Table | None:
        table = INPUT_PREFIX + name
        return self.con.table(table) if snapshots.has_table(self.con, table) else None

    # -- score ----------------------------------------------------------------------------
    def score(self, as_of: str | dt_.date, *, load: bool = True) -> pd.DataFrame:
        """Score every account on ``as_of`` and store the snapshot (replacing that date's rows).

        Parameters
        ----------
        as_of
            Date (``YYYY-MM-DD``) the scores are for; windows end on it, inclusive.
        load
            Re-read the sources first (default). With ``False`` the stored inputs are used.

        Returns
        -------
        pandas DataFrame
            One row per account: axes, coverage, tier (``gold``, ``green``, ``yellow``,
        ``red`` or ``insufficient data``), the rule that applied and the model version.
        """
        day = _as_date(as_of)
        if load or not snapshots.has_table(self.con, FACT_TABLE):
            self.load()
        return self._score_dates([day])

    def _engine_inputs(self, as_of: dt_.date | None = None) -> EngineInputs:
        """The stored inputs of the measures; success plans in force on ``as_of`` (all when None)."""
        return EngineInputs(
            accounts=self._input("accounts"),
            daily_usage=self.con.table(FACT_TABLE),
            process_features=self._input("process_features"),
            process_criticality=self._input("process_criticality"),
            criticality_overrides=self._criticality_overrides(as_of),  # with success plans on top
            renewals=self._input("renewals"),
            signals=self._input("signals"),
            account_days=self.con.table(snapshots.ACCOUNT_DAYS) if snapshots.has_table(self.con, snapshots.ACCOUNT_DAYS)
            else None,
        )

    def _stored(self, name: str, since: dt_.date, before: dt_.date, columns: list[str]) -> pd.DataFrame | None:
        """``columns`` of the stored snapshot rows with ``since <= as_of < before`` (None without the table).

        Only the columns asked for are read: a history reads weeks of earlier snapshots per
        batch, and their explanation texts would cost more memory than the batch itself.
        """
        if not snapshots.has_table(self.con, name):
            return None
        t = self.con.table(name)
        df = t.filter((t.as_of >= since) & (t.as_of < before)).select(*columns).to_pandas()
        df["as_of"] = pd.to_datetime(df["as_of"]).dt.date
        return df

    def _trends(self, keys: pd.DataFrame, axes: pd.DataFrame, model: Model) -> pd.DataFrame:
        """Change of each axis since the latest snapshot at least ``trend_days`` earlier.

        Earlier dates of the same batch count as snapshots, so a history computed in one pass
        equals the same dates computed one at a time, in order.
        """
        dates = sorted(set(keys["as_of"]))
        lo = dates[0] - dt_.timedelta(days=2 * model.trend_days)
        stored = self._stored("scores", lo, dates[-1], ["as_of", "account_id", *AXES])
        batch = pd.concat([keys, axes[list(AXES)]], axis=1)
        hist = batch if stored is None else pd.concat([stored[~stored["as_of"].isin(dates)], batch], ignore_index=True)
        out = pd.DataFrame(index=keys.index, columns=[f"{a}_trend" for a in AXES], dtype=float)

        def days(col: pd.Series) -> np.ndarray:  # dates as datetime64, converting each distinct date once
            codes, uniques = pd.factorize(col, use_na_sentinel=False)
            return np.array([np.datetime64(u, "D") for u in uniques], dtype="datetime64[D]")[codes]

        h_day, k_day = days(hist["as_of"]), days(keys["as_of"])
        h_acc, k_acc = hist["account_id"].to_numpy(), keys["account_id"].to_numpy()
        step = np.timedelta64(model.trend_days, "D")
        for d in dates:
            cutoff = np.datetime64(d, "D") - step
            in_range = (h_day <= cutoff) & (h_day >= cutoff - step)
            if not in_range.any():
                continue
            pick = np.flatnonzero(h_day == h_day[in_range].max())  # the latest snapshot in range
            rows = np.flatnonzero(k_day == np.datetime64(d, "D"))
            at = pd.Index(h_acc[pick]).get_indexer(k_acc[rows])
            for j, axis in enumerate(AXES):
                was = hist[axis].to_numpy(dtype=float)[pick]
                before = np.where(at >= 0, was[at], np.nan)
                out.iloc[rows, j] = np.round(axes[axis].to_numpy(dtype=float)[rows] - before, 2)
        return out

    def _previous_raw(self, measures: pd.DataFrame, dates: list[dt_.date], model: Model) -> pd.DataFrame | None:
        """Raw values for ``missing: last_value``: stored snapshots, plus this batch's own dates."""
        stale = max([m.staleness_days for _, m in model.all_measures() if m.missing == "last_value"] + [0])
        if not stale:
            return None
        stored = self._stored("score_measures", min(dates) - dt_.timedelta(days=stale), max(dates),
                              ["as_of", "account_id", "measure", "raw"])
        names = [c for c in measures.columns if c in set(MEASURES) | set(model.signal_measures())]
        batch = measures.melt(id_vars=["as_of", "account_id"], value_vars=names, var_name="measure", value_name="raw")
        if stored is None:
            return batch
        return pd.concat([stored[~stored["as_of"].isin(dates)], batch], ignore_index=True)

    def compute(self, dates: list[dt_.date], model: Model | None = None) -> dict[str, pd.DataFrame]:
        """Score the stored inputs on many dates in one set-based pass, without writing.

        Returns the frames a snapshot consists of: ``scores``, ``score_measures``,
        ``gold_evidence`` and ``rollups``.
        """
        model = model or self.model
        con = self.con
        dates = sorted(set(dates))
        inputs = self._engine_inputs()
        # One pass per stretch of dates with the same success plans in force (usually one).
        measures = pd.concat([
            measures_frame(inputs_on(self.engine, self._engine_inputs(group[-1])), model, group)
            for group in ledger_store.plan_regimes(con, dates)
        ], ignore_index=True)
        if measures.empty:
            shown = ", ".join(str(d) for d in dates[:5]) + (f" and {len(dates) - 5} more" if len(dates) > 5 else "")
            raise GoldpathError(f"no account is in the portfolio on {shown}: no contract had started by then, or every "
                             f"account had churned; nothing was scored or stored")
        previous = self._previous_raw(measures, dates, model)
        active = overrides.active_overrides(con, dates)
        m_over = active[active["kind"] == "measure"]
        axes, parts = score_axes(measures, model, previous=previous, overrides=m_over, positions=True)
        trends = self._trends(measures[["as_of", "account_id"]], axes, model)
        tiers = assign_tiers(axes, measures["model_segment"], model, trends, measures["tenure_days"])

        ledger = self._ledger_for_scoring()  # source rows plus app writes
        if ledger is not None:
            evidence, verdict = gold_evidence(
                ledger["outcomes"], ledger["acknowledgements"], ledger["contacts"], dates, model.gold,
            )
        else:
            evidence = pd.DataFrame(columns=EVIDENCE_COLUMNS)
            verdict = pd.DataFrame(columns=["as_of", "account_id", "gold_evidence"])

        accounts = inputs.accounts.select("account_id", "name", "arr", "parent_id").to_pandas()
        fact = inputs.daily_usage
        last_day = fact.day.max().to_pandas()
        first_day = fact.day.min().to_pandas()
        scores = measures[["as_of", "account_id", "segment", "model_segment"]].merge(
            accounts.drop(columns="parent_id"), on="account_id"
        )
        scores = pd.concat([scores, axes.drop(columns=["as_of", "account_id"]), trends, tiers], axis=1)
        verdict = verdict.astype({"gold_evidence": "boolean"})
        scores = scores.merge(verdict, on=["as_of", "account_id"], how="left")
        scores["gold_evidence"] = scores["gold_evidence"].fillna(False)
        scores["computed_tier"] = scores["axis_tier"].where(
            ~((scores["axis_tier"] == "green") & scores["gold_evidence"]), "gold"
        )
        t_over = active[active["kind"] == "tier"][["as_of", "account_id", "tier", "note"]]
        scores = scores.merge(t_over.rename(columns={"tier": "override_tier", "note": "override"}),
                              on=["as_of", "account_id"], how="left")
        scores["tier"] = scores["override_tier"].fillna(scores["computed_tier"])
        scores["model_name"] = model.name
        scores["model_version"] = model.version
        scores["computed_at"] = pd.Timestamp.now(tz="UTC").tz_localize(None)
        through = {d: _data_through(d, first_day, last_day) for d in scores["as_of"].unique()}
        scores["data_through"] = scores["as_of"].map(through)
        scores["data_from"] = None if first_day is None or pd.isna(first_day) else pd.Timestamp(first_day).date()
        scores = scores[SCORE_COLUMNS]
        # Each part's explanation text, taken by its row in measures (no join on the keys).
        details = detail_arrays(measures, model)
        detail = np.full(len(parts), None, dtype=object)
        m_codes, m_names = pd.factorize(parts["measure"])
        pos = parts.pop("_pos").to_numpy()
        for k, name in enumerate(m_names):
            if name in details:
                sel = m_codes == k
                detail[sel] = details[name][pos[sel]]
        parts["detail"] = detail
        parts["model_version"] = model.version
        keep = scores[["as_of", "account_id"]]
        evidence = evidence.merge(keep, on=["as_of", "account_id"]) if len(evidence) else evidence
        rolled = rollup(scores, accounts.set_index("account_id")["parent_id"], model)
        return {
            "scores": scores, "score_measures": parts,
            "gold_evidence": evidence.astype({"as_of": "object"}), "rollups": rolled,
        }

    def _score_dates(self, dates: list[dt_.date], columns: list[str] | None = None) -> pd.DataFrame:
        """Compute and store ``dates`` in order, a batch of about :data:`BATCH_ACCOUNT_DATES` at a time.

        Returns the score rows of every date, with only ``columns`` when given.

        Batches bound memory (a history of 26 dates of 100,000 accounts is 2.6M account-dates
        of measures, scores and explanations); each is one compute pass and one transaction.
        A batch reads the snapshots stored by the batches before it exactly as one pass reads
        its own earlier dates (trends, ``missing: last_value``), so the result is the same.
        """
        dates = sorted(set(dates))
        newest = max(dates)
        before = snapshots.read_snapshot(self.con, "scores", newest)  # empty when scored for the first time
        size = max(1, BATCH_ACCOUNT_DATES // max(1, self.account_count()))
        scores = []
        for i in range(0, len(dates), size):
            batch = dates[i:i + size]
            frames = self.compute(batch)
            snapshots.write_snapshots(self.con, batch, frames)
            scores.append(frames["scores"] if columns is None else frames["scores"][columns])
            del frames
        for listener in self.on_scores_written:
            listener()
        self._raise_alerts(newest, before)
        self._last_scored = newest
        return scores[0] if len(scores) == 1 else pd.concat(scores, ignore_index=True)

    # -- alerts ---------------------------------------------------------------------------
    def _raise_alerts(self, day: dt_.date, before: pd.DataFrame | None = None) -> None:
        """Record the newest snapshot's tier changes as alerts and start delivering them.

        Only the newest stored date raises alerts (a backfill of past dates does not). A date
        scored for the first time is compared with the stored date before it; a date scored
        again (an app write re-scores it) with its own snapshot ``before`` the rescore, so a
        write that makes an account GOLD raises ``gold_reached``, one that undoes it
        ``gold_lost``, and a rescore that moves no tier raises nothing. Each real change is
        one alert (:func:`goldpath.alerts.outbox.record`).
        """
        dates = snapshots.scored_dates(self.con)
        if day != dates[-1]:
            return
        rescored = before is not None and len(before) > 0
        if not rescored and len(dates) < 2:
            return
        current = snapshots.read_snapshot(self.con, "scores", day)
        through = current["data_through"]
        lag = self.config.alerts_max_data_lag_days
        if through.isna().all() or (day - pd.Timestamp(through.dropna().iloc[0]).date()).days > lag:
            return  # scored well past the newest event: changes would be artefacts of missing data
        previous = before if rescored else snapshots.read_snapshot(self.con, "scores", dates[-2])
        outbox.record(self.con, tier_changes(previous, current), rescored=rescored)
        self.send_alerts()

    def send_alerts(self) -> None:
        """Deliver pending alerts: JSON-lines sinks now, webhooks in the background.

        Alerts already on their way in this session are not sent again.
        """
        self._harvest_alerts()
        busy = set().union(*(d.in_flight() for d in self._dispatchers))
        work = []
        for sink in self.config.alerts:
            todo = outbox.pending(self.con, sink.name)
            todo = todo[[(a, sink.name) not in busy for a in todo["alert_id"]]] if len(todo) else todo
            if todo.empty:
                continue
            payloads = [_alert_payload(r) for r in todo.to_dict("records")]
            if isinstance(sink, JsonLinesSink):
                write_jsonl(sink, self.root, payloads)
                outbox.mark(self.con, [(p["alert_id"], sink.name, True, 1, None) for p in payloads])
            else:
                work += [(sink, p) for p in payloads]
        if work:
            self._dispatchers.append(Dispatcher(work).start())

    def alerts(self) -> pd.DataFrame:
        """Every alert raised, with its delivery state per sink."""
        return outbox.all_alerts(self.con)

    def _harvest_alerts(self) -> None:
        """Record the results of dispatchers that have finished."""
        for d in [d for d in self._dispatchers if d.wait(0)]:
            outbox.mark(self.con, list(d.results))
            self._dispatchers.remove(d)

    def _finish_alerts(self) -> None:
        for d in self._dispatchers:
            d.wait(self.config.alerts_wait_seconds)
            outbox.mark(self.con, list(d.results))
        self._dispatchers = []

    def score_history(
        self, start: str | dt_.date, end: str | dt_.date, every: str = "7d", *, load: bool = True,
        columns: list[str] | None = None,
    ) -> pd.DataFrame:
        """Score every date from ``start`` to ``end`` stepping by ``every`` in one pass, and store them.

        ``every`` is ``Nd`` (days), ``Nw`` (weeks) or ``week`` (each week's last day, with
        the week starting on ``week_start`` from goldpath.yaml). Rows of recomputed dates
        are replaced. Returns the score rows of every date; ``columns`` (for example
        ``["as_of", "account_id", "tier", "arr"]``) keeps only those: 26 weeks of 100,000
        accounts are 2.6M rows, about 600 MB with every column.
        """
        dates = history_dates(_as_date(start), _as_date(end), every, self.config.week_start)
        if columns is not None and (unknown := sorted(set(columns) - set(SCORE_COLUMNS))):
            raise GoldpathError(f"columns: {', '.join(unknown)} not among the score columns ({', '.join(SCORE_COLUMNS)})")
        if load or not snapshots.has_table(self.con, FACT_TABLE):
            self.load()
        return self._score_dates(dates, columns)

    # -- read -----------------------------------------------------------------------------
    def scores(self, as_of: str | dt_.date | None = None) -> pd.DataFrame:
        """Stored scores of one date (the latest when omitted)."""
        day = self._stored_date(as_of)
        return snapshots.read_snapshot(self.con, "scores", day)

    def _stored_date(self, as_of: str | dt_.date | None) -> dt_.date:
        if as_of is not None:
            return _as_date(as_of)
        if self._last_scored is not None:  # what this session just scored, not an older run's later date
            return self._last_scored
        latest = snapshots.latest_as_of(self.con)
        if latest is None:
            raise GoldpathError("no scores stored yet; run `goldpath score --as-of YYYY-MM-DD` first")
        return latest

    def explain(self, account_id: str, as_of: str | dt_.date | None = None) -> Explanation:
        """Why ``account_id`` has its tier on ``as_of``.

        By default the date this workspace object last scored, else the latest stored date."""
        day = self._stored_date(as_of)
        row = self._score_row(account_id, day)
        parts = snapshots.read_snapshot(self.con, "score_measures", day, account_id)
        evidence = snapshots.read_snapshot(self.con, "gold_evidence", day, account_id)
        return build_explanation(row, parts, evidence)

    def plan(self, account_id: str, as_of: str | dt_.date | None = None) -> NextTierPlan:
        """The path from the account's tier to the next one (raw-value targets per measure)."""
        day = self._stored_date(as_of)
        row = self._score_row(account_id, day)
        parts = snapshots.read_snapshot(self.con, "score_measures", day, account_id)
        all_parts = snapshots.read_snapshot(self.con, "score_measures", day)
        scores = snapshots.read_snapshot(self.con, "scores", day)
        peers_ids = set(scores.loc[(scores["model_segment"] == row["model_segment"])
                                   & (scores["account_id"] != account_id), "account_id"])

        def peers(measure: str) -> np.ndarray:
            p = all_parts[(all_parts["measure"] == measure) & all_parts["account_id"].isin(peers_ids)]
            return p["raw"].to_numpy(dtype=float)

        return plan_next_tier(row, parts, self.model, peers)

    def changes(self, account_id: str, since: str | dt_.date, as_of: str | dt_.date | None = None) -> pd.DataFrame:
        """What moved each axis of an account between two stored snapshots, measure by measure.

        Returns one row per axis and measure with the raw value, score and contribution on
        each date and the change of the contribution; per axis the changes add up exactly
        to the change of the axis score.
        """
        day, before = self._stored_date(as_of), _as_date(since)
        self._score_row(account_id, before)
        self._score_row(account_id, day)
        cols = ["axis", "measure", "raw", "score", "contribution", "status"]
        a = snapshots.read_snapshot(self.con, "score_measures", before, account_id)[cols]
        b = snapshots.read_snapshot(self.con, "score_measures", day, account_id)[cols]
        m = a.merge(b, on=["axis", "measure"], how="outer", suffixes=("_before", "_after"))
        for c in ("contribution_before", "contribution_after"):
            m[c] = m[c].fillna(0.0)
        m["contribution_change"] = (hundredths(m["contribution_after"]) - hundredths(m["contribution_before"])) / 100.0
        return m.sort_values(["axis", "contribution_change"], key=lambda c: c.abs() if c.name == "contribution_change" else c,
                             ascending=[True, False]).reset_index(drop=True)

    def actions(self, as_of: str | dt_.date | None = None) -> pd.DataFrame:
        """Next best actions across the portfolio from the workspace's playbooks, ranked."""
        if not self.config.playbooks:
            raise GoldpathError("no playbooks configured; add `playbooks: playbooks.yaml` to goldpath.yaml")
        playbooks = load_playbooks(self.root / self.config.playbooks)
        known = {n for n, _ in self.model.all_measures()}
        for i, pb in enumerate(playbooks):
            if pb.when.measure and pb.when.measure not in known:
                raise GoldpathError(f"{self.config.playbooks}: playbooks[{i}] ({pb.name}) names measure "
                                    f"{pb.when.measure!r}, which the model does not have ({', '.join(sorted(known))})")
        day = self._stored_date(as_of)
        scores = snapshots.read_snapshot(self.con, "scores", day)
        parts = snapshots.read_snapshot(self.con, "score_measures", day)
        evidence = snapshots.read_snapshot(self.con, "gold_evidence", day)
        gaps, accounts = portfolio_gaps(scores, parts, evidence, self.model)
        return match_actions(gaps, accounts, playbooks)

    def set_override(
        self, account_id: str, *, author: str, reason: str, expires: str | dt_.date,
        tier: str | None = None, measure: str | None = None, score: float | None = None,
        starts: str | dt_.date | None = None, rescore: bool = False,
    ) -> int:
        """Override an account's tier or one measure's score from ``starts`` up to ``expires``.

        Without ``starts`` the override starts on the latest scored date (today, if that is
        earlier or nothing is scored yet), so it never changes history a backtest reads.

        The override is audited, applied by every later scoring of a date in its period,
        never changed by a scoring run, and named in explanations. An override that expired
        before the latest scored date (or before today, whichever is earlier) is refused: it
        would change no current tier. With ``rescore`` the stored dates in its period are
        re-scored at once (:attr:`last_rescore`).
        """
        with self.lock:
            accounts = self._input("accounts")
            if accounts is None or accounts.filter(accounts.account_id == account_id).count().to_pyarrow().as_py() == 0:
                raise NotFoundError("account_id", f"unknown account {account_id!r}")
            if (tier is None) == (measure is None):
                hint = " (a score goes with a measure)" if score is not None and measure is None else ""
                raise InputError("tier", f"an override sets either a tier, or a measure and its score{hint}")
            if tier is not None and tier not in ("red", "yellow", "green"):
                raise InputError("tier", f"tier override must be red, yellow or green (got {tier!r}); GOLD needs evidence")
            if measure is not None:
                known = {n for n, _ in self.model.all_measures()}
                if measure not in known:
                    raise InputError("measure", f"unknown measure {measure!r}; the model has {', '.join(sorted(known))}")
                if score is None:
                    raise InputError("score", f"a measure override needs a score from 0 to 100 for {measure}")
                if not 0 <= score <= 100:
                    raise InputError("score", f"a measure override needs a score from 0 to 100 (got {score:g})")
            latest = snapshots.latest_as_of(self.con)
            now = min(_today(), latest) if latest is not None else _today()
            # Without a start an override starts now (the latest scored date): it never reaches
            # back into history, where it would be hindsight in a backtest.
            start = _as_date(starts) if starts is not None else None
            until = _as_date(expires)
            if start is not None and until < start:
                raise InputError("expires", f"override expires on {until}, before it starts on {start}")
            if until < now:
                raise InputError("expires", f"{until} has passed (the latest scored date is {latest}): the override "
                                            f"would change no current tier")
            start = now if start is None else start
            oid = overrides.add_override(
                self.con, account_id, author=author, reason=reason, expires=until, starts=start,
                tier=tier, measure=measure, score=score,
            )
            self._after_write(rescore, since=start, until=until, audited=("override.add", account_id))
            return oid

    def remove_override(self, override_id: int, *, author: str, reason: str, on: str | dt_.date | None = None,
                        rescore: bool = False) -> None:
        """Withdraw an override (from every date, or only from ``on`` on); the change is audited.

        Without ``rescore``, rescore the dates it covered to apply the removal to them; with it
        they are re-scored at once. :class:`~goldpath.errors.NotFoundError` for an unknown id,
        :class:`~goldpath.errors.ConflictError` for one already withdrawn.
        """
        with self.lock:
            listed = self.overrides()
            hit = listed[listed["override_id"] == override_id]
            if hit.empty:
                raise NotFoundError("override_id", f"no override with id {override_id}")
            row = hit.iloc[0]
            if not pd.isna(row["removed_at"]):
                raise ConflictError("override_id", f"override {override_id} was already withdrawn by {row['removed_by']} "
                                                   f"on {pd.Timestamp(row['removed_at']):%Y-%m-%d}")
            day = _as_date(on) if on is not None else None
            starts = None if pd.isna(row["starts"]) else pd.Timestamp(row["starts"]).date()
            expires = pd.Timestamp(row["expires"]).date()
            if day is not None and (day > expires or (starts is not None and day < starts)):
                raise InputError("on", f"override {override_id} applies {starts or 'from its start'} to {expires}; "
                                       f"withdraw it from a day in that period, or from every date (no date)")
            overrides.remove_override(self.con, override_id, author=author, reason=reason, on=day)
            since = max(d for d in (starts, day) if d is not None) if (starts or day) else None
            self._after_write(rescore, since=since, until=pd.Timestamp(row["expires"]).date(),
                              audited=("override.remove", row["account_id"]))

    def overrides(self) -> pd.DataFrame:
        """Every override ever recorded, newest first."""
        return overrides.list_overrides(self.con)

    def audit_log(self, account_id: str | None = None) -> pd.DataFrame:
        """Every audited change (all writes: overrides, value ledger, retractions, success plans,
        rescores), oldest first; with ``account_id`` only the entries about that account."""
        log = overrides.audit_log(self.con)
        return log if account_id is None else log[log["target"] == account_id].reset_index(drop=True)

    def active_overrides(self, as_of: str | dt_.date | None = None) -> pd.DataFrame:
        """Overrides in force on a date (the latest scored when omitted), as scoring that date applies them."""
        return overrides.active_overrides(self.con, [self._stored_date(as_of)])

    def rollups(self, as_of: str | dt_.date | None = None) -> pd.DataFrame:
        """Parent accounts rolled up from their children on a scored date."""
        day = self._stored_date(as_of)
        if not snapshots.has_table(self.con, "rollups"):
            return pd.DataFrame()
        return snapshots.read_snapshot(self.con, "rollups", day)

    def compare(self, model_path: str | Path, dates: list[dt_.date] | None = None) -> dict[str, pd.DataFrame]:
        """Recompute stored history under another model and set it beside the stored scores.

        Nothing is written. ``dates`` defaults to every stored date.

        Returns
        -------
        dict
            ``portfolio``: accounts and ARR per tier and date under each model;
            ``changes``: one row per account and date whose tier differs, with both axes
            under each model.
        """
        other = load_model(Path(model_path) if Path(model_path).is_absolute() else self.root / model_path)
        dates = sorted(set(dates or snapshots.scored_dates(self.con)))
        if not dates:
            raise GoldpathError("no scores stored yet; score a date or a history first")
        t = self.con.table("scores")
        current = t.filter(t.as_of.isin(dates)).to_pandas()
        current["as_of"] = pd.to_datetime(current["as_of"]).dt.date
        proposed = self.compute(dates, other)["scores"]
        # Computed tiers on both sides: an override is not a difference between models.
        cols = ["as_of", "account_id", "name", "arr", "engagement", "indispensability", "computed_tier"]
        both = current[cols].merge(proposed[cols], on=["as_of", "account_id", "name", "arr"], how="outer",
                                   suffixes=("_current", "_other"))
        both = both.rename(columns={"computed_tier_current": "tier_current", "computed_tier_other": "tier_other"})
        changes = both[both["tier_current"] != both["tier_other"]].sort_values(["as_of", "arr"], ascending=[True, False])
        rows = []
        for label, df in (("current", current), ("other", proposed)):
            g = df.groupby(["as_of", "computed_tier"]).agg(accounts=("account_id", "count"), arr=("arr", "sum"))
            g = g.reset_index().rename(columns={"computed_tier": "tier"})
            rows.append(g.assign(model=f"{label} ({df['model_name'].iloc[0]} @ {df['model_version'].iloc[0]})"))
        return {"portfolio": pd.concat(rows, ignore_index=True), "changes": changes.reset_index(drop=True)}

    def renewal_snapshots(self, lead: str | int = "90d") -> tuple[pd.DataFrame, pd.DataFrame, dict]:
        """Every renewal with the account's scores ``lead`` days before it, and the measure rows.

        Stored snapshots of the current model version are reused; missing dates are computed
        (not stored), each from data up to its own date only.

        Returns
        -------
        rows
            One row per scored renewal: the renewal, ``as_of``, ``renewed``, ``expanded``,
            the account's segment, model segment, axes and tier then.
        parts
            The measure rows (raw, score, ...) of those accounts and dates.
        skipped
            Renewals that could not be scored, by reason.
        """
        days = _days_of(lead)
        if "renewals" not in self.config.sources and "renewals" not in self.frames:
            raise GoldpathError("this needs a `renewals` source in goldpath.yaml")
        if not snapshots.has_table(self.con, FACT_TABLE) or self._input("renewals") is None:
            self.load()  # nothing ingested yet (or renewals just added): ingest first
        renewals = self._input("renewals")
        r = renewals.to_pandas()
        if r.empty:
            raise GoldpathError("the renewals table is empty")
        r["renewal_date"] = pd.to_datetime(r["renewal_date"]).dt.date
        r["as_of"] = r["renewal_date"] - dt_.timedelta(days=days)
        dates = sorted(set(r["as_of"]))
        model = self.model
        frames = {"scores": [], "score_measures": []}
        stored_dates: set = set()
        if snapshots.has_table(self.con, "scores"):
            for name in frames:
                t = self.con.table(name)
                df = t.filter(t.as_of.isin(dates) & (t.model_version == model.version)).to_pandas()
                df["as_of"] = pd.to_datetime(df["as_of"]).dt.date
                frames[name].append(df)
            stored_dates = set(frames["scores"][0]["as_of"]) & set(frames["score_measures"][0]["as_of"])
            frames = {n: [f[0][f[0]["as_of"].isin(stored_dates)]] for n, f in frames.items()}
        missing = sorted(set(dates) - stored_dates)
        if missing:
            fresh = self.compute(missing)
            for name in frames:
                frames[name].append(fresh[name])
        scored = pd.concat(frames["scores"], ignore_index=True)
        parts = pd.concat(frames["score_measures"], ignore_index=True)
        cols = ["as_of", "account_id", "segment", "model_segment", "tier", "axis_tier", "engagement", "indispensability"]
        rows = r.merge(scored[cols], on=["as_of", "account_id"], how="left")
        skipped = {"not under contract on the scoring date": int(rows["tier"].isna().sum())}
        rows = rows[rows["tier"].notna()].copy()
        rows["renewed"] = rows["outcome"] != "churned"
        rows["expanded"] = rows["outcome"] == "expanded"
        rows = rows.sort_values(["renewal_date", "account_id"]).reset_index(drop=True)
        parts = parts.merge(rows[["as_of", "account_id"]].drop_duplicates(), on=["as_of", "account_id"])
        return rows, parts, skipped

    def backtest(self, lead: str | int = "90d", green_claim: float = 0.9) -> BacktestReport:
        """Score every renewal ``lead`` days before its date and measure how well tiers predicted it."""
        rows, _, skipped = self.renewal_snapshots(lead)
        rows["baseline"] = segment_baseline(rows)
        return summarize(rows, _days_of(lead), green_claim, skipped)

    def tune(self, lead: str | int = "90d", test_share: float = 0.3) -> TuningResult:
        """Propose weights and a Green threshold from renewal outcomes, validated on later renewals."""
        rows, parts, _ = self.renewal_snapshots(lead)
        text = (self.root / self.config.model).read_text(encoding="utf-8")
        return tune_model(rows, parts, self.model, text, test_share=test_share)

    def history(self, account_id: str, last: int | None = None) -> tuple[pd.DataFrame, dict]:
        """An account's stored snapshots with changes, time in the current tier and axis trends."""
        if not snapshots.has_table(self.con, "scores"):
            raise GoldpathError("no scores stored yet; run `goldpath score` first")
        t = self.con.table("scores")
        rows = t.filter(t.account_id == account_id).to_pandas()
        if rows.empty:
            raise GoldpathError(f"no stored score for account {account_id!r}")
        rows["as_of"] = pd.to_datetime(rows["as_of"]).dt.date
        return account_history(rows, last)

    def migrations(self, start: str | dt_.date, end: str | dt_.date) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Tier migration matrix (accounts and ARR) between two scored dates."""
        d0, d1 = _as_date(start), _as_date(end)
        if d1 < d0:
            raise InputError("end", f"{d1} is before the start {d0}")
        for field_name, d in (("start", d0), ("end", d1)):
            if snapshots.read_snapshot(self.con, "scores", d).empty:
                listed = ", ".join(str(x) for x in snapshots.scored_dates(self.con)[-8:]) or "none yet"
                raise InputError(field_name, f"{d} has not been scored; scored dates include {listed}")
        return migration_matrix(snapshots.read_snapshot(self.con, "scores", d0),
                                snapshots.read_snapshot(self.con, "scores", d1))

    def scored_dates(self) -> list[dt_.date]:
        """Every date with a stored snapshot, oldest first."""
        return snapshots.scored_dates(self.con)

    def portfolio_history(self) -> pd.DataFrame:
        """Accounts and ARR per tier on every stored date (``as_of, tier, accounts, arr``), one query."""
        if not snapshots.has_table(self.con, "scores"):
            return pd.DataFrame(columns=["as_of", "tier", "accounts", "arr"])
        t = self.con.table("scores")
        df = t.group_by(["as_of", "tier"]).aggregate(accounts=t.account_id.count(), arr=t.arr.sum())
        df = df.order_by(["as_of", "tier"]).to_pandas()
        df["as_of"] = pd.to_datetime(df["as_of"]).dt.date
        return df

    def cohorts(self) -> pd.DataFrame:
        """Time to Green and to GOLD per cohort of contract start, over every stored snapshot."""
        if not snapshots.has_table(self.con, "scores"):
            raise GoldpathError("no scores stored yet; run `goldpath score --from ... --to ...` first")
        scores = self.con.table("scores").select("as_of", "account_id", "tier").to_pandas()
        return time_to_tier(scores, self._input("accounts").to_pandas())

    def _score_row(self, account_id: str, day: dt_.date) -> pd.Series:
        row = snapshots.read_snapshot(self.con, "scores", day, account_id)
        if not row.empty:
            return row.iloc[0]
        scored = snapshots.read_snapshot(self.con, "scores", day)
        if scored.empty:
            dates = snapshots.scored_dates(self.con)
            listed = ", ".join(str(d) for d in dates[-5:]) or "none yet"
            raise GoldpathError(f"{day} has not been scored; scored dates: {listed}")
        accounts = self._input("accounts")
        if accounts is not None and accounts.filter(accounts.account_id == account_id).count().to_pyarrow().as_py():
            raise GoldpathError(
                f"account {account_id!r} was not under contract on {day} (its contract starts later, or a "
                f"renewals row says it churned by then), so it has no score"
            )
        hint = ", ".join(sorted(scored["account_id"])[:5])
        raise GoldpathError(f"unknown account {account_id!r}; scored accounts include {hint}")

    def forget(self, as_of: str | dt_.date) -> int:
        """Delete the stored snapshot of one date (scores, measures, evidence, rollups); returns rows removed."""
        day = _as_date(as_of)
        n = len(snapshots.read_snapshot(self.con, "scores", day))
        if not n:
            raise GoldpathError(f"{day} has not been scored; nothing to delete")
        snapshots.delete_dates(self.con, [day])
        return n

    def account_count(self) -> int:
        """Number of accounts in the stored inputs."""
        accounts = self._input("accounts")
        return 0 if accounts is None else int(accounts.count().to_pyarrow().as_py())

    def quarantine(self) -> pd.DataFrame:
        """Rows quarantined by the last load."""
        if not snapshots.has_table(self.con, "quarantine"):
            return pd.DataFrame(columns=PROBLEM_COLUMNS)
        return self.con.table("quarantine").to_pandas()

    # -- value ledger and success plans (app writes) -----------------------------------------
    # Writes from the API, the dashboard or Python: validated like the data contract, stored
    # in app tables of their own (goldpath.store.ledger) so a load never loses them, audited,
    # then the latest stored date is re-scored from the stored inputs so tiers move at once.
    # Every method holds ``self.lock``: one Workspace (one DuckDB connection) may serve many
    # threads, and DuckDB connections are not safe for concurrent use.

    @property
    def lock(self) -> threading.RLock:
        """The lock every app write and every server request holds while it uses the connection."""
        return self._lock

    def _accounts_table(self) -> pd.DataFrame:
        accounts = self._input("accounts")
        if accounts is None:
            raise GoldpathError("no inputs stored yet; run `goldpath ingest` first")
        return accounts.select("account_id", "name", "segment", "arr", "contract_start").to_pandas()

    def _account_row(self, account_id: str) -> pd.Series:
        accounts = self._accounts_table()
        hit = accounts[accounts["account_id"] == account_id]
        if hit.empty:
            raise NotFoundError("account_id", f"unknown account {account_id!r}")
        return hit.iloc[0]

    def _ledger_tables(self) -> dict[str, pd.DataFrame]:
        """The ledger as scoring reads it: stored source rows plus app rows (goldpath.store.ledger.merge)."""
        source = {}
        for name in ledger_store.LEDGER_TABLES:
            t = self._input(name)
            source[name] = None if t is None else t.to_pandas()
        arr = self._accounts_table().set_index("account_id")["arr"].to_dict()
        return ledger_store.merge(source, ledger_store.read_app(self.con), arr)

    def _ledger_for_scoring(self) -> dict[str, pd.DataFrame] | None:
        """The merged ledger for ``compute``, or None when there is no ledger at all."""
        if ledger_store.read_app(self.con) is None and any(
            self._input(n) is None for n in ledger_store.LEDGER_TABLES
        ):
            return None
        ledger = self._ledger_tables()
        return ledger if len(ledger["outcomes"]) else None

    def _criticality_overrides(self, as_of: dt_.date | None = None) -> ir.Table | None:
        """Source criticality overrides with the process scope of each success plan in force on ``as_of`` on top."""
        catalogue = [t for t in (self._input("process_criticality"), self._input("process_features")) if t is not None]
        return ledger_store.criticality_overrides(self.con, self._input("criticality_overrides"), catalogue, as_of)

    def _after_write(self, rescore: bool, since: dt_.date | None = None, until: dt_.date | None = None,
                     audited: tuple[str, str] | None = None) -> dict | None:
        """Re-score every stored date a write can affect (``since <= as_of <= until``) in one pass.

        One :meth:`compute` over all those dates (set-based: the cost grows slowly with the
        number of dates). The result, also kept as :attr:`last_rescore`: ``dates`` re-scored,
        ``tier_changes`` (account, as_of, before, after) and ``seconds``. With ``audited``
        (action, target), the write's audit entry records the dates and the tier changes.
        """
        self.last_rescore = None
        if not rescore:
            return None
        dates = [d for d in snapshots.scored_dates(self.con)
                 if (since is None or d >= since) and (until is None or d <= until)]
        result: dict = {"dates": dates, "tier_changes": [], "seconds": 0.0}
        if dates:
            started = time.perf_counter()
            before = self._stored_tiers(dates)
            after = self._score_dates(dates)[["as_of", "account_id", "tier"]]
            m = before.merge(after, on=["as_of", "account_id"], how="outer", suffixes=("_before", "_after"))
            m = m[m["tier_before"].fillna("") != m["tier_after"].fillna("")].sort_values(["account_id", "as_of"])
            result["tier_changes"] = [
                {"account_id": r.account_id, "as_of": pd.Timestamp(r.as_of).date(),
                 "before": None if pd.isna(r.tier_before) else r.tier_before,
                 "after": None if pd.isna(r.tier_after) else r.tier_after}
                for r in m.itertuples(index=False)
            ]
            result["seconds"] = round(time.perf_counter() - started, 2)
        if audited is not None:
            ledger_store.annotate_audit(self.con, *audited, {
                "rescored": [str(d) for d in dates],
                "tier_changes": [{**c, "as_of": str(c["as_of"])} for c in result["tier_changes"]],
            })
        self.last_rescore = result
        return result

    def _stored_tiers(self, dates: list[dt_.date]) -> pd.DataFrame:
        t = self.con.table("scores")
        df = t.filter(t.as_of.isin(dates)).select("as_of", "account_id", "tier").to_pandas()
        df["as_of"] = pd.to_datetime(df["as_of"]).dt.date
        return df

    def _rescore_latest(self) -> dt_.date | None:
        day = snapshots.latest_as_of(self.con)
        if day is not None:
            self._score_dates([day])
        return day

    def rescore(self, *, author: str | None = None) -> pd.DataFrame | None:
        """Re-score the latest stored date from the stored inputs (no file is read); audited when ``author`` is given.

        Returns that date's scores, or None when nothing was scored yet.
        """
        with self.lock:
            day = self._rescore_latest()
            if day is not None and author is not None:
                ledger_store.record_audit(self.con, ledger_store.as_author(author), "score.rescore", str(day),
                                          {"as_of": str(day)})
            return None if day is None else self.scores(day)

    def add_contact(
        self, account_id: str, name: str, role: str, joined: str | dt_.date | None = None, *, author: str,
    ) -> str:
        """Add a contact who can acknowledge value (role: team, sponsor, stakeholder or finance).

        Returns the new ``contact_id`` (``app-C<n>``). Nothing is re-scored: a contact
        counts once they acknowledge an outcome.
        """
        with self.lock:
            who = ledger_store.as_author(author)
            self._account_row(account_id)
            row = {"account_id": account_id, "name": ledger_store.as_text("name", name),
                   "role": ledger_store.as_role(role), "joined": ledger_store.as_date("joined", joined, required=False),
                   "left": None}
            if row["joined"] is not None and row["joined"] > _today():
                raise InputError("joined", f"{row['joined']} is in the future; add the contact once they have the role")
            return ledger_store.insert_contact(self.con, row, who)["contact_id"]

    def mark_contact_left(
        self, contact_id: str, left: str | dt_.date, *, author: str, rescore: bool = True,
    ) -> dict:
        """Record that a contact left on ``left``: their acknowledgements lapse from that day.

        Works for contacts from the source files and from the app; returns the change.
        """
        with self.lock:
            who = ledger_store.as_author(author)
            day = ledger_store.as_date("left", left)
            contact = ledger_store.find(self._ledger_tables(), "contacts", "contact_id", contact_id)
            joined = None if pd.isna(contact["joined"]) else pd.Timestamp(contact["joined"]).date()
            if joined is not None and day < joined:
                raise InputError("left", f"{day} is before contact {contact_id} joined ({joined})")
            previous = None if pd.isna(contact["left"]) else pd.Timestamp(contact["left"]).date()
            change = ledger_store.insert_contact_left(self.con, contact_id, contact["account_id"], day, who, previous)
            self._after_write(rescore, since=min(day, previous or day), audited=("contact.left", contact["account_id"]))
            return change

    def add_outcome(
        self, account_id: str, title: str, metric: str, baseline: float, target: float,
        defined_at: str | dt_.date, achieved: float | None = None, achieved_at: str | dt_.date | None = None,
        annual_value: float | None = None, cost: float | None = None, *, author: str, rescore: bool = True,
    ) -> str:
        """Define a value outcome (metric, baseline, target); returns its ``outcome_id`` (``app-O<n>``)."""
        with self.lock:
            who = ledger_store.as_author(author)
            self._account_row(account_id)
            v = ledger_store
            row = {
                "account_id": account_id, "title": v.as_text("title", title), "metric": v.as_text("metric", metric),
                "baseline": v.as_number("baseline", baseline), "target": v.as_number("target", target),
                "achieved": v.as_number("achieved", achieved, required=False),
                "annual_value": v.as_number("annual_value", annual_value, required=False, minimum=0),
                "cost": v.as_number("cost", cost, required=False, minimum=0),
                "defined_at": v.as_date("defined_at", defined_at),
                "achieved_at": v.as_date("achieved_at", achieved_at, required=False),
            }
            if row["achieved_at"] is not None and row["achieved"] is None:
                raise InputError("achieved", "required with achieved_at: the measured value")
            if row["achieved"] is not None and row["achieved_at"] is None:
                raise InputError("achieved_at", "required with achieved: the day the value was measured")
            if row["achieved_at"] is not None and row["achieved_at"] > _today():
                raise InputError("achieved_at", f"{row['achieved_at']} is in the future; record a value once it is measured")
            if row["achieved_at"] is not None and row["achieved_at"] < row["defined_at"]:
                raise InputError("achieved_at", f"{row['achieved_at']} is before the outcome is defined ({row['defined_at']})")
            _distinct_target(row["baseline"], row["target"])
            outcome_id = ledger_store.insert_outcome(self.con, row, who)["outcome_id"]
            self._after_write(rescore, since=row["defined_at"], audited=("outcome.add", account_id))
            return outcome_id

    def record_achievement(
        self, outcome_id: str, achieved: float, achieved_at: str | dt_.date, *, author: str, rescore: bool = True,
    ) -> dict:
        """Record a new measured value of an outcome (source, app or success plan); returns the change.

        The value with the latest ``achieved_at`` is the outcome's measured value.
        """
        with self.lock:
            who = ledger_store.as_author(author)
            value = ledger_store.as_number("achieved", achieved)
            day = ledger_store.as_date("achieved_at", achieved_at)
            outcome = ledger_store.find(self._ledger_tables(), "outcomes", "outcome_id", outcome_id)
            defined = pd.Timestamp(outcome["defined_at"]).date()
            if day < defined:
                raise InputError("achieved_at", f"{day} is before outcome {outcome_id} was defined ({defined})")
            if day > _today():
                raise InputError("achieved_at", f"{day} is in the future; record a value once it is measured")
            previous = {"achieved": None if pd.isna(outcome["achieved"]) else float(outcome["achieved"]),
                        "achieved_at": None if pd.isna(outcome["achieved_at"]) else str(pd.Timestamp(outcome["achieved_at"]).date())}
            change = ledger_store.insert_achievement(self.con, outcome_id, outcome["account_id"], value, day, who, previous)
            # the previous value stops counting from its own date on: re-score from the earlier of the two
            earlier = min(day, _as_date(previous["achieved_at"])) if previous["achieved_at"] else day
            self._after_write(rescore, since=earlier, audited=("outcome.achievement", outcome["account_id"]))
            return change

    def record_acknowledgement(
        self, outcome_id: str, contact_id: str, date: str | dt_.date, statement: str | None = None, *,
        author: str, rescore: bool = True,
    ) -> dict:
        """Record that a contact acknowledged an outcome's value on ``date``; returns the stored row.

        Refused (:class:`~goldpath.errors.InputError` naming the field) when the outcome or the
        contact is unknown, the contact belongs to another account, the date is before the
        outcome was defined, before the contact joined, on or after they left, or in the future.
        """
        with self.lock:
            who = ledger_store.as_author(author)
            day = ledger_store.as_date("date", date)
            if day > _today():
                raise InputError("date", f"{day} is in the future; record an acknowledgement once it is given")
            outcome, _ = ledger_store.check_acknowledgement(self._ledger_tables(), outcome_id, contact_id, day)
            row = {"outcome_id": outcome_id, "contact_id": contact_id, "date": day,
                   "statement": ledger_store.as_text("statement", statement, required=False)}
            stored = ledger_store.insert_acknowledgement(self.con, row, outcome["account_id"], who)
            self._after_write(rescore, since=day, audited=("acknowledgement.add", outcome["account_id"]))
            return stored

    def retract(self, kind: str, id: str | tuple, *, author: str, reason: str, rescore: bool = True) -> dict:
        """Retract an app-written row, or undo "mark as left"; audited with the row and ``reason``.

        Parameters
        ----------
        kind
            ``contact`` (an ``app-C<n>`` contact without acknowledgements), ``outcome`` (an
            ``app-O<n>`` outcome without acknowledgements; its measured values go with it),
            ``acknowledgement`` (``id``: ``"<outcome_id>/<contact_id>/<YYYY-MM-DD>"`` or a
            tuple of the three) or ``contact_left`` (``id``: a contact id; its latest app
            "left" date is undone and the one before it, if any, applies again).
        id
            What to retract.

        Rows from the source files cannot be retracted here
        (:class:`~goldpath.errors.ConflictError`: fix the source file); an unknown id is a
        :class:`~goldpath.errors.NotFoundError`. The stored dates the row affected are
        re-scored (:attr:`last_rescore`). Returns the retracted row.
        """
        with self.lock:
            who = ledger_store.as_author(author)
            why = ledger_store.as_text("reason", reason)
            if kind not in ledger_store.RETRACTABLE:
                raise InputError("kind", f"expected one of {', '.join(ledger_store.RETRACTABLE)} (got {kind!r})")
            full = self._ledger_tables()
            app = ledger_store.read_app(self.con) or {n: pd.DataFrame() for n in ledger_store.APP_TABLES}
            acks = full["acknowledgements"]
            cascade: tuple = ()
            since: dt_.date | None = None
            if kind == "acknowledgement":
                parts = tuple(id) if isinstance(id, (tuple, list)) else tuple(str(id).split("/"))
                if len(parts) != 3:
                    raise InputError("id", f"expected <outcome_id>/<contact_id>/<YYYY-MM-DD> (got {id!r})")
                outcome_id, contact_id = str(parts[0]), str(parts[1])
                day = ledger_store.as_date("date", parts[2])
                hit = acks[(acks["outcome_id"] == outcome_id) & (acks["contact_id"] == contact_id)
                           & (acks["date"] == pd.Timestamp(day))]
                if hit.empty:
                    raise NotFoundError("outcome_id", f"no acknowledgement of {outcome_id} by {contact_id} on {day}")
                row, field = hit.iloc[-1], "outcome_id"
                key = {"outcome_id": outcome_id, "contact_id": contact_id, "date": day}
                account_id = ledger_store.find(full, "outcomes", "outcome_id", outcome_id)["account_id"]
                since = day
            elif kind == "contact_left":
                contact = ledger_store.find(full, "contacts", "contact_id", str(id))
                changes = app["app_contact_changes"]
                mine = changes[changes["contact_id"] == str(id)].sort_values("change_id") if len(changes) else changes
                if mine.empty:
                    where = "in the source file" if not pd.isna(contact["left"]) else "nowhere"
                    raise NotFoundError("contact_id", f"contact {id} was not marked as left from the app (its left date "
                                                      f"is set {where}); nothing to undo")
                row, field, account_id = mine.iloc[-1], "contact_id", contact["account_id"]
                key = {"change_id": int(row["change_id"])}
                restored = mine.iloc[-2]["left"] if len(mine) > 1 else self._source_left(str(id))
                since = min(d for d in (_as_date(pd.Timestamp(row["left"])),
                                        None if restored is None or pd.isna(restored) else _as_date(pd.Timestamp(restored)))
                            if d is not None)
            else:
                table, field = ("contacts", "contact_id") if kind == "contact" else ("outcomes", "outcome_id")
                row = ledger_store.find(full, table, field, str(id))
                account_id = row["account_id"]
                if row["origin"] != "app":
                    where = ("a success plan's outcome: set a new plan instead" if row["origin"] == "plan" else
                             f"from the source file {self._source_file(table)}: fix the row there and load the file again")
                    raise ConflictError(field, f"{kind} {id} is {where}")
                used = acks[acks[field] == str(id)]
                if len(used):
                    listed = ", ".join(f"{r.outcome_id}/{r.contact_id}/{pd.Timestamp(r.date).date()}" for r in used.itertuples())
                    raise ConflictError(field, f"{kind} {id} has acknowledgements ({listed}); retract them first")
                key = {field: str(id)}
                if kind == "outcome":
                    cascade, since = (("app_achievements", "outcome_id"),), _as_date(pd.Timestamp(row["defined_at"]))
                else:
                    cascade, rescore = (("app_contact_changes", "contact_id"),), False  # a contact alone scores nothing
            if kind == "acknowledgement" and row["origin"] != "app":
                raise ConflictError(field, f"the acknowledgement {outcome_id}/{contact_id}/{day} is from the source file "
                                           f"{self._source_file('acknowledgements')}: fix the row there and load the file again")
            details = {k: v for k, v in row.to_dict().items() if k not in ("author", "created_at", "origin")
                       and not (isinstance(v, float) and pd.isna(v))}
            ledger_store.delete_app_row(self.con, kind, key, account_id, who, why, details, cascade)
            self._after_write(rescore, since=since, audited=(ledger_store.RETRACTABLE[kind][2], account_id))
            return details

    def _source_file(self, table: str) -> str:
        spec = self.config.sources.get(table)
        return f"<{table} dataframe>" if table in self.frames or spec is None else str(spec.path or spec.url)

    def _source_left(self, contact_id: str) -> object:
        t = self._input("contacts")
        if t is None:
            return None
        hit = t.filter(t.contact_id == contact_id).select("left").to_pandas()
        return None if hit.empty else hit["left"].iloc[0]

    def set_success_plan(
        self, account_id: str, processes: dict[str, float], metric: str, baseline: float, target: float,
        closed_on: str | dt_.date, title: str | None = None, annual_value: float | None = None, *,
        author: str, expected_version: int | None = None, rescore: bool = True,
    ) -> dict:
        """Record the success plan agreed at the sale; it replaces the account's previous plan.

        ``processes`` (process -> criticality 0..5) becomes the account's process scope: those
        processes at their criticality and every other catalogue process at 0, above any
        source override of the account. The value hypothesis (``metric`` from ``baseline`` to
        ``target``) becomes the outcome ``plan-<account_id>`` defined on ``closed_on``, with
        the account's ARR as its cost. With ``expected_version`` the write is refused unless
        the stored plan has that version (0 for none). Returns :meth:`success_plan`.
        """
        with self.lock:
            who = ledger_store.as_author(author)
            account = self._account_row(account_id)
            v = ledger_store
            known = self._catalogue()
            if not isinstance(processes, dict) or not processes:
                raise InputError("processes", "required: at least one process with its criticality 0..5")
            scope = {}
            for name, crit in processes.items():
                if name not in known:
                    raise InputError("processes", f"unknown process {name!r}; the catalogue has {', '.join(sorted(known))}")
                scope[name] = v.as_number(f"processes.{name}", crit, minimum=0, maximum=5)
            if not any(c > 0 for c in scope.values()):
                raise InputError("processes", "at least one process needs a criticality above 0")
            metric = v.as_text("metric", metric)
            base, goal = v.as_number("baseline", baseline), v.as_number("target", target)
            plan = {
                "account_id": account_id, "metric": metric, "baseline": base, "target": goal,
                "closed_on": v.as_date("closed_on", closed_on),
                "title": v.as_text("title", title, required=False) or f"{metric}: from {base:g} to {goal:g}",
                "annual_value": v.as_number("annual_value", annual_value, required=False, minimum=0),
            }
            del account
            _distinct_target(base, goal)
            version = None if expected_version is None else int(v.as_number("expected_version", expected_version, minimum=0))
            app = ledger_store.read_app(self.con)
            old = None if app is None else app["success_plans"].set_index("account_id")["closed_on"].get(account_id)
            since = plan["closed_on"] if old is None else min(plan["closed_on"], pd.Timestamp(old).date())
            ledger_store.upsert_plan(self.con, plan, scope, who, version)
            self._after_write(rescore, since=since, audited=("plan.set", account_id))
            return self.success_plan(account_id)

    def _catalogue(self) -> set[str]:
        """Every process the catalogue knows (process criticality and process features)."""
        names: set[str] = set()
        for t in (self._input("process_criticality"), self._input("process_features")):
            if t is not None:
                names |= set(t.select("process").distinct().to_pandas()["process"])
        return names

    def success_plan(self, account_id: str, as_of: str | dt_.date | None = None) -> dict | None:
        """The account's success plan and its progress on ``as_of`` (default: the latest stored date).

        Progress: the plan outcome's latest measured value and attainment (share of the way
        from baseline to target), and which planned processes ran in the scoring window.
        None when the account has no plan.
        """
        with self.lock:
            self._account_row(account_id)
            app = ledger_store.read_app(self.con)
            if app is None or account_id not in set(app["success_plans"]["account_id"]):
                return None
            p = app["success_plans"].set_index("account_id").loc[account_id]
            procs = app["success_plan_processes"]
            scope = {r.process: float(r.criticality) for r in procs[procs["account_id"] == account_id].itertuples()}
            day = _as_date(as_of) if as_of is not None else snapshots.latest_as_of(self.con)
            outcome_id = f"plan-{account_id}"
            outcome = ledger_store.find(self._ledger_tables(), "outcomes", "outcome_id", outcome_id)
            status = outcome_status(outcome.to_frame().T, day or _today(), self.model.gold)
            ran = self._processes_run(account_id, day) if day is not None else {}
            progress_rows = [{"process": name, "criticality": crit, "running": name in ran, "days_run": ran.get(name, 0)}
                             for name, crit in sorted(scope.items(), key=lambda kv: (-kv[1], kv[0]))]
            total = sum(c for c in scope.values())
            running = sum(c for n, c in scope.items() if n in ran)
            measured = not pd.isna(outcome["achieved"])
            return {
                "account_id": account_id, "version": int(p["version"]), "title": p["title"], "metric": p["metric"],
                "baseline": float(p["baseline"]), "target": float(p["target"]),
                "closed_on": pd.Timestamp(p["closed_on"]).date(),
                "annual_value": None if pd.isna(p["annual_value"]) else float(p["annual_value"]),
                "processes": scope, "outcome_id": outcome_id, "author": p["author"],
                "created_at": pd.Timestamp(p["created_at"]).to_pydatetime(),
                "updated_at": pd.Timestamp(p["updated_at"]).to_pydatetime(),
                "progress": {
                    "as_of": day,
                    "achieved": float(outcome["achieved"]) if measured else None,
                    "achieved_at": None if pd.isna(outcome["achieved_at"]) else pd.Timestamp(outcome["achieved_at"]).date(),
                    "attainment": None if status.empty or pd.isna(status["attainment"].iloc[0])
                    else float(status["attainment"].iloc[0]),
                    "target_reached": bool(not status.empty and status["achieved"].iloc[0]),
                    "processes": progress_rows,
                    "processes_running": [r["process"] for r in progress_rows if r["running"] and r["criticality"] > 0],
                    "processes_not_running": [r["process"] for r in progress_rows if not r["running"] and r["criticality"] > 0],
                    "criticality_running_share": round(running / total, 4) if total else None,
                },
            }

    def _processes_run(self, account_id: str, day: dt_.date) -> dict[str, int]:
        """Processes the account ran in the scoring window ending on ``day``, with the days each ran."""
        if not snapshots.has_table(self.con, FACT_TABLE) or self._input("process_features") is None:
            return {}
        start = day - dt_.timedelta(days=self.model.window_days - 1)
        account = self._account_row(account_id)
        start = max(start, pd.Timestamp(account["contract_start"]).date())
        f = self.con.table(FACT_TABLE)
        f = f.filter((f.account_id == account_id) & (f.day >= start) & (f.day <= day))
        j = f.join(self._input("process_features"), "feature")
        runs = j.group_by("process").aggregate(days=j.day.nunique()).to_pandas()
        return {r.process: int(r.days) for r in runs.itertuples(index=False)}

    def ledger(self, account_id: str, as_of: str | dt_.date | None = None) -> dict[str, pd.DataFrame]:
        """An account's value ledger on ``as_of`` (default: the latest stored date, else today).

        Returns
        -------
        dict
            ``contacts`` (with ``origin`` source or app, and ``left_by`` when marked left from
            the app), ``outcomes`` (with ``origin`` source, app or plan, ``attainment``,
            ``roi`` and ``target_reached``), ``acknowledgements`` (with the contact's name and
            role, ``expires_on`` and ``status``: valid, expired, contact left, before the
            outcome was defined, before the contact joined, or ``after the as-of date``).
        """
        with self.lock:
            self._account_row(account_id)
            if as_of is not None:
                day = _as_date(as_of)
            else:
                day = snapshots.latest_as_of(self.con) or _today()
            full = self._ledger_tables()
            contacts = full["contacts"][full["contacts"]["account_id"] == account_id].reset_index(drop=True)
            outcomes = full["outcomes"][full["outcomes"]["account_id"] == account_id].reset_index(drop=True)
            status = outcome_status(outcomes, day, self.model.gold)[["outcome_id", "attainment", "roi", "achieved"]]
            status = status.rename(columns={"achieved": "target_reached"})
            outcomes = outcomes.merge(status, on="outcome_id", how="left")
            outcomes["target_reached"] = outcomes["target_reached"].fillna(False).astype(bool)
            acks = full["acknowledgements"].merge(
                contacts[["contact_id", "name", "role", "joined", "left"]].rename(columns={"name": "contact_name"}),
                on="contact_id",
            ).merge(outcomes[["outcome_id", "defined_at"]], on="outcome_id")
            acks = acknowledgement_status(acks, day, self.model.gold.validity_days)
            acks.loc[acks["date"] > pd.Timestamp(day), "status"] = "after the as-of date"
            acks = acks.drop(columns=["joined", "left", "defined_at"]).sort_values(["outcome_id", "date"])
            return {"contacts": contacts, "outcomes": outcomes, "acknowledgements": acks.reset_index(drop=True)}


def _distinct_target(baseline: float, target: float) -> None:
    """An outcome's target must differ from its baseline: attainment is the share of the way between them."""
    if baseline == target:
        raise InputError("target", f"equals the baseline ({baseline:g}); attainment (the share of the way from "
                                   f"baseline to target) would be undefined")


def portfolio_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Accounts and ARR per tier, best tier first, with shares of the total."""
    order = list(reversed(TIER_ORDER)) + ["insufficient data"]
    g = scores.groupby("tier").agg(accounts=("account_id", "count"), arr=("arr", "sum"))
    g = g.reindex(order, fill_value=0)
    g["account_share"] = g["accounts"] / max(len(scores), 1)
    total = scores["arr"].sum()
    g["arr_share"] = g["arr"] / total if total else 0.0
    return g.reset_index().rename(columns={"index": "tier"})


def _days_of(lead: str | int) -> int:
    """Days from ``90``, ``"90"`` or ``"90d"``."""
    text = str(lead).strip().lower().removesuffix("d")
    if not text.isdigit():
        raise GoldpathError(f"lead {lead!r}: expected a number of days such as 90d")
    return int(text)


def _alert_payload(row: dict) -> dict:
    """The JSON an alert sink receives."""
    keep = ("alert_id", "kind", "account_id", "name", "arr", "as_of", "previous_as_of", "from_tier", "to_tier")
    out = {k: row[k] for k in keep}
    for k in ("as_of", "previous_as_of"):
        out[k] = str(pd.Timestamp(out[k]).date())
    out["text"] = f"{row['name']} ({row['account_id']}): {row['from_tier']} -> {row['to_tier']} on {out['as_of']}"
    return out


def _zone_fingerprint(accounts: ir.Table, events_source: str) -> str:
    """A hash of what the stored fact depends on beyond the events themselves.

    Every account's time zone (day boundaries) and the events source's settings (path,
    format, column mapping): when any changes, the fact is rebuilt in full.
    """
    rows = accounts.select("account_id", "timezone").order_by("account_id").to_pyarrow().to_pylist()
    key = repr([(r["account_id"], r["timezone"]) for r in rows]) + events_source
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _data_through(day: dt_.date, first: object, last: object) -> dt_.date | None:
    """Newest event day on or before ``day`` (None when the events start later)."""
    if first is None or pd.isna(first) or pd.Timestamp(first).date() > day:
        return None
    return min(day, pd.Timestamp(last).date())


def history_dates(start: dt_.date, end: dt_.date, every: str, week_start: str = "mon") -> list[dt_.date]:
    """The as-of dates of a history: ``start`` to ``end`` stepping by ``every``.

    Raises
    ------
    GoldpathError
        For an unknown step or an empty range.
    """
    if end < start:
        raise GoldpathError(f"history from {start} to {end}: the end is before the start")
    text = every.strip().lower()
    if text == "week":
        last = (WEEKDAYS.index(week_start) - 1) % 7  # the day before the week starts
        first = start + dt_.timedelta(days=(last - start.weekday()) % 7)
        dates, step = [], dt_.timedelta(days=7)
    else:
        unit = {"d": 1, "w": 7}.get(text[-1:])
        if unit is None or not text[:-1].isdigit() or int(text[:-1]) < 1:
            raise GoldpathError(f"--every {every!r}: expected Nd (days), Nw (weeks) or 'week'")
        first, dates, step = start, [], dt_.timedelta(days=int(text[:-1]) * unit)
    d = first
    while d <= end:
        dates.append(d)
        d += step
    if not dates:
        raise GoldpathError(f"no {every} date between {start} and {end}")
    return dates


def _today() -> dt_.date:
    return dt_.datetime.now(dt_.timezone.utc).date()


def _as_date(value: str | dt_.date) -> dt_.date:
    """A date from 1900 to 2199 (``date``, ``datetime`` or ``YYYY-MM-DD``), else :class:`GoldpathError`."""
    text = str(value)
    if isinstance(value, dt_.datetime):
        day = value.date()
    elif isinstance(value, dt_.date):
        day = value
    else:
        try:
            day = dt_.date.fromisoformat(text)
        except ValueError as exc:
            shape = len(text) == 10 and text[4] == "-" and text[7] == "-"
            why = "is not a calendar date" if shape else "expected YYYY-MM-DD"
            raise GoldpathError(f"date {text!r}: {why}") from exc
    if not ledger_store.FIRST_DATE <= day <= ledger_store.LAST_DATE:
        raise GoldpathError(f"date {text!r}: expected a date from {ledger_store.FIRST_DATE} to {ledger_store.LAST_DATE}")
    return day


def _same_account_acks(con: ibis.BaseBackend, accepted: dict[str, ir.Table], file: str) -> tuple[ir.Table, pd.DataFrame]:
    """Quarantine acknowledgements by a contact of another account than the outcome's."""
    a, c, o = accepted["acknowledgements"], accepted["contacts"], accepted["outcomes"]
    j = a.join(c.select("contact_id", c_acc=c.account_id), "contact_id").join(
        o.select("outcome_id", o_acc=o.account_id), "outcome_id"
    )
    bad = j.filter(j.c_acc != j.o_acc)
    problems = bad.select(
        row=bad[ROW], column=ibis.literal("contact_id"), value=bad.contact_id,
        problem=ibis.literal("contact belongs to account ") + bad.c_acc + " but the outcome to account " + bad.o_acc,
    ).to_pandas()
    problems.insert(0, "table", "acknowledgements")
    problems.insert(1, "file", file)
    kept = a.filter(~a[ROW].isin(bad[ROW]))
    table = con.create_table(f"_ok_acks_{uuid.uuid4().hex[:8]}", kept, temp=True)
    return table, problems[PROBLEM_COLUMNS]
