"""The data-contract document is generated from the specs and must stay in step."""

from __future__ import annotations

from pathlib import Path

from goldpath.contract.docs import render
from goldpath.contract.tables import TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-contract.md"


def test_doc_is_up_to_date():
    assert DOC.read_text() == render(), "docs/data-contract.md is stale: run `make docs`"


def test_every_column_is_documented():
    text = DOC.read_text()
    for table in TABLES.values():
        assert f"## `{table.name}`" in text
        for col in table.columns:
            assert f"| `{col.name}` |" in text
