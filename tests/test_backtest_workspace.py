"""Backtest and tuning end to end, on a small workspace whose renewals follow a known rule.

Every account's active users are the same all along, so its ``active_seat_ratio`` is the
same in every window; an account renews exactly when that ratio is at least ``CUTOFF``. The
other measures vary from account to account but say nothing about the outcome. A backtest
must find the rule, the tuner must put its weight on that measure, and data dated after a
renewal's as-of date (events, an acknowledgement, a signal) must not change its row.
"""

from __future__ import annotations

import datetime as dt_
import json
import math
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
import yaml

from goldpath.insights.backtest import wilson
from goldpath.insights.tuning import SHIFTS, tune_model
from goldpath.model.spec import parse_model
from goldpath.workspace import Workspace

LEAD = 30
CUTOFF = 0.5
START, END = dt_.date(2022, 1, 1), dt_.date(2022, 6, 30)
FEATURES = ["add_contact", "add_lead", "meeting", "quote", "report"]
SOURCES = ["accounts", "events", "process_features", "process_criticality", "contacts", "outcomes",
           "acknowledgements", "renewals"]

CONFIG = "name: backtest-test\nengine: {type: duckdb, path: store.duckdb}\nmodel: model.yaml\nsources:\n" + "".join(
    f"  {s}: data/{s}.csv\n" for s in SOURCES
)
MODEL = """\
name: rule-test
window_days: 28
params:
  key_feature_min_users: 1
  critical_min: 4
  key_features: {default: [add_contact, add_lead, meeting, quote]}
engagement:
  min_coverage: 0.5
  measures:
    active_seat_ratio: {weight: 40, scheme: {type: linear, min: 0.2, max: 0.9}}
    stickiness: {weight: 20, scheme: {type: linear, min: 0.2, max: 0.6}}
    active_days_per_active_user: {weight: 20, scheme: {type: linear, min: 2, max: 20}}
    key_feature_adoption: {weight: 20, scheme: {type: linear, min: 0.25, max: 1.0}}
indispensability:
  min_coverage: 0.5
  measures:
    process_coverage: {weight: 40, scheme: {type: linear, min: 0.2, max: 1.0}}
    critical_process_regularity: {weight: 35, scheme: {type: linear, min: 0.1, max: 0.8}}
    critical_process_reach: {weight: 25, scheme: {type: linear, min: 0.2, max: 1.0}}
tiers:
  default:
    - {tier: green, when: {engagement: {min: 70}, indispensability: {min: 30}}}
    - {tier: yellow, when: {engagement: {min: 40}}}
    - {tier: red}
"""


@dataclass(frozen=True)
class Acct:
    """One generated account: its seats, the users active all along and how they work."""

    account_id: str
    seats: int
    active: int
    every: int  # each active user works every ``every`` days
    features: tuple[str, ...]
    renewal: dt_.date
    expanded: bool = False
    start: dt_.date = START
    timezone: str = "UTC"

    @property
    def renewed(self) -> bool:
        """The rule: renew exactly when the active seat ratio reaches the cutoff."""
        return self.active / self.seats >= CUTOFF

    @property
    def as_of(self) -> dt_.date:
        """The date the backtest scores this renewal on."""
        return self.renewal - dt_.timedelta(days=LEAD)

    @property
    def arr(self) -> float:
        return 1000.0 * self.seats

    @property
    def arr_after(self) -> float:
        return 0.0 if not self.renewed else self.arr * (1.25 if self.expanded else 1.0)


# Named accounts for the look-ahead tests (all features, users working every day).
GOLD_ACC = Acct("A00", 10, 10, 1, tuple(FEATURES), dt_.date(2022, 5, 15))             # Green with GOLD evidence
FUTURE_ACC = Acct("A01", 10, 3, 1, tuple(FEATURES), dt_.date(2022, 5, 17), timezone="Asia/Tokyo")  # churns
EVENTS_CONTROL = Acct("A02", 10, 3, 1, tuple(FEATURES), dt_.date(2022, 5, 19))      # churns
SIGNAL_CONTROL = Acct("A03", 10, 3, 1, tuple(FEATURES), dt_.date(2022, 5, 21))      # churns
# Its contract starts after its as-of date: the backtest must skip it.
LATE_START = Acct("A60", 5, 5, 1, tuple(FEATURES), dt_.date(2022, 3, 25), start=dt_.date(2022, 3, 10))


