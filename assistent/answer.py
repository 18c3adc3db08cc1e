"""The answer pipeline every user gets: clean input → safety check → search → structured answer.

No Telegram and no CLI here: the console, the bot and ``assistent eval`` all call
:meth:`Assistant.answer`, so what is measured is exactly what people get.
"""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from assistent.kennisbank import Voorziening
from assistent.kennisbank.described import DescribedFields
from assistent.kennisbank.sentences import description_sentences
from assistent.kennisbank.summary import Summaries, one_line
from assistent.kennisbank.topics import words
from assistent.kennisbank.vocabulary import CRISIS_FOLLOW_UP_SOORTEN, FALLBACK_SOORT
from assistent.language import detect
from assistent.profile import read_hints
from assistent.retrieval.search import Match, Profile, Searcher, SearchOutcome
from assistent.safety.detector import SafetyChecker, SafetySignal
from assistent.safety.lines import CrisisLijn, Crisislijnen
from assistent.safety.reading import EMBED_MAX_CHARS, prepare
from assistent.texts import FALLBACK_REASON, filter_note, maybe_reason

log = logging.getLogger(__name__)

# What retrieval looks at: the same cut the safety check embeds, so both share one embedding.
# The safety rules read the whole message, up to SAFETY_CHARS.
MAX_QUESTION_CHARS = EMBED_MAX_CHARS
SAFETY_CHARS = 20_000

# After a crisis reply at most two local follow-ups (the soorten in data/soorten.yaml).
CRISIS_FOLLOW_UP_MAX = 2
# A turn's safety check is reused by its answer: this many recent checks, this long.
CHECK_MEMO_SIZE = 256
CHECK_MEMO_SECONDS = 10.0

Notice = Literal["leeg", "geen-tekst", "te-lang", "andere-taal"]


@dataclass
class Result:
    """One voorziening in an answer, with a one-line reason in plain Dutch."""

    entry: Voorziening
    waarom: str
    score: float
    topics: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``assistent vraag --json``)."""
        e = self.entry
        return {
            "id": e.id,
            "naam": e.naam,
            "soort": e.soort,
            "waarom": self.waarom,
            "score": round(self.score, 4),
            "contact": e.contact.model_dump(exclude_none=True),
            "openingstijden": e.openingstijden,
            "kosten": e.kosten,
            "aanmelden": e.aanmelden,
        }


@dataclass
class Answer:
    """Everything a renderer needs; no formatting decisions here."""

    results: list[Result] = field(default_factory=list)
    crisis: SafetySignal | None = None
    crisis_lines: list[CrisisLijn] = field(default_factory=list)
    abstained: bool = False
    notices: list[Notice] = field(default_factory=list)
    taal: str = "nl"  # the writer's language; fixed texts follow it, descriptions stay Dutch

    @property
    def answered(self) -> bool:
        """True when the question was usable (not empty, not only emoji)."""
        return not ({"leeg", "geen-tekst"} & set(self.notices))

    @property
    def danger(self) -> SafetySignal | None:
        """The sign of danger to count as a crisis: not a line the writer asked for ("moet ik dat
        melden?", "hoe bereik ik de kindertelefoon?")."""
        return None if self.crisis is None or self.crisis.asks_for_the_line else self.crisis

    @property
    def lines_first(self) -> bool:
        """True for an acute crisis: the lines come before any local help."""
        return self.crisis is not None and self.crisis.level == "acuut"

    @property
    def line_leads(self) -> bool:
        """True when the line is the help: an acute crisis, or a sure sign at the zorg level
        where no specific local place fits ("ik ben 11 en krijg soms klappen" found only the
        CJG). Its sentence then comes before the places, and a follow-up ("wat kost bellen?",
        "kan ik ook chatten?") is about the line, not about the CJG."""
        if self.crisis is None or not self.crisis_lines:
            return False
        if self.crisis.asks_for_the_line:  # "moet ik dat melden?": the line answers it
            return True
        if self.crisis.sure_alone:  # sure alone, its lines calmly first within a conversation
            return not self.crisis.beside
        return self.lines_first or (not self.crisis.doubt and self.abstained)

    @property
    def line_beside(self) -> CrisisLijn | None:
        """The line offered calmly beside the places (the Kindertelefoon under a child's story):
        a follow-up that names no place is about it too ("is dat gratis?")."""
        if self.crisis is None or not self.crisis_lines or self.line_leads:
            return None
        return self.crisis_lines[0]

    @property
    def topic(self) -> str | None:
        """The topic to count: the first matched topic of the top result, else its first."""
        if self.abstained or not self.results:
            return None
        top = self.results[0]
        topics = top.topics or top.entry.onderwerpen
        return topics[0] if topics else None

    def ids(self) -> list[str]:
        """Ids in the order the user sees them (the lines first when they lead, else after)."""
        lines = [line.id for line in self.crisis_lines]
        results = [r.entry.id for r in self.results]
        ids = [*lines, *results] if self.line_leads else [*results, *lines]
        return list(dict.fromkeys(ids))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "crisis": self.crisis.category if self.crisis else None,
            "crisis_niveau": self.crisis.level if self.crisis else None,
            # only the classifier's band of doubt found it: one calm sentence, the help stays
            "crisis_twijfel": bool(self.crisis and self.crisis.doubt),
            "crisis_lijnen": [line.id for line in self.crisis_lines],
            "taal": self.taal,
            "geen_specifieke_match": self.abstained,
            "meldingen": list(self.notices),
            "resultaten": [r.to_dict() for r in self.results],
        }


