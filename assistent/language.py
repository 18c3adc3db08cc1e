"""Which of the supported languages a message is written in (offline; the model ships in lingua).

Dutch is the default: a short or mixed message stays Dutch unless another language is clear.
"""

from __future__ import annotations

import threading
from typing import Any

LANGUAGES = ("nl", "en", "de", "pl", "tr", "ar")
DEFAULT = "nl"
MIN_CONFIDENCE = 0.6
MIN_LETTERS = 8  # "ok", "hoi", "help" say nothing about the language
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
            }
            _codes.update(languages)
            _detector = LanguageDetectorBuilder.from_languages(*languages).build()
    return _detector


def detect(text: str) -> str:
    """The language code of ``text`` (one of LANGUAGES), Dutch when unsure."""
    letters = sum(c.isalpha() for c in text)
    bare = " ".join("".join(c for c in text.casefold() if c.isalpha() or c == " ").split())
    if bare in SHORT_WORDS:
        return SHORT_WORDS[bare]
    if any("\u0600" <= c <= "\u06ff" for c in text) and letters >= 2:
        return "ar"
    if letters < MIN_LETTERS:
        return DEFAULT
    try:
        values = _load().compute_language_confidence_values(text)
    except Exception:  # language is a nicety: never let it cost an answer
        return DEFAULT
    if not values:
        return DEFAULT
    best = values[0]
    code = _codes.get(best.language, DEFAULT)
    return code if code == DEFAULT or best.value >= MIN_CONFIDENCE else DEFAULT
