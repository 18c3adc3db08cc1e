"""The dialogue: follow-ups from the last answer, refinements, 'meer', small talk, languages."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml

from assistent.answer import Assistant, Result
from assistent.config import Settings
from assistent.console import run_chat
from assistent.conversation import (
    MEMORY_SECONDS,
    Conversation,
    FieldAnswer,
    NothingMore,
    Reply,
    Session,
    SmallTalk,
)
from assistent.instance import Instance
from assistent.intent import IntentModel, default_model, spell_out, words
from assistent.profile import Profile
from assistent.render import render_turn
from assistent.safety.categories import LINE_IDS
from assistent.safety.detector import SafetySignal
from assistent.store import Store
from assistent.texts import translated
from tests.support import MINI, ROOT, FakeEmbedder


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory, crisis_model_dir: Path) -> Instance:
    index = tmp_path_factory.mktemp("dialogue") / "index"
    # module scope runs before the per-test environment: name the session's crisis model folder
    settings = Settings(
        kennisbank=MINI, index_dir=index, min_score=0.2, crisis_model_dir=crisis_model_dir
    )
    return Instance.open(settings, embedder=FakeEmbedder())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def conversation(instance: Instance, clock: Clock) -> Conversation:
    return Conversation(instance.current, intents=default_model(), clock=clock)


def play(conversation: Conversation, *texts: str, profile: Profile | None = None) -> list:
    session = Session(profile=profile or Profile())
    return [conversation.handle("u", session, t) for t in texts]


def test_cost_follow_up_answers_for_every_place_just_shown(conversation: Conversation) -> None:
    """'wat kost dat?' names no place: each place on the page answers, the first first (the
    first alone was the wrong one whenever the one the user meant stood second)."""
    first, follow = play(conversation, "mijn peuter praat nog weinig", "wat kost dat?")
    assert isinstance(first, Reply) and first.results[0].entry.id == "peuterclub-oost"
    assert len(first.results) > 1
    assert isinstance(follow, FieldAnswer) and follow.field == "kosten"
    assert [e.id for e in follow.entries] == [r.entry.id for r in first.results]
    blocks = render_turn(follow, as_html=False).split("\n\n")
    assert blocks[0] == "Peuterclub Oost\nKosten: gratis"
    assert len(blocks) == len(first.results)


def test_a_follow_up_stays_with_the_place_the_last_one_named(conversation: Conversation) -> None:
    """'hoe meld ik me aan bij de tweede?' and then 'en wat kost het?': still the second (it
    answered for the first: found on unseen conversations)."""
    first, named, then = play(
        conversation,
        "mijn puber luistert niet meer",
        "wat kost de tweede?",
        "en hoe meld ik me aan?",
    )
    assert isinstance(first, Reply) and len(first.results) >= 2
    second = first.results[1].entry.id
    assert isinstance(named, FieldAnswer) and [e.id for e in named.entries] == [second]
    assert isinstance(then, FieldAnswer) and then.field == "aanmelden"
    assert [e.id for e in then.entries] == [second]


def test_follow_up_about_a_field_the_kennisbank_lacks_invents_nothing(
    conversation: Conversation,
) -> None:
    _, follow = play(conversation, "mijn puber luistert niet meer", "wanneer zijn ze open?")
    assert isinstance(follow, FieldAnswer) and follow.entries[0].id == "pubercursus"
    text = render_turn(follow, as_html=False).split("\n\n")[0]  # the block of the first
    assert "staat niet in mijn gegevens" in text and "Cursus Pubers" in text
    assert "012-345 6798" in text  # the one contact line the kennisbank has, as typed
    assert "uur" not in text and "maandag" not in text


def test_follow_up_can_name_or_number_another_place(conversation: Conversation) -> None:
    turns = play(conversation, "mijn puber luistert niet meer", "wat kost de tweede?")
    first, follow = turns
    assert isinstance(first, Reply) and len(first.results) >= 2
    assert isinstance(follow, FieldAnswer)
    assert follow.entries[0].id == first.results[1].entry.id


def test_meer_typed_without_slash_gives_the_next_page(conversation: Conversation) -> None:
    first, more, *_ = play(conversation, "mijn puber luistert niet meer", "nog meer", "nog meer")
    assert isinstance(first, Reply) and first.has_more
    assert isinstance(more, Reply) and not more.first_page
    assert {r.entry.id for r in more.results}.isdisjoint(r.entry.id for r in first.results)


def test_meer_without_a_question_says_there_is_nothing(conversation: Conversation) -> None:
    (turn,) = play(conversation, "nog meer?")
    assert isinstance(turn, NothingMore)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hoi", "groet"),
        ("bedankt!", "bedankt"),
        ("top dankje", "bedankt"),
        ("ben jij een mens?", "wie_ben_jij"),
        ("wat kun je allemaal", "wat_kun_je"),
        ("ik weet echt niet waar ik moet beginnen", "weet_het_niet_meer"),
        ("doei", "doei"),
    ],
)
def test_small_talk_gets_a_warm_reply_without_a_list(
    conversation: Conversation, text: str, kind: str
) -> None:
    (turn,) = play(conversation, text)
    assert isinstance(turn, SmallTalk) and turn.kind == kind
    shown = render_turn(turn, as_html=False)
    assert "1." not in shown and "Deze plekken" not in shown


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("leest er iemand mee? ik ben 14", "wie_ben_jij"),
        ("ich bin Lehrer, darf ich hier auch fragen?", "wat_kun_je"),
    ],
)
def test_a_question_about_the_assistant_with_who_is_asking_is_small_talk(
    conversation: Conversation, text: str, kind: str
) -> None:
    """Who asks ('ik ben 14', 'als leerkracht', 'my dutch is not good') does not make a question
    about the assistant a parenting question: it got a list of places (found on conversations
    we had seen; the examples in data/dialoog-context.yaml, none of these two)."""
    (turn,) = play(conversation, text)
    assert isinstance(turn, SmallTalk) and turn.kind == kind


def test_thanks_that_says_what_the_writer_will_do_closes_the_conversation(
    conversation: Conversation,
) -> None:
    """'oke ik ga ze bellen. dankje' after an answer got the contact lines again (found on
    conversations we had seen; examples in data/dialoog-context.yaml, not this one). Asking how
    to reach them is still a follow-up."""
    _, thanks = play(conversation, "mijn puber luistert niet meer", "dank je, dan mail ik ze")
    assert isinstance(thanks, SmallTalk) and thanks.kind == "bedankt"
    _, asked = play(conversation, "mijn puber luistert niet meer", "kan ik ze ook mailen")
    assert isinstance(asked, FieldAnswer) and asked.field == "contact"


def test_not_knowing_any_more_offers_a_person_at_the_cjg(conversation: Conversation) -> None:
    (turn,) = play(conversation, "ik weet echt niet waar ik moet beginnen")
    assert isinstance(turn, SmallTalk) and turn.contact is not None
    assert turn.contact.id == "cjg-testdorp"
    assert "012-345 6799" in render_turn(turn, as_html=True)


def test_a_greeting_with_a_question_is_a_question(conversation: Conversation) -> None:
    (turn,) = play(conversation, "hoi, mijn puber luistert niet meer en we hebben veel ruzie")
    assert isinstance(turn, Reply) and turn.results[0].entry.id == "pubercursus"


def test_danger_comes_before_small_talk_and_follow_ups(conversation: Conversation) -> None:
    _, turn = play(conversation, "mijn peuter praat nog weinig", "help")
    assert isinstance(turn, Reply) and turn.answer.crisis is not None
    assert "112" in render_turn(turn, as_html=False)


def test_thanks_right_after_the_lines_keeps_the_line_in_view(conversation: Conversation) -> None:
    """'oke ik ga ze bellen. dankje' after 113 or 112 got only 'Graag gedaan!': the number the
    writer is about to call had scrolled away. After an ordinary answer, thanks stays short."""
    crisis, thanks = play(conversation, "mijn baby ademt niet meer", "bedankt")
    assert isinstance(crisis, Reply) and crisis.answer.lines_first
    assert isinstance(thanks, SmallTalk) and thanks.care is crisis.answer
    assert "112" in render_turn(thanks, as_html=False).split("\n\n")[-1]
    _, plain = play(conversation, "mijn peuter praat nog weinig", "bedankt")
    assert isinstance(plain, SmallTalk) and plain.care is None
    assert "112" not in render_turn(plain, as_html=False)


def test_refinement_repeats_the_last_question_for_another_age(
    conversation: Conversation,
) -> None:
    session = Session()
    conversation.handle("u", session, "mijn kind luistert niet")
    turn = conversation.handle("u", session, "en voor een kind van 3?")
    assert isinstance(turn, Reply) and turn.refined
    assert session.effective_profile.leeftijd == 3
    assert session.profile == Profile()  # said in the chat, kept in memory, never stored
    # the only place that fits is for older children: shown with a note, not hidden
    assert all("vanaf 12 jaar" in r.waarom for r in turn.results if r.entry.id == "pubercursus")


def test_the_last_answer_is_forgotten_after_thirty_minutes(
    conversation: Conversation, clock: Clock
) -> None:
    session = Session()
    conversation.handle("u", session, "mijn peuter praat nog weinig")
    clock.now += MEMORY_SECONDS + 1
    turn = conversation.handle("u", session, "wat kost dat?")
    assert not isinstance(turn, FieldAnswer)
    assert session.question != "mijn peuter praat nog weinig"


def test_follow_ups_and_small_talk_write_no_text_to_disk(
    instance: Instance, clock: Clock, tmp_path: Path
) -> None:
    store = Store(tmp_path / "db.sqlite3", hash_key="0" * 64)
    conversation = Conversation(instance.current, store, intents=default_model(), clock=clock)
    session = conversation.load_session(7)
    for text in ("hallo daar", "mijn peuter praat nog weinig", "wat kost dat?", "bedankt"):
        conversation.handle(7, session, text)
    store.close()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    for word in (b"hallo daar", b"praat nog weinig", b"wat kost", b"bedankt"):
        assert word not in data


@pytest.mark.parametrize(
    ("text", "language", "word"),
    [
        ("thank you so much", "en", "welcome"),
        ("vielen dank", "de", "Gern"),
        ("dziękuję bardzo", "pl", "Nie ma za co"),
        ("çok teşekkürler", "tr", "Rica"),
        ("شكرا جزيلا", "ar", "على الرحب"),
        ("дякую вам", "uk", "Будь ласка"),
        ("спасибо большое", "ru", "Пожалуйста"),
    ],
)
def test_small_talk_in_the_writers_language(
    conversation: Conversation, text: str, language: str, word: str
) -> None:
    (turn,) = play(conversation, text)
    assert isinstance(turn, SmallTalk) and turn.taal == language
    assert word in render_turn(turn, as_html=False)


def test_a_follow_up_keeps_the_language_of_the_conversation(conversation: Conversation) -> None:
    session = Session()
    first = conversation.handle("u", session, "my teenager does not listen any more")
    assert isinstance(first, Reply) and first.answer.taal == "en"
    follow = conversation.handle("u", session, "how much is it")
    assert isinstance(follow, FieldAnswer) and follow.taal == "en"
    assert "Costs" in render_turn(follow, as_html=False) or "does not say" in render_turn(
        follow, as_html=False
    )


@pytest.mark.parametrize(
    ("first", "follow", "language"),
    [
        ("мій син-підліток зовсім не слухається", "скільки це коштує?", "uk"),
        ("мой сын-подросток совсем не слушается", "а сколько это стоит?", "ru"),
        # typed in Latin letters on a Dutch keyboard: every text came in Dutch or English
        ("mij syn-pidlitok zovsim ne sluhaietsia", "a skilky tse koshtuie?", "uk"),
        ("moj syn-podrostok sovsem ne slushaetsya", "a skolko eto stoit?", "ru"),
    ],
)
def test_a_ukrainian_or_russian_conversation_stays_in_its_language(
    conversation: Conversation, first: str, follow: str, language: str
) -> None:
    """A Ukrainian or Russian writer got every fixed text in Dutch: the assistant read six
    languages, and Cyrillic came out as Dutch."""
    session = Session()
    turn = conversation.handle("u", session, first)
    assert isinstance(turn, Reply) and turn.answer.taal == language
    follow_up = conversation.handle("u", session, follow)
    assert isinstance(follow_up, FieldAnswer) and follow_up.taal == language


TURKISH_FIRST = "oğlum 15 yaşında ve hiç dinlemiyor, ne yapabilirim?"
POLISH_FIRST = "mój syn ma 15 lat i w ogóle nie słucha"


@pytest.mark.parametrize(
    ("first", "follow", "language"),
    [
        (TURKISH_FIRST, "cursus pubers in huis ne kadar?", "tr"),
        (TURKISH_FIRST, "wijkteam west nerede?", "tr"),
        (POLISH_FIRST, "gdzie jest ten cursus pubers in huis?", "pl"),
        (POLISH_FIRST, "a wijkteam west?", "pl"),
        ("my teenager does not listen any more", "and wijkteam west?", "en"),
    ],
)
def test_a_dutch_place_name_does_not_make_a_follow_up_dutch(
    conversation: Conversation, first: str, follow: str, language: str
) -> None:
    """'lichtpuntjes in adresi ne?' in a Turkish conversation was answered in Dutch (set 14):
    the name reads Dutch to the detector. Names say nothing about the writer's language."""
    session = Session()
    conversation.handle("u", session, first)
    turn = conversation.handle("u", session, follow)
    assert (turn.answer.taal if isinstance(turn, Reply) else turn.taal) == language


