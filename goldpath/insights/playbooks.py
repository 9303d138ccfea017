"""Playbooks: rules that turn an account's gaps into next best actions.

A playbook file (``playbooks:`` in ``goldpath.yaml``) lists rules. Each rule's ``when``
matches one kind of gap: a measure in the account's combined plan to the next tier
(``measure``), an axis short of the next tier (``axis``), a piece of missing GOLD evidence
(``evidence`` and optionally ``role``), or the account's tier alone; ``tier`` narrows any
of them. Actions are ranked by priority, then by ARR at stake times closeness to the next
tier (1 = about to move up, 0 = far away or without enough data).
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from goldpath.errors import ConfigError
from goldpath.model.spec import Model
from goldpath.scoring.path import plan_next_tier
from goldpath.scoring.tiers import INSUFFICIENT

PRIORITY = {"high": 3, "medium": 2, "low": 1}
EVIDENCE = ("missing", "expired", "contact left", "invalid", "not achieved", "no outcome")
ACTION_COLUMNS = [
    "account_id", "name", "tier", "arr", "closeness", "priority", "owner", "action", "playbook", "gap",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlaybookWhen(_Strict):
    """The gap a rule answers."""

    tier: list[Literal["red", "yellow", "green", "insufficient data"]] | None = None
    axis: Literal["engagement", "indispensability"] | None = None
    measure: str | None = None
    evidence: Literal["missing", "expired", "contact left", "invalid", "not achieved", "no outcome"] | None = None
    role: Literal["team", "sponsor", "stakeholder", "finance"] | None = None

    @property
    def kind(self) -> str:
        """Which kind of gap the rule matches: measure, axis, evidence or tier."""
        if self.measure:
            return "measure"
        if self.axis:
            return "axis"
        if self.evidence or self.role:
            return "evidence"
        return "tier"


PLACEHOLDERS = ("account", "name", "tier", "axis", "measure", "raw", "target", "gap", "role", "requirement",
                "contact", "outcome", "evidence")


class Playbook(_Strict):
    """One rule: a gap, the action that closes it, who owns it and how urgent it is."""

    name: str
    when: PlaybookWhen = Field(default_factory=PlaybookWhen)
    action: str = Field(description="Text with placeholders such as {measure}, {raw}, {target}, {role}, {outcome}.")
    owner: str = "csm"
    priority: Literal["high", "medium", "low"] = "medium"

    @model_validator(mode="after")
    def _check(self) -> "Playbook":
        w = self.when
        if (w.measure or w.axis) and (w.evidence or w.role):
            raise ValueError("`when` names both a usage gap (measure/axis) and missing evidence; a gap is one or the other")
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(self.action) if f is not None}
        except ValueError as exc:
            raise ValueError(f"action: {exc}") from exc
        unknown = sorted(fields - set(PLACEHOLDERS))
        if unknown:
            raise ValueError(f"action: unknown placeholder(s) {unknown}; use {', '.join(PLACEHOLDERS)}")
        return self


class PlaybookFile(_Strict):
    """Contents of a playbook YAML file."""

    playbooks: list[Playbook] = Field(min_length=1)


def load_playbooks(path: Path) -> list[Playbook]:
    """Load and validate a playbook file, with errors that name the key."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return PlaybookFile.model_validate(data).playbooks
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the playbook file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        lines = [f"  {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(f"{path}: invalid playbooks\n" + "\n".join(lines)) from exc


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _fmt(x: object) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return ""
    if isinstance(x, float):
        return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"
    return "" if x is None else str(x)


def match_actions(gaps: pd.DataFrame, accounts: pd.DataFrame, playbooks: list[Playbook]) -> pd.DataFrame:
    """Actions for every gap that a playbook rule answers, ranked.

    Parameters
    ----------
    gaps
        One row per gap: ``account_id, kind`` (measure, axis, evidence, tier) and the
        details (``axis, measure, raw, target, gap, evidence, role, requirement, contact,
        outcome``).
    accounts
        ``account_id, name, tier, arr, closeness`` per account.
    """
    acc = accounts.set_index("account_id")
    rows = []
    for g in gaps.to_dict("records"):
        a = acc.loc[g["account_id"]]
        for pb in playbooks:
            w = pb.when
            if w.kind != g["kind"] or (w.tier and a["tier"] not in w.tier):
                continue
            if w.measure and w.measure != g.get("measure"):
                continue
            if w.axis and w.axis != g.get("axis"):
                continue
            if w.evidence and w.evidence != g.get("evidence"):
                continue
            if w.role and w.role not in str(g.get("requirement") or "").split(" or "):
                continue
            ctx = _Blank({k: _fmt(v) for k, v in g.items()})
            ctx.update(account=g["account_id"], name=a["name"], tier=a["tier"])
            if w.role:
                ctx["role"] = w.role
            rows.append({
                "account_id": g["account_id"], "name": a["name"], "tier": a["tier"], "arr": float(a["arr"]),
                "closeness": float(a["closeness"]), "priority": pb.priority, "owner": pb.owner,
                "action": pb.action.format_map(ctx), "playbook": pb.name, "gap": g.get("label", g["kind"]),
            })
    out = pd.DataFrame(rows, columns=ACTION_COLUMNS)
    if out.empty:
        return out
    out = out.drop_duplicates(["account_id", "playbook", "action"])
    out["_p"] = out["priority"].map(PRIORITY)
    out["_v"] = out["arr"] * out["closeness"]
    out = out.sort_values(["_p", "_v", "arr", "account_id"], ascending=[False, False, False, True])
    return out.drop(columns=["_p", "_v"]).reset_index(drop=True)


def portfolio_gaps(
    scores: pd.DataFrame, parts: pd.DataFrame, evidence: pd.DataFrame, model: Model
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every account's gaps on one date, and how close each account is to its next tier.

    Below Green the gaps are the axes short of the next tier and the measures of the combined
    plan (:func:`goldpath.scoring.path.plan_next_tier`); closeness is ``1 - gap points / 100``.
    A Green account's gaps are its missing GOLD evidence; closeness is the share of role groups
    its best outcome already satisfies. Every account also has its tier as a gap.

    Returns
    -------
    gaps, accounts
        For :func:`match_actions`.
    """
    gaps: list[dict] = []
    closeness: dict[str, float] = {}
    for row in scores.itertuples(index=False):
        gaps.append({"account_id": row.account_id, "kind": "tier", "label": f"tier {row.tier}"})
        if row.axis_tier in ("red", "yellow", INSUFFICIENT):
            plan = plan_next_tier(pd.Series(row._asdict()), parts[parts["account_id"] == row.account_id], model)
            closeness[row.account_id] = 0.0 if plan.target is None else max(0.0, 1 - plan.total_gap / 100)
            for g in plan.gaps:
                gaps.append({"account_id": row.account_id, "kind": "axis", "axis": g.axis, "gap": g.gap,
                             "label": f"{g.axis} {g.value:.2f} < {g.needed:g}"})
                for t in g.combined:
                    gaps.append({"account_id": row.account_id, "kind": "measure", "axis": g.axis,
                                 "measure": t.measure, "raw": t.raw, "target": t.target_raw,
                                 "label": f"{t.measure} {_short(t.raw)} -> {_short(t.target_raw)}"})
        elif row.tier == "green":
            ev = evidence[evidence["account_id"] == row.account_id]
            groups = len(model.gold.required_roles)
            met = ev.groupby(["outcome_id", "requirement"])["requirement_met"].first().groupby(level=0).sum()
            closeness[row.account_id] = float(met.max()) / groups if len(ev) else 0.0
            gaps.extend(_evidence_gaps(row.account_id, ev))
        else:
            closeness[row.account_id] = 1.0
    accounts = scores[["account_id", "name", "tier", "arr"]].assign(
        closeness=scores["account_id"].map(closeness).fillna(0.0)
    )
    return pd.DataFrame(gaps), accounts


def _short(x: float | None) -> str:
    return "-" if x is None or pd.isna(x) else f"{x:.3g}"


def _evidence_gaps(account_id: str, ev: pd.DataFrame) -> list[dict]:
    """Missing GOLD evidence of a Green account, one gap per unmet requirement of its best outcome."""
    if ev.empty:
        return [{"account_id": account_id, "kind": "evidence", "evidence": "no outcome", "label": "no value outcome"}]
    gaps = []
    for outcome_id, rows in ev.groupby("outcome_id"):
        first = rows.iloc[0]
        if not first["achieved"]:
            gaps.append({"account_id": account_id, "kind": "evidence", "evidence": "not achieved",
                         "outcome": first["title"], "label": f"outcome {outcome_id} not achieved"})
        for requirement, g in rows.groupby("requirement", sort=False):
            if bool(g["requirement_met"].iloc[0]):
                continue
            worst = g.iloc[0]
            status = "contact left" if (g["status"] == "contact left").any() else worst["status"]
            status = "expired" if (g["status"] == "expired").any() and status != "contact left" else status
            if status.startswith("before the"):
                status = "invalid"  # acknowledged before the outcome was defined or the contact joined
            gaps.append({"account_id": account_id, "kind": "evidence", "evidence": status, "requirement": requirement,
                         "role": requirement, "contact": worst.get("contact_name"), "outcome": first["title"],
                         "label": f"{requirement} acknowledgement {status}"})
    return gaps