def _accounts() -> list[Acct]:
    """56 seeded accounts (about 40% below the cutoff) plus the named ones."""
    rng = random.Random(11)
    slots = rng.sample(range(60), 56)  # distinct renewal dates, every other day from 2022-03-01
    out = [GOLD_ACC, FUTURE_ACC, EVENTS_CONTROL, SIGNAL_CONTROL]
    for i, slot in enumerate(slots, start=4):
        seats = rng.randint(5, 12)
        churn = rng.random() < 0.4
        lo, hi = (1, int(0.4 * seats)) if churn else (math.ceil(0.6 * seats), seats)
        out.append(Acct(
            f"A{i:02d}", seats, rng.randint(lo, hi), rng.choice([1, 2]),
            tuple(rng.sample(FEATURES, rng.randint(3, 5))), dt_.date(2022, 3, 1) + dt_.timedelta(days=2 * slot),
            expanded=rng.random() < 0.25,
        ))
    return out + [LATE_START]


ACCOUNTS = _accounts()
BY_ID = {a.account_id: a for a in ACCOUNTS}


def _events(accounts: list[Acct]) -> pd.DataFrame:
    """User u works on day d when (d + u) is a multiple of ``every``, on one of the account's features."""
    rows = []
    for a in accounts:
        for day in pd.date_range(a.start, END):
            i = (day.date() - START).days
            for u in range(a.active):
                if (i + u) % a.every == 0:
                    ts = day + pd.Timedelta(hours=10, minutes=u)
                    rows.append((a.account_id, f"{a.account_id}-u{u}", a.features[(i + u) % len(a.features)],
                                 ts.strftime("%Y-%m-%d %H:%M:%S")))
    return pd.DataFrame(rows, columns=["account_id", "user_id", "feature", "timestamp"])


def _burst(a: Acct, days: list[dt_.date], local_time: str = "00:30") -> pd.DataFrame:
    """Every seat of account ``a`` active on each of ``days``, at ``local_time`` in its own time zone."""
    rows = []
    for d in days:
        local = pd.Timestamp(f"{d} {local_time}").tz_localize(a.timezone)
        for u in range(a.seats):
            rows.append((a.account_id, f"{a.account_id}-u{u}", FEATURES[u % len(FEATURES)], local.isoformat()))
    return pd.DataFrame(rows, columns=["account_id", "user_id", "feature", "timestamp"])


def _ledger(finance_ack: dt_.date) -> dict[str, str]:
    """GOLD evidence for GOLD_ACC: an achieved outcome acknowledged by team, sponsor and finance."""
    acc = GOLD_ACC.account_id
    return {
        "contacts": "contact_id,account_id,name,role,joined,left\n"
        + "".join(f"{acc}-{r},{acc},{r} person,{r},2022-01-01,\n" for r in ("team", "sponsor", "finance")),
        "outcomes": "outcome_id,account_id,title,metric,baseline,target,achieved,annual_value,cost,"
        "defined_at,achieved_at\n"
        f"{acc}-O1,{acc},Faster quotes,quotes per week,10,20,25,50000,10000,2022-02-01,2022-03-01\n",
        "acknowledgements": "outcome_id,contact_id,date,statement\n"
        f"{acc}-O1,{acc}-team,2022-03-15,real\n{acc}-O1,{acc}-sponsor,2022-03-15,real\n"
        f"{acc}-O1,{acc}-finance,{finance_ack},real\n",
    }


