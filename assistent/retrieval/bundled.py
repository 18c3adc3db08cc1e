"""Vectors shipped with the package for its own curated texts, so a first start embeds nothing.

The crisis corpus (messages and the sentences of the long ones), the question bank and the turn
examples are the package's own text, the same on every machine. Embedding them took minutes at
every first start and in every test run. ``data/vectoren/<embedder>.npz`` holds their vectors
for the default embedder, keyed like ``EmbeddingCache`` (the first 64 bits of its key), 8-bit
with a scale per vector (cosine to the model's own vector above 0.9999). A text that is not in
the file (the corpus changed since it was written) is embedded as before.

The file carries a few of its texts. At first use they are embedded afresh and compared: a
model that embeds differently (another version or quantisation under the same name) makes the
file unused, and everything is embedded as before. ``benchmarks/bundle_vectors.py`` writes it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import weakref
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from assistent.embed import Embedder

log = logging.getLogger(__name__)

DATA = Path(str(resources.files("assistent") / "data" / "vectoren"))
# the fresh embedding of each probe text must agree this well with the stored one
PROBE_COSINE = 0.995
# Kinds of embedded text. Voorbeeldvragen and users' messages are questions (e5 "query:"); any
# other kind is a passage.
KIND_QUESTION = "vraag"


def cache_key(kind: str, text: str) -> str:
    """The embedding cache's key of one text of one kind."""
    prefix = "q" if kind == KIND_QUESTION else "p"
    return hashlib.sha256(f"{prefix}\0{text}".encode()).hexdigest()


def cache_slug(embedder: Embedder) -> str:
    """The embedder as a file name: the embedding cache's and the bundled vectors'."""
    return re.sub(r"[^a-zA-Z0-9]+", "-", f"{embedder.backend}-{embedder.model}").strip("-")


def _prefix(key: str) -> int:
    return int(key[:16], 16)


class BundledVectors:
    """Finished vectors by cache key; ``load`` reads and checks a file, ``write`` makes one."""

    def __init__(self, prefixes: np.ndarray, codes: np.ndarray, scales: np.ndarray) -> None:
        self.rows = {int(p): i for i, p in enumerate(prefixes)}
        self.codes = codes
        self.scales = scales

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, key: str) -> np.ndarray | None:
        """The vector of one ``EmbeddingCache`` key, or None when the file does not have it."""
        row = self.rows.get(_prefix(key))
        if row is None:
            return None
        vector = self.codes[row].astype(np.float32) * self.scales[row]
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector  # an embedder's vectors have unit length

    @staticmethod
    def write(
        path: Path,
        keys: Sequence[str],
        vectors: np.ndarray,
        probes: Sequence[tuple[str, str]],
        embedder_id: str,
    ) -> None:
        """Write vectors (float, one row per key) and the (kind, text) probes checked at load."""
        vectors = np.asarray(vectors, np.float32)
        scales = np.abs(vectors).max(axis=1) / 127.0
        scales[scales == 0] = 1.0
        codes = np.round(vectors / scales[:, None]).astype(np.int8)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            prefixes=np.array([_prefix(k) for k in keys], dtype=np.uint64),
            codes=codes,
            scales=scales.astype(np.float32),
            probe_kinds=np.array([kind for kind, _ in probes]),
            probe_texts=np.array([text for _, text in probes]),
            embedder=np.array(embedder_id),
        )

    @classmethod
    def load(cls, path: Path, embedder: Embedder) -> BundledVectors | None:
        """The vectors in ``path`` when ``embedder`` still embeds its probes the same; None when
        the file is missing, unreadable or made by a model that embeds differently."""
        if not path.exists():
            return None
        try:
            with np.load(path) as data:
                found = cls(data["prefixes"], data["codes"], data["scales"])
                kinds, texts = data["probe_kinds"].tolist(), data["probe_texts"].tolist()
                probes = list(zip(kinds, texts, strict=True))
        except Exception as exc:  # a damaged file only costs the embedding time
            log.warning("Meegeleverde vectoren %s onleesbaar (%s)", path.name, exc)
            return None
        try:
            for kind, text in probes:
                embed = embedder.embed_queries if kind == KIND_QUESTION else embedder.embed_passages
                fresh = np.asarray(embed([text])[0], np.float32)
                stored = found.get(cache_key(kind, text))
                if stored is None or _cosine(fresh, stored) < PROBE_COSINE:
                    log.warning(
                        "Meegeleverde vectoren %s horen bij een ander model; alles wordt "
                        "opnieuw ingebed",
                        path.name,
                    )
                    return None
        except Exception as exc:  # the embedder failed: embedding later will say so
            log.warning("Meegeleverde vectoren niet gecontroleerd (%s)", type(exc).__name__)
            return None
        return found


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm else 0.0


# per embedder object (another object under the same name is checked again), per file
_LOADED: weakref.WeakKeyDictionary[Embedder, dict[str, BundledVectors | None]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()


def bundled_for(embedder: Embedder, folder: Path = DATA) -> BundledVectors | None:
    """The package's vectors for this embedder (checked once per embedder), or None."""
    path = folder / f"{cache_slug(embedder)}.npz"
    with _LOCK:
        loaded = _LOADED.setdefault(embedder, {})
        if str(path) not in loaded:
            loaded[str(path)] = BundledVectors.load(path, embedder)
        return loaded[str(path)]