def test_a_message_without_names_still_switches_the_language(conversation: Conversation) -> None:
    session = Session()
    conversation.handle("u", session, "my teenager does not listen any more")
    turn = conversation.handle("u", session, "mijn peuter praat nog weinig, wat kan ik doen?")
    assert isinstance(turn, Reply) and turn.answer.taal == "nl"


def _console(instance: Instance, lines: list[str]) -> tuple[list[str], list[str]]:
    """Play the console chat with scripted input; returns what was said and the prompts."""
    said: list[str] = []
    prompts: list[str] = []
    feed = iter(lines)

    def read(prompt: str) -> str:
        prompts.append(prompt)
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    run_chat(instance, said.append, read)
    return said, prompts


def test_console_asks_the_wijk_and_reads_a_postcode(tmp_path: Path) -> None:
    kennisbank = tmp_path / "kb"
    shutil.copytree(MINI, kennisbank)
    (kennisbank / "testdorp" / "gemeente.yaml").write_text(
        "naam: Testdorp\nwijken:\n  - naam: Oost\n    postcodes: [1234]\n  - West\n",
        encoding="utf-8",
    )
    settings = Settings(kennisbank=kennisbank, index_dir=tmp_path / "index", min_score=0.2)
    instance = Instance.open(settings, embedder=FakeEmbedder())
    said, prompts = _console(instance, ["1234 AB", "/profiel", "", "", "", "/stop"])
    assert "In welke wijk woon je?" in prompts[0] and "postcode" in prompts[0]
    # Enter keeps every answer of the profile as it was: the wijk found from the postcode stays
    assert any("Opgeslagen: wijk Oost" in s for s in said), said


def test_console_reads_part_of_a_wijk_name_and_says_when_it_knows_no_wijk(
    tmp_path: Path,
) -> None:
    """'Haven' for the wijk 'Oude Haven' and the postcode '1234AB' of no wijk were taken as a
    first message and got a greeting (a play test). Part of one wijk's name is that wijk; a
    postcode of no wijk gets a note with the wijken there are."""
    kennisbank = tmp_path / "kb"
    shutil.copytree(MINI, kennisbank)
    (kennisbank / "testdorp" / "gemeente.yaml").write_text(
        "naam: Testdorp\nwijken:\n  - naam: Oude Haven\n    postcodes: [1234]\n  - West\n",
        encoding="utf-8",
    )
    club = kennisbank / "testdorp" / "peuterclub-oost.md"
    club.write_text(club.read_text().replace("wijken: [Oost]", "wijken: [Oude Haven]"))
    settings = Settings(kennisbank=kennisbank, index_dir=tmp_path / "index", min_score=0.2)
    instance = Instance.open(settings, embedder=FakeEmbedder())
    said, _ = _console(instance, ["haven", "/profiel", "", "", "", "/stop"])
    assert any("Opgeslagen: wijk Oude Haven" in s for s in said), said
    said, _ = _console(instance, ["9999 ZZ", "/stop"])
    assert any(s.startswith("Die wijk of postcode ken ik hier niet") for s in said), said
    assert any("Oude Haven, West" in s for s in said)


def test_console_takes_a_question_typed_at_the_wijk_prompt(instance: Instance) -> None:
    said, _ = _console(instance, ["mijn peuter praat nog weinig", "wat kost dat?", "/stop"])
    assert any("1. Peuterclub Oost" in s for s in said)
    assert any(s.startswith("Peuterclub Oost\nKosten: gratis\n\n") for s in said), said


def test_the_console_line_under_an_answer_is_in_the_writers_language(instance: Instance) -> None:
    """An English conversation in `assistent chat` ended every answer with the Dutch line 'Typ
    ‘meer info’ voor alle gegevens…' (found trying the console as a new user). It comes from the
    language's text file now; the words to type stay 'meer info' and 'meer', which every
    language's turns read."""
    said, _ = _console(instance, ["my toddler hardly talks yet, who can help?", "/stop"])
    hint = said[said.index(next(s for s in said if "1. " in s)) + 1]
    assert hint.startswith("Type ‘meer info’ for all details")
    said, _ = _console(instance, ["mijn peuter praat nog weinig", "/stop"])
    assert any(s.startswith("Typ ‘meer info’ voor alle gegevens") for s in said)


def test_a_refinement_outweighs_an_age_in_the_first_question(conversation: Conversation) -> None:
    session = Session()
    conversation.handle("u", session, "mijn kind van 3 luistert niet en maakt ruzie")
    turn = conversation.handle("u", session, "en voor een kind van 14?")
    assert isinstance(turn, Reply) and turn.refined
    assert turn.results[0].entry.id == "pubercursus"
    assert "vanaf 12 jaar" not in turn.results[0].waarom  # 14 fits: no note needed


def test_no_answer_waits_for_the_dialogue_model_to_train(tmp_path: Path) -> None:
    settings = Settings(kennisbank=MINI, index_dir=tmp_path / "index", min_score=0.2)
    instance = Instance.open(settings, embedder=FakeEmbedder())
    first = instance.intents_now()  # not trained yet: the n-gram model, at once
    assert first is default_model() and first.dense is None
    trained = instance.intents()  # waits for the background training
    assert trained.dense is not None
    assert instance.intents_now() is trained


def test_a_second_instance_reuses_the_fitted_dialogue_model_with_its_own_embedder(
    tmp_path: Path,
) -> None:
    settings = Settings(kennisbank=MINI, index_dir=tmp_path / "index", min_score=0.2)
    first = Instance.open(settings, embedder=FakeEmbedder()).intents()
    own = FakeEmbedder()
    second = Instance.open(settings, embedder=own).intents()
    assert second.dense is first.dense and second.pipeline is first.pipeline  # not trained again
    before = own.calls
    second.classify("en hoeveel moet ik daar dan eigenlijk voor betalen bij hen")  # no example
    assert own.calls == before + 1  # the new message goes through this instance's embedder


class FixedProbabilities:
    """A fitted classifier's stand-in that gives every message the same probabilities."""

    def __init__(self, shares: dict[str, float]) -> None:
        self.classes_ = list(shares)
        self.shares = list(shares.values())

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return np.array([self.shares for _ in texts])


@pytest.mark.parametrize(
    ("shares", "kind"),
    [
        # clearly about the last answer, unsure which field: the likeliest field
        (
            {"vervolg_kosten": 0.35, "vervolg_aanmelden": 0.25, "vraag": 0.3, "groet": 0.1},
            "vervolg_kosten",
        ),
        # clearly small talk, unsure which kind
        ({"vervolg_kosten": 0.1, "vraag": 0.3, "groet": 0.32, "bedankt": 0.28}, "groet"),
        # no family is clear: a question gets help
        ({"vervolg_kosten": 0.3, "vervolg_adres": 0.1, "vraag": 0.25, "groet": 0.35}, "vraag"),
    ],
)
def test_a_turn_clearly_of_one_family_is_read_as_that_family(
    shares: dict[str, float], kind: str
) -> None:
    from assistent.intent import IntentModel

    model = IntentModel(FixedProbabilities(shares), frozenset())
    assert model.classify("iets wat niet letterlijk een voorbeeld is").kind == kind


