"""The Telegram bot: thin async handlers over the shared dialogue in ``conversation``.

``build_application(instance)`` wires everything (the tests use it too); ``run_bot(instance)``
runs it with long polling, or as a webhook when ``ASSISTENT_WEBHOOK_URL`` is set. Long-lived
resources (the SQLite ``Store`` and the ``Conversation``) are created in ``post_init``, kept in
``bot_data`` and closed in ``post_shutdown``. Searching and reloading run in worker threads, so
the event loop keeps serving other users. Dutch texts for answers live in ``render``; the few
texts that only exist in Telegram (buttons, profile questions, admin replies) are below.

Privacy: the token and message texts are never logged; the log shows update ids and kinds only.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import importlib.util
import logging
import os
import signal
import time
from collections.abc import Awaitable, Sequence
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseRateLimiter,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from assistent.conversation import ROLES, Conversation, Reply, Session
from assistent.errors import AssistentError, KennisbankError
from assistent.instance import Instance
from assistent.render import (
    hulp_text,
    link_buttons,
    profile_summary,
    render_telegram,
    split_message,
)
from assistent.retrieval.search import Profile
from assistent.texts import (
    ALLEEN_TEKST,
    BEDANKT_GOED,
    BEDANKT_SLECHT,
    BEWERKT,
    COMMANDS,
    FOUT,
    GROEP,
    HELP,
    HERLAAD_BEZIG,
    HERLAAD_KLAAR,
    HERLAAD_MISLUKT,
    HERLAAD_OOK_NOG,
    IETS_ANDERS,
    KNOP_ANDERS,
    KNOP_GOED,
    KNOP_HULP,
    KNOP_JA,
    KNOP_MEER,
    KNOP_NEE,
    KNOP_OVERSLAAN,
    KNOP_SLECHT,
    MEDIA_DEFAULT,
    MEDIA_NAMES,
    NIETS_MEER,
    ONBEKEND_COMMANDO,
    OUDE_KNOP,
    PRIVACY,
    PRIVACY_OPT_IN,
    PROFIEL_AANBOD,
    PROFIEL_HUIDIG,
    PROFIEL_KLAAR,
    PROFIEL_NU_NIET,
    ROL_LABELS,
    STATS,
    VERGETEN,
    VRAAG_GEMEENTE,
    VRAAG_LEEFTIJD,
    VRAAG_ROL,
    VRAAG_WIJK,
    WELKOM,
)

log = logging.getLogger(__name__)


# --- keys and callback data ------------------------------------------------------------------
INSTANCE = "instance"
STORE = "store"
CONVERSATION = "conversation"
PURGE_TASK = "purge_task"
RELOADING = "reloading"
SESSION = "session"
ANSWER_SEQ = "answer_seq"
RATED = "rated"
SKIP = "-"
CB_PROFILE = "p"  # p:start | p:nee | p:g:<i> | p:w:<i> | p:l:<jaar> | p:r:<rol>; <x> = "-" skips
CB_MORE = "meer"  # meer:<seq of the answer>
CB_FEEDBACK = "fb"  # fb:<1|0>:<soort>
CB_OTHER = "anders"
CB_HELP = "hulp"
MAX_CALLBACK_BYTES = 64
MAX_LINK_BUTTONS = 4
AGE_ROWS = ((0, 1, 2, 3, 4), (5, 6, 7, 8, 9), (10, 11, 12, 13, 14), (15, 16, 17, 18))
ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "callback_query"]
PURGE_EVERY = 24 * 3600.0
WARM_UP = "Hallo, ik heb een vraag over de opvoeding van mijn kind."
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)
# PTB's job queue needs the [job-queue] extra (APScheduler); without it a plain task purges.
JOB_QUEUE_AVAILABLE = importlib.util.find_spec("apscheduler") is not None

Context = ContextTypes.DEFAULT_TYPE


# --- wiring -----------------------------------------------------------------------------------
class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Handles updates of different users concurrently, and those of one user in order.

    Without this, two quick taps of one user (a question, then "Meer") could overtake each other.
    """

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update, after earlier updates of the same user are done."""
        key = _user_id(update)
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


def _user_id(update: object) -> int | None:
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
) -> Application:
    """The bot application for one instance: handlers, rate limiter, lifecycle hooks.

    ``request`` replaces the HTTP layer (tests); ``rate_limiter`` the default AIORateLimiter.
    """
    settings = instance.settings
    if settings.telegram_token is None:
        raise AssistentError(
            "ASSISTENT_TELEGRAM_TOKEN ontbreekt. Maak een bot bij @BotFather en zet het token in "
            ".env: ASSISTENT_TELEGRAM_TOKEN=123456:ABC..."
        )
    # Opt in to PTB's future timedelta API now: otherwise every 429 (RetryAfter) emits a
    # deprecation warning from inside PTB.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
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
        .concurrent_updates(PerUserUpdateProcessor(256))
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
    application = builder.build()
    application.bot_data[INSTANCE] = instance
    _add_handlers(application)
    return application


def _add_handlers(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(TypeHandler(Update, _log_update), group=-2)
    application.add_handler(TypeHandler(Update, _not_private), group=-1)
    handlers = [
        MessageHandler(filters.UpdateType.EDITED, edited),
        CommandHandler("start", start, filters=private),
        CommandHandler("profiel", profile_command, filters=private),
        CommandHandler("hulp", help_now, filters=private),
        CommandHandler("privacy", privacy, filters=private),
        CommandHandler("vergeet", forget, filters=private),
        CommandHandler("help", help_command, filters=private),
        CommandHandler("herlaad", reload_command, filters=private),
        CommandHandler("stats", stats, filters=private),
        MessageHandler(private & filters.COMMAND, unknown_command),
        MessageHandler(private & filters.TEXT, question),
        MessageHandler(private, not_text),
        CallbackQueryHandler(profile_button, pattern=rf"^{CB_PROFILE}:"),
        CallbackQueryHandler(more, pattern=rf"^{CB_MORE}:"),
        CallbackQueryHandler(feedback, pattern=rf"^{CB_FEEDBACK}:"),
        CallbackQueryHandler(something_else, pattern=rf"^{CB_OTHER}$"),
        CallbackQueryHandler(help_button, pattern=rf"^{CB_HELP}$"),
        CallbackQueryHandler(old_button),
    ]
    application.add_handlers(handlers)
    application.add_error_handler(on_error)


async def _post_init(application: Application) -> None:
    """Open the store, purge old counts, set up the conversation and the command menu."""
    from assistent.store import Store

    instance: Instance = application.bot_data[INSTANCE]
    settings = instance.settings
    store = await asyncio.to_thread(
        Store, settings.database, store_question_text=settings.store_question_text
    )
    application.bot_data[STORE] = store
    application.bot_data[CONVERSATION] = Conversation(
        instance.assistant, store, page_size=settings.top_k
    )
    await _purge(application)
    await _warm_up(instance)
    if JOB_QUEUE_AVAILABLE and application.job_queue is not None:
        application.job_queue.run_repeating(
            _purge_job, interval=PURGE_EVERY, first=PURGE_EVERY, name="purge"
        )
    else:  # without the job-queue extra: a plain background task, cancelled at shutdown
        application.bot_data[PURGE_TASK] = asyncio.create_task(_purge_daily(application))
    try:
        await application.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
    except TelegramError as exc:  # the menu is a nicety; the bot works without it
        log.warning("Commandomenu instellen mislukt: %s", type(exc).__name__)
    log.info("Bot klaar (database %s)", settings.database)


async def _warm_up(instance: Instance) -> None:
    """Answer one question before the first user does: loads the model and the crisis examples."""
    started = time.perf_counter()
    try:
        await asyncio.to_thread(instance.assistant.answer, WARM_UP)
    except Exception as exc:  # a cold start is slower, not broken
        log.warning("Opwarmen mislukt: %s", type(exc).__name__)
        return
    log.info("Opgewarmd in %.1f s", time.perf_counter() - started)


async def _post_shutdown(application: Application) -> None:
    """Stop the purge task and close the store."""
    task = application.bot_data.pop(PURGE_TASK, None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    store = application.bot_data.pop(STORE, None)
    if store is not None:
        store.close()


async def _purge(application: Application) -> None:
    instance: Instance = application.bot_data[INSTANCE]
    store = application.bot_data[STORE]
    try:
        removed = await asyncio.to_thread(store.purge, instance.settings.retention_days)
    except Exception:
        log.exception("Oude tellingen wissen mislukt")
        return
    log.info("Bewaartermijn: %d oude regels gewist", removed)


async def _purge_job(context: Context) -> None:
    """Daily: delete counts and profiles older than the retention period."""
    await _purge(context.application)


async def _purge_daily(application: Application) -> None:
    while True:
        await asyncio.sleep(PURGE_EVERY)
        await _purge(application)


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and Telegram URLs contain the token."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)


class RedactToken(logging.Filter):
    """Replaces the bot token in log records, as a last line of defence."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the message and any exception text; never drops a record."""
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "<token>")
            record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True


