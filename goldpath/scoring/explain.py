"""Explanations read back from the store: exactly the numbers that were computed."""

from __future__ import annotations

import datetime as dt_
import string
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from goldpath.model.spec import AXES, Model

#: How each measure's raw value is made, filled from the measure table's count columns.
MEASURE_DETAILS: dict[str, str] = {
    "active_seat_ratio": "{active_users:.0f} active users / {seats:.0f} seats",
    "stickiness": "{user_days:.0f} user-days / ({active_users:.0f} active users x {window_days:.0f} days)",
    "active_days_per_active_user": "{user_days:.0f} user-days / {active_users:.0f} active users",
    "key_feature_adoption": "{key_features_adopted:.0f} of {key_features_total:.0f} key features adopted",
    "process_coverage": "criticality {criticality_run:g} of {criticality_total:g} run "
    "({processes_run:.0f} of {processes_total:.0f} processes)",
    "critical_process_regularity": "criticality-weighted mean share of the {working_days:.0f} working days on which "
    "each of the {critical_processes:.0f} critical processes ran",
    "critical_process_reach": "{critical_users:.0f} of {active_users:.0f} active users ran a critical process",
}


#: Measures that count users, and so are missing for a source without user ids.
USER_MEASURES = frozenset(
    {"active_seat_ratio", "stickiness", "active_days_per_active_user", "key_feature_adoption", "critical_process_reach"}
)


def _fill(template: str, measures: pd.DataFrame) -> np.ndarray:
    """``template.format(**row)`` for every row, formatting each distinct value of a field once.

    Identical to formatting row by row (the same :func:`format` call makes each piece);
    the counts take few distinct values, so this is fast for many accounts and dates. The
    pieces are joined per row by Arrow (no Python string operation per row).
    """
    n = len(measures)
    pieces: list[pa.Array | pa.Scalar] = []
    for literal, field, spec, _ in string.Formatter().parse(template):
        if literal:
            pieces.append(pa.scalar(literal))
        if field is not None:
            codes, uniques = pd.factorize(measures[field].to_numpy(), use_na_sentinel=False)
            texts = pa.array([format(v, spec or "") for v in uniques], pa.string())
            pieces.append(pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), texts).cast(pa.string()))
    if not any(isinstance(x, pa.Array) for x in pieces):
        return np.full(n, "".join(x.as_py() for x in pieces), dtype=object)
    joined = pc.binary_join_element_wise(*pieces, pa.scalar(""))
    return np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)


def detail_arrays(measures: pd.DataFrame, model: Model) -> dict[str, np.ndarray]:
    """Per measure, the text describing each row's raw value (aligned with ``measures``' rows)."""
    out: dict[str, np.ndarray] = {}
    unknown = measures["users_unknown"].fillna(False).astype(bool).to_numpy() if "users_unknown" in measures else None
    for name, template in MEASURE_DETAILS.items():
        detail = _fill(template, measures) if len(measures) else np.array([], dtype=object)
        if name in USER_MEASURES and unknown is not None:
            detail = np.where(unknown, "no user ids in this account's events: users cannot be counted", detail)
        out[name] = detail
    for name, m in model.signal_measures().items():
        seen = measures[f"{name}__date"].to_numpy() if f"{name}__date" in measures else np.full(len(measures), None)
        values = measures[name].to_numpy() if name in measures else np.full(len(measures), np.nan)
        out[name] = np.array([
            f"signal {m.signal} = {v:g} on {pd.Timestamp(d).date()}" if d is not None and not pd.isna(d)
            else f"no {m.signal} signal in the {m.freshness_days} days to the as-of date"
            for v, d in zip(values, seen)
        ], dtype=object)
    return out


def measure_details(measures: pd.DataFrame, model: Model) -> pd.DataFrame:
    """Long table ``as_of, account_id, measure, detail`` describing each raw value."""
    as_of, account = measures["as_of"].to_numpy(), measures["account_id"].to_numpy()
    frames = [pd.DataFrame({"as_of": as_of, "account_id": account, "measure": name, "detail": detail})
              for name, detail in detail_arrays(measures, model).items()]
    frames.append(pd.DataFrame(columns=["as_of", "account_id", "measure", "detail"]))
    return pd.concat(frames[:-1] or frames, ignore_index=True)


@dataclass
class AxisExplanation:
    """One axis: its score, coverage and the measure rows that add up to it."""

    axis: str
    score: float | None
    coverage: float
    measures: pd.DataFrame

    @property
    def contribution_sum(self) -> float:
        """Sum of the contributions, in exact hundredths."""
        return round(sum(round(c * 100) for c in self.measures["contribution"]) / 100.0, 2)


