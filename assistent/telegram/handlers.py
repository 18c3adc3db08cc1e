"""The bot's callbacks: each turns one kind of update into a call on the dialogue and a reply.

Handlers stay thin: the dialogue is ``assistent.conversation.Conversation``, the callback-data
grammar and keyboards live in ``keyboards``, the typed state in ``state``, every text in
``assistent.texts``. Searching and reloading run in worker threads, so the event loop keeps
serving other users. Privacy: message texts are never logged, only update ids and kinds.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
from collections.abc import Sequence

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ApplicationHandlerStop

from assistent.conversation import FieldAnswer, Reply, Session, SmallTalk
from assistent.errors import AssistentError, KennisbankError
from assistent.language import from_code
from assistent.render import (
    hulp_text,
    profile_summary,
    render_telegram,
    render_turn,
    split_message,
)
from assistent.telegram.keyboards import (
    Feedback,
    Info,
    More,
    ProfileChoice,
    ProfileOffer,
    Step,
    answer_keyboard,
    offer_keyboard,
    parse,
    profile_changes,
    profile_question,
    without_feedback,
)
from assistent.telegram.rebuild import reload_gently
from assistent.telegram.state import BotState, Context, user_state
from assistent.texts import (
    ALLEEN_TEKST,
    BEDANKT_GOED,
    BEDANKT_SLECHT,
    BEWERKT,
    FOUT,
    GROEP,
    HELP,
    HERLAAD_BEZIG,
    HERLAAD_KLAAR,
    HERLAAD_MISLUKT,
    HERLAAD_OOK_NOG,
    IETS_ANDERS,
    MEDIA_DEFAULT,
    MEDIA_NAMES,
    NIETS_MEER,
    ONBEKEND_COMMANDO,
    OUDE_KNOP,
    PRIVACY,
    PRIVACY_OPT_IN,
    PROFIEL_AANBOD,
    PROFIEL_HUIDIG,
    PROFIEL_NU_NIET,
    STATS,
    VERGETEN,
    WELKOM,
    translated,
)

log = logging.getLogger(__name__)
# A caption this long is read as a question; a shorter one only by the safety check.
CAPTION_QUESTION_WORDS = 4


# --- helpers ----------------------------------------------------------------------------------
def _esc(text: str) -> str:
    return html.escape(text, quote=False)


async def _send_chunks(
    update: Update,
    context: Context,
    chunks: Sequence[str],
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Send ready-made HTML chunks to this chat in order, with the keyboard under the last."""
    message, chat = update.effective_message, update.effective_chat
    for i, chunk in enumerate(chunks):
        keyboard = markup if i == len(chunks) - 1 else None
        if message is not None:
            await message.reply_text(chunk, reply_markup=keyboard)
        elif chat is not None:  # a button under a message the bot can no longer read
            await context.bot.send_message(chat.id, chunk, reply_markup=keyboard)


