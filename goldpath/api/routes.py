"""REST API routes under ``/api/v1``: thin over the Workspace the app holds.

Every handler uses the Workspace under its lock (one DuckDB connection per server process).
Errors a user can meet come back as JSON in the shape FastAPI uses for request validation,
with ``detail[].loc`` naming the field: 404 for an unknown account, contact, outcome or
override named in the path, 409 for a write that conflicts with what is stored (a stale plan
version, an override already withdrawn, a source-file row to retract), 422 for bad input.
Messages never point at CLI commands (an API caller may have no shell on the server).

Writes re-score every stored date they can affect in one pass and say which
(``rescored``), what moved (``tier_changes``) and how long it took (``rescore_seconds``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt_
import json
import math
import re
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from goldpath.api import schemas as s
from goldpath.api.auth import require_admin, require_reader, require_writer
from goldpath.api.cache import backtests
from goldpath.errors import ConflictError, GoldpathError, InputError, NotFoundError
from goldpath.scoring.explain import gold_lines
from goldpath.scoring.tiers import TIER_ORDER, riskiest_first
from goldpath.store import overrides as override_store, snapshots
from goldpath.workspace import Workspace, portfolio_summary

TIERS = (*reversed(TIER_ORDER), "insufficient data")
_CLI_HINT = re.compile(r"[;,(]?[^;,()]*`goldpath [^`]*`[^;()]*\)?")


def api_message(text: str) -> str:
    """A message without its pointers at CLI commands (``run `goldpath score` first``...)."""
    return _CLI_HINT.sub("", text).strip().rstrip(";,: ")


def _where(request: Request, field: str) -> str:
    if field in request.path_params:
        return "path"
    return "query" if field in request.query_params else "body"


class _ApiRoute(APIRoute):
    """Turns goldpath errors into 404/409/422 JSON for API routes only (the dashboard renders its own)."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except NotFoundError as exc:
                where = _where(request, exc.field)
                status = 404 if where == "path" else 422
                return JSONResponse({"detail": [{"loc": [where, exc.field], "msg": api_message(exc.problem),
                                                 "type": "not_found"}]}, status_code=status)
            except InputError as exc:
                return JSONResponse({"detail": [{"loc": [_where(request, exc.field), exc.field],
                                                 "msg": api_message(exc.problem), "type": "value_error"}]},
                                    status_code=422)
            except ConflictError as exc:
                return JSONResponse({"detail": [{"loc": [_where(request, exc.field), exc.field],
                                                 "msg": api_message(exc.problem), "type": "conflict"}]},
                                    status_code=409)
            except GoldpathError as exc:  # the workspace's state (nothing scored, no inputs): no field at fault
                return JSONResponse({"detail": [{"loc": ["workspace"], "msg": api_message(str(exc)),
                                                 "type": "goldpath_error"}]}, status_code=422)

        return route


router = APIRouter(prefix="/api/v1", route_class=_ApiRoute)
readers = [Depends(require_reader)]


@contextmanager
def _ws(request: Request) -> Iterator[Workspace]:
    ws: Workspace = request.app.state.workspace
    with ws.lock:
        yield ws


# -- JSON from frames --------------------------------------------------------------------------
def _value(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (pd.Timestamp, dt_.datetime)):
        if pd.isna(v):
            return None
        t = pd.Timestamp(v)
        return t.date().isoformat() if t == t.normalize() else t.isoformat()
    if isinstance(v, dt_.date):
        return v.isoformat()
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def records(df: pd.DataFrame) -> list[dict]:
    """A frame as JSON-ready rows (NaN and NaT as null, dates as YYYY-MM-DD)."""
    return [{k: _value(v) for k, v in row.items()} for row in df.to_dict("records")]


