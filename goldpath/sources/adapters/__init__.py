"""Adapters: map well-known exports onto the data contract."""

from __future__ import annotations

from pathlib import Path

import yaml


def write_config(out: Path, config: str, notes: list[str]) -> None:
    """Write an adapter's ``goldpath.yaml`` with the source's known defects as ``notes`` (for ``check``)."""
    text = config + "# Known defects of the source, repeated by `goldpath check`:\n"
    text += yaml.safe_dump({"notes": notes}, sort_keys=False, allow_unicode=True, width=1000)
    (Path(out) / "goldpath.yaml").write_text(text, encoding="utf-8")
