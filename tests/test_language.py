"""The writer's language: which languages are read, and their fixed texts."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from assistent.files import read_yaml
from assistent.language import LANGUAGES, detect, from_code, guess, guess_past_names


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("мій син не хоче спати і весь час плаче", "uk"),
        ("дякую", "uk"),  # short, but its і is Ukrainian
        ("привіт", "uk"),
        ("мой сын не хочет спать и всё время плачет", "ru"),
        ("спасибо большое", "ru"),
        ("сколько это стоит?", "ru"),
        ("Mój syn ma 7 lat i nie chce chodzić do szkoły", "pl"),
        ("ابني لا ينام", "ar"),
    ],
)
def test_ukrainian_and_russian_are_read(text: str, language: str) -> None:
    """A Ukrainian or Russian writer got Dutch texts: the detector knew only six languages, and
    a Cyrillic message came out as Dutch (or, by chance, another language)."""
    assert detect(text) == language


def test_a_short_cyrillic_word_keeps_the_conversations_cyrillic_language() -> None:
    """ "де це?" (where is it?) has no letter only Ukrainian or Russian uses: in a Ukrainian
    conversation it stays Ukrainian; a letter of its own ("где это?") decides."""
    assert guess_past_names("де це?", "де це?", "uk") == "uk"
    assert guess_past_names("где это?", "где это?", "uk") == "ru"
    assert guess("де це?") in ("uk", "ru")  # a first message still gets a Cyrillic language


def test_telegram_language_codes_of_every_language() -> None:
    assert [from_code(code) for code in ("uk", "ru-RU", "en-GB", "fr")] == ["uk", "ru", "en", "nl"]


def _keys(node: dict, prefix: str = "") -> set[str]:
    keys = set()
    for key, value in node.items():
        keys.add(prefix + key)
        if isinstance(value, dict):
            keys |= _keys(value, f"{prefix}{key}.")
    return keys


def _strings(node: object, prefix: str = "") -> dict[str, str]:
    if isinstance(node, dict):
        return {
            k: v
            for key, value in node.items()
            for k, v in _strings(value, f"{prefix}{key}.").items()
        }
    if isinstance(node, list):
        return {
            k: v
            for i, value in enumerate(node)
            for k, v in _strings(value, f"{prefix}{i}.").items()
        }
    return {prefix.rstrip("."): str(node)}


def _texts(language: str) -> dict:
    folder = resources.files("assistent").joinpath("data", "teksten")
    return read_yaml(folder.joinpath(f"{language}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", [x for x in LANGUAGES if x != "nl"])
def test_every_language_has_every_fixed_text_with_its_placeholders(language: str) -> None:
    """Each language the assistent reads has its own file of fixed texts, with the keys of the
    Dutch one and the same {placeholders} in every text; no phone number but 112 and 113."""
    dutch, other = _texts("nl"), _texts(language)
    assert _keys(other) == _keys(dutch)
    placeholders = re.compile(r"\{\w+\}")
    theirs = _strings(other)
    for key, text in _strings(dutch).items():
        if key in theirs:
            assert set(placeholders.findall(theirs[key])) == set(placeholders.findall(text)), key
    for key, text in theirs.items():
        assert set(re.findall(r"\d{3,}", text)) <= {"112", "113"}, key


@pytest.mark.parametrize(
    ("text", "current", "language"),
    [
        ("kan ik chatten?", "nl", None),  # German 0.52, Dutch 0.31: the conversation stays
        ("kan ik chatten?", None, "de"),  # the first message of a conversation: as read
        ("thanks", "nl", "en"),  # English leads Dutch far: it switches
        ("and the second one?", "nl", "en"),
    ],
)
def test_a_loose_reading_leaves_the_conversations_language_only_with_a_clear_lead(
    text: str, current: str | None, language: str | None
) -> None:
    assert guess(text, loose=True, current=current) == language
