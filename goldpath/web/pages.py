"""Server-rendered dashboard pages, mounted by :func:`goldpath.api.app.create_app`.

Pages read the Workspace the app holds (``request.app.state.workspace``, used under
``request.app.state.lock``); they display what the Workspace computed and stored and never
recompute a score. Writes (contacts, acknowledgements, outcomes, success plans) go through the
Workspace's value-ledger methods, which re-score the latest date; they need a session opened
on the sign-in page with an API token (``GOLDPATH_API_TOKENS``, resolved by
:mod:`goldpath.api.auth`), whose name is the author in the audit log. The session is a random
id in an HttpOnly, SameSite=Strict cookie, mapped in server memory to the token's name and
scope; it ends after 12 hours without a request, 7 days after sign-in, or when its token is
removed from (or changes scope in) ``GOLDPATH_API_TOKENS``.
"""

from __future__ import annotations

import datetime as dt_
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from goldpath.errors import GoldpathError
from goldpath.model.spec import AXES
from goldpath.scoring.explain import gold_lines
from goldpath.scoring.tiers import INSUFFICIENT, RISK_ORDER, TIER_ORDER, riskiest_first
from goldpath.web import charts
from goldpath.workspace import Workspace, portfolio_summary

router = APIRouter(include_in_schema=False)

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
SESSION_COOKIE = "goldpath_session"


def _money(x: Any) -> str:
    return "-" if x is None or pd.isna(x) else f"{float(x):,.0f}"


def _pct(x: Any, digits: int = 0) -> str:
    return "-" if x is None or pd.isna(x) else f"{float(x):.{digits}%}"


def _day(x: Any) -> str:
    return "-" if x is None or (not isinstance(x, str) and pd.isna(x)) else str(pd.Timestamp(x).date())


def plural(n: Any, word: str, many: str | None = None) -> str:
    """``1 account``, ``2 accounts`` (``many`` for irregular plurals)."""
    return f"{n:,} {word if n == 1 else many or word + 's'}" if isinstance(n, int) else f"{n} {many or word + 's'}"


templates.env.filters.update(
    money=_money, pct=_pct, num=lambda x, f="{:.2f}": charts.nice(x, f), tier=charts.tier_label, day=_day,
    plural=plural,
    signed=lambda x: "-" if x is None or pd.isna(x) else f"{float(x):+.2f}",
)
templates.env.globals.update(TIER_COLOR=charts.TIER_COLOR)


# -- app state ------------------------------------------------------------------------------
@dataclass
class WebState:
    """What the pages keep per app: sign-in sessions, flash messages (the backtest cache is goldpath.api.cache)."""

    sessions: dict[str, "Session"] = field(default_factory=dict)
    flashes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    form_errors: dict[str, tuple[str, str]] = field(default_factory=dict)  # session -> (form id, message)
    guard: threading.Lock = field(default_factory=threading.Lock)


#: A dashboard session ends after this long without a request, and this long after sign-in.
SESSION_IDLE_SECONDS = 12 * 3600
SESSION_MAX_SECONDS = 7 * 24 * 3600


@dataclass
class Session:
    """A signed-in browser: the name and scope of its token, the token's digest (so that a
    token removed from ``GOLDPATH_API_TOKENS`` ends its sessions), and when it began and
    was last used (``time.monotonic``)."""

    name: str
    scope: str
    digest: str
    started: float
    seen: float


def _session(request: Request) -> Session | None:
    """The live session of the request's cookie, or None (and it is forgotten) when it has
    been idle too long, is too old, or its token is no longer configured with the same scope."""
    from goldpath.api.auth import resolve_digest, server_config

    sid = request.cookies.get(SESSION_COOKIE)
    web = _web(request)
    s = web.sessions.get(sid) if sid else None
    if s is None:
        return None
    now = time.monotonic()
    expired = now - s.seen > SESSION_IDLE_SECONDS or now - s.started > SESSION_MAX_SECONDS
    if expired or resolve_digest(s.digest, server_config(request).tokens_env) != (s.name, s.scope):
        web.sessions.pop(sid, None)
        return None
    s.seen = now
    return s


