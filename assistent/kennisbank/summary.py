"""One line on what a place does: the sentence of its own description that says it.

Descriptions come in many styles. One written for a website opens with a hook ("Yo!", "Herken
je dit?", "Welkom bij Centrum Jong!") and says what the place does a sentence later, often by
its name ("Bij De Brug koppelen we jongeren van 10 tot 18 jaar aan een buddy."); a spreadsheet
opens with a label ("Ouderpanel Polderveen.") and the facts after it. The first sentence, shown
until now, was often the hook. A sentence is plain when it is no question or exclamation and
has at least ``MIN_WORDS`` words; a question answered by a sentence that begins with "Dan"
counts as one ("Heb je een kind tot 6 jaar? Dan kan Home-Start helpen."). The line is the first
sentence when it is plain (most descriptions say what the place does first); after a hook, the
first of the next plain sentences that names the place by a word of its own name (not one that
other names share, nor the name of a gemeente or wijk), else the first plain one. Cut to one
line. The words are the kennisbank's, exactly as typed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from assistent.kennisbank.model import Voorziening
from assistent.kennisbank.sentences import own_sentences, shared_of

MAX_CHARS = 140  # one line on a phone
MIN_WORDS = 4  # fewer is a label or a greeting ("Ouders voor ouders.", "Yo!")
LOOK_AHEAD = 3  # plain sentences in which the place's name is looked for
MIN_NAME_WORD = 3  # letters a word needs to name a place ("De" does not)
_WORD = re.compile(r"[^\W\d_]+")


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if len(w) >= MIN_NAME_WORD}


def one_line(text: str) -> str:
    """A sentence cut to one line."""
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 3].rstrip() + "…"


class Summaries:
    """The line on what each place does, for the places of one kennisbank (cached per place)."""

    def __init__(
        self, entries: Iterable[Voorziening], shared: frozenset[str] | None = None
    ) -> None:
        """``shared``: the sentences the places share (by default, found here)."""
        entries = list(entries)
        named = Counter(w for e in entries for w in _words(e.naam))
        places = {e.gemeente or "" for e in entries} | {w for e in entries for w in e.wijken}
        self.common = {w for w, n in named.items() if n > 1} | _words(" ".join(places))
        # the organisation's paragraph a sociale kaart puts above each of its places says
        # nothing of this one ("Stichting Welzijn ... is de brede welzijnsorganisatie van ...")
        if shared is None:
            shared = shared_of(entries)
        self.shared = shared
        self._lines: dict[str, str] = {}

    def line(self, entry: Voorziening) -> str:
        """What the place does, in one line of its own description ("" without one)."""
        found = self._lines.get(entry.id)
        if found is None:  # a race only computes it twice
            found = self._lines[entry.id] = one_line(self._choose(entry))
        return found

    def _choose(self, entry: Voorziening) -> str:
        said = own_sentences(entry.beschrijving, self.shared)
        if not said:
            return ""
        units = _units(said)
        if _plain(units[0]):  # most descriptions say it first; only a hook is passed over
            return units[0]
        own = _words(entry.naam) - self.common
        plain = [s for s in units if _plain(s)]
        naming = (s for s in plain[:LOOK_AHEAD] if own & _words(s))
        return next(naming, plain[0] if plain else said[0])


def _units(said: list[str]) -> list[str]:
    """The sentences, with a question and the "Dan ..." sentence that answers it as one."""
    units: list[str] = []
    for sentence in said:
        joined = f"{units[-1]} {sentence}" if units else ""
        answers = sentence.startswith("Dan ") and units and units[-1].endswith("?")
        if answers and len(joined) <= MAX_CHARS:
            units[-1] = joined
        else:
            units.append(sentence)
    return units


def _plain(sentence: str) -> bool:
    """Not a hook: no question or exclamation, and long enough to say something."""
    return not sentence.rstrip().endswith(("?", "!")) and len(sentence.split()) >= MIN_WORDS
