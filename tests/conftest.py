"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "crm"


@pytest.fixture(scope="session")
def example_model_text() -> str:
    """The bundled example's model YAML."""
    return (EXAMPLE / "model.yaml").read_text()
