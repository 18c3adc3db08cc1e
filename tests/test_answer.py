"""The answer pipeline a user gets: odd input, crisis first, fallback, rendering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistent.config import Settings
from assistent.conversation import Conversation, Reply
from assistent.instance import Instance
from assistent.kennisbank import Voorziening
from assistent.render import render_console, render_telegram, render_turn, split_message
from assistent.retrieval.search import Profile
from assistent.safety.categories import LINE_IDS
from assistent.texts import FALLBACK_REASON
from tests.support import MINI, FakeEmbedder, a_place, mini_with


@pytest.fixture
def instance(tmp_path: Path) -> Instance:
    settings = Settings(kennisbank=MINI, index_dir=tmp_path / "index", min_score=0.2)
    return Instance.open(settings, embedder=FakeEmbedder())


def reply(instance: Instance, text: str, **profile: object) -> Reply:
    conversation = Conversation(instance.current)
    session = conversation.load_session("test")
    session.profile = Profile(**profile)
    return conversation.ask("test", session, text)


@pytest.mark.parametrize(
    ("text", "notice"),
    [
        ("", "leeg"),
        ("   \n\t  ", "leeg"),
        ("\x00\x07\x1b", "leeg"),
        ("😀😢🙏", "geen-tekst"),
        ("?!...", "geen-tekst"),
    ],
)
def test_unusable_input_gets_a_kind_prompt(instance: Instance, text: str, notice: str) -> None:
    answer = instance.assistant.answer(text)
    assert answer.notices == [notice]
    assert not answer.results and answer.crisis is None
    shown = render_console(Reply(answer, [], True, False))
    assert "Typ je vraag" in shown or "alleen tekst" in shown


def test_very_long_message_is_answered_and_flagged(instance: Instance) -> None:
    text = "mijn puber luistert niet en we hebben elke dag ruzie. " * 200  # ~10,000 chars
    answer = instance.assistant.answer(text)
    assert "te-lang" in answer.notices
    assert answer.results[0].entry.id == "pubercursus"


def test_control_characters_are_removed_not_fatal(instance: Instance) -> None:
    answer = instance.assistant.answer("mijn\x00 puber\u200b luistert\x1b niet")
    assert answer.results and answer.results[0].entry.id == "pubercursus"


def test_other_script_gets_a_language_notice_and_still_an_answer(instance: Instance) -> None:
    answer = instance.assistant.answer("ابني لا ينام في الليل")
    assert "andere-taal" in answer.notices
    assert answer.results  # at least the CJG fallback, never nothing


def test_crisis_comes_first_with_the_right_line(instance: Instance) -> None:
    r = reply(instance, "mijn vriend wurgde me waar de kinderen bij waren")
    assert r.answer.crisis is not None and r.answer.crisis.category == "veilig-thuis"
    assert r.answer.ids()[0] == "veilig-thuis"
    text = render_console(r)
    assert text.index("0800-2000") < text.find("Daarnaast") if "Daarnaast" in text else True
    assert "0800-2000" in text.split("\n\n")[0]
    assert "automatische assistent" in text
    assert "cursus" not in text.split("\n\n")[0].lower()


@pytest.mark.parametrize(
    "text",
    [
        "mijn vriend wu\u200brgde me waar de kinderen bij waren",  # an invisible character
        "mijn vriend wu\u2066rgde me waar de kinderen bij waren",  # a direction isolate
        "m i j n  v r i e n d  w u r g d e  m e",  # letters typed apart
    ],
)
def test_a_crisis_hidden_in_how_it_is_typed_is_read_as_the_user_sends_it(
    instance: Instance, text: str
) -> None:
    conversation = Conversation(instance.current)
    turn = conversation.handle("test", conversation.load_session("test"), text)
    assert isinstance(turn, Reply) and turn.answer.crisis is not None, text
    assert turn.answer.crisis.category == "veilig-thuis" and turn.answer.lines_first


def test_a_short_call_with_a_line_number_shows_that_line_first(instance: Instance) -> None:
    answer = instance.assistant.answer("113??")
    assert answer.crisis_lines[0].id == LINE_IDS["113"]
    assert len(answer.crisis_lines) == len(LINE_IDS)  # and every other line after it
    shown = render_console(Reply(answer, [], True, False))
    assert shown.index("113") < shown.index("112")


def test_crisis_lines_are_not_repeated_as_local_results(instance: Instance) -> None:
    answer = instance.assistant.answer("ik wil dood")
    assert answer.crisis is not None and answer.crisis.category == "113"
    line_ids = {line.id for line in answer.crisis_lines}
    assert not line_ids & {r.entry.id for r in answer.results}


def test_ordinary_question_has_no_crisis(instance: Instance) -> None:
    answer = instance.assistant.answer("we zijn doodmoe van ons huilende kindje")
    assert answer.crisis is None


def test_abstain_says_so_and_offers_the_cjg(tmp_path: Path) -> None:
    settings = Settings(kennisbank=MINI, index_dir=tmp_path / "index", min_score=0.99)
    instance = Instance.open(settings, embedder=FakeEmbedder())
    r = reply(instance, "hoe laat vertrekt de bus")
    assert r.answer.abstained and [x.entry.id for x in r.results] == ["cjg-testdorp"]
    text = render_console(r)
    assert "geen plek die precies" in text and "012-345 6799" in text
    assert not r.has_more


def _with_a_second_cjg(tmp_path: Path, naam: str, beschrijving: str) -> Reply:
    """The mini kennisbank with a second place of soort cjg, asked something off-topic, so the
    fallback shows both CJG places."""
    steunouders = (
        f"---\nid: cjg-steunouders\nnaam: {naam}\nsoort: cjg\n"
        "gemeente: Testdorp\ncontact:\n  telefoon: 012-345 6788\n---\n"
        f"{beschrijving}\n"
    )
    kb = mini_with(tmp_path, {"cjg-steunouders.md": steunouders})
    settings = Settings(kennisbank=kb, index_dir=tmp_path / "index", min_score=0.99)
    return reply(Instance.open(settings, embedder=FakeEmbedder()), "hoe laat vertrekt de bus")


def test_a_second_cjg_place_in_the_fallback_says_what_it_does(tmp_path: Path) -> None:
    """An imported sociale kaart had 'CJG Kranenveld – Steunouders' (a host family where a child
    stays) as a second place of soort cjg; the fallback showed it as 'Hier kun je met elke vraag
    over opvoeden en opgroeien terecht' (found by a tester playing a 13-year-old). That line is
    true of one CJG; with more than one, each says what it does, in its own words."""
    r = _with_a_second_cjg(
        tmp_path,
        "CJG Testdorp – Steunouders",
        "Vrijwillig gastgezin waar een kind regelmatig logeert. Zo komen ouders even op adem.",
    )
    assert r.answer.abstained
    reasons = {x.entry.id: x.waarom for x in r.results}
    assert reasons == {
        "cjg-testdorp": "Het CJG Testdorp helpt met alle vragen over opvoeden en opgroeien.",
        "cjg-steunouders": "Vrijwillig gastgezin waar een kind regelmatig logeert.",
    }


@pytest.mark.parametrize(
    ("text", "rol"),
    [
        ("ik ben 14 en mijn puber broer luistert niet, we hebben ruzie", "jongere"),
        ("ik ben leerkracht en een puber in mijn klas luistert niet", "professional"),
        ("mijn puber luistert niet", "ouder"),
    ],
)
def test_the_opening_sentence_fits_who_the_message_says_is_writing(
    instance: Instance, text: str, rol: str
) -> None:
    """'Veel ouders herkennen dit.' opened the answer to 'ik ben 14 …' and to 'Ik ben
    leerkracht …' (found by a tester playing new users): without a stored role every writer
    got a parent's opening. The role the message states chooses it, as it does the filters."""
    from assistent.texts import variants

    r = reply(instance, text)
    assert (r.rol or "ouder") == rol
    shown = render_console(r)
    assert any(opening in shown for opening in variants(f"opening.{rol}", "nl"))
    others = {
        o
        for other in ("ouder", "jongere", "professional")
        if other != rol
        for o in variants(f"opening.{other}", "nl")
    } - set(variants(f"opening.{rol}", "nl"))
    assert not any(opening in shown for opening in others)


