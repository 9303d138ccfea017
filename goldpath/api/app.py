"""The server app: one Workspace per process, used under its lock by every request."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from goldpath.workspace import Workspace


def create_app(workspace_path: str | Path, settings: dict | None = None) -> FastAPI:
    """A FastAPI app on the workspace at ``workspace_path`` with the dashboard's pages.

    ``app.state.workspace`` is the Workspace and ``app.state.lock`` its lock (one DuckDB
    connection: requests use it one at a time).
    """
    from goldpath.web.pages import router as pages

    ws = Workspace(workspace_path)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        yield
        with ws.lock:
            ws.close()

    app = FastAPI(title="goldpath", lifespan=lifespan)
    app.state.workspace = ws
    app.state.lock = ws.lock
    app.state.settings = dict(settings or {})
    app.include_router(pages)
    return app
