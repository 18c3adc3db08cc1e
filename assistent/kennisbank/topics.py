"""Classify a question into the kennisbank's onderwerpen, so the report counts what parents needed.

The vocabulary is the ``onderwerpen`` of the kennisbank itself (``slapen``, ``pesten``,
``scheiding``, ...). A topic fits a question when every content word of the topic occurs in the
question (Dutch Snowball stems, with a little slack for verb forms: ``huilt`` fits ``huilen``).
Of the fitting topics, one that only says who it is about (``baby``, ``peuter``) loses to one
that says what is going on (``slapen``); then the one with the most content words wins, then
the shortest, then the one named first in the question, then the one fewer entries share (more
specific: ``pesten`` before ``zorgen``). No fitting topic gives None:
the report then says "geen onderwerp herkend" instead of borrowing the topic of whichever
voorziening came first (an eating disorder is not counted as *baby*).

Only the topic is kept; the question text is never stored for this.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import Stemmer
from bm25s.stopwords import STOPWORDS_DUTCH

from assistent.kennisbank.model import Voorziening

_WORD = re.compile(r"[^\W\d_]+")
_STOP = frozenset(STOPWORDS_DUTCH) | {"kind", "kinderen", "mijn", "ouder", "ouders"}
# Topics that say who a question is about, not what is going on.
WHO = frozenset(
    {
        *("baby", "peuter", "peuters", "kleuter", "kleuters", "puber", "pubers", "tiener"),
        *("tieners", "jongeren", "vaders", "moeders", "eerste kind", "jong gezin"),
        "tienerouder",
    }
)


def words(text: str) -> list[str]:
    """The words of a text, case-folded, without digits and one-letter words."""
    return [w for w in _WORD.findall(text.casefold()) if len(w) > 1]


class TopicClassifier:
    """The onderwerpen of one kennisbank, ready to classify questions."""

    def __init__(self, entries: Iterable[Voorziening]) -> None:
        self._stemmer = Stemmer.Stemmer("dutch")
        shared: Counter[str] = Counter()
        for entry in entries:
            shared.update({t.strip().casefold() for t in entry.onderwerpen if t.strip()})
        self._shared = shared
        self._topics: dict[str, tuple[str, ...]] = {}
        for topic in sorted(shared):
            stems = tuple(dict.fromkeys(self._stems(topic, keep_all=True)))
            if stems:
                self._topics[topic] = stems
        # The topics per stem they need, and per such stem less its last letter (the slack of
        # ``found_at``): a question is checked only against topics one of its stems can meet,
        # not against all of them (1 ms per question for 300 topics, in every answer).
        self._having: dict[str, set[str]] = {}
        self._having_trimmed: dict[str, set[str]] = {}
        for topic, needed in self._topics.items():
            for n in needed:
                self._having.setdefault(n, set()).add(topic)
                if len(n) >= 4:
                    self._having_trimmed.setdefault(n[:-1], set()).add(topic)

    @property
    def topics(self) -> list[str]:
        """The vocabulary, sorted."""
        return sorted(self._topics)

    def _stems(self, text: str, keep_all: bool = False) -> list[str]:
        found = words(text)
        content = [w for w in found if w not in _STOP]
        # a topic made only of stop words ("ouders") keeps them; a question never does
        return self._stemmer.stemWords(content or (found if keep_all else []))

    def classify(self, question: str) -> str | None:
        """The onderwerp of a question, or None when no topic of the kennisbank fits."""
        stems = self._stems(question)
        if not stems:
            return None
        # Where each stem of the question first occurs, and (for the slack of ``_same``) where
        # a stem one letter longer does: a topic stem is then found with dict look-ups, not by
        # comparing it with every word of the question (3 ms per question for 300 topics).
        first: dict[str, int] = {}
        longer: dict[str, int] = {}
        for i, stem in enumerate(stems):
            first.setdefault(stem, i)
            if len(stem) >= 4:
                longer.setdefault(stem[:-1], i)
        missing = len(stems)

        def found_at(n: str) -> int:
            at = min(first.get(n, missing), longer.get(n, missing))
            return min(at, first.get(n[:-1], missing)) if len(n) >= 4 else at

        candidates: set[str] = set()
        for stem in first:
            candidates |= self._having.get(stem, set()) | self._having_trimmed.get(stem, set())
        for stem in longer:
            candidates |= self._having.get(stem, set())
        best: tuple | None = None
        for topic in candidates:
            needed = self._topics[topic]
            at = [found_at(n) for n in needed]
            if max(at) == missing:
                continue
            key = (topic in WHO, -len(needed), len(topic.split()), min(at), self._shared[topic])
            if best is None or (key, topic) < best:
                best = (key, topic)
        return best[1] if best else None


def _same(a: str, b: str) -> bool:
    """Two stems of one word: equal, or one a prefix of the other and at most a letter shorter
    than it is long (``huil``/``huilt``, ``pes``/``pest``)."""
    if a == b:
        return True
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return len(short) >= 3 and long.startswith(short) and len(long) - len(short) <= 1
