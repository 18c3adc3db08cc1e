"""The console conversation (``assistent chat``): the same dialogue core the bot uses."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistent.conversation import ROLES, Conversation, Reply, Session, Store
from assistent.instance import Instance
from assistent.kennisbank import same_name
from assistent.render import hulp_text, profile_summary, render_turn
from assistent.texts import (
    CHAT_HELP,
    NIETS_MEER,
    ONBEKEND_COMMANDO,
    PRIVACY,
    PROFIEL_HUIDIG,
    VERGETEN,
    VRAAG_LEEFTIJD,
    VRAAG_LEEFTIJD_ZELF,
    VRAAG_WIJK,
    WELKOM,
    WIJK_ONBEKEND,
    translated,
)

USER = "console"


def _ask(prompt: str, read: Callable[[str], str]) -> str:
    try:
        return read(prompt).strip()
    except EOFError:
        return ""


PostcodeLookup = Callable[[str | None, str], str | None]
_POSTCODE = re.compile(r"^\d{4}\s*[a-zA-Z]{0,2}$")


def _wijk_from(
    answer: str, wijken: list[str], gemeente: str | None, by_postcode: PostcodeLookup | None
) -> str | None:
    """A wijk typed by name or by part of it ("Haven" for the one wijk "Oude Haven"), or found
    from a postcode (when gemeente.yaml lists postcodes)."""
    wijk = next((w for w in wijken if same_name(w, answer)), None)
    said = answer.casefold().split()
    holding = [w for w in wijken if said and set(said) <= set(w.casefold().split())]
    if wijk is None and len(holding) == 1:
        wijk = holding[0]
    if wijk is None and by_postcode is not None and any(c.isdigit() for c in answer):
        wijk = by_postcode(gemeente, answer)
    return wijk


def edit_profile(
    conversation: Conversation,
    session: Session,
    say: Callable[[str], None],
    read: Callable[[str], str],
    by_postcode: PostcodeLookup | None = None,
) -> None:
    """Ask the profile questions one by one; Enter keeps what was there."""
    current = session.profile
    say(PROFIEL_HUIDIG.format(profiel=profile_summary(current)))
    say("Druk op Enter om een antwoord te houden zoals het is.")
    answer = _ask(f"Ben je {', '.join(ROLES)}? ", read).casefold()
    rol = answer if answer in ROLES else current.rol
    gemeenten = conversation.gemeenten
    gemeente = current.gemeente
    if len(gemeenten) > 1:
        answer = _ask(f"Gemeente ({', '.join(gemeenten)}): ", read)
        gemeente = next((g for g in gemeenten if same_name(g, answer)), gemeente)
    if gemeente != current.gemeente:  # a wijk belongs to a gemeente: choose it again
        conversation.update_profile(USER, session, gemeente=gemeente, wijk=None)
    wijken = conversation.wijken(session.profile)
    wijk = session.profile.wijk
    if wijken:
        answer = _ask(f"{VRAAG_WIJK} ({', '.join(wijken)}, of je postcode): ", read)
        place = conversation.assistant.gemeente_for(session.profile)
        wijk = _wijk_from(answer, wijken, place, by_postcode) or wijk
    question = VRAAG_LEEFTIJD_ZELF if rol == "jongere" else VRAAG_LEEFTIJD
    answer = _ask(f"{question} ", read)
    leeftijd = int(answer) if answer.isdigit() and int(answer) <= 30 else current.leeftijd
    profile = conversation.update_profile(USER, session, wijk=wijk, leeftijd=leeftijd, rol=rol)
    say(f"Opgeslagen: {profile_summary(profile)}")


def _offer_wijk(
    conversation: Conversation,
    session: Session,
    read: Callable[[str], str],
    by_postcode: PostcodeLookup | None = None,
    say: Callable[[str], None] | None = None,
) -> str | None:
    """Ask the wijk once when the gemeente has wijken; anything else typed is the first question,
    except a postcode of no wijk here: that gets a note ("1234AB" got a greeting)."""
    wijken = conversation.wijken(session.profile)
    if not wijken or session.profile.wijk:
        return None
    try:
        answer = read(f"{VRAAG_WIJK} ({', '.join(wijken)} of je postcode; Enter = overslaan) ")
    except (EOFError, KeyboardInterrupt):
        return None
    answer = answer.strip()
    place = conversation.assistant.gemeente_for(session.profile)
    wijk = _wijk_from(answer, wijken, place, by_postcode)
    if wijk is not None:
        conversation.update_profile(USER, session, wijk=wijk)
        return None
    if answer and say is not None and _POSTCODE.match(answer):
        say(WIJK_ONBEKEND.format(wijken=", ".join(wijken)))
        return None
    return answer or None


def run_chat(
    instance: Instance,
    say: Callable[[str], None],
    read: Callable[[str], str] = input,
    store: Store | None = None,
) -> None:
    """Read questions until /stop or end of input; answer each like the bot does.

    With a ``store`` the questions are counted like the bot counts them (``chat --tel``).
    """
    conversation = Conversation(
        instance.current, store=store, page_size=instance.settings.top_k, intents=instance.intents
    )
    session = conversation.load_session(USER)
    say(WELKOM.replace("/hulp", "/hulp (of typ: hulp nu)"))

    def by_postcode(gemeente: str | None, postcode: str) -> str | None:
        if gemeente is None:
            return None
        return instance.kennisbank.wijk_for_postcode(gemeente, postcode)

    pending = _offer_wijk(conversation, session, read, by_postcode, say)
    while True:
        try:
            text = pending if pending is not None else read("\njij> ")
        except (EOFError, KeyboardInterrupt):
            say("\nTot ziens!")
            return
        pending = None
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
            edit_profile(conversation, session, say, read, by_postcode)
        elif command == "/meer":
            reply = conversation.more(session)
            say(render_turn(reply, as_html=False) if reply else NIETS_MEER)
        elif command.startswith("/"):
            say(ONBEKEND_COMMANDO)
        else:
            turn = conversation.handle(USER, session, text)
            say(render_turn(turn, as_html=False))
            if isinstance(turn, Reply) and turn.results:
                hint = "chat_verder" if turn.has_more else "chat_verder_info"
                say(translated(hint, session.taal))