def test_a_small_word_in_a_place_name_does_not_point_at_that_place(
    conversation: Conversation,
) -> None:
    """'moet je daar geld *voor* betalen' is about the first place, not 'Adviespunt *voor*
    leerkrachten' (a bug: stop words in names counted as naming the place)."""
    session = Session(profile=Profile())
    first = conversation.handle("u", session, "mijn puber luistert niet meer")
    assert isinstance(first, Reply)
    entry = next(e for e in conversation.assistant.entries if e.naam.startswith("Adviespunt"))
    advies = Result(entry=entry, waarom="", score=0.0)
    session.page = [first.results[0], advies]
    follow = conversation.handle("u", session, "moet je daar geld voor betalen?")
    assert isinstance(follow, FieldAnswer) and follow.field == "kosten"
    assert [e.id for e in follow.entries] == [r.entry.id for r in session.page]  # none named
    named = conversation.handle("u", session, "en dat adviespunt, wat kost dat?")
    assert isinstance(named, FieldAnswer) and [e.id for e in named.entries] == [advies.entry.id]


def test_a_word_far_more_common_in_questions_still_says_what_a_message_is_about() -> None:
    """'moeder' in one thank-you example made 'mn moeder is ziek' small talk (found when the
    examples grew): only words at least as common in example turns as in questions say *how*."""
    from assistent.intent import how_words

    examples = {"bedankt": ["dank je wel", "dank, mijn moeder zegt ook dank je"], "doei": ["doei"]}
    questions = ["mijn moeder is ziek", "moeder werkt veel, wie helpt", "mijn kind slaapt slecht"]
    found = how_words(examples, questions)
    assert {"dank", "doei", "ook"} <= found
    assert "moeder" not in found


def test_off_topic_examples_do_not_turn_their_topics_into_how_words() -> None:
    """Off-topic examples ("recept voor pompoensoep") name a topic too: were they counted as
    turns, 'recept' would become a word that only says *how* someone asks, and "mijn dochter
    wil geen recept van oma eten" would lose what it is about (found adding off-topic examples)."""
    from assistent.intent import OFF_TOPIC, how_words

    examples = {
        "bedankt": ["dank je wel"],
        OFF_TOPIC: ["recept voor pompoensoep", "lekker recept voor soep", "recept appeltaart"],
    }
    questions = ["mijn kind eet slecht", "peuter wil geen groente", "wie helpt met eten"]
    found = how_words(examples, questions)
    assert "dank" in found
    assert "recept" not in found and "pompoensoep" not in found


def test_a_follow_up_with_a_clause_of_its_own_is_still_a_follow_up(
    conversation: Conversation,
) -> None:
    """'wanneer zijn ze open, ik werk tot vijf uur' was read as a new question (too many words
    of its own); a word that is another place's topic still makes it a new question."""
    _, follow = play(
        conversation, "mijn peuter praat nog weinig", "wanneer zijn ze open, ik werk tot vijf uur"
    )
    assert isinstance(follow, FieldAnswer) and follow.field == "openingstijden"
    assert follow.entries[0].id == "peuterclub-oost"
    _, new = play(
        conversation, "mijn peuter praat nog weinig", "wat kost dat, mijn buurman heeft schulden"
    )
    assert isinstance(new, Reply) and new.results[0].entry.id == "wijkteam-west"


def test_a_follow_up_naming_a_place_not_shown_answers_about_that_place(
    conversation: Conversation,
) -> None:
    """'en wat kost het wijkteam west?' after an answer without the wijkteam gave the costs of
    the first place shown (found on unseen conversations: 'En de schoolmaatschappelijk
    werker, hoe bereik ik die?'). The place named is searched, and its field given."""
    first, follow, after = play(
        conversation,
        "mijn peuter praat nog weinig",
        "en wat kost het wijkteam west?",
        "waar zit het?",
    )
    assert isinstance(first, Reply)
    assert "wijkteam-west" not in [r.entry.id for r in first.results]
    assert isinstance(follow, FieldAnswer) and follow.field == "kosten"
    assert [e.id for e in follow.entries] == ["wijkteam-west"]
    assert isinstance(after, FieldAnswer) and [e.id for e in after.entries] == ["wijkteam-west"]


def test_a_refinement_after_a_named_place_refines_the_question_not_the_follow_up(
    conversation: Conversation,
) -> None:
    """After "die training tienerkoers, hoe kom ik daar binnen" (a place not shown, named in a
    follow-up), "en voor zijn broertje van 9?" repeated the follow-up, not the question: the
    answer was about the training again (found on seen conversations, Heuvelland)."""
    session = Session()
    conversation.handle("u", session, "mijn peuter praat nog weinig")
    follow = conversation.handle("u", session, "en wat kost het wijkteam west?")
    assert isinstance(follow, FieldAnswer) and [e.id for e in follow.entries] == ["wijkteam-west"]
    assert session.question == "mijn peuter praat nog weinig"
    turn = conversation.handle("u", session, "en voor een kind van 14?")
    assert isinstance(turn, Reply) and turn.refined
    assert "wijkteam west" not in (session.question or "")


@pytest.mark.parametrize(
    "text",
    ["İkincisine nasıl kayıt olunuyor?", "والثاني، متى يفتحون؟", "a ta druga, ile kosztuje?"],
)
def test_numbering_with_endings_and_prefixes_points_at_that_place(
    conversation: Conversation, text: str
) -> None:
    """'İkincisine' (Turkish 'to the second', capital dotted I and an ending), Arabic
    'والثاني' ('and the second') and Polish 'druga' were not read as numbers: the answer was
    about the first place (found on unseen conversations)."""
    first, follow = play(conversation, "mijn peuter praat nog weinig", text)
    assert isinstance(first, Reply) and isinstance(follow, FieldAnswer)
    assert [e.id for e in follow.entries] == [first.results[1].entry.id]


def test_a_need_that_a_named_place_serves_gets_the_list_not_one_field(
    conversation: Conversation,
) -> None:
    """'we hebben weinig geld voor sport' named the Sport- en Cultuurfonds ('sport') and has a
    cost word, so it got only the fund's costs (found by the SIGKILL test, where it is the
    fifth question). A message that also says one of the place's topics asks for help."""
    _, follow = play(
        conversation,
        "mijn peuter praat nog weinig",
        "we hebben veel schulden, wat kost het wijkteam west?",
    )
    assert isinstance(follow, Reply) and follow.results[0].entry.id == "wijkteam-west"


def test_part_of_a_name_that_is_a_topic_asks_for_help(tmp_path: Path) -> None:
    """'hulp bij huiswerk' mid-conversation got only the opening hours of Huiswerkbegeleiding
    ('huiswerk' begins its name; found by the SIGKILL test). Only a whole name word points at
    a place; a part of one that is also its topic asks for help with it."""
    kennisbank = tmp_path / "kb"
    shutil.copytree(MINI, kennisbank)
    (kennisbank / "testdorp" / "huiswerkbegeleiding.md").write_text(
        "---\nid: huiswerkbegeleiding\nnaam: Huiswerkbegeleiding Testdorp\nsoort: welzijn\n"
        "gemeente: Testdorp\nonderwerpen: [huiswerk, leren]\ncontact:\n  telefoon: 012-345 6700\n"
        "openingstijden: maandag 15-17 uur\nlaatst_gecontroleerd: 2026-09-01\n---\n"
        "Hulp bij huiswerk na school.\n",
        encoding="utf-8",
    )
    settings = Settings(kennisbank=kennisbank, index_dir=tmp_path / "index", min_score=0.2)
    instance = Instance.open(settings, embedder=FakeEmbedder())
    from assistent.intent import IntentModel

    # every turn read as a question about opening hours, as the bot's model read it
    hours = IntentModel(
        FixedProbabilities({"vervolg_openingstijden": 0.7, "vraag": 0.3}), frozenset()
    )
    conversation = Conversation(instance.current, intents=hours)
    replies = play(
        conversation,
        "mijn peuter praat nog weinig",
        "hulp bij huiswerk",
        "wanneer is de huiswerkbegeleiding open?",
    )
    first, need, named = replies
    assert "huiswerkbegeleiding" not in [r.entry.id for r in first.results]
    assert isinstance(need, Reply)
    assert need.results[0].entry.id == "huiswerkbegeleiding"
    assert isinstance(named, FieldAnswer) and named.field == "openingstijden"


def test_a_follow_up_naming_a_place_the_search_only_doubts_answers_about_it(
    tmp_path: Path, clock: Clock
) -> None:
    """'en het consultatiebureau waar zit dat eigenlijk' got the honest 'nothing specific' with
    the consultatiebureau as a 'misschien' under the CJG, instead of its address: a follow-up
    says too little for the search to be sure (found on seen conversations, Polderveen)."""
    settings = Settings(kennisbank=MINI, index_dir=tmp_path / "index", min_score=0.45)
    instance = Instance.open(settings, embedder=FakeEmbedder())
    conversation = Conversation(instance.current, intents=default_model(), clock=clock)
    session = Session()
    first = conversation.handle("u", session, "mijn peuter praat nog weinig")
    assert isinstance(first, Reply)
    assert "wijkteam-west" not in [r.entry.id for r in first.results[:3]]
    alone = instance.current().answer("en het wijkteam, waar zit dat?")
    assert alone.abstained and "wijkteam-west" in [r.entry.id for r in alone.results]
    follow = conversation.handle("u", session, "en het wijkteam, waar zit dat?")
    assert isinstance(follow, FieldAnswer) and follow.field == "adres"
    assert [e.id for e in follow.entries] == ["wijkteam-west"]


