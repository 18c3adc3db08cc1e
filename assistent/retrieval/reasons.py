"""Why a place fits, in its own words: the words of a question that tell what it is about.

A shown place says why it fits with the topics the question names ("Gaat over ruzie.") or the
sentence of its own description that shares the most of the question's words: extractive and
true by construction, never another person's sample question. Only telling words count. Not
the everyday words of parents' questions ("weet", "school", "kinderen", "twee": passed in, from
the safety corpus's ordinary questions), not a word in the descriptions of many of the
kennisbank's places ("gezin"), and not a Dutch stem of a word in another language ("meet" in
English is "gemeten"). Sharing only such words, a sentence is a random one: a mother of a
toddler who does not walk yet read "Zitting di- en do-ochtend, alleen op afspraak." under
the consultatiebureau ("alleen"). Then the answer shows what the place does instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from assistent.kennisbank import Voorziening
from assistent.kennisbank.sentences import own_sentences, shared_of

# A word in the descriptions of more than this share of the places tells nothing about which
# fits: "gezin" (12 of 51 places of Wolderveen), "ouders", "jaar".
TELLING_MAX_SHARE = 0.2
SENTENCE_CHARS = (20, 220)  # a sentence shorter or longer is no line under a name
SENTENCE_WORDS = 5  # fewer is a heading ("Cursussen en groepen."), not what a place does

Stems = Callable[[str], list[str]]


class Reasons:
    """The telling words of a question, and per place the sentence that shares the most."""

    def __init__(
        self,
        entries: Sequence[Voorziening],
        stems: Stems,
        share: Callable[[str], float],
        everyday_words: Iterable[str] = (),
        shared: frozenset[str] | None = None,
    ) -> None:
        """``stems``: the content stems of a text, as the search stems them; ``share``: the
        share of the places whose text has a stem (the lexical index's document frequency);
        ``shared``: the sentences the places share (by default, found here)."""
        self.entries = entries
        if shared is None:
            shared = shared_of(entries)
        self._shared = shared
        self._stems = stems
        self._share = share
        self._everyday = frozenset(self._stems(" ".join(everyday_words)))
        # an entry's sentences and their stems, on first use (shown entries only)
        self._sentences: dict[int, list[tuple[str, frozenset[str]]]] = {}

    def telling(self, question: str, taal: str | None = None) -> set[str]:
        """The stems of the question's telling words (none for a question in another
        language: its words have no Dutch stems)."""
        if taal not in (None, "nl"):
            return set()
        return {
            stem
            for stem in self._stems(question)
            if stem not in self._everyday and self._share(stem) <= TELLING_MAX_SHARE
        }

    def sentence(self, entry: int, telling: set[str]) -> str | None:
        """The entry's own description sentence sharing the most telling words with the
        question (a statement of some words: "Herken je dit?" or a heading says nothing of the
        place), or None."""
        if not telling:
            return None
        best, overlap = None, 0
        for sentence, stems in self._of(entry):
            shared = len(stems & telling)
            if shared > overlap:
                best, overlap = sentence, shared
        return best

    def _of(self, entry: int) -> list[tuple[str, frozenset[str]]]:
        known = self._sentences.get(entry)
        if known is None:
            shortest, longest = SENTENCE_CHARS
            known = [
                (sentence, frozenset(self._stems(sentence)))
                for sentence in own_sentences(self.entries[entry].beschrijving, self._shared)
                if shortest <= len(sentence) <= longest
                and len(sentence.split()) >= SENTENCE_WORDS
                and not sentence.rstrip().endswith("?")
            ]
            self._sentences[entry] = known  # a race only computes it twice
        return known