def _write(root: Path, accounts: list[Acct], *, model: str = MODEL, extra_events: pd.DataFrame | None = None,
           finance_ack: dt_.date = dt_.date(2022, 3, 15), signals: str | None = None) -> Path:
    """Write a workspace: goldpath.yaml, model.yaml and every source."""
    data = root / "data"
    data.mkdir(parents=True)
    config = CONFIG + ("  signals: data/signals.csv\n" if signals is not None else "")
    (root / "goldpath.yaml").write_text(config)
    (root / "model.yaml").write_text(model)
    pd.DataFrame([{
        "account_id": a.account_id, "name": f"Account {a.account_id}", "segment": "basic", "arr": a.arr,
        "seats": a.seats, "contract_start": a.start, "renewal_date": a.renewal, "parent_id": "", "timezone": a.timezone,
    } for a in accounts]).to_csv(data / "accounts.csv", index=False)
    events = _events(accounts)
    if extra_events is not None:
        events = pd.concat([events, extra_events], ignore_index=True)
    events.to_csv(data / "events.csv", index=False)
    (data / "process_features.csv").write_text(
        "feature,process\nadd_contact,contacts\nadd_lead,leads\nmeeting,meetings\nquote,pipeline\nreport,reporting\n"
    )
    (data / "process_criticality.csv").write_text(
        "process,segment,criticality\ncontacts,*,5\nleads,*,4\nmeetings,*,4\npipeline,*,3\nreporting,*,1\n"
    )
    _write_renewals(root, accounts)
    for name, text in _ledger(finance_ack).items():
        (data / f"{name}.csv").write_text(text)
    if signals is not None:
        (data / "signals.csv").write_text(signals)
    return root


def _write_renewals(root: Path, accounts: list[Acct]) -> None:
    """The renewals source: each account's decision on its renewal date, by the rule."""
    pd.DataFrame([{
        "account_id": a.account_id, "renewal_date": a.renewal,
        "outcome": "churned" if not a.renewed else "expanded" if a.expanded else "renewed",
        "arr_before": a.arr, "arr_after": a.arr_after,
    } for a in accounts]).to_csv(root / "data" / "renewals.csv", index=False)


@dataclass
class Run:
    """A loaded workspace (closed again) and what was computed on it."""

    root: Path
    results: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Run:
    """The rule workspace: loaded, backtested and tuned once; then one as-of date stored and backtested again."""
    run = Run(_write(tmp_path_factory.mktemp("backtest") / "ws", ACCOUNTS))
    with Workspace(run.root) as ws:
        report = ws.load()
        assert report.problems.empty, report.problems
        run.results["backtest"] = ws.backtest(f"{LEAD}d")
        run.results["tune"] = ws.tune(f"{LEAD}d")
        rows, parts, _ = ws.renewal_snapshots(LEAD)
        run.results["snapshots"] = (rows, parts)
        ws.score(GOLD_ACC.as_of, load=False)  # a stored snapshot the next backtest reuses
        run.results["backtest_stored"] = ws.backtest(LEAD)
    return run


def _row(report, account: Acct) -> pd.Series:
    rows = report.rows[report.rows["account_id"] == account.account_id]
    assert len(rows) == 1, rows
    return rows.iloc[0]


ROW_COLUMNS = ["as_of", "segment", "model_segment", "tier", "axis_tier", "engagement", "indispensability"]


# -- backtest ---------------------------------------------------------------------------------

def test_backtest_scores_each_renewal_lead_days_before_and_skips_later_starts(base):
    """One row per renewal under contract on its as-of date, with the outcome as the renewals say."""
    r = base.results["backtest"]
    rows = r.rows
    assert r.lead_days == LEAD
    assert sorted(rows["account_id"]) == sorted(a.account_id for a in ACCOUNTS if a is not LATE_START)
    assert r.skipped == {"not under contract on the scoring date": 1}
    truth = rows["account_id"].map(BY_ID)
    assert (rows["as_of"] == truth.map(lambda a: a.as_of)).all()
    assert (rows["renewed"] == truth.map(lambda a: a.renewed)).all()
    assert (rows["expanded"] == truth.map(lambda a: a.renewed and a.expanded)).all()
    assert list(rows["renewal_date"]) == sorted(rows["renewal_date"])


