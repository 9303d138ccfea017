"""The server app: the REST API (``/api/v1``, OpenAPI at ``/openapi.json``, a server-rendered
reference at ``/docs``: no CDN, see goldpath.api.docs) and the web dashboard (goldpath.web) on
one FastAPI app.

One server process owns the workspace: it holds one Workspace (one DuckDB connection, and
DuckDB lets one process write a database file), and every request uses it under its lock,
one at a time. Run one ``goldpath serve`` per workspace; stop it before running CLI commands
that write to the same store.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import math

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError

from goldpath.config import ServerConfig
from goldpath.errors import ConfigError
from goldpath.workspace import Workspace


def _version() -> str:
    try:
        return version("goldpath")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


def create_app(workspace_path: str | Path, settings: dict | None = None) -> FastAPI:
    """A FastAPI app on the workspace at ``workspace_path``: the REST API and the dashboard's pages.

    Parameters
    ----------
    workspace_path
        Folder holding ``goldpath.yaml``; its ``server:`` section sets who may read.
    settings
        Overrides of the ``server:`` section (``read_access``, ``tokens_env``), e.g. for tests.

    ``app.state.workspace`` is the Workspace, ``app.state.lock`` its lock (one DuckDB
    connection: requests use it one at a time), ``app.state.server`` the access settings and
    ``app.state.backtests`` the backtest cache the API and the dashboard share (goldpath.api.cache).
    """
    from goldpath.api import docs
    from goldpath.api.cache import backtests
    from goldpath.api.routes import router as api

    ws = Workspace(workspace_path)
    try:
        server = ServerConfig.model_validate({**ws.config.server.model_dump(), **dict(settings or {})})
    except ValidationError as exc:
        raise ConfigError(f"server settings: {exc.errors()[0]['msg']}") from exc

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        yield
        with ws.lock:
            ws.close()

    app = FastAPI(
        title="goldpath", version=_version(), lifespan=lifespan, docs_url=None, redoc_url=None,
        description="Customer health: Engagement and Indispensability, Red/Yellow/Green tiers and GOLD as "
                    "evidence. Reads and writes under /api/v1; writes need `Authorization: Bearer <token>`.",
    )
    app.state.workspace = ws
    app.state.lock = ws.lock
    app.state.settings = dict(settings or {})
    app.state.server = server
    cache = backtests(app.state)
    ws.on_scores_written.append(cache.invalidate)  # app writes re-score stored dates: backtests change
    app.include_router(api)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        """FastAPI's 422, with inputs JSON cannot carry (NaN, infinities) echoed as text."""
        return JSONResponse(status_code=422, content={"detail": jsonable_encoder(_json_safe(exc.errors()))})

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def reference(request: Request) -> HTMLResponse:
        """The API reference, rendered from ``app.openapi()`` (no script, no external request)."""
        return HTMLResponse(docs.render(request.app, api.routes))

    try:
        from goldpath.web.pages import router as pages
    except ImportError:  # pragma: no cover - the API without the dashboard
        pages = None
    if pages is not None:
        app.include_router(pages)
    return app


def _json_safe(value: object) -> object:
    """``value`` with every non-finite float replaced by its text (``nan``, ``inf``)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value
