"""Fixtures for the dashboard and report tests: the bundled example built once, copied per use."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():  # Starlette's TestClient warns about httpx on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


TOKENS = "dana:dana-secret-token:admin,ops:ops-token"


@pytest.fixture(scope="session")
def demo_built(demo_workspace_path) -> Path:
    """The example workspace as `goldpath demo` builds it (tests/conftest.py builds it once per session); never opened again."""
    return demo_workspace_path


def copy_workspace(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.fixture(scope="session")
def api_tokens() -> str:
    """``GOLDPATH_API_TOKENS`` for the tests' servers: dana and ops."""
    return TOKENS


@pytest.fixture(scope="module")
def demo_copy(demo_built, tmp_path_factory) -> Path:
    """A private copy of the built example for one test module."""
    return copy_workspace(demo_built, tmp_path_factory.mktemp("demo-copy") / "ws")


def make_app(path: Path, **settings):
    """The server app on a workspace (the REST API's app, which includes the dashboard's router)."""
    from goldpath.api.app import create_app

    return create_app(path, settings=settings or None)


@pytest.fixture(scope="module")
def web(demo_built, tmp_path_factory, monkeypatch_module):
    """A TestClient on a private copy of the example (writes do not leak between modules)."""
    monkeypatch_module.setenv("GOLDPATH_API_TOKENS", TOKENS)
    path = copy_workspace(demo_built, tmp_path_factory.mktemp("web") / "ws")
    application = make_app(path, read_access="open")  # test_pages checks the default (token) on its own
    with TestClient(application) as client:
        client.workspace_path = path
        yield client


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()