def clean_text(text: str) -> str:
    """The message as every part reads it (safety.reading.prepare): no control characters, no
    invisible ones inside a word, letters typed apart read as words, single spaces."""
    return prepare(text)


def _read_whole(text: str) -> str:
    """A message as the safety check reads it: cleaned, up to SAFETY_CHARS."""
    return clean_text(text[:SAFETY_CHARS] if text else "")


def _mostly_other_script(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 4:
        return False
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    return latin / len(letters) < 0.5


def why(match: Match, profile: Profile, what: Callable[[Voorziening], str] | None = None) -> str:
    """One short line, B1, on why this voorziening fits (``what``: the line on what a place
    does, Summaries.line; without it, the first sentence of its description)."""
    e = match.entry
    if match.topics:
        reason = "Gaat over " + _join(match.topics[:3]) + "."
    elif match.sentence:
        reason = match.sentence.strip()
    else:
        reason = (what or what_it_does)(e)
    extra = []
    if match.note is not None:  # outside the asker's wijk/age/doelgroep: say so, never "jouw"
        extra.append(filter_note(**asdict(match.note)))
    elif profile.wijk and e.wijken:
        extra.append(f"in jouw wijk {profile.wijk}")
    if match.note is None and profile.leeftijd is not None and e.leeftijd:
        extra.append(f"voor kinderen van {e.leeftijd.van} tot {e.leeftijd.tot} jaar")
    return reason + (f" ({', '.join(extra)})" if extra else "")


def what_it_does(entry: Voorziening) -> str:
    """The first sentence of the place's own description, cut to one line."""
    return one_line(next(iter(description_sentences(entry.beschrijving)), ""))


def fallback_reasons(
    entries: list[Voorziening], what: Callable[[Voorziening], str] = what_it_does
) -> list[str]:
    """Why each CJG place is offered when nothing specific fits: the warm general line when
    there is one, else each in its own words (an imported sociale kaart may hold a CJG's host
    family service as a second place of soort cjg, which is not 'for every question')."""
    if len(entries) == 1:
        return [FALLBACK_REASON]
    return [what(e) or FALLBACK_REASON for e in entries]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


class Assistant:
    """The whole question → answer pipeline for one instance."""

    def __init__(
        self,
        searcher: Searcher,
        safety: SafetyChecker,
        lines: Crisislijnen,
        max_results: int = 9,
    ) -> None:
        self.searcher = searcher
        self.safety = safety
        self.lines = lines
        self.max_results = max_results
        # The dialogue checks a turn before reading it (``danger``) and the answer checks it
        # again: the second asks this memo (recent checks, in memory only, for seconds).
        self._checked: OrderedDict[tuple[str, str | None, bool], tuple[float, SafetySignal | None]]
        self._checked = OrderedDict()
        self._checked_lock = threading.Lock()
        self._described = DescribedFields(searcher.entries)  # trained on first use
        # the line on what each place does
        self.summaries = Summaries(searcher.entries, searcher.shared)

    def described(self, entries: list[Voorziening], field_name: str) -> dict[str, str]:
        """Per place without ``field_name``: the sentence of its description that says it."""
        found = {e.id: self._described.sentence(e, field_name) for e in entries}
        return {place_id: sentence for place_id, sentence in found.items() if sentence}

    @property
    def entries(self) -> list[Voorziening]:
        """The voorzieningen this assistant answers from."""
        return self.searcher.entries

    def gemeente_for(self, profile: Profile) -> str | None:
        """The gemeente a profile is served by."""
        return self.searcher.gemeente_for(profile)

    def danger(
        self, text: str, profile: Profile | None = None, within: bool = False
    ) -> SafetySignal | None:
        """The safety check alone (the dialogue asks it before reading a turn as small talk).
        ``within``: the message continues an ordinary conversation (``SafetyChecker.check``)."""
        question = _read_whole(text)
        if not any(c.isalnum() for c in question):
            return None
        return self._check(question, (profile or Profile()).rol, within)

    def _check(self, question: str, rol: str | None, within: bool = False) -> SafetySignal | None:
        key, now = (question, rol, within), time.monotonic()
        with self._checked_lock:
            found = self._checked.get(key)
            if found is not None and now - found[0] <= CHECK_MEMO_SECONDS:
                return found[1]
        # who writes, as the profile or else the message says ("ik ben leerkracht", "ik ben
        # 14"): the lines are chosen for them
        signal = self.safety.check(question, rol or read_hints(question).rol, within)
        with self._checked_lock:
            self._checked[key] = (now, signal)
            self._checked.move_to_end(key)
            while len(self._checked) > CHECK_MEMO_SIZE:
                self._checked.popitem(last=False)
        return signal

    def _lines_for(self, signal: SafetySignal | None) -> list[CrisisLijn]:
        """The lines a crisis signal offers: one calm offer at the zorg level."""
        if signal is None:
            return []
        categories = signal.categories  # every line when the writer asked for all of them
        if signal.level == "zorg":  # one calm offer beside the local help (two when sure alone)
            categories = categories[: 2 if signal.sure_alone else 1]
        return [self.lines.lijnen[c] for c in categories if c in self.lines.lijnen]

    def report_line(self, answer: Answer) -> None:
        """Give an answer to "moet ik dat melden?" the line of Veilig Thuis, which advises anyone
        in doubt and takes the report, unless the message brought a sign of its own."""
        if answer.crisis is None:
            answer.crisis = SafetySignal.where_to_report()
            answer.crisis_lines = self._lines_for(answer.crisis)

    def care(self, text: str, profile: Profile | None = None, within: bool = False) -> Answer:
        """The safety part of an answer alone, without a search: the sign and its lines, for
        the calm line that goes beside a follow-up in the band of doubt."""
        signal = self.danger(text, profile, within)
        question = _read_whole(text)
        return Answer(crisis=signal, crisis_lines=self._lines_for(signal), taal=detect(question))

    def answer(
        self,
        text: str,
        profile: Profile | None = None,
        off_topic: bool = False,
        within: bool = False,
    ) -> Answer:
        """Answer one message. Never raises for odd input.

        ``within``: the message continues an ordinary conversation (``SafetyChecker.check``).

        ``off_topic``: the dialogue found the message is not about parenting at all; after the
        safety check it gets the CJG with the honest no-match sentence (beside a calm line when
        the sign of danger is only doubtful; an acute one keeps its own follow-up).
        """
        profile = profile or Profile()
        question = _read_whole(text)
        if not question:
            return Answer(notices=["leeg"])
        if not any(c.isalnum() for c in question):
            return Answer(notices=["geen-tekst"])
        notices: list[Notice] = []
        answer = Answer(notices=notices)

        # Safety first, on the whole message, before any retrieval.
        signal = self._check(question, profile.rol, within)
        answer.taal = detect(question)
        if signal is None and (named := self.lines.named_in(question)) is not None:
            signal = SafetySignal.named(named)  # "wat is het nummer van veilig thuis?"
            question = self.lines.without_names(question)  # the rest says what else is asked
            answer.taal = detect(question)  # "how do I reach the kindertelefoon?": English
            # the line answers it: places only for a topic named whole, else the CJG ("how do I
            # reach the…" found a language course)
            off_topic = True
        answer.crisis, answer.crisis_lines = signal, self._lines_for(signal)

        if len(question) > MAX_QUESTION_CHARS:
            notices.append("te-lang")
            question = question[:MAX_QUESTION_CHARS]
        if answer.taal != "nl" or _mostly_other_script(question):
            notices.append("andere-taal")

        try:
            outcome = (
                self._off_topic(question, profile, answer.taal)
                # a calm line for a doubtful sign does not make the message about parenting
                if off_topic and (signal is None or signal.level == "zorg")
                else self.searcher.search(question, profile, self.max_results, answer.taal, within)
            )
        except Exception as exc:  # the model failed: the crisis reply and the CJG still go out
            log.warning("Zoeken mislukt (%s); terugval naar het CJG", type(exc).__name__)
            outcome = self.searcher.abstain(profile)
        answer.abstained = outcome.abstained
        fallback = [m.entry for m in outcome.matches if outcome.abstained and not m.maybe]
        what = self.summaries.line
        general = dict(zip((e.id for e in fallback), fallback_reasons(fallback, what), strict=True))
        answer.results = [
            Result(
                entry=m.entry,
                waarom=maybe_reason(why(m, profile, what))
                if m.maybe
                else general[m.entry.id]
                if outcome.abstained
                else why(m, profile, what),
                score=m.score,
                topics=m.topics,
            )
            for m in outcome.matches
        ]
        if signal is not None and signal.level == "acuut":
            answer.results = self._after_crisis(answer, profile)
        return answer

    def _off_topic(self, question: str, profile: Profile, taal: str) -> SearchOutcome:
        """The CJG for a message the dialogue read as off-topic, unless the best place's own
        topic is named whole in it: staff typed that topic, so it overrules the reading
        ("cyberpesten" is the Steunpunt Pesten's, not a computer question)."""
        found = self.searcher.search(question, profile, self.max_results, taal)
        best = found.matches[0] if found.matches and not found.abstained else None
        if (
            best is not None
            and not best.maybe
            and best.entry.soort != FALLBACK_SOORT  # the CJG anyway: say nothing fits
            and self.searcher.topics_in(best.entry.id, words(question))
        ):
            return found
        return self.searcher.abstain(profile)

    def _after_crisis(self, answer: Answer, profile: Profile) -> list[Result]:
        """Local help that may follow an acute crisis reply: support that fits, never a course."""
        assert answer.crisis is not None
        shown = {line.id for line in answer.crisis_lines}
        fitting = CRISIS_FOLLOW_UP_SOORTEN.get(answer.crisis.category, frozenset())
        follow_up = (
            []
            if answer.abstained
            else [
                r for r in answer.results if r.entry.soort in fitting and r.entry.id not in shown
            ][:CRISIS_FOLLOW_UP_MAX]
        )
        if follow_up:
            return follow_up
        fallback = self.searcher.fallback(profile)
        return [
            Result(entry=e, waarom=reason, score=0.0)
            for e, reason in zip(
                fallback, fallback_reasons(fallback, self.summaries.line), strict=True
            )
        ]
