"""One running assistant: opens settings → kennisbank → index → assistant, and reloads it.

``Instance.open(settings)`` does the I/O; the constructor takes finished parts. The instance owns
the current :class:`Assistant` and hands it to every channel through ``current()``, so a reload
swaps it for all of them in one assignment; if the reload fails, the old one keeps serving.
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
from assistent.kennisbank import Kennisbank, load_kennisbank
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
from assistent.safety.lines import (
    CrisisExamples,
    Crisislijnen,
    load_crisis_voorbeelden,
    load_crisislijnen,
)

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
        today=date.today,
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
        embedder: CachedEmbedder,
        kennisbank: Kennisbank,
        assistant: Assistant,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.kennisbank = kennisbank
        self.assistant = assistant
        self._reload_lock = threading.Lock()

    @classmethod
    def open(
        cls,
        settings: Settings,
        embedder: Embedder | None = None,
        progress: Progress | None = None,
        on_rebuild: Callable[[str], None] | None = None,
    ) -> Instance:
        """Load the kennisbank and the index (rebuilding a missing or stale one), wire it up."""
        cached = CachedEmbedder(embedder or make_embedder(settings))
        lines = load_crisislijnen()
        examples = load_crisis_voorbeelden()
        safety = SafetyChecker(examples, cached)
        kennisbank = load_kennisbank(settings.kennisbank)
        index = ensure_index(kennisbank, cached, settings.index_dir, progress, on_rebuild)
        try:
            preload_safety_examples(examples, cached, settings.index_dir)
            safety.warm_up()  # the example matrix is ready before the first message
        except Exception as exc:  # rules keep working without the model
            log.warning("Voorbeeldzinnen voor de veiligheidscheck niet ingebed: %s", exc)
        assistant = Assistant(make_searcher(settings, index, cached), safety, lines)
        return cls(settings, cached, kennisbank, assistant)

    @property
    def lines(self) -> Crisislijnen:
        """The reviewed crisis lines the assistant shows."""
        return self.assistant.lines

    def current(self) -> Assistant:
        """The assistant that serves now (a reload replaces it)."""
        return self.assistant

    def reload(self, progress: Progress | None = None) -> BuildReport:
        """Validate the kennisbank, rebuild the index and swap it in; raises on failure."""
        with self._reload_lock:
            # raises KennisbankError before anything is swapped
            kb = load_kennisbank(self.settings.kennisbank)
            report = build_index(kb, self.embedder, self.settings.index_dir, progress)
            searcher = make_searcher(
                self.settings, load_index(self.settings.index_dir), self.embedder
            )
            old = self.assistant
            self.kennisbank = kb
            self.assistant = Assistant(searcher, old.safety, old.lines)  # one assignment: atomic
            log.info(
                "Index herladen: %d voorzieningen, %d vectoren", report.entries, report.vectors
            )
            return report
