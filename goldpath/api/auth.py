"""API tokens and the access rules of ``goldpath serve``.

Tokens are secrets and never live in ``goldpath.yaml``: the environment variable named by
``server.tokens_env`` (default ``GOLDPATH_API_TOKENS``) holds entries separated by commas,
each ``name:token`` or ``name:token:scope``, e.g.
``GOLDPATH_API_TOKENS="dana:4f9c...,ops:77ab...:admin,board:9e1d...:read"``. A token's name
is the author of its writes in the audit log. Tokens are compared in constant time.

Scopes, each including the one before (:data:`SCOPES`):

``read``
    reads only;
``write`` (the default of a ``name:token`` entry)
    also value-ledger writes (contacts, outcomes, measured values, acknowledgements, their
    retractions) and a rescore;
``admin``
    also overrides and success plans, which change tiers directly.

A token may contain ``:`` itself; the part after the last ``:`` is a scope only when it is
one of the scope names.

The API takes ``Authorization: Bearer <token>``. Writes always need a token with their
scope (403 otherwise); reads need one unless ``server.read_access: open``. The dashboard signs users in with the same tokens
(:func:`resolve_token`) and may register ``app.state.session_user(request) -> name | None``
so that a signed-in browser may also *read* the API; API writes need the bearer token
(a cookie alone never writes through the API, so no cross-site request can).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from typing import Callable

from fastapi import HTTPException, Request

from goldpath.config import ServerConfig

ENV = "GOLDPATH_API_TOKENS"
#: Token scopes, weakest first; each allows what the ones before it allow.
SCOPES = ("read", "write", "admin")


def token_scopes(text: str | None = None, env: str = ENV) -> dict[str, tuple[str, str]]:
    """Token -> (name, scope), from ``text`` or the environment variable ``env``.

    Entries are ``name:token`` (scope ``write``) or ``name:token:scope``; entries without a
    name or a token are ignored.
    """
    text = os.environ.get(env, "") if text is None else text
    out: dict[str, tuple[str, str]] = {}
    for entry in text.split(","):
        name, sep, token = entry.strip().partition(":")
        scope = "write"
        head, colon, tail = token.rpartition(":")
        if colon and tail.strip() in SCOPES:
            token, scope = head, tail.strip()
        if sep and name.strip() and token.strip():
            out[token.strip()] = (name.strip(), scope)
    return out


def tokens(text: str | None = None, env: str = ENV) -> dict[str, str]:
    """Token -> name (see :func:`token_scopes`)."""
    return {token: name for token, (name, _) in token_scopes(text, env).items()}


def resolve_identity(token: str | None, env: str = ENV) -> tuple[str, str] | None:
    """(name, scope) of ``token``, or None when it is not a configured token (compared in constant time)."""
    return resolve_digest(token_digest(token), env) if token else None


def token_digest(token: str) -> str:
    """SHA-256 of ``token``: what a dashboard session keeps instead of the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def resolve_digest(digest: str, env: str = ENV) -> tuple[str, str] | None:
    """(name, scope) of the configured token whose :func:`token_digest` is ``digest``, or None
    (a token removed from the environment since: its sessions end)."""
    found = None
    for known, who in token_scopes(env=env).items():  # no early exit: the time does not depend on the match
        if secrets.compare_digest(token_digest(known).encode(), digest.encode()):
            found = who
    return found


def resolve_token(token: str | None, env: str = ENV) -> str | None:
    """The name of ``token``, or None when it is not a configured token (compared in constant time)."""
    who = resolve_identity(token, env)
    return None if who is None else who[0]


def allows(scope: str | None, needed: str) -> bool:
    """Whether a token of ``scope`` may do what needs ``needed`` (``read``, ``write`` or ``admin``)."""
    return scope in SCOPES and SCOPES.index(scope) >= SCOPES.index(needed)


def scope_of(request: Request, name: str | None) -> str | None:
    """The scope of a signed-in user's name (the dashboard keeps names, not tokens): the
    strongest scope among the tokens with that name; None for an unknown name."""
    found = [scope for who, scope in token_scopes(env=server_config(request).tokens_env).values() if who == name]
    return max(found, key=SCOPES.index) if found else None


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


def _token_identity(request: Request) -> tuple[str, str] | None:
    """The caller's (name, scope) from a bearer token; None without one; 401 for a token that is not configured."""
    token = bearer_token(request)
    if token is None:
        return None
    who = resolve_identity(token, server_config(request).tokens_env)
    if who is None:
        raise _unauthorized("invalid token")
    return who


def _token_user(request: Request) -> str | None:
    who = _token_identity(request)
    return None if who is None else who[0]


def _require(request: Request, needed: str, what: str) -> str:
    who = _token_identity(request)
    if who is None:
        raise _unauthorized(f"a write needs a token: send 'Authorization: Bearer <token>' with a token from "
                            f"{server_config(request).tokens_env}")
    name, scope = who
    if not allows(scope, needed):
        raise HTTPException(status_code=403, detail=f"the token of {name} has scope {scope}; {what} needs scope "
                                                    f"{needed} or above (set it as name:token:{needed})")
    return name


def require_writer(request: Request) -> str:
    """FastAPI dependency for value-ledger writes: the name of a bearer token of scope ``write`` or
    ``admin`` (the audit log's author); 401 without a valid token, 403 for a ``read`` token."""
    return _require(request, "write", "a value-ledger write")


def require_admin(request: Request) -> str:
    """FastAPI dependency for overrides and success plans (they change tiers directly): a token of
    scope ``admin``; 401 without a valid token, 403 for a weaker one."""
    return _require(request, "admin", "an override or a success plan")


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