def _web(request: Request) -> WebState:
    state = request.app.state
    web = getattr(state, "web", None)
    if web is None:
        with _STATE_GUARD:
            web = getattr(state, "web", None)
            if web is None:
                web = state.web = WebState()
                state.session_user = _user  # a signed-in browser may also read the REST API
    return web


_STATE_GUARD = threading.Lock()


@contextmanager
def _workspace(request: Request) -> Iterator[Workspace]:
    """The app's Workspace, held under the app's lock (one DuckDB connection, one user at a time)."""
    state = request.app.state
    ws = state.workspace
    with getattr(state, "lock", None) or ws.lock:
        yield ws


def _user(request: Request) -> str | None:
    s = _session(request)
    return s.name if s is not None else None


def _flash(request: Request, kind: str, text: str) -> None:
    sid = request.cookies.get(SESSION_COOKIE) or ""
    _web(request).flashes.setdefault(sid, []).append((kind, text))


def _render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    sid = request.cookies.get(SESSION_COOKIE) or ""
    flashes = _web(request).flashes.pop(sid, [])
    form_error = _web(request).form_errors.pop(sid, None)
    ctx = {"user": _user(request), "flashes": flashes, "form_error": form_error, "nav": name.removesuffix(".html"),
           **context}
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def _gate(request: Request) -> Response | None:
    """Sign-in first where reads need a token (``server.read_access: token``, the default).

    A client may send ``Authorization: Bearer <token>`` instead of signing in (a scheduled
    download of ``/report.html`` or ``/accounts.csv``); a token that is sent must be valid.
    """
    from fastapi import HTTPException

    from goldpath.api.auth import reads_open, require_reader

    if request.headers.get("authorization") is not None:
        try:
            require_reader(request)
            return None
        except HTTPException as exc:
            return HTMLResponse(f"{exc.detail}", status_code=exc.status_code, headers=exc.headers)
    if reads_open(request) or _user(request) is not None:
        return None
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)


def _not_found(request: Request, text: str) -> HTMLResponse:
    return _render(request, "error.html", status_code=404, title="Not found", message=text)