def _plain(obj: Any) -> Any:
    """Dataclasses, frames, dicts and lists as JSON-ready values."""
    if dataclasses.is_dataclass(obj):
        out = {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        for prop in ("gap", "total_gap"):
            if hasattr(type(obj), prop):
                out[prop] = getattr(obj, prop)
        return out
    if isinstance(obj, pd.DataFrame):
        return records(obj)
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return _value(obj)


def _day(value: str | None, field: str = "as_of") -> dt_.date | None:
    if value is None:
        return None
    try:
        return dt_.date.fromisoformat(value)
    except ValueError:
        raise InputError(field, f"expected a date YYYY-MM-DD (got {value!r})") from None


def _latest(ws: Workspace, as_of: str | None) -> dt_.date:
    day = _day(as_of)
    if day is not None:
        return day
    dates = snapshots.scored_dates(ws.con)
    if not dates:
        raise InputError("as_of", "no scores stored yet: score a date first")
    return dates[-1]


def _scores(ws: Workspace, day: dt_.date) -> pd.DataFrame:
    scores = ws.scores(day)
    if scores.empty:
        listed = ", ".join(str(d) for d in snapshots.scored_dates(ws.con)[-5:]) or "none yet"
        raise InputError("as_of", f"{day} has not been scored; scored dates include {listed}")
    return scores


ROW_COLUMNS = ["account_id", "name", "segment", "model_segment", "arr", "engagement", "engagement_coverage",
               "indispensability", "indispensability_coverage", "engagement_trend", "indispensability_trend",
               "tier", "computed_tier", "tier_rule", "override", "gold_evidence", "data_through"]


def _overrides_on(ws: Workspace, day: dt_.date) -> dict[str, dict]:
    """Per account, the overrides in force on ``day``: ``tier_override`` (tier, note, author,
    reason, starts, expires, override_id) or None, and ``measure_overrides`` (one per measure)."""
    active = override_store.active_overrides(ws.con, [day])
    out: dict[str, dict] = {}
    for r in active.to_dict("records"):
        entry = out.setdefault(r["account_id"], {"tier_override": None, "measure_overrides": []})
        common = {"override_id": int(r["override_id"]), "note": r["note"], "author": r["author"],
                  "reason": r["reason"], "starts": r["starts"], "expires": r["expires"]}
        if r["kind"] == "tier":
            entry["tier_override"] = {"tier": r["tier"], **common}
        else:
            entry["measure_overrides"].append({"measure": r["measure"], "value": _value(r["score"]), **common})
    return out


def _rows(ws: Workspace, day: dt_.date, scores: pd.DataFrame) -> list[dict]:
    """Account rows with their overrides (``computed_tier``, ``tier``, ``tier_override``, ``measure_overrides``)."""
    over = _overrides_on(ws, day)
    none = {"tier_override": None, "measure_overrides": []}
    return [{**row, **over.get(row["account_id"], none)} for row in records(scores[ROW_COLUMNS])]


def _account_ref(ws: Workspace, account_id: str) -> dict:
    dates = snapshots.scored_dates(ws.con)
    if not dates:
        return {"account_id": account_id, "as_of": None, "tier": None, "gold_evidence": None}
    row = ws.scores(dates[-1])
    row = row[row["account_id"] == account_id]
    if row.empty:
        return {"account_id": account_id, "as_of": dates[-1], "tier": None, "gold_evidence": None}
    return {"account_id": account_id, "as_of": dates[-1], "tier": row["tier"].iloc[0],
            "gold_evidence": bool(row["gold_evidence"].iloc[0])}


# -- reads --------------------------------------------------------------------------------------
@router.get("/portfolio", response_model=s.Portfolio, dependencies=readers, tags=["read"])
def portfolio(request: Request, as_of: str | None = Query(None, examples=["2022-12-31"])) -> dict:
    """Accounts and ARR per tier on a scored date (the latest by default), and every account's row."""
    with _ws(request) as ws:
        day = _latest(ws, as_of)
        scores = _scores(ws, day)
        tiers = portfolio_summary(scores).rename(columns={"account_share": "account_share"})
        return {"as_of": day, "tiers": records(tiers), "accounts": _rows(ws, day, scores)}


@router.get("/accounts", response_model=s.AccountList, dependencies=readers, tags=["read"])
def accounts(
    request: Request, as_of: str | None = None,
    tier: str | None = Query(None, examples=["green"], description=f"One of {', '.join(TIERS)} (any case)."),
    segment: str | None = None, search: str | None = Query(None, description="Part of the account id or name."),
) -> dict:
    """Accounts on a scored date, riskiest first (as the dashboard and `goldpath score` list them), filtered by
    tier, segment and a search on id or name."""
    if tier is not None and tier.lower() not in TIERS:
        raise InputError("tier", f"expected one of {', '.join(TIERS)} (got {tier!r})")
    with _ws(request) as ws:
        day = _latest(ws, as_of)
        scores = _scores(ws, day)
        over = _overrides_on(ws, day)
    if tier:
        scores = scores[scores["tier"].str.lower() == tier.lower()]
    if segment:
        scores = scores[scores["segment"] == segment]
    if search:
        text = search.lower()
        scores = scores[scores["account_id"].str.lower().str.contains(text, regex=False)
                        | scores["name"].str.lower().str.contains(text, regex=False)]
    scores = riskiest_first(scores)
    none = {"tier_override": None, "measure_overrides": []}
    rows = [{**row, **over.get(row["account_id"], none)} for row in records(scores[ROW_COLUMNS])]
    return {"as_of": day, "count": len(scores), "accounts": rows}


@router.get("/accounts/{account_id}", response_model=s.AccountDetail, dependencies=readers, tags=["read"])
def account(request: Request, account_id: str, as_of: str | None = None) -> dict:
    """One account: axes (each the exact sum of its measure contributions), coverage, tier and rule,
    GOLD evidence, history, value ledger, success plan, path to the next tier and playbook actions."""
    with _ws(request) as ws:
        day = _latest(ws, as_of)
        _scores(ws, day)
        known = ws.scores(day)
        if account_id not in set(known["account_id"]):
            ws._account_row(account_id)  # unknown account: 404; else not under contract that day
            raise InputError("as_of", f"account {account_id} has no score on {day} (not under contract then)")
        e = ws.explain(account_id, day)
        row = known[known["account_id"] == account_id].iloc[0]
        history, summary = ws.history(account_id)
        ledger = ws.ledger(account_id, day)
        plan = ws.success_plan(account_id, day)
        path = ws.plan(account_id, day)
        try:
            actions = ws.actions(day)
            actions = actions[actions["account_id"] == account_id]
        except GoldpathError:  # no playbooks configured
            actions = pd.DataFrame()
        over = _overrides_on(ws, day).get(account_id, {"tier_override": None, "measure_overrides": []})
    axes = [{"axis": a.axis, "score": a.score, "coverage": a.coverage, "contribution_sum": a.contribution_sum,
             "measures": records(a.measures)} for a in e.axes]
    return {
        "as_of": day, "account": _plain(e.account), "score": {k: _value(v) for k, v in row.items()}, "axes": axes,
        "tier": {"tier": e.tier, "computed_tier": e.computed_tier, "axis_tier": e.axis_tier, "rule": e.tier_rule,
                 "override": e.override, **over, "gold_evidence": e.gold_evidence, "gold": gold_lines(e),
                 "model": e.model, "model_segment": e.model_segment, "trends": e.trends},
        "evidence": records(e.evidence),
        "history": {"snapshots": records(history), "summary": _plain(summary)},
        "ledger": {k: records(v) for k, v in ledger.items()},
        "plan": _plain(plan), "next_tier": _plain(path), "actions": records(actions),
    }


@router.get("/accounts/{account_id}/ledger", dependencies=readers, tags=["read"])
def account_ledger(request: Request, account_id: str, as_of: str | None = None) -> dict:
    """The account's value ledger: contacts, outcomes and acknowledgements with their status on ``as_of``."""
    with _ws(request) as ws:
        ledger = ws.ledger(account_id, _day(as_of))
    return {k: records(v) for k, v in ledger.items()}


@router.get("/accounts/{account_id}/plan", response_model=s.PlanOut | None, dependencies=readers, tags=["read"])
def account_plan(request: Request, account_id: str, as_of: str | None = None) -> dict | None:
    """The account's success plan and its progress (null when it has none)."""
    with _ws(request) as ws:
        return _plain(ws.success_plan(account_id, _day(as_of)))


@router.get("/migrations", dependencies=readers, tags=["read"])
def migrations(request: Request, start: str = Query(examples=["2022-06-26"]), end: str = Query(examples=["2022-12-25"])) -> dict:
    """Tier migration matrix between two scored dates: accounts and ARR from each tier (rows) to each tier (columns)."""
    d0, d1 = _day(start, "start"), _day(end, "end")
    with _ws(request) as ws:
        counts, arr = ws.migrations(d0, d1)

    def matrix(df: pd.DataFrame) -> list[dict]:
        out = df.reset_index()
        out.columns = ["from", *[str(c) for c in out.columns[1:]]]
        return records(out)

    return {"start": d0, "end": d1, "accounts": matrix(counts), "arr": matrix(arr)}


@router.get("/backtest", dependencies=readers, tags=["read"])
def backtest(request: Request, lead: str = Query("90d", examples=["90d"]), claim: float = Query(0.9, gt=0, le=1)) -> dict:
    """Renewals scored ``lead`` days before their date, and how the tiers predicted them.

    Computed once per lead, claim, model version and latest scored date, in the server's
    backtest cache that the dashboard shares (goldpath.api.cache); writes clear it.
    """
    ws: Workspace = request.app.state.workspace
    slot = backtests(request.app.state).result(ws, lead, claim)
    if "json" not in slot:
        slot["json"] = json.loads(json.dumps(slot["report"].to_dict(), default=str))
    return slot["json"]


@router.get("/overrides", dependencies=readers, tags=["read"])
def list_overrides(request: Request) -> list[dict]:
    """Every override ever recorded, newest first (withdrawn ones keep their row)."""
    with _ws(request) as ws:
        return records(ws.overrides())


@router.get("/audit", response_model=list[s.AuditEntry], dependencies=readers, tags=["read"])
def audit(request: Request,
          account_id: str | None = Query(None, description="Only entries about this account.", examples=["A092"]),
          target: str | None = Query(None, description="Only entries with this target (an account id or a date)."),
          limit: int = Query(500, ge=1, le=10000)) -> list[dict]:
    """The audit log, newest first: who changed what, when, and the tier changes it caused (every
    write: value ledger, retractions, success plans, overrides, rescores)."""
    with _ws(request) as ws:
        log = ws.audit_log(account_id=account_id)
    if target:
        log = log[log["target"] == target]
    log = log.iloc[::-1].head(limit)
    return [{**r, "details": json.loads(r["details"])} for r in records(log)]


# -- writes ---------------------------------------------------------------------------------------
def _written(ws: Workspace, id_: str | int, author: str, row: dict, account_id: str) -> dict:
    done = ws.last_rescore or {"dates": [], "tier_changes": [], "seconds": 0.0}
    return {"id": id_, "author": author, "row": _plain(row), "account": _account_ref(ws, account_id),
            "rescored": _plain(done["dates"]), "tier_changes": _plain(done["tier_changes"]),
            "rescore_seconds": done["seconds"]}


def _account_of(ws: Workspace, table: str, key: str, value: str) -> str:
    df = ws._ledger_tables()[table]
    return df.loc[df[key] == value, "account_id"].iloc[-1]


@router.post("/contacts", status_code=201, response_model=s.WriteOut, tags=["value ledger"])
def add_contact(request: Request, body: s.ContactIn, author: str = Depends(require_writer)) -> dict:
    """Add a contact who can acknowledge value (nothing is re-scored: a contact counts once they acknowledge)."""
    with _ws(request) as ws:
        ws.last_rescore = None
        cid = ws.add_contact(body.account_id, body.name, body.role, body.joined, author=author)
        row = ws.ledger(body.account_id)["contacts"].set_index("contact_id").loc[cid]
        return _written(ws, cid, author, {"contact_id": cid, **row.to_dict()}, body.account_id)


@router.post("/contacts/{contact_id}/left", response_model=s.WriteOut, tags=["value ledger"])
def contact_left(request: Request, contact_id: str, body: s.ContactLeftIn, author: str = Depends(require_writer)) -> dict:
    """Mark a contact as left: their acknowledgements lapse from that day (dates from then on are re-scored)."""
    with _ws(request) as ws:
        change = ws.mark_contact_left(contact_id, body.left, author=author)
        return _written(ws, change["change_id"], author, change, _account_of(ws, "contacts", "contact_id", contact_id))


@router.post("/outcomes", status_code=201, response_model=s.WriteOut, tags=["value ledger"])
def add_outcome(request: Request, body: s.OutcomeIn, author: str = Depends(require_writer)) -> dict:
    """Define a value outcome (metric, baseline, target), optionally with a measured value."""
    with _ws(request) as ws:
        oid = ws.add_outcome(**body.model_dump(), author=author)
        row = ws.ledger(body.account_id)["outcomes"].set_index("outcome_id").loc[oid]
        return _written(ws, oid, author, {"outcome_id": oid, **row.to_dict()}, body.account_id)


@router.post("/outcomes/{outcome_id}/achievement", response_model=s.WriteOut, tags=["value ledger"])
def achievement(request: Request, outcome_id: str, body: s.AchievementIn, author: str = Depends(require_writer)) -> dict:
    """Record a new measured value of an outcome."""
    with _ws(request) as ws:
        change = ws.record_achievement(outcome_id, body.achieved, body.achieved_at, author=author)
        return _written(ws, change["change_id"], author, change, _account_of(ws, "outcomes", "outcome_id", outcome_id))


@router.post("/acknowledgements", status_code=201, response_model=s.WriteOut, tags=["value ledger"])
def acknowledgement(request: Request, body: s.AcknowledgementIn, author: str = Depends(require_writer)) -> dict:
    """Record a contact's acknowledgement of an outcome; the stored dates from its date on are re-scored (GOLD may follow)."""
    with _ws(request) as ws:
        row = ws.record_acknowledgement(body.outcome_id, body.contact_id, body.date, body.statement, author=author)
        return _written(ws, f"{body.outcome_id}/{body.contact_id}/{body.date}", author, row,
                        _account_of(ws, "outcomes", "outcome_id", body.outcome_id))


def _retract(request: Request, kind: str, id_: str | tuple, reason: str, author: str, account_id: str) -> dict:
    with _ws(request) as ws:
        row = ws.retract(kind, id_, author=author, reason=reason)
        return _written(ws, "/".join(map(str, id_)) if isinstance(id_, tuple) else id_, author, row, account_id)


_REASON = Query(min_length=1, description="Why (recorded in the audit log).", examples=["entered by mistake"])


@router.delete("/contacts/{contact_id}", response_model=s.WriteOut, tags=["value ledger"])
def retract_contact(request: Request, contact_id: str, reason: str = _REASON, author: str = Depends(require_writer)) -> dict:
    """Retract a contact added from the app (one without acknowledgements); source-file contacts: 409."""
    with _ws(request) as ws:
        account_id = _account_of(ws, "contacts", "contact_id", contact_id) if contact_id in set(
            ws._ledger_tables()["contacts"]["contact_id"]) else None
    if account_id is None:
        raise NotFoundError("contact_id", f"unknown contact {contact_id!r}")
    return _retract(request, "contact", contact_id, reason, author, account_id)


@router.delete("/contacts/{contact_id}/left", response_model=s.WriteOut, tags=["value ledger"])
def undo_contact_left(request: Request, contact_id: str, reason: str = _REASON, author: str = Depends(require_writer)) -> dict:
    """Undo "mark as left" (the latest one made from the app): the contact's acknowledgements count again."""
    with _ws(request) as ws:
        contacts = ws._ledger_tables()["contacts"]
        if contact_id not in set(contacts["contact_id"]):
            raise NotFoundError("contact_id", f"unknown contact {contact_id!r}")
        return _retract(request, "contact_left", contact_id, reason, author,
                        _account_of(ws, "contacts", "contact_id", contact_id))


@router.delete("/outcomes/{outcome_id}", response_model=s.WriteOut, tags=["value ledger"])
def retract_outcome(request: Request, outcome_id: str, reason: str = _REASON, author: str = Depends(require_writer)) -> dict:
    """Retract an outcome defined from the app (one without acknowledgements), with its measured values;
    source-file and success-plan outcomes: 409."""
    with _ws(request) as ws:
        if outcome_id not in set(ws._ledger_tables()["outcomes"]["outcome_id"]):
            raise NotFoundError("outcome_id", f"unknown outcome {outcome_id!r}")
        return _retract(request, "outcome", outcome_id, reason, author, _account_of(ws, "outcomes", "outcome_id", outcome_id))


@router.delete("/acknowledgements/{outcome_id}/{contact_id}/{date}", response_model=s.WriteOut, tags=["value ledger"])
def retract_acknowledgement(request: Request, outcome_id: str, contact_id: str, date: dt_.date, reason: str = _REASON,
                            author: str = Depends(require_writer)) -> dict:
    """Retract an acknowledgement recorded from the app (its id is ``outcome_id/contact_id/date``); the
    stored dates from its date on are re-scored. Source-file acknowledgements: 409."""
    with _ws(request) as ws:
        if outcome_id not in set(ws._ledger_tables()["outcomes"]["outcome_id"]):
            raise NotFoundError("outcome_id", f"unknown outcome {outcome_id!r}")
        return _retract(request, "acknowledgement", (outcome_id, contact_id, date.isoformat()), reason, author,
                        _account_of(ws, "outcomes", "outcome_id", outcome_id))


@router.put("/accounts/{account_id}/plan", response_model=s.PlanWriteOut, tags=["success plans"])
def put_plan(request: Request, account_id: str, body: s.PlanIn, author: str = Depends(require_admin)) -> dict:
    """Set the account's success plan (replacing its previous one): its process scope and value hypothesis.

    Needs an ``admin`` token (a plan changes the account's process scope, so its tier). A stale
    ``expected_version`` is a 409."""
    with _ws(request) as ws:
        plan = ws.set_success_plan(account_id, **body.model_dump(), author=author)
        done = ws.last_rescore or {"dates": [], "tier_changes": [], "seconds": 0.0}
        return {"plan": _plain(plan), "account": _account_ref(ws, account_id), "rescored": _plain(done["dates"]),
                "tier_changes": _plain(done["tier_changes"]), "rescore_seconds": done["seconds"]}


@router.post("/overrides", status_code=201, response_model=s.WriteOut, tags=["overrides"])
def add_override(request: Request, body: s.OverrideIn, author: str = Depends(require_admin)) -> dict:
    """Override an account's tier or a measure's score from ``starts`` (or any date) up to ``expires``;
    the stored dates in that period are re-scored. Needs an ``admin`` token."""
    with _ws(request) as ws:
        args = body.model_dump()
        account_id = args.pop("account_id")
        oid = ws.set_override(account_id, author=author, rescore=True, **args)
        row = ws.overrides().set_index("override_id").loc[oid]
        return _written(ws, oid, author, {"override_id": oid, **row.to_dict()}, account_id)


@router.delete("/overrides/{override_id}", response_model=s.WriteOut, tags=["overrides"])
def remove_override(request: Request, override_id: int, reason: str = Query(min_length=1), on: str | None = None,
                    author: str = Depends(require_admin)) -> dict:
    """Withdraw an override (from every date, or from ``on``); its row is kept, the change audited and the
    dates it covered re-scored. 404 for an unknown id, 409 for one already withdrawn. Needs an ``admin`` token."""
    with _ws(request) as ws:
        ws.remove_override(override_id, author=author, reason=reason, on=_day(on, "on"), rescore=True)
        row = ws.overrides().set_index("override_id").loc[override_id]
        return _written(ws, override_id, author, {"override_id": override_id, **row.to_dict()}, row["account_id"])


@router.post("/rescore", tags=["overrides"])
def rescore(request: Request, author: str = Depends(require_writer)) -> dict:
    """Re-score the latest stored date from the stored inputs (audited)."""
    with _ws(request) as ws:
        scores = ws.rescore(author=author)
    return {"as_of": None if scores is None else _value(scores["as_of"].iloc[0]),
            "accounts": 0 if scores is None else len(scores)}