class CountingChecker:
    """The real safety check, counting how often a turn asks it."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls = 0

    def check(self, text: str, rol: str | None = None, within: bool = False):
        self.calls += 1
        return self.inner.check(text, rol, within)


def test_a_turn_is_checked_for_danger_once(instance: Instance, clock: Clock) -> None:
    """The dialogue checks a turn before reading it, and the answer used to check it again
    (the classifier's words and meaning, twice per turn)."""
    from assistent.answer import Assistant

    current = instance.current()
    counting = CountingChecker(current.safety)
    assistant = Assistant(current.searcher, counting, current.lines, current.max_results)
    conversation = Conversation(lambda: assistant, intents=default_model(), clock=clock)
    first, second = play(conversation, "mijn peuter slaapt slecht", "ik wil niet meer leven")
    assert counting.calls == 2  # one per turn
    assert second.answer.crisis is not None and first.answer.crisis is None
    # another role is another check: a jongere gets the Kindertelefoon as well
    play(conversation, "ik wil niet meer leven", profile=Profile(rol="jongere"))
    assert counting.calls == 3


class ByText:
    """A fitted classifier's stand-in with probabilities per message (by its words); every
    other message is a plain question."""

    def __init__(self, table: dict[str, dict[str, float]]) -> None:
        self.classes_ = ["vraag", "vervolg_openingstijden", "vervolg_adres", "vervolg_info"]
        self.classes_ += ["bedankt", "verfijning", "buiten", "vervolg_kosten"]
        self.table = {" ".join(words(t)): shares for t, shares in table.items()}

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        rows = []
        for text in texts:
            shares = self.table.get(" ".join(words(text)), {"vraag": 1.0})
            rows.append([shares.get(c, 0.0) for c in self.classes_])
        return np.array(rows)


HOW = frozenset({"hoe", "laat", "die", "mijn", "wil", "ook", "mee", "oke", "dankje", "dat"})
HOW |= {"wat", "en", "de", "voor", "zijn", "het", "niet", "and", "the", "one"}
UNSURE = {"vraag": 0.45, "vervolg_openingstijden": 0.3, "bedankt": 0.25}


def stand_in(instance: Instance, clock: Clock, table: dict[str, dict[str, float]]) -> Conversation:
    from assistent.intent import IntentModel

    return Conversation(instance.current, intents=IntentModel(ByText(table), HOW), clock=clock)


@pytest.mark.parametrize(
    ("message", "follow_up"),
    [
        ("hoe laat is die club? mijn vriend wil ook mee", True),
        ("hoe laat is die club? mijn zoon is 15", False),  # another age: asked anew
    ],
)
def test_a_follow_up_with_a_sentence_of_its_own_is_read_in_parts(
    instance: Instance, clock: Clock, message: str, follow_up: bool
) -> None:
    """'hoe laat is die groep? mn vriend wil ook mee maar hij werkt tot 4' reads as a question as
    a whole, so it got a new list (found on unseen conversations). Read in parts, its first
    sentence is a plain follow-up; a part that gives another age does not hide it."""
    table = {message: UNSURE, "hoe laat is die club": {"vervolg_openingstijden": 0.9}}
    first, turn = play(stand_in(instance, clock, table), "mijn peuter praat nog weinig", message)
    assert isinstance(first, Reply)
    if not follow_up:
        assert isinstance(turn, Reply)
        return
    assert isinstance(turn, FieldAnswer) and turn.field == "openingstijden"
    assert turn.entries[0].id == first.results[0].entry.id


def test_a_sure_thank_you_is_small_talk_whatever_words_come_with_it(
    instance: Instance, clock: Clock
) -> None:
    """'Zeer vriendelijk bedankt voor uw hulp.' got a list of places (a seen set): three words
    beside the thanks, and the search found something for 'hulp'. A thank-you the turn model is
    sure of is small talk; one it is unsure of, with a question in it, is still answered."""
    table = {
        "zeer vriendelijk bedankt voor uw hulp": {"bedankt": 0.95, "vraag": 0.05},
        "bedankt voor de info, kan mijn peuter daar spelen": {"bedankt": 0.6, "vraag": 0.4},
    }
    talk = stand_in(instance, clock, table)
    first, thanks = play(
        talk, "mijn peuter praat nog weinig", "Zeer vriendelijk bedankt voor uw hulp."
    )
    assert isinstance(first, Reply)
    assert isinstance(thanks, SmallTalk) and thanks.kind == "bedankt"
    unsure = play(talk, "bedankt voor de info, kan mijn peuter daar spelen")[0]
    assert not isinstance(unsure, SmallTalk)


def test_thanks_with_a_clause_is_small_talk_when_the_kennisbank_has_nothing(
    instance: Instance, clock: Clock, tmp_path: Path, crisis_model_dir: Path
) -> None:
    """'oke dankje. fijn dat dit ook om 3 uur snachts kan haha' got the honest 'nothing found'
    with the CJG (found on unseen conversations): a thank-you with a clause of its own. A
    thank-you with a question the kennisbank answers still gets the answer."""
    table = {
        "oke dankje. fijn dat dit ook 's nachts kan": UNSURE,
        "oke dankje": {"bedankt": 0.95, "vraag": 0.05},
        "oke dankje. mijn peuter praat nog weinig": UNSURE,
    }
    strict = Settings(  # a threshold nothing reaches: the kennisbank has nothing for it
        kennisbank=MINI, index_dir=tmp_path, min_score=0.99, crisis_model_dir=crisis_model_dir
    )
    finds_nothing = stand_in(Instance.open(strict, embedder=FakeEmbedder()), clock, table)
    thanks = play(finds_nothing, "oke dankje. fijn dat dit ook 's nachts kan")[0]
    assert isinstance(thanks, SmallTalk) and thanks.kind == "bedankt"
    question = play(stand_in(instance, clock, table), "oke dankje. mijn peuter praat nog weinig")
    assert isinstance(question[0], Reply)
    assert question[0].results[0].entry.id == "peuterclub-oost"


@pytest.mark.parametrize(
    ("message", "whole", "rest", "place"),
    [
        # the name hid the question from the turn model
        ("en die peuterclub, waar zit die", 0.6, {"vervolg_adres": 0.9, "vraag": 0.1}, 0),
        # a number: in the turn model's examples it went with 'vertel meer over de tweede';
        # the rest leans to the address though not clearly, and the message points at a place
        ("en die tweede, waar zit die", 0.8, {"vraag": 0.55, "vervolg_adres": 0.45}, 1),
    ],
)
def test_the_field_asked_about_a_named_or_numbered_place_is_read_without_name_or_number(
    instance: Instance,
    clock: Clock,
    message: str,
    whole: float,
    rest: dict[str, float],
    place: int,
) -> None:
    """'en dat jou jongerenwerk, waar zit dat' and 'en die tweede, waar zit dat' got every
    detail ('info') instead of the address. Read without the name or number, they ask where."""
    table = {message: {"vervolg_info": whole, "vraag": 1 - whole}, "en die, waar zit die": rest}
    first, follow = play(stand_in(instance, clock, table), "mijn peuter praat nog weinig", message)
    assert isinstance(first, Reply) and first.results[0].entry.id == "peuterclub-oost"
    assert isinstance(follow, FieldAnswer) and follow.field == "adres"
    assert [e.id for e in follow.entries] == [first.results[place].entry.id]


@pytest.mark.parametrize("number", ["en de tweede?", "and the second one?"])
def test_a_number_alone_carries_the_field_of_the_last_follow_up(
    instance: Instance, clock: Clock, number: str
) -> None:
    """'wat kost dat?' and then 'en de tweede?' got the second place's address, not its costs
    (found on our own and sealed conversations): the turn model leans to 'where' for any short
    'en ...?', and that lean won over the field the user carried. A number that says nothing
    else asks the last follow-up's question about that place."""
    table = {"wat kost dat?": {"vervolg_kosten": 0.9, "vraag": 0.1}}
    table[number] = {"vraag": 0.45, "vervolg_adres": 0.55}
    first, cost, second = play(
        stand_in(instance, clock, table), "mijn peuter praat nog weinig", "wat kost dat?", number
    )
    assert isinstance(first, Reply) and len(first.results) > 1
    assert isinstance(cost, FieldAnswer) and cost.field == "kosten"
    assert isinstance(second, FieldAnswer) and second.field == "kosten"
    assert [e.id for e in second.entries] == [first.results[1].entry.id]


@pytest.mark.parametrize("number", ["de tweede", "the second one", "а второй?", "другий"])
def test_a_number_alone_as_the_first_follow_up_shows_that_place_whole(
    instance: Instance, clock: Clock, number: str
) -> None:
    """'the second one' right after an answer got 'My information about Kindpakket does not
    say' (found by a tester playing new users): the turn model leans to 'where' for any short
    message, and Kindpakket has no address. A number that says nothing else, with no question
    to carry, asks about that place: all its details. Russian and Ukrainian numbers started a
    new search."""
    table = {number: {"vraag": 0.45, "vervolg_adres": 0.55}}
    first, second = play(stand_in(instance, clock, table), "mijn peuter praat nog weinig", number)
    assert isinstance(first, Reply) and len(first.results) > 1
    assert isinstance(second, FieldAnswer) and second.field == "info"
    assert [e.id for e in second.entries] == [first.results[1].entry.id]


def test_small_talk_in_one_part_does_not_hide_another_kind_of_turn(
    instance: Instance, clock: Clock, tmp_path: Path, crisis_model_dir: Path
) -> None:
    """'en haar broertje van 4, die snapt het nog niet echt. is er voor hem ook iets?' got the
    warm 'weet het niet meer' reply and no help, because one clause read as small talk and the
    search found nothing (found on sealed conversations); the other clause was a refinement.
    Small talk from parts needs no part to be another kind of turn; then the honest no-match
    with the CJG comes."""
    table = {
        "en voor zijn broertje van 4, die snapt het niet": UNSURE,
        "en voor zijn broertje van 4": {"verfijning": 0.9, "vraag": 0.1},
        "die snapt het niet": {"bedankt": 0.8, "vraag": 0.2},
    }
    strict = Settings(  # a threshold nothing reaches: the kennisbank has nothing for it
        kennisbank=MINI, index_dir=tmp_path, min_score=0.99, crisis_model_dir=crisis_model_dir
    )
    finds_nothing = stand_in(Instance.open(strict, embedder=FakeEmbedder()), clock, table)
    question = play(finds_nothing, "en voor zijn broertje van 4, die snapt het niet")[0]
    assert isinstance(question, Reply) and question.answer.abstained


@pytest.mark.parametrize(
    ("message", "place"),
    [
        # on its own it finds nothing: 'ook' leans on the last question
        ("en voor zijn zusje van 3? die doet dat ook steeds", "peuterclub-oost"),
        # a need of its own that the kennisbank answers: a new question
        ("en mijn zoon van 14? die wil een cursus voor pubers", "pubercursus"),
    ],
)
def test_another_child_with_a_clause_that_finds_nothing_alone_refines_the_last_question(
    clock: Clock, tmp_path: Path, crisis_model_dir: Path, message: str, place: str
) -> None:
    """'en voor zn zus van 7? die zit ook al de hele dag op tiktok' got the honest 'nothing
    found' (found on sealed conversations): with words of its own it was read as a new
    question, which alone finds nothing. When the message alone finds nothing, it is the last
    question again for the child it names."""
    table = {message: {"vraag": 0.9, "verfijning": 0.1}}
    strict = Settings(  # the message alone stays below it; with the last question it does not
        kennisbank=MINI, index_dir=tmp_path, min_score=0.5, crisis_model_dir=crisis_model_dir
    )
    chat = stand_in(Instance.open(strict, embedder=FakeEmbedder()), clock, table)
    first, turn = play(chat, "mijn peuter praat nog weinig", message)
    assert isinstance(first, Reply) and first.results[0].entry.id == "peuterclub-oost"
    assert isinstance(turn, Reply) and not turn.answer.abstained
    assert turn.results[0].entry.id == place


def in_the_band_of_doubt(
    instance: Instance, clock: Clock, readings: dict[str, dict[str, float]]
) -> Conversation:
    """A conversation whose safety check finds every message in the band of doubt, and whose
    turn model reads ``readings`` (every other message is a question)."""
    import dataclasses

    from assistent.answer import Assistant
    from assistent.intent import IntentModel
    from assistent.safety.detector import SafetyChecker
    from assistent.safety.lines import load_acute_rules, load_taxonomy

    checker = instance.assistant.safety
    assert checker.model is not None
    doubtful = dataclasses.replace(
        checker.model, threshold=1.01, doubt_threshold=0.0, sentence_thresholds=None
    )
    safety = SafetyChecker(doubtful, load_acute_rules(), load_taxonomy().levels(), checker.embedder)
    assistant = Assistant(instance.assistant.searcher, safety, instance.lines)
    return Conversation(lambda: assistant, intents=IntentModel(ByText(readings), HOW), clock=clock)


def test_small_talk_in_the_band_of_doubt_gets_the_calm_line_and_no_list(
    instance: Instance, clock: Clock
) -> None:
    """Small talk that only the band of doubt reads as a possible crisis got a list of places
    under the calm line ("ze heeft het uitgehoest, het gaat weer. dankje" got 112 and three
    places; found on unseen conversations). It gets the warm reply with the calm line."""
    thanks = {"oke dankje": {"bedankt": 0.95, "vraag": 0.05}}
    conversation = in_the_band_of_doubt(instance, clock, thanks)
    chat, question = play(conversation, "oke dankje", "mijn peuter praat nog weinig")
    assert isinstance(chat, SmallTalk) and chat.kind == "bedankt"
    assert chat.care is not None and chat.care.crisis is not None
    from assistent.telegram.handlers import turn_crisis

    assert turn_crisis(chat) == chat.care.crisis.category != "-"  # the bot's log line said '-'
    line = chat.care.crisis_lines[0]
    text = render_turn(chat, as_html=False)
    assert line.naam in text and "1." not in text  # the calm line, no list of places
    assert isinstance(question, Reply) and question.answer.crisis is not None


def test_a_follow_up_in_the_band_of_doubt_stays_a_follow_up_with_the_calm_line(
    instance: Instance, clock: Clock
) -> None:
    """A follow-up or refinement that only the band of doubt read as a possible crisis lost the
    conversation: it was asked as a new question ("ik woon in zuid" got three random places,
    "when are those evenings? it would be just me" a list; found on the conversation sets). It
    is read as ever, with the calm line of its sign beside it."""
    from assistent.telegram.handlers import turn_crisis

    readings = {
        "wanneer zijn ze open": {"vervolg_openingstijden": 0.95, "vraag": 0.05},
        "en voor een kind van 3": {"verfijning": 0.9, "vraag": 0.1},
    }
    conversation = in_the_band_of_doubt(instance, clock, readings)
    first, hours, refined = play(
        conversation,
        "mijn peuter praat nog weinig",
        "wanneer zijn ze open",
        "en voor een kind van 3",
    )
    assert isinstance(first, Reply) and first.answer.crisis is not None
    assert isinstance(hours, FieldAnswer) and hours.field == "openingstijden"
    assert hours.care is not None and hours.care.crisis is not None
    assert turn_crisis(hours) == hours.care.crisis.category
    text = render_turn(hours, as_html=False)
    assert hours.care.crisis_lines[0].naam in text and hours.entries[0].naam in text
    assert isinstance(refined, Reply) and refined.refined
    assert refined.answer.crisis is not None and refined.answer.crisis_lines


def test_the_turn_model_is_kept_on_disk_and_a_restart_loads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each new process trained the turn model (about 3 s of CPU: every bot restart, every
    `assistent vraag`). It is kept beside the crisis model; a damaged file is trained again."""
    from assistent import instance as instance_module
    from assistent.embed import CachedEmbedder

    settings = Settings(
        kennisbank=MINI, index_dir=tmp_path / "index", crisis_model_dir=tmp_path / "veiligheid"
    )
    embedder = CachedEmbedder(FakeEmbedder())
    texts = ["wat kost dat", "hoi", "mijn kind slaapt slecht", "waar kan ik parkeren", "nog meer"]
    monkeypatch.setattr(instance_module, "_FITTED_INTENTS", {})  # a process of its own
    trained = instance_module.ensure_intents(settings, embedder)
    (stored,) = (tmp_path / "veiligheid" / "dialoog").glob("*.joblib")
    written = stored.stat().st_mtime_ns
    monkeypatch.setattr(instance_module, "_FITTED_INTENTS", {})  # a restart
    loaded = instance_module.ensure_intents(settings, embedder)
    assert stored.stat().st_mtime_ns == written  # read, not trained and written again
    assert [loaded.classify(t) for t in texts] == [trained.classify(t) for t in texts]
    stored.write_bytes(b"kapot")
    monkeypatch.setattr(instance_module, "_FITTED_INTENTS", {})
    again = instance_module.ensure_intents(settings, embedder)
    assert [again.classify(t) for t in texts] == [trained.classify(t) for t in texts]
    assert stored.read_bytes() != b"kapot"


def test_processes_started_together_train_the_turn_model_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two pytest workers (or a bot and `assistent vraag`) started together each trained the
    turn model, 40-70 s of CPU each with the real model. Under the crisis model's lock one
    trains and the other waits and loads what it saved."""
    import threading

    from assistent import instance as instance_module
    from assistent.embed import CachedEmbedder
    from assistent.intent import IntentModel

    settings = Settings(
        kennisbank=MINI, index_dir=tmp_path / "index", crisis_model_dir=tmp_path / "veiligheid"
    )
    monkeypatch.setattr(instance_module, "_FITTED_INTENTS", {})
    fits: list[int] = []
    real_fit = IntentModel.fit.__func__  # type: ignore[attr-defined]

    def counted_fit(cls: type[IntentModel], *args: object, **kwargs: object) -> IntentModel:
        fits.append(1)
        time.sleep(0.3)  # training takes a while: the other process has started by then
        return real_fit(cls, *args, **kwargs)

    monkeypatch.setattr(IntentModel, "fit", classmethod(counted_fit))
    start = threading.Barrier(2)
    models: list[IntentModel] = []

    def process() -> None:
        start.wait()
        models.append(instance_module.ensure_intents(settings, CachedEmbedder(FakeEmbedder())))

    threads = [threading.Thread(target=process) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(models) == 2
    assert len(fits) == 1
    assert models[0].classify("nog meer") == models[1].classify("nog meer")


def test_turn_examples_in_a_file_of_their_own_are_merged_per_kind(tmp_path: Path) -> None:
    """A municipality (or a new round of examples) adds dialoog-<naam>.yaml beside dialoog.yaml."""
    from assistent.intent import load_examples

    (tmp_path / "dialoog.yaml").write_text('groet:\n  - "hoi"\nmeer:\n  - "meer"\n', "utf-8")
    (tmp_path / "dialoog-gemeente.yaml").write_text(
        'groet:\n  - "goeiendag"\nvervolg_kosten:\n  - "is dat duur"\n', "utf-8"
    )
    (tmp_path / "dialoog-oud.txt").write_text('groet:\n  - "niet lezen"\n', "utf-8")
    (tmp_path / "buiten_bereik.yaml").write_text('- "wanneer gaat het zwembad open"\n', "utf-8")
    examples = load_examples(tmp_path)
    assert examples["groet"] == ["hoi", "goeiendag"]
    assert examples["vervolg_kosten"] == ["is dat duur"] and examples["meer"] == ["meer"]
    assert "wanneer gaat het zwembad open" in examples["buiten"]


def test_a_kind_written_twice_in_one_file_keeps_both_lists(tmp_path: Path) -> None:
    """A second 'vraag:' lower in dialoog-context.yaml silently replaced the first: plain YAML
    keeps only the last of two equal keys, and 18 examples were lost without a word."""
    from assistent.intent import load_examples

    (tmp_path / "dialoog.yaml").write_text('groet:\n  - "hoi"\n', "utf-8")
    (tmp_path / "dialoog-extra.yaml").write_text(
        'vraag:\n  - "is er iets voor vaders"\nbedankt:\n  - "top"\n'
        'vraag:\n  - "moet ik dat melden?"\n',
        "utf-8",
    )
    (tmp_path / "buiten_bereik.yaml").write_text('- "regent het morgen"\n', "utf-8")
    examples = load_examples(tmp_path)
    assert examples["vraag"] == ["is er iets voor vaders", "moet ik dat melden?"]
    assert examples["bedankt"] == ["top"] and examples["groet"] == ["hoi"]


def test_a_search_probe_that_is_also_a_greeting_stays_a_greeting(tmp_path: Path) -> None:
    """'hallo' got 'niets gevonden' with the CJG instead of a greeting: 'hallo?' is one of the
    off-topic probes that calibrate the search, and as an exact example it won over 'hallo'."""
    from assistent.intent import load_examples

    (tmp_path / "dialoog.yaml").write_text('groet:\n  - "hallo"\n  - "hoi"\n', "utf-8")
    (tmp_path / "buiten_bereik.yaml").write_text('- "hallo?"\n- "regent het morgen"\n', "utf-8")
    examples = load_examples(tmp_path)
    assert examples["buiten"] == ["regent het morgen"]
    model = IntentModel.fit(examples, ["mijn peuter slaapt slecht", "mijn zoon van 8 pest"])
    assert model.classify("hallo").kind == "groet"


def test_a_message_that_names_a_place_just_shown_is_not_off_topic(
    instance: Instance, clock: Clock
) -> None:
    """'hoe laat is die groep van eigen koers' was read as not about parenting at all and got
    the honest 'niets gevonden' (found on conversations we had seen). It names a place of the
    last answer, so it asks about that place."""
    message = "hoe laat is die peuterclub open"
    conversation = stand_in(
        instance,
        clock,
        {
            message: {"buiten": 0.7, "vraag": 0.3},
            "hoe laat is die  open": {"vervolg_openingstijden": 0.9, "vraag": 0.1},
            "waar haal ik een parkeervergunning": {"buiten": 0.7, "vraag": 0.3},
        },
    )
    first, follow, parking = play(
        conversation,
        "mijn peuter praat nog weinig",
        message,
        "waar haal ik een parkeervergunning",
    )
    assert isinstance(first, Reply) and first.results[0].entry.id == "peuterclub-oost"
    assert isinstance(follow, FieldAnswer) and follow.field == "openingstijden"
    assert [e.id for e in follow.entries] == ["peuterclub-oost"]
    # naming no place of the last answer, the same reading is still off topic
    assert isinstance(parking, Reply) and parking.results[0].entry.id == "cjg-testdorp"


def test_a_short_word_read_loosely_keeps_the_language_of_the_conversation(
    instance: Instance, clock: Clock
) -> None:
    """'cheers' after English turns got a Dutch reply: the detector reads the one word as
    Dutch. A word or two only switches the conversation's language when it is clear."""
    table = {
        "cheers": {"bedankt": 0.95, "vraag": 0.05},
        "danke schön": {"bedankt": 0.95, "vraag": 0.05},
    }
    conversation = stand_in(instance, clock, table)
    first, thanks = play(
        conversation, "my toddler hardly talks yet, where can we go with that?", "cheers"
    )
    assert isinstance(first, Reply) and first.answer.taal == "en"
    assert isinstance(thanks, SmallTalk) and thanks.taal == "en"
    # from Dutch, a short loose reading still switches ("danke schön" is German)
    german = play(conversation, "danke schön")[0]
    assert isinstance(german, SmallTalk) and german.taal == "de"


def test_a_short_dutch_follow_up_that_reads_loosely_as_german_stays_dutch(
    conversation: Conversation,
) -> None:
    """'kan ik chatten?' after a Dutch question got its answer in German (German 0.52, Dutch
    0.31): leaving the conversation's language on a loose reading takes a clearer lead."""
    session = Session()
    first = conversation.handle("u", session, "mijn peuter praat nog weinig")
    assert isinstance(first, Reply) and first.answer.taal == "nl"
    chat = conversation.handle("u", session, "kan ik chatten?")
    assert isinstance(chat, FieldAnswer) and chat.taal == session.taal == "nl"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("wnr is dat", "openingstijden"),
        ("hvl kost t", "kosten"),
        ("wnr zijn ze open", "openingstijden"),
    ],
)
def test_a_follow_up_in_chat_spelling_asks_what_it_says(
    conversation: Conversation, text: str, field: str
) -> None:
    """'wnr is dat' (wanneer) was read as a question about the address (set 14)."""
    _, follow = play(conversation, "mijn peuter praat nog weinig", text)
    assert isinstance(follow, FieldAnswer) and follow.field == field