def test_the_outcome_is_a_function_of_the_measured_active_seat_ratio(base):
    """As measured on each as-of date, a renewal churned exactly when its active seat ratio was below the cutoff."""
    rows, parts = base.results["snapshots"]
    ratio = parts[parts["measure"] == "active_seat_ratio"].set_index(["as_of", "account_id"])["raw"]
    measured = rows.set_index(["as_of", "account_id"]).index.map(ratio)
    assert measured.notna().all()
    assert list(measured >= CUTOFF) == list(rows["renewed"])
    assert list(measured) == pytest.approx([BY_ID[a].active / BY_ID[a].seats for a in rows["account_id"]])


def test_backtest_finds_the_rule(base):
    """Engagement (40% of its weight on active seats) ranks renewals almost perfectly; Green renews more than Red."""
    r = base.results["backtest"]
    m = r.metrics
    assert m["auc_engagement"] >= 0.9, m
    t = r.tiers.set_index("tier")
    assert {"gold", "green", "red", "all"} <= set(t.index), t
    assert t.loc["green", "renewal_rate"] > t.loc["red", "renewal_rate"]
    assert t.loc["all", "renewals"] == len(r.rows) == 60
    assert m["riskiest_decile_lift"] > 1.0
    assert m["auc_tier_order"] > 0.5


def test_backtest_tier_table_adds_up_from_the_known_outcomes(base):
    """Counts, rates and ARR retention per tier, recomputed from the generator's own outcomes."""
    r = base.results["backtest"]
    truth = r.rows.assign(acc=r.rows["account_id"].map(BY_ID))
    t = r.tiers.set_index("tier")
    for tier, g in [*truth.groupby("tier"), ("all", truth)]:
        accs = list(g["acc"])
        before = sum(a.arr for a in accs)
        renewed = sum(a.renewed for a in accs)
        assert t.loc[tier, "renewals"] == len(accs)
        assert t.loc[tier, "renewal_rate"] == pytest.approx(renewed / len(accs))
        assert (t.loc[tier, "renewal_low"], t.loc[tier, "renewal_high"]) == pytest.approx(wilson(renewed, len(accs)))
        assert t.loc[tier, "expansion_rate"] == pytest.approx(sum(a.renewed and a.expanded for a in accs) / len(accs))
        assert t.loc[tier, "gross_retention"] == pytest.approx(sum(min(a.arr, a.arr_after) for a in accs) / before)
        assert t.loc[tier, "net_retention"] == pytest.approx(sum(a.arr_after for a in accs) / before)


def test_backtest_statements_follow_the_numbers(base):
    """The Green verdict follows the Wilson lower bound; the GOLD account renewed; the tier order is compared."""
    r = base.results["backtest"]
    green = r.tiers.set_index("tier").loc["green"]
    verdict = "supports" if green["renewal_low"] >= 0.9 else "does not support"
    red = r.tiers.set_index("tier").loc["red"]
    separate = green["renewal_low"] > red["renewal_high"] and r.metrics["auc_tier_order_low"] > 0.5
    assert r.metrics["tiers_separate"] == separate
    assert r.statements[0].startswith("The tiers separate renewal" if separate else "The tiers do not separate renewal")
    assert f"Green renewed {green['renewal_rate']:.1%} (95% CI {green['renewal_low']:.1%}" in r.statements[0]
    assert r.statements[1].startswith(f"The data {verdict} 'Green renews at least 90%': "
                                      f"{int(green['renewed'])} of {int(green['renewals'])} Green renewals renewed")
    assert _row(r, GOLD_ACC)["tier"] == "gold"
    assert r.statements[2].startswith("'GOLD renews at 100%' holds on 1 GOLD renewal(s), all renewed")
    assert r.statements[3].startswith(f"The tier order (AUC {r.metrics['auc_tier_order']:.3f})")