# -- static files -------------------------------------------------------------------------
@lru_cache(maxsize=1)
def plotly_js() -> bytes:
    """plotly.js as shipped in the plotly package (no CDN)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode("utf-8")


@router.get("/static/plotly.min.js")
def static_plotly() -> Response:
    return Response(plotly_js(), media_type="application/javascript",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    path = STATIC / name
    if "/" in name or name.startswith(".") or not path.is_file():
        raise HTTPException(404)
    kind = {".css": "text/css", ".js": "application/javascript"}.get(path.suffix, "application/octet-stream")
    return Response(path.read_bytes(), media_type=kind, headers={"Cache-Control": "public, max-age=3600"})


# -- read pages ----------------------------------------------------------------------------
def override_counts(scores: pd.DataFrame) -> dict[str, Any]:
    """Tiers set by an override: ``total``, ``per_tier`` counts and ``rows`` (id, tier, computed tier)."""
    o = scores[scores["override"].notna()]
    return {"total": len(o), "per_tier": o["tier"].value_counts().to_dict(),
            "rows": o[["account_id", "name", "tier", "computed_tier", "override"]].to_dict("records")}


def mark_overrides(ws: Workspace, scores: pd.DataFrame) -> pd.DataFrame:
    """``scores`` with ``tier_overridden`` (the stored tier was set by an override: ``computed_tier``
    and ``override`` say from what, by whom) and ``measure_overrides`` (text naming the measure
    scores overridden on that date, empty when none), read from the stored scores and the
    overrides in force on their date."""
    out = scores.copy()
    out["tier_overridden"] = out["override"].notna() if "override" in out else False
    out["measure_overrides"] = ""
    if len(out):
        active = ws.active_overrides(pd.Timestamp(out["as_of"].iloc[0]).date())
        active = active[active["kind"] == "measure"]
        if len(active):
            text = active.groupby("account_id").apply(
                lambda g: "; ".join(f"{r.measure} scored {r.score:g} by override {r.note}" for r in g.itertuples()),
                include_groups=False)
            out["measure_overrides"] = out["account_id"].map(text).fillna("")
    return out


@router.get("/", response_class=HTMLResponse)
def portfolio(request: Request, as_of: str | None = None, segment: str | None = None) -> Response:
    """Accounts and ARR per tier, the Engagement x Indispensability matrix, tiers over time."""
    if (gate := _gate(request)) is not None:
        return gate
    with _workspace(request) as ws:
        try:
            scores = ws.scores(as_of)
        except GoldpathError as exc:
            return _not_found(request, str(exc))
        dates = ws.scored_dates()
        history = ws.portfolio_history()
        model = ws.model
        known = ws.account_count()
        name = ws.config.name
    if scores.empty:
        return _not_found(request, f"{as_of} has not been scored; scored dates: {', '.join(map(str, dates[-5:]))}")
    segments = sorted(scores["model_segment"].dropna().unique())
    seg = segment if segment in segments else None
    shown = scores[scores["model_segment"] == seg] if seg else scores
    rules = model.tier_rules(seg or "default")
    notes = charts.zone_notes(rules)
    if not seg and len(segments) > 1:
        others = [s for s in segments if s != "default" and s in model.tiers]
        if others:
            notes.insert(0, f"zones of the default rules; accounts of segment(s) {', '.join(others)} have their own rules "
                            f"(pick a segment to see its zones), and their colours are their actual tiers")
    unplotted = int(shown[list(AXES)].isna().any(axis=1).sum())
    if unplotted:
        notes.append(f"{unplotted} account(s) without an axis score (insufficient data) are not plotted")
    if shown["override"].notna().any():
        notes.append("a dark ring marks a tier set by an override (the colour is the overriding tier)")
    matrix = charts.to_div(charts.matrix_figure(shown, rules), "matrix", link="/accounts/")
    over_time = charts.to_div(charts.tiers_over_time_figure(history, "accounts"), "tiers-accounts")
    arr_over_time = charts.to_div(charts.tiers_over_time_figure(history, "arr"), "tiers-arr")
    day = pd.Timestamp(scores["as_of"].iloc[0]).date()
    return _render(
        request, "portfolio.html", title=f"Portfolio on {day}", workspace=name, as_of=day, dates=dates,
        summary=portfolio_summary(scores).to_dict("records"), total_accounts=len(scores), total_arr=scores["arr"].sum(),
        overridden=override_counts(scores),
        known=known, segments=segments, segment=seg, matrix=matrix, notes=notes, over_time=over_time,
        arr_over_time=arr_over_time, model=f"{scores['model_name'].iloc[0]} @ {scores['model_version'].iloc[0]}",
    )


def _account_rows(request: Request, q: str, tier: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stored scores of the latest date, marked and riskiest first, and those matching the filters.

    ``q`` (the API's ``search``) is part of an id, name or segment, any case.
    """
    with _workspace(request) as ws:
        scores = mark_overrides(ws, ws.scores())
    rows = riskiest_first(scores)
    text = q.strip().lower()
    if text:
        hay = rows["account_id"].str.lower() + " " + rows["name"].str.lower() + " " + rows["segment"].astype(str).str.lower()
        rows = rows[hay.str.contains(text, regex=False)]
    if tier:
        rows = rows[rows["tier"] == tier.lower()]
    return scores, rows


@router.get("/accounts", response_class=HTMLResponse)
def accounts(request: Request, q: str = "", tier: str = "", search: str = "") -> Response:
    """Every scored account on the latest date, searchable by id, name or segment (``q`` or ``search``)."""
    if (gate := _gate(request)) is not None:
        return gate
    q = q or search
    scores, rows = _account_rows(request, q, tier)
    day = pd.Timestamp(scores["as_of"].iloc[0]).date()
    return _render(request, "accounts.html", title="Accounts", rows=rows.to_dict("records"), q=q, tier=tier,
                   as_of=day, total=len(scores), tiers=list(reversed(TIER_ORDER)) + [INSUFFICIENT],
                   csv_query=request.url.query)


CSV_COLUMNS = ["as_of", "account_id", "name", "segment", "arr", "tier", "computed_tier", "override", "measure_overrides",
               "engagement", "engagement_coverage", "engagement_trend", "indispensability", "indispensability_coverage",
               "indispensability_trend", "tier_rule", "model_segment", "model_version"]