@dataclass
class Explanation:
    """Why an account has its tier on an as-of date."""

    account: dict
    as_of: dt_.date
    axes: list[AxisExplanation]
    tier: str
    axis_tier: str
    tier_rule: str
    gold_evidence: bool | None
    evidence: pd.DataFrame
    model: str
    model_segment: str = "default"
    computed_tier: str | None = None
    override: str | None = None
    trends: dict | None = None
    model_version: str = ""


def build_explanation(score_row: pd.Series, parts: pd.DataFrame, evidence: pd.DataFrame) -> Explanation:
    """Assemble an explanation from stored snapshot rows of one account and date."""
    axes = []
    for axis in AXES:
        m = parts[parts["axis"] == axis].reset_index(drop=True)
        score = score_row[axis]
        axes.append(
            AxisExplanation(
                axis=axis,
                score=None if pd.isna(score) else float(score),
                coverage=float(score_row[f"{axis}_coverage"]),
                measures=m[["measure", "raw", "score", "weight", "weight_share", "contribution", "status", "detail"]],
            )
        )
    gold = score_row.get("gold_evidence")
    return Explanation(
        account={k: score_row[k] for k in ("account_id", "name", "segment", "arr")},
        as_of=pd.Timestamp(score_row["as_of"]).date(),
        axes=axes,
        tier=score_row["tier"],
        axis_tier=score_row["axis_tier"],
        tier_rule=score_row["tier_rule"],
        gold_evidence=None if pd.isna(gold) else bool(gold),
        evidence=evidence.reset_index(drop=True),
        model=f"{score_row['model_name'] or 'model'} @ {score_row['model_version']}",
        model_segment=score_row.get("model_segment") or "default",
        computed_tier=score_row.get("computed_tier"),
        override=None if pd.isna(score_row.get("override")) else score_row.get("override"),
        trends={a: (None if pd.isna(score_row.get(f"{a}_trend")) else float(score_row[f"{a}_trend"])) for a in AXES},
        model_version=score_row["model_version"],
    )


def gold_lines(expl: Explanation) -> list[str]:
    """Plain-language lines on the GOLD gate: evidence found, missing, expired or lapsed."""
    ev = expl.evidence
    lines: list[str] = []
    if ev.empty:
        lines.append("no value outcome recorded: GOLD needs an achieved outcome acknowledged by each required role")
        return lines
    for outcome_id, rows in ev.groupby("outcome_id", sort=True):
        first = rows.iloc[0]
        att = "" if pd.isna(first["attainment"]) else f", {first['attainment']:.0%} of the targeted change reached"
        roi = "" if pd.isna(first["roi"]) else f", ROI {first['roi']:.1f}x"
        state = "achieved" if first["achieved"] else "NOT achieved"
        lines.append(f"outcome {outcome_id} '{first['title']}': {state}{att}{roi}")
        for requirement, group in rows.groupby("requirement", sort=False):
            valid = group[group["status"] == "valid"]
            if bool(group["requirement_met"].iloc[0]):
                r = valid.iloc[0]
                lines.append(
                    f"  ok      {requirement}: {r['contact_name']} ({r['role']}) acknowledged {_day(r['ack_date'])}, "
                    f"valid until {_day(r['expires_on'])}"
                )
                continue
            if len(valid):
                lines.append(f"  SHORT   {requirement}: {len(valid)} valid acknowledgement(s), more are required")
            for r in group.itertuples(index=False):
                ack, exp, gone = _day(r.ack_date), _day(r.expires_on), _day(r.contact_left)
                if r.status == "valid":
                    lines.append(f"          {requirement}: {r.contact_name} ({r.role}) acknowledged {ack}, valid until {exp}")
                elif r.status == "missing":
                    lines.append(f"  MISSING {requirement}: no acknowledgement from a {requirement} contact")
                elif r.status == "expired":
                    lines.append(
                        f"  EXPIRED {requirement}: {r.contact_name} ({r.role}) acknowledged {ack}, expired on {exp}"
                    )
                elif r.status == "contact left":
                    lines.append(
                        f"  LAPSED  {requirement}: {r.contact_name} ({r.role}) acknowledged {ack}, left the customer on {gone}"
                    )
                else:
                    lines.append(f"  INVALID {requirement}: {r.contact_name} ({r.role}) acknowledged {ack}, {r.status}")
    if expl.gold_evidence and expl.axis_tier != "green":
        lines.append(f"evidence is complete, but the axes give {expl.axis_tier}: GOLD needs Green first")
    return lines


def _day(value: object) -> str:
    """A stored date (or timestamp) as ``YYYY-MM-DD``; ``-`` when empty."""
    return "-" if value is None or pd.isna(value) else str(pd.Timestamp(value).date())
