"""A workspace: a folder with ``goldpath.yaml``, a model file and the store.

:class:`Workspace` is the Python API; the CLI is a thin layer over it.
"""

from __future__ import annotations

import datetime as dt_
import uuid
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from goldpath.config import WorkspaceConfig, load_config
from goldpath.contract.tables import LOAD_ORDER, TABLES
from goldpath.contract.validate import PROBLEM_COLUMNS, Validated, validate
from goldpath.engine.connection import connect
from goldpath.engine.facts import daily_usage, dedupe_events
from goldpath.engine.measures import EngineInputs, account_measures, date_spine
from goldpath.errors import GoldpathError
from goldpath.model.spec import Model, load_model
from goldpath.scoring.axes import score_axes
from goldpath.scoring.explain import Explanation, build_explanation, measure_details
from goldpath.scoring.tiers import TIER_ORDER, assign_tiers
from goldpath.sources.readers import ROW, RawTable, read_raw
from goldpath.store import snapshots
from goldpath.value.gold import EVIDENCE_COLUMNS, gold_evidence

INPUT_PREFIX = "input_"
FACT_TABLE = "daily_usage"


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
    """

    log: pd.DataFrame
    problems: pd.DataFrame


class Workspace:
    """A goldpath workspace folder.

    Parameters
    ----------
    path
        Folder holding ``goldpath.yaml``.

    Examples
    --------
    >>> ws = Workspace("demo-workspace")            # doctest: +SKIP
    >>> scores = ws.score(as_of="2022-12-31")       # doctest: +SKIP
    """

    def __init__(self, path: str | Path):
        self.root = Path(path).resolve()
        self.config: WorkspaceConfig = load_config(self.root)
        self._model: Model | None = None
        self._con: ibis.BaseBackend | None = None

    # -- plumbing -------------------------------------------------------------------------
    @property
    def model(self) -> Model:
        """The scoring model named in ``goldpath.yaml``."""
        if self._model is None:
            self._model = load_model(self.root / self.config.model)
        return self._model

    @property
    def con(self) -> ibis.BaseBackend:
        """The engine connection (opened on first use)."""
        if self._con is None:
            self._con = connect(self.config.engine, self.root)
        return self._con

    def close(self) -> None:
        """Close the engine connection."""
        if self._con is not None:
            self._con.disconnect()
            self._con = None

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- load -----------------------------------------------------------------------------
    def load(self) -> LoadReport:
        """Read and validate every source, then replace the stored inputs in one transaction.

        Every file is read before anything is written: a file that cannot be read at all
        raises :class:`~goldpath.errors.SourceError` and the store stays as it was. Rows
        that fail validation are quarantined, counted and kept in the ``quarantine`` table.
        """
        raws: dict[str, RawTable] = {}
        for name in LOAD_ORDER:
            spec = self.config.sources.get(name)
            if spec is None:
                continue
            path = Path(spec.path)
            path = path if path.is_absolute() else self.root / path
            raws[name] = read_raw(path, columns=spec.columns, fmt=spec.format, label=spec.path)

        con = self.con
        accepted: dict[str, ir.Table] = {}
        results: dict[str, Validated] = {}
        for name, raw in raws.items():
            results[name] = validate(con, TABLES[name], raw, accepted)
            accepted[name] = results[name].accepted
        if "acknowledgements" in accepted and "contacts" in accepted and "outcomes" in accepted:
            accepted["acknowledgements"], extra = _same_account_acks(con, accepted, raws["acknowledgements"].file)
            results["acknowledgements"].problems = pd.concat([results["acknowledgements"].problems, extra], ignore_index=True)
        events = accepted["events"]
        deduped = con.create_table(f"_dedup_{uuid.uuid4().hex[:8]}", dedupe_events(events), temp=True)
        n_events, n_kept = events.count().to_pyarrow().as_py(), deduped.count().to_pyarrow().as_py()
        duplicates = n_events - n_kept
        fact_tmp = f"_fact_{uuid.uuid4().hex[:8]}"
        con.create_table(fact_tmp, daily_usage(deduped, accepted["accounts"]), temp=True)

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
        tables = {INPUT_PREFIX + n: t.get_name() for n, t in accepted.items()}
        tables[FACT_TABLE] = fact_tmp
        snapshots.write_inputs(con, tables, log, problems.astype({c: str for c in PROBLEM_COLUMNS if c != "row"}))
        return LoadReport(log=log, problems=problems)

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

    def _score_dates(self, dates: list[dt_.date]) -> pd.DataFrame:
        model, con = self.model, self.con
        inputs = EngineInputs(
            accounts=self._input("accounts"),
            daily_usage=con.table(FACT_TABLE),
            process_features=self._input("process_features"),
            process_criticality=self._input("process_criticality"),
            criticality_overrides=self._input("criticality_overrides"),
            renewals=self._input("renewals"),
        )
        spine = date_spine(dates, model.window_days, model.working_days)
        measures = account_measures(inputs, spine, model).to_pandas()
        measures["as_of"] = pd.to_datetime(measures["as_of"]).dt.date
        measures = measures.sort_values(["as_of", "account_id"]).reset_index(drop=True)
        axes, parts = score_axes(measures, model)
        tiers = assign_tiers(axes, measures["segment"], model)

        ledger = {n: self._input(n) for n in ("outcomes", "acknowledgements", "contacts")}
        if all(t is not None for t in ledger.values()):
            evidence, verdict = gold_evidence(
                ledger["outcomes"].to_pandas(), ledger["acknowledgements"].to_pandas(),
                ledger["contacts"].to_pandas(), dates, model.gold,
            )
        else:
            evidence = pd.DataFrame(columns=EVIDENCE_COLUMNS)
            verdict = pd.DataFrame(columns=["as_of", "account_id", "gold_evidence"])

        accounts = inputs.accounts.select("account_id", "name", "arr").to_pandas()
        fact = inputs.daily_usage
        through = {d: fact.filter(fact.day <= d).day.max().to_pandas() for d in dates}
        scores = measures[["as_of", "account_id", "segment"]].merge(accounts, on="account_id")
        scores = pd.concat([scores, axes.drop(columns=["as_of", "account_id"]), tiers], axis=1)
        verdict = verdict.astype({"gold_evidence": "boolean"})
        scores = scores.merge(verdict, on=["as_of", "account_id"], how="left")
        scores["gold_evidence"] = scores["gold_evidence"].fillna(False)
        scores["tier"] = scores["axis_tier"].where(~((scores["axis_tier"] == "green") & scores["gold_evidence"]), "gold")
        scores["model_name"] = model.name
        scores["model_version"] = model.version
        scores["computed_at"] = pd.Timestamp.now(tz="UTC").tz_localize(None)
        scores["data_through"] = scores["as_of"].map(lambda d: through[d])
        scores = scores[
            ["as_of", "account_id", "name", "segment", "arr", "engagement", "engagement_coverage",
             "indispensability", "indispensability_coverage", "axis_tier", "tier", "tier_rule",
             "gold_evidence", "model_name", "model_version", "computed_at", "data_through"]
        ]
        parts = parts.merge(measure_details(measures), on=["as_of", "account_id", "measure"], how="left")
        parts["model_version"] = model.version
        keep_acc = set(scores["account_id"])
        evidence = evidence[evidence["account_id"].isin(keep_acc)].reset_index(drop=True)
        snapshots.write_snapshots(
            con, dates, {"scores": scores, "score_measures": parts, "gold_evidence": evidence.astype({"as_of": "object"})}
        )
        return scores

    # -- read -----------------------------------------------------------------------------
    def scores(self, as_of: str | dt_.date | None = None) -> pd.DataFrame:
        """Stored scores of one date (the latest when omitted)."""
        day = self._stored_date(as_of)
        return snapshots.read_snapshot(self.con, "scores", day)

    def _stored_date(self, as_of: str | dt_.date | None) -> dt_.date:
        if as_of is not None:
            return _as_date(as_of)
        latest = snapshots.latest_as_of(self.con)
        if latest is None:
            raise GoldpathError("no scores stored yet; run `goldpath score --as-of YYYY-MM-DD` first")
        return latest

    def explain(self, account_id: str, as_of: str | dt_.date | None = None) -> Explanation:
        """Why ``account_id`` has its tier on ``as_of`` (the latest scored date by default)."""
        day = self._stored_date(as_of)
        row = snapshots.read_snapshot(self.con, "scores", day, account_id)
        if row.empty:
            known = snapshots.read_snapshot(self.con, "scores", day)["account_id"]
            hint = ", ".join(sorted(known)[:5])
            raise GoldpathError(f"no score for account {account_id!r} on {day}; scored accounts include {hint}")
        parts = snapshots.read_snapshot(self.con, "score_measures", day, account_id)
        evidence = snapshots.read_snapshot(self.con, "gold_evidence", day, account_id)
        return build_explanation(row.iloc[0], parts, evidence)

    def account_count(self) -> int:
        """Number of accounts in the stored inputs."""
        accounts = self._input("accounts")
        return 0 if accounts is None else int(accounts.count().to_pyarrow().as_py())

    def quarantine(self) -> pd.DataFrame:
        """Rows quarantined by the last load."""
        if not snapshots.has_table(self.con, "quarantine"):
            return pd.DataFrame(columns=PROBLEM_COLUMNS)
        return self.con.table("quarantine").to_pandas()


def portfolio_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Accounts and ARR per tier, best tier first, with shares of the total."""
    order = list(reversed(TIER_ORDER)) + ["insufficient data"]
    g = scores.groupby("tier").agg(accounts=("account_id", "count"), arr=("arr", "sum"))
    g = g.reindex(order, fill_value=0)
    g["account_share"] = g["accounts"] / max(len(scores), 1)
    total = scores["arr"].sum()
    g["arr_share"] = g["arr"] / total if total else 0.0
    return g.reset_index().rename(columns={"index": "tier"})


def _as_date(value: str | dt_.date) -> dt_.date:
    if isinstance(value, dt_.datetime):
        return value.date()
    if isinstance(value, dt_.date):
        return value
    try:
        return dt_.date.fromisoformat(str(value))
    except ValueError as exc:
        raise GoldpathError(f"as-of date {value!r}: expected YYYY-MM-DD") from exc


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