@router.get("/accounts.csv")
def accounts_csv(request: Request, q: str = "", tier: str = "", search: str = "") -> Response:
    """The account list as CSV, with the same filters and order as ``/accounts``."""
    if (gate := _gate(request)) is not None:
        return gate
    scores, rows = _account_rows(request, q or search, tier)
    day = pd.Timestamp(scores["as_of"].iloc[0]).date()
    out = rows[[c for c in CSV_COLUMNS if c in rows]].copy()
    out["as_of"] = pd.to_datetime(out["as_of"]).dt.date
    return Response(out.to_csv(index=False), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="goldpath-accounts-{day}.csv"'})


@router.get("/accounts/{account_id}", response_class=HTMLResponse)
def account(request: Request, account_id: str) -> Response:
    """Both axes with their exact decomposition, trend, path to the next tier, ledger, actions, plan."""
    if (gate := _gate(request)) is not None:
        return gate
    with _workspace(request) as ws:
        try:
            expl = ws.explain(account_id)
        except GoldpathError as exc:
            return _not_found(request, str(exc))
        plan = ws.plan(account_id)
        hist, summary = ws.history(account_id)
        try:
            acts = ws.actions(expl.as_of)
            acts = acts[acts["account_id"] == account_id].to_dict("records")
            actions_note = None
        except GoldpathError as exc:
            acts, actions_note = [], str(exc)
        ledger = _call(ws, "ledger", account_id)
        success_plan = _call(ws, "success_plan", account_id)
        rules = ws.model.tier_rules(expl.model_segment)
    green = next((r for r in rules if r.tier == "green"), None)
    green_min = {a: green.when.box(a)[0] for a in AXES if green is not None and green.when.box(a)[0] > 0}
    trend = charts.to_div(charts.account_trend_figure(hist, green_min), "trend")
    contacts = _records(ledger, "contacts")
    for c in contacts:
        c["active"] = c.get("left") is None or pd.isna(c.get("left"))
    return _render(
        request, "account.html", title=f"{account_id} {expl.account['name']}", e=expl, plan=plan,
        gold_lines=gold_lines(expl), evidence=expl.evidence.to_dict("records"), summary=summary, trend=trend,
        actions=acts, actions_note=actions_note, ledger=ledger, contacts=contacts,
        outcomes=_records(ledger, "outcomes"), acknowledgements=_records(ledger, "acknowledgements"),
        success_plan=success_plan, roles=["team", "sponsor", "stakeholder", "finance"],
        today=dt_.date.today().isoformat(), can_write=_session_scope(request) in ("write", "admin"),
        can_plan=_session_scope(request) == "admin",
        processes_text="\n".join(f"{k}: {v:g}" for k, v in (success_plan or {}).get("processes", {}).items()),
    )


def _call(ws: Workspace, method: str, *args: Any) -> Any:
    """A Workspace read that may not exist in this version (None), or fail for this account (None)."""
    fn = getattr(ws, method, None)
    if fn is None:
        return None
    try:
        return fn(*args)
    except GoldpathError:
        return None


def _records(ledger: Any, name: str) -> list[dict]:
    """Rows of one ledger table, whether the ledger is a dict of frames or an object with frames."""
    if ledger is None:
        return []
    frame = ledger.get(name) if isinstance(ledger, dict) else getattr(ledger, name, None)
    if frame is None:
        return []
    if isinstance(frame, pd.DataFrame):
        return frame.to_dict("records")
    return [x if isinstance(x, dict) else vars(x) for x in frame]


@router.get("/migrations", response_class=HTMLResponse)
def migrations(request: Request, start: str | None = None, end: str | None = None) -> Response:
    """Tier migration matrix (accounts and ARR) between two stored dates."""
    if (gate := _gate(request)) is not None:
        return gate
    start = request.query_params.get("from", start)
    end = request.query_params.get("to", end)
    with _workspace(request) as ws:
        dates = ws.scored_dates()
        if not dates:
            return _not_found(request, "no scores stored yet")
        d1 = end or str(dates[-1])
        try:
            d0 = start or str(_date_before(dates, dt_.date.fromisoformat(d1) - dt_.timedelta(days=91)))
            counts, arr = ws.migrations(d0, d1)
        except (GoldpathError, ValueError) as exc:
            return _not_found(request, str(exc))
    moved = [{"from": f, "to": t, "accounts": int(counts.loc[f, t]), "arr": float(arr.loc[f, t])}
             for f in counts.index for t in counts.columns if counts.loc[f, t] and f != t]
    moved.sort(key=lambda m: -m["arr"])
    fig = charts.to_div(charts.migration_figure(counts, arr, d0, d1), "migrations")
    return _render(request, "migrations.html", title="Tier migrations", start=d0, end=d1, dates=dates,
                   counts=counts, arr=arr, chart=fig, moved=moved)




@router.get("/actions", response_class=HTMLResponse)
def actions_page(request: Request, tier: str = "", owner: str = "") -> Response:
    """The work queue: every playbook action of the latest date (``Workspace.actions``, as ``goldpath
    actions`` prints them: highest priority first, then the most ARR closest to moving), filterable by tier
    and owner role."""
    if (gate := _gate(request)) is not None:
        return gate
    with _workspace(request) as ws:
        try:
            acts = ws.actions()
        except GoldpathError as exc:
            return _render(request, "actions.html", title="Actions", rows=[], note=str(exc), owners=[], tiers=[],
                           tier=tier, owner=owner, total=0, accounts=0, arr=0.0, as_of=None)
        scores = mark_overrides(ws, ws.scores())
        day = pd.Timestamp(scores["as_of"].iloc[0]).date()
    marks = scores.set_index("account_id")[["tier_overridden", "computed_tier", "override", "measure_overrides"]]
    owners = sorted(acts["owner"].dropna().unique())
    tiers = [t for t in RISK_ORDER if t in set(acts["tier"])]
    rows = acts
    if tier:
        rows = rows[rows["tier"] == tier.lower()]
    if owner:
        rows = rows[rows["owner"] == owner]
    rows = rows.join(marks, on="account_id")  # in goldpath actions' order: priority, then ARR x closeness
    return _render(request, "actions.html", title="Actions", rows=rows.to_dict("records"), note=None, owners=owners,
                   tiers=tiers, tier=tier, owner=owner, total=len(acts), accounts=rows["account_id"].nunique(),
                   arr=float(rows.drop_duplicates("account_id")["arr"].sum()), as_of=day)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, account: str = "") -> Response:
    """Every audited write (``Workspace.audit_log``), newest first, optionally of one account."""
    if (gate := _gate(request)) is not None:
        return gate
    with _workspace(request) as ws:
        log = ws.audit_log()
    total = len(log)
    if account.strip():
        log = log[log["target"].str.lower() == account.strip().lower()]
    log = log.iloc[::-1].assign(
        target_is_date=lambda f: pd.to_datetime(f["target"], format="%Y-%m-%d", errors="coerce").notna())
    return _render(request, "audit.html", title="Audit log", rows=log.to_dict("records"), account=account.strip(),
                   total=total)