def test_how_to_reach_several_places_names_their_app_and_chat_too(instance: Instance) -> None:
    """'kan ik ook appen?' after three places got only their phone numbers, though the
    kennisbank gave one a WhatsApp number (found by a tester playing a teenager). Asked how to
    reach several places at once, each gives its main contact and any way to write to it."""
    from assistent.kennisbank import parse_file
    from assistent.turns import FieldAnswer

    west, _ = parse_file(MINI / "testdorp" / "wijkteam-west.md")
    cjg, _ = parse_file(MINI / "testdorp" / "cjg-testdorp.md")
    assert west is not None and cjg is not None
    shown = render_turn(FieldAnswer(field="contact", taal="nl", entries=[west, cjg]), False)
    assert shown.count("012-345 6797") == 2  # the phone, and the same number on WhatsApp
    assert "WhatsApp" in shown and "012-345 6799" in shown
    assert "cjg.testdorp.example" not in shown  # a website is not a way to write


def test_contacts_shown_are_exactly_those_in_the_kennisbank(instance: Instance) -> None:
    r = reply(instance, "we hebben schulden", wijk="West")
    top = r.results[0].entry
    assert top.id == "wijkteam-west"
    text = render_console(r)
    assert "012-345 6797" in text  # telefoon and whatsapp as written in the file
    phones = {line.split(": ", 1)[1] for line in text.splitlines() if "Telefoon:" in line}
    known = {e.contact.telefoon for e in instance.kennisbank.entries}
    assert phones <= known


