"""The test suite's own set-up: `make test` runs two xdist workers, the model tests on one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

PYTEST = [sys.executable, "-m", "pytest"]
CONFTEST = """
import pytest
from tests.support.groups import group_model_tests

@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    group_model_tests(config, items)
"""

MODEL_TESTS = """
import os, pytest
pytestmark = pytest.mark.model

@pytest.mark.parametrize("n", range(4))
def test_with_the_model(n, request):
    with open(os.environ["WORKERS_LOG"], "a") as log:
        log.write(f"{os.environ['PYTEST_XDIST_WORKER']} {request.node.nodeid}\\n")
"""

OTHER_TESTS = """
import time

def test_one():
    time.sleep(0.2)

def test_two():
    time.sleep(0.2)
"""


def test_the_model_tests_run_on_one_xdist_worker(tmp_path: Path) -> None:
    """They share the trained models; on two workers one trained while the other waited (xdist
    3.8's own groups are ignored by pytest 9)."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "tests" / "test_model.py").write_text(MODEL_TESTS, encoding="utf-8")
    (tmp_path / "tests" / "test_other.py").write_text(OTHER_TESTS, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers = model: m\n", encoding="utf-8")
    log = tmp_path / "workers.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env |= {"PYTHONPATH": str(ROOT), "WORKERS_LOG": str(log)}
    done = subprocess.run(
        [*PYTEST, "-q", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = log.read_text(encoding="utf-8").split("\n")[:-1]
    assert len(lines) == 4
    assert len({line.split()[0] for line in lines}) == 1, lines  # one worker
    assert all(line.endswith("@model") for line in lines)
