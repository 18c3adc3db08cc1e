"""Wiring of the Telegram bot: application builder, lifecycle, update order and how it runs.

``build_application(instance)`` wires everything (the tests use it too); ``run_bot(instance)``
runs it with long polling, or as a webhook when ``ASSISTENT_WEBHOOK_URL`` is set. Long-lived
resources (the SQLite ``Store`` and the ``Conversation``) are opened in ``post_init``, kept in
the typed ``BotState`` and closed in ``post_shutdown``. The callbacks live in ``handlers``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.util
import logging
import signal
import time
from collections.abc import Awaitable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseRateLimiter,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from assistent.conversation import Conversation
from assistent.instance import Instance
from assistent.logs import hide_payloads, protect_logs, quiet_http_logs, redact
from assistent.store import HashKeyError, Store
from assistent.telegram import handlers as h
from assistent.telegram.keyboards import (
    FEEDBACK_PATTERN,
    HELP_PATTERN,
    INFO_PATTERN,
    MORE_PATTERN,
    OTHER_PATTERN,
    PROFILE_PATTERN,
)
from assistent.telegram.resilience import (
    BotSettingError,
    PerChatRateLimiter,
    ResilientBot,
    TelegramRefusedError,
    UpdateLedger,
)
from assistent.telegram.state import (
    CONTEXT_TYPES,
    SESSION_IDLE,
    BotApplication,
    BotState,
    Context,
)
from assistent.telegram.state import now as session_now
from assistent.telegram.webhook import GuardedUpdater
from assistent.texts import COMMANDS, TELEGRAM_WEIGERT, TOKEN_ONTBREEKT

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "callback_query"]
MAX_CONCURRENT_UPDATES = 256
PURGE_EVERY = 24 * 3600.0
SWEEP_EVERY = 300.0  # seconds between sweeps of idle sessions
POOL_SIZE = 256  # HTTP connections for sending (as PTB's builder)
# Threads for the blocking work of turns (asyncio.to_thread). Turns wait for the model together
# (BatchingEmbedder): asyncio's default of cores + 4 threads let at most 6 questions share a
# model call; a call of 16-32 questions embeds each one up to a third faster.
TURN_THREADS = 32
WARM_UP = "Hallo, ik heb een vraag over de opvoeding van mijn kind."  # never shown to anyone
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)
# PTB's job queue needs the [job-queue] extra (APScheduler); without it a plain task purges.
JOB_QUEUE_AVAILABLE = importlib.util.find_spec("apscheduler") is not None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Handles updates of different users concurrently, and those of one user in order.

    Without this, two quick taps of one user (a question, then "Meer") could overtake each other.
    """

    def __init__(
        self,
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
        ledger: UpdateLedger | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._ledger = ledger

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update, after earlier updates of the same user; then mark it answered."""
        try:
            await self._in_order(update, coroutine)
        finally:
            if self._ledger is not None and isinstance(update, Update):
                self._ledger.finish(update.update_id)

    async def _in_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _user_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else queued for this user: forget the lock
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _user_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None


def _file_url(base_url: str) -> str | None:
    """The file-download URL belonging to a Bot API base URL (``…/bot`` → ``…/file/bot``)."""
    if base_url.endswith("/bot"):
        return base_url[: -len("bot")] + "file/bot"
    return None


def build_application(
    instance: Instance,
    *,
    request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter | None = None,
) -> BotApplication:
    """The bot application for one instance: handlers, rate limiter, lifecycle hooks.

    ``request`` replaces the HTTP layer (tests); ``rate_limiter`` the default
    :class:`PerChatRateLimiter`.
    """
    settings = instance.settings
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value().strip():
        raise BotSettingError(TOKEN_ONTBREEKT)
    hide_payloads("telegram")  # the library logs raw updates and bodies: never message text
    quiet_http_logs()  # request URLs contain the token
    file_url = _file_url(settings.telegram_base_url) if settings.telegram_base_url else None
    try:
        bot = ResilientBot(
            token=settings.telegram_token.get_secret_value(),
            base_url=settings.telegram_base_url or "https://api.telegram.org/bot",
            base_file_url=file_url or "https://api.telegram.org/file/bot",
            request=request or HTTPXRequest(connection_pool_size=POOL_SIZE),
            get_updates_request=request or HTTPXRequest(connection_pool_size=1),
            defaults=Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            ),
            rate_limiter=rate_limiter or PerChatRateLimiter(settings.telegram_max_rate),
        )
    except InvalidToken as exc:
        raise BotSettingError(TOKEN_ONTBREEKT) from exc
    builder = (
        ApplicationBuilder()
        .updater(GuardedUpdater(bot=bot, update_queue=asyncio.Queue()))  # brings the bot
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(PerUserUpdateProcessor(ledger=bot.ledger))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    application: BotApplication = builder.build()
    application.bot_data.attach(instance)
    bot.when_refused(application.stop_running)  # a revoked token ends the process
    _add_handlers(application)
    return application


def _add_handlers(application: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(TypeHandler(Update, _once), group=-3)
    application.add_handler(TypeHandler(Update, h.log_update), group=-2)
    application.add_handler(TypeHandler(Update, h.not_private), group=-1)
    application.add_handlers(
        [
            MessageHandler(filters.UpdateType.EDITED, h.edited),
            CommandHandler("start", h.start, filters=private),
            CommandHandler("profiel", h.profile_command, filters=private),
            CommandHandler("hulp", h.help_now, filters=private),
            CommandHandler("privacy", h.privacy, filters=private),
            CommandHandler("vergeet", h.forget, filters=private),
            CommandHandler("help", h.help_command, filters=private),
            CommandHandler("herlaad", h.reload_command, filters=private),
            CommandHandler("stats", h.stats, filters=private),
            MessageHandler(private & filters.COMMAND, h.unknown_command),
            MessageHandler(private & filters.TEXT, h.question),
            MessageHandler(private, h.not_text),
            CallbackQueryHandler(h.profile_button, pattern=PROFILE_PATTERN),
            CallbackQueryHandler(h.more, pattern=MORE_PATTERN),
            CallbackQueryHandler(h.info, pattern=INFO_PATTERN),
            CallbackQueryHandler(h.feedback, pattern=FEEDBACK_PATTERN),
            CallbackQueryHandler(h.something_else, pattern=OTHER_PATTERN),
            CallbackQueryHandler(h.help_button, pattern=HELP_PATTERN),
            CallbackQueryHandler(h.old_button),
        ]
    )
    application.add_error_handler(h.on_error)


async def _once(update: Update, context: Context) -> None:
    """A duplicate update id (a retried webhook, a replay) is answered once."""
    if not context.bot_data.first_time(update.update_id):
        log.info("update %s: dubbel, overgeslagen", update.update_id)
        raise ApplicationHandlerStop
    if context.user_data is not None:
        context.user_data.touch()


# --- lifecycle --------------------------------------------------------------------------------
async def _post_init(application: BotApplication) -> None:
    """Open the store, purge old counts, set up the conversation and the command menu."""
    state = application.bot_data
    instance = state.instance
    settings = instance.settings
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(TURN_THREADS, thread_name_prefix="beurt")
    )
    key = settings.hash_key.get_secret_value() if settings.hash_key else None
    try:
        store = await asyncio.to_thread(
            Store,
            settings.database,
            store_question_text=settings.store_question_text,
            hash_key=key,
            hash_key_file=settings.hash_key_file,
        )
    except HashKeyError as exc:
        raise BotSettingError(str(exc)) from None
    if store.key_problem:  # refuse rather than silently start a new key
        await asyncio.to_thread(store.close)
        raise BotSettingError(store.key_problem)
    conversation = Conversation(
        instance.current, store, page_size=settings.top_k, intents=instance.intents_now
    )
    state.open(store, conversation)
    if isinstance(application.bot, ResilientBot):  # answered-update ids survive a restart
        answered = await asyncio.to_thread(store.answered_updates)
        save = store.save_answered if store.writable else None
        application.bot.ledger.attach(save, store.forget_answered, answered)
    state.sweep_task = asyncio.create_task(_sweep_sessions(application))
    await h.purge_expired(state)
    await _warm_up(instance, conversation)
    if JOB_QUEUE_AVAILABLE and application.job_queue is not None:
        application.job_queue.run_repeating(
            _purge_job, interval=PURGE_EVERY, first=PURGE_EVERY, name="purge"
        )
    else:  # without the job-queue extra: a plain background task, cancelled at shutdown
        state.purge_task = asyncio.create_task(_purge_daily(state))
    try:
        await application.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
    except TelegramError as exc:  # the menu is a nicety; the bot works without it
        log.warning("Commandomenu instellen mislukt: %s", type(exc).__name__)
    log.info("Bot klaar (database %s)", settings.database)


async def _warm_up(instance: Instance, conversation: Conversation) -> None:
    """Answer one question before the first user does: loads the model, the crisis examples and
    what the dialogue reads names with."""
    started = time.perf_counter()
    try:
        await asyncio.to_thread(instance.current().answer, WARM_UP)
        await asyncio.to_thread(conversation.warm_up)
        instance.intents_now()  # the dialogue model trains in the background; nobody waits
    except Exception as exc:  # a cold start is slower, not broken
        log.warning("Opwarmen mislukt: %s", type(exc).__name__)
        return
    log.info("Opgewarmd in %.1f s", time.perf_counter() - started)


async def _post_stop(application: BotApplication) -> None:
    """Every fetched update is handled: store their ids, then confirm them to Telegram."""
    bot = application.bot
    if not isinstance(bot, ResilientBot) or not bot.ledger.polling:
        return
    with contextlib.suppress(RuntimeError):  # no store (post_init failed)
        await asyncio.to_thread(application.bot_data.store.flush, 2.0)
    await asyncio.sleep(0)  # let the "stored" callbacks of the writer thread run
    await bot.confirm_answered()


async def _post_shutdown(application: BotApplication) -> None:
    """Stop the purge task and close the store."""
    state = application.bot_data
    for task in (state.purge_task, state.sweep_task):
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    state.purge_task = state.sweep_task = None
    await asyncio.to_thread(state.close)


async def _purge_job(context: Context) -> None:
    """Daily: delete counts and profiles older than the retention period."""
    await h.purge_expired(context.bot_data)


async def _sweep_sessions(application: BotApplication, every: float = SWEEP_EVERY) -> None:
    """Forget sessions idle for SESSION_IDLE, so memory stays flat with many users."""
    while True:
        await asyncio.sleep(every)
        sweep_sessions(application)


def sweep_sessions(application: BotApplication, now: float | None = None) -> int:
    """Drop the state of users idle longer than SESSION_IDLE; returns how many."""
    limit = (session_now() if now is None else now) - SESSION_IDLE
    idle = [uid for uid, user in application.user_data.items() if user.seen < limit]
    for user_id in idle:
        application.drop_user_data(user_id)
        application.drop_chat_data(user_id)  # private chats: chat id = user id
    if idle:
        log.info("%d sessie(s) verlopen", len(idle))
    return len(idle)


async def _purge_daily(state: BotState) -> None:
    while True:
        await asyncio.sleep(PURGE_EVERY)
        await h.purge_expired(state)


# --- running ----------------------------------------------------------------------------------
def webhook_secret(instance: Instance) -> str:
    """The webhook ``secret_token``: the setting, or derived from the bot token."""
    settings = instance.settings
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    if settings.telegram_token is None:
        raise BotSettingError(TOKEN_ONTBREEKT)
    token = settings.telegram_token.get_secret_value()
    return hashlib.sha256(f"webhook:{token}".encode()).hexdigest()


def run_application(
    application: BotApplication, *, stop_signals: Sequence[int] | None = STOP_SIGNALS
) -> None:
    """Run until stopped: long polling, or a webhook when ASSISTENT_WEBHOOK_URL is set."""
    instance = application.bot_data.instance
    settings = instance.settings
    _ensure_open_loop()
    try:
        if settings.webhook_url:
            log.info("Webhook-modus op %s:%d", settings.webhook_listen, settings.webhook_port)
            application.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                secret_token=webhook_secret(instance),
                allowed_updates=ALLOWED_UPDATES,
                stop_signals=stop_signals,
            )
        else:
            log.info("Long polling gestart")
            application.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=stop_signals)
    except TelegramError as exc:  # at start-up: getMe, deleteWebhook or setWebhook refused
        raise _refused(exc, settings.telegram_token) from None
    bot = application.bot
    if isinstance(bot, ResilientBot) and bot.refused is not None:
        raise _refused(bot.refused, settings.telegram_token)


def _ensure_open_loop() -> None:
    """PTB runs on (and then closes) this thread's event loop: a second run needs a new one."""
    with contextlib.suppress(RuntimeError):  # no loop at all: PTB makes one
        if not asyncio.get_event_loop_policy().get_event_loop().is_closed():
            return
    asyncio.set_event_loop(asyncio.new_event_loop())


def _refused(exc: TelegramError, token: object) -> TelegramRefusedError:
    """A one-line Dutch reason, without the token."""
    secret = token.get_secret_value() if hasattr(token, "get_secret_value") else None
    what = "het token" if isinstance(exc, InvalidToken) else "de bot of de webhook"
    reason = redact(f"{type(exc).__name__}: {exc}", secret)
    return TelegramRefusedError(TELEGRAM_WEIGERT.format(wat=what, reden=reason))


def run_bot(instance: Instance) -> None:
    """Start the bot (``assistent bot``) and block until Ctrl-C or SIGTERM."""
    token = instance.settings.telegram_token
    if token is not None:  # before building: PTB logs the API URL (with token) at DEBUG
        protect_logs(token.get_secret_value())
    application = build_application(instance)  # raises when the token is missing
    run_application(application)