def test_paging_with_more(instance: Instance) -> None:
    conversation = Conversation(instance.current, page_size=2)
    session = conversation.load_session("x")
    first = conversation.ask("x", session, "vraag over opvoeden en ruzie en peuter")
    assert len(first.results) == 2 and first.has_more
    second = conversation.more(session)
    assert second is not None and not second.first_page
    assert {r.entry.id for r in first.results}.isdisjoint({r.entry.id for r in second.results})


def test_json_form_has_the_structured_answer(instance: Instance) -> None:
    data = json.loads(json.dumps(instance.assistant.answer("mijn puber luistert niet").to_dict()))
    assert data["crisis"] is None and data["resultaten"][0]["id"] == "pubercursus"
    assert {"id", "naam", "waarom", "contact", "score"} <= set(data["resultaten"][0])


def test_telegram_html_escapes_and_splits() -> None:
    long = "\n\n".join(f"<b>{i}</b> " + "woord " * 300 for i in range(6))
    chunks = split_message(long)
    assert all(len(c) <= 4096 for c in chunks) and len(chunks) > 1
    assert "".join(c.replace("\n", "") for c in chunks) == long.replace("\n", "")
    # a single enormous word is cut, not lost
    assert sum(len(c) for c in split_message("x" * 9000)) == 9000


def test_rendered_telegram_answer_escapes_kennisbank_fields(instance: Instance) -> None:
    r = reply(instance, "mijn puber luistert niet")
    entry = r.results[0].entry
    evil = entry.model_copy(update={"naam": "Cursus <b>& co</b>"})
    r.results[0].entry = evil
    html = "".join(render_telegram(r))
    assert "Cursus &lt;b&gt;&amp; co&lt;/b&gt;" in html