@router.get("/overrides", response_class=HTMLResponse)
def overrides_page(request: Request, show: str = "active") -> Response:
    """Overrides in force on the latest scored date (or every one ever recorded), with who, why and expiry."""
    if (gate := _gate(request)) is not None:
        return gate
    with _workspace(request) as ws:
        every = ws.overrides()
        day = ws.scored_dates()[-1] if ws.scored_dates() else None
        active = ws.active_overrides(day) if day else every.iloc[:0]
        scores = ws.scores(day) if day else None
    live = set(active["override_id"])
    applied = set(scores.loc[scores["override"].notna(), "account_id"]) if scores is not None else set()
    rows = []
    for r in every.to_dict("records"):
        if r["override_id"] in live:
            status = "in force"
            if r["kind"] == "tier" and r["account_id"] not in applied:
                status = "in force, not applied yet (rescore)"
        elif r["removed_at"] is not None and not pd.isna(r["removed_at"]):
            status = f"withdrawn by {r['removed_by']}"
        elif day and pd.Timestamp(r["expires"]).date() < day:
            status = "expired"
        elif day and r["starts"] is not None and not pd.isna(r["starts"]) and pd.Timestamp(r["starts"]).date() > day:
            status = "starts later"
        else:
            status = "replaced by a newer override"
        rows.append({**r, "status": status, "live": r["override_id"] in live})
    shown = rows if show == "all" else [r for r in rows if r["live"]]
    return _render(request, "overrides.html", title="Overrides", rows=shown, show=show, as_of=day,
                   total=len(rows), live=len(live))


