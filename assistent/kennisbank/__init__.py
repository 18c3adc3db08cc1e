"""The kennisbank: model, loading with Dutch errors, vocabulary and Markdown output."""

from assistent.kennisbank.load import (
    load_kennisbank,
    months_before,
    parse_file,
    split_front_matter,
    stale_entries,
)
from assistent.kennisbank.model import (
    Contact,
    Kennisbank,
    Leeftijd,
    Voorziening,
    gemeenten_of,
    same_name,
    wijken_of,
)
from assistent.kennisbank.vocabulary import KNOWN_SOORTEN

__all__ = [
    "KNOWN_SOORTEN",
    "Contact",
    "Kennisbank",
    "Leeftijd",
    "Voorziening",
    "gemeenten_of",
    "load_kennisbank",
    "months_before",
    "parse_file",
    "same_name",
    "split_front_matter",
    "stale_entries",
    "wijken_of",
]
