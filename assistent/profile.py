"""Who is asking: the optional profile that filters answers. No heavy imports here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Rol = Literal["ouder", "professional", "jongere"]
ROLES: tuple[Rol, ...] = ("ouder", "professional", "jongere")


@dataclass(frozen=True)
class Profile:
    """What a user told about themselves; every field optional, a missing one filters nothing."""

    gemeente: str | None = None
    wijk: str | None = None
    leeftijd: int | None = None
    rol: Rol | None = None
    # With ``leeftijd``, the upper end of an age range: a life stage read from one message
    # ("onze peuter": 2 to 4). Never stored; None for one age.
    leeftijd_tot: int | None = None


# --- what a message says about who is asking -------------------------------------------------
# read_hints() reads an age, a role and a wijk from one message, so "en voor een kind van 8?"
# can refine a question without a profile. It errs on the side of None: a missing hint filters
# nothing, a wrong one would hide help.

# A writer this old or younger who states their own age is a jongere (youth care runs to 23).
YOUTH_MAX_AGE = 23
YOUTH_MIN_AGE = 6
MAX_AGE = 30  # the kennisbank's age ranges end here

_WORD_NUMBERS = {
    "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9,
    "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15,
    "zestien": 16, "zeventien": 17, "achttien": 18, "negentien": 19, "twintig": 20,
}  # fmt: skip
# "een" and "half" count only before a unit ("van een jaar", "een half jaar").
_NUM = r"(?:\d{1,2}(?:[.,]5)?|" + "|".join(_WORD_NUMBERS) + r"|anderhalf|anderhalve)"
_UNIT = r"(?:jaar|jaren|jr|maand|maanden|maandjes|mnd|week|weken|weekjes|wk|dag|dagen|dagjes)"
# Words after a bare number that show it is not an age: "8 uur", "3 keer", "2 kinderen".
_NOT_AGE = (
    r"(?!\s*(?:[:.]\d|uur\b|u\b|keer|x\b|minuten|min\b|seconden|euro|€|procent|%|kilo|kg\b|"
    r"cm\b|meter|km\b|nachten|nacht\b|kinderen|kids|broers|zussen|jongens|meisjes|man\b|"
    r"mensen|vrienden|klas|groep|punten|cijfer|stuks|pakjes|glazen|flesjes|boterhammen))"
)
_AGE = (
    rf"(?P<num>{_NUM}|een(?=\s+{_UNIT})|(?:een\s+)?half(?=\s+jaar))"
    rf"(?:\s*(?P<unit>{_UNIT})\b|\b{_NOT_AGE})"
)
_AGE_LIST = rf"{_AGE}(?P<more>(?:\s*(?:,|en|&)\s*{_NUM}\b{_NOT_AGE})*)"

_CHILD = (
    r"(?:zoon|zoontje|dochter|dochtertje|kind|kindje|kinderen|kids|kleinkind|kleinkinderen|"
    r"kleinzoon|kleindochter|stiefzoon|stiefdochter|stiefkind|pleegkind|pleegzoon|"
    r"pleegdochter|baby|baby'tje|babytje|peuter|kleuter|puber|tiener|jongste|oudste|middelste|"
    r"tweeling|broertje|zusje|broer|zus|neefje|nichtje|leerling)"
)
_MY = r"(?:mijn|m'n|mn|onze|ons)"
_CHILD_AGE = [
    # "mijn zoon van 14", "kind van 8", "een baby van 6 weken", "kinderen van 8 en 10"
    re.compile(rf"\b{_CHILD}\s+van\s+(?:bijna\s+|pas\s+|ruim\s+)?{_AGE_LIST}"),
    # "mijn dochter (8)", "mijn zoon, 14 jaar,"
    re.compile(rf"\b{_CHILD}\s*[(,]\s*{_AGE}\s*(?:oud\s*)?[),]"),
    # "mijn zoon is 14", "mijn dochter is nu 8 jaar oud"; a bare "is 3 weken" is often a
    # duration ("is 3 weken ziek"), so weeks and months need "oud" or the end of a clause.
    re.compile(
        rf"\b{_MY}\s+{_CHILD}\s+is\s+(?:nu\s+|net\s+|bijna\s+|pas\s+)?{_AGE}"
        r"(?P<after>\s+oud\b|\s*(?:[.,;!?)]|$|\s+en\b))?"
    ),
    # "mijn 14-jarige zoon", "een 8 jarig meisje"
    re.compile(rf"\b(?P<num>\d{{1,2}}|{'|'.join(_WORD_NUMBERS)})[\s-]?jarige?\b"),
    # chat style: "dochter 16 wil niet eten", "mn zoon 14 blowt" (at the start or after "mijn")
    # (years only: "mijn kinderen 3 dagen per week bij hun vader" is no age)
    re.compile(
        rf"(?:^|\b{_MY}\s+){_CHILD}\s+(?P<num>\d{{1,2}})(?:\s*(?:jaar|jr)\b|\b{_NOT_AGE})"
        r"(?!\s*(?:maand|maanden|maandjes|mnd|week|weken|weekjes|wk|dag|dagen|dagjes)\b)"
    ),
    # "mijn meisje van 8", "ons jongetje van 3"
    re.compile(rf"\b{_MY}\s+(?:meisje|jongen|jongetje|meid)\s+van\s+{_AGE_LIST}"),
]
# "hij is 14 hoor", "ze is net 8 geworden", "die is 9": a pronoun in a chat about a child. Only
# an age the clause ends with counts ("hij is 3 jaar bij ons", "die is 2 jaar geleden overleden"
# are durations), and only a child's age (the pronoun may be a partner's: "hij is 40").
_PRONOUN_AGE = re.compile(
    rf"(?:^|[.,;:!?]\s*|\b(?:en|maar|want|nou|nee|ja|oh|o)\s+)(?:hij|ze|zij|die|ie)\s+(?:is|wordt)\s+"
    rf"(?:nu\s+|net\s+|bijna\s+|pas\s+|al\s+|inmiddels\s+)?{_AGE}"
    r"(?P<after>\s+(?:jaar\s+)?oud\b|\s+geworden\b|\s*(?:[.,;!?)]|$)|"
    r"\s+(?:en|hoor|trouwens|btw|inmiddels|nu|ofzo|of zo)\b)"
)
PRONOUN_MAX_AGE = 18

# The same in the other languages the assistant speaks (en, de, pl, tr, ar, uk, ru): the child's age
# with words that make it one ("3 years old", "16 Jahre alt", "ma 13 lat", "14 yaşında",
# "عمره 5"), or a child word right before it ("my son is 2", "meine Tochter ist 16").
# A bare "3 years" or "seit 2 Jahren" is a duration, not an age.
_OTHER_CHILD = (
    r"(?:son|daughter|child|kid|boy|girl|baby|toddler|grandson|granddaughter|brother|sister|"
    r"sohn|tochter|kind|junge|mädchen|enkel|enkelin|bruder|schwester|"
    r"syn|córka|corka|dziecko|wnuk|wnuczka|brat|siostra|synek|córeczka|coreczka)"
)
_OTHER_NUM = r"(?P<num>\d{1,2}(?:[.,]5)?)"
# Ukrainian and Russian child words by their stem (the case endings vary: син, сину, синові).
_CYRILLIC_CHILD = (
    r"\b(?:син|сина|сину|синові|синочк\w*|донь\w*|доч\w*|дитин\w*|дитя\w*|мал(?:ий|ому|а|ій|ая|ой|ыш\w*|юк\w*)|"
    r"онук\w*|онуч\w*|брат\w*|сестр\w*|сын\w*|ребен\w*|ребён\w*|внук\w*|внучк\w*)"
)
_CYRILLIC_UNIT = r"рок\w*|рік|лет|год(?:а|ик\w*)?|місяц\w*|месяц\w*|тижн\w*|недел\w*|днів|дней"
_OTHER_UNIT = (
    r"(?P<unit>(?:years?|yrs?|months?|weeks?)[\s-]old|yo\b|y/o|"
    r"(?:jahre?|monate?|wochen)\s+alt|jährig\w*|"
    r"letni\w*|latek|latka|"
    r"yaşında\w*|yasinda\w*|aylık|aylik|haftalık|haftalik)"
)
# Units that make a child younger than a year, also the Dutch ones ("baby is 5 weken").
_YOUNG_UNIT = (
    r"days?|weeks?|months?|tage?|wochen|monate?|tygodni\w*|miesi\w*|dagen|weken|maand\w*|mnd"
)
_NOT_AN_AGE = (
    r"(?![\d:.,]\d|\s*(?:hours?|times|minutes|euro|€|%|uhr|mal|minuten|godzin|razy|saat|kez|"
    r"o'clock|am\b|pm\b))"
)
_CHILD_AGE_OTHER = [
    re.compile(rf"(?<![\d:.,]){_OTHER_NUM}[\s-]?{_OTHER_UNIT}"),
    # Polish "ma 13 lat" (has 13 years), "ma 8 miesięcy"
    re.compile(rf"\bma\s+{_OTHER_NUM}\s+(?P<unit>lat[a]?|rok|roczek|miesi\w*|tygodni\w*)\b"),
    # "my son is 2", "my daughter, 13,", "meine Tochter ist 16", "mein Bruder, 3 Jahre"
    re.compile(
        rf"\b{_OTHER_CHILD}\s*(?:is|'s|ist|ma|,|\()\s*(?:now\s+|just\s+|almost\s+|only\s+|"
        rf"jetzt\s+|erst\s+|fast\s+|już\s+|juz\s+|dopiero\s+|prawie\s+)?{_OTHER_NUM}"
        rf"(?:\s*(?P<unit>{_YOUNG_UNIT}))?{_NOT_AN_AGE}"
    ),
    # "he's 9", "she is 13", "er ist 3"
    re.compile(
        rf"\b(?:he|she|er|sie)\s*(?:'s|is|ist)\s+(?:now\s+|just\s+|jetzt\s+)?{_OTHER_NUM}"
        rf"(?:\s*(?P<unit>{_YOUNG_UNIT}))?{_NOT_AN_AGE}"
    ),
    # Arabic "عمره 5", "عمرهم ٤ و ٧" (its digits are read as 0-9 first)
    re.compile(rf"عمر(?:ه|ها|هم|هما)?\s*{_OTHER_NUM}(?P<more>(?:\s*(?:و|،|,)\s*\d{{1,2}})*)"),
    # Ukrainian and Russian: a child word (any case ending), then the age with its unit
    # ("сину 8 років", "моей дочке 14 лет", "донька (5 місяців)"), or "йому 8 років" / "ей 3
    # года". "вже 2 роки в Нідерландах" has no child word: a duration.
    re.compile(
        rf"(?:{_CYRILLIC_CHILD}|\b(?:йому|їй|ему|ей))[\s,(:—-]+(?:\w+\s+)?"
        rf"(?:вже\s+|уже\s+|лише\s+|тільки\s+|только\s+|всего\s+|майже\s+|почти\s+)?"
        rf"{_OTHER_NUM}\s*(?P<unit>{_CYRILLIC_UNIT})"
    ),
]
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# How a unit turns a number into years, in every language read here (``_years``).
_MONTH_UNITS = ("maand", "mnd", "month", "monat", "miesi", "aylık", "aylik", "місяц", "месяц")
_WEEK_UNITS = (
    "week", "wek", "wk", "dag", "day", "tag", "wochen", "tygodn", "haftal", "тижн", "недел",
    "днів", "дней",
)  # fmt: skip


_SELF_AGE = [
    # "ik ben 15", "ik ben nu 15 jaar oud"; never "ik ben 3 weken bevallen"
    re.compile(
        rf"\bik\s+ben\s+(?:nu\s+|net\s+|pas\s+|bijna\s+|al\s+)?(?P<num>{_NUM})"
        rf"(?!\s*(?:{_UNIT.replace('jaar|jaren|jr|', '')})\b){_NOT_AGE}\b"
    ),
    # "ik ben een meisje van 13"
    re.compile(
        r"\bik\s+ben\s+(?:een\s+)?(?:meisje|jongen|meid|gast|tiener|puber|jongere|scholier|"
        rf"leerling)\s+van\s+(?P<num>{_NUM})\b{_NOT_AGE}"
    ),
    # "ik (15)", "ik, 15, ..."
    re.compile(rf"\bik\s*[(,]\s*(?P<num>{_NUM})\s*(?:jaar\s*)?[),]"),
    # "ik ben een 15-jarige"
    re.compile(rf"\bik\s+ben\s+(?:een\s+)?(?P<num>\d{{1,2}}|{'|'.join(_WORD_NUMBERS)})[\s-]?jarig"),
    # "hoi, ben 15 en ..." (the "ik" left out)
    re.compile(rf"^(?:(?:hoi|hallo|hey|hi|hee)\b[\s,!.]*)?ben\s+(?P<num>{_NUM})\b{_NOT_AGE}"),
]

_PROFESSIONS = (
    r"(?:leerkracht|leraar|lerares|juf|juffrouw|meester|docent|docente|mentor|mentrix|"
    r"intern\s+begeleider|ib'?er|ib-er|zorgco[öo]rdinator|pedagogisch\s+medewerk(?:er|ster)|"
    r"pm'?er|pm-er|groepsleid(?:er|ster)|leidster|gastouder|onderwijsassistent|"
    r"wijkagent|jeugdagent|politieagent|agent|jongerenwerker|jeugdwerker|jeugdarts|"
    r"(?:jeugd)?verpleegkundige|huisarts|praktijkondersteuner|poh(?:-ggz)?|"
    r"(?:school)?maatschappelijk\s+werker|jeugdhulpverlener|hulpverlener|wijkcoach|"
    r"(?:buurt)?sportcoach|jeugdconsulent|leerplichtambtenaar|schoolleider|directeur|"
    r"ambulant\s+begeleider|logopedist|kinderfysiotherapeut|bso-medewerker|trainer)"
)
_WORKPLACES = (
    r"(?:school|basisschool|middelbare\s+school|kinderopvang|bso|kinderdagverblijf|kdv|opvang|"
    r"peuterspeelzaal|peuteropvang|cr[eè]che|buurthuis|jongerencentrum|politie|"
    r"huisartsenpraktijk|consultatiebureau|jeugdzorg|wijkteam)"
)
_PROFESSIONAL = [
    re.compile(rf"\bals\s+(?:(?:een|de)\s+)?{_PROFESSIONS}s?\b"),
    re.compile(
        rf"\b(?:ik\s+ben|wij\s+zijn|we\s+zijn)\s+(?:(?:een|de|hier|daar)\s+)?"
        rf"(?:\w+\s+)?{_PROFESSIONS}(?:s|en)?\b"
    ),
    re.compile(
        rf"\bik\s+werk\s+(?:als|op|in|bij)\s+(?:(?:een|de|het)\s+)?(?:\w+\s+)?"
        rf"(?:{_PROFESSIONS}|{_WORKPLACES})\b"
    ),
    re.compile(r"\b(?:mijn|m'n|onze)\s+leerling(?:en)?\b"),
    re.compile(r"\b(?:een\s+)?leerling(?:en)?\s+van\s+(?:mij|ons)\b"),
    re.compile(r"\been\s+van\s+(?:mijn|onze)\s+leerlingen\b"),
    re.compile(
        r"\b(?:kind|kindje|kinderen|peuter|leerling)\s+(?:in|uit)\s+(?:mijn|onze)\s+groep\b"
    ),
    re.compile(r"\b(?:als|namens|vanuit)\s+(?:de\s+)?(?:school|kinderopvang|opvang|bso)\b"),
    # staff speaking for their workplace: "op de bso hebben we een jongen van 7 die …" (not a
    # parent's "op de opvang hebben we een gesprek gehad", nor a pupil's "in de klas hebben we …")
    re.compile(
        r"\b(?:op|bij|in)\s+(?:de|het|onze|ons)\s+(?:bso|kdv|kinderdagverblijf|opvang|kinderopvang|"
        r"peuteropvang|peuterspeelzaal)\s+(?:hebben\s+(?:we|wij)|heb\s+ik)\s+(?:een|twee|drie)\s+"
        r"(?:\w+\s+)?(?:jongen|jongetje|meisje|kind|kindje|peuter|kleuter|dreumes|baby|leerling)"
    ),
]
_PARENT = [
    re.compile(rf"\b{_MY}\s+(?:eigen\s+)?(?:\w+\s+)?{_CHILD}\b"),
    re.compile(
        rf"\b(?:ik\s+heb|wij\s+hebben|we\s+hebben)\s+(?:een|twee|drie|\d)\s+(?:\w+\s+)?{_CHILD}"
    ),
    re.compile(
        r"\bik\s+ben\s+(?:een\s+|de\s+)?(?:\w+\s+)?(?:moeder|vader|ouder|mama|papa|pleegouder|"
        r"pleegmoeder|pleegvader|stiefmoeder|stiefvader|opa|oma)\b"
    ),
    re.compile(r"\bals\s+(?:\w+\s+)?(?:moeder|vader|ouder|ouders|mama|papa|pleegouder|opa|oma)\b"),
    re.compile(r"\bik\s+ben\s+(?:\w+\s+){0,2}(?:zwanger|bevallen)\b"),
]
# A child or teenager writing about their own parents or school.
_YOUTH = [
    re.compile(r"\b(?:mijn|m'n)\s+ouders\b"),
    re.compile(
        r"\bik\s+zit\s+in\s+(?:de\s+|groep\s+|klas\s+)?(?:brugklas|\d(?:e|de)?\s+klas|groep\s+\d|"
        r"klas\s+\d|havo|vwo|vmbo|mavo|\d)\b"
    ),
]


@dataclass(frozen=True)
class Hints:
    """What one message says about who is asking; None where it says nothing clear."""

    leeftijd: int | None = None
    rol: Rol | None = None
    wijk: str | None = None
    # A life stage instead of an age ("mijn puber": 12 to 17), when the message names no age.
    leeftijd_fase: tuple[int, int] | None = None
    # A young person writing about themselves ("ik ben 15 en …"), not a young parent
    own_age: bool = False


def _number(word: str) -> float:
    if word in _WORD_NUMBERS:
        return _WORD_NUMBERS[word]
    if word.startswith("anderhalf"):
        return 1.5
    if word in ("een",):
        return 1
    if word.endswith("half"):  # "half", "een half"
        return 0.5
    return float(word.replace(",", "."))


def _years(number: str, unit: str | None) -> int:
    value = _number(number)
    if unit and unit.startswith(_MONTH_UNITS):
        value /= 12
    elif unit and unit.startswith(_WEEK_UNITS):
        value = 0
    return int(value)


# Life stages a parent names instead of an age ("mijn puber", "onze peuter"), with the ages
# they span: a service for any age in the stage fits. Only with "mijn/onze" or "ik heb een":
# "toen hij een baby was" says nothing about the child now.
STAGES: dict[str, tuple[int, int]] = {
    "baby": (0, 1), "zuigeling": (0, 1), "dreumes": (1, 2), "peuter": (2, 4),
    "kleuter": (4, 6), "puber": (12, 17), "tiener": (13, 19),
}  # fmt: skip
_STAGE = re.compile(
    rf"\b(?:{_MY}|(?:ik\s+heb|wij\s+hebben|we\s+hebben)\s+(?:een|twee|2))\s+(?:\w+\s+)?"
    rf"(?P<stage>{'|'.join(STAGES)})(?:'?tje|tjes|je|s)?"
    r"(?:zoon|dochter|meid|meisje|jongen|kind)?\b"
)


# Pregnancy: the services' age ranges are about the coming baby, so the age that counts is 0.
_PREGNANT = re.compile(r"\b(?:zwanger|in verwachting)\b")
_PREGNANT_AFTER = re.compile(r"[^.?!]{0,25}\b(?:zwanger|in verwachting)\b")


def _child_ages(text: str) -> set[int]:
    ages: set[int] = set()
    for pattern in _CHILD_AGE:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            unit = groups.get("unit")
            if "after" in groups and unit and not unit.startswith(("jaar", "jr")):
                if not m.group("after"):  # "is 3 weken ziek": a duration, not an age
                    continue
            if _PREGNANT_AFTER.match(text, m.end()):
                continue  # "mijn dochter van 16 is zwanger": the age of the mother-to-be
            ages.add(_years(m.group("num").strip(), unit))
            for more in re.findall(_NUM, groups.get("more") or ""):
                ages.add(_years(more, unit))
    for m in _PRONOUN_AGE.finditer(text):
        age = _years(m.group("num").strip(), m.group("unit"))
        if age <= PRONOUN_MAX_AGE and not _PREGNANT_AFTER.match(text, m.end()):
            ages.add(age)
    return {a for a in ages if 0 <= a <= MAX_AGE}


def _other_ages(text: str) -> set[int]:
    """Child ages said in English, German, Polish, Turkish, Arabic, Ukrainian or Russian."""
    ages: set[int] = set()
    text = text.translate(_ARABIC_DIGITS)
    for pattern in _CHILD_AGE_OTHER:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            ages.add(_years(m.group("num"), groups.get("unit")))
            ages.update(int(n) for n in re.findall(r"\d{1,2}", groups.get("more") or ""))
    return {a for a in ages if 0 <= a <= MAX_AGE}


def _self_age(text: str) -> int | None:
    ages = {_years(m.group("num"), None) for p in _SELF_AGE for m in p.finditer(text)}
    ages = {a for a in ages if YOUTH_MIN_AGE <= a <= MAX_AGE}
    return ages.pop() if len(ages) == 1 else None


def _stage(text: str) -> tuple[int, int] | None:
    stages = {STAGES[m.group("stage")] for m in _STAGE.finditer(text)}
    return stages.pop() if len(stages) == 1 else None


_APOSTROPHE = "['\u2019\u2018`]"  # a phone types 't as \u2019t


def _wijk_word(word: str) -> str:
    """A word of a wijk's name as people type it: "'t" also as "\u2019t", "t" or "het"."""
    if re.fullmatch(f"{_APOSTROPHE}t", word):
        return f"(?:{_APOSTROPHE}?t|het)"
    return _APOSTROPHE.join(re.escape(part) for part in re.split(_APOSTROPHE, word))


