"""Test support shared by tests and benchmarks: data paths and a deterministic fake embedder."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistent.embed import normalize
from assistent.errors import EmbedderError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
MINI = FIXTURES / "kennisbank_mini"


def a_place(place_id: str, naam: str, beschrijving: str = "Tekst.", **fields: object) -> Any:
    """A valid landelijke voorziening with one phone number, for tests that need one entry."""
    from assistent.kennisbank import Voorziening

    values = {"soort": "welzijn", "onderwerpen": ["opvoeden"], **fields}
    return Voorziening(
        id=place_id,
        naam=naam,
        landelijk=True,
        contact={"telefoon": "010-1234567"},
        beschrijving=beschrijving,
        **values,
    )


def mini_with(folder: Path, files: dict[str, str]) -> Path:
    """A copy of the mini kennisbank in ``folder``/kb with extra files in testdorp/."""
    import shutil

    kennisbank = folder / "kb"
    shutil.copytree(MINI, kennisbank)
    for name, text in files.items():
        (kennisbank / "testdorp" / name).write_text(text, encoding="utf-8")
    return kennisbank


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
            raise EmbedderError("nep-model faalt expres")
        self.calls += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalize(np.stack([self._vector(t) for t in texts]))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)
