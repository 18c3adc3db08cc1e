"""The texts of a kennisbank that the index embeds: per place one passage, and its
voorbeeldvragen as questions; the passages without the sentences many places share
(:func:`shared_of`, kept importable from here).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from assistent.kennisbank import Voorziening
from assistent.kennisbank.sentences import shared_of, without_shared
from assistent.retrieval.bundled import KIND_QUESTION

# Kinds of vectors per entry. Voorbeeldvragen are questions, so they are embedded the way a
# user's question is (e5 "query:" prefix): question-to-question similarity is the strongest
# signal we have. The other texts are embedded as passages.
KIND_DESCRIPTION = "beschrijving"


@dataclass(frozen=True)
class Row:
    """One vector in the index: which entry, which kind of text, and the text itself."""

    entry: int
    kind: str
    text: str


def entry_texts(entry: Voorziening, shared: frozenset[str] = frozenset()) -> list[Row]:
    """The texts embedded for one entry (entry index filled in by the caller). ``shared``: the
    sentences many places share (``shared_sentences``), left out of the passage."""
    # One passage for the whole entry (measured best on kennisbanks with and without
    # voorbeeldvragen, see docs/metingen.md), plus each voorbeeldvraag embedded as a question.
    # Without the organisation's paragraph that a sociale kaart puts above every one of its
    # places: it made them all look alike.
    topics = f" {', '.join(entry.onderwerpen)}." if entry.onderwerpen else ""
    described = without_shared(entry.beschrijving, shared) if shared else entry.beschrijving
    rows = [Row(-1, KIND_DESCRIPTION, f"{entry.naam}.{topics} {described}")]
    rows += [Row(-1, KIND_QUESTION, q) for q in entry.voorbeeldvragen]
    return rows


def bm25_text(entry: Voorziening) -> str:
    """The text of one entry that BM25 indexes."""
    return " ".join([entry.naam, *entry.onderwerpen, *entry.voorbeeldvragen, entry.beschrijving])


def rows_of(entries: Sequence[Voorziening], shared: frozenset[str] | None = None) -> list[Row]:
    """The rows (texts to embed) of these entries, numbered from 0; ``shared``: the sentences
    of the whole kennisbank's places share (by default, those these entries share)."""
    shared = shared_of(entries) if shared is None else shared
    rows: list[Row] = []
    for n, entry in enumerate(entries):
        rows += [Row(n, r.kind, r.text) for r in entry_texts(entry, shared)]
    return rows


def shared_hash(shared: frozenset[str]) -> str:
    """A fingerprint of the shared sentences: a patch build needs the same ones as its base."""
    digest = hashlib.sha256("\n".join(sorted(shared)).encode("utf-8"))
    return digest.hexdigest()[:16]