async def _send(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Send HTML text in chunks of at most 4096 characters; the keyboard goes on the last."""
    await _send_chunks(update, context, split_message(text), markup)


async def _say(update: Update, context: Context, text: str) -> None:
    """Send a plain text (escaped for HTML)."""
    await _send(update, context, _esc(text))


async def _send_reply(update: Update, context: Context, reply: Reply) -> None:
    """An answer page with its keyboard; a new answer gets the next number (for "Meer")."""
    user = user_state(context)
    if reply.first_page:
        user.answer_seq += 1
    await _send_chunks(
        update, context, render_telegram(reply), answer_keyboard(reply, user.answer_seq)
    )


def _user_id(update: Update) -> int:
    if update.effective_user is None:  # the handlers below only see updates from a user
        raise RuntimeError("update zonder gebruiker")
    return update.effective_user.id


def _query(update: Update) -> CallbackQuery:
    if update.callback_query is None:  # button handlers only see callback queries
        raise RuntimeError("update zonder knop")
    return update.callback_query


async def _session(update: Update, context: Context) -> Session:
    """This user's session; the stored profile is loaded after a restart."""
    user = user_state(context)
    if user.session is None:
        conversation = context.bot_data.conversation
        user.session = await asyncio.to_thread(conversation.load_session, _user_id(update))
    return user.session


def _is_admin(update: Update, context: Context) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.bot_data.instance.settings.admin_ids


async def purge_expired(state: BotState) -> None:
    """Delete counts and profiles older than the retention period (daily, and before /stats)."""
    try:
        days = state.instance.settings.retention_days
        removed = await asyncio.to_thread(state.store.purge, days)
    except Exception:
        log.exception("Oude tellingen wissen mislukt")
        return
    log.info("Bewaartermijn: %d oude regels gewist", removed)


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


def _media_kind(message: Message | None) -> str | None:
    for attr in MEDIA_NAMES:
        if getattr(message, attr, None):
            return attr
    return None


async def log_update(update: Update, context: Context) -> None:
    """Log the update id and kind, never its text."""
    log.info("update %s: %s", update.update_id, update_kind(update))


async def not_private(update: Update, context: Context) -> None:
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
def _language(update: Update, session: Session | None = None) -> str:
    """The user's language: what they wrote in, else Telegram's setting, else Dutch."""
    if session is not None and session.taal != "nl":
        return session.taal
    user = update.effective_user
    return from_code(user.language_code if user is not None else None)


def _in_language(update: Update, key: str, dutch: str, session: Session | None = None) -> str:
    """A fixed text in the user's language (data/teksten), the Dutch constant for Dutch."""
    language = _language(update, session)
    return dutch if language == "nl" else translated(key, language)


async def start(update: Update, context: Context) -> None:
    """Welcome the user and offer to fill in the profile."""
    session = await _session(update, context)
    await _say(update, context, _in_language(update, "welkom", WELKOM, session))
    await _send(update, context, _esc(PROFIEL_AANBOD), offer_keyboard())


async def profile_command(update: Update, context: Context) -> None:
    """Show the current profile and start the profile questions again."""
    session = await _session(update, context)
    question, keyboard = profile_question(context.bot_data.conversation, session.profile)
    current = PROFIEL_HUIDIG.format(profiel=profile_summary(session.profile))
    await _send(update, context, f"{_esc(current)}\n\n{_esc(question)}", keyboard)


async def help_now(update: Update, context: Context) -> None:
    """All crisis lines."""
    language = _language(update, user_state(context).session)
    await _send(update, context, hulp_text(context.bot_data.instance.lines, True, language))


async def privacy(update: Update, context: Context) -> None:
    """What is and is not stored."""
    settings = context.bot_data.instance.settings
    opt_in = PRIVACY_OPT_IN if settings.store_question_text else ""
    dutch = PRIVACY.format(opt_in=opt_in, dagen=settings.retention_days)
    await _say(update, context, _in_language(update, "privacy", dutch, user_state(context).session))


async def forget(update: Update, context: Context) -> None:
    """Delete everything stored about this user, then confirm."""
    session = await _session(update, context)
    await asyncio.to_thread(context.bot_data.conversation.forget, _user_id(update), session)
    user_state(context).clear()
    await _say(update, context, VERGETEN)


async def help_command(update: Update, context: Context) -> None:
    """How the bot works."""
    await _say(
        update, context, _in_language(update, "hulp_uitleg", HELP, user_state(context).session)
    )


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not know (also admin commands for non-admins)."""
    await _say(update, context, ONBEKEND_COMMANDO)


async def reload_command(update: Update, context: Context) -> None:
    """Admin: validate the kennisbank, rebuild the index and swap it in."""
    if not _is_admin(update, context):
        await unknown_command(update, context)
        return
    state = context.bot_data
    if state.reloading:
        await _say(update, context, HERLAAD_OOK_NOG)
        return
    state.reloading = True
    try:
        await _say(update, context, HERLAAD_BEZIG)
        log.info("Herladen gevraagd door een beheerder")
        report = await reload_gently(state.instance)  # low priority: answers go first
    except KennisbankError as exc:
        log.warning("Herladen mislukt: %d probleem/problemen in de kennisbank", len(exc.problems))
        await _say(update, context, HERLAAD_MISLUKT.format(reden=str(exc)))
        return
    except Exception as exc:  # index build, embedder, disk: the old index keeps serving
        log.exception("Herladen mislukt")
        reden = str(exc) if isinstance(exc, AssistentError) else f"{type(exc).__name__}: {exc}"
        await _say(update, context, HERLAAD_MISLUKT.format(reden=reden))
        return
    finally:
        state.reloading = False
    done = HERLAAD_KLAAR.format(
        entries=report.entries,
        vectors=report.vectors,
        embedded=report.embedded,
        seconds=report.seconds,
    )
    await _say(update, context, done)


async def stats(update: Update, context: Context) -> None:
    """Admin: anonymous counts (purges expired counts first)."""
    if not _is_admin(update, context):
        await unknown_command(update, context)
        return
    state = context.bot_data
    await purge_expired(state)
    store = state.store
    counts, per_crisis = await asyncio.to_thread(lambda: (store.counts(), store.crisis_counts()))
    detail = ", ".join(f"{k}: {v}" for k, v in sorted(per_crisis.items()))
    text = STATS.format(
        dagen=state.instance.settings.retention_days,
        per_crisis=f" ({detail})" if detail else "",
        **counts,
    )
    await _say(update, context, text)


# --- messages ---------------------------------------------------------------------------------
async def question(update: Update, context: Context) -> None:
    """A message: a question (up to three places), a follow-up, 'meer' or small talk."""
    session = await _session(update, context)
    message = update.effective_message
    text = (message.text if message is not None else None) or ""
    await _answer_text(update, context, session, text)


def turn_crisis(turn: object) -> str:
    """The crisis category whose line a turn shows, for the log line ('-' for none): an
    answer's, or the calm line that goes with small talk or a follow-up in the band of doubt."""
    crisis = None
    if isinstance(turn, Reply):
        crisis = turn.answer.crisis
    elif isinstance(turn, (SmallTalk, FieldAnswer)) and turn.care is not None:
        crisis = turn.care.crisis
    return crisis.category if crisis else "-"


async def _answer_text(update: Update, context: Context, session: Session, text: str) -> None:
    if session.taal == "nl" and update.effective_user is not None:
        session.taal = from_code(update.effective_user.language_code)
    started = time.perf_counter()
    conversation = context.bot_data.conversation
    turn = await asyncio.to_thread(conversation.handle, _user_id(update), session, text)
    log.info(
        "update %s: %s, crisis=%s, %.0f ms",
        update.update_id,
        type(turn).__name__,
        turn_crisis(turn),
        (time.perf_counter() - started) * 1000,
    )
    if isinstance(turn, Reply):
        await _send_reply(update, context, turn)
    else:
        await _send(update, context, render_turn(turn, as_html=True))


async def not_text(update: Update, context: Context) -> None:
    """Voice, photo, sticker, ...: a caption is read like a message; else 'only text, please'."""
    message = update.effective_message
    caption = (message.caption if message is not None else None) or ""
    if caption.strip():  # crisis text in a photo caption must not be missed
        session = await _session(update, context)
        assistant = context.bot_data.conversation.assistant
        danger = await asyncio.to_thread(assistant.danger, caption, session.effective_profile)
        if danger is not None or len(caption.split()) >= CAPTION_QUESTION_WORDS:
            await _answer_text(update, context, session, caption)
            return
    what = MEDIA_NAMES.get(_media_kind(message) or "", MEDIA_DEFAULT)
    await _say(update, context, ALLEEN_TEKST.format(wat=what))


async def edited(update: Update, context: Context) -> None:
    """An edited message: ask to send it again (edits are not answered)."""
    if update.edited_message is not None:
        await _say(update, context, BEWERKT)


# --- buttons ----------------------------------------------------------------------------------
async def profile_button(update: Update, context: Context) -> None:
    """One step of the profile keyboards (every step can be skipped)."""
    query = _query(update)
    button = parse(query.data)
    session = await _session(update, context)
    conversation = context.bot_data.conversation
    if button == ProfileOffer(accepted=False):
        await query.answer()
        await query.edit_message_text(_esc(PROFIEL_NU_NIET))
        return
    step: Step | None = None  # ProfileOffer(accepted=True): the first question
    if isinstance(button, ProfileChoice):
        changes = profile_changes(button, conversation, session.profile)
        if changes is None:  # e.g. a wijk that is no longer in the kennisbank
            await old_button(update, context)
            return
        await asyncio.to_thread(conversation.update_profile, _user_id(update), session, **changes)
        step = button.step
    elif button != ProfileOffer(accepted=True):
        await old_button(update, context)
        return
    await query.answer()
    text, keyboard = profile_question(conversation, session.profile, step)
    await query.edit_message_text(_esc(text), reply_markup=keyboard)


async def _latest_answer_session(
    update: Update, context: Context, kind: type[More] | type[Info]
) -> Session | None:
    """The session when the pressed button belongs to the latest answer; otherwise the polite
    reply for an old button, and None."""
    query = _query(update)
    button = parse(query.data)
    user = user_state(context)
    if not isinstance(button, kind) or user.session is None or button.seq != user.answer_seq:
        await old_button(update, context)
        return None
    await query.answer()
    return user.session


async def more(update: Update, context: Context) -> None:
    """The next page of the last answer."""
    session = await _latest_answer_session(update, context, More)
    if session is None:
        return
    reply = context.bot_data.conversation.more(session)
    if reply is None:
        await _say(update, context, NIETS_MEER)
        return
    await _send_reply(update, context, reply)


async def info(update: Update, context: Context) -> None:
    """'Meer info': every contact line, hours, costs and how to sign up for the places shown."""
    session = await _latest_answer_session(update, context, Info)
    if session is None:
        return
    turn = context.bot_data.conversation.details(session)
    if turn is None:
        await old_button(update, context)
        return
    await _send(update, context, render_turn(turn, as_html=True))


async def feedback(update: Update, context: Context) -> None:
    """Count a 👍 or 👎 once per answer and thank the user."""
    query = _query(update)
    button = parse(query.data)
    if not isinstance(button, Feedback) or query.message is None:
        await old_button(update, context)
        return
    conversation = context.bot_data.conversation
    known = {e.soort for e in conversation.assistant.entries}
    soort = button.soort if button.soort in known else None
    await query.answer()
    message_id, store = query.message.message_id, context.bot_data.store
    if user_state(context).rate_once(message_id) and await asyncio.to_thread(
        store.first_vote, _user_id(update), message_id
    ):
        session = await _session(update, context)
        await asyncio.to_thread(
            conversation.feedback, _user_id(update), session, button.good, soort
        )
        message = update.effective_message
        if message is not None and message.reply_markup is not None:  # one vote per answer
            with contextlib.suppress(TelegramError):
                await query.edit_message_reply_markup(without_feedback(message.reply_markup))
    await _say(update, context, BEDANKT_GOED if button.good else BEDANKT_SLECHT)


async def something_else(update: Update, context: Context) -> None:
    """Invite a new question."""
    await _query(update).answer()
    await _say(update, context, IETS_ANDERS)


async def help_button(update: Update, context: Context) -> None:
    """The 🆘 button: all crisis lines."""
    await _query(update).answer()
    language = _language(update, user_state(context).session)
    await _send(update, context, hulp_text(context.bot_data.instance.lines, True, language))


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
