"""Hybrid search: profile filters, the CJG fallback, hidden emergency numbers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistent.kennisbank import load_kennisbank
from assistent.retrieval.index import ensure_index
from assistent.retrieval.search import Profile, Searcher
from tests.support import MINI, FakeEmbedder


@pytest.fixture
def searcher(tmp_path: Path) -> Searcher:
    embedder = FakeEmbedder()
    index = ensure_index(load_kennisbank(MINI), embedder, tmp_path / "index")
    return Searcher(index, embedder, min_score=0.2)


def ids(searcher: Searcher, question: str, **profile: object) -> list[str]:
    return [m.entry.id for m in searcher.search(question, Profile(**profile)).matches]


def test_best_match_first(searcher: Searcher) -> None:
    assert ids(searcher, "mijn puber luistert niet")[0] == "pubercursus"
    assert ids(searcher, "we hebben schulden")[0] == "wijkteam-west"


def test_missing_profile_filters_nothing(searcher: Searcher) -> None:
    found = ids(searcher, "peuter praat weinig")
    assert "peuterclub-oost" in found


def test_wijk_filter(searcher: Searcher) -> None:
    assert "peuterclub-oost" not in ids(searcher, "peuter praat weinig", wijk="West")
    assert "peuterclub-oost" in ids(searcher, "peuter praat weinig", wijk="oost")  # any case
    # entries without wijken count for the whole gemeente
    assert "cjg-testdorp" in ids(searcher, "vraag over opvoeden", wijk="West")


def test_age_filter_is_inclusive(searcher: Searcher) -> None:
    assert "pubercursus" not in ids(searcher, "mijn puber luistert niet", leeftijd=8)
    assert "pubercursus" in ids(searcher, "mijn puber luistert niet", leeftijd=12)
    assert "pubercursus" in ids(searcher, "mijn puber luistert niet", leeftijd=18)


def test_role_filter(searcher: Searcher) -> None:
    question = "ik maak me zorgen over een leerling"
    assert ids(searcher, question, rol="professional")[0] == "schoolwerk-professionals"
    assert "schoolwerk-professionals" not in ids(searcher, question, rol="ouder")


def test_gemeente_filter_keeps_landelijk(searcher: Searcher) -> None:
    found = ids(searcher, "informatie over opvoeden", gemeente="Anderdorp")
    assert found == ["oudersite-test"]
    assert "cjg-testdorp" in ids(searcher, "informatie over opvoeden", gemeente="testdorp")


def test_crisis_lines_are_never_an_ordinary_result(searcher: Searcher) -> None:
    """112 and the hulplijnen reach people through the safety check, not the ranking."""
    assert "alarmnummer-112" not in ids(searcher, "er is nu gevaar")
    assert "veilig-thuis" not in ids(searcher, "advies over huiselijk geweld")


def test_abstain_offers_the_cjg_never_nothing(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    index = ensure_index(load_kennisbank(MINI), embedder, tmp_path / "index")
    strict = Searcher(index, embedder, min_score=0.99)
    outcome = strict.search("xyzzy quux", Profile())
    assert outcome.abstained
    assert [m.entry.id for m in outcome.matches] == ["cjg-testdorp"]
    # filters that exclude everything also end in the fallback, not an empty answer
    outcome = strict.search("puber", Profile(rol="professional", leeftijd=3, wijk="Nergens"))
    assert [m.entry.id for m in outcome.matches] == ["cjg-testdorp"]


def test_hide_expired_only_when_enabled(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    index = ensure_index(load_kennisbank(MINI), embedder, tmp_path / "index")
    today = date(2026, 11, 23)
    shown = Searcher(index, embedder, min_score=0.2, today=lambda: today)
    hidden = Searcher(index, embedder, min_score=0.2, hide_expired=True, today=lambda: today)
    question = "mijn puber luistert niet"
    assert "pubercursus" in [m.entry.id for m in shown.search(question).matches]
    assert "pubercursus" not in [m.entry.id for m in hidden.search(question).matches]


def test_reason_names_matched_topics(searcher: Searcher) -> None:
    match = searcher.search("elke dag ruzie met mijn puber")
    top = match.matches[0]
    assert top.entry.id == "pubercursus"
    assert "ruzie" in top.topics


def test_expiry_follows_the_calendar_not_the_load_day(tmp_path: Path) -> None:
    # A bot runs for months: an entry that expires while it runs must be hidden from that day
    # on, without a reload (the date used to be frozen when the index loaded).
    embedder = FakeEmbedder()
    index = ensure_index(load_kennisbank(MINI), embedder, tmp_path / "index")
    day = [date(2026, 1, 1)]
    searcher = Searcher(index, embedder, min_score=0.2, hide_expired=True, today=lambda: day[0])
    question = "mijn puber luistert niet"
    assert "pubercursus" in [m.entry.id for m in searcher.search(question).matches]
    day[0] = date(2028, 1, 1)
    assert "pubercursus" not in [m.entry.id for m in searcher.search(question).matches]


def test_reasons_quote_the_entry_itself_never_a_sample_question(searcher: Searcher) -> None:
    samples = {q for e in searcher.entries for q in e.voorbeeldvragen}
    for question in ("mijn puber luistert niet en we hebben ruzie", "peuter slaapt slecht"):
        for match in searcher.search(question).matches:
            assert match.sentence is None or match.sentence in match.entry.beschrijving
            assert match.sentence not in samples


def test_stop_words_are_never_a_matched_topic(searcher: Searcher) -> None:
    # "en", "twee", "de" must not make a topic like "twee huizen" or "straffen en belonen" match
    for match in searcher.search("en de het een twee").matches:
        assert not match.topics