def test_backtest_reuses_a_stored_snapshot_unchanged(base):
    """A renewal whose as-of date was scored and stored gets the same row from the store."""
    fresh, stored = base.results["backtest"], base.results["backtest_stored"]
    cols = ["account_id", "renewal_date", *ROW_COLUMNS, "renewed", "baseline"]
    pd.testing.assert_frame_equal(fresh.rows[cols], stored.rows[cols])
    assert fresh.metrics == pytest.approx(stored.metrics, nan_ok=True)


# -- tuning -----------------------------------------------------------------------------------

def test_tune_puts_the_largest_engagement_weight_on_the_rule_measure(base):
    """The fitted weights favour active_seat_ratio, and out of sample engagement ranks as well or better."""
    t = base.results["tune"]
    assert t.proposed, t.notes
    assert t.train["renewals"] >= 40 and t.train["churns"] >= 8 and t.test["churns"] >= 2
    assert t.train["to"] < t.test["from"]  # fitted on earlier renewals, tested on later ones
    new = {m: w for m, (_, w) in t.weights["engagement"].items()}
    assert max(new, key=new.get) == "active_seat_ratio", new
    assert new["active_seat_ratio"] > 40 and all(w > 0 for w in new.values())
    assert t.after["auc_engagement"] >= t.before["auc_engagement"], (t.before, t.after)
    assert t.green_shift in SHIFTS


def test_tuned_model_yaml_parses_and_holds_the_proposal(base):
    """The proposed YAML is a valid model with the fitted weights, the shifted Green minimums and a diff."""
    t = base.results["tune"]
    proposed = parse_model(t.model_yaml, "proposed")
    current = parse_model(MODEL)
    assert proposed.name == "rule-test-tuned"
    for axis, weights in t.weights.items():
        for measure, (old, new) in weights.items():
            assert current.axis(axis).measures[measure].weight == old
            assert proposed.axis(axis).measures[measure].weight == new
    green = yaml.safe_load(t.model_yaml)["tiers"]["default"][0]["when"]
    assert green["engagement"]["min"] == pytest.approx(70 + t.green_shift)
    assert green["indispensability"]["min"] == pytest.approx(max(0.0, 30 + t.green_shift))
    assert t.diff.startswith("--- current\n+++ proposed\n")
    assert "+name: rule-test-tuned" in t.diff


def test_tune_with_a_handful_of_renewals_proposes_nothing_and_says_why(base, tmp_path):
    """Six renewals are below the minimum history: no weights, no YAML, and a note with the counts."""
    root = Path(shutil.copytree(base.root, tmp_path / "ws"))
    few = ACCOUNTS[4:10]
    _write_renewals(root, few)
    with Workspace(root) as ws:
        ws.load()
        t = ws.tune(LEAD)
    assert not t.proposed
    assert t.model_yaml is None and t.diff is None and t.weights == {}
    assert t.train["renewals"] + t.test["renewals"] == len(few)
    assert len(t.notes) == 1 and t.notes[0].startswith("too little history to tune")
    assert f"the fitting set has {t.train['renewals']} renewals" in t.notes[0]
    assert "at least 40 and 8 needed" in t.notes[0] and "nothing is proposed" in t.notes[0]


def test_tune_survives_green_shifts_that_would_shadow_yellow(base):
    """Green at 60 and Yellow at 40: the -20 shift is invalid and must be skipped, not crash the tuner."""
    text = MODEL.replace("{engagement: {min: 70}, indispensability: {min: 30}}",
                         "{engagement: {min: 60}, indispensability: {min: 20}}")
    rows, parts = base.results["snapshots"]
    t = tune_model(rows, parts, parse_model(text), text)
    assert t.proposed
    parse_model(t.model_yaml)


# -- no look-ahead ----------------------------------------------------------------------------

