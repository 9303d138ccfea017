"""Build the bundled CRM example from the fightchurn ``crm6`` simulation (MIT, Carl Gold).

Run from the repository root::

    python examples/crm/build.py ../shared/data/crm6

It writes the contract tables into ``examples/crm/data/``. Everything except the value
ledger (contacts, outcomes, acknowledgements) is derived from the simulation; the ledger
is a small, clearly labelled illustration (see ``LEDGER`` below), because the simulation
has no stakeholders or acknowledgements.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent / "data"
CUTOFF = pd.Timestamp("2023-01-01")  # events after the simulation's end are cut here
AS_OF = pd.Timestamp("2022-12-31")

# US state -> reporting time zone (the state's most populous zone). Unknown -> UTC.
STATE_TZ = {
    "CA": "America/Los_Angeles", "WA": "America/Los_Angeles", "OR": "America/Los_Angeles",
    "AZ": "America/Phoenix", "CO": "America/Denver", "WY": "America/Denver",
    "TX": "America/Chicago", "OK": "America/Chicago", "IL": "America/Chicago", "WI": "America/Chicago",
    "SD": "America/Chicago", "IO": "America/Chicago", "IN": "America/Indiana/Indianapolis",
    "NY": "America/New_York", "FL": "America/New_York", "OH": "America/New_York", "NJ": "America/New_York",
    "VA": "America/New_York", "GA": "America/New_York", "MI": "America/Detroit", "NC": "America/New_York",
    "SC": "America/New_York", "MA": "America/New_York",
}

# Business processes of a CRM and the features (simulated actions) that serve them.
PROCESS_FEATURES = {
    "contact_management": ["add_contact", "edit_contact"],
    "lead_management": ["add_lead", "edit_lead", "unsub_lead", "email_lead", "call_lead"],
    "meetings": ["meeting", "schedule_meeting", "edit_meeting", "cancel_meeting"],
    "pipeline": [
        "create_opportunity", "advance_stage", "quote", "win_opportunity", "lose_opportunity",
        "add_competitor", "disqualify_opportunity",
    ],
    "prospect_search": ["search", "create_search", "edit_search", "delete_search"],
    "list_marketing": ["create_list", "delete_list", "email_list"],
}

# Criticality 0..5, justified by the simulator's utility table (sim_config/crm6_utility.csv),
# which says how much each action is worth to the simulated customer:
#   contact_management 5: add_contact has the highest utility (20).
#   meetings           5: meeting is tied highest (20); customers' revenue meetings run here.
#   lead_management    4: add_lead 10, email/call_lead 1 each: the daily work of a sales team.
#   pipeline           4: advance_stage 2, quote 2, create_opportunity 1, win 0.4 per event, but
#                         it is where revenue is recorded, so losing it stops the business.
#   prospect_search    3: search 10 per event, but searches are a quota-limited add-on
#                         (crm6_plans.csv); starter plans include no searches, hence 1 there.
#   list_marketing     2: email_list 2, list upkeep negative: useful, rarely critical.
CRITICALITY = {
    "contact_management": 5, "meetings": 5, "lead_management": 4, "pipeline": 4,
    "prospect_search": 3, "list_marketing": 2,
}
SEGMENT_CRITICALITY = {("prospect_search", "starter"): 1}

PARENTS = {a: "G-NORTH" for a in ("A002", "A014", "A040", "A081")} | {
    a: "G-SOUTH" for a in ("A003", "A029", "A099", "A117", "A145")
}

ADJECTIVES = ["Northwind", "Bluebird", "Summit", "Cedar", "Harbor", "Granite", "Lumen", "Maple", "Orion",
              "Pioneer", "Quarry", "Redwood", "Silver", "Tidewater", "Union", "Vantage", "Willow", "Yarrow"]
NOUNS = ["Logistics", "Realty", "Dental", "Foods", "Partners", "Labs", "Insurance", "Builders", "Media",
         "Outfitters", "Clinics", "Capital", "Travel", "Studios", "Motors", "Energy"]

# The illustrative value ledger (hand-written, not from the simulation). Each entry:
# account, case, and which role groups acknowledged; dates are relative to the demo as-of.
LEDGER = [
    # GOLD: Green with an achieved outcome acknowledged by team, sponsor and finance.
    ("A003", "gold"), ("A027", "gold"), ("A095", "gold"), ("A090", "gold"),
    # GOLD lapsed: the sponsor who acknowledged left the customer in November.
    ("A081", "sponsor_left"),
    # GOLD lapsed: the CFO's acknowledgement, given during the pilot, is older than 365 days.
    ("A054", "expired"),
    # Value achieved, but finance never acknowledged it.
    ("A092", "no_finance"),
    # Fully acknowledged value, but usage is not Green: not GOLD.
    ("A040", "not_green"),
]


def account_id(x: int) -> str:
    """Readable account id such as ``A007``."""
    return f"A{int(x):03d}"


def build(src: Path) -> None:
    """Write the example's contract tables from the simulation in ``src``."""
    OUT.mkdir(parents=True, exist_ok=True)
    acc = pd.read_csv(src / "accounts.csv")
    subs = pd.read_csv(src / "subscriptions.csv", parse_dates=["start_date", "end_date"])
    subs["account_id"] = subs["account_id"].map(account_id)
    base = subs[subs["units"] == "users"].sort_values(["account_id", "start_date"])

    # MRR per billing period (base plan plus add-ons starting the same day).
    period_mrr = subs.groupby(["account_id", "start_date"])["mrr"].sum().rename("period_mrr").reset_index()
    base = base.merge(period_mrr, on=["account_id", "start_date"])

    # Current term: the base period covering the demo date, else the last one.
    rows = []
    for aid, g in base.groupby("account_id"):
        cur = g[(g["start_date"] <= AS_OF) & (g["end_date"] > AS_OF)]
        cur = cur.iloc[-1] if len(cur) else g.iloc[-1]
        rows.append({
            "account_id": aid, "segment": cur["product"].split("_")[0], "arr": round(12 * cur["period_mrr"], 2),
            "seats": int(cur["quantity"]), "contract_start": g["start_date"].min().date(),
            "renewal_date": cur["end_date"].date(),
        })
    accounts = pd.DataFrame(rows)
    acc["account_id"] = acc["account_id"].map(account_id)
    acc["timezone"] = acc["state"].map(STATE_TZ).fillna("UTC")
    accounts = accounts.merge(acc[["account_id", "timezone"]], on="account_id")
    n = len(accounts)
    combos = [f"{a} {b}" for a in ADJECTIVES for b in NOUNS]
    order = np.random.default_rng(7).permutation(len(combos))[:n]
    accounts.insert(1, "name", [combos[i] for i in order])
    # Illustrative hierarchy: two groups of related customers under a parent id.
    accounts["parent_id"] = accounts["account_id"].map(PARENTS).fillna("")
    accounts = accounts[["account_id", "name", "segment", "arr", "seats", "contract_start", "renewal_date", "parent_id", "timezone"]]
    accounts.to_csv(OUT / "accounts.csv", index=False)

    # Renewals: each base term that ended by the cutoff renewed (same, up or down) or churned.
    ren = []
    for aid, g in base.groupby("account_id"):
        g = g.reset_index(drop=True)
        for i, r in g.iterrows():
            if r["end_date"] >= CUTOFF:
                continue
            before = round(12 * r["period_mrr"], 2)
            if i + 1 < len(g):
                after = round(12 * g.loc[i + 1, "period_mrr"], 2)
                outcome = "expanded" if after > before else "contracted" if after < before else "renewed"
            else:
                after, outcome = 0.0, "churned"
            ren.append({"account_id": aid, "renewal_date": r["end_date"].date(), "outcome": outcome,
                        "arr_before": before, "arr_after": after})
    pd.DataFrame(ren).to_csv(OUT / "renewals.csv", index=False)

    ev = pd.read_csv(src / "events.csv.gz", parse_dates=["event_time"])
    ev = ev[ev["event_time"] < CUTOFF]
    events = pd.DataFrame({
        "account_id": ev["account_id"].map(account_id),
        "user_id": "A" + ev["user_id"].str.zfill(1).map(lambda u: u.split("-")[0].zfill(3) + "-" + u.split("-")[1]),
        "feature": ev["event_type"],
        "timestamp": ev["event_time"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "value": ev["value"],
    }).sort_values(["timestamp", "account_id"], kind="stable")
    events.to_csv(OUT / "events.csv.gz", index=False, compression={"method": "gzip", "compresslevel": 9, "mtime": 0})

    pf = [{"feature": f, "process": p} for p, fs in PROCESS_FEATURES.items() for f in fs]
    pd.DataFrame(pf).to_csv(OUT / "process_features.csv", index=False)
    crit = [{"process": p, "segment": "*", "criticality": c} for p, c in CRITICALITY.items()]
    crit += [{"process": p, "segment": s, "criticality": c} for (p, s), c in SEGMENT_CRITICALITY.items()]
    pd.DataFrame(crit).to_csv(OUT / "process_criticality.csv", index=False)
    # One customer told its CSM it runs no list marketing in the CRM (illustrative override).
    pd.DataFrame([{"account_id": "A021", "process": "list_marketing", "criticality": 0}]).to_csv(
        OUT / "criticality_overrides.csv", index=False
    )
    build_signals(ev.assign(account_id=ev["account_id"].map(account_id)), accounts)
    build_ledger(ev.assign(account_id=ev["account_id"].map(account_id)), accounts)
    shutil.copy(src / "LICENSE_fightchurn_MIT.md", OUT.parent / "LICENSE_fightchurn_MIT.md")


def build_signals(ev: pd.DataFrame, accounts: pd.DataFrame) -> None:
    """Write ``signals.csv``: won deal value per 90 days at each month end (from the simulation)
    and an illustrative NPS for some accounts (hand-made, seeded, labelled as such)."""
    wins = ev[ev["event_type"] == "win_opportunity"][["account_id", "event_time", "value"]]
    rows = []
    for month_end in pd.date_range("2022-01-31", "2022-12-31", freq="ME"):
        w = wins[(wins["event_time"] > month_end - pd.Timedelta(days=90)) & (wins["event_time"] <= month_end + pd.Timedelta(days=1))]
        total = w.groupby("account_id")["value"].sum()
        for aid, start in zip(accounts["account_id"], pd.to_datetime(accounts["contract_start"])):
            if start <= month_end:
                rows.append({"account_id": aid, "metric": "won_value_90d", "value": round(float(total.get(aid, 0.0)), 2),
                             "date": month_end.date()})
    rng = np.random.default_rng(2022)
    surveyed = sorted(rng.choice(accounts["account_id"].to_numpy(), size=40, replace=False))
    for aid in surveyed:
        for d in ("2022-06-15", "2022-11-15"):
            rows.append({"account_id": aid, "metric": "nps", "value": float(rng.integers(-4, 11) * 10), "date": d})
    pd.DataFrame(rows).to_csv(OUT / "signals.csv", index=False)


def build_ledger(ev: pd.DataFrame, accounts: pd.DataFrame) -> None:
    """Write the illustrative contacts, outcomes and acknowledgements (see ``LEDGER``)."""
    wins = ev[ev["event_type"] == "win_opportunity"]
    measured = pd.Timestamp("2022-12-15")
    contacts, outcomes, acks = [], [], []
    for aid, case in LEDGER:
        a = accounts.set_index("account_id").loc[aid]
        w = wins[wins["account_id"] == aid]
        start = pd.Timestamp(a["contract_start"])
        # Baseline: won deal value in the first 90 days; achieved: the 90 days to the measurement.
        baseline = round(float(w[w["event_time"] < start + pd.Timedelta(days=90)]["value"].sum()), 2)
        achieved = round(float(w[(w["event_time"] > measured - pd.Timedelta(days=90)) & (w["event_time"] <= measured)]["value"].sum()), 2)
        target = round(baseline * 1.2, 2)
        outcome_id = f"{aid}-O1"
        outcomes.append({
            "outcome_id": outcome_id, "account_id": aid, "title": "Grow won deal value by 20%",
            "metric": "won deal value per 90 days (win_opportunity events)",
            "baseline": baseline, "target": target, "achieved": achieved,
            # Illustrative: 10% of the extra won value per year is credited to the CRM.
            "annual_value": round(0.1 * 4 * (achieved - baseline), 2), "cost": float(a["arr"]),
            "defined_at": "2022-02-15" if case != "expired" else "2021-10-01",
            "achieved_at": "2022-12-15",
        })
        people = [("team", "Sales ops lead"), ("sponsor", "VP Sales"), ("finance", "CFO")]
        for k, (role, title) in enumerate(people, start=1):
            cid = f"{aid}-C{k}"
            left = "2022-11-30" if (case == "sponsor_left" and role == "sponsor") else ""
            contacts.append({"contact_id": cid, "account_id": aid, "name": f"{title} of {a['name']}", "role": role,
                             "joined": "2021-06-01", "left": left})
            if case == "no_finance" and role == "finance":
                continue
            date = {"expired": "2021-12-15" if role == "finance" else "2022-12-20", "sponsor_left": "2022-09-15"}.get(
                case, "2022-12-20"
            )
            acks.append({"outcome_id": outcome_id, "contact_id": cid, "date": date,
                         "statement": f"{title} confirms the pipeline growth is real and due to the CRM"})
    note = "# ILLUSTRATIVE DATA: hand-written for the goldpath demo, not part of the crm6 simulation.\n"
    for name, rows in (("contacts", contacts), ("outcomes", outcomes), ("acknowledgements", acks)):
        path = OUT / f"{name}.csv"
        pd.DataFrame(rows).to_csv(path, index=False)
    (OUT / "LEDGER_IS_ILLUSTRATIVE.txt").write_text(
        note + "contacts.csv, outcomes.csv and acknowledgements.csv are an illustration: the crm6\n"
        "simulation has no stakeholders, outcomes or acknowledgements. Outcome values come from\n"
        "each account's won deal values (win_opportunity events) in the simulation.\n"
        "The `nps` rows of signals.csv (40 accounts, two surveys) and the parent_id groups G-NORTH\n"
        "and G-SOUTH in accounts.csv are illustrative too; `won_value_90d` in signals.csv is\n"
        "computed from the simulation.\n"
    )


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/crm6"))
