"""The soort vocabulary (known, fallback, hidden, after-crisis, HSDS keywords, the words that
name a kind of place) as data."""

from __future__ import annotations

from importlib import resources

from assistent.files import read_yaml

_DATA = read_yaml(
    resources.files("assistent").joinpath("data", "soorten.yaml").read_text(encoding="utf-8")
)

KNOWN_SOORTEN: tuple[str, ...] = tuple(_DATA["bekend"])
FALLBACK_SOORT: str = _DATA["vangnet"]
HIDDEN_SOORTEN: frozenset[str] = frozenset(_DATA["verborgen"])
CRISIS_FOLLOW_UP_SOORTEN: dict[str, frozenset[str]] = {
    str(category): frozenset(soorten) for category, soorten in _DATA["na_crisis"].items()
}
HSDS_DEFAULT_SOORT: str = _DATA["hsds_onbekend"]
HSDS_SOORT_KEYWORDS: tuple[tuple[str, str], ...] = tuple(
    (str(word), str(soort)) for word, soort in _DATA["hsds_trefwoorden"]
)
# A whole word that names a kind of place in a message ("dat consultatiebureau") → its soort.
SOORT_WORDS: dict[str, str] = {
    str(word).casefold(): str(soort) for word, soort in (_DATA.get("soortwoorden") or {}).items()
}