def test_core_imports_neither_telegram_nor_the_cli_library() -> None:
    """Dependencies point one way: only bot.py imports telegram, only cli.py typer/rich."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import assistent.instance, assistent.conversation, assistent.render, "
        "assistent.beheer.evaluation, assistent.console\n"
        "print(sorted(m for m in ('telegram', 'typer', 'rich') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_crisis_reply_survives_a_broken_model(tmp_path: Path) -> None:
    """Safety never depends on the model: rules answer, and the CJG is still offered."""
    embedder = FakeEmbedder()
    settings = Settings(kennisbank=MINI, index_dir=tmp_path / "index", min_score=0.2)
    instance = Instance.open(settings, embedder=embedder)
    embedder.fail = True
    answer = instance.assistant.answer("mijn vriend wurgde me waar de kinderen bij waren, help")
    assert answer.crisis is not None and answer.crisis.category == "veilig-thuis"
    assert answer.crisis_lines[0].telefoon == ["0800-2000"]
    assert [r.entry.id for r in answer.results] == ["cjg-testdorp"]
    ordinary = instance.assistant.answer("een heel nieuwe vraag over peuters en slapen")
    assert ordinary.abstained and ordinary.results


def test_under_the_threshold_the_cjg_comes_first_with_near_places_as_a_maybe(
    tmp_path: Path,
) -> None:
    """A real question that just misses the threshold: honest 'nothing specific', the CJG first,
    then at most two near places said with doubt (the band is derived from the kennisbank)."""
    settings = Settings(kennisbank=MINI, index_dir=tmp_path / "index", min_score=0.99)
    instance = Instance.open(settings, embedder=FakeEmbedder())
    r = reply(instance, "mijn puber luistert niet naar mij")
    ids = [x.entry.id for x in r.results]
    assert r.answer.abstained and ids[0] == "cjg-testdorp"
    assert "pubercursus" in ids[1:3] and len(ids) <= 3
    assert all(x.waarom.startswith("Misschien") for x in r.results[1:])
    assert r.results[0].waarom == FALLBACK_REASON
    assert "geen plek die precies" in render_console(r)


def test_a_doubtful_sign_of_danger_keeps_the_help_and_offers_the_line(
    instance: Instance,
) -> None:
    """The band of doubt (issue 9): one calm sentence with the line, the local help stays;
    for 112 and 113 the sentence comes first, for the other lines under the help."""
    from dataclasses import replace as changed

    from assistent.safety.detector import SafetyChecker
    from assistent.safety.lines import load_acute_rules

    assistant = instance.assistant
    real = assistant.safety
    assert real.model is not None
    banded = changed(real.model, threshold=1.01, doubt_threshold=0.0)
    assistant.safety = SafetyChecker(banded, load_acute_rules(), real.levels, real.embedder)
    # no writer named: an adult is not offered the Kindertelefoon on a doubt (see test_safety)
    answer = assistant.answer("puber luistert niet en we hebben elke dag ruzie")
    assert answer.crisis is not None and answer.crisis.doubt and not answer.lines_first
    assert len(answer.crisis_lines) == 1 and answer.results[0].entry.id == "pubercursus"
    assert answer.to_dict()["crisis_twijfel"] is True

    for category, first in (("112", True), ("113", True), ("veilig-thuis", False)):
        answer.crisis = changed(answer.crisis, category=category, categories=(category,))
        answer.crisis_lines = [assistant.lines.lijnen[category]]
        for shown in (
            render_console(Reply(answer, answer.results[:3], True, False)),
            render_telegram(Reply(answer, answer.results[:3], True, False))[0],
        ):
            line = shown.index(answer.crisis_lines[0].naam)
            place = shown.index(answer.results[0].entry.naam)
            assert (line < place) is first, (category, shown)


def test_the_search_ranks_against_the_mean_parenting_question_also_after_a_reload(
    tmp_path: Path,
) -> None:
    """The instance gives its searcher the mean embedding of ordinary parenting questions; a
    reload (/herlaad) keeps it, so the ranking does not change with a rebuild. The same for the
    per-language gaps, measured again on the new index."""
    settings = Settings(kennisbank=MINI, index_dir=tmp_path / "index", min_score=0.2)
    embedder = FakeEmbedder()
    instance = Instance.open(settings, embedder=embedder)
    center = instance.assistant.searcher.center
    assert center is not None and center.shape == (embedder.dim,)
    gaps = instance.assistant.searcher.language_gaps
    assert set(gaps) == {"en", "de", "pl", "tr", "ar", "uk", "ru"}
    instance.reload()
    assert instance.assistant.searcher.center is center
    assert instance.assistant.searcher.language_gaps == gaps


def test_a_topic_named_whole_overrules_an_off_topic_reading(instance: Instance) -> None:
    """The turn model read "cyberpesten" as off-topic (cyber: computers) and the parent got
    only the CJG, not the Steunpunt Pesten whose topic it is. A place's own topic, typed by
    staff and named whole, now overrules that reading; a message that names none still gets
    the CJG with the honest no-match."""
    assistant = instance.assistant
    named = assistant.answer("puberteit", off_topic=True)
    assert not named.abstained and named.ids()[0] == "pubercursus"
    other = assistant.answer("mijn laptop start niet meer op", off_topic=True)
    assert other.abstained and other.ids()[0] == "cjg-testdorp"


def test_an_off_topic_message_with_a_doubtful_sign_gets_the_cjg_beside_the_line(
    instance: Instance,
) -> None:
    """ "de lantaarnpaal voor mijn deur doet het niet" fell in the crisis model's band of doubt
    and, because a signal was found, skipped the off-topic reading: the mother got the
    Kindertelefoon sentence and then the POH-GGZ and the Speel-o-theek. The calm line stays;
    the local help is the CJG, as for any off-topic message (found on sealed set buiten 1)."""
    from dataclasses import replace as changed

    from assistent.safety.detector import SafetyChecker
    from assistent.safety.lines import load_acute_rules

    assistant = instance.assistant
    real = assistant.safety
    assert real.model is not None
    banded = changed(real.model, threshold=1.01, doubt_threshold=0.0)
    assistant.safety = SafetyChecker(banded, load_acute_rules(), real.levels, real.embedder)
    answer = assistant.answer("mijn laptop start niet meer op", off_topic=True)
    assert answer.crisis is not None and answer.crisis.level == "zorg"
    assert len(answer.crisis_lines) == 1
    assert answer.abstained and answer.ids()[0] == "cjg-testdorp"


def _place() -> Voorziening:
    return a_place("jgz-dorp", "Consultatiebureau Dorp", soort="jeugdgezondheidszorg")


def test_the_note_that_a_place_is_in_another_wijk_survives_the_short_line() -> None:
    """In the chat and in Telegram the reason is cut to one line, and the note at its end ('in
    de wijken Dorp en Veldhoek') went with it: a parent in Haven read Consultatiebureau Dorp as
    hers (found deploying a sociale kaart; docs/beheer.md promises the note)."""
    from assistent.answer import Answer, Result
    from assistent.render import render_console, render_telegram
    from assistent.turns import Reply

    reason = (
        "JGZ 0-4 jr van de GGD. Consulten jeugdarts en jeugdverpleegkundige: groei, ontwikkeling,"
        " vaccinaties, voeding, slapen, huilen (in de wijken Dorp en Veldhoek)"
    )
    result = Result(entry=_place(), waarom=reason, score=1.0)
    reply = Reply(Answer(results=[result]), [result], first_page=True, has_more=False)
    for text in (render_console(reply, compact=True), "".join(render_telegram(reply))):
        assert "(in de wijken Dorp en Veldhoek)" in text, text
        assert "JGZ 0-4 jr van de GGD." in text


def test_the_line_on_what_a_place_does_passes_over_a_hook(tmp_path: Path) -> None:
    """'Welkom bij Centrum Jong!' was shown as what a place does (a play test on a kennisbank
    written like a website): the answer takes the line from Summaries, the sentence after the
    hook that names the place."""
    r = _with_a_second_cjg(
        tmp_path,
        "Steunouders Testdorp",
        "Welkom! Soms is het even te veel. Bij Steunouders logeert een kind regelmatig in een "
        "vrijwillig gastgezin.",
    )
    reasons = {x.entry.id: x.waarom for x in r.results}
    assert reasons["cjg-steunouders"] == (
        "Bij Steunouders logeert een kind regelmatig in een vrijwillig gastgezin."
    )


@pytest.mark.parametrize(
    ("text", "line", "first"),
    [
        ("wat is het nummer van veilig thuis", "veilig-thuis", "Zo bereik je Veilig Thuis"),
        ("hoe bereik ik de kindertelefoon?", "kindertelefoon", "Zo bereik je De Kindertelefoon"),
        ("how do I reach the kindertelefoon?", "kindertelefoon", "This is how to reach De"),
        ("is 113 ook voor ouders?", "113", "Zo bereik je 113 Zelfmoordpreventie"),
    ],
)
def test_a_line_asked_for_by_its_name_comes_first(
    instance: Instance, text: str, line: str, first: str
) -> None:
    """'wat is het nummer van veilig thuis' got the CJG and a coaching project, and never
    0800-2000 (a play test). A message that names a line gets that line first, in a plain
    sentence; it is not a crisis, and the places are found for the rest of the message."""
    answer = reply(instance, text)
    crisis = answer.answer.crisis
    assert crisis is not None and crisis.asks_for_the_line and not answer.answer.lines_first
    assert [x.id for x in answer.answer.crisis_lines] == [LINE_IDS[line]]
    shown = render_turn(answer, as_html=False)
    assert shown.startswith(first), shown[:120]
    assert "Ik vond geen plek" not in shown  # the line answers it


def test_only_the_name_of_a_line_counts(instance: Instance) -> None:
    lines = instance.current().lines
    assert lines.named_in("ik voel me niet veilig") is None
    assert lines.named_in("bel 0800-2000") == "veilig-thuis"
    assert lines.without_names("Wat is het nummer van Veilig Thuis?") == "wat is het nummer van"
    assert reply(instance, "mijn peuter praat nog weinig").answer.crisis is None
    assert lines.without_names("Mijn peuter, 2, praat weinig!") == "Mijn peuter, 2, praat weinig!"


def test_a_sign_sure_alone_within_a_conversation_offers_two_lines_calmly(
    instance: Instance,
) -> None:
    from assistent.answer import Answer
    from assistent.safety.detector import WITHIN_SOURCE, SafetySignal

    lines = instance.current().lines.lijnen
    signal = SafetySignal("112", ("112", "veilig-thuis"), "zorg", WITHIN_SOURCE, doubt=True)
    answer = Answer(crisis=signal, crisis_lines=[lines["112"], lines["veilig-thuis"]])
    shown = render_turn(Reply(answer, [], first_page=True, has_more=False), as_html=False)
    first = shown.split("\n\n")[0]
    assert "112" in first and "0800-2000" in first  # one calm sentence each, before the rest
    assert answer.line_leads and not answer.lines_first


def test_a_line_asked_for_is_no_crisis_in_the_eval(instance: Instance) -> None:
    """A spreekbeurt about the Kindertelefoon names the line and gets it first; `eval` counted
    that as a false alarm. A line asked for is not a crisis, found or false."""
    from assistent.beheer.evaluation import EvalCase, run_eval

    cases = [EvalCase(vraag="ik houd een spreekbeurt over de kindertelefoon", crisis="geen")]
    result = run_eval(instance.current(), cases)
    assert result["cases"][0]["crisis"] is None
    assert result["metrics"]["crisis_false_positives"] == 0.0


def test_under_a_line_asked_for_only_a_named_topic_brings_places(instance: Instance) -> None:
    """'how do I reach the kindertelefoon?' showed a language course and a parents' training
    under the line (found trying the change): 'how', 'do' and 'reach' are no stop words for
    bm25s. The line answers the message; the CJG follows, or places for a topic named whole."""
    answer = reply(instance, "how do I reach the kindertelefoon?").answer
    assert answer.abstained and [r.entry.soort for r in answer.results] == ["cjg"]