def test_chat_spelling_is_written_out_for_reading_only() -> None:
    assert spell_out("Wnr is dat? kan k me aanmelden") == "wanneer is dat? kan ik me aanmelden"
    assert spell_out("winnaar mnd tel.nr") == "winnaar mnd telefoonnummer"
    assert spell_out("kan ik die gwn appen") == "kan ik die gwn appen"  # a filler stays


def test_a_new_question_sets_the_conversation_language_without_the_names(
    conversation: Conversation,
) -> None:
    """A first message answered straight away (as after a sign of danger) left the
    conversation Dutch, and 'Wo ist die JGZ-locatie Oude Haven?' was answered in Dutch: the
    new question's language came from the whole message, names and all (sealed set 15)."""
    session = Session()
    conversation.ask("u", session, "Mein Sohn ist 15 und hört überhaupt nicht mehr auf uns")
    assert session.taal == "de"
    reply = conversation.ask("u", session, "Wo ist der Peuterclub Oost?")
    assert reply.answer.taal == "de" and session.taal == "de"


QUESTIONS = ["mijn peuter slaapt slecht", "mijn zoon van 8 wordt gepest op school"]


def _fit_before_and_after(
    folder: Path,
    dialoog: str,
    added: tuple[str, str],
    words_only: Callable[[Path], set[str]],
) -> tuple[IntentModel, IntentModel]:
    """The turn model (fake embedder) on ``dialoog`` alone, and again once the example file
    ``added`` (name, text) lies beside it; ``words_only`` reads the examples that teach the word
    view only from the folder."""
    from assistent.intent import load_examples

    (folder / "dialoog.yaml").write_text(dialoog, "utf-8")
    (folder / "buiten_bereik.yaml").write_text('- "regent het morgen"\n', "utf-8")
    embedder = FakeEmbedder()

    def fit() -> IntentModel:
        examples = load_examples(folder)
        texts = [t for items in examples.values() for t in items] + QUESTIONS
        return IntentModel.fit(
            examples,
            QUESTIONS,
            embedder.embed_queries(texts),
            lambda text: embedder.embed_queries([text])[0],
            words_only(folder),
        )

    before = fit()
    name, text = added
    (folder / name).write_text(text, "utf-8")
    return before, fit()


