"""One running assistant: opens settings → kennisbank → index → assistant, and reloads it.

``Instance.open(settings)`` does the I/O; the constructor takes finished parts. The instance owns
the current :class:`Assistant` and hands it to every channel through ``current()``, so a reload
swaps it for all of them in one assignment; if the reload fails, the old one keeps serving.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from pathlib import Path

import numpy as np

from assistent.answer import Assistant
from assistent.config import Settings
from assistent.embed import CachedEmbedder, Embedder, make_embedder
from assistent.errors import IndexUnavailableError, KennisbankError
from assistent.intent import (
    IntentModel,
    default_model,
    everyday_words,
    training_questions,
    training_texts,
    words_only_examples,
)
from assistent.kennisbank import Kennisbank, load_kennisbank
from assistent.language import LANGUAGES
from assistent.retrieval.bundled import bundled_for
from assistent.retrieval.index import (
    KIND_DESCRIPTION,
    KIND_QUESTION,
    BuildReport,
    EmbeddingCache,
    Progress,
    Row,
    build_index,
    embed_rows,
    ensure_index,
    load_index,
)
from assistent.retrieval.rerank import QuestionBank, Reranker, load_bank_text, load_weights
from assistent.retrieval.search import Searcher
from assistent.retrieval.stored import LoadedIndex
from assistent.safety.detector import SafetyChecker
from assistent.safety.lines import (
    NONE,
    Crisislijnen,
    load_acute_rules,
    load_corpus,
    load_crisislijnen,
    load_taxonomy,
)
from assistent.safety.training import embedder_slug, ensure_model, remove_stale, training_lock

log = logging.getLogger(__name__)


def make_searcher(
    settings: Settings,
    index: LoadedIndex,
    embedder: Embedder,
    center: np.ndarray | None = None,
    language_samples: Mapping[str, np.ndarray] | None = None,
    reranker: Reranker | None = None,
) -> Searcher:
    """A searcher over a loaded index with the settings' filters and threshold."""
    return Searcher(
        index,
        embedder,
        min_score=settings.min_score,
        default_gemeente=settings.gemeente,
        hide_expired=settings.hide_expired,
        max_age_months=settings.max_age_months,
        today=date.today,
        center=center,
        language_samples=language_samples,
        reranker=reranker,
        everyday_words=everyday_words(),
    )


def curated_vectors(
    embedder: CachedEmbedder,
    texts: list[str],
    cache_dir: Path | None,
    kind: str = KIND_QUESTION,
    progress: Progress | None = None,
) -> np.ndarray:
    """Query embeddings of curated text (examples, corpus messages; never a user's message), so
    they may be cached on disk: the crisis corpus's cache in ``cache_dir`` (None: no cache).
    With ``kind`` KIND_DESCRIPTION, passage embeddings (the question bank's places)."""
    return curated_rows(embedder, [Row(-1, kind, t) for t in texts], cache_dir, progress)


