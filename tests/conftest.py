"""Shared fixtures: the bundled example, and the demo workspace built once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "crm"


@pytest.fixture(scope="session")
def example_model_text() -> str:
    """The bundled example's model YAML."""
    return (EXAMPLE / "model.yaml").read_text()


@pytest.fixture(scope="session")
def demo_workspace_path(tmp_path_factory) -> Path:
    """The example workspace as `goldpath demo` builds it (weekly 2022 history, then 2022-12-31), built once.

    Read-only: never open it for writing (nor hold it open), copy it with :func:`copy_demo` instead.
    """
    from typer.testing import CliRunner

    from goldpath.cli import app as cli_app

    path = tmp_path_factory.mktemp("demo-workspace") / "ws"
    result = CliRunner().invoke(cli_app, ["demo", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="session")
def copy_demo(demo_workspace_path) -> Callable[[Path], Path]:
    """``copy_demo(tmp_path)``: a private, writable copy of the built demo workspace in ``tmp_path / "ws"``
    (or at ``dest`` when it does not exist yet and is not a folder: ``copy_demo(tmp_path / "name")``)."""

    def copy(dest: Path) -> Path:
        target = dest / "ws" if dest.is_dir() else dest
        shutil.copytree(demo_workspace_path, target)
        return target

    return copy
