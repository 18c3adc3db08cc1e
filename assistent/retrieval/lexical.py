"""BM25 over raw term counts, so an index can be patched entry by entry.

bm25s (used for tokenising, and in the tests as the reference) stores each term's score per
document with the IDF baked in: one edited entry changes every stored score, and a rebuild
re-indexes the whole kennisbank (4 s for 100k entries, after 8 s of tokenising). Here the index
keeps the term counts per entry; IDF and length normalisation are derived when it is loaded.
So a patch (index.py) adds the counts of the changed entries to the base's counts without
touching them, and the scores equal those of bm25s over the combined entries (Lucene's BM25
with bm25s's defaults; a test holds the two equal).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import bm25s
import numpy as np
import scipy.sparse as sp

K1 = 1.5  # bm25s's defaults
B = 0.75

Stem = Callable[[list[str]], list[str]]


def normalise(text: str) -> str:
    """Lower case, punctuation to spaces: the same for the entries and for questions."""
    return re.sub(r"[^\w\s]", " ", text.lower())


def tokenize(texts: Sequence[str], stem: Stem) -> list[list[str]]:
    """Stemmed tokens per text, without Dutch stop words (bm25s's tokeniser)."""
    if not texts:
        return []
    found = bm25s.tokenize(
        [normalise(t) for t in texts],
        stopwords="nl",
        stemmer=stem,
        show_progress=False,
        return_ids=False,
    )
    return [list(tokens) for tokens in found]


class LexicalIndex:
    """BM25 scores of a question for every entry, from term counts per entry."""

    def __init__(self, counts: sp.csr_matrix, vocabulary: Sequence[str]) -> None:
        """``counts[d, t]``: how often term ``vocabulary[t]`` occurs in entry ``d``."""
        self.counts = sp.csr_matrix(counts, dtype=np.float32)
        self.vocabulary = list(vocabulary)
        self._ids = {term: i for i, term in enumerate(self.vocabulary)}
        n_docs = self.counts.shape[0]
        lengths = np.asarray(self.counts.sum(axis=1), np.float32).reshape(-1)
        average = float(lengths.mean()) if n_docs and lengths.sum() else 1.0
        df = np.bincount(self.counts.indices, minlength=len(self.vocabulary))
        self._df = df
        idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        weighted = self.counts.tocoo()
        norm = K1 * (1.0 - B + B * lengths[weighted.row] / average)
        values = idf[weighted.col] * weighted.data / (norm + weighted.data)
        shape = self.counts.shape
        self._scores = sp.csc_matrix((values, (weighted.row, weighted.col)), shape=shape)

    @classmethod
    def from_tokens(cls, documents: Sequence[Sequence[str]]) -> LexicalIndex:
        """The index of tokenised entries (``tokenize``)."""
        vocabulary: dict[str, int] = {}
        rows, cols = [], []
        for d, tokens in enumerate(documents):
            for token in tokens:
                rows.append(d)
                cols.append(vocabulary.setdefault(token, len(vocabulary)))
        data = np.ones(len(rows), np.float32)
        shape = (len(documents), len(vocabulary))
        counts = sp.csr_matrix((data, (rows, cols)), shape=shape)  # duplicates are summed
        return cls(counts, list(vocabulary))

    @property
    def size(self) -> int:
        """Number of entries."""
        return int(self.counts.shape[0])

    def share(self, token: str) -> float:
        """The share of the entries that have this token (0 for an unknown one)."""
        i = self._ids.get(token)
        return 0.0 if i is None or not self.size else float(self._df[i]) / self.size

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of the tokenised question for every entry (a token counts each time)."""
        ids = [self._ids[t] for t in tokens if t in self._ids]
        if not ids or not self.size:
            return np.zeros(self.size, np.float32)
        columns = np.bincount(ids, minlength=len(self.vocabulary))
        used = np.flatnonzero(columns)
        picked = self._scores[:, used] @ columns[used].astype(np.float32)
        return np.asarray(picked, np.float32).reshape(-1)

    def select(self, keep: np.ndarray) -> LexicalIndex:
        """The index of the entries ``keep`` (positions, in that order)."""
        return LexicalIndex(self.counts[np.asarray(keep, np.int64)], self.vocabulary)

    def extended(self, other: LexicalIndex) -> LexicalIndex:
        """This index with ``other``'s entries appended (vocabularies merged)."""
        vocabulary = dict(self._ids)
        for term in other.vocabulary:
            vocabulary.setdefault(term, len(vocabulary))
        mapping = np.array([vocabulary[t] for t in other.vocabulary], np.int64)
        width = len(vocabulary)
        mine = sp.csr_matrix(
            (self.counts.data, self.counts.indices, self.counts.indptr),
            shape=(self.size, width),
        )
        theirs = other.counts.tocoo()
        moved = sp.csr_matrix(
            (theirs.data, (theirs.row, mapping[theirs.col])), shape=(other.size, width)
        )
        return LexicalIndex(sp.vstack([mine, moved], format="csr"), list(vocabulary))

    def save(self, folder: Path) -> None:
        """Write the counts (``telling.npz``) and the vocabulary (``woorden.json``)."""
        folder.mkdir(parents=True, exist_ok=True)
        sp.save_npz(folder / "telling.npz", self.counts)
        (folder / "woorden.json").write_text(
            json.dumps(self.vocabulary, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read an index written by ``save``."""
        counts = sp.load_npz(folder / "telling.npz")
        vocabulary = json.loads((folder / "woorden.json").read_text(encoding="utf-8"))
        if counts.shape[1] != len(vocabulary):
            raise ValueError(f"{folder}: telling en woorden passen niet bij elkaar")
        return cls(counts.tocsr(), vocabulary)
