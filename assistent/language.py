"""Which of the supported languages a message is written in (offline; the model ships in lingua).

Dutch is the default: a short or mixed message stays Dutch unless another language is clear.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN, STOPWORDS_GERMAN

LANGUAGES = ("nl", "en", "de", "pl", "tr", "ar", "uk", "ru")
DEFAULT = "nl"
MIN_CONFIDENCE = 0.6
# Words that only say how a message asks ("hoe", "how", "wie"), in the languages bm25s lists
STOP_WORDS = frozenset(STOPWORDS_DUTCH) | frozenset(STOPWORDS_EN) | frozenset(STOPWORDS_GERMAN)
MIN_LETTERS = 8  # "ok", "hoi", "help" say nothing about the language
LOOSE_CONFIDENCE = 0.4
LOOSE_MARGIN = 0.15
LOOSE_MIN_LETTERS = 6
# One-word calls for help that do say which language they are in.
SHORT_WORDS = {
    "hilfe": "de",
    "notfall": "de",
    "pomocy": "pl",
    "pomoc": "pl",
    "ratunku": "pl",
    "yardım": "tr",
    "yardim": "tr",
    "imdat": "tr",
    "emergency": "en",
    "help me": "en",
}

# Letters that only one of the two Cyrillic languages uses.
_UKRAINIAN_ONLY = "іїєґ"
_RUSSIAN_ONLY = "ыэъё"

_lock = threading.Lock()
_detector: Any = None
_codes: dict[Any, str] = {}


def _load() -> Any:
    global _detector
    with _lock:
        if _detector is None:
            from lingua import Language, LanguageDetectorBuilder

            languages = {
                Language.DUTCH: "nl",
                Language.ENGLISH: "en",
                Language.GERMAN: "de",
                Language.POLISH: "pl",
                Language.TURKISH: "tr",
                Language.ARABIC: "ar",
                Language.UKRAINIAN: "uk",
                Language.RUSSIAN: "ru",
            }
            _codes.update(languages)
            _detector = LanguageDetectorBuilder.from_languages(*languages).build()
    return _detector


def from_code(code: str | None) -> str:
    """A supported language from an IETF tag such as Telegram's ``language_code`` ("en-GB")."""
    base = (code or "").split("-")[0].casefold()
    return base if base in LANGUAGES else DEFAULT


def detect(text: str) -> str:
    """The language code of ``text`` (one of LANGUAGES), Dutch when unsure."""
    return guess(text) or DEFAULT


def guess(text: str, loose: bool = False, current: str | None = None) -> str | None:
    """The language code of ``text`` when the text says so clearly, else None ("ok", "hoi").

    ``loose`` is for short turns that are not questions ("vielen dank", "how much is it"): a
    lower bar, as long as one language clearly leads. Leaving the conversation's language
    (``current``) that way takes twice the lead when it is the runner-up: "kan ik chatten?"
    reads German 0.52 and Dutch 0.31, and a Dutch conversation stays Dutch.
    """
    letters = sum(c.isalpha() for c in text)
    bare = " ".join("".join(c for c in text.casefold() if c.isalpha() or c == " ").split())
    if bare in SHORT_WORDS:
        return SHORT_WORDS[bare]
    if any("\u0600" <= c <= "\u06ff" for c in text) and letters >= 2:
        return "ar"
    if sum("\u0400" <= c <= "\u04ff" for c in text) >= 2:
        return _cyrillic(text)
    if letters < (LOOSE_MIN_LETTERS if loose else MIN_LETTERS):
        return None
    try:
        values = _confidences(text)
    except Exception:  # language is a nicety: never let it cost an answer
        return None
    if not values:
        return None
    language, value = values[0]
    code = _codes.get(language, DEFAULT)
    if value >= MIN_CONFIDENCE:
        return code
    runner_up = values[1][1] if len(values) > 1 else 0.0
    margin = LOOSE_MARGIN
    if current is not None and len(values) > 1 and _codes.get(values[1][0]) == current:
        margin = 2 * LOOSE_MARGIN
    clear = value >= LOOSE_CONFIDENCE and value - runner_up >= margin
    return code if loose and clear else None


def _cyrillic(text: str) -> str:
    """Ukrainian or Russian, the two Cyrillic languages read here: letters only one of them has
    decide ("дякую" with its і, "спасибо" with its ы), else the likelier of the two."""
    ukrainian, russian = _cyrillic_letters(text)
    if ukrainian != russian:
        return "uk" if ukrainian > russian else "ru"
    try:
        for language, _ in _confidences(text):
            if _codes.get(language) in ("uk", "ru"):
                return _codes[language]
    except Exception:  # language is a nicety: never let it cost an answer
        pass
    return "uk"


def _cyrillic_letters(text: str) -> tuple[int, int]:
    """How many letters of ``text`` only Ukrainian, and only Russian, uses."""
    lowered = text.casefold()
    return (
        sum(lowered.count(c) for c in _UKRAINIAN_ONLY),
        sum(lowered.count(c) for c in _RUSSIAN_ONLY),
    )


def guess_past_names(
    text: str, bare: str, current: str, loose: bool = False, settled: bool = True
) -> str | None:
    """The language of a message that may name places (``bare``: the message without those
    names). A Dutch name makes a question look Dutch ("lichtpuntjes in adresi ne?"), but says
    nothing about the writer. So when the whole message reads Dutch or unclear, the rest
    decides: when it is clear on its own, or when it reads loosely as the conversation's
    language (``current``); else the message says no language (None: the conversation keeps
    its own). ``settled``: a question was answered in ``current``, so a loose reading needs a
    clear lead to leave it (``guess``); a first "vielen dank" is German as read."""
    language = guess(text, loose=loose, current=current if settled else None)
    if (
        language in ("uk", "ru")
        and current in ("uk", "ru")
        and len(set(_cyrillic_letters(text))) == 1
    ):
        return current  # "де це?" has no letter of its own: the conversation's Cyrillic language
    if bare == text or language not in (DEFAULT, None):
        return language
    rest = guess(bare) or guess(bare, loose=True, current=current if settled else None)
    # "lichtpuntjes?" or "and wijkteam west?": the name says nothing, the rest too little
    return rest if rest is not None and (rest == current or guess(bare)) else None


@lru_cache(maxsize=256)
def _confidences(text: str) -> tuple[tuple[Any, float], ...]:
    """The two likeliest languages of a text. One turn asks up to three times (the dialogue,
    the answer, the reply's texts); kept in memory only, like the embedding cache."""
    values = _load().compute_language_confidence_values(text)
    return tuple((v.language, float(v.value)) for v in values[:2])