def test_a_languages_own_examples_leave_the_other_languages_reading_alone(
    tmp_path: Path,
) -> None:
    """400 Ukrainian and Russian examples changed how 42 of 2,555 turns of the seen conversation
    sets were read, 10 more of them wrongly: the embedding view moved its boundaries, and the
    Cyrillic words lowered the share of every Dutch how-word ("dank je wel hoor, je bent een
    schat" became a question). A language's own file (dialoog-uk.yaml) now teaches the word view
    and the exact table only, and counts its how-words among itself."""
    from assistent.intent import language_examples

    before, after = _fit_before_and_after(
        tmp_path,
        'bedankt:\n  - "dank je wel"\n  - "je bent top"\n  - "dankjewel hoor"\n'
        'vervolg_kosten:\n  - "wat kost dat"\n  - "is het gratis"\n',
        (
            "dialoog-uk.yaml",
            'bedankt:\n  - "дякую"\n  - "дуже дякую вам"\n'
            'vervolg_kosten:\n  - "скільки це коштує"\n  - "це безкоштовно"\n'
            'vraag:\n  - "мій син погано спить"\n',
        ),
        language_examples,
    )
    assert language_examples(tmp_path) == {
        "дякую", "дуже дякую вам", "скільки це коштує", "це безкоштовно", "мій син погано спить"
    }  # fmt: skip
    assert before.function_words <= after.function_words  # no Dutch how-word lost
    for text in ("dank je wel hoor, je bent een schat", "wat kost die cursus", *QUESTIONS):
        assert after.classify(text) == before.classify(text), text
    assert after.classify("дякую").kind == "bedankt"  # the exact table knows them


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("en waar", "adres"),
        ("waar?", "adres"),
        ("ok en waar", "adres"),
        ("hoe laat?", "openingstijden"),
        ("tel?", "contact"),
        ("gdzie?", "adres"),
        ("und wann", "openingstijden"),
    ],
)
def test_a_follow_up_of_a_word_or_two_asks_about_the_places_just_shown(
    conversation: Conversation, text: str, field: str
) -> None:
    """'en waar' after an answer got a goodbye, 'waar' a greeting: the embedding of a text this
    short says little (found on conversations we had seen). Short follow-ups are examples of
    their own (data/dialoog-kort.yaml), and an example is known as it is typed."""
    first, follow = play(conversation, "mijn puber luistert niet meer", text)
    assert isinstance(first, Reply) and first.results
    assert isinstance(follow, FieldAnswer) and follow.field == field


def test_short_turns_are_known_as_typed_and_move_no_other_reading(tmp_path: Path) -> None:
    """Short follow-ups as examples the embedding view learned from made "en de tweede?" a
    question about the address (the rest "en de", read apart from the number, came out as
    one; 5 turns of the seen conversation sets). data/dialoog-kort.yaml teaches the word view
    and the exact table only: those turns are known as typed, every other reading stays."""
    from assistent.intent import words_only_examples

    before, after = _fit_before_and_after(
        tmp_path,
        'bedankt:\n  - "dank je wel"\n  - "dankjewel hoor"\n'
        'doei:\n  - "doei"\n  - "ok doei"\n'
        'vervolg_kosten:\n  - "wat kost dat"\n  - "is het gratis"\n'
        'vervolg_adres:\n  - "waar zit dat eigenlijk"\n  - "wat is het adres"\n',
        ("dialoog-kort.yaml", 'vervolg_adres:\n  - "en waar?"\n  - "waar?"\n  - "en waar dan"\n'),
        words_only_examples,
    )
    assert words_only_examples(tmp_path) == {"en waar?", "waar?", "en waar dan"}
    assert after.classify("En waar").kind == "vervolg_adres"  # as typed, without the "?"
    for text in ("en de", "en de tweede?", "wat kost die cursus", *QUESTIONS):
        assert after.classify(text) == before.classify(text), text


def test_a_sign_up_answer_says_how_to_reach_the_place_when_its_text_does_not() -> None:
    """'hoe meld ik me aan?' answered "Aanmelden: bij de coördinator" and no way to reach the
    coördinator (found on conversations we had seen). The main contact comes with it, as typed;
    a sign-up text that has a number or address of its own is enough."""
    from assistent.kennisbank import Voorziening

    def place(aanmelden: str) -> Voorziening:
        return Voorziening(
            id="groep",
            naam="Oudergroep Test",
            soort="lotgenoten",
            landelijk=True,
            onderwerpen=["opvoeden"],
            contact={"telefoon": "0575-41 44 10", "email": "groep@test.example"},
            beschrijving="Tekst.",
            aanmelden=aanmelden,
        )

    bare = render_turn(FieldAnswer("aanmelden", "nl", [place("Vooraf aanmelden.")]), False)
    assert "Vooraf aanmelden." in bare and "0575-41 44 10" in bare
    own = "Bel eerst 0575 41 44 11 voor een intake."
    text = render_turn(FieldAnswer("aanmelden", "nl", [place(own)]), False)
    assert own in text and "0575-41 44 10" not in text


@pytest.mark.parametrize("text", ["wat kost dat?", "hoe meld ik me aan?", "waar is dat"])
def test_a_follow_up_as_the_first_message_asks_what_it_is_about(
    conversation: Conversation, text: str
) -> None:
    """'wat kost dat?' with no answer before it points at nothing: it got three places about
    money (the Kindpakket). Now the assistant asks what the question is about, without a list."""
    turn = conversation.handle("u", Session(), text)
    assert isinstance(turn, SmallTalk) and turn.kind == "waarover", turn
    assert "Waar gaat je vraag over?" in render_turn(turn, as_html=False)


def test_a_first_message_that_names_its_subject_is_still_searched(
    conversation: Conversation,
) -> None:
    turn = conversation.handle("u", Session(), "wat kost de peuterclub?")
    assert isinstance(turn, Reply)