def _wijk(text: str, wijken: Sequence[str]) -> str | None:
    found = set()
    for wijk in wijken:
        words = r"[\s-]+".join(_wijk_word(w) for w in re.split(r"[\s-]+", wijk.lower()) if w)
        # whole word, not part of a compound ("Zuid-Afrika", "Noord-Holland") and not the
        # "Centrum voor Jeugd en Gezin"
        pattern = rf"(?<![\w-]){words}(?![\w-])(?!\s+voor\s+jeugd)"
        if re.search(pattern, text):
            found.add(wijk)
    return found.pop() if len(found) == 1 else None


def read_hints(text: str, wijken: Sequence[str] = ()) -> Hints:
    """The age, role and wijk a message states; None for what it leaves unclear. Roles, life
    stages and wijken are read in Dutch; a child's age also in English, German, Polish,
    Turkish, Arabic, Ukrainian and Russian ("my son is 2", "ma 13 lat", "сину 8 років").

    The age is the child's ("mijn zoon van 14" → 14, "een baby van 6 weken" → 0, 0 for a
    pregnancy), or the writer's own when a young person writes about themselves ("ik ben 15"
    → 15, rol jongere; "ik ben 19 en heb een baby van 4 maanden" → 0, rol jongere). Without an
    age, a life stage gives a range ("onze peuter" → ``leeftijd_fase`` (2, 4)).
    Two different ages or stages, or two wijken, give None: a hint must not hide help.
    """
    lowered = re.sub(r"\s+", " ", text.lower().replace("’", "'").replace("`", "'")).strip()
    own = _self_age(lowered)
    children = _child_ages(lowered) or _other_ages(lowered)
    pregnant = bool(_PREGNANT.search(lowered))
    if pregnant:
        children.add(0)
    rol: Rol | None = None
    leeftijd = next(iter(children)) if len(children) == 1 else None
    if any(p.search(lowered) for p in _PROFESSIONAL):
        rol = "professional"
    elif own is not None and own <= YOUTH_MAX_AGE:
        rol = "jongere"
        if not children and not pregnant:  # a young parent: the child's age counts
            leeftijd = own
    elif any(p.search(lowered) for p in _PARENT):
        rol = "ouder"
    elif any(p.search(lowered) for p in _YOUTH):
        rol = "jongere"
    stage = _stage(lowered) if leeftijd is None and not children and own is None else None
    own_age = rol == "jongere" and own is not None and children <= {own} and not pregnant
    return Hints(
        leeftijd=leeftijd,
        rol=rol,
        wijk=_wijk(lowered, wijken),
        leeftijd_fase=stage,
        own_age=own_age,
    )
