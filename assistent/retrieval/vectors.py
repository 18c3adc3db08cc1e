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


class VectorPart:
    """One FAISS index and the entry each of its vectors belongs to (-1: a vector of an entry
    that a patch replaced or removed, never scored). An index is a base part, plus a small flat
    part when it is patched (index.py)."""

    def __init__(self, faiss_index: faiss.Index, row_entry: np.ndarray) -> None:
        self.faiss_index = faiss_index
        self.row_entry = np.asarray(row_entry, np.int64)
        live = self.row_entry >= 0
        self.all_live = bool(live.all())
        self.live_rows = np.flatnonzero(live)
        # rows are written entry by entry, so each entry's rows are one run (checked anyway)
        live_entries = self.row_entry[self.live_rows]
        self.grouped = bool(np.all(np.diff(live_entries) >= 0))
        # per entry of this part: its first row and how many it has, so the rows of a few
        # allowed entries are found without a pass over every row (700k for 100k entries)
        self.entries, first, self.counts = np.unique(
            live_entries, return_index=True, return_counts=True
        )
        self.starts = self.live_rows[first]
        self.flat: np.ndarray | None = None
        if isinstance(faiss_index, faiss.IndexFlat) and faiss_index.ntotal:
            n, d = faiss_index.ntotal, faiss_index.d  # a view, not a copy
            self.flat = faiss.rev_swig_ptr(faiss_index.get_xb(), n * d).reshape(n, d)
        # An HNSW graph over 8-bit vectors: its codes as a numpy view (no copy), so the rows of
        # a gemeente are scored in numpy instead of decoded one by one (0.5 ms, not 8, for 3k)
        self.codes: np.ndarray | None = None
        stored = _sq8_storage(faiss_index)
        if stored is not None and stored.ntotal:
            n, d = stored.ntotal, stored.d
            self.codes = faiss.rev_swig_ptr(stored.codes.data(), n * d).reshape(n, d)
            trained = faiss.vector_to_array(stored.sq.trained)
            self.low, self.width = trained[:d], trained[d:]

    def allowed_rows(self, allowed: np.ndarray | None) -> np.ndarray:
        """Which vectors may be scored: live, and of an allowed entry."""
        rows = np.zeros(len(self.row_entry), bool)
        if allowed is None:
            rows[self.live_rows] = True
        else:
            rows[self.live_rows] = np.asarray(allowed, bool)[self.row_entry[self.live_rows]]
        return rows

    def score_into(
        self, scores: np.ndarray, query: np.ndarray, allowed: np.ndarray | None = None
    ) -> None:
        """Raise ``scores[e]`` to the best cosine of the question among entry e's vectors.

        A flat index up to EXACT_MAX_ROWS scores every vector exactly (``allowed`` is ignored).
        Larger indexes score the allowed entries' vectors exactly when there are at most
        EXACT_MAX_ROWS of them, else the approximate index's best ANN_K vectors.
        """
        total = self.faiss_index.ntotal
        if total == 0:
            return
        if self.flat is not None and (total <= EXACT_MAX_ROWS or allowed is None):
            rows = np.arange(total) if self.all_live else self.live_rows
            row_scores = self.flat @ query if self.all_live else self.flat[rows] @ query
        else:
            rows = self._rows_of(allowed)
            if rows is not None:
                row_scores = self._scores_of(rows, query)
            else:
                found, ids = self.faiss_index.search(query[None, :], min(ANN_K, total))
                keep = ids[0] >= 0
                entries = self.row_entry[ids[0][keep]]
                ok = entries >= 0
                if allowed is not None:
                    ok[ok] &= np.asarray(allowed, bool)[entries[ok]]
                keep[keep] = ok
                order = np.argsort(ids[0][keep])
                rows, row_scores = ids[0][keep][order], found[0][keep][order]
        if rows.size:
            _best_per_entry(scores, self.row_entry[rows], row_scores, self.grouped)

    def first_vectors(self, entries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The first vector of each of these entries that this part holds (its whole-entry
        passage: index.entry_texts puts it first), and which of ``entries`` they belong to."""
        at = np.searchsorted(self.entries, entries)
        found = at < len(self.entries)
        found[found] = self.entries[at[found]] == entries[found]
        rows = self.starts[at[found]]
        if self.flat is not None:
            vectors = self.flat[rows]
        elif self.codes is not None:  # 8-bit codes back to floats, as faiss decodes them
            vectors = self.low + (self.codes[rows].astype(np.float32) + 0.5) * self.width / 255.0
        elif rows.size:
            vectors = self.faiss_index.reconstruct_batch(rows.astype(np.int64))
        else:
            vectors = np.zeros((0, self.faiss_index.d), np.float32)
        return np.asarray(vectors, np.float32), np.flatnonzero(found)

    def _scores_of(self, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Cosine of the question with these rows' vectors."""
        if self.flat is not None:
            return self.flat[rows] @ query
        if self.codes is not None:
            # x = low + (code + 0.5) / 255 · width, per dimension (faiss's 8-bit decoding)
            weights = query * self.width / 255.0
            shift = float(query @ self.low + 0.5 * weights.sum())
            return self.codes[rows].astype(np.float32) @ weights.astype(np.float32) + shift
        if not rows.size:
            return np.zeros(0, np.float32)
        return self.faiss_index.reconstruct_batch(rows.astype(np.int64)) @ query

    def _rows_of(self, allowed: np.ndarray | None) -> np.ndarray | None:
        """The live rows of the allowed entries, in order, when there are at most
        EXACT_MAX_ROWS of them; None when there are more."""
        if not self.grouped:  # not written entry by entry: the plain way
            rows = np.flatnonzero(self.allowed_rows(allowed))
            return rows if rows.size <= EXACT_MAX_ROWS else None
        picked = slice(None) if allowed is None else np.asarray(allowed, bool)[self.entries]
        counts = self.counts[picked]
        total = int(counts.sum())
        if total > EXACT_MAX_ROWS:
            return None
        starts = self.starts[picked]
        # rows start..start+count-1 of each picked entry, without a Python loop
        before = np.cumsum(counts) - counts
        return np.repeat(starts - before, counts) + np.arange(total)


def entry_scores(
    parts: list[VectorPart],
    n_entries: int,
    query: np.ndarray,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """Best cosine of the question per entry over all parts; -1 for entries not scored."""
    scores = np.full(n_entries, -1.0, np.float32)
    query = np.ascontiguousarray(np.asarray(query, np.float32).reshape(-1))
    for part in parts:
        part.score_into(scores, query, allowed)
    return scores


def _sq8_storage(faiss_index: faiss.Index) -> faiss.IndexScalarQuantizer | None:
    """The 8-bit storage of an HNSW index (as make_faiss_index builds it), else None."""
    index = faiss.downcast_index(faiss_index)
    if not isinstance(index, faiss.IndexHNSW):
        return None
    stored = faiss.downcast_index(index.storage)
    if not isinstance(stored, faiss.IndexScalarQuantizer):
        return None
    if stored.sq.qtype != faiss.ScalarQuantizer.QT_8bit or stored.code_size != stored.d:
        return None
    return stored


def _best_per_entry(
    out: np.ndarray, entries: np.ndarray, scores: np.ndarray, grouped: bool
) -> None:
    """out[e] = max score of entry e's rows (entries sorted when grouped: a fast segmented max)."""
    if grouped:
        starts = np.flatnonzero(np.r_[True, entries[1:] != entries[:-1]])
        best = np.maximum.reduceat(scores.astype(np.float32), starts)
        out[entries[starts]] = np.maximum(out[entries[starts]], best)
    else:
        np.maximum.at(out, entries, scores)
