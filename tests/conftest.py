"""Shared fixtures: data paths pointed at a temp dir, and the fake embedder from tests.support."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from assistent.cli import Environment, use_environment
from assistent.config import Settings
from tests.support import ROOT, FakeEmbedder


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the model tests as one xdist group. pytest 9 ignores these groups under xdist 3.8
    (xdist writes them to ``item._nodeid``), so today the model tests spread over both workers and
    the crisis model still trains once, under its lock; making the groups work was slower."""
    for item in items:
        if item.get_closest_marker("model") is not None:
            item.add_marker(pytest.mark.xdist_group(name="model"))


@pytest.fixture(autouse=True)
def _wide_cli() -> None:
    """The CLI writes to wide consoles, so long paths and messages stay on one line."""
    use_environment(
        Environment(
            stdout=Console(width=10_000, soft_wrap=True),
            stderr=Console(stderr=True, width=10_000, soft_wrap=True),
        )
    )


BACKGROUND_THREADS = ("dialoogmodel", "herlaad")


@pytest.fixture(autouse=True)
def _background_work_ends_with_its_test() -> Iterator[None]:
    """Background training (the dialogue model, a /herlaad rebuild) finishes inside its test.

    scikit-learn swaps the global warning filters while it fits; a fit still running in a
    later test would undo that test's filters, and an unrelated warning would fail it.
    """
    yield
    for thread in threading.enumerate():
        if thread.name in BACKGROUND_THREADS:
            thread.join(timeout=300)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def crisis_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the trained crisis classifier, shared by the whole session.

    Training takes about a minute per embedder; every test that opens an instance reuses it.
    The model is keyed by corpus and embedder, so tests never see a model of another kind.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return tmp_path_factory.mktemp("veiligheid")
    # under pytest-xdist: one folder for all workers of this run; training holds a lock on it
    shared = tmp_path_factory.getbasetemp().parent / "veiligheid"
    shared.mkdir(exist_ok=True)
    return shared


@pytest.fixture(autouse=True)
def _isolated_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crisis_model_dir: Path
) -> None:
    """Point every data path at a temp dir, and ignore the developer's own .env and settings."""
    for name in list(__import__("os").environ):
        if name.startswith("ASSISTENT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTENT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSISTENT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTENT_KENNISBANK", str(ROOT / "kennisbank"))
    monkeypatch.setenv("ASSISTENT_CRISIS_MODEL_DIR", str(crisis_model_dir))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # Warnings are errors here: opt in to PTB's timedelta API, or every RetryAfter (429) raises
    # PTB's deprecation warning. Python ignores that warning outside tests.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on the bundled demo kennisbank, with index and data in a temp dir."""
    return Settings(
        kennisbank=ROOT / "kennisbank",
        index_dir=tmp_path / "index",
        data_dir=tmp_path / "data",
    )


@pytest.fixture
def kennisbank_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled kennisbank."""
    target = tmp_path / "kb"
    shutil.copytree(ROOT / "kennisbank", target)
    return target
