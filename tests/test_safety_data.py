"""The data the learned safety check and the translated texts are built from."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources

import yaml

from assistent.safety.categories import CATEGORIES
from assistent.safety.lines import NONE, load_acute_rules, load_corpus, load_taxonomy

LANGUAGES = ("en", "de", "pl", "tr", "ar")


def test_every_situation_has_enough_varied_messages() -> None:
    taxonomy = load_taxonomy()
    corpus = load_corpus()
    per_situation = Counter(m.situatie for m in corpus)
    for category in CATEGORIES:
        for situation in taxonomy.categorieen[category]:
            assert per_situation[situation.id] >= 30, situation.id
    negatives = [m for m in corpus if m.categorie == NONE]
    assert len(negatives) >= len(corpus) - len(negatives)  # at least as many negatives
    assert len(corpus) - len(negatives) >= 1500
    languages = {m.register for m in corpus} & set(LANGUAGES)
    assert languages == set(LANGUAGES)


def test_corpus_messages_are_unique_and_label_one_category() -> None:
    seen: dict[str, str] = {}
    for message in load_corpus():
        key = " ".join(message.tekst.casefold().split())
        assert seen.setdefault(key, message.categorie) == message.categorie, message.tekst


def test_acute_rules_match_their_examples_and_no_negative() -> None:
    rules = load_acute_rules()
    negatives = [m.tekst.casefold() for m in load_corpus() if m.categorie == NONE]
    for rule in rules.regels:
        hits = [n for n in negatives if re.search(rule.patroon, n)]
        # high precision: a rule may fire on at most one in a hundred hard negatives
        assert len(hits) <= len(negatives) // 100, (rule.patroon, hits[:3])


def _keys(data: object, prefix: str = "") -> set[str]:
    if isinstance(data, dict):
        return {k for key, value in data.items() for k in _keys(value, f"{prefix}{key}.")}
    return {prefix.rstrip(".")}


def _values(data: object, prefix: str = "") -> dict[str, str]:
    if isinstance(data, dict):
        out: dict[str, str] = {}
        for key, value in data.items():
            out.update(_values(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): str(data)}


def test_translations_have_every_key_and_placeholder() -> None:
    folder = resources.files("assistent").joinpath("data", "teksten")
    dutch = yaml.safe_load(folder.joinpath("nl.yaml").read_text(encoding="utf-8"))
    for language in LANGUAGES:
        other = yaml.safe_load(folder.joinpath(f"{language}.yaml").read_text(encoding="utf-8"))
        assert _keys(other) == _keys(dutch), language
        theirs = _values(other)
        for key, text in _values(dutch).items():
            for placeholder in re.findall(r"\{\w+\}", text):
                assert placeholder in theirs[key], (language, key, placeholder)
            assert not re.search(r"\d{3,}", theirs[key]) or re.search(r"\d{3,}", text), (
                language,
                key,
            )
