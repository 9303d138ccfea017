"""``/docs``: the API reference, rendered on the server from the app's OpenAPI schema.

FastAPI's interactive docs load Swagger UI from a CDN, so they are blank offline and make
an external request; goldpath promises neither. This page is plain HTML with inline CSS, no
script and no external URL: every operation (method, path, summary, description, who may
call it, parameters, request body, responses) and every schema (properties, types, required,
constraints, examples), linked to each other. ``/openapi.json`` stays the machine-readable
source for client generators.
"""

from __future__ import annotations

import html
import json

from fastapi import FastAPI
from fastapi.routing import APIRoute

from goldpath.api.auth import require_admin, require_reader, require_writer

ACCESS = {
    require_reader: "read: a token of any scope (none where server.read_access is open)",
    require_writer: "write: a token of scope write or admin",
    require_admin: "admin: a token of scope admin",
}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;
color:#1d2330;line-height:1.45}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #e3e6ec;padding-bottom:.3rem;margin-top:2.5rem}
h3{margin:2rem 0 .4rem;font-family:ui-monospace,Menlo,monospace;font-size:1.05rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;font-size:.92rem}
th,td{border:1px solid #e3e6ec;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f6f9}code,.m{font-family:ui-monospace,Menlo,monospace}
.m{font-weight:700;display:inline-block;min-width:4.2rem}.get{color:#1565c0}.post{color:#2e7d32}
.put{color:#8d6e00}.delete{color:#c62828}.access{color:#5b6473;font-size:.9rem}.op{border-top:1px solid #e3e6ec}
pre{background:#f5f6f9;padding:.6rem;overflow:auto;white-space:pre-wrap}
"""


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text))


def _access(route: APIRoute) -> str:
    """Who may call a route: from the auth dependencies it declares."""
    stack, found = list(route.dependant.dependencies), []
    while stack:
        dep = stack.pop()
        if dep.call in ACCESS:
            found.append(ACCESS[dep.call])
        stack.extend(dep.dependencies)
    return "; ".join(sorted(set(found))) or "open"


def _type(schema: dict | None) -> str:
    """A schema as short HTML text: ``string (date)``, ``array of <a>Thing</a>``, ``'a' | 'b'``..."""
    if not schema:
        return "any"
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f'<a href="#schema-{_e(name)}">{_e(name)}</a>'
    if "enum" in schema:
        return " | ".join(f"<code>{_e(json.dumps(v))}</code>" for v in schema["enum"])
    if "const" in schema:
        return f"<code>{_e(json.dumps(schema['const']))}</code>"
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return " | ".join(_type(s) for s in schema[key])
    kind = schema.get("type", "object")
    if kind == "array":
        return f"array of {_type(schema.get('items'))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {_type(schema['additionalProperties'])}"
    fmt = f" ({_e(schema['format'])})" if "format" in schema else ""
    return f"{_e(kind)}{fmt}"


def _constraints(schema: dict) -> str:
    words = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<",
             "minLength": "min length", "maxLength": "max length", "minItems": "min items",
             "minProperties": "min entries"}
    parts = [f"{words[k]} {schema[k]}" for k in words if k in schema]
    for sub in schema.get("anyOf", []):
        parts += [f"{words[k]} {sub[k]}" for k in words if k in sub]
    if "default" in schema and schema["default"] is not None:
        parts.append(f"default {json.dumps(schema['default'])}")
    if schema.get("examples"):
        parts.append(f"e.g. {json.dumps(schema['examples'][0])}")
    return _e(", ".join(parts))


def _parameters(op: dict) -> str:
    params = op.get("parameters", [])
    if not params:
        return ""
    rows = "".join(
        f"<tr><td><code>{_e(p['name'])}</code></td><td>{_e(p['in'])}</td><td>{_type(p.get('schema'))}</td>"
        f"<td>{'yes' if p.get('required') else 'no'}</td>"
        f"<td>{_e(p.get('description') or p.get('schema', {}).get('description', ''))} {_constraints(p.get('schema', {}))}</td></tr>"
        for p in params
    )
    return ("<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>required</th><th>notes</th></tr>"
            f"{rows}</table>")


def _body(op: dict) -> str:
    body = op.get("requestBody")
    if not body:
        return ""
    content = body.get("content", {})
    parts = [f"<code>{_e(mime)}</code>: {_type(c.get('schema'))}" for mime, c in content.items()]
    return f"<h4>Request body{' (required)' if body.get('required') else ''}</h4><p>{'<br>'.join(parts)}</p>"


def _responses(op: dict) -> str:
    rows = []
    for code, r in op.get("responses", {}).items():
        schema = next(iter(r.get("content", {}).values()), {}).get("schema")
        rows.append(f"<tr><td>{_e(code)}</td><td>{_e(r.get('description'))}</td><td>{_type(schema) if schema else '-'}</td></tr>")
    return ("<h4>Responses</h4><table><tr><th>status</th><th>meaning</th><th>body</th></tr>" + "".join(rows) + "</table>")


def _schema(name: str, schema: dict) -> str:
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    rows = "".join(
        f"<tr><td><code>{_e(k)}</code></td><td>{_type(v)}</td><td>{'yes' if k in required else 'no'}</td>"
        f"<td>{_e(v.get('description', ''))} {_constraints(v)}</td></tr>"
        for k, v in props.items()
    )
    extra = " Other fields are refused." if schema.get("additionalProperties") is False else ""
    table = ("<table><tr><th>field</th><th>type</th><th>required</th><th>notes</th></tr>" + rows + "</table>") if rows else ""
    return (f'<h3 id="schema-{_e(name)}">{_e(name)}</h3><p>{_e(schema.get("description", ""))}{_e(extra)}</p>{table}')


def render(app: FastAPI, routes: list) -> str:
    """The reference page of ``app`` (HTML, self-contained); ``routes``: the API's routes (the
    ``goldpath.api.routes`` router's), whose auth dependencies say who may call each."""
    spec = app.openapi()
    access = {}
    for route in routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in route.methods:
                access[(method.lower(), route.path_format)] = _access(route)
    ops = [(path, method, op) for path, item in spec.get("paths", {}).items() for method, op in item.items()]
    index = "".join(
        f'<tr><td><span class="m {m}">{m.upper()}</span></td><td><a href="#op-{m}-{_e(p)}"><code>{_e(p)}</code></a></td>'
        f"<td>{_e(op.get('summary'))}</td><td class=access>{_e(access.get((m, p), 'open').split(':')[0])}</td></tr>"
        for p, m, op in ops
    )
    sections = "".join(
        f'<div class=op><h3 id="op-{m}-{_e(p)}"><span class="m {m}">{m.upper()}</span> {_e(p)}</h3>'
        f"<p><b>{_e(op.get('summary'))}</b></p><pre>{_e(op.get('description', '')).strip()}</pre>"
        f"<p class=access>Access: {_e(access.get((m, p), 'open'))}</p>"
        f"{_parameters(op)}{_body(op)}{_responses(op)}</div>"
        for p, m, op in ops
    )
    schemas = "".join(_schema(n, s) for n, s in sorted(spec.get("components", {}).get("schemas", {}).items()))
    info = spec.get("info", {})
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(info.get('title'))} API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body><h1>{_e(info.get('title'))} API reference</h1><p>version {_e(info.get('version'))} ·
<a href="/openapi.json">openapi.json</a> (for client generators)</p>
<p>{_e(info.get('description'))}</p>
<h2>Authentication</h2>
<p>Send <code>Authorization: Bearer &lt;token&gt;</code>. Tokens come from the environment variable named by
<code>server.tokens_env</code> (default <code>GOLDPATH_API_TOKENS</code>): <code>name:token</code> (scope write) or
<code>name:token:scope</code> with scope <code>read</code> (reads only), <code>write</code> (value-ledger writes)
or <code>admin</code> (also overrides and success plans). 401: no valid token; 403: the token's scope is too weak;
404: an unknown id in the path; 409: the write conflicts with what is stored; 422: bad input, with
<code>detail[].loc</code> naming the field.</p>
<h2>Operations</h2><table><tr><th>method</th><th>path</th><th>summary</th><th>access</th></tr>{index}</table>
{sections}
<h2>Schemas</h2>{schemas}
</body></html>"""
