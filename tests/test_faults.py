"""The bot under faults: the real bot over real HTTP against the fake Bot API, faults injected.

Every test plays users against ``tests.support.telegram.FakeTelegram`` (or, for storage, the
in-process double) with the fast fake embedder, and checks what users get, what is stored and
what is logged. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import socket
import sqlite3
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from assistent import cli
from assistent.config import Settings
from assistent.instance import Instance
from assistent.store import Store
from assistent.telegram import state
from assistent.telegram.app import SWEEP_EVERY, sweep_sessions
from assistent.telegram.resilience import (
    SAVE_WAIT,
    BotSettingError,
    PerChatRateLimiter,
    TelegramRefusedError,
)
from assistent.telegram.state import SESSION_IDLE
from assistent.telegram.webhook import MAX_BODY, SECRET_HEADER
from assistent.texts import HELP, OUDE_KNOP
from tests.support import ROOT, FakeEmbedder
from tests.support.telegram import TOKEN, BotProcess, BotRunner, FakeTelegram
from tests.support.telegram_inprocess import Harness, play, sent

WAIT = 20.0
SECRET_TEXT = "mijn geheime vraag over Saartje"  # must never reach a log

# Faults cut connections mid-request on purpose. What such a cut leaves open (a long poll's
# socket and transport) the garbage collector may find a test or two later, where pytest
# reports it as an unraisable warning under filterwarnings=error: three fresh-clone CI runs met
# it in a section-6 test after section 5's failure paths. In this module that is expected.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory, crisis_model_dir: Path) -> Instance:
    """One opened instance (index and crisis model built once, fake embedder) for the module."""
    base = tmp_path_factory.mktemp("faults")
    index_dir = Path(os.environ.get("FAULTS_INDEX_DIR") or base / "index")
    settings = Settings(
        _env_file=None,
        kennisbank=ROOT / "kennisbank",
        index_dir=index_dir,
        data_dir=base / "data",
        telegram_token=TOKEN,
        crisis_model_dir=crisis_model_dir,  # the session's: module scope precedes the env
    )
    return Instance.open(settings, embedder=FakeEmbedder())


@pytest.fixture
def settings(settings: Settings, opened: Instance) -> Settings:
    """This test's settings: its own data dir, the shared index."""
    return Settings(**{**settings.model_dump(), "index_dir": opened.settings.index_dir})


_OPENED: list[Instance] = []


@pytest.fixture(autouse=True)
def _remember(opened: Instance) -> None:
    _OPENED[:] = [opened]


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def make_instance(settings: Settings, fake: FakeTelegram | None = None, **changes: Any) -> Instance:
    """An instance with this test's settings around the module's opened parts."""
    values = {**settings.model_dump(), "telegram_token": TOKEN, **changes}
    if fake is not None:
        values["telegram_base_url"] = fake.base_url
    return with_settings(Settings(**values))


def with_settings(settings: Settings, serve_last_build: bool = False) -> Instance:
    opened = _OPENED[0]
    return Instance(settings, opened.embedder, opened.kennisbank, opened.assistant)


def help_answers(fake: FakeTelegram, chat_id: int) -> list:
    return [m for m in fake.messages_to(chat_id) if m.text.startswith("Zo werk ik")]


def all_log_text(caplog: pytest.LogCaptureFixture) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        parts.append(record.exc_text or "")
    return "\n".join(parts)


def malformed(user: int) -> dict:
    """A message update without ``date``: the library can't read it."""
    return {
        "message": {
            "message_id": 5,
            "chat": {"id": user, "type": "private", "first_name": "Saartje"},
            "from": {"id": user, "is_bot": False, "first_name": "Saartje"},
            "text": SECRET_TEXT,
        }
    }


