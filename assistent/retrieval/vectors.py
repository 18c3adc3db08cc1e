"""Vector index kinds (flat, HNSW over 8-bit vectors) and the best cosine per entry."""

from __future__ import annotations

import faiss
import numpy as np

# Which vector index, chosen by measurement (benchmarks/scale.py, docs/metingen.md). Up to this
# many vectors a flat index scores every vector exactly within the time budget; beyond it an
# HNSW graph over 8-bit vectors keeps a question fast and the memory a quarter of flat.
FLAT_MAX_ROWS = 200_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 128
# When the profile filters leave at most this many vectors, those are scored exactly (a gemeente
# of a national kennisbank); otherwise the approximate index returns its best ANN_K vectors.
EXACT_MAX_ROWS = 50_000
ANN_K = 256


def index_settings(n_rows: int, kind: str | None = None) -> dict:
    """The vector index for this many vectors: flat, or HNSW beyond FLAT_MAX_ROWS."""
    kind = kind or ("flat" if n_rows <= FLAT_MAX_ROWS else "hnsw")
    if kind == "flat":
        return {"soort": "flat"}
    if kind != "hnsw":
        raise ValueError(f"onbekende soort index: {kind}")
    return {
        "soort": "hnsw",
        "opslag": "sq8",
        "m": HNSW_M,
        "ef_construction": HNSW_EF_CONSTRUCTION,
        "ef_search": HNSW_EF_SEARCH,
    }


def make_faiss_index(vectors: np.ndarray, dim: int, settings: dict) -> faiss.Index:
    """A FAISS index of the given kind holding the vectors (inner product = cosine)."""
    if settings["soort"] == "flat":
        index: faiss.Index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWSQ(
            dim, faiss.ScalarQuantizer.QT_8bit, settings["m"], faiss.METRIC_INNER_PRODUCT
        )
        index.hnsw.efConstruction = settings["ef_construction"]
        index.hnsw.efSearch = settings["ef_search"]
        if len(vectors):
            index.train(vectors)
    if len(vectors):
        index.add(vectors)
    return index


def set_ef_search(index: faiss.Index, ef_search: int) -> None:
    """Set how widely an HNSW index searches (not kept in the file by every faiss version)."""
    faiss.downcast_index(index).hnsw.efSearch = ef_search


def entry_scores(
    faiss_index: faiss.Index,
    flat: np.ndarray | None,
    row_entry: np.ndarray,
    grouped: bool,
    n_entries: int,
    query: np.ndarray,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """Best cosine of the question per entry; -1 for entries not scored.

    A flat index up to EXACT_MAX_ROWS scores every entry exactly (``allowed`` is ignored).
    Larger indexes score the allowed entries' vectors exactly when there are at most
    EXACT_MAX_ROWS of them, else the approximate index's best ANN_K vectors.

    ``flat`` is the flat index's vectors (a view) or None; ``grouped`` says each entry's rows are
    one run in ``row_entry``.
    """
    scores = np.full(n_entries, -1.0, np.float32)
    total = faiss_index.ntotal
    if total == 0:
        return scores
    query = np.ascontiguousarray(np.asarray(query, np.float32).reshape(-1))
    if flat is not None and (total <= EXACT_MAX_ROWS or allowed is None):
        rows = np.arange(total)
        row_scores = flat @ query
    else:
        allowed_rows = np.ones(total, bool)
        if allowed is not None:
            allowed_rows = np.asarray(allowed, bool)[row_entry]
        rows = np.flatnonzero(allowed_rows)
        if rows.size <= EXACT_MAX_ROWS:
            row_scores = _vectors(faiss_index, flat, rows) @ query
        else:
            found, ids = faiss_index.search(query[None, :], min(ANN_K, total))
            keep = ids[0] >= 0
            keep[keep] &= allowed_rows[ids[0][keep]]
            order = np.argsort(ids[0][keep])
            rows, row_scores = ids[0][keep][order], found[0][keep][order]
    if rows.size:
        _best_per_entry(scores, row_entry[rows], row_scores, grouped)
    return scores


def _vectors(faiss_index: faiss.Index, flat: np.ndarray | None, rows: np.ndarray) -> np.ndarray:
    if flat is not None:
        return flat[rows]
    if not rows.size:
        return np.zeros((0, faiss_index.d), np.float32)
    return faiss_index.reconstruct_batch(rows.astype(np.int64))


def _best_per_entry(
    out: np.ndarray, entries: np.ndarray, scores: np.ndarray, grouped: bool
) -> None:
    """out[e] = max score of entry e's rows (entries sorted when grouped: a fast segmented max)."""
    if grouped:
        starts = np.flatnonzero(np.r_[True, entries[1:] != entries[:-1]])
        out[entries[starts]] = np.maximum.reduceat(scores.astype(np.float32), starts)
    else:
        np.maximum.at(out, entries, scores)
