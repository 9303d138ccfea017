"""One backtest cache per server, shared by the REST API and the dashboard.

A backtest scores every renewal ``lead`` days before its date (about a minute on the
example), so the server computes each one once, in a background thread with its own
connection (pages and the API stay usable meanwhile), and keeps it per key: lead, claim,
model version and the latest scored date. App writes re-score stored dates, so every
snapshot write through the server clears the cache (:meth:`BacktestCache.invalidate`, which
``create_app`` registers in ``Workspace.on_scores_written``).

Use :func:`backtests` to get the app's cache: the dashboard polls :meth:`BacktestCache.slot`
(``status`` running / done / error), the API waits with :meth:`BacktestCache.result`.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from goldpath.errors import GoldpathError
from goldpath.store import snapshots
from goldpath.workspace import Workspace


class BacktestCache:
    """Backtest reports by (lead, claim, model version, latest scored date).

    Each entry is a slot dict: ``status`` (``running``, ``done`` or ``error``), ``report``
    (a :class:`~goldpath.insights.backtest.BacktestReport`) when done, ``error`` (text),
    ``started`` (monotonic) and ``seconds``, plus ``lead`` and ``claim``.
    """

    def __init__(self) -> None:
        self._slots: dict[tuple, dict] = {}
        self._guard = threading.Lock()
        self.generation = 0  # bumped by every invalidation (a running job's slot is dropped, not reused)

    def key(self, ws: Workspace, lead: str, claim: float) -> tuple:
        """The cache key of a backtest on ``ws`` (call it under the workspace's lock)."""
        return (str(lead), float(claim), ws.model.version, snapshots.latest_as_of(ws.con))

    def slot(self, ws: Workspace, lead: str, claim: float = 0.9) -> dict:
        """The slot of this backtest, its computation started in the background on first request
        (and again after an error). Takes the workspace's lock briefly."""
        with ws.lock:
            key, root = self.key(ws, lead, claim), ws.root
        with self._guard:
            slot = self._slots.get(key)
            if slot is None or slot["status"] == "error":
                slot = self._slots[key] = {"status": "running", "started": time.monotonic(), "lead": lead,
                                           "claim": claim, "done": threading.Event()}
                threading.Thread(target=self._run, args=(root, lead, claim, slot), daemon=True,
                                 name="goldpath-backtest").start()
        return slot

    def result(self, ws: Workspace, lead: str, claim: float = 0.9, timeout: float | None = None) -> dict:
        """The finished slot of this backtest, computing it first if needed (blocks up to ``timeout``).

        Raises :class:`~goldpath.errors.GoldpathError` with the computation's message when it failed.
        """
        slot = self.slot(ws, lead, claim)
        if not slot["done"].wait(timeout):
            raise GoldpathError(f"the backtest for lead {lead} is still running; ask again in a minute")
        if slot["status"] == "error":
            raise GoldpathError(slot["error"])
        return slot

    def invalidate(self) -> None:
        """Forget every cached backtest (after a write re-scored stored dates)."""
        with self._guard:
            self._slots.clear()
            self.generation += 1

    @staticmethod
    def _run(root: Path, lead: str, claim: float, slot: dict) -> None:
        try:
            with Workspace(root) as other:  # its own connection: the server's stays free
                slot["report"] = other.backtest(lead, claim)
            slot["status"] = "done"
        except Exception as exc:  # noqa: BLE001 - reported to the page or the API caller
            slot["status"], slot["error"] = "error", str(exc)
        slot["seconds"] = round(time.monotonic() - slot["started"], 1)
        slot["done"].set()


_GUARD = threading.Lock()


def backtests(state: Any) -> BacktestCache:
    """The backtest cache of an app (``request.app.state``), created on first use."""
    cache = getattr(state, "backtests", None)
    if not isinstance(cache, BacktestCache):
        with _GUARD:
            cache = getattr(state, "backtests", None)
            if not isinstance(cache, BacktestCache):
                cache = state.backtests = BacktestCache()
    return cache
