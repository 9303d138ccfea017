"""The GOLD evidence gate: Green plus value that is defined, achieved and acknowledged.

An outcome counts on an as-of date when it was defined by then, its latest measured value
reaches its target (in the direction from baseline to target), and for each required role
group at least one contact of that group acknowledged it. An acknowledgement is valid on
``as_of`` when it is dated on or before ``as_of``, ``as_of < date + validity_days``, and the
contact had not left (``left`` empty or after ``as_of``).
"""

from __future__ import annotations

import datetime as dt_

import numpy as np
import pandas as pd

from goldpath.model.spec import GoldSpec

EVIDENCE_COLUMNS = [
    "as_of", "account_id", "outcome_id", "title", "achieved", "attainment", "roi",
    "requirement", "contact_id", "contact_name", "role", "ack_date", "expires_on", "contact_left", "status", "requirement_met",
]


def _group_label(group: list[str]) -> str:
    return " or ".join(group)


def outcome_status(outcomes: pd.DataFrame, as_of: dt_.date, spec: GoldSpec | None = None) -> pd.DataFrame:
    """Outcomes defined by ``as_of`` with ``achieved`` (bool), ``attainment`` and ``roi``.

    Attainment is the share of the way from baseline to target that was covered
    (1.0 = target reached); ROI is ``(annual_value - cost) / cost``. An outcome is achieved
    when its measured attainment reaches ``spec.min_attainment`` (and its ROI ``min_roi``,
    when set).
    """
    spec = spec or GoldSpec()
    day = pd.Timestamp(as_of)
    o = outcomes.copy()
    for col in ("defined_at", "achieved_at"):
        o[col] = pd.to_datetime(o[col])
    o = o[o["defined_at"] <= day]
    measured = o["achieved"].notna() & (o["achieved_at"].isna() | (o["achieved_at"] <= day))
    span = o["target"] - o["baseline"]
    with np.errstate(divide="ignore", invalid="ignore"):
        att = np.where(span != 0, (o["achieved"] - o["baseline"]) / span, np.where(o["achieved"] == o["target"], 1.0, 0.0))
        roi = np.where(o["cost"] > 0, (o["annual_value"] - o["cost"]) / o["cost"], np.nan)
    o["attainment"] = np.where(measured, np.round(att.astype(float), 4), np.nan)
    o["roi"] = np.round(roi.astype(float), 4)
    ok = measured & (o["attainment"] >= spec.min_attainment - 1e-12)
    if spec.min_roi is not None:
        ok &= o["roi"] >= spec.min_roi
    o["achieved"] = ok
    return o


def acknowledgement_status(acks: pd.DataFrame, as_of: dt_.date, validity_days: int) -> pd.DataFrame:
    """Each acknowledgement's ``expires_on`` and ``status`` on ``as_of``.

    ``acks`` has ``date``, the outcome's ``defined_at`` and the contact's ``joined`` and
    ``left``, all as datetimes. Status is the first that applies of: ``before the outcome
    was defined``, ``before the contact joined``, ``contact left`` (on or before ``as_of``),
    ``expired`` (``as_of >= date + validity_days``), else ``valid``. An acknowledgement dated
    after ``as_of`` is not filtered out here; callers keep only those dated by then.
    """
    day = pd.Timestamp(as_of)
    a = acks.copy()
    a["expires_on"] = a["date"] + pd.Timedelta(days=validity_days)
    left = a["left"].notna() & (a["left"] <= day)
    expired = a["expires_on"] <= day
    early = a["date"] < a["defined_at"]
    before_joined = a["joined"].notna() & (a["date"] < a["joined"])
    a["status"] = np.select(
        [early, before_joined, left, expired],
        ["before the outcome was defined", "before the contact joined", "contact left", "expired"],
        "valid",
    )
    return a


def gold_evidence(
    outcomes: pd.DataFrame,
    acknowledgements: pd.DataFrame,
    contacts: pd.DataFrame,
    as_of_dates: list[dt_.date],
    spec: GoldSpec,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluate the evidence for every account with outcomes, on each as-of date.

    An acknowledgement dated before its outcome was defined, or before the contact joined,
    does not count.

    Returns
    -------
    evidence
        One row per outcome, role group and acknowledgement considered (or one
        ``missing`` row when a group has none), with its status: ``valid``, ``expired``,
        ``contact left``, ``before the outcome was defined``, ``before the contact joined``
        or ``missing``.
    verdict
        ``as_of, account_id, gold_evidence`` (True when some outcome meets every group).
    """
    acknowledgements = acknowledgements.assign(date=pd.to_datetime(acknowledgements["date"]))
    contacts = contacts.assign(left=pd.to_datetime(contacts["left"]), joined=pd.to_datetime(contacts["joined"]))
    acks = acknowledgements.merge(
        contacts[["contact_id", "account_id", "name", "role", "joined", "left"]].rename(columns={"name": "contact_name"}),
        on="contact_id",
    ).merge(outcomes[["outcome_id"]].assign(defined_at=pd.to_datetime(outcomes["defined_at"])), on="outcome_id")
    rows: list[dict] = []
    verdict: list[dict] = []
    for as_of in as_of_dates:
        o = outcome_status(outcomes, as_of, spec)
        day = pd.Timestamp(as_of)
        a = acknowledgement_status(acks[acks["date"] <= day], as_of, spec.validity_days)
        ok_accounts: set[str] = set()
        for out in o.itertuples(index=False):
            oa = a[(a["outcome_id"] == out.outcome_id) & (a["account_id"] == out.account_id)]
            meets_all = bool(out.achieved)
            for group in spec.required_roles:
                ga = oa[oa["role"].isin(group)].sort_values("date", ascending=False)
                base = {
                    "as_of": as_of, "account_id": out.account_id, "outcome_id": out.outcome_id,
                    "title": out.title, "achieved": bool(out.achieved), "attainment": out.attainment,
                    "roi": out.roi, "requirement": _group_label(group),
                }
                met = int((ga["status"] == "valid").sum()) >= spec.min_acknowledgements
                base["requirement_met"] = met
                if ga.empty:
                    rows.append({**base, "status": "missing"})
                    meets_all = False
                    continue
                for ack in ga.itertuples(index=False):
                    rows.append({
                        **base, "contact_id": ack.contact_id, "contact_name": ack.contact_name,
                        "role": ack.role, "ack_date": ack.date.date(), "expires_on": ack.expires_on.date(),
                        "contact_left": None if pd.isna(ack.left) else ack.left.date(), "status": ack.status,
                    })
                if not met:
                    meets_all = False
            if meets_all:
                ok_accounts.add(out.account_id)
        for acc in sorted(set(o["account_id"])):
            verdict.append({"as_of": as_of, "account_id": acc, "gold_evidence": acc in ok_accounts})
    evidence = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
    return evidence, pd.DataFrame(verdict, columns=["as_of", "account_id", "gold_evidence"])