def protect_logs(token: str) -> None:
    """Keep the token out of every log handler of the root logger."""
    quiet_http_logs()
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactToken) for f in handler.filters):
            handler.addFilter(redact)


def webhook_secret(instance: Instance) -> str:
    """The webhook ``secret_token``: the setting, or derived from the bot token."""
    settings = instance.settings
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    assert settings.telegram_token is not None
    token = settings.telegram_token.get_secret_value()
    return hashlib.sha256(f"webhook:{token}".encode()).hexdigest()


def run_application(
    application: Application, *, stop_signals: Sequence[int] | None = STOP_SIGNALS
) -> None:
    """Run until stopped: long polling, or a webhook when ASSISTENT_WEBHOOK_URL is set."""
    instance: Instance = application.bot_data[INSTANCE]
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


# --- helpers ----------------------------------------------------------------------------------
def _conversation(context: Context) -> Conversation:
    conversation: Conversation = context.bot_data[CONVERSATION]
    conversation.assistant = context.bot_data[INSTANCE].assistant  # a reload swaps it
    return conversation


async def _session(update: Update, context: Context) -> Session:
    """This user's session; the stored profile is loaded after a restart."""
    assert context.user_data is not None and update.effective_user is not None
    session = context.user_data.get(SESSION)
    if session is None:
        conversation = _conversation(context)
        session = await asyncio.to_thread(conversation.load_session, update.effective_user.id)
        context.user_data[SESSION] = session
    return session


