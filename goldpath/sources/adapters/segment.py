"""Segment-style event streams: JSON lines of ``track`` calls, as product analytics tools export them.

Each line is one call such as
``{"type": "track", "event": "Report Built", "userId": "u1", "context": {"groupId": "acme"},
"timestamp": "2022-03-01T10:00:00Z", "messageId": "m-1", "properties": {"revenue": 10}}``.
It maps to the events contract: ``groupId`` (or ``context.groupId``) is the account,
``userId`` (or ``anonymousId``) the user, ``event`` the feature, ``messageId`` the event id,
``properties.quantity`` and ``properties.revenue`` (or ``properties.value``) quantity and value.
Lines that are not JSON, or not ``track`` calls, are kept aside as malformed rows with the
reason; validation then checks the mapped values like any other source.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa

from goldpath.errors import SourceError
from goldpath.sources.readers import ROW, RawTable, strip_text

COLUMNS = ["account_id", "user_id", "feature", "timestamp", "event_id", "quantity", "value"]


def _text(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def map_call(call: dict) -> dict[str, str | None]:
    """One track call as contract event columns (text, validated later)."""
    context = call.get("context") if isinstance(call.get("context"), dict) else {}
    props = call.get("properties") if isinstance(call.get("properties"), dict) else {}
    value = props.get("revenue", props.get("value"))
    return {
        "account_id": _text(call.get("groupId") or context.get("groupId")),
        "user_id": _text(call.get("userId") or call.get("anonymousId")),
        "feature": _text(call.get("event")),
        "timestamp": _text(call.get("timestamp") or call.get("originalTimestamp")),
        "event_id": _text(call.get("messageId")),
        "quantity": _text(props.get("quantity")),
        "value": _text(value),
    }


def read_segment_jsonl(path: Path, label: str) -> RawTable:
    """Read a (gzipped) JSON-lines file of Segment track calls as raw event columns."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    rows: dict[str, list] = {c: [] for c in COLUMNS}
    numbers: list[int] = []
    malformed: list[tuple[int, str]] = []
    try:
        with opener(path, "rt", encoding="utf-8", errors="strict") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    call = json.loads(line)
                except json.JSONDecodeError as exc:
                    malformed.append((number, f"not valid JSON ({exc.msg} at column {exc.colno})"))
                    continue
                if not isinstance(call, dict):
                    malformed.append((number, "expected a JSON object per line"))
                    continue
                kind = call.get("type", "track")
                if kind != "track":
                    malformed.append((number, f"not a track call (type {kind!r}): not an event"))
                    continue
                for col, val in map_call(call).items():
                    rows[col].append(val)
                numbers.append(number)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise SourceError(label, f"cannot be read as JSON lines: {exc}") from exc
    if not numbers and not malformed:
        raise SourceError(label, "no track calls found (the file is empty)")
    table = pa.table({c: pa.array(rows[c], pa.string()) for c in COLUMNS})
    table = strip_text(table).append_column(ROW, pa.array(numbers, pa.int64()))
    return RawTable(label, table, malformed)
