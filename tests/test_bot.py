"""Handler tests: real updates through ``Application.process_update``, with a recording request.

No mocking library: ``tests.support.telegram_inprocess.RecordingRequest`` is a
``telegram.request.BaseRequest`` that records every Bot API call and answers with canned JSON,
so the whole bot (defaults, rate limiter, handlers, error handler) runs exactly as in
production, minus the network.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.error import NetworkError, RetryAfter

from assistent import texts as T
from assistent.config import Settings
from assistent.instance import Instance
from assistent.logs import RedactToken
from assistent.profile import Profile
from assistent.telegram.app import PerUserUpdateProcessor, build_application, webhook_secret
from assistent.telegram.keyboards import parse
from assistent.texts import (
    BEDANKT_GOED,
    BEDANKT_SLECHT,
    FOUT,
    GROEP,
    HELP,
    IETS_ANDERS,
    NIETS_MEER,
    ONBEKEND_COMMANDO,
    OUDE_KNOP,
    VERGETEN,
)
from tests.support.telegram_inprocess import (
    BOT_USER,
    TOKEN,
    USER,
    Harness,
    callback_data,
    play,
    sent,
    texts,
)

ADMIN = 7
BOT_LOGGERS = "assistent.telegram."  # every module of the bot logs under this name


def bot_settings(settings: Settings, **changes: Any) -> Settings:
    values = {**settings.model_dump(), "telegram_token": TOKEN, "admin_ids": [ADMIN], **changes}
    return Settings(**values)


@pytest.fixture
def instance(settings: Settings, fake_embedder: Any) -> Instance:
    return Instance.open(bot_settings(settings), embedder=fake_embedder)


@pytest.fixture(autouse=True)
def log_check(caplog: pytest.LogCaptureFixture) -> Any:
    """No handler may fail unnoticed: an ERROR from the bot fails the test, unless expected."""
    caplog.set_level(logging.INFO)
    expect = {"errors": False}
    yield expect
    records = caplog.get_records("call")
    bad = [r for r in records if r.name.startswith(BOT_LOGGERS) and r.levelno >= logging.ERROR]
    assert bool(bad) == expect["errors"], [r.getMessage() for r in bad]


def write_entry(folder: Path, slug: str, **fields: str) -> None:
    """A minimal valid voorziening in ``folder``."""
    front = {
        "id": slug,
        "naam": "Testplek",
        "soort": "welzijn",
        "gemeente": "Voorbeeldstad",
        "onderwerpen": "[slapen]",
        "contact": "\n  telefoon: 012-345 6799\n  website: https://test.example/plek",
        "laatst_gecontroleerd": "2026-10-01",
        **fields,
    }
    lines = ["---", *(f"{k}: {v}" for k, v in front.items()), "---", "Een plek om te testen."]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{slug}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- /start and the profile --------------------------------------------------------------------
def test_start_sends_welcome_and_offers_profile(instance: Instance) -> None:
    async def scenario(h: Harness) -> None:
        # warmed up before the first user: the name index the dialogue reads names with
        assert h.app.bot_data.conversation._names is not None
        calls = await h.text("/start")
        welcome, offer = sent(calls)
        assert "opvoedassistent" in welcome["text"]
        assert welcome["parse_mode"] == "HTML"
        assert welcome["link_preview_options"] == {"is_disabled": True}
        assert callback_data(offer) == ["p:start", "p:nee"]
        calls = await h.press("p:nee")
        assert "Typ gewoon je vraag" in sent(calls, "editMessageText")[0]["text"]

    request = play(instance, scenario)
    commands = sent(request.calls, "setMyCommands")[0]["commands"]
    assert {c["command"] for c in commands} == {"profiel", "hulp", "privacy", "vergeet", "help"}


def test_profile_keyboards_with_skips_are_stored(instance: Instance) -> None:
    async def scenario(h: Harness) -> None:
        calls = await h.press("p:start")
        step = sent(calls, "editMessageText")[0]
        # the role first, so the age question can be worded for the person
        assert step["text"] == T.VRAAG_ROL
        assert callback_data(step) == ["p:r:ouder", "p:r:professional", "p:r:jongere", "p:r:-"]
        step = sent(await h.press("p:r:ouder"), "editMessageText")[0]
        # one gemeente in the demo kennisbank: the next question is the wijk
        assert step["text"] == T.VRAAG_WIJK
        assert callback_data(step) == ["p:w:0", "p:w:1", "p:w:2", "p:w:-"]
        assert [b["text"] for row in step["reply_markup"]["inline_keyboard"] for b in row] == [
            "Centrum",
            "Noord",
            "Zuid",
            "Overslaan",
        ]
        step = sent(await h.press("p:w:1"), "editMessageText")[0]
        assert step["text"] == T.VRAAG_LEEFTIJD
        ages = callback_data(step)
        assert ages == [f"p:l:{n}" for n in range(19)] + ["p:l:-"]
        done = sent(await h.press("p:l:-"), "editMessageText")[0]  # skip the age
        assert "wijk Noord, ouder of verzorger" in done["text"]
        assert "reply_markup" not in done
        assert h.store.get_profile(USER) == Profile(wijk="Noord", rol="ouder")
        assert all(len(d.encode()) < 64 for d in ages)

        calls = await h.text("/profiel")
        assert "Je profiel nu: wijk Noord, ouder of verzorger." in sent(calls)[0]["text"]
        # skipping keeps what was stored (pressing Overslaan must not erase the profile)
        for data in ("p:r:-", "p:w:-", "p:l:-"):
            await h.press(data)
        assert h.store.get_profile(USER) == Profile(wijk="Noord", rol="ouder")

    play(instance, scenario)


def test_profile_asks_a_young_person_their_own_age(instance: Instance) -> None:
    async def scenario(h: Harness) -> None:
        await h.press("p:start")
        await h.press("p:r:jongere")
        step = sent(await h.press("p:w:-"), "editMessageText")[0]
        assert step["text"] == T.VRAAG_LEEFTIJD_ZELF == "Hoe oud ben je?"

    play(instance, scenario)


def test_profile_asks_gemeente_when_instance_serves_several(
    settings: Settings, fake_embedder: Any, kennisbank_copy: Path
) -> None:
    write_entry(
        kennisbank_copy / "anderstad",
        "cjg-anderstad",
        naam="CJG Anderstad",
        soort="cjg",
        gemeente="Anderstad",
        wijken="[Oost]",
    )
    instance = Instance.open(
        bot_settings(settings, kennisbank=kennisbank_copy), embedder=fake_embedder
    )

    async def scenario(h: Harness) -> None:
        await h.press("p:start")
        step = sent(await h.press("p:r:-"), "editMessageText")[0]
        assert step["text"] == T.VRAAG_GEMEENTE
        assert callback_data(step) == ["p:g:0", "p:g:1", "p:g:-"]  # Anderstad, Voorbeeldstad
        step = sent(await h.press("p:g:0"), "editMessageText")[0]
        assert callback_data(step) == ["p:w:0", "p:w:-"]  # only Anderstad's wijk
        await h.press("p:w:0")
        assert h.store.get_profile(USER) == Profile(gemeente="Anderstad", wijk="Oost")

    play(instance, scenario)


# --- questions ---------------------------------------------------------------------------------
def test_question_gets_html_answer_with_keyboard_and_more(instance: Instance) -> None:
    async def scenario(h: Harness) -> None:
        calls = await h.text("mijn peuter slaapt slecht en wordt elke nacht wakker")
        (answer,) = sent(calls)
        assert answer["parse_mode"] == "HTML"
        assert "<b>1. " in answer["text"] and "<b>3. " in answer["text"]
        # one phone screen: at most 600 characters and 3 rows of buttons for 3 places
        assert len(answer["text"]) <= 600
        rows = answer["reply_markup"]["inline_keyboard"]
        assert len(rows) <= 3
        data = callback_data(answer)
        assert data[:2] == ["info:1", "meer:1"]
        assert next(d for d in data if d.startswith("fb:")).startswith("fb:1:")
        assert data[-1] == "hulp"
        assert all(len(d.encode()) < 64 for d in data)

        # "Meer info" gives every contact line, hours and costs of the places shown
        (info,) = sent(await h.press("info:1"))
        assert info["text"].count("<b>") == 3 and "🕒" in info["text"]

        calls = await h.press("meer:1")
        (page,) = sent(calls)
        assert page["text"].startswith("Nog meer plekken:")
        assert "<b>4. " in page["text"]
        assert sent(calls, "answerCallbackQuery")[0].get("text") is None
        await h.press("meer:1")  # third page (9 results at most)
        calls = await h.press("meer:1")
        assert texts(calls) == [NIETS_MEER]

        # a new question makes the old "Meer" button stale
        await h.text("waar kan ik speelgoed lenen")
        calls = await h.press("meer:1")
        assert sent(calls, "answerCallbackQuery")[0]["text"] == OUDE_KNOP
        assert not sent(calls)

    play(instance, scenario)


def test_feedback_is_counted_once_and_thanked(instance: Instance) -> None:
    async def scenario(h: Harness) -> None:
        (answer,) = sent(await h.text("mijn puber zit de hele dag te gamen"))
        thumbs = [d for d in callback_data(answer) if d.startswith("fb:")]
        good, bad = thumbs
        calls = await h.press(good, markup=answer["reply_markup"], message_id=50)
        assert texts(calls) == [BEDANKT_GOED]
        (edit,) = sent(calls, "editMessageReplyMarkup")
        assert not [d for d in callback_data(edit) if d.startswith("fb:")]
        await h.press(good, markup=answer["reply_markup"], message_id=50)  # double tap
        calls = await h.press(bad, markup=answer["reply_markup"], message_id=51)
        assert texts(calls) == [BEDANKT_SLECHT]
        counts = h.store.counts()
        assert (counts["duim_omhoog"], counts["duim_omlaag"]) == (1, 1)
        soort = good.split(":")[2]
        feedback = [e for e in h.store.events() if e["kind"] == "feedback"]
        assert {e["soort"] for e in feedback} == {soort or None}
        # forged soort is not stored
        await h.press("fb:1:<script>", message_id=52)
        assert [e["soort"] for e in h.store.events() if e["kind"] == "feedback"][-1] is None

    play(instance, scenario)


def test_crisis_message_shows_crisis_lines_first(instance: Instance) -> None:
    async def scenario(h: Harness) -> None:
        calls = await h.text("mijn vriend wurgde me waar de kinderen bij waren")
        first = sent(calls)[0]["text"]
        assert "Veilig Thuis" in first and "0800-2000" in first
        head = first.split("\n\n")[0]
        assert "0800-2000" in head  # the crisis block comes before any local help
        assert h.store.crisis_counts().get("veilig-thuis") == 1
        assert "hulp" in callback_data(sent(calls)[-1])

    play(instance, scenario)


def test_hulp_command_and_button_list_all_lines(instance: Instance) -> None:
    async def scenario(h: Harness) -> None:
        for calls in (await h.text("/hulp"), await h.press("hulp")):
            text = texts(calls)[0]
            for number in ("112", "0800-2000", "113", "0800-0432"):
                assert number in text
        calls = await h.press("anders")
        assert texts(calls) == [IETS_ANDERS]

    play(instance, scenario)


def test_html_in_kennisbank_is_escaped(
    settings: Settings, fake_embedder: Any, kennisbank_copy: Path
) -> None:
    write_entry(
        kennisbank_copy / "voorbeeldstad",
        "zwemles-club",
        naam="Zwem<b>&Co",
        onderwerpen="[zwemles, zwemmen, zwemdiploma]",
        kosten="'<i>gratis</i> & snel'",
    )
    instance = Instance.open(
        bot_settings(settings, kennisbank=kennisbank_copy), embedder=fake_embedder
    )

    async def scenario(h: Harness) -> None:
        (answer,) = sent(await h.text("zwemles zwemdiploma zwemmen"))
        assert "Zwem&lt;b&gt;&amp;Co" in answer["text"]
        assert "<b>&" not in answer["text"] and "<i>" not in answer["text"]
        (info,) = sent(await h.press("info:1"))  # costs are in "Meer info"
        assert "&lt;i&gt;gratis&lt;/i&gt; &amp; snel" in info["text"]
        assert "<i>" not in info["text"]

    play(instance, scenario)


def test_reply_longer_than_4096_is_split(
    settings: Settings, fake_embedder: Any, kennisbank_copy: Path
) -> None:
    folder = kennisbank_copy / "voorbeeldstad"
    for i in range(3):
        write_entry(
            folder,
            f"knutselclub-{i}",
            naam=f"Knutselclub {i}",
            onderwerpen="[knutselen, knutselclub, plakken]",
            kosten="'" + "Knutselen kost bijna niets. " * 70 + "'",
        )
    instance = Instance.open(
        bot_settings(settings, kennisbank=kennisbank_copy), embedder=fake_embedder
    )

    async def scenario(h: Harness) -> None:
        (answer,) = sent(await h.text("knutselclub knutselen plakken"))
        assert "hulp" in callback_data(answer)
        messages = sent(await h.press("info:1"))  # every detail: more than one message
        assert len(messages) >= 2
        assert all(len(m["text"]) <= 4096 for m in messages)

    play(instance, scenario)


# --- what is not a question --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "word"),
    [
        ({"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1,
                      "height": 1, "is_animated": False, "is_video": False}}, "stickers"),
        ({"voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}}, "spraakberichten"),
        ({"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}],
          "caption": "kijk"}, "foto's"),
        ({"location": {"latitude": 52.1, "longitude": 5.1}}, "locaties"),
        ({"document": {"file_id": "d", "file_unique_id": "d"}}, "bestanden"),
        ({"video": {"file_id": "v", "file_unique_id": "v", "width": 1, "height": 1,
                    "duration": 1}}, "video's"),
    ],
)  # fmt: skip
def test_non_text_gets_friendly_reply(instance: Instance, content: dict, word: str) -> None:
    async def scenario(h: Harness) -> None:
        calls = await h.update({"message": h.message(USER, **content)})
        (text,) = texts(calls)
        assert f"geen {word}" in text and "/hulp" in text

    play(instance, scenario)


def test_caption_with_a_call_for_help_gets_the_lines(instance: Instance) -> None:
    photo = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]

    async def scenario(h: Harness) -> None:
        message = h.message(USER, photo=photo, caption="HELP!!")
        (text,) = texts(await h.update({"message": message}))
        assert "112" in text and "0800-2000" in text

    play(instance, scenario)


def test_edited_message_gets_friendly_reply(instance: Instance) -> None:
    async def scenario(h: Harness) -> None:
        message = h.message(USER, text="mijn kind pest", edit_date=int(time.time()))
        calls = await h.update({"edited_message": message})
        assert texts(calls) == [T.BEWERKT]

    play(instance, scenario)


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
def test_group_chats_get_only_the_group_text(instance: Instance, chat_type: str) -> None:
    async def scenario(h: Harness) -> None:
        for text in ("/start", "/stats@t_bot", "@t_bot mijn kind slaapt slecht"):
            calls = await h.text(text, user=ADMIN, chat_type=chat_type)
            assert [name for name, _ in calls] == ["sendMessage"]
            assert texts(calls) == [GROEP]
        # group chatter not meant for the bot gets no reply at all
        assert await h.text("mijn kind slaapt slecht", chat_type=chat_type) == []
        added = h.message(ADMIN, chat_type, new_chat_members=[BOT_USER])
        assert texts(await h.update({"message": added})) == [GROEP]
        sticker = {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1,
                   "height": 1, "is_animated": False, "is_video": False}  # fmt: skip
        assert await h.update({"message": h.message(USER, chat_type, sticker=sticker)}) == []
        assert h.store.counts()["vragen"] == 0

    play(instance, scenario)


def test_channel_post_for_the_bot_gets_group_text(instance: Instance) -> None:
    async def scenario(h: Harness) -> None:
        for text, expected in (("/start", [GROEP]), ("hallo allemaal", [])):
            post = {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": -100222, "type": "channel", "title": "Kanaal"},
                "text": text,
            }
            assert texts(await h.update({"channel_post": post})) == expected

    play(instance, scenario)


@pytest.mark.parametrize(
    "data",
    ["", "onzin", "xyz:1:2", "p:w:99", "p:l:99", "p:r:koning", "p:q:1", "p:g:1", "meer:1",
     "meer:", "fb:7:x", "fb:1", "anders:1", "\u0000\u00ff", "p:w:-1"],
)  # fmt: skip
def test_old_or_foreign_buttons_are_answered_without_crash(instance: Instance, data: str) -> None:
    async def scenario(h: Harness) -> None:
        calls = await h.press(data)
        assert [name for name, _ in calls] == ["answerCallbackQuery"]
        assert calls[0][1]["text"] == OUDE_KNOP

    play(instance, scenario)


# --- commands ----------------------------------------------------------------------------------
def test_vergeet_deletes_the_profile(instance: Instance) -> None:
    async def scenario(h: Harness) -> None:
        await h.press("p:w:0")
        assert h.store.get_profile(USER) == Profile(wijk="Centrum")
        calls = await h.text("/vergeet")
        assert texts(calls) == [VERGETEN]
        assert h.store.get_profile(USER) is None
        calls = await h.text("/profiel")
        assert "Je profiel nu: nog niets ingevuld." in texts(calls)[0]

    play(instance, scenario)


def test_profile_survives_a_restart(instance: Instance) -> None:
    async def first(h: Harness) -> None:
        await h.press("p:w:2")

    async def second(h: Harness) -> None:
        calls = await h.text("/profiel")
        assert "wijk Zuid" in texts(calls)[0]

    play(instance, first)
    play(instance, second)


def test_help_privacy_and_unknown_commands(instance: Instance) -> None:
    async def scenario(h: Harness) -> None:
        assert texts(await h.text("/help")) == [HELP]
        (privacy,) = texts(await h.text("/privacy"))
        assert "365 dagen" in privacy and "gemeente die vraag" not in privacy
        assert texts(await h.text("/bestaatniet")) == [ONBEKEND_COMMANDO]
        for command in ("/stats", "/herlaad"):  # not an admin
            assert texts(await h.text(command)) == [ONBEKEND_COMMANDO]

    play(instance, scenario)


def test_privacy_mentions_opt_in(settings: Settings, fake_embedder: Any) -> None:
    instance = Instance.open(
        bot_settings(settings, store_question_text=True), embedder=fake_embedder
    )

    async def scenario(h: Harness) -> None:
        (privacy,) = texts(await h.text("/privacy"))
        assert "gemeente die vraag" in privacy

    play(instance, scenario)


def test_admin_stats_counts_anonymously(instance: Instance) -> None:
    async def scenario(h: Harness) -> None:
        await h.text("mijn peuter slaapt slecht")
        await h.text("mijn vriend wurgde me waar de kinderen bij waren")
        (stats,) = texts(await h.text("/stats", user=ADMIN))
        assert "Vragen: 2" in stats
        assert "hulplijn: 1 (veilig-thuis: 1)" in stats
        assert str(USER) not in stats

    play(instance, scenario)


def test_admin_herlaad_swaps_in_a_valid_kennisbank(
    settings: Settings, fake_embedder: Any, kennisbank_copy: Path
) -> None:
    instance = Instance.open(
        bot_settings(settings, kennisbank=kennisbank_copy), embedder=fake_embedder
    )
    old = instance.assistant

    async def scenario(h: Harness) -> None:
        write_entry(
            kennisbank_copy / "voorbeeldstad",
            "trampolineclub",
            naam="Trampolineclub Zuid",
            onderwerpen="[trampoline, springen, trampolinespringen]",
        )
        calls = await h.text("/herlaad", user=ADMIN)
        busy, done = texts(calls)
        assert busy == T.HERLAAD_BEZIG
        assert done.startswith("Klaar.") and "voorzieningen" in done
        assert instance.assistant is not old
        (answer,) = sent(await h.text("trampoline springen trampolinespringen"))
        assert "Trampolineclub Zuid" in answer["text"]

    play(instance, scenario)


def test_admin_herlaad_reports_problems_and_keeps_old_index(
    settings: Settings, fake_embedder: Any, kennisbank_copy: Path
) -> None:
    instance = Instance.open(
        bot_settings(settings, kennisbank=kennisbank_copy), embedder=fake_embedder
    )
    old = instance.assistant

    async def scenario(h: Harness) -> None:
        broken = kennisbank_copy / "voorbeeldstad" / "speel-o-theek.md"
        broken.write_text(broken.read_text().replace("soort: welzijn", "soort: Heel Fout!"))
        (kennisbank_copy / "voorbeeldstad" / "kapot.md").write_text("geen front matter\n")
        calls = await h.text("/herlaad", user=ADMIN)
        _, report = texts(calls)
        assert report.startswith("Herladen is niet gelukt. De oude kennisbank blijft")
        assert "speel-o-theek.md" in report and "kapot.md" in report
        assert "2 fout(en)" in report
        assert instance.assistant is old
        (answer,) = sent(await h.text("waar kan ik speelgoed lenen"))
        assert "Speel-o-theek" in answer["text"]  # the old index still answers

    play(instance, scenario)


# --- errors and logging ------------------------------------------------------------------------
def test_handler_error_logs_and_tells_user(
    instance: Instance,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    log_check: dict,
) -> None:
    log_check["errors"] = True

    def broken_ask(*args: Any) -> None:
        raise RuntimeError("kapot")

    async def scenario(h: Harness) -> None:
        monkeypatch.setattr(h.app.bot_data.conversation, "ask", broken_ask)
        calls = await h.text("geheime vraag over mijn kind")
        assert texts(calls) == [FOUT]
        # errors without an update (polling, network) never crash the handler
        await h.app.process_error(None, NetworkError("Bad Gateway"))
        await h.app.process_error(None, RetryAfter(dt.timedelta(seconds=3)))
        await h.app.process_error("geen update", ValueError("x"))

    play(instance, scenario)
    records = [r for r in caplog.records if r.name.startswith(BOT_LOGGERS)]
    assert any(r.levelno == logging.ERROR and r.exc_info for r in records)
    assert not any("geheime vraag" in r.getMessage() for r in caplog.records)


def test_logs_hold_no_message_text_and_no_token(
    instance: Instance, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario(h: Harness) -> None:
        await h.text("mijn zoon van 6 plast nog in bed")
        await h.press("p:w:0")

    play(instance, scenario)
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert any("message:text" in m for m in messages)
    assert not any("plast" in m for m in messages)
    assert not any(TOKEN in m for m in messages)


def test_redact_token_filter() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET %s", (f"/bot{TOKEN}/x",), None)
    RedactToken(TOKEN).filter(record)
    assert TOKEN not in record.getMessage() and "<token>" in record.getMessage()


def test_missing_token_is_reported(settings: Settings, fake_embedder: Any) -> None:
    from assistent.errors import AssistentError

    instance = Instance.open(settings, embedder=fake_embedder)
    with pytest.raises(AssistentError, match="ASSISTENT_TELEGRAM_TOKEN"):
        build_application(instance)


def test_base_url_and_webhook_secret(settings: Settings, fake_embedder: Any) -> None:
    instance = Instance.open(
        bot_settings(settings, telegram_base_url="http://127.0.0.1:9/bot"), embedder=fake_embedder
    )
    app = build_application(instance)
    assert app.bot.base_url == f"http://127.0.0.1:9/bot{TOKEN}"
    assert app.bot.base_file_url == f"http://127.0.0.1:9/file/bot{TOKEN}"
    secret = webhook_secret(instance)
    assert TOKEN not in secret and len(secret) == 64
    instance.settings = bot_settings(settings, webhook_secret="eigen-geheim")
    assert webhook_secret(instance) == "eigen-geheim"


def test_per_user_processor_keeps_order_per_user() -> None:
    order: list[str] = []

    def update(user: int, n: int) -> Update:
        return Update.de_json(
            {
                "update_id": n,
                "message": {
                    "message_id": n,
                    "date": 0,
                    "chat": {"id": user, "type": "private"},
                    "from": {"id": user, "is_bot": False, "first_name": "x"},
                    "text": "x",
                },
            },
            None,
        )

    async def work(tag: str, delay: float) -> None:
        await asyncio.sleep(delay)
        order.append(tag)

    async def main() -> None:
        processor = PerUserUpdateProcessor(16)
        await asyncio.gather(
            processor.process_update(update(1, 1), work("a1", 0.05)),
            processor.process_update(update(1, 2), work("a2", 0.0)),
            processor.process_update(update(2, 3), work("b1", 0.0)),
        )
        assert not processor._locks

    asyncio.run(main())
    assert order.index("a1") < order.index("a2")
    assert order[0] == "b1"  # another user is not held up


# --- the callback-data contract ----------------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    ["p:start", "p:nee", "p:g:0", "p:g:-", "p:w:12", "p:w:-", "p:l:0", "p:l:18", "p:l:-",
     "p:r:ouder", "p:r:jongere", "p:r:-", "meer:1", "meer:27", "fb:1:cjg", "fb:0:", "anders",
     "hulp"],
)  # fmt: skip
def test_callback_data_the_bot_writes_parses_back_to_itself(data: str) -> None:
    """Buttons stay in users' chats: every format the bot writes must keep parsing."""
    button = parse(data)
    assert button is not None and button.data == data


@pytest.mark.parametrize(
    "data",
    ["", "p", "p:", "p:start:1", "p:q:1", "p:l:19", "p:w:01", "p:w:-1", "p:w:x", "p:r:koning",
     "meer:0", "meer:", "meer:1:2", "meer:x", "fb:7:x", "fb:1", "fb:1:a:b", "anders:1", "hulp ",
     "\u0000\u00ff", None, 42],
)  # fmt: skip
def test_callback_data_outside_the_grammar_is_rejected(data: object) -> None:
    assert parse(data) is None


def test_the_writers_language_is_used_for_fixed_texts_and_buttons(instance: Instance) -> None:
    async def scenario(h: Harness) -> None:
        message = h.message(USER, text="/start")
        message["from"]["language_code"] = "en-GB"
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
        welcome = texts(await h.update({"message": message}))[0]
        assert welcome.startswith("Hi! I am the parenting assistant")
        (answer,) = sent(await h.text("my toddler has terrible tantrums every day, what can I do"))
        labels = [b["text"] for row in answer["reply_markup"]["inline_keyboard"] for b in row]
        assert "ℹ️ More info" in labels and "🆘 Help now" in labels
        assert "The descriptions of these places are in Dutch." in answer["text"]

    play(instance, scenario)