def test_after_the_lines_a_question_only_a_place_can_answer_goes_to_the_places(
    conversation: Conversation,
) -> None:
    """'waar zit dat?' after the lines came first got 'Alarmnummer 112: bel 112': a line has
    no address. That goes to the local places shown under the lines; what a line does have (its
    cost, its hours, what to do now) stays with the line."""
    session = Session()
    crisis = conversation.handle("u", session, "mijn baby ademt niet meer")
    assert isinstance(crisis, Reply) and crisis.answer.lines_first and session.page
    where = conversation.handle("u", session, "waar zit dat?")
    assert isinstance(where, FieldAnswer) and where.line is None, where
    assert where.field == "adres" and where.entries == [r.entry for r in session.page]
    cost = conversation.handle("u", session, "is het gratis?")
    assert isinstance(cost, FieldAnswer) and cost.line is crisis.answer.crisis_lines[0]


def test_asking_whether_the_place_is_anonymous_or_needs_parents_is_a_follow_up(
    conversation: Conversation,
) -> None:
    """A young person's 'kan ik daar zonder mijn ouders heen?' or 'is dat anoniem?' asks how the
    place just shown works: it was a new search 4 times out of 4 in a play test (and those words
    are in no kennisbank's topics). Neither sentence is one of the examples as written."""
    for asked in ("kan ik daar ook zonder mijn ouders naartoe?", "is het anoniem daar"):
        _, follow = play(conversation, "mijn puber luistert niet meer", asked)
        assert isinstance(follow, FieldAnswer), asked
        assert follow.field == "aanmelden", asked


class SignalOn:
    """A safety check that finds one sign in messages with a given word, and nothing else."""

    def __init__(self, word: str, signal: SafetySignal) -> None:
        self.word, self.signal = word, signal

    def check(self, text: str, rol: str | None = None, within: bool = False) -> SafetySignal | None:
        return self.signal if self.word in text else None


def test_a_sure_sign_with_no_local_place_that_fits_puts_the_line_first(
    tmp_path: Path, crisis_model_dir: Path
) -> None:
    """'ik ben 11 … soms krijg ik klappen': the Kindertelefoon (a zorg line) was found surely, but
    it stood under 'Ik vond geen plek …' and the CJG, and 'wat kost bellen?' got the CJG's costs.
    When no specific place fits, the line is the help: it comes first, and follow-ups are
    about it. With a place that fits, the line stays under it (the grieving child's rouwgroep)."""
    settings = Settings(
        kennisbank=MINI, index_dir=tmp_path / "i", min_score=0.99, crisis_model_dir=crisis_model_dir
    )
    real = Instance.open(settings, embedder=FakeEmbedder()).current()
    signal = SafetySignal("kindertelefoon", ("kindertelefoon",), "zorg", "model")
    assistant = Assistant(real.searcher, SignalOn("klappen", signal), real.lines)  # type: ignore[arg-type]
    conversation = Conversation(lambda: assistant, intents=default_model())
    told, asked = play(conversation, "ik ben 11 en thuis krijg ik soms klappen", "wat kost bellen?")
    assert isinstance(told, Reply) and told.answer.abstained
    assert render_turn(told, as_html=False).startswith("Wil je er met iemand over praten?")
    assert told.answer.ids()[0] == "kindertelefoon"
    assert isinstance(asked, FieldAnswer) and asked.line is not None
    assert asked.line.id == "kindertelefoon"
    # a place that fits: the calm line stays under it
    fitting = Settings(
        kennisbank=MINI, index_dir=tmp_path / "j", min_score=0.2, crisis_model_dir=crisis_model_dir
    )
    found = Instance.open(fitting, embedder=FakeEmbedder()).current()
    beside = Assistant(found.searcher, SignalOn("klappen", signal), found.lines)  # type: ignore[arg-type]
    answer = beside.answer("ik ben 11 en thuis krijg ik soms klappen")
    assert not answer.abstained and not answer.line_leads
    assert answer.ids()[-1] == "kindertelefoon"


def test_a_doubtful_sign_on_a_turn_that_asks_nothing_new_goes_under_it(
    instance: Instance,
) -> None:
    """'ik woon in noord' and the weather got '… 113 Zelfmoordpreventie …' above the answer in a
    play test: the band of doubt reads a short plain turn too often. On a refinement or a
    follow-up the calm line now goes under the turn; a new question keeps it first."""
    real = instance.current()
    doubt = SafetySignal("113", ("113",), "zorg", "model-twijfel", doubt=True)
    assistant = Assistant(real.searcher, SignalOn("west", doubt), real.lines)  # type: ignore[arg-type]
    conversation = Conversation(lambda: assistant, intents=default_model())
    _, refined = play(conversation, "mijn peuter praat nog weinig", "wij wonen in west")
    assert isinstance(refined, Reply) and refined.answer.crisis is not None
    text = render_turn(refined, as_html=False)
    assert "113" in text.split("\n\n")[-1] and "113" not in text.split("\n\n")[0]
    new = assistant.answer("in west heb ik soms zulke zware gedachten")
    assert new.crisis is not None and new.crisis.offer_first


def test_what_to_do_right_after_the_lines_is_about_the_line(conversation: Conversation) -> None:
    """'wat moet ik doen' right after 112 for a swallowed button battery got how to sign up at
    the CJG, and 'what do i do' after 'he is hitting me' got what the assistant can do (a play
    test). Right after a sure sign, a plea that names no place is about the line: its message
    and its number. 'waar zit dat?' still goes to the places (a line has no address)."""
    crisis, asked = play(conversation, "mijn baby ademt niet meer", "wat moet ik doen")
    assert isinstance(crisis, Reply) and crisis.answer.lines_first
    line = crisis.answer.crisis_lines[0]
    assert isinstance(asked, FieldAnswer) and asked.line is line, asked
    text = render_turn(asked, as_html=False)
    assert line.boodschap in text and "112" in text
    for plea in ("wat nu", "wat moet ik nu doen?"):
        _, turn = play(conversation, "mijn baby ademt niet meer", plea)
        assert isinstance(turn, FieldAnswer) and turn.line is line, plea
    _, plain = play(conversation, "mijn peuter praat nog weinig", "wat moet ik doen")
    assert not (isinstance(plain, FieldAnswer) and plain.line is not None)


def test_the_turn_right_after_the_lines_keeps_the_line_first(conversation: Conversation) -> None:
    """'he is still here' after 'my husband is hitting me' got a debt service and a football
    club with no line at all (a play test): the danger was forgotten one message later. A new
    message right after the lines came first keeps the line, in one calm sentence above what
    it finds; the turn after that is an ordinary turn again, and the sign is counted once."""
    (plain,) = play(conversation, "mijn puber blowt")
    assert isinstance(plain, Reply) and plain.answer.crisis is None  # no sign of its own
    crisis, still, later = play(
        conversation, "mijn baby ademt niet meer", "mijn puber blowt", "mijn puber blowt"
    )
    assert isinstance(crisis, Reply) and crisis.answer.lines_first
    assert isinstance(still, Reply) and still.answer.crisis is not None
    assert not still.answer.lines_first and still.answer.crisis.offer_first
    assert still.answer.crisis.category == crisis.answer.crisis.category
    assert "112" in render_turn(still, as_html=False).split("\n\n")[0]
    assert isinstance(later, Reply) and later.answer.crisis is None
    # and a plea right after that calm line is still about the line ("he is still here" ...
    # "what do i do")
    _, _, plea = play(conversation, "mijn baby ademt niet meer", "mijn puber blowt", "wat nu")
    assert isinstance(plea, FieldAnswer) and plea.line is crisis.answer.crisis_lines[0]
    # after 'help' (every line), the next question still gets its places under one calm line
    helped, asked = play(conversation, "help", "mijn puber blowt")
    assert isinstance(helped, Reply) and helped.answer.crisis is not None
    assert helped.answer.crisis.all_lines
    assert isinstance(asked, Reply) and asked.answer.crisis is not None and asked.results
    assert "Cursus Pubers in huis" in render_turn(asked, as_html=False)


def test_a_follow_up_naming_a_place_right_after_the_lines_answers_about_that_place(
    conversation: Conversation,
) -> None:
    """With the calm line carried to the turn after the lines, 'wat kost die training?' (a
    place the answer did not show) became a new list with Veilig Thuis on top instead of the
    training's costs: seven follow-ups on the seen conversation sets. A follow-up that names a
    place is still about that place."""
    crisis, named = play(
        conversation, "mijn baby ademt niet meer", "wat kost cursus pubers in huis?"
    )
    assert isinstance(crisis, Reply) and crisis.answer.lines_first
    assert isinstance(named, FieldAnswer) and named.field == "kosten", named
    assert [e.id for e in named.entries] == ["pubercursus"]
    # and a follow-up after that one stays with that place ("hoe kom ik erin")
    *_, then = play(
        conversation,
        "mijn baby ademt niet meer",
        "wat kost cursus pubers in huis?",
        "hoe meld ik me aan?",
    )
    assert isinstance(then, FieldAnswer) and [e.id for e in then.entries] == ["pubercursus"]


def test_no_example_turn_teaches_two_kinds_of_turn() -> None:
    """'ben je een robot' was an example of both 'who are you' and 'off-topic', and the
    exact-match table answered it as off-topic: 'ben je een robot' in a play test got the
    CJG's 'nothing found'. An example may be two kinds only when both are small talk ('dag' is
    hello and goodbye)."""
    from assistent.intent import SMALL_TALK, _key, load_examples

    kinds: dict[str, set[str]] = {}
    for kind, texts in load_examples().items():
        for text in texts:
            kinds.setdefault(_key(text), set()).add(kind)
    twice = {text: found for text, found in kinds.items() if len(found) > 1}
    assert all(found <= set(SMALL_TALK) for found in twice.values()), twice


def test_a_message_without_text_leaves_the_conversation_as_it_was(
    conversation: Conversation,
) -> None:
    """'😭' right after 112, then 'wat nu': the emoji turn replaced the last answer, so the plea
    no longer went to the line (found trying bad input). A message with no text says nothing:
    the last answer stays, with its line and its places."""
    crisis, emoji, plea = play(conversation, "mijn baby ademt niet meer", "😭😭", "wat nu")
    assert isinstance(emoji, Reply) and "geen-tekst" in emoji.answer.notices
    assert isinstance(plea, FieldAnswer) and plea.line is crisis.answer.crisis_lines[0]
    _, _, cost = play(conversation, "mijn puber luistert niet meer", "👍", "wat kost dat?")
    assert isinstance(cost, FieldAnswer) and cost.field == "kosten" and cost.entries


