"""Shared fixtures: a deterministic fake embedder and data paths pointed at a temp dir."""

from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistent.config import Settings
from assistent.embed import normalize

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


class FakeEmbedder:
    """Deterministic bag-of-character-trigrams embedder: similar spelling, similar vector.

    Fast and model-free, so unit tests check the plumbing (index, cache, ranking, swap)
    without the real model. ``calls`` counts embedded texts, to test the cache.
    """

    backend = "fake"
    model = "fake-trigram-256"
    dim = 256

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False

    def _vector(self, text: str) -> np.ndarray:
        text = unicodedata.normalize("NFKD", text.lower())
        text = "".join(c for c in text if not unicodedata.combining(c))
        vec = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text):
            padded = f" {word} "
            for i in range(len(padded) - 2):
                h = hashlib.blake2b(padded[i : i + 3].encode(), digest_size=4).digest()
                vec[int.from_bytes(h, "little") % self.dim] += 1.0
        return vec

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        if self.fail:
            from assistent.errors import EmbedderError

            raise EmbedderError("nep-model faalt expres")
        self.calls += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalize(np.stack([self._vector(t) for t in texts]))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(autouse=True)
def _isolated_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every data path at a temp dir, and ignore the developer's own .env and settings."""
    for name in list(__import__("os").environ):
        if name.startswith("ASSISTENT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTENT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSISTENT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTENT_KENNISBANK", str(ROOT / "kennisbank"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


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