def _is_admin(update: Update, context: Context) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.bot_data[INSTANCE].settings.admin_ids


def _callback(*parts: object) -> str:
    """Callback data within Telegram's 64-byte limit."""
    data = ":".join(str(p) for p in parts).encode()[:MAX_CALLBACK_BYTES]
    return data.decode(errors="ignore")


async def _send(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Send HTML text in chunks of at most 4096 characters; the keyboard goes on the last."""
    await _send_chunks(message, split_message(text), markup)


async def _send_chunks(
    message: Message, chunks: Sequence[str], markup: InlineKeyboardMarkup | None
) -> None:
    """Send ready-made chunks in order, with the keyboard under the last one."""
    for i, chunk in enumerate(chunks):
        await message.reply_text(chunk, reply_markup=markup if i == len(chunks) - 1 else None)


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def answer_keyboard(reply: Reply, seq: int) -> InlineKeyboardMarkup:
    """Links, then Meer, 👍/👎, Iets anders and Hulp nu under an answer."""
    rows: list[list[InlineKeyboardButton]] = [
        [InlineKeyboardButton(b.label, url=b.url)]
        for b in link_buttons(reply)[:MAX_LINK_BUTTONS]
        if b.url.startswith(("https://", "http://"))
    ]
    if reply.has_more:
        rows.append([InlineKeyboardButton(KNOP_MEER, callback_data=_callback(CB_MORE, seq))])
    if reply.answer.answered:
        top = reply.answer.results[0].entry.soort if reply.answer.results else ""
        soort = "" if reply.answer.abstained else top
        rows.append(
            [
                InlineKeyboardButton(KNOP_GOED, callback_data=_callback(CB_FEEDBACK, 1, soort)),
                InlineKeyboardButton(KNOP_SLECHT, callback_data=_callback(CB_FEEDBACK, 0, soort)),
            ]
        )
    rows.append([InlineKeyboardButton(KNOP_ANDERS, callback_data=CB_OTHER)])
    rows.append([InlineKeyboardButton(KNOP_HULP, callback_data=CB_HELP)])
    return InlineKeyboardMarkup(rows)


async def _send_reply(message: Message, context: Context, reply: Reply) -> None:
    assert context.user_data is not None
    seq = context.user_data.get(ANSWER_SEQ, 0)
    if reply.first_page:
        seq += 1
        context.user_data[ANSWER_SEQ] = seq
    await _send_chunks(message, render_telegram(reply), answer_keyboard(reply, seq))


def _choice_keyboard(
    step: str, labels: Sequence[str], values: Sequence[object], per_row: int = 2
) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(label, callback_data=_callback(CB_PROFILE, step, value))
        for label, value in zip(labels, values, strict=True)
    ]
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    rows.append(
        [InlineKeyboardButton(KNOP_OVERSLAAN, callback_data=_callback(CB_PROFILE, step, SKIP))]
    )
    return InlineKeyboardMarkup(rows)


def _age_keyboard() -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(str(n), callback_data=_callback(CB_PROFILE, "l", n)) for n in row]
        for row in AGE_ROWS
    ]
    rows.append(
        [InlineKeyboardButton(KNOP_OVERSLAAN, callback_data=_callback(CB_PROFILE, "l", SKIP))]
    )
    return InlineKeyboardMarkup(rows)


def _profile_step(
    conversation: Conversation, profile: Profile, after: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The question (and keyboard) that comes after step ``after`` ('' = the first one)."""
    order = ["g", "w", "l", "r"]
    for step in order[order.index(after) + 1 :] if after else order:
        if step == "g":
            gemeenten = conversation.gemeenten
            if len(gemeenten) > 1:
                return _esc(VRAAG_GEMEENTE), _choice_keyboard("g", gemeenten, range(len(gemeenten)))
        elif step == "w":
            wijken = conversation.wijken(profile)
            if wijken:
                return _esc(VRAAG_WIJK), _choice_keyboard("w", wijken, range(len(wijken)))
        elif step == "l":
            return _esc(VRAAG_LEEFTIJD), _age_keyboard()
        else:
            return _esc(VRAAG_ROL), _choice_keyboard(
                "r", [ROL_LABELS[r] for r in ROLES], ROLES, per_row=1
            )
    return _esc(PROFIEL_KLAAR.format(profiel=profile_summary(profile))), None


# --- update logging and the group guard --------------------------------------------------------
def update_kind(update: Update) -> str:
    """What an update is, without its content: 'message:text', 'callback_query', ..."""
    if update.callback_query is not None:
        return "callback_query"
    message = update.message or update.edited_message or update.channel_post
    if message is None:
        return "other"
    prefix = (
        "edited_message"
        if update.edited_message
        else "channel_post"
        if update.channel_post
        else "message"
    )
    if message.text is not None:
        return f"{prefix}:{'command' if message.text.startswith('/') else 'text'}"
    return f"{prefix}:{_media_kind(message) or 'other'}"


def _media_kind(message: Message) -> str | None:
    for attr in MEDIA_NAMES:
        if getattr(message, attr, None):
            return attr
    return None


async def _log_update(update: Update, context: Context) -> None:
    """Log the update id and kind, never its text."""
    log.info("update %s: %s", update.update_id, update_kind(update))


async def _not_private(update: Update, context: Context) -> None:
    """Outside a private chat: answer what is meant for the bot with GROEP, nothing else."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    if update.callback_query is not None:
        await update.callback_query.answer(GROEP)
    elif update.message is not None or update.channel_post is not None:
        message = update.effective_message
        if message is not None and _addressed_to_bot(message, context):
            await message.reply_text(_esc(GROEP))
    raise ApplicationHandlerStop


def _addressed_to_bot(message: Message, context: Context) -> bool:
    """A command, a mention, a reply to the bot, or the bot just added: not group chatter."""
    bot = context.bot
    text = message.text or message.caption or ""
    if text.startswith("/") or f"@{bot.username}".casefold() in text.casefold():
        return True
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    return any(member.id == bot.id for member in message.new_chat_members or ())


# --- commands ---------------------------------------------------------------------------------
async def start(update: Update, context: Context) -> None:
    """Welcome the user and offer to fill in the profile."""
    assert update.message is not None
    await _session(update, context)
    await update.message.reply_text(_esc(WELKOM))
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(KNOP_JA, callback_data=_callback(CB_PROFILE, "start")),
                InlineKeyboardButton(KNOP_NEE, callback_data=_callback(CB_PROFILE, "nee")),
            ]
        ]
    )
    await update.message.reply_text(_esc(PROFIEL_AANBOD), reply_markup=keyboard)


async def profile_command(update: Update, context: Context) -> None:
    """Show the current profile and start the profile questions again."""
    assert update.message is not None
    session = await _session(update, context)
    conversation = _conversation(context)
    text, keyboard = _profile_step(conversation, session.profile, "")
    current = _esc(PROFIEL_HUIDIG.format(profiel=profile_summary(session.profile)))
    await update.message.reply_text(f"{current}\n\n{text}", reply_markup=keyboard)


async def help_now(update: Update, context: Context) -> None:
    """All crisis lines."""
    assert update.message is not None
    await _send(update.message, hulp_text(context.bot_data[INSTANCE].assistant.lines, True))


async def privacy(update: Update, context: Context) -> None:
    """What is and is not stored."""
    assert update.message is not None
    settings = context.bot_data[INSTANCE].settings
    opt_in = PRIVACY_OPT_IN if settings.store_question_text else ""
    await update.message.reply_text(
        _esc(PRIVACY.format(opt_in=opt_in, dagen=settings.retention_days))
    )


async def forget(update: Update, context: Context) -> None:
    """Delete everything stored about this user, then confirm."""
    assert update.message is not None and update.effective_user is not None
    assert context.user_data is not None
    session = await _session(update, context)
    await asyncio.to_thread(_conversation(context).forget, update.effective_user.id, session)
    context.user_data.clear()
    await update.message.reply_text(_esc(VERGETEN))


async def help_command(update: Update, context: Context) -> None:
    """How the bot works."""
    assert update.message is not None
    await update.message.reply_text(_esc(HELP))


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not know (also admin commands for non-admins)."""
    assert update.message is not None
    await update.message.reply_text(_esc(ONBEKEND_COMMANDO))


async def reload_command(update: Update, context: Context) -> None:
    """Admin: validate the kennisbank, rebuild the index and swap it in."""
    assert update.message is not None
    if not _is_admin(update, context):
        await unknown_command(update, context)
        return
    if context.bot_data.get(RELOADING):
        await update.message.reply_text(_esc(HERLAAD_OOK_NOG))
        return
    instance: Instance = context.bot_data[INSTANCE]
    context.bot_data[RELOADING] = True
    await update.message.reply_text(_esc(HERLAAD_BEZIG))
    log.info("Herladen gevraagd door een beheerder")
    try:
        report = await asyncio.to_thread(instance.reload)
    except KennisbankError as exc:
        log.warning("Herladen mislukt: %d probleem/problemen in de kennisbank", len(exc.problems))
        await _send(update.message, _esc(HERLAAD_MISLUKT.format(reden=str(exc))))
        return
    except Exception as exc:  # index build, embedder, disk: the old index keeps serving
        log.exception("Herladen mislukt")
        reden = str(exc) if isinstance(exc, AssistentError) else f"{type(exc).__name__}: {exc}"
        await _send(update.message, _esc(HERLAAD_MISLUKT.format(reden=reden)))
        return
    finally:
        context.bot_data[RELOADING] = False
    _conversation(context)  # point the dialogue at the new assistant right away
    await update.message.reply_text(
        _esc(
            HERLAAD_KLAAR.format(
                entries=report.entries,
                vectors=report.vectors,
                embedded=report.embedded,
                seconds=report.seconds,
            )
        )
    )


async def stats(update: Update, context: Context) -> None:
    """Admin: anonymous counts (purges expired counts first)."""
    assert update.message is not None
    if not _is_admin(update, context):
        await unknown_command(update, context)
        return
    await _purge(context.application)
    store = context.bot_data[STORE]
    counts, per_crisis = await asyncio.to_thread(lambda: (store.counts(), store.crisis_counts()))
    detail = ", ".join(f"{k}: {v}" for k, v in sorted(per_crisis.items()))
    text = STATS.format(
        dagen=context.bot_data[INSTANCE].settings.retention_days,
        per_crisis=f" ({detail})" if detail else "",
        **counts,
    )
    await update.message.reply_text(_esc(text))


# --- messages ---------------------------------------------------------------------------------
async def question(update: Update, context: Context) -> None:
    """Answer free text with up to three places that can help."""
    assert update.message is not None and update.effective_user is not None
    session = await _session(update, context)
    conversation = _conversation(context)
    text = update.message.text or ""
    started = time.perf_counter()
    reply = await asyncio.to_thread(conversation.ask, update.effective_user.id, session, text)
    log.info(
        "update %s: %d plek(ken), crisis=%s, %.0f ms",
        update.update_id,
        len(reply.results),
        reply.answer.crisis.category if reply.answer.crisis else "-",
        (time.perf_counter() - started) * 1000,
    )
    await _send_reply(update.message, context, reply)


async def not_text(update: Update, context: Context) -> None:
    """Voice, photo, sticker, location, ...: a friendly 'only text, please'."""
    assert update.message is not None
    what = MEDIA_NAMES.get(_media_kind(update.message) or "", MEDIA_DEFAULT)
    await update.message.reply_text(_esc(ALLEEN_TEKST.format(wat=what)))


async def edited(update: Update, context: Context) -> None:
    """An edited message: ask to send it again (edits are not answered)."""
    if update.edited_message is not None:
        await update.edited_message.reply_text(_esc(BEWERKT))


# --- buttons ----------------------------------------------------------------------------------
def _parts(query: CallbackQuery) -> list[str]:
    return (query.data or "").split(":")


async def profile_button(update: Update, context: Context) -> None:
    """One step of the profile keyboards (every step can be skipped)."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    parts = _parts(query)
    session = await _session(update, context)
    conversation = _conversation(context)
    user_id = update.effective_user.id
    profile = session.profile
    if parts[1:] == ["nee"]:
        await query.answer()
        await query.edit_message_text(_esc(PROFIEL_NU_NIET))
        return
    if parts[1:] == ["start"]:
        step = ""
    elif len(parts) == 3 and parts[1] in ("g", "w", "l", "r"):
        step, value = parts[1], parts[2]
        changes = _profile_change(conversation, profile, step, value)
        if changes is None:
            await old_button(update, context)
            return
        profile = await asyncio.to_thread(conversation.update_profile, user_id, session, **changes)
    else:
        await old_button(update, context)
        return
    await query.answer()
    text, keyboard = _profile_step(conversation, profile, step)
    await query.edit_message_text(text, reply_markup=keyboard)


def _profile_change(
    conversation: Conversation, profile: Profile, step: str, value: str
) -> dict[str, object] | None:
    """The profile fields a button sets; None when the button no longer fits."""
    if value == SKIP:
        return {"gemeente": None, "wijk": None} if step == "g" else {_FIELDS[step]: None}
    if step == "r":
        return {"rol": value} if value in ROLES else None
    if not value.isdigit():
        return None
    n = int(value)
    if step == "l":
        return {"leeftijd": n} if n <= max(AGE_ROWS[-1]) else None
    choices = conversation.gemeenten if step == "g" else conversation.wijken(profile)
    if n >= len(choices):
        return None
    if step == "g":  # a wijk belongs to a gemeente: choose it again
        return {"gemeente": choices[n], "wijk": None}
    return {"wijk": choices[n]}


_FIELDS = {"g": "gemeente", "w": "wijk", "l": "leeftijd", "r": "rol"}


async def more(update: Update, context: Context) -> None:
    """The next page of the last answer."""
    query = update.callback_query
    assert query is not None and query.message is not None and context.user_data is not None
    parts = _parts(query)
    session = context.user_data.get(SESSION)
    current = context.user_data.get(ANSWER_SEQ)
    if len(parts) != 2 or session is None or parts[1] != str(current):
        await old_button(update, context)
        return
    await query.answer()
    reply = _conversation(context).more(session)
    if reply is None:
        await query.message.reply_text(_esc(NIETS_MEER))
        return
    await _send_reply(query.message, context, reply)  # type: ignore[arg-type]


async def feedback(update: Update, context: Context) -> None:
    """Count a 👍 or 👎 once per answer and thank the user."""
    query = update.callback_query
    assert query is not None and query.message is not None and context.user_data is not None
    assert update.effective_user is not None
    parts = _parts(query)
    if len(parts) != 3 or parts[1] not in ("0", "1"):
        await old_button(update, context)
        return
    good = parts[1] == "1"
    conversation = _conversation(context)
    known = {e.soort for e in conversation.assistant.searcher.entries}
    soort = parts[2] if parts[2] in known else None
    rated: list[int] = context.user_data.setdefault(RATED, [])
    await query.answer()
    if query.message.message_id not in rated:
        rated.append(query.message.message_id)
        del rated[:-50]
        session = await _session(update, context)
        await asyncio.to_thread(
            conversation.feedback, update.effective_user.id, session, good, soort
        )
        markup = query.message.reply_markup
        if markup is not None:  # take the thumbs away: one vote per answer
            rows = [
                [b for b in row if not (b.callback_data or "").startswith(f"{CB_FEEDBACK}:")]
                for row in markup.inline_keyboard
            ]
            with contextlib.suppress(TelegramError):
                await query.edit_message_reply_markup(InlineKeyboardMarkup([r for r in rows if r]))
    await query.message.reply_text(_esc(BEDANKT_GOED if good else BEDANKT_SLECHT))  # type: ignore[union-attr]


async def something_else(update: Update, context: Context) -> None:
    """Invite a new question."""
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer()
    await query.message.reply_text(_esc(IETS_ANDERS))  # type: ignore[union-attr]


async def help_button(update: Update, context: Context) -> None:
    """The 🆘 button: all crisis lines."""
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer()
    await _send(query.message, hulp_text(context.bot_data[INSTANCE].assistant.lines, True))  # type: ignore[arg-type]


async def old_button(update: Update, context: Context) -> None:
    """A button from an old answer, another bot or garbage: say so, nothing else."""
    if update.callback_query is not None:
        await update.callback_query.answer(OUDE_KNOP)


# --- errors -----------------------------------------------------------------------------------
async def on_error(update: object, context: Context) -> None:
    """Log first (never message text); then tell the user, if there is one, that it failed."""
    error = context.error
    if not isinstance(update, Update):  # e.g. polling errors: PTB retries by itself
        if isinstance(error, NetworkError | RetryAfter):
            log.warning("Telegram even niet bereikbaar (%s); ik probeer het opnieuw", error)
        else:
            log.error("Fout buiten een update", exc_info=error)
        return
    log.error("Fout bij update %s (%s)", update.update_id, update_kind(update), exc_info=error)
    if isinstance(error, Forbidden):  # the user blocked the bot: nobody to tell
        return
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    try:
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer()
        await context.bot.send_message(chat.id, _esc(FOUT))
    except Exception as exc:  # the API may still be down; the bot keeps running
        log.warning("Foutmelding versturen mislukt: %s", type(exc).__name__)