def test_where_to_report_a_worry_is_not_how_to_sign_up(conversation: Conversation) -> None:
    """'moet ik dat melden? waar' from a teacher got how to sign up for a homework club, a
    course and a parents' group (a play test): 'melden' was read as 'aanmelden'. Where to
    report a worry about a child is answered by Veilig Thuis, which advises anyone in doubt
    and takes the report, first; the places are found for the worry just told."""
    _, asked = play(
        conversation,
        "een leerling komt steeds zonder ontbijt naar school",
        "moet ik dit nu melden?",
    )
    assert isinstance(asked, Reply) and asked.first_page, asked
    answer = asked.answer
    assert answer.crisis is not None and answer.crisis.asked_where_to_report
    assert [line.id for line in answer.crisis_lines] == [LINE_IDS["veilig-thuis"]]
    assert answer.line_leads and answer.ids()[0] == LINE_IDS["veilig-thuis"]
    first = render_turn(asked, as_html=False).split("\n\n")[0]
    assert "melden" in first and "0800-2000" in first
    # in the writer's language, not that of the worry told before
    _, english = play(conversation, "mijn peuter praat nog weinig", "should i report this?")
    assert isinstance(english, Reply) and english.answer.taal == "en"
    assert "report" in render_turn(english, as_html=False).split("\n\n")[0]
    # signing up stays signing up
    _, sign_up = play(conversation, "mijn peuter praat nog weinig", "hoe meld ik me aan?")
    assert isinstance(sign_up, FieldAnswer) and sign_up.field == "aanmelden"


def test_ok_right_after_the_lines_gets_the_line_not_you_are_welcome(
    conversation: Conversation,
) -> None:
    """'ok' right after 113 for pills saved for tonight got 'Graag gedaan! Als je nog een vraag
    hebt, …' (a play test). Right after the lines came first, a closing or a greeting gets
    what the line says and its number again; later it is ordinary small talk."""
    crisis, ok = play(conversation, "mijn baby ademt niet meer", "ok")
    assert isinstance(crisis, Reply) and crisis.answer.lines_first
    assert isinstance(ok, SmallTalk) and ok.care is crisis.answer
    text = render_turn(ok, as_html=False)
    line = crisis.answer.crisis_lines[0]
    assert translated("bedankt", "nl") not in text and line.boodschap in text and "112" in text
    _, plain = play(conversation, "mijn peuter praat nog weinig", "ok")
    assert isinstance(plain, SmallTalk) and "112" not in render_turn(plain, as_html=False)


def test_a_remark_within_an_ordinary_conversation_gets_no_lines_first(
    conversation: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'ik woon trouwens in Haven' after a question about breastfeeding got 113 first, and 'wat
    kost dat?' next was answered about 113 (a play test). A message that continues an ordinary
    conversation is held to the thresholds of a sentence within a story: here only its band of
    doubt, so the conversation goes on with one calm line. Alone, the same message is sure."""
    import dataclasses

    session = Session()
    first = conversation.handle("u", session, "mijn peuter praat nog weinig")
    assert isinstance(first, Reply) and first.answer.crisis is None
    safety = conversation.assistant.safety
    assert safety.model is not None
    anything_alone = dataclasses.replace(
        safety.model, threshold=0.0, doubt_threshold=0.0, sentence_thresholds=(1.01, 0.0)
    )
    monkeypatch.setattr(safety, "model", anything_alone)
    remark = conversation.handle("u", session, "ik woon trouwens in het dorp")
    answer = remark.answer if isinstance(remark, Reply) else remark.care
    assert answer is not None and answer.crisis is not None and answer.crisis.doubt
    assert not answer.lines_first
    alone = conversation.handle("v", Session(), "ik woon trouwens in het dorp")
    # alone it is sure (which line, with every threshold at 0, is the model's guess)
    assert isinstance(alone, Reply) and alone.answer.crisis is not None
    assert not alone.answer.crisis.doubt


def test_a_follow_up_naming_nothing_is_also_about_the_calm_line_beside_the_places(
    tmp_path: Path, crisis_model_dir: Path
) -> None:
    """'ze schreeuwen nu weer tegen elkaar beneden … met wie kan ik praten' got places with the
    Kindertelefoon calmly under them; 'moet ik dan mn naam zeggen?' and 'is dat gratis?' got only
    the places' fields (sealed conversations 31b), although the line was what the child meant.
    A follow-up that names no place answers for everything just shown: the places and the line,
    with what the line costs. Where it is ('waar is dat?') only a place can say."""
    signal = SafetySignal("kindertelefoon", ("kindertelefoon",), "zorg", "model")
    fitting = Settings(
        kennisbank=MINI, index_dir=tmp_path / "j", min_score=0.2, crisis_model_dir=crisis_model_dir
    )
    found = Instance.open(fitting, embedder=FakeEmbedder()).current()
    beside = Assistant(found.searcher, SignalOn("klappen", signal), found.lines)  # type: ignore[arg-type]
    conversation = Conversation(lambda: beside, intents=default_model())
    told, costs, where, signup = play(
        conversation,
        "ik ben 11 en thuis krijg ik soms klappen",
        "is dat gratis?",
        "waar is dat?",
        "hoe meld ik me aan?",
    )
    assert isinstance(told, Reply) and not told.answer.line_leads and told.results
    assert isinstance(costs, FieldAnswer) and costs.field == "kosten"
    assert costs.line is not None and costs.line.id == "kindertelefoon"
    assert [e.id for e in costs.entries] == [r.entry.id for r in told.results]
    text = render_turn(costs, as_html=False)
    assert all(r.entry.naam in text for r in told.results)
    assert "De Kindertelefoon" in text and "gratis" in text.split("De Kindertelefoon")[-1]
    assert isinstance(where, FieldAnswer) and where.field == "adres" and where.line is None
    # beside the places the line says how to reach it, not its warning again
    assert isinstance(signup, FieldAnswer) and signup.line is not None
    signup_text = render_turn(signup, as_html=False)
    assert "0800-0432" in signup_text and signup.line.boodschap.split(".")[0] not in signup_text


def test_seen_conversation_turns_teach_the_turn_model_the_kind_their_set_expects(
    tmp_path: Path,
) -> None:
    """benchmarks/collect_seen.py also writes the turns of seen conversation sets to
    data/dialoog-verzameld.yaml: a new question, a follow-up per field, 'meer', off-topic. Small
    talk (the set does not say which kind), crisis turns (the safety check reads them first), a
    short later question (it may refine the last one), a curated example and a turn given two
    kinds are left out."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from collect_seen import collect_turns, turn_kinds

    story = "mijn zoon van 9 wordt al weken gepest op school en wil niet meer gaan, wat kan ik doen"
    turns = [
        ("slaapt slecht", {"soort": "advies", "ids": ["a"]}),
        ("en voor zijn zus van 14?", {"soort": "advies", "ids": ["a"]}),
        (story, {"soort": "advies", "ids": ["a"]}),
        ("is het gratis of moet ik betalen", {"soort": "vervolg", "veld": "kosten", "id": "a"}),
        ("hoe meld ik me aan", {"soort": "vervolg", "veld": "aanmelden", "id": "a"}),
        ("zijn er nog andere", {"soort": "meer"}),
        ("wordt het morgen droog in het park", {"soort": "geen-match"}),
        ("dankjewel!!", {"soort": "smalltalk"}),
        ("hij ademt niet meer", {"soort": "crisis", "crisis": "112"}),
    ]
    seen = tmp_path / "gesprekken_sealed_x.yaml"
    seen.write_text(
        yaml.safe_dump(
            [{"naam": "n", "beurten": [{"gebruiker": t, "verwacht": v} for t, v in turns]}]
        ),
        encoding="utf-8",
    )
    assert turn_kinds(seen) == [
        ("slaapt slecht", "vraag"),
        (story, "vraag"),
        ("is het gratis of moet ik betalen", "vervolg_kosten"),
        ("hoe meld ik me aan", "vervolg_aanmelden"),
        ("zijn er nog andere", "meer"),
        ("wordt het morgen droog in het park", "buiten"),
    ]
    other = tmp_path / "gesprekken_sealed_y.yaml"
    twice = {"gebruiker": "zijn er nog andere", "verwacht": {"soort": "geen-match"}}
    other.write_text(yaml.safe_dump([{"naam": "m", "beurten": [twice]}]), encoding="utf-8")
    collected = collect_turns([seen, other])
    assert "hoe meld ik me aan" not in collected.get("vervolg_aanmelden", [])  # curated
    assert "zijn er nog andere" not in collected.get("meer", [])  # two kinds
    assert collected["vervolg_kosten"] == ["is het gratis of moet ik betalen"]


def test_a_follow_up_naming_a_line_not_shown_answers_about_that_line(
    conversation: Conversation,
) -> None:
    """'is die kindertelefoon gratis?' under a list of local places got the costs of those
    places (four such turns in the seen conversation sets of other writers): the line it names
    answers, from the reviewed crisis-line file."""
    first, costs, number = play(
        conversation,
        "mijn peuter praat nog weinig",
        "is die kindertelefoon gratis?",
        "wat is het nummer van de kindertelefoon",
    )
    assert isinstance(first, Reply) and first.answer.crisis is None
    assert "kindertelefoon" not in [r.entry.id for r in first.results[:3]]
    assert isinstance(costs, FieldAnswer) and costs.field == "kosten" and not costs.entries
    assert costs.line is not None and costs.line.id == LINE_IDS["kindertelefoon"]
    assert "gratis" in render_turn(costs, as_html=False)
    assert isinstance(number, FieldAnswer) and number.field == "contact" and not number.entries
    assert number.line is not None and "0800-0432" in render_turn(number, as_html=False)


class _SlowSearcher:
    """A searcher whose entries take a while to hand over, and that counts how often they do."""

    def __init__(self, entries: list) -> None:
        self._entries = entries
        self.reads = 0
        self.shared: frozenset[str] = frozenset()  # as Searcher.shared

    @property
    def entries(self) -> list:
        self.reads += 1
        time.sleep(0.05)
        return self._entries


def test_turns_that_come_in_together_build_the_name_index_once(instance: Instance) -> None:
    """After a start, the first turns arrive together; each one built the name index (and read
    the word lists behind it, a second each) while holding the others up: the bot answered its
    first 40 users at half speed (benchmarks/bot_load.py)."""
    import threading
    from types import SimpleNamespace

    searcher = _SlowSearcher(list(instance.current().searcher.entries))
    serving = SimpleNamespace(searcher=searcher)
    conversation = Conversation(lambda: serving, intents=default_model())  # type: ignore[arg-type, return-value]
    start = threading.Barrier(8)

    def turn() -> None:
        start.wait()
        conversation.warm_up()

    threads = [threading.Thread(target=turn) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert searcher.reads == 1
