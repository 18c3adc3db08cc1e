"""The safety check that runs first on every message: is this a crisis, and which line comes first?

Three layers, each able only to add a signal, never to cancel one:

* **help words**: a message that is only "help", "sos", "nood" (in any supported language) gets
  every line at once;
* **acute phrases** (``assistent/data/crisis_regels.yaml``): a few unmistakable phrases;
* **the learned classifier** (:mod:`assistent.safety.classifier`) on the whole message and, for a
  long message, on each sentence, so danger in one sentence of a long story is read. Below its
  threshold but in its band of doubt, the signal is ``doubt``: the line is offered in one calm
  sentence (before the local help for 112 and 113, under it otherwise) and the help stays. One
  sentence puts the lines first only above the sentence threshold the model derived from the
  corpus's long negatives (:mod:`assistent.safety.reading` cuts a message the same way at
  training); below it, in the band of doubt, it offers the line calmly.

The message's query embedding is the one the search uses (a shared cache), so the check costs
no extra model call for an ordinary message; of a long message's sentences, only those whose
words leave them a chance are embedded (``SafetyChecker._crisis``). If the embedder fails, the
classifier's word view decides alone. Never raises; no I/O (the model, rules and levels are
passed in).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from assistent.safety.categories import CATEGORIES, ordered
from assistent.safety.reading import chunks, prepare

if TYPE_CHECKING:
    from assistent.embed import Embedder
    from assistent.safety.classifier import CrisisModel
    from assistent.safety.lines import AcuteRules

log = logging.getLogger(__name__)

Level = Literal["acuut", "zorg"]
SECONDARY_SHARE = 0.3  # a second category is offered when it has at least this probability
RETRY_SECONDS = 300.0  # after an embedder failure, the word view alone for this long
KINDERTELEFOON = "kindertelefoon"  # the line for children and young people themselves
ADULTS = ("ouder", "professional")  # writers who are not offered it on a doubt

_NOT_WORD = re.compile(r"[^\w\s']+")
SHORT_CALL_WORDS = 4  # "sos mijn kind": an emergency word in a message this short is a call


# The source of the line offered to someone who asks where to report a worry ("moet ik dat
# melden?"): Veilig Thuis advises anyone in doubt and takes the report, so its line is the answer.
REPORT_SOURCE = "melden"
# The source of the line offered to someone who names it ("wat is het nummer van veilig
# thuis?"): the line is what they asked for, so it comes first, in a plain sentence.
NAMED_SOURCE = "genoemd"
# The source of a sign the model is sure of alone, but that continues an ordinary conversation
# and is held to a sentence's thresholds (``SafetyChecker.check``): its lines calmly, first.
WITHIN_SOURCE = "model-in-gesprek"


@dataclass(frozen=True)
class SafetySignal:
    """A crisis was detected: which lines to offer, how urgently, and what found it."""

    category: str  # the line that comes first
    categories: tuple[str, ...]  # every line to offer, in priority order
    level: Level  # acuut: the line first; zorg: the line offered beside local help
    # "hulpwoord", "regel", "model", "model-twijfel" or WITHIN_SOURCE; REPORT_SOURCE for a
    # question where to report, NAMED_SOURCE for a message that names the line
    source: str
    all_lines: bool = False  # the writer asked for help in one word: show every line
    doubt: bool = False  # only the classifier's band of doubt found it (level zorg)
    # the calm line goes under the turn whatever the line: a doubtful sign on a turn of a chat
    # that asks nothing new (a refinement such as "ik woon in noord"), set by the dialogue
    beside: bool = False
    # the sign of the message before, which had the lines first: the turn right after keeps
    # the line in one calm sentence above what it finds ("he is still here"), set by the dialogue
    carried: bool = False

    @classmethod
    def where_to_report(cls) -> SafetySignal:
        """The signal that answers "moet ik dat melden?": Veilig Thuis, calm, first."""
        return cls("veilig-thuis", ("veilig-thuis",), "zorg", REPORT_SOURCE)

    @classmethod
    def named(cls, category: str) -> SafetySignal:
        """The signal for a message that names a line ("hoe bereik ik de kindertelefoon?")."""
        return cls(category, (category,), "zorg", NAMED_SOURCE)

    @property
    def asked_where_to_report(self) -> bool:
        """The writer asked where to report a worry: the line is the answer, not a warning."""
        return self.source == REPORT_SOURCE

    @property
    def sure_alone(self) -> bool:
        """A sign the model is sure of alone, held to a sentence's thresholds because the
        message continues an ordinary conversation: a calm sentence per line (at most two),
        first, that follow-ups are about ("kan ik daar ook chatten?"), unless it stands under a
        refinement (``beside``)."""
        return self.source == WITHIN_SOURCE

    @property
    def asks_for_the_line(self) -> bool:
        """The line is what the writer asked for (where to report, or the line by its name):
        it answers the message, first, and is not counted as a crisis."""
        return self.source in (REPORT_SOURCE, NAMED_SOURCE)

    @property
    def offer_first(self) -> bool:
        """A doubtful signal for a line where minutes count (112, 113), or one carried from the
        message before: its calm sentence comes before the local help instead of under it."""
        if self.carried or self.asks_for_the_line:
            return True
        if self.sure_alone:  # "mijn man heeft me net geslagen" mid-conversation
            return not self.beside
        return self.doubt and not self.beside and self.category in ("112", "113")


class SafetyChecker:
    """Decides whether a message is a crisis and which lines to offer. Thread-safe."""

    def __init__(
        self,
        model: CrisisModel | None,
        rules: AcuteRules,
        levels: dict[str, Level],
        embedder: Embedder | None = None,
    ) -> None:
        self.model = model
        self.rules = [(r.categorie, re.compile(r.patroon)) for r in rules.regels]
        self.help_words = {" ".join(w.casefold().split()) for w in rules.hulpwoorden}
        self.emergency_numbers = dict(rules.noodnummers)
        self.emergency_words = {w.casefold() for w in rules.noodwoorden} | set(
            self.emergency_numbers
        )
        self.levels = levels
        self.embedder = embedder
        # skip the embedding of sentences whose words settle them (``_crisis``); off only to
        # compare against every sentence embedded
        self.skip_settled = True
        self._retry_after = 0.0

    def check(self, text: str, rol: str | None = None, within: bool = False) -> SafetySignal | None:
        """The crisis signal of one message, or None. Never raises.

        ``within``: the message continues a conversation that was ordinary so far. It is then
        one more sentence of what the writer told, and the model judges it against the
        thresholds learned for a sentence within a longer message ("ik woon trouwens in Haven"
        after a question about breastfeeding is no cry for help). Rules and help words count
        as ever."""
        try:
            return self._check(prepare(text if isinstance(text, str) else str(text)), rol, within)
        except Exception as exc:  # the safety check must never break a conversation
            log.warning("Veiligheidscheck faalde (%s); geen signaal", type(exc).__name__)
            return None

    def warm_up(self) -> None:
        """Run one harmless message through every layer, so the first user does not wait."""
        self.check("Hallo, ik heb een vraag over de opvoeding van mijn kind.")

    # -- layers ------------------------------------------------------------------------------
    def _check(self, text: str, rol: str | None, within: bool = False) -> SafetySignal | None:
        if not any(c.isalnum() for c in text):
            return None
        bare = " ".join(_NOT_WORD.sub(" ", text.casefold()).split())
        words = bare.split()
        short_call = len(words) <= SHORT_CALL_WORDS and not self.emergency_words.isdisjoint(words)
        if bare in self.help_words or short_call:
            # "113??" names its line: that one first, then the others
            named = (self.emergency_numbers[w] for w in words if w in self.emergency_numbers)
            lead = next(named, CATEGORIES[0])  # else the first in priority order: 112
            lines = (lead, *(c for c in CATEGORIES if c != lead))
            return SafetySignal(lead, lines, "acuut", "hulpwoord", all_lines=True)
        lowered = text.casefold()
        by_rule = {category for category, pattern in self.rules if pattern.search(lowered)}
        by_model, doubt, alone = self._model_categories(text, rol in ADULTS, within)
        found = by_rule | by_model
        if not found:
            return None
        if rol == "jongere" and found & {"113", "veilig-thuis"}:
            found.add("kindertelefoon")
        if alone and not by_rule:  # sure alone, but one more sentence of a conversation
            lines = ordered(found)
            return SafetySignal(lines[0], lines, "zorg", WITHIN_SOURCE, doubt=True)
        if doubt and not by_rule:  # the band of doubt: one calm offer, the local help stays
            lead = ordered(by_model)[0]
            return SafetySignal(lead, (lead,), "zorg", "model-twijfel", doubt=True)
        # an acute phrase is surer than the model: its line leads, the others follow in order
        lead = ordered(by_rule or by_model)[0]
        categories = (lead, *(c for c in ordered(found) if c != lead))
        level: Level = "acuut" if any(self.levels[c] == "acuut" for c in categories) else "zorg"
        return SafetySignal(lead, categories, level, "regel" if by_rule else "model")

    def _model_categories(
        self, text: str, adult: bool = False, within: bool = False
    ) -> tuple[set[str], bool, bool]:
        """The categories the classifier finds, whether only its band of doubt found them, and
        whether the message alone would have been sure (held to a sentence's thresholds
        ``within`` a conversation). An ``adult`` writer is not offered the Kindertelefoon on a
        doubt: it is a line for children, and another line in its place put 112 or 113 first
        for a tired parent."""
        if self.model is None:
            return set(), False, False
        model = self.model
        read = chunks(text)
        # the whole message against its thresholds, each sentence against the sentence ones
        sure = np.array([model.threshold] + [model.sentence_threshold] * (len(read) - 1))
        doubt = np.array([model.lowest] + [model.sentence_lowest] * (len(read) - 1))
        words = model.word_crisis_probability(read)
        crisis, vectors, rows = self._crisis(model, read, words, doubt)
        over = crisis >= sure
        # within a conversation the whole message is one more sentence: sure alone, its lines
        # are offered calmly
        alone = within and bool(over[0]) and not (crisis[0] >= model.sentence_threshold)
        alone = alone and not over[1:].any()
        if not over.any() and not (crisis >= doubt).any():
            return set(), False, False
        # the surest chunk over its threshold, else the surest in its band of doubt
        best = int(np.argmax(np.where(over, crisis, -1.0) if over.any() else crisis - doubt))
        row = None if vectors is None else vectors[[rows.index(best)]]
        shares = model.category_probabilities([read[best]], row)[0]
        top = int(np.argmax(shares))
        if not over.any():
            if adult and CATEGORIES[top] == KINDERTELEFOON:
                return set(), False, False
            return {CATEGORIES[top]}, True, False
        return (
            {CATEGORIES[top]}
            | {c for c, share in zip(CATEGORIES, shares, strict=True) if share >= SECONDARY_SHARE},
            alone,
            alone,
        )

    def _crisis(
        self, model: CrisisModel, read: list[str], words: np.ndarray, doubt: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None, list[int]]:
        """The crisis probability of every chunk, the vectors embedded and whose chunks they are.

        The whole message is embedded anyway (the search shares its vector). A sentence is
        embedded only while its words leave it a chance: the probability is the mean of the
        word and the meaning view, and the meaning view stays below 1, so a sentence whose words
        give ``p`` reaches at most ``(p + 1) / 2``. Below its band of doubt that settles it,
        and it keeps that bound (still below the band). The verdict is the one with every
        sentence embedded (a test holds them equal); most sentences of an ordinary story cost no
        model call. Without vectors (the embedder failed) the word view decides alone.
        """
        rows = [0] + [
            i
            for i in range(1, len(read))
            if not self.skip_settled or (words[i] + 1.0) / 2.0 >= doubt[i]
        ]
        vectors = self._vectors([read[i] for i in rows])
        if vectors is None:
            return words, None, rows
        try:
            read_rows = model.crisis_probability_given(words[rows], vectors)
        except Exception as exc:  # vectors the model can't read: the word view alone
            self._note_failure(exc)
            return words, None, rows
        crisis = (words + 1.0) / 2.0
        crisis[rows] = read_rows
        return crisis, vectors, rows

    def _vectors(self, chunks: list[str]) -> np.ndarray | None:
        if self.embedder is None or time.monotonic() < self._retry_after:
            return None
        try:
            vectors = np.asarray(self.embedder.embed_queries(chunks), dtype=np.float32)
            if vectors.shape[0] != len(chunks):
                raise ValueError("verkeerd aantal vectoren")
            return vectors
        except Exception as exc:  # the word view still works without the model
            self._note_failure(exc)
            return None

    def _note_failure(self, exc: Exception) -> None:
        self._retry_after = time.monotonic() + RETRY_SECONDS
        log.warning("Embedding voor de veiligheidscheck mislukt (%s)", type(exc).__name__)