def curated_rows(
    embedder: CachedEmbedder,
    rows: list[Row],
    cache_dir: Path | None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Embeddings of curated rows of either kind, cached in ``cache_dir`` (see curated_vectors);
    ``progress`` hears (done, total) of what is not cached yet."""
    if cache_dir is None:
        inner, found = embedder.inner, {}
        queries = [i for i, r in enumerate(rows) if r.kind == KIND_QUESTION]
        passages = [i for i, r in enumerate(rows) if r.kind != KIND_QUESTION]
        for ids, embed in ((queries, inner.embed_queries), (passages, inner.embed_passages)):
            if ids:
                found.update(zip(ids, embed([rows[i].text for i in ids]), strict=True))
        return np.asarray([found[i] for i in range(len(rows))], np.float32)
    cache = EmbeddingCache(cache_dir, embedder.inner, bundled_for(embedder.inner))
    vectors, embedded = embed_rows(rows, embedder.inner, cache, progress)
    if embedded:
        cache.save(set(cache.vectors))
    return vectors


def background_center(embedder: CachedEmbedder, cache_dir: Path | None) -> np.ndarray | None:
    """The mean query embedding of ordinary parenting questions (the turn model's sample of the
    crisis corpus's non-crisis messages, in six languages): what every parenting question shares.
    The search ranks places on a question minus part of it (retrieval/search.CENTER_WEIGHT).
    The crisis model's cache already holds them."""
    try:
        vectors = curated_vectors(embedder, training_questions(), cache_dir)
    except Exception as exc:  # the plain question still ranks the places
        log.warning("Zoeken zonder achtergrond van gewone vragen (%s)", type(exc).__name__)
        return None
    return np.asarray(vectors, np.float32).mean(axis=0) if len(vectors) else None


def question_reranker(
    embedder: CachedEmbedder, cache_dir: Path | None, progress: Progress | None = None
) -> Reranker | None:
    """The learned second look at the best places (retrieval/rerank.py), with the question
    bank embedded (curated text: cached on disk beside the crisis corpus's; ``progress`` hears
    how far the first embedding is). None for an embedder the weights were not trained for, or
    when the bank cannot be embedded: then the fused order ranks alone."""
    weights = load_weights(f"{embedder.backend}/{embedder.model}")
    if weights is None:
        return None
    # one process embeds the bank, the others wait and read it from the cache
    slug = embedder_slug(f"{embedder.backend}/{embedder.model}")
    try:
        with training_lock(cache_dir.parent, slug) if cache_dir else nullcontext():
            bank = load_bank_text()
            rows = [Row(-1, KIND_QUESTION, t) for t in bank.questions]
            rows += [Row(-1, KIND_DESCRIPTION, t) for t in bank.places]
            vectors = curated_rows(embedder, rows, cache_dir, progress)
    except Exception as exc:
        log.warning("Zoeken zonder vraagbank (%s)", type(exc).__name__)
        return None
    questions, places = vectors[: len(bank.questions)], vectors[len(bank.questions) :]
    return Reranker(QuestionBank(questions, places, bank.answers, bank.sources), weights)


# The long steps of a first start, by the label a progress bar shows (Instance.open's ``step``).
SAFETY_STEP = "Veiligheidsmodel trainen (eenmalig per model)"
BANK_STEP = "Vraagbank inbedden (eenmalig per model)"
Step = Callable[[str], AbstractContextManager[Progress | None]]


def _silent(label: str) -> AbstractContextManager[Progress | None]:
    return nullcontext(None)


SAMPLES_PER_LANGUAGE = 120
# A corpus register named by a language code (en, pl, uk, pap) is written in that language;
# the other registers (chat, verhaal, professional, ...) are Dutch.
_LANGUAGE_REGISTER = re.compile(r"^[a-z]{2,3}$")


def language_samples(embedder: CachedEmbedder, cache_dir: Path | None) -> dict[str, np.ndarray]:
    """Query vectors of ordinary parenting messages (the crisis corpus's non-crisis ones) per
    supported language, at most SAMPLES_PER_LANGUAGE each: the search measures from them how
    much lower each language scores on its index than Dutch (retrieval/calibration.language_gaps).
    Empty when they cannot be embedded (then every language meets the Dutch threshold)."""
    texts: dict[str, list[str]] = {}
    for message in load_corpus():
        # the ordinary messages: the geen-* files, and those of a language's own file (talen-uk)
        ordinary = message.bestand.startswith("talen") and message.categorie == NONE
        if message.bestand.startswith("geen") or ordinary:
            taal = message.register if _LANGUAGE_REGISTER.match(message.register) else "nl"
            if taal in LANGUAGES:
                texts.setdefault(taal, []).append(message.tekst)
    sample = {
        taal: items[:: max(1, len(items) // SAMPLES_PER_LANGUAGE)][:SAMPLES_PER_LANGUAGE]
        for taal, items in texts.items()
    }
    try:
        flat = [t for items in sample.values() for t in items]
        vectors = np.asarray(curated_vectors(embedder, flat, cache_dir), np.float32)
    except Exception as exc:  # the Dutch threshold still holds for every language
        log.warning("Geen drempel per taal (%s)", type(exc).__name__)
        return {}
    out, start = {}, 0
    for taal, items in sample.items():
        out[taal] = vectors[start : start + len(items)]
        start += len(items)
    return out


def ensure_safety(
    settings: Settings, embedder: CachedEmbedder, progress: Progress | None = None
) -> SafetyChecker:
    """The safety check with its trained classifier (trained once per corpus and embedder).

    The corpus is curated text, not user messages, so its embeddings may be cached on disk.
    """
    folder = settings.safety_dir
    cache = EmbeddingCache(folder / "cache", embedder.inner, bundled_for(embedder.inner))
    used: set[str] = set()  # training embeds twice (messages, then sentences): keep both

    def embed(texts: list[str]) -> np.ndarray:
        rows = [Row(-1, KIND_QUESTION, t) for t in texts]
        vectors, embedded = embed_rows(rows, embedder.inner, cache)
        used.update(cache.key(r.kind, r.text) for r in rows)
        if embedded:
            cache.save(used)
        return vectors

    embedder_id = f"{embedder.backend}/{embedder.model}"
    model = ensure_model(folder, embedder_id, embed, progress)
    checker = SafetyChecker(model, load_acute_rules(), load_taxonomy().levels(), embedder)
    checker.warm_up()
    return checker


# Fitted turn classifiers of this process, per embedder and training texts: a reloaded
# kennisbank (/herlaad) or a second instance does not train again.
_FITTED_INTENTS: dict[tuple[str, str], IntentModel] = {}


def ensure_intents(settings: Settings, embedder: CachedEmbedder) -> IntentModel:
    """The turn classifier with both views; the example embeddings are cached on disk.

    The examples are curated text, not user messages, so their embeddings may be cached.
    """
    examples, questions = training_texts()
    texts = [t for items in examples.values() for t in items] + questions
    words_only = words_only_examples()

    def embed_query(text: str) -> np.ndarray:
        return embedder.embed_queries([text])[0]

    marked = [f"{t}\1" if t in words_only else t for t in texts]  # where an example goes counts
    digest = hashlib.sha256("\0".join(marked).encode()).hexdigest()
    key = (f"{embedder.backend}/{embedder.model}", digest)
    if key in _FITTED_INTENTS:
        return _FITTED_INTENTS[key].bound_to(embed_query)
    # One process trains, the others wait and load what it saved (pytest workers, a bot and
    # `assistent index` started together): the crisis model's lock for this embedder.
    with training_lock(settings.safety_dir, embedder_slug(key[0])):
        stored = _intents_file(settings, key)
        if stored.exists():  # trained by an earlier process: a restart is warm at once
            try:
                model = IntentModel.load(stored, embed_query)
                _FITTED_INTENTS[key] = model
                return model
            except Exception as exc:  # damaged, or another scikit-learn: train again
                log.warning("Dialoogmodel %s onbruikbaar (%s); opnieuw trainen", stored.name, exc)
        try:  # the crisis corpus's cache: the ordinary questions are embedded there already
            vectors = curated_vectors(embedder, texts, settings.safety_dir / "cache")
        except Exception as exc:  # the n-gram view alone still reads the turns
            log.warning("Dialoogmodel zonder embeddings (%s)", type(exc).__name__)
            return IntentModel.fit(examples, questions)
        model = IntentModel.fit(examples, questions, vectors, embed_query, words_only)
        _FITTED_INTENTS[key] = model
        try:
            model.save(stored)
            remove_stale(stored)
        except OSError as exc:  # a read-only folder: train again next time
            log.warning("Dialoogmodel niet bewaard (%s)", type(exc).__name__)
        return model


def _intents_file(settings: Settings, key: tuple[str, str]) -> Path:
    """Where the fitted turn model for this embedder and these examples is kept, beside the
    crisis model; the scikit-learn version is in the name (a pickle is tied to it)."""
    import sklearn

    name = f"{key[1][:16]}-sklearn{sklearn.__version__}-{embedder_slug(key[0])}.joblib"
    return settings.safety_dir / "dialoog" / name


def _last_good_index(index_dir: Path, error: KennisbankError) -> LoadedIndex:
    """The index of the last kennisbank without errors; the kennisbank's error when none."""
    try:
        return load_index(index_dir)
    except IndexUnavailableError:
        raise error from None


class Instance:
    """One running assistant: its settings, embedder, current assistant and reload lock."""

    def __init__(
        self,
        settings: Settings,
        embedder: CachedEmbedder,
        kennisbank: Kennisbank,
        assistant: Assistant,
        center: np.ndarray | None = None,
        language_samples: Mapping[str, np.ndarray] | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.kennisbank = kennisbank
        self.assistant = assistant
        self.center = center  # see background_center; kept for a reload
        self.language_samples = language_samples  # see language_samples; kept for a reload
        self.reranker = reranker  # see question_reranker; kept for a reload
        self._reload_lock = threading.Lock()
        self._intents: IntentModel | None = None
        self._intents_lock = threading.Lock()

    def intents(self) -> IntentModel:
        """The turn classifier for the dialogue (trained on first use, then kept)."""
        with self._intents_lock:
            if self._intents is None:
                self._intents = ensure_intents(self.settings, self.embedder)
            return self._intents

    def intents_now(self) -> IntentModel:
        """The turn classifier without waiting: while it is still being trained (the first
        minute of a fresh install), the n-gram model reads the turns, so no answer waits."""
        if self._intents is not None:
            return self._intents
        if self._intents_lock.acquire(blocking=False):
            self._intents_lock.release()
            threading.Thread(target=self.intents, name="dialoogmodel", daemon=True).start()
        return default_model()

    @classmethod
    def open(
        cls,
        settings: Settings,
        embedder: Embedder | None = None,
        progress: Progress | None = None,
        on_rebuild: Callable[[str], None] | None = None,
        on_broken: Callable[[KennisbankError], None] | None = None,
        step: Step | None = None,
    ) -> Instance:
        """Load the kennisbank and the index (rebuilding a missing or stale one), wire it up.

        With ``on_broken``, a kennisbank with errors does not stop the assistant: the last good
        index serves, with its places as they were built, and ``on_broken`` hears why. A typo
        typed by staff must not take the crisis lines away from everyone at the next restart.
        Without it, or without a good index, the error is raised. ``step`` gives a progress
        callback for each long first-start step by its Dutch label (training the crisis model,
        embedding the question bank): without it they run silently."""
        cached = CachedEmbedder(embedder or make_embedder(settings))
        lines = load_crisislijnen()
        try:
            kennisbank = load_kennisbank(settings.kennisbank)
        except KennisbankError as exc:
            if on_broken is None:
                raise
            index = _last_good_index(settings.index_dir, exc)
            kennisbank = Kennisbank(root=settings.kennisbank, entries=list(index.entries))
            on_broken(exc)
        else:
            index = ensure_index(kennisbank, cached, settings.index_dir, progress, on_rebuild)
        step = step or _silent
        with step(SAFETY_STEP) as update:
            safety = ensure_safety(settings, cached, update)
        center = background_center(cached, settings.safety_dir / "cache")
        samples = language_samples(cached, settings.safety_dir / "cache")
        with step(BANK_STEP) as update:
            reranker = question_reranker(cached, settings.safety_dir / "cache", update)
        searcher = make_searcher(settings, index, cached, center, samples, reranker)
        assistant = Assistant(searcher, safety, lines)
        return cls(settings, cached, kennisbank, assistant, center, samples, reranker)

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
                self.settings,
                load_index(self.settings.index_dir),
                self.embedder,
                self.center,
                self.language_samples,
                self.reranker,
            )
            old = self.assistant
            self.kennisbank = kb
            self.assistant = Assistant(searcher, old.safety, old.lines)  # one assignment: atomic
            log.info(
                "Index herladen: %d voorzieningen, %d vectoren", report.entries, report.vectors
            )
            return report
