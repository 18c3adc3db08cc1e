"""The console conversation (``assistent chat``): the same dialogue core the bot uses."""

from __future__ import annotations

from collections.abc import Callable

from assistent.conversation import ROLES, Conversation, Session, Store
from assistent.instance import Instance
from assistent.kennisbank import same_name
from assistent.render import hulp_text, profile_summary, render_console
from assistent.texts import (
    CHAT_HELP,
    NIETS_MEER,
    ONBEKEND_COMMANDO,
    PRIVACY,
    VERGETEN,
    WELKOM,
)

USER = "console"


def _ask(prompt: str, read: Callable[[str], str]) -> str:
    try:
        return read(prompt).strip()
    except EOFError:
        return ""


def edit_profile(
    conversation: Conversation,
    session: Session,
    say: Callable[[str], None],
    read: Callable[[str], str],
) -> None:
    """Ask the profile questions one by one; Enter skips a question."""
    say("Je profiel. Druk op Enter om een vraag over te slaan.")
    gemeenten = conversation.gemeenten
    gemeente = session.profile.gemeente
    if len(gemeenten) > 1:
        answer = _ask(f"Gemeente ({', '.join(gemeenten)}): ", read)
        gemeente = next((g for g in gemeenten if same_name(g, answer)), None)
    conversation.update_profile(USER, session, gemeente=gemeente)
    wijken = conversation.wijken(session.profile)
    wijk = None
    if wijken:
        answer = _ask(f"Wijk ({', '.join(wijken)}): ", read)
        wijk = next((w for w in wijken if same_name(w, answer)), None)
    answer = _ask("Leeftijd van je kind in jaren: ", read)
    leeftijd = int(answer) if answer.isdigit() and int(answer) <= 30 else None
    answer = _ask(f"Ben je {', '.join(ROLES)}? ", read).casefold()
    rol = answer if answer in ROLES else None
    profile = conversation.update_profile(USER, session, wijk=wijk, leeftijd=leeftijd, rol=rol)
    say(f"Opgeslagen: {profile_summary(profile)}")


def run_chat(
    instance: Instance,
    say: Callable[[str], None],
    read: Callable[[str], str] = input,
    store: Store | None = None,
) -> None:
    """Read questions until /stop or end of input; answer each like the bot does.

    With a ``store`` the questions are counted like the bot counts them (``chat --tel``).
    """
    conversation = Conversation(instance.current, store=store, page_size=instance.settings.top_k)
    session = conversation.load_session(USER)
    say(WELKOM.replace("/hulp", "/hulp (of typ: hulp nu)"))
    while True:
        try:
            text = read("\njij> ")
        except (EOFError, KeyboardInterrupt):
            say("\nTot ziens!")
            return
        command = text.strip().casefold()
        if command in ("/stop", "/quit", "/exit"):
            say("Tot ziens!")
            return
        if command in ("/hulp", "hulp nu", "/hulpnu"):
            say(hulp_text(instance.assistant.lines))
        elif command in ("/help", "/start"):
            say(CHAT_HELP)
        elif command == "/privacy":
            say(PRIVACY.format(opt_in="", dagen=instance.settings.retention_days))
        elif command == "/vergeet":
            conversation.forget(USER, session)
            say(VERGETEN)
        elif command == "/profiel":
            edit_profile(conversation, session, say, read)
        elif command == "/meer":
            reply = conversation.more(session)
            say(render_console(reply) if reply else NIETS_MEER)
        elif command.startswith("/"):
            say(ONBEKEND_COMMANDO)
        else:
            reply = conversation.ask(USER, session, text)
            say(render_console(reply))
            if reply.has_more:
                say("Typ /meer voor meer plekken.")
