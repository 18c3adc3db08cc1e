"""Wiring of one instance: settings → kennisbank → index → searcher + safety → assistant.

A factory taking settings (nothing is read at import time). ``Instance.reload`` validates and
rebuilds, then swaps the assistant in one assignment; if anything fails, the old one keeps
serving.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

from assistent.answer import Assistant
from assistent.config import Settings
from assistent.embed import CachedEmbedder, Embedder, make_embedder
from assistent.kennisbank import load_kennisbank
from assistent.retrieval.index import (
    KIND_QUESTION,
    BuildReport,
    EmbeddingCache,
    LoadedIndex,
    Progress,
    Row,
    build_index,
    embed_rows,
    ensure_index,
    load_index,
)
from assistent.retrieval.search import Searcher
from assistent.safety.categories import CATEGORIES
from assistent.safety.detector import SafetyChecker
from assistent.safety.lines import CrisisExamples, load_crisis_voorbeelden

log = logging.getLogger(__name__)


def make_searcher(settings: Settings, index: LoadedIndex, embedder: Embedder) -> Searcher:
    """A searcher over a loaded index with the settings' filters and threshold."""
    return Searcher(
        index,
        embedder,
        min_score=settings.min_score,
        default_gemeente=settings.gemeente,
        hide_expired=settings.hide_expired,
        max_age_months=settings.max_age_months,
        today=date.today(),
    )


def preload_safety_examples(
    examples: CrisisExamples, embedder: CachedEmbedder, index_dir: Path
) -> None:
    """Embed the curated crisis sentences once and keep them on disk, so start-up is instant.

    They are curated texts, not user messages, so a disk cache is fine here.
    """
    sentences = [s for c in CATEGORIES for s in examples.crisis.get(c, [])] + examples.contrast
    rows = [Row(-1, KIND_QUESTION, s) for s in sentences]
    cache = EmbeddingCache(Path(index_dir) / "cache" / "veiligheid", embedder.inner)
    vectors, embedded = embed_rows(rows, embedder.inner, cache)
    if embedded:
        cache.save({cache.key(r.kind, r.text) for r in rows})
    embedder.pin(sentences, vectors)


class Instance:
    """One running assistant: its settings, embedder, current assistant and reload lock."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        progress: Progress | None = None,
        on_rebuild: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = CachedEmbedder(embedder or make_embedder(settings))
        examples = load_crisis_voorbeelden()
        self.safety = SafetyChecker(examples, self.embedder)
        self._reload_lock = threading.Lock()
        self.kennisbank = load_kennisbank(settings.kennisbank)
        index = ensure_index(
            self.kennisbank, self.embedder, settings.index_dir, progress, on_rebuild
        )
        try:
            preload_safety_examples(examples, self.embedder, settings.index_dir)
            self.safety.warm_up()  # the example matrix is ready before the first message
        except Exception as exc:  # rules keep working without the model
            log.warning("Voorbeeldzinnen voor de veiligheidscheck niet ingebed: %s", exc)
        self.assistant = Assistant(make_searcher(settings, index, self.embedder), self.safety)

    def reload(self, progress: Progress | None = None) -> BuildReport:
        """Validate the kennisbank, rebuild the index and swap it in; raises on failure."""
        with self._reload_lock:
            # raises KennisbankError before anything is swapped
            kb = load_kennisbank(self.settings.kennisbank)
            report = build_index(kb, self.embedder, self.settings.index_dir, progress)
            searcher = make_searcher(
                self.settings, load_index(self.settings.index_dir), self.embedder
            )
            self.kennisbank = kb
            self.assistant = Assistant(searcher, self.safety)  # one assignment: atomic swap
            log.info(
                "Index herladen: %d voorzieningen, %d vectoren", report.entries, report.vectors
            )
            return report