def _date_before(dates: list[dt_.date], target: dt_.date) -> dt_.date:
    """The latest stored date on or before ``target`` (else the first stored date)."""
    before = [d for d in dates if d <= target]
    return before[-1] if before else dates[0]


# -- backtest: slow, computed once per server in the background (the cache the REST API shares) ----
def backtest_slot(request: Request, lead: str) -> dict:
    """The cached backtest for ``lead``, started on first request: the server's one cache
    (goldpath.api.cache), keyed by lead, claim, model version and latest scored date, cleared by writes."""
    from goldpath.api.cache import backtests

    return backtests(request.app.state).slot(request.app.state.workspace, lead)


@router.get("/backtest", response_class=HTMLResponse)
def backtest(request: Request, lead: str = "90d") -> Response:
    """Renewal by tier, AUCs, calibration and the claims, from ``Workspace.backtest``."""
    if (gate := _gate(request)) is not None:
        return gate
    slot = backtest_slot(request, lead)
    ctx: dict[str, Any] = {"title": "Backtest", "lead": lead, "slot": slot}
    if slot["status"] == "done":
        rep = slot["report"]
        ctx.update(report=rep, tiers=rep.tiers.to_dict("records"), metrics=rep.metrics,
                   chart=charts.to_div(charts.backtest_figure(rep.tiers), "backtest"),
                   calibration=charts.to_div(charts.calibration_figure(rep.calibration), "calibration"))
    else:
        ctx["elapsed"] = round(time.monotonic() - slot["started"])
    return _render(request, "backtest.html", **ctx)


@router.get("/report.html")
def report_download(request: Request, as_of: str | None = None) -> Response:
    """The offline report of ``goldpath report``, as a download."""
    if (gate := _gate(request)) is not None:
        return gate
    from goldpath.web.report import build_report

    with _workspace(request) as ws:
        try:
            html = build_report(ws, as_of)
        except GoldpathError as exc:
            return _not_found(request, str(exc))
    return HTMLResponse(html, headers={"Content-Disposition": 'attachment; filename="goldpath-report.html"'})


# -- sign in ------------------------------------------------------------------------------
@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, next: str = "/") -> HTMLResponse:
    from goldpath.api.auth import reads_open

    return _render(request, "signin.html", title="Sign in", next=_safe_next(next), reads_open=reads_open(request))


@router.post("/signin")
def signin(request: Request, token: str = Form(...), next: str = Form("/")) -> Response:
    from goldpath.api.auth import reads_open, resolve_identity, server_config, token_digest

    if (refused := _cross_site(request)) is not None:  # no forced sign-in from another site
        return refused
    who = resolve_identity(token.strip(), server_config(request).tokens_env)
    name, scope = who if who is not None else (None, None)
    if not name:
        return _render(request, "signin.html", status_code=401, title="Sign in", next=_safe_next(next),
                       reads_open=reads_open(request),
                       error="That token is not valid: ask an admin for one from GOLDPATH_API_TOKENS.")
    sid = secrets.token_urlsafe(32)
    web = _web(request)
    now = time.monotonic()
    web.sessions[sid] = Session(name, scope, token_digest(token.strip()), now, now)
    can = {"read": "this token may only read", "write": "you may write to the value ledger",
           "admin": "you may write to the value ledger, overrides and success plans"}[scope]
    web.flashes[sid] = [("ok", f"Signed in as {name} (scope {scope}: {can}); your changes are recorded under that name.")]
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/",
                    max_age=SESSION_MAX_SECONDS)
    return resp


