"""How the safety check reads a message: the cleaned text, and for a long message its sentences.

The classifier learns and calibrates on the same views the check applies it to: a long message
gives the model several chances to cross its threshold (the whole and every sentence), so the
sentence threshold is derived from the sentences of the corpus's long messages
(:func:`assistent.safety.classifier.train`).
"""

from __future__ import annotations

import re
import unicodedata

from assistent.translit import reading

# Per chunk the search and the check embed the same cut of the message (one embedding).
EMBED_MAX_CHARS = 1000
MAX_SENTENCES = 6
SPLIT_ABOVE_CHARS = 160  # longer messages are also read sentence by sentence

# invisible inside a word: soft hyphen, zero-width and joiners, direction marks and isolates
_ZERO_WIDTH = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SENTENCE = re.compile(r"(?<=[.!?…\n])\s+|\s*[;\n]\s*")
# Letters typed one by one with a space between ("i k  w i l  d o o d", with two spaces between
# the words): a run of at least three, and then in that message also a run of two ("m e").
_SPACED_RUN = re.compile(r"(?<![^\W_])[^\W\d_](?: [^\W\d_]){2,}(?![^\W_])")
_SPACED_PAIR = re.compile(r"(?<![^\W_])[^\W\d_](?: [^\W\d_])+(?![^\W_])")
# A letter typed four times or more ("ik wil dooood", "heeeel moe") is read twice; three can be
# spelling ("ideeen", Romanian "copiii").
_STRETCHED = re.compile(r"([^\W\d_])\1{3,}")


def _joined(match: re.Match[str]) -> str:
    return match.group(0).replace(" ", "")


def prepare(text: str) -> str:
    """The text the check reads: no control or zero-width characters, letters typed apart read
    as words, a letter typed four times or more read twice, single spaces, and Ukrainian or
    Russian typed in Latin letters read in Cyrillic (:mod:`assistent.translit`)."""
    text = _CONTROL.sub(" ", _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", text or "")))
    if _SPACED_RUN.search(text):
        text = _SPACED_PAIR.sub(_joined, text)
    text = " ".join(_STRETCHED.sub(r"\1\1", text).split())
    return reading(text) or text


def sentences(text: str) -> list[str]:
    """The sentences of a long message (at most MAX_SENTENCES, each with some letters)."""
    parts = [p.strip() for p in _SENTENCE.split(text)]
    return [p[:EMBED_MAX_CHARS] for p in parts if sum(c.isalpha() for c in p) >= 3][:MAX_SENTENCES]


def chunks(text: str) -> list[str]:
    """What the model reads of a prepared message: the whole first, then (when it is long) each
    of its sentences that differs from the whole."""
    whole = text[:EMBED_MAX_CHARS]
    if len(text) <= SPLIT_ABOVE_CHARS:
        return [whole]
    return [whole, *(s for s in sentences(text) if s != whole)]
