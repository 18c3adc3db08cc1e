"""Reading a build folder back into memory, and laying a patch over its base.

The entries are read one per line, and values that repeat across entries are shared (a
national kennisbank took 880 MB as written, 270 MB shared). The vectors stay in FAISS; the
term counts become the BM25 index (lexical.py). See index.py for the layout and for patches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
from pydantic import BaseModel, TypeAdapter

from assistent.kennisbank import Voorziening
from assistent.retrieval.lexical import LexicalIndex
from assistent.retrieval.vectors import HNSW_EF_SEARCH, VectorPart, entry_scores, set_ef_search


@dataclass
class LoadedIndex:
    """An index in memory: the entries, their vectors (one part, or a base and a patch) and
    their BM25 term counts."""

    path: Path
    entries: list[Voorziening]
    meta: dict
    parts: list[VectorPart]
    lexical: LexicalIndex | None = None  # None for an index built before it was saved with it

    def __post_init__(self) -> None:
        settings = self.meta.get("index") or {}
        self.kind = str(settings.get("soort", "flat"))
        if self.kind == "hnsw":
            set_ef_search(self.faiss_index, int(settings.get("ef_search", HNSW_EF_SEARCH)))

    @property
    def faiss_index(self) -> faiss.Index:
        """The base's FAISS index (for a full build: the only one)."""
        return self.parts[0].faiss_index

    @property
    def row_entry(self) -> np.ndarray:
        """Entry number of every vector of the base (-1: replaced by the patch)."""
        return self.parts[0].row_entry

    @property
    def patched(self) -> bool:
        """True when a patch is laid over the base."""
        return len(self.parts) > 1

    def entry_scores(self, query: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
        """Best cosine of the question per entry; -1 for entries not scored (see vectors.py)."""
        return entry_scores(self.parts, len(self.entries), query, allowed)

    def passage_vectors(self, entries: np.ndarray) -> np.ndarray:
        """The whole-entry passage vector of each of these entries (numbers), in their order."""
        entries = np.asarray(entries, np.int64)
        out = np.zeros((len(entries), self.faiss_index.d), np.float32)
        for part in self.parts:  # a patched entry lives in the patch only (base rows -1)
            vectors, which = part.first_vectors(entries)
            out[which] = vectors
        return out


_ENTRIES = TypeAdapter(list[Voorziening])

# Fields whose values repeat across the entries of a large kennisbank: an age range, a
# doelgroep, the same onderwerpen, "gratis", a gemeente's name.
_SHARED_FIELDS = (
    "soort", "gemeente", "wijken", "doelgroep", "leeftijd", "onderwerpen", "voorbeeldvragen",
    "openingstijden", "kosten", "aanmelden", "laatst_gecontroleerd", "eigenaar",
)  # fmt: skip


def _frozen(value: object) -> object:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, BaseModel):
        return (type(value), tuple((k, _frozen(v)) for k, v in value.__dict__.items()))
    return value


class _Sharing:
    """Lets entries with the same value of a field share one object for it.

    An entry in memory takes about 8 KB, half of it in values that repeat: 100k entries took
    880 MB. Entries are frozen and nothing changes these values in place, so one object per
    distinct value serves them all. Entries are shared as they are read, one at a time, so the
    memory of the copies is reused for the next entry (measured in docs/metingen.md).
    """

    def __init__(self) -> None:
        self.pool: dict[tuple[str, object], object] = {}
        self.field_sets: dict[frozenset[str], set[str]] = {}

    def __call__(self, entry: Voorziening) -> Voorziening:
        values = entry.__dict__
        for name in _SHARED_FIELDS:
            value = values[name]
            values[name] = self.pool.setdefault((name, _frozen(value)), value)
        names = entry.__pydantic_fields_set__
        shared = self.field_sets.setdefault(frozenset(names), names)
        object.__setattr__(entry, "__pydantic_fields_set__", shared)
        return entry


def _read_entries(path: Path) -> list[Voorziening]:
    if not (path / "entries.jsonl").exists():  # built by an older version
        return _ENTRIES.validate_json((path / "entries.json").read_bytes())
    share = _Sharing()
    with (path / "entries.jsonl").open("rb") as lines:
        return [share(Voorziening.model_validate_json(line)) for line in lines if line.strip()]


@dataclass
class Stored:
    """One build folder as written: its own entries, vectors and term counts."""

    meta: dict
    entries: list[Voorziening]
    faiss_index: faiss.Index
    row_entry: np.ndarray
    lexical: LexicalIndex | None


def read_build(path: Path) -> Stored:
    """One build folder as written (raises on anything missing or inconsistent)."""
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    faiss_index = faiss.read_index(str(path / "vectors.faiss"))
    if (path / "row_entry.npy").exists():
        row_entry = np.load(path / "row_entry.npy")
    else:  # built by an older version
        rows = json.loads((path / "rows.json").read_text(encoding="utf-8"))
        row_entry = np.array([int(r[0]) for r in rows], np.int64)
    entries = _read_entries(path)
    lexical = LexicalIndex.load(path / "lexical") if (path / "lexical").is_dir() else None
    if faiss_index.ntotal != len(row_entry):
        raise ValueError("het aantal vectoren klopt niet")
    return Stored(meta, entries, faiss_index, row_entry, lexical)


def laid_over(path: Path, base: Stored, top: Stored, dropped: set[str]) -> LoadedIndex:
    """The base's entries without those the patch drops, then the patch's own entries."""
    keep = np.array([i for i, e in enumerate(base.entries) if e.id not in dropped], np.int64)
    position = np.full(len(base.entries), -1, np.int64)
    position[keep] = np.arange(len(keep))
    base_rows = position[base.row_entry] if len(base.row_entry) else base.row_entry
    lexical = None
    if base.lexical is not None and top.lexical is not None:
        lexical = base.lexical.select(keep).extended(top.lexical)
    return LoadedIndex(
        path=path,
        entries=[base.entries[i] for i in keep] + top.entries,
        meta=top.meta,
        parts=[
            VectorPart(base.faiss_index, base_rows),
            VectorPart(top.faiss_index, top.row_entry + len(keep)),
        ],
        lexical=lexical,
    )