def _signal_model() -> str:
    """MODEL with an ``nps`` signal measure on indispensability (missing: excluded)."""
    data = yaml.safe_load(MODEL)
    data["indispensability"]["measures"]["nps"] = {
        "signal": "nps", "freshness_days": 60, "weight": 50, "scheme": {"type": "linear", "min": -100, "max": 100},
    }
    return yaml.safe_dump(data, sort_keys=False)


def _days(first: dt_.date, last: dt_.date) -> list[dt_.date]:
    return [first + dt_.timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.fixture(scope="module")
def future(tmp_path_factory) -> Run:
    """The same accounts plus data dated after some as-of dates (and controls dated before theirs).

    - FUTURE_ACC (Tokyo): every seat active on each local day from as_of + 1 to the day before
      its renewal, the first at 00:30 local, i.e. 15:30 UTC on the as-of date itself;
    - EVENTS_CONTROL: the same burst in the 10 days up to its as-of date;
    - GOLD_ACC: the finance acknowledgement dated the day after its as-of date;
    - a model with an ``nps`` signal measure: FUTURE_ACC's nps dated the day after its as-of
      date, SIGNAL_CONTROL's on its as-of date.
    """
    extra = pd.concat([
        _burst(FUTURE_ACC, _days(FUTURE_ACC.as_of + dt_.timedelta(days=1), FUTURE_ACC.renewal - dt_.timedelta(days=1))),
        _burst(EVENTS_CONTROL, _days(EVENTS_CONTROL.as_of - dt_.timedelta(days=9), EVENTS_CONTROL.as_of), "09:00"),
    ])
    signals = ("account_id,metric,value,date\n"
               f"{FUTURE_ACC.account_id},nps,100,{FUTURE_ACC.as_of + dt_.timedelta(days=1)}\n"
               f"{SIGNAL_CONTROL.account_id},nps,100,{SIGNAL_CONTROL.as_of}\n")
    run = Run(_write(tmp_path_factory.mktemp("future") / "ws", ACCOUNTS, model=_signal_model(), extra_events=extra,
                     finance_ack=GOLD_ACC.as_of + dt_.timedelta(days=1), signals=signals))
    with Workspace(run.root) as ws:
        report = ws.load()
        assert report.problems.empty, report.problems
        run.results["backtest"] = ws.backtest(LEAD)
        later = FUTURE_ACC.renewal - dt_.timedelta(days=1)
        run.results["later"] = ws.compute([later, GOLD_ACC.as_of + dt_.timedelta(days=1)])
    return run


def test_events_after_the_as_of_date_leave_the_row_unchanged(base, future):
    """A churner whose seats all turn active after its as-of date keeps exactly the row it had."""
    before, after = _row(base.results["backtest"], FUTURE_ACC), _row(future.results["backtest"], FUTURE_ACC)
    assert before["tier"] != "green" and not before["renewed"]
    for col in ROW_COLUMNS:
        assert after[col] == before[col], col
    # The future events are loaded and would make it fully active: on a later date it is.
    parts = future.results["later"]["score_measures"]
    later = parts[(parts["account_id"] == FUTURE_ACC.account_id) & (parts["measure"] == "active_seat_ratio")
                  & (parts["as_of"] == FUTURE_ACC.renewal - dt_.timedelta(days=1))]
    assert list(later["raw"]) == [1.0]


def test_events_inside_the_window_do_change_the_row(base, future):
    """Control: the same burst dated up to the as-of date raises engagement, so the comparison can fail."""
    before, after = _row(base.results["backtest"], EVENTS_CONTROL), _row(future.results["backtest"], EVENTS_CONTROL)
    assert after["engagement"] > before["engagement"]


def test_an_acknowledgement_after_the_as_of_date_does_not_count(base, future):
    """With finance acknowledging the day after the as-of date, the account is Green, not GOLD, in the backtest."""
    before, after = _row(base.results["backtest"], GOLD_ACC), _row(future.results["backtest"], GOLD_ACC)
    assert before["tier"] == "gold"
    assert after["tier"] == "green" and after["axis_tier"] == "green"
    # The acknowledgement is valid from its own date on.
    scores = future.results["later"]["scores"]
    day_after = scores[(scores["account_id"] == GOLD_ACC.account_id)
                       & (scores["as_of"] == GOLD_ACC.as_of + dt_.timedelta(days=1))]
    assert list(day_after["tier"]) == ["gold"]


def test_a_signal_after_the_as_of_date_does_not_count(base, future):
    """A future nps is not read; a missing signal is excluded, so the axes equal those of the model without it."""
    before, after = _row(base.results["backtest"], FUTURE_ACC), _row(future.results["backtest"], FUTURE_ACC)
    assert after["indispensability"] == before["indispensability"]
    # Control: an nps dated on the as-of date is read and raises indispensability.
    c0, c1 = _row(base.results["backtest"], SIGNAL_CONTROL), _row(future.results["backtest"], SIGNAL_CONTROL)
    assert c1["indispensability"] > c0["indispensability"]
    assert c1["engagement"] == c0["engagement"]


# -- command line -----------------------------------------------------------------------------

def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "goldpath", *args], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.fixture
def loaded_copy(base, tmp_path) -> Path:
    """A private copy of the loaded rule workspace."""
    return Path(shutil.copytree(base.root, tmp_path / "ws"))


