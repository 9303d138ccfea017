"""Server-rendered dashboard pages, mounted by :func:`goldpath.api.app.create_app`.

Pages read the Workspace held by the app (``request.app.state``); they display what the
Workspace computed and never recompute a score.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
