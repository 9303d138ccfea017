"""Adapters: map well-known exports onto the data contract."""

from __future__ import annotations

from pathlib import Path

import yaml


#: Tier rules every adapter's model starts from.
TIERS = """\
tiers:
  default:
    - {tier: green, when: {engagement: {min: 60}, indispensability: {min: 60}}}
    - {tier: yellow, when: {engagement: {min: 35}, indispensability: {min: 35}}}
    - {tier: red}
"""

#: The contract tables every adapter writes, as goldpath.yaml sources.
SOURCES = """\
model: model.yaml
sources:
  accounts: data/accounts.csv
  events: data/events.csv
  process_features: data/process_features.csv
  process_criticality: data/process_criticality.csv
  signals: data/signals.csv
  renewals: data/renewals.csv
"""


def write_config(out: Path, header: str, name: str, notes: list[str]) -> None:
    """Write an adapter's ``goldpath.yaml`` with the source's known defects as ``notes`` (for ``check``)."""
    text = header + f"name: {name}\n" + SOURCES + "# Known defects of the source, repeated by `goldpath check`:\n"
    text += yaml.safe_dump({"notes": notes}, sort_keys=False, allow_unicode=True, width=1000)
    (Path(out) / "goldpath.yaml").write_text(text, encoding="utf-8")
