"""Which place a follow-up points at: by number ("de tweede"), or by a word of its name.

The dialogue asks this about the places on the last page, and, for a place the last answer did
not show, about every place of the kennisbank (:class:`NameIndex`). Nothing here is stored.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from assistent.intent import (
    FOLLOW_UP_PREFIX,
    STOP_WORDS,
    Intent,
    IntentModel,
    everyday_words,
    field_words,
    words,
)
from assistent.kennisbank import Voorziening, wijken_of
from assistent.kennisbank.sentences import without_shared
from assistent.kennisbank.vocabulary import SOORT_WORDS

if TYPE_CHECKING:
    from assistent.safety.lines import CrisisLijn, Crisislijnen

# A word of a place's name points at that place when at most this share of the names has it
# (and at least 2): "schuldhulp" or "pubers" do, "voorbeeldstad" or "steunpunt" do not.
DISTINCT_NAME_SHARE = 0.05
# A word of a description tells its place apart when at most this share of them has it.
DISTINCT_DESCRIPTION_SHARE = 0.1
MIN_NAME_PART = 8  # letters a part of a name word needs to point at it ("schuldhulp")
MIN_COMPOUND_PART = 5
# Right after "die", "dat" ("dat café"), a shorter head of a compound points too: the word is
# plainly a thing the writer refers to ("Borstvoedingscafé").
MIN_POINTED_PART = 3
DEMONSTRATIVES = frozenset(
    {"die", "dat", "deze", "dit", "that", "this", "diese", "dieser", "dieses", "diesen"}
)
QUANTIFIERS = frozenset({"al", "all", "alle"})  # "al die brieven": no place pointed at
# A place named in a message ("waar zit het jongerenwerk") makes it a follow-up at this share.
NAMED_FOLLOW_UP_SHARE = 0.3  # the same among the few names on one page ("groep" in "Oudergroep")
ORDINALS: dict[int, tuple[str, ...]] = {
    0: (
        *("eerste", "1e", "1ste", "nummer 1", "first", "erste", "pierwsz", "birinci", "الأول"),
        *("первый", "первая", "первое", "первого", "перший", "перша", "перше", "першого"),
    ),
    1: (
        *("tweede", "2e", "2de", "nummer 2", "second", "zweite"),
        *("drugi", "druga", "drugą", "ikinci", "الثاني"),
        # not Ukrainian "друга", "другого": Russian for "a friend's", "another"
        *("второй", "вторая", "второе", "второго", "вторую", "другий", "друге"),
    ),
    2: (
        *("derde", "3e", "3de", "nummer 3", "third", "dritte"),
        *("trzeci", "trzecia", "trzecią", "üçüncü", "الثالث"),
        *("третий", "третья", "третье", "третьего", "третій", "третя", "третє"),
    ),
}
COMBINING_DOT = "\u0307"
_ORDINAL_WORDS = frozenset(n for names in ORDINALS.values() for n in names if " " not in n)
# Ordinals that take endings: German "zweiten", Turkish "ikincisine", Polish "drugiego".
INFLECTED_ORDINALS = frozenset(
    {"erste", "zweite", "dritte", "pierwsz", "drugi", "trzeci", "birinci", "ikinci", "üçüncü"}
)


def name_words(text: str) -> set[str]:
    """The words that can name a place ("home-start" is two). Small words never do: "geld
    *voor* betalen" is not about "Adviespunt *voor* leerkrachten"; nor do numbers, which point
    by position: "en de tweede?" is not about a place called "Tweede Blik". A hyphenated word
    is also the word without hyphens: "speel-o-theek" is how people type "speelotheek"."""
    joined = {w.replace("-", "") for w in words(text) if "-" in w}
    return (set(words(text.replace("-", " "))) | joined) - STOP_WORDS - _ORDINAL_WORDS


def ordinal(text: str, count: int) -> int | None:
    """The position a message gives by number ("en de tweede?", "ikincisine"), below ``count``."""
    # "İkincisine".casefold() keeps a combining dot: "i̇kincisine"
    lowered = f" {text.casefold().replace(COMBINING_DOT, '')} "
    for index, names in ORDINALS.items():
        if index < count and any(re.search(_ordinal_pattern(n), lowered) for n in names):
            return index
    return None


def pointed_at(
    text: str,
    page: Sequence[Voorziening],
    soort_words: Mapping[str, str] = SOORT_WORDS,
    *,
    places: frozenset[str] = frozenset(),
    described: Sequence[set[str]] = (),
) -> int | None:
    """The position on the page a message points at, or None when it names none.

    A word that only one shown name has wins ("en die tweede, dat fonds?" means the fund,
    wherever it stands); then a number; then, when no shown name has a word of the message,
    what follows "die"/"dat" when only one shown place's own description says it
    (``described``: per place in page order, the words that tell it apart, see
    :meth:`NameIndex.pointed`): "kan ik die rouwgroep bellen?" is Eb & Vloed, whose name says
    nothing of grief; then a word that names a kind of place ("dat
    consultatiebureau" for "JGZ Oude Haven", ``soort_words``): the first shown place of that kind;
    then a word all shown names share ("die cursus"): the first of them. Everyday words point
    at nothing ("ik *werk* fulltime", see NameIndex), nor do the words of ``places``, the
    gemeente's wijken, alone: "is er iemand hier in Zuudveen" says where, not "JGZ Zuudveen";
    beside another word of the name they choose ("jgz oude haven" of two JGZ places)."""
    whole = name_words(text)
    said = whole - everyday_words()
    pointed = _after_demonstrative(text) - places
    hits = [
        {
            w
            for w in said
            if any(
                same_word(w, n, MIN_POINTED_PART if w in pointed else MIN_COMPOUND_PART)
                for n in name_words(e.naam)
            )
        }
        for e in page
    ]
    hits = [found if found - places else set() for found in hits]  # a wijk alone says where
    shared = set.intersection(*hits) if hits else set()
    scores = [len(found - shared) for found in hits]
    best = max(scores, default=0)
    if best and scores.count(best) == 1:
        return scores.index(best)
    number = ordinal(text, len(page))
    if number is not None:
        return number
    if not best and (by_description := _described_as(pointed & said, described)) is not None:
        return by_description
    kinds = {soort_words[w] for w in whole if w in soort_words}
    of_kind = [i for i, e in enumerate(page) if e.soort in kinds]
    if of_kind:
        return of_kind[0]
    scores = [len(found) for found in hits]
    best = max(scores, default=0)
    return scores.index(best) if best else None


def _described_as(pointed: set[str], described: Sequence[set[str]]) -> int | None:
    """The one place whose description words say most of the ``pointed`` words, or None when
    none does or two say as many."""
    if not pointed or not described:
        return None
    scores = [len(pointed & said) for said in described]  # whole words: "spreekuur" is no
    # word that tells a place apart, though "inloopspreekuur" in one description is
    best = max(scores)
    return scores.index(best) if best and scores.count(best) == 1 else None


def _after_demonstrative(text: str) -> set[str]:
    """The words that directly follow "die", "dat", "this" ...: what the writer points at; not
    after "al die", "all those": "met me naar al die post kijken" points at no place."""
    found = ["", *words(text)]
    return {
        w
        for first, before, w in zip(found, found[1:], found[2:], strict=False)
        if before in DEMONSTRATIVES and first not in QUANTIFIERS
    }


def field_apart_from_name(
    text: str, place: Voorziening, intents: IntentModel, carried: str | None = None
) -> str | None:
    """The field a message asks about a place it names or numbers, read without the name
    or number (a name such as "Jou Jongerenwerk", or "de tweede", hides "waar zit dat"
    from the turn model). The message is known to be about that place, so the field is what
    the rest clearly asks; when the rest says nothing of its own ("en de tweede?", "and the
    second one?"), the field ``carried`` from the last follow-up, or every detail when there
    is none; else the likeliest follow-up kind of the rest, when it reads as one at all."""
    rest = without_name(text, place)
    if rest == text:
        return None
    read = intents.classify(rest) if words(rest) else None
    if read is not None and read.field not in (None, "info"):
        return read.field
    pointer_only = not intents.content_words(rest)
    if carried and pointer_only:
        return carried
    field_name = None
    if read is not None and read.follow_up_share >= NAMED_FOLLOW_UP_SHARE:
        field_name = (read.follow_up or "").removeprefix(FOLLOW_UP_PREFIX) or None
    if field_name in (None, "info"):
        return "info" if pointer_only else None  # "the second one": all of it
    return field_name


def line_asked_about(
    text: str, lines: Crisislijnen, intent: Intent, classify: Callable[[str], Intent]
) -> tuple[CrisisLijn, str] | None:
    """The crisis line a follow-up names and the field it asks ("is die kindertelefoon
    gratis?", "wat is het nummer van veilig thuis"), read without the line's name; None when it
    names none or asks no field. The lines are not places of the page: "is die kindertelefoon
    gratis?" under a list answered with the costs of the places shown."""
    category = lines.named_in(text)
    if category is None:
        return None
    rest = lines.without_names(text)
    read = classify(rest) if words(rest) else None
    field_name = read.field if read is not None and read.is_follow_up else intent.field
    return (lines.lijnen[category], field_name) if field_name else None


def same_word(said: str, name: str, shortest: int = MIN_COMPOUND_PART) -> bool:
    """Whether a word of a message is a word of a name, or the head of a compound in it of at
    least ``shortest`` letters ("spreekuur" in "Scheidingsspreekuur"; not "school" in
    "Schoolmaatschappelijk")."""
    return said == name or (len(said) >= shortest and name.endswith(said))


def without_name(text: str, entry: Voorziening) -> str:
    """The message without the words of a place's name or its number: what it asks about the
    place ("en dat jongerenwerk, waar zit dat" → "en dat, waar zit dat"; "en die tweede, waar
    zit dat" → "en die, waar zit dat")."""
    name = name_words(entry.naam)
    kept = _dropping(text, lambda w: any(same_word(w, n) for n in name))
    return _ANY_ORDINAL.sub("", kept.replace(COMBINING_DOT, ""))


def _dropping(text: str, is_name: Callable[[str], bool]) -> str:
    """The text without the words ``is_name`` says are part of a name (given case-folded);
    everything between the words stays."""
    return "".join(w for w in re.split(r"(\W+)", text) if not is_name(w.casefold()))


class NameIndex:
    """Per word of few names, the places whose name has it (for one kennisbank); and per word
    that names a kind of place, the places of that kind ("wijkteam": every wijkteam;
    "consultatiebureau": every place of soort jeugdgezondheidszorg)."""

    def __init__(
        self, entries: Iterable[Voorziening], shared: frozenset[str] = frozenset()
    ) -> None:
        """``shared``: the sentences the places share, which say nothing of one of them."""
        entries = list(entries)
        # an everyday word names nothing alone: "ik *werk* fulltime" is not about
        # Schoolmaatschappelijk Werk, "we wonen hier een *jaar*" not about a place called Jaar
        # nor does a wijk's name: "mijn zus in *oude haven*" says where, not "JGZ Oude Haven"
        # nor does a word that asks for a field: "kost dat *geld*?" is not about Team Gezin en Geld
        self.wijk_words = frozenset(name_words(" ".join(wijken_of(entries))))
        common = everyday_words() | field_words() | self.wijk_words
        whole = [(e.id, name_words(e.naam)) for e in entries]  # everyday words too
        names = [(place_id, ws - common) for place_id, ws in whole]
        counts = Counter(w for _, ws in names for w in ws)
        limit = max(2, round(DISTINCT_NAME_SHARE * len(names)))
        self.index: dict[str, set[str]] = {}
        having: dict[str, set[str]] = {}
        for place_id, ws in names:
            for w in ws:
                having.setdefault(w, set()).add(place_id)
                if counts[w] <= limit:
                    self.index.setdefault(w, set()).add(place_id)
        # A word too common to name one place names a kind when all its places share a soort:
        # "wijkteam" (Wijkteam Noord, Zuid, Centrum); not "voorbeeldstad" or "groep".
        soort = {e.id: e.soort for e in entries}
        self.kinds = {
            w: ids
            for w, ids in having.items()
            if w not in self.index and len({soort[i] for i in ids}) == 1
        }
        # A word that names a kind of place (soorten.yaml, soortwoorden) that no name here has
        # ("consultatiebureau" where the places are called "JGZ Noord"): every place of that
        # soort. Where a name has the word, the name decides, as for any other word.
        of_soort: dict[str, set[str]] = {}
        for e in entries:
            of_soort.setdefault(e.soort, set()).add(e.id)
        named = set().union(*(ws for _, ws in whole))
        self.soort_words = {
            w: kind for w, kind in SOORT_WORDS.items() if w not in named and kind in of_soort
        }
        for w, kind in self.soort_words.items():
            self.kinds[w] = of_soort[kind]
        # every name word that is not an everyday word (a field word too: "JGZ-locatie Oude
        # Haven" is a name in a German question, whatever "locatie" asks elsewhere)
        self.words = frozenset(having) | {w for _, ws in whole for w in ws & field_words()}
        # per word, how many descriptions have it: a word few have tells a place apart
        self.described = Counter(w for e in entries for w in name_words(e.beschrijving))
        self.described_limit = max(2, round(DISTINCT_DESCRIPTION_SHARE * len(entries)))
        self.field_words = field_words()
        self._shared = shared
        self._telling_of: dict[str, set[str]] = {}  # per place, filled as places are shown
        self.keys = sorted(self.index)
        self.tails = sorted(key[::-1] for key in self.index)  # to find a compound by its head

    def places_named(self, text: str) -> set[str]:
        """The places a message names by a word of their name that few other names have: the
        whole word, or a long part ("schuldhulp" for "Schuldhulpverlening")."""
        found: set[str] = set()
        for word in name_words(text) - field_words():  # not "spreekuur" for "Mediaspreekuur"
            found |= self.index.get(word, set())
            if len(word) < MIN_NAME_PART:
                continue
            for end in range(MIN_NAME_PART, len(word)):  # a name word that begins this word
                found |= self.index.get(word[:end], set())
            found |= _starting(self.keys, word, self.index)  # "schuldhulp" → Schuldhulpverlening
            found |= _starting(self.tails, word[::-1], self.index, reverse=True)  # "sportcoach"
        return found

    def pointed(self, text: str, page: Sequence[Voorziening]) -> int | None:
        """The position on ``page`` a follow-up points at (:func:`pointed_at`), with this
        kennisbank's words for kinds of place and its wijken, and what each place says of
        itself (its description without the shared sentences)."""
        telling = [self._telling_for(e) for e in page]
        return pointed_at(text, page, self.soort_words, places=self.wijk_words, described=telling)

    def _telling_for(self, entry: Voorziening) -> set[str]:
        """The telling words of a place's own description, read once per place (not on every
        turn that shows it)."""
        found = self._telling_of.get(entry.id)
        if found is None:
            found = self._telling(without_shared(entry.beschrijving, self._shared))
            self._telling_of[entry.id] = found
        return found

    def _telling(self, description: str) -> set[str]:
        """The words of a description that few descriptions have and no name or kind of place
        has: "rouwgroep" tells a place apart; "via" or "vrijwilligers" do not, "gezinsloket"
        names a place of its own (asked about, it is searched for), and a word that asks for a
        field ("kan ik die *appen*") asks, it does not point."""
        return {
            w
            for w in name_words(description)
            if self.described[w] <= self.described_limit
            and w not in self.words
            and w not in self.soort_words
            and w not in self.field_words
        }

    def kinds_named(self, text: str) -> set[str]:
        """The places of a kind a message names by a whole word ("en het wijkteam?")."""
        found: set[str] = set()
        for word in name_words(text):
            found |= self.kinds.get(word, set())
        return found

    def without_names(self, text: str) -> str:
        """The message without the words of any place's name: what says its language ("vv
        brinkdorp" and "lichtpuntjes" are Dutch in a Polish or Turkish question)."""
        return " ".join(_dropping(text, self.words.__contains__).split())

    def others(self, text: str, place_id: str) -> list[str]:
        """The words of a message that are not part of this place's name ("speel-o-theek" is
        two name words, as in the name)."""
        return [
            w for w in words(text.replace("-", " ")) if place_id not in self.index.get(w, set())
        ]


def _starting(
    keys: list[str], start: str, index: dict[str, set[str]], reverse: bool = False
) -> set[str]:
    """The places of the sorted ``keys`` that begin with ``start`` (reversed keys: end)."""
    found: set[str] = set()
    at = bisect.bisect_left(keys, start)
    while at < len(keys) and keys[at].startswith(start):
        found |= index[keys[at][::-1] if reverse else keys[at]]
        at += 1
    return found


def _ordinal_pattern(number: str) -> str:
    """A whole word, or with an ending where the language has them; Arabic may prefix "و"
    ("and": "والثاني")."""
    end = "" if number in INFLECTED_ORDINALS else r"(?!\w)"
    return rf"(?<!\w)و?{re.escape(number)}{end}"


# Any ordinal with its ending, to read a message without the number it points with.
_ANY_ORDINAL = re.compile(
    "|".join(_ordinal_pattern(n) + r"\w*" for names in ORDINALS.values() for n in names),
    re.IGNORECASE,
)
