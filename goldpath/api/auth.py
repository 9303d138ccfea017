"""API tokens: ``GOLDPATH_API_TOKENS="name:token,name2:token2"``; a token's name is the author of its writes."""

from __future__ import annotations

import hmac
import os

ENV = "GOLDPATH_API_TOKENS"


def tokens(text: str | None = None) -> dict[str, str]:
    """Token -> name, from ``text`` or the environment (entries without a name or token are ignored)."""
    text = os.environ.get(ENV, "") if text is None else text
    out: dict[str, str] = {}
    for entry in text.split(","):
        name, sep, token = entry.strip().partition(":")
        if sep and name.strip() and token.strip():
            out[token.strip()] = name.strip()
    return out


def resolve_token(token: str | None) -> str | None:
    """The name of ``token``, or None when it is not a configured token (compared in constant time)."""
    if not token:
        return None
    found = None
    for known, name in tokens().items():
        if hmac.compare_digest(known.encode(), token.encode()):
            found = name
    return found