def test_cli_backtest_exports_json_and_csvs(base, loaded_copy, tmp_path):
    """`goldpath backtest --export DIR` writes backtest.json (tiers, metrics, statements) and two CSVs."""
    out = tmp_path / "export"
    proc = _cli("backtest", "--lead", f"{LEAD}d", "--export", str(out), "-w", str(loaded_copy))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "60 renewals scored 30 days before their date; 1 skipped" in proc.stdout
    doc = json.loads((out / "backtest.json").read_text())
    assert doc["lead_days"] == LEAD and doc["renewals_scored"] == 60
    assert doc["skipped"] == {"not under contract on the scoring date": 1}
    report = base.results["backtest"]
    assert [t["tier"] for t in doc["tiers"]] == list(report.tiers["tier"])
    for t in doc["tiers"]:
        assert isinstance(t["renewals"], int) and isinstance(t["renewal_rate"], float), t
    assert doc["metrics"]["auc_engagement"] == pytest.approx(report.metrics["auc_engagement"])
    assert doc["statements"] == report.statements
    tiers = pd.read_csv(out / "backtest_tiers.csv")
    assert list(tiers["tier"]) == list(report.tiers["tier"])
    renewals = pd.read_csv(out / "backtest_renewals.csv")
    assert len(renewals) == 60 and {"account_id", "as_of", "tier", "engagement", "renewed"} <= set(renewals.columns)


def test_cli_tune_writes_the_proposed_yaml_and_its_diff(base, loaded_copy):
    """`goldpath tune -o proposed.yaml` writes a valid model beside a .diff, as the API proposes."""
    proc = _cli("tune", "--lead", f"{LEAD}d", "-o", "proposed.yaml", "-w", str(loaded_copy))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    target = loaded_copy / "proposed.yaml"
    assert target.exists() and (loaded_copy / "proposed.diff").exists()
    expected = base.results["tune"]
    assert target.read_text() == expected.model_yaml
    assert (loaded_copy / "proposed.diff").read_text() == expected.diff
    assert parse_model(target.read_text(), str(target)).name == "rule-test-tuned"


def test_cli_backtest_before_ingest_does_not_blame_goldpath_yaml(tmp_path):
    """Before any load, the message must not claim the renewals source is missing from goldpath.yaml."""
    root = _write(tmp_path / "fresh", ACCOUNTS[:6])
    proc = _cli("backtest", "--lead", f"{LEAD}d", "-w", str(root))
    assert "needs a `renewals` source in goldpath.yaml" not in proc.stderr, proc.stderr