# --- 1. a malformed update ---------------------------------------------------------------------
def test_malformed_update_is_skipped_logged_without_content_and_others_answered(
    fake: FakeTelegram, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # no message text at any level
    instance = make_instance(settings, fake)
    with BotRunner(instance, WAIT) as runner:
        bad = fake.push_raw(malformed(11))
        fake.send_text(12, "/help")
        fake.wait_for(lambda: help_answers(fake, 12), WAIT)
        fake.send_text(11, "/help")  # the sender of the bad update is answered next time
        fake.wait_for(lambda: help_answers(fake, 11), WAIT)
        polls = len(fake.calls_of("getUpdates"))
        time.sleep(1.0)
        assert len(fake.calls_of("getUpdates")) - polls <= 3  # long polling, not spinning
        assert runner.app.bot.skipped == 1
    assert fake.pending_updates() == 0 and fake.delivered[bad] == 1
    logged = all_log_text(caplog)
    assert f"update {bad} overgeslagen" in logged
    assert SECRET_TEXT not in logged
    assert "Saartje" not in logged
    assert TOKEN not in logged


def test_an_update_fetched_again_while_in_hand_is_not_read_again() -> None:
    """The offset confirms only answered updates, so under load every poll brings back all the
    updates in hand; they are passed on as their id alone (the ledger drops them), not read in
    full again. A new update is passed on whole."""
    from assistent.telegram.resilience import ResilientBot

    bot = ResilientBot(token=TOKEN)
    full = {"date": 1_700_000_000, **malformed(11)["message"]}
    in_hand, new = {"update_id": 7, "message": full}, {"update_id": 8, "message": full}
    assert bot.ledger.admit(7)
    assert bot._readable(in_hand) == {"update_id": 7}
    assert bot._readable(new) is new
    bot.ledger.finish(7)  # answered, not yet confirmed: the same
    assert bot._readable(in_hand) == {"update_id": 7}
    assert bot.skipped == 0


def test_truncated_get_updates_body_is_not_logged(
    fake: FakeTelegram, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    instance = make_instance(settings, fake)
    fake.truncate_next("getUpdates", f'{{"ok": true, "result": [{{"text": "{SECRET_TEXT}"')
    with BotRunner(instance, WAIT):
        fake.send_text(13, "/help")
        fake.wait_for(lambda: help_answers(fake, 13), WAIT)
    assert SECRET_TEXT not in all_log_text(caplog)


# --- 2. 401/404 on getUpdates ends the process ---------------------------------------------------
def test_revoked_token_during_polling_ends_the_bot(fake: FakeTelegram, settings: Settings) -> None:
    instance = make_instance(settings, fake)
    runner = BotRunner(instance, WAIT).start()
    fake.send_text(14, "/help")
    fake.wait_for(lambda: help_answers(fake, 14), WAIT)
    fake.revoke()
    assert runner.wait(10.0), "de bot bleef draaien na een 401 op getUpdates"
    with pytest.raises(TelegramRefusedError) as refused:
        runner.stop()
    assert "Telegram weigert het token" in str(refused.value)
    assert TOKEN not in str(refused.value) and TOKEN.split(":")[1] not in str(refused.value)


def test_unreachable_api_at_start_is_retried(fake: FakeTelegram, settings: Settings) -> None:
    fake.fail_once("getMe", 502)
    instance = make_instance(settings, fake)
    with BotRunner(instance, WAIT):
        fake.send_text(15, "/help")
        fake.wait_for(lambda: help_answers(fake, 15), WAIT)
    assert len(fake.calls_of("getMe")) >= 2


# --- 3. rate limits per chat, resends, drops ---------------------------------------------------
def test_one_chats_429_does_not_pause_the_others(fake: FakeTelegram, settings: Settings) -> None:
    instance = make_instance(settings, fake)
    with BotRunner(instance, WAIT):
        fake.send_text(16, "/start")  # warm: the bot polls
        fake.wait_messages(16, after=0, count=2, timeout=WAIT)
        fake.fail_once("sendMessage", 429, retry_after=3, chat_id=21)
        fake.send_text(21, "/help")
        fake.wait_call("sendMessage", chat_id=21, timeout=WAIT)  # the 429
        sent_at = time.monotonic()
        fake.send_text(22, "/help")
        (other,) = fake.wait_for(lambda: help_answers(fake, 22), WAIT)
        (flooded,) = fake.wait_for(lambda: help_answers(fake, 21), WAIT)
    assert other.at - sent_at < 1.5  # not paused by chat 21's 429
    assert flooded.at - sent_at >= 2.0  # chat 21 itself waited for its retry_after


def test_failed_sends_are_retried_with_backoff(fake: FakeTelegram, settings: Settings) -> None:
    instance = make_instance(settings, fake)
    with BotRunner(instance, WAIT):
        fake.fail_once("sendMessage", 502, chat_id=23, times=3)
        fake.send_text(23, "/help")
        (answer,) = fake.wait_for(lambda: help_answers(fake, 23), WAIT)
    assert answer.text == HELP
    assert [m.text for m in fake.messages_to(23)] == [HELP]  # no apology: it arrived


def test_sends_are_dropped_after_a_bounded_time_and_counted(
    fake: FakeTelegram, settings: Settings
) -> None:
    instance = make_instance(settings, fake)
    limiter = PerChatRateLimiter(0, give_up_after=1.0)
    with BotRunner(instance, WAIT, rate_limiter=limiter):
        fake.fail_once("sendMessage", 502, chat_id=24, times=1000)
        fake.send_text(24, "/help")
        fake.wait_for(lambda: limiter.dropped >= 1, WAIT)
        fake.send_text(25, "/help")  # the others are served meanwhile
        fake.wait_for(lambda: help_answers(fake, 25), WAIT)
    assert not fake.messages_to(24)


# --- 4. storage never blocks an answer ---------------------------------------------------------
def test_locked_database_adds_at_most_100_ms_and_loses_no_count(settings: Settings) -> None:
    instance = make_instance(settings)
    questions = ["ik wil niet meer leven", "mijn peuter slaapt slecht", "driftbuien bij mijn kind"]
    timings: dict[str, list[float]] = {"vrij": [], "op slot": []}

    async def scenario(h: Harness) -> None:
        for round_, user in (("vrij", 31), ("op slot", 32)):
            lock = None
            if round_ == "op slot":
                h.store.flush()
                lock = sqlite3.connect(instance.settings.database, isolation_level=None)
                lock.execute("BEGIN EXCLUSIVE")
            for q in questions * 2:
                started = time.perf_counter()
                calls = await h.text(q, user=user)
                timings[round_].append(time.perf_counter() - started)
                assert sent(calls), "geen antwoord"
            await h.text("/profiel", user=user)
            if lock is not None:
                assert h.store.pending > 0  # the counts wait in the queue, not the user
                lock.execute("ROLLBACK")
                lock.close()
        assert h.store.flush(5.0)
        counts = h.store.counts()
        assert counts["crisis"] == 4 and counts["vragen"] == 12  # none lost

    play(instance, scenario)
    extra = statistics.median(timings["op slot"]) - statistics.median(timings["vrij"])
    assert extra < 0.1, timings
    assert max(timings["op slot"]) < 1.0, timings


def test_corrupt_database_is_moved_aside_and_the_bot_starts_fresh(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    instance = make_instance(settings)
    database = instance.settings.database
    database.parent.mkdir(parents=True, exist_ok=True)
    database.write_bytes(b"dit is geen sqlite-bestand " * 100)

    async def scenario(h: Harness) -> None:
        calls = await h.text("ik wil niet meer leven")
        assert "113" in sent(calls)[0]["text"]

    play(instance, scenario)
    aside = list(database.parent.glob("assistent.sqlite3.kapot-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"dit is geen")
    assert any(
        "beschadigd" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records
    )
    store = Store(database)
    try:
        assert store.counts()["crisis"] == 1
    finally:
        store.close()


def test_an_answered_update_is_marked_without_waiting_for_the_disk(tmp_path: Path) -> None:
    """The bot marks every answered update on its event loop. Each mark waited for an fsync
    (SQLite's default for a new connection), and every other user's turn waited with it; the
    mark now has the writer's durability: it survives a crash of the bot, as the SIGKILL test
    shows, not of the machine."""
    database = tmp_path / "data" / "assistent.db"
    store = Store(database)
    saved = threading.Event()
    try:
        store.save_answered(41, saved.set)
        assert saved.wait(5)
        marks = store._marks
        assert marks is not None
        assert marks.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL, not FULL (2)
    finally:
        store.close()
    reopened = Store(database)  # a restart still knows it
    try:
        assert reopened.answered_updates() == {41}
    finally:
        reopened.close()


def test_unusable_data_dir_warns_and_answers_without_storing(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "geen-map"
    blocker.write_text("een bestand, geen map")
    instance = make_instance(settings, data_dir=blocker / "data")

    async def scenario(h: Harness) -> None:
        assert not h.store.writable
        calls = await h.text("mijn peuter slaapt slecht")
        assert sent(calls)
        calls = await h.press("p:l:4")
        assert sent(calls, "editMessageText")

    play(instance, scenario)
    assert any("bewaar niets" in r.getMessage() for r in caplog.records if r.levelno >= 30)


# --- 5. the token never leaks --------------------------------------------------------------------
def run_cli_bot(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, fake: FakeTelegram, **env: str
) -> Any:
    """`assistent bot` in-process, with the fake embedder; returns the CliRunner result."""
    monkeypatch.setenv("ASSISTENT_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("ASSISTENT_TELEGRAM_BASE_URL", fake.base_url)
    for name, value in env.items():
        monkeypatch.setenv(f"ASSISTENT_{name.upper()}", value)
    monkeypatch.setattr(cli, "load_instance", with_settings)
    return CliRunner().invoke(cli.app, ["bot"], catch_exceptions=False)


# The process ends right after these paths; a long poll cut off mid-request may leave its socket
# to the garbage collector, which pytest would report as an unrelated error.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("token geweigerd bij de start", 6),
        ("verkeerde base-url", 6),
        ("leeg token", 4),
        ("webhook geweigerd", 6),
        ("token ingetrokken tijdens polling", 6),
    ],
)
def test_no_failure_path_prints_the_token_or_a_traceback(
    case: str,
    status: int,
    fake: FakeTelegram,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    env: dict[str, str] = {}
    if case == "token geweigerd bij de start":
        fake.revoke()
    elif case == "verkeerde base-url":
        env["telegram_base_url"] = fake.base_url.replace("/bot", "/elders/bot")
    elif case == "leeg token":
        env["telegram_token"] = ""
    elif case == "webhook geweigerd":
        fake.fail_once("setWebhook", 400)
        env["webhook_url"] = "https://bot.example.org/hook"
        env["webhook_port"] = "1"  # never reached: setWebhook fails first
    else:
        fake.on_poll = lambda n: fake.revoke() if n >= 2 else None
    before = set(threading.enumerate())
    result = run_cli_bot(monkeypatch, settings, fake, **env)
    out, err = capfd.readouterr()
    everything = "\n".join([result.output, out, err, all_log_text(caplog)])
    assert result.exit_code == status, everything
    assert TOKEN not in everything and TOKEN.split(":")[1] not in everything
    assert "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]
    assert "Telegram weigert" in last or "ASSISTENT_TELEGRAM_TOKEN" in last
    # collect a cut-off long poll's socket here, after the bot's threads ended, not later
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=10)
    del result
    caplog.clear()
    gc.collect()


# --- 6. duplicates, forged buttons, one vote ---------------------------------------------------
def test_duplicate_update_ids_are_answered_once(settings: Settings) -> None:
    instance = make_instance(settings)

    async def scenario(h: Harness) -> None:
        message = h.message(
            41, text="/help", entities=[{"type": "bot_command", "offset": 0, "length": 5}]
        )
        first = await h.update({"update_id": 77, "message": message})
        again = await h.update({"update_id": 77, "message": message})
        assert len(sent(first)) == 1 and sent(again) == []

    play(instance, scenario)


@pytest.mark.parametrize(
    "data", ["p:l:²", "p:l:99", "p:w:٣", "fb:2:x", "meer:0", "meer:-1", "x" * 64]
)
def test_forged_callback_data_gets_the_polite_reply(settings: Settings, data: str) -> None:
    instance = make_instance(settings)

    async def scenario(h: Harness) -> None:
        calls = await h.press(data, user=42)
        assert sent(calls, "answerCallbackQuery")[0].get("text") == OUDE_KNOP
        assert not sent(calls)

    play(instance, scenario)


def test_thumbs_are_counted_once_per_answer_per_user(settings: Settings) -> None:
    instance = make_instance(settings)

    async def scenario(h: Harness) -> None:
        for _ in range(40):
            await h.press("fb:0:welzijn", user=43, message_id=9)
        await h.press("fb:0:welzijn", user=44, message_id=9)  # another user, same message id
        await h.press("fb:1:welzijn", user=43, message_id=10)  # another answer
        counts = h.store.counts()
        assert counts["duim_omlaag"] == 2 and counts["duim_omhoog"] == 1

    play(instance, scenario)

    async def after_restart(h: Harness) -> None:  # new process, sessions gone: still once
        await h.press("fb:0:welzijn", user=43, message_id=9)
        await h.press("fb:1:welzijn", user=43, message_id=11)  # a new answer counts
        counts = h.store.counts()
        assert counts["duim_omlaag"] == 2 and counts["duim_omhoog"] == 2

    play(instance, after_restart)


# --- 8. the hash key ------------------------------------------------------------------------------
def test_missing_hash_key_refuses_to_start_unless_the_database_is_new(
    settings: Settings, tmp_path: Path
) -> None:
    key_file = tmp_path / "geheim" / "hash.key"
    instance = make_instance(settings, hash_key_file=key_file)

    async def remember(h: Harness) -> None:
        await h.press("p:l:4", user=51)

    play(instance, remember)  # a new database: the key file is made
    assert key_file.exists() and key_file.stat().st_mode & 0o077 == 0
    key_file.unlink()
    with pytest.raises(BotSettingError, match="hash-sleutel ontbreekt"):
        play(instance, remember)


# --- 10. sessions expire --------------------------------------------------------------------------
def test_idle_sessions_expire(settings: Settings) -> None:
    instance = make_instance(settings)

    async def scenario(h: Harness) -> None:
        for user in range(100, 200):
            await h.text("/help", user=user)
        assert len(h.app.user_data) == 100
        assert sweep_sessions(h.app) == 0  # all fresh
        later = time.monotonic() + SESSION_IDLE + 1
        assert sweep_sessions(h.app, now=later) == 100
        assert len(h.app.user_data) == 0 and len(h.app.chat_data) == 0

    play(instance, scenario)


# --- 11. a hard kill under load -------------------------------------------------------------------
KILL_USERS = 60
KILL_QUESTIONS = 5
KILL_TEXTS = [
    "mijn peuter slaapt niet door",
    "waar kan ik speelgoed lenen",
    "mijn dochter wordt gepest op school",
    "hulp bij huiswerk",
    "we hebben weinig geld voor sport",
]


def _answers(fake: FakeTelegram) -> dict[int, int]:
    """Answers per chat: the last message of an answer carries the 🆘 button."""
    counts: dict[int, int] = {}
    for message in list(fake.messages):
        if any(b.get("callback_data") == "hulp" for b in message.buttons()):
            counts[message.chat_id] = counts.get(message.chat_id, 0) + 1
    return counts


def test_a_bot_process_whose_log_outgrows_a_pipe_keeps_answering(
    settings: Settings, fake: FakeTelegram
) -> None:
    """The harness: a bot process's log must not block it (an unread pipe froze it at 64 KiB,
    and the SIGKILL test below then lost a third of its questions on a slower machine)."""
    bot = BotProcess(settings, fake).start()
    try:
        fake.wait_call("getUpdates", timeout=60)  # ready
        for n in range(1_000):  # one warning line each: ~100 KiB of log
            fake.push_raw(malformed(80_000 + n))
        fake.send_text(80_000, "/help")
        fake.wait_for(lambda: help_answers(fake, 80_000), timeout=60)
        code, log = bot.stop()
    finally:
        bot.kill()
    assert code == 0 and log.count("overgeslagen: onleesbaar") == 1_000
    assert len(log.encode()) > 64 * 1024


def test_sigkill_under_load_loses_nothing_and_repeats_only_answers_on_the_wire(
    settings: Settings, fake: FakeTelegram
) -> None:
    """300 questions of 60 users; SIGKILL in the middle; restart: 0 lost, 0 answered twice."""
    users = range(70_000, 70_000 + KILL_USERS)
    first = BotProcess(settings, fake).start()
    try:
        fake.wait_call("getUpdates", timeout=60)  # ready
        for text in KILL_TEXTS[:KILL_QUESTIONS]:
            for user in users:
                fake.send_text(user, text)
        total = KILL_USERS * KILL_QUESTIONS
        fake.wait_for(lambda: sum(_answers(fake).values()) >= total // 4, timeout=90)
        first.kill()
        killed_at = time.monotonic()
        before = sum(_answers(fake).values())
        assert before < total, "te laat gestopt: alles was al beantwoord"
        polls = len(fake.calls_of("getUpdates"))
        second = BotProcess(settings, fake).start()
        try:
            # every user answered (a sum can be reached early by the answers sent twice, and the
            # stop below would then leave updates with Telegram: not lost, but not counted)
            # (a slow machine needs time: 225 questions with the real model after a cold start)
            with contextlib.suppress(TimeoutError):
                fake.wait_for(
                    lambda: all(_answers(fake).get(u, 0) >= KILL_QUESTIONS for u in users),
                    timeout=240,
                )
            missing = {u: n for u in users if (n := _answers(fake).get(u, 0)) < KILL_QUESTIONS}
            if missing:  # say why: the restarted bot's state and its log
                pending = fake.pending_updates()
                alive = second.process is not None and second.process.poll() is None
                second.dump_stacks()
                _, log = second.stop(timeout=10)
                pytest.fail(f"{missing=} {pending=} {alive=}\n{log[-12000:]}")
            fake.wait_call("getUpdates", after=polls + 3, timeout=WAIT)  # a few polls later
            code, err = second.stop()
        finally:
            second.kill()
    finally:
        first.kill()
    counts = _answers(fake)
    assert set(counts) == set(users)
    assert all(n >= KILL_QUESTIONS for n in counts.values())  # none lost
    # Fetched again after the restart, yet not answered again: all but the answers that were on
    # the wire at the kill (sent, the id not yet stored). Telegram has no idempotent send. An id
    # is stored, or released, within SAVE_WAIT of its answer: only answers sent that close to the
    # kill may come twice (3-6 on a quiet machine, 12 once under heavy load).
    twice = sum(counts.values()) - total
    late = sum(  # answers the first process sent in that window (received up to 0.5 s late)
        1
        for m in list(fake.messages)
        if killed_at - SAVE_WAIT - 1.0 <= m.at <= killed_at + 0.5
        and any(b.get("callback_data") == "hulp" for b in m.buttons())
    )
    redelivered = sum(1 for n in fake.delivered.values() if n > 1)
    assert twice <= late and redelivered > before // 2
    assert fake.pending_updates() == 0  # all confirmed to Telegram at the clean stop
    assert code == 0 and TOKEN not in err and KILL_TEXTS[0] not in err
    with sqlite3.connect(settings.database) as db:
        assert db.execute("SELECT COUNT(*) FROM answered").fetchone()[0] == 0


# --- 12. the webhook: refuse before reading ------------------------------------------------------
def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _post(url: str, body: Any, **headers: str) -> int | str:
    """The status code, or how the connection ended when the server hung up mid-body."""
    try:  # a new connection each time: the server drops one it did not read to the end
        with httpx.Client(timeout=WAIT) as client:
            return client.post(url, content=body, headers=headers).status_code
    except httpx.TransportError as exc:
        return type(exc).__name__


def test_webhook_checks_path_secret_and_size_before_reading_the_body(
    settings: Settings, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    instance = make_instance(
        settings, fake, webhook_url="https://bot.example.org/telegram/hook", webhook_port=port
    )
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    json_type = {"Content-Type": "application/json"}
    chunk = b"x" * (1 << 20)

    def huge() -> Iterator[bytes]:  # 50 MB, never all in the client's memory
        for _ in range(50):
            yield chunk

    with BotRunner(instance, WAIT):
        secret = fake.wait_call("setWebhook", timeout=WAIT).params["secret_token"]
        right = {**json_type, SECRET_HEADER: secret}
        probe = b'{"update_id": 1}'  # an empty update: nothing to answer
        fake.wait_for(lambda: _post(hook, probe, **right) == 200, WAIT)
        before = _rss_mb()
        started = time.monotonic()
        for _ in range(4):
            assert _post(hook, huge(), **json_type, **{SECRET_HEADER: "fout"}) != 200
            assert _post(hook + "x", huge(), **right) != 200
            assert _post(hook, huge(), **right) != 200
        assert time.monotonic() - started < 10  # refused, not read: 600 MB would take longer
        assert _rss_mb() - before < 50
        # the status codes, for bodies small enough to be read by the client in time
        assert _post(hook, b"{}", **json_type, **{SECRET_HEADER: "fout"}) == 403
        assert _post(hook, b"{}", **json_type) == 403
        assert _post(hook + "x", b"{}", **right) == 404
        assert _post(hook, b"x" * (MAX_BODY + 1), **right) == 413
        broken = b'{"update_id": 5, "message": "' + SECRET_TEXT.encode()
        assert _post(hook, broken, **right) == 400
        help_update = {
            "update_id": 6,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 61, "type": "private"},
                "from": {"id": 61, "is_bot": False, "first_name": "Sam"},
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        assert _post(hook, json.dumps(help_update).encode(), **right) == 200
        fake.wait_for(lambda: help_answers(fake, 61), WAIT)
    assert SECRET_TEXT not in all_log_text(caplog)


def test_sessions_stay_bounded_over_many_distinct_users(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new user every 10 (fake) seconds for 10,000 s, a sweep every 5 minutes as in the bot.

    The 100,000-user RSS run is ``benchmarks/bot_load.py --sessies 100000``.
    """
    instance = make_instance(settings)
    fake_now = [0.0]
    monkeypatch.setattr(state, "clock", lambda: fake_now[0])
    step = 10.0
    bound = int((SESSION_IDLE + SWEEP_EVERY) / step) + 1  # users of the last 35 minutes at most
    peak = 0

    async def scenario(h: Harness) -> None:
        nonlocal peak
        next_sweep = SWEEP_EVERY
        for user in range(1, 1_001):
            fake_now[0] = user * step
            await h.update({"update_id": user, "edited_message": h.message(user, text="x")})
            if fake_now[0] >= next_sweep:
                sweep_sessions(h.app)
                next_sweep += SWEEP_EVERY
            peak = max(peak, len(h.app.user_data))
        assert len(h.app.user_data) <= bound

    play(instance, scenario)
    assert SESSION_IDLE / step <= peak <= bound


# --- 13. /herlaad at low priority -----------------------------------------------------------------
def test_herlaad_rebuilds_in_a_low_priority_thread_while_others_are_answered(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = 7
    instance = make_instance(settings, admin_ids=[admin])
    release = threading.Event()
    seen: dict[str, object] = {}
    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def slow_reload(progress: Any = None) -> SimpleNamespace:
        seen["thread"] = threading.current_thread().name
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        release.wait(WAIT)  # a long rebuild
        for done in range(3):
            progress(done, 2)
        return SimpleNamespace(entries=1, vectors=2, embedded=2, seconds=0.1)

    monkeypatch.setattr(instance, "reload", slow_reload)

    async def scenario(h: Harness) -> None:
        rebuild = asyncio.create_task(h.text("/herlaad", user=admin))
        started = time.monotonic()
        while "thread" not in seen and time.monotonic() - started < WAIT:
            await asyncio.sleep(0.01)
        other = await h.text("/help", user=admin + 1)  # answered while the rebuild runs
        assert sent(other)[0]["text"].startswith("Zo werk ik") and not rebuild.done()
        release.set()
        said = [p["text"] for p in sent(await rebuild)]
        assert any(text.startswith("Klaar.") for text in said), said

    play(instance, scenario)
    assert seen["thread"] == "herlaad" and seen["nice"] == min(base + 10, 19)
