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
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from assistent.conversation import Conversation
from assistent.errors import AssistentError
from assistent.instance import Instance
from assistent.logs import protect_logs
from assistent.store import Store
from assistent.telegram import handlers as h
from assistent.telegram.keyboards import (
    FEEDBACK_PATTERN,
    HELP_PATTERN,
    MORE_PATTERN,
    OTHER_PATTERN,
    PROFILE_PATTERN,
)
from assistent.telegram.state import CONTEXT_TYPES, BotApplication, BotState, Context
from assistent.texts import COMMANDS, TOKEN_ONTBREEKT

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "callback_query"]
MAX_CONCURRENT_UPDATES = 256
PURGE_EVERY = 24 * 3600.0
WARM_UP = "Hallo, ik heb een vraag over de opvoeding van mijn kind."  # never shown to anyone
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)
# PTB's job queue needs the [job-queue] extra (APScheduler); without it a plain task purges.
JOB_QUEUE_AVAILABLE = importlib.util.find_spec("apscheduler") is not None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Handles updates of different users concurrently, and those of one user in order.

    Without this, two quick taps of one user (a question, then "Meer") could overtake each other.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update, after earlier updates of the same user are done."""
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

    ``request`` replaces the HTTP layer (tests); ``rate_limiter`` the default AIORateLimiter.
    """
    settings = instance.settings
    if settings.telegram_token is None:
        raise AssistentError(TOKEN_ONTBREEKT)
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .context_types(CONTEXT_TYPES)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(
            rate_limiter
            or AIORateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3)
        )
        .concurrent_updates(PerUserUpdateProcessor())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
        file_url = _file_url(settings.telegram_base_url)
        if file_url:
            builder = builder.base_file_url(file_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application: BotApplication = builder.build()
    application.bot_data.attach(instance)
    _add_handlers(application)
    return application


def _add_handlers(application: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
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
            CallbackQueryHandler(h.feedback, pattern=FEEDBACK_PATTERN),
            CallbackQueryHandler(h.something_else, pattern=OTHER_PATTERN),
            CallbackQueryHandler(h.help_button, pattern=HELP_PATTERN),
            CallbackQueryHandler(h.old_button),
        ]
    )
    application.add_error_handler(h.on_error)


# --- lifecycle --------------------------------------------------------------------------------
async def _post_init(application: BotApplication) -> None:
    """Open the store, purge old counts, set up the conversation and the command menu."""
    state = application.bot_data
    instance = state.instance
    settings = instance.settings
    store = await asyncio.to_thread(
        Store, settings.database, store_question_text=settings.store_question_text
    )
    state.open(store, Conversation(instance.current, store, page_size=settings.top_k))
    await h.purge_expired(state)
    await _warm_up(instance)
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


async def _warm_up(instance: Instance) -> None:
    """Answer one question before the first user does: loads the model and the crisis examples."""
    started = time.perf_counter()
    try:
        await asyncio.to_thread(instance.current().answer, WARM_UP)
    except Exception as exc:  # a cold start is slower, not broken
        log.warning("Opwarmen mislukt: %s", type(exc).__name__)
        return
    log.info("Opgewarmd in %.1f s", time.perf_counter() - started)


async def _post_shutdown(application: BotApplication) -> None:
    """Stop the purge task and close the store."""
    state = application.bot_data
    task, state.purge_task = state.purge_task, None
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    state.close()


async def _purge_job(context: Context) -> None:
    """Daily: delete counts and profiles older than the retention period."""
    await h.purge_expired(context.bot_data)


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
        raise AssistentError(TOKEN_ONTBREEKT)
    token = settings.telegram_token.get_secret_value()
    return hashlib.sha256(f"webhook:{token}".encode()).hexdigest()


def run_application(
    application: BotApplication, *, stop_signals: Sequence[int] | None = STOP_SIGNALS
) -> None:
    """Run until stopped: long polling, or a webhook when ASSISTENT_WEBHOOK_URL is set."""
    instance = application.bot_data.instance
    settings = instance.settings
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


def run_bot(instance: Instance) -> None:
    """Start the bot (``assistent bot``) and block until Ctrl-C or SIGTERM."""
    token = instance.settings.telegram_token
    if token is not None:  # before building: PTB logs the API URL (with token) at DEBUG
        protect_logs(token.get_secret_value())
    application = build_application(instance)  # raises when the token is missing
    run_application(application)