@router.post("/signout")
def signout(request: Request) -> Response:
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        _web(request).sessions.pop(sid, None)
    resp = RedirectResponse("/", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


def _safe_next(url: str) -> str:
    """Only local paths (no open redirect)."""
    return url if url.startswith("/") and not url.startswith("//") else "/"


# -- writes on the account page (POST, then redirect to the page: POST-redirect-GET) --------
def _session_scope(request: Request) -> str | None:
    """The scope of the token the session signed in with (not of other tokens of the same name)."""
    s = _session(request)
    return s.scope if s is not None else None


def _cross_site(request: Request) -> Response | None:
    """A 403 for a form posted from another origin (CSRF), on top of the SameSite=Strict cookie.

    Browsers send ``Origin`` (and ``Sec-Fetch-Site``) with every form post; a post whose
    origin is not this server's is refused. Clients that send neither (curl, tests) pass.
    """
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if (site is not None and site not in ("same-origin", "none")) or (origin is not None and origin != own):
        return HTMLResponse("Refused: this form was posted from another site (cross-site request).", status_code=403)
    return None


def _write(request: Request, account_id: str, what: str, call: Any, form: str, needs: str = "write",
           owned: tuple[str, str] | None = None) -> Response:
    """Run a ledger write as the signed-in user; a rejected one is shown next to ``form`` (its id),
    and the page opens there (``#form-error``), so the message is in view without scrolling.

    ``needs`` is the token scope the write takes (``admin`` for success plans, as in the API);
    ``owned`` is an ``(kind, id)`` (``contact`` or ``outcome``) that must belong to ``account_id``.
    """
    if (refused := _cross_site(request)) is not None:
        return refused
    user = _user(request)
    page = f"/accounts/{account_id}"
    if user is None:
        return RedirectResponse(f"/signin?next={page}", status_code=303)
    from goldpath.api.auth import allows  # token scopes: a read-only token never writes

    scope = _session_scope(request)
    if not allows(scope, needs):  # shown at the top: the page has no form this token may use
        _flash(request, "error", f"{what}: not saved. You signed in with a token of scope {scope}; "
                                 f"this write needs scope {needs}" + (" or admin." if needs == "write" else "."))
        return RedirectResponse(page, status_code=303)
    with _workspace(request) as ws:
        before = _tier_of(ws, account_id)
        try:
            if owned is not None:
                _belongs(ws, account_id, *owned)
            call(ws, user)
        except (GoldpathError, ValueError) as exc:
            sid = request.cookies.get(SESSION_COOKIE) or ""
            _web(request).form_errors[sid] = (form, f"{what}: not saved. {exc}")
            return RedirectResponse(page + "#form-error", status_code=303)
        after = _tier_of(ws, account_id)
        done = ws.last_rescore
    change = f"tier {charts.tier_label(before)} -> {charts.tier_label(after)}" if before != after else \
        f"tier stays {charts.tier_label(after)}"
    _flash(request, "ok", f"{what}: saved by {user}; {_rescored(done)}, {change} on the latest date.")
    return RedirectResponse(page, status_code=303)


def _belongs(ws: Workspace, account_id: str, kind: str, item: str) -> None:
    """:class:`NotFoundError` unless contact or outcome ``item`` is one of ``account_id``'s."""
    from goldpath.errors import NotFoundError

    ws._account_row(account_id)  # an unknown account first
    ledger = ws.ledger(account_id)
    if item not in set(ledger[f"{kind}s"][f"{kind}_id"]):
        raise NotFoundError(f"{kind}_id", f"{kind} {item!r} is not one of {account_id}'s {kind}s")


def _rescored(done: dict | None) -> str:
    """What a write re-scored, from ``Workspace.last_rescore``: the dates, and tier changes on earlier ones."""
    if not done or not done["dates"]:
        return "nothing was re-scored (it changes no score on its own)"
    dates = done["dates"]
    what = f"{dates[0]} was re-scored" if len(dates) == 1 else f"{len(dates)} stored dates ({dates[0]} to {dates[-1]}) were re-scored"
    latest = max(dates)
    earlier = [c for c in done["tier_changes"] if c["as_of"] != latest]
    if earlier:
        what += f" ({len(earlier)} tier change(s) on earlier dates: see the audit log)"
    return what


def _tier_of(ws: Workspace, account_id: str) -> str:
    s = ws.scores()
    row = s[s["account_id"] == account_id]
    return str(row["tier"].iloc[0]) if len(row) else "-"


def _opt(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


@router.post("/accounts/{account_id}/contacts")
def add_contact(request: Request, account_id: str, name: str = Form(...), role: str = Form(...),
                joined: str = Form("")) -> Response:
    return _write(request, account_id, f"Contact {name} ({role})",
                  lambda ws, user: ws.add_contact(account_id, name.strip(), role, joined=_opt(joined), author=user),
                  "contact-form")


@router.post("/accounts/{account_id}/contacts/{contact_id}/left")
def contact_left(request: Request, account_id: str, contact_id: str, left: str = Form(...)) -> Response:
    return _write(request, account_id, f"Contact {contact_id} left on {left}",
                  lambda ws, user: ws.mark_contact_left(contact_id, left, author=user), "contacts",
                  owned=("contact", contact_id))


@router.post("/accounts/{account_id}/acknowledgements")
def acknowledge(request: Request, account_id: str, outcome_id: str = Form(...), contact_id: str = Form(...),
                date: str = Form(...), statement: str = Form("")) -> Response:
    return _write(request, account_id, f"Acknowledgement of {outcome_id} by {contact_id}",
                  lambda ws, user: ws.record_acknowledgement(outcome_id, contact_id, date, statement=_opt(statement),
                                                             author=user), "ack-form", owned=("outcome", outcome_id))


def _number(field: str, text: str) -> float | None:
    from goldpath.errors import InputError

    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(field, f"expected a number (got {text!r})") from None


@router.post("/accounts/{account_id}/outcomes")
def add_outcome(request: Request, account_id: str, title: str = Form(...), metric: str = Form(...),
                baseline: str = Form(...), target: str = Form(...), defined_at: str = Form(...),
                achieved: str = Form(""), achieved_at: str = Form(""), annual_value: str = Form(""),
                cost: str = Form("")) -> Response:
    return _write(request, account_id, f"Outcome '{title}'", lambda ws, user: ws.add_outcome(
        account_id, title, metric, _number("baseline", baseline), _number("target", target), defined_at,
        achieved=_number("achieved", achieved), achieved_at=_opt(achieved_at),
        annual_value=_number("annual_value", annual_value), cost=_number("cost", cost), author=user), "outcome-form")


@router.post("/accounts/{account_id}/outcomes/{outcome_id}/achievement")
def record_achievement(request: Request, account_id: str, outcome_id: str, achieved: str = Form(...),
                       achieved_at: str = Form(...)) -> Response:
    return _write(request, account_id, f"Measured value of {outcome_id}", lambda ws, user: ws.record_achievement(
        outcome_id, _number("achieved", achieved), achieved_at, author=user), "achievement-form",
        owned=("outcome", outcome_id))


def _version(text: str) -> int | None:
    from goldpath.errors import InputError

    text = (text or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        raise InputError("version", f"expected a whole number (got {text!r})")
    return int(text)


@router.post("/accounts/{account_id}/success-plan")
def set_success_plan(request: Request, account_id: str, processes: str = Form(...), metric: str = Form(...),
                     baseline: str = Form(...), target: str = Form(...), closed_on: str = Form(...),
                     title: str = Form(""), annual_value: str = Form(""), version: str = Form("")) -> Response:
    def call(ws: Workspace, user: str) -> None:
        from goldpath.errors import InputError

        scope: dict[str, float | None] = {}
        for line in processes.replace(";", "\n").splitlines():
            if line.strip():
                name, sep, crit = line.partition(":")
                if not sep:
                    raise InputError("processes", f"expected 'process: criticality' per line (got {line.strip()!r})")
                scope[name.strip()] = _number(f"processes.{name.strip()}", crit)
        ws.set_success_plan(account_id, scope, metric, _number("baseline", baseline), _number("target", target),
                            closed_on, title=_opt(title), annual_value=_number("annual_value", annual_value),
                            author=user, expected_version=_version(version))

    return _write(request, account_id, "Success plan", call, "plan-form", needs="admin")
