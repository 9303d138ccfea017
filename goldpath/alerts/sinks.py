"""Alert sinks: an HTTP webhook (JSON POST, retried with backoff) and a JSON-lines file.

Sinks are configured in goldpath.yaml (a pydantic union discriminated on ``type``).
Delivery runs in a background thread after the scoring run has committed, so a slow or
failing endpoint never blocks or breaks scoring; what is not delivered stays pending in the
store and is retried by the next run (or ``goldpath alerts --send``).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field


class WebhookSink(BaseModel):
    """POST each alert as JSON to ``url``."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["webhook"]
    name: str = "webhook"
    url: str = Field(pattern=r"^https?://")
    timeout_seconds: float = Field(5.0, gt=0)
    retries: int = Field(3, ge=0, description="Retries after the first attempt.")
    backoff_seconds: float = Field(0.5, ge=0, description="First wait between attempts; doubles each retry.")
    headers: dict[str, str] = Field(default_factory=dict)


class JsonLinesSink(BaseModel):
    """Append each alert as one JSON line to ``path`` (relative to the workspace)."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["jsonl"]
    name: str = "jsonl"
    path: str = "alerts.jsonl"


SinkConfig = Annotated[Union[WebhookSink, JsonLinesSink], Field(discriminator="type")]


def send_webhook(sink: WebhookSink, payload: dict) -> tuple[bool, int, str | None]:
    """POST one alert, retrying with exponential backoff.

    Returns
    -------
    (delivered, attempts, last error)
    """
    body = json.dumps(payload, default=str).encode()
    headers = {"Content-Type": "application/json", **sink.headers}
    error = None
    for attempt in range(1, sink.retries + 2):
        req = urllib.request.Request(sink.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=sink.timeout_seconds) as resp:
                if 200 <= resp.status < 300:
                    return True, attempt, None
                error = f"HTTP {resp.status}"
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            # Includes answers that are not HTTP at all (BadStatusLine): a failed attempt.
            error = str(getattr(exc, "reason", exc)) or type(exc).__name__
        if attempt <= sink.retries:
            time.sleep(sink.backoff_seconds * 2 ** (attempt - 1))
    return False, sink.retries + 1, error


def write_jsonl(sink: JsonLinesSink, root: Path, payloads: list[dict]) -> None:
    """Append alerts to the sink's file."""
    path = Path(sink.path) if Path(sink.path).is_absolute() else root / sink.path
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        for p in payloads:
            fh.write(json.dumps(p, default=str, sort_keys=True) + "\n")


class Dispatcher:
    """Delivers pending alerts to webhooks in a background thread.

    ``results`` collects ``(alert_id, sink name, delivered, attempts, error)`` for the
    caller to record once the thread is done (or the wait runs out).
    """

    def __init__(self, work: list[tuple[WebhookSink, dict]]):
        self.results: list[tuple[str, str, bool, int, str | None]] = []
        self._work = work
        self._thread = threading.Thread(target=self._run, name="goldpath-alerts", daemon=True)

    def start(self) -> "Dispatcher":
        """Start delivering."""
        self._thread.start()
        return self

    def _run(self) -> None:
        for sink, payload in self._work:
            ok, attempts, error = send_webhook(sink, payload)
            self.results.append((payload["alert_id"], sink.name, ok, attempts, error))

    def in_flight(self) -> set[tuple[str, str]]:
        """``(alert_id, sink name)`` for every alert this dispatcher was given."""
        return {(payload["alert_id"], sink.name) for sink, payload in self._work}

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for delivery; True when every alert was attempted."""
        self._thread.join(seconds)
        return not self._thread.is_alive()
