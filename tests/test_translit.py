"""Ukrainian and Russian typed in Latin letters are read in Cyrillic; nothing else is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from assistent.safety.reading import prepare
from assistent.translit import latin_words, loose, reading, vocabulary
from tests.support import ROOT


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("ya ne khochu bilshe zhyty", ["хочу", "жити"]),  # Ukrainian, English-style
        ("ya ne hochu bol'she zhit'", ["хочу", "больше"]),  # Russian, an apostrophe for ь
        ("dytyna ne dykhaie, shcho robyty", ["дитина", "робити"]),
        ("moj syn ne dyshit, pomogite", ["дышит", "помогите"]),
        ("a skilky tse koshtuie?", ["скільки", "коштує"]),
        ("spasibo bolshoe, do svidaniya", ["спасибо"]),
    ],
)
def test_ukrainian_or_russian_in_latin_letters_is_spelled_in_cyrillic(
    typed: str, words: list[str]
) -> None:
    """'moj syn ne dyshit, pomogite' got no line at all, and a question typed this way got
    the Dutch texts and nothing found: the model, the search and the turn model know these
    languages in Cyrillic. The words the package's own texts use are spelled as there."""
    cyrillic = reading(typed)
    assert cyrillic is not None
    assert all(word in cyrillic for word in words), cyrillic
    assert not re.search("[a-z]", cyrillic)
    assert prepare(typed) == cyrillic  # what every part reads


@pytest.mark.parametrize(
    "text",
    [
        "mijn dochter slaapt slecht",
        "waar zit dat",  # 'zit' and 'dat' also spell Russian words
        "ile to kosztuje?",  # Polish, a Slavic language in Latin letters
        "mój syn nie chce chodzić do szkoły",
        "to je moje dítě, nechce spát",  # Czech
        "my son is 3 and does not sleep",
        "mein Sohn will nicht schlafen",
        "kızım okula gitmek istemiyor",
        "ابني عمره ٧ سنوات",
        "мой сын не спит",  # Cyrillic already
        "mama",  # one short word says nothing
        "ok",
        "",
    ],
)
def test_other_languages_and_short_words_stay_as_typed(text: str) -> None:
    assert reading(text) is None


def _texts(item: object) -> list[str]:
    if isinstance(item, str):
        return [item]
    if isinstance(item, list):
        return [t for x in item for t in _texts(x)]
    if isinstance(item, dict):
        return [t for x in item.values() for t in _texts(x)]
    return []


def test_no_message_of_our_own_eval_sets_or_kennisbank_reads_as_transliterated() -> None:
    """Not one of thousands of messages and kennisbank lines in Dutch, English, German,
    Polish, Turkish and Arabic (none of them a source of either vocabulary) is touched."""
    texts = [
        t
        for path in (ROOT / "tests" / "eval").glob("*.yaml")
        for t in _texts(yaml.safe_load(path.read_text(encoding="utf-8")))
    ]
    texts += [
        line
        for path in [*(ROOT / "kennisbank").rglob("*.md"), *_fixtures()]
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    latin = [t for t in set(texts) if len(t) >= 4 and not re.search("[\u0400-\u04ff]", t)]
    assert len(latin) > 2000
    ours = {t for t in latin if reading(t) is not None}
    # the only transliterated messages there: the Ukrainian and Russian test conversation's
    assert all(_is_uk_ru_turn(t) for t in ours), sorted(ours)


def _fixtures() -> list[Path]:
    return list((ROOT / "tests" / "fixtures").rglob("*.md"))


def _is_uk_ru_turn(text: str) -> bool:
    path = ROOT / "tests" / "eval" / "gesprekken_heuvelland_uk_ru_dev.yaml"
    return text in _texts(yaml.safe_load(path.read_text(encoding="utf-8")))


def test_the_vocabularies_come_from_the_package_data() -> None:
    """Thousands of Cyrillic words, none keyed empty; the Latin-script words exclude the
    Ukrainian and Russian sources."""
    known = vocabulary()
    assert len(known) > 2000 and "" not in known
    assert known[loose("khochu")] == known[loose("hochu")] == {"uk": "хочу", "ru": "хочу"}
    assert known[loose("dyakuyu")] == {"uk": "дякую"}  # a word only Ukrainian has
    assert {"kosztuje", "slaapt", "school"} <= latin_words()
