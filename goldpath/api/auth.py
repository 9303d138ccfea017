"""API tokens and the access rules of ``goldpath serve``.

Tokens are secrets and never live in ``goldpath.yaml``: the environment variable named by
``server.tokens_env`` (default ``GOLDPATH_API_TOKENS``) holds ``name:token`` pairs separated
by commas, e.g. ``GOLDPATH_API_TOKENS="dana:4f9c...,ops:77ab..."``. A token's name is the
author of its writes in the audit log. Tokens are compared in constant time.

The API takes ``Authorization: Bearer <token>``. Writes always need a token; reads need one
unless ``server.read_access: open``. The dashboard signs users in with the same tokens
(:func:`resolve_token`) and may register ``app.state.session_user(request) -> name | None``
so that a signed-in browser may also *read* the API; API writes need the bearer token
(a cookie alone never writes through the API, so no cross-site request can).
"""

from __future__ import annotations

import os
import secrets
from typing import Callable

from fastapi import HTTPException, Request

from goldpath.config import ServerConfig

ENV = "GOLDPATH_API_TOKENS"


def tokens(text: str | None = None, env: str = ENV) -> dict[str, str]:
    """Token -> name, from ``text`` or the environment variable ``env`` (entries without a name or token are ignored)."""
    text = os.environ.get(env, "") if text is None else text
    out: dict[str, str] = {}
    for entry in text.split(","):
        name, sep, token = entry.strip().partition(":")
        if sep and name.strip() and token.strip():
            out[token.strip()] = name.strip()
    return out


def resolve_token(token: str | None, env: str = ENV) -> str | None:
    """The name of ``token``, or None when it is not a configured token (compared in constant time)."""
    if not token:
        return None
    found = None
    for known, name in tokens(env=env).items():  # no early exit: the time does not depend on the match
        if secrets.compare_digest(known.encode(), token.encode()):
            found = name
    return found


def server_config(request: Request) -> ServerConfig:
    """The ``server:`` settings of the app's workspace (with ``create_app``'s overrides)."""
    return getattr(request.app.state, "server", None) or ServerConfig()


def name_for_token(request: Request, token: str | None) -> str | None:
    """:func:`resolve_token` with the app's ``tokens_env`` (for the dashboard's sign-in form)."""
    return resolve_token(token, server_config(request).tokens_env)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": 'Bearer realm="goldpath"'})


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header; None without the header."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("the Authorization header must be 'Bearer <token>'")
    return token.strip()


def _token_user(request: Request) -> str | None:
    """The caller's name from a bearer token; None without one; 401 for a token that is not configured."""
    token = bearer_token(request)
    if token is None:
        return None
    name = name_for_token(request, token)
    if name is None:
        raise _unauthorized("invalid token")
    return name


def require_writer(request: Request) -> str:
    """FastAPI dependency for writes: the name of a valid bearer token (the audit log's author), else 401."""
    name = _token_user(request)
    if name is None:
        raise _unauthorized(f"a write needs a token: send 'Authorization: Bearer <token>' with a token from "
                            f"{server_config(request).tokens_env}")
    return name


def require_reader(request: Request) -> str | None:
    """FastAPI dependency for reads: open to all with ``read_access: open``, else a token (or a dashboard session).

    A token that is sent must be valid, even where reads are open.
    """
    name = _token_user(request)
    if name is not None:
        return name
    session: Callable[[Request], str | None] | None = getattr(request.app.state, "session_user", None)
    name = session(request) if session is not None else None
    if name is not None or reads_open(request):
        return name
    raise _unauthorized("reads need a token on this server (server.read_access: token): send "
                        "'Authorization: Bearer <token>'")


def reads_open(request: Request) -> bool:
    """Whether anyone who reaches the server may read (``server.read_access: open``)."""
    return server_config(request).read_access == "open"
