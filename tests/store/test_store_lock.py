"""The store held by another process (``goldpath serve``): a goldpath error naming the file and the PID."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from goldpath.engine.connection import DuckDBEngine, connect_store
from goldpath.errors import StoreInUseError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "crm"
HOLD = "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()"


@pytest.fixture
def held(tmp_path):
    """A second process holding the write lock of ``tmp_path/goldpath.duckdb`` until the test ends."""
    path = tmp_path / "goldpath.duckdb"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        yield path, proc.pid
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
        proc.stdout.close()


def test_a_held_store_is_a_goldpath_error_with_the_pid(held):
    path, pid = held
    with pytest.raises(StoreInUseError) as info:
        connect_store(DuckDBEngine(), path.parent)
    assert str(info.value) == (
        f"the workspace store {path} is in use by another process (PID {pid}, e.g. `goldpath serve`); "
        f"stop it, or use the dashboard/REST API while it runs"
    )


def test_a_cli_command_says_so_instead_of_a_traceback(held, tmp_path):
    path, pid = held
    for name in ("goldpath.yaml", "model.yaml"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    proc = subprocess.run([sys.executable, "-m", "goldpath", "audit", "-w", str(tmp_path)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COLUMNS": "300", "NO_COLOR": "1"})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "IOException" not in proc.stderr
    assert f"is in use by another process (PID {pid}, e.g. `goldpath serve`)" in " ".join(proc.stderr.split())
