"""Dutch texts and formatting of answers, for the console and for Telegram (HTML).

Every kennisbank field is escaped before it goes into Telegram HTML. Contact data is only ever
copied from the kennisbank or the reviewed crisis-line file, never made up.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from assistent.answer import Answer, Result
from assistent.conversation import FieldAnswer, NothingMore, Reply, SmallTalk, Turn
from assistent.kennisbank import Voorziening
from assistent.kennisbank.sentences import own_sentences
from assistent.profile import Profile
from assistent.safety.categories import LINE_IDS
from assistent.safety.lines import CrisisLijn, Crisislijnen
from assistent.texts import (
    GEEN_MATCH,
    GEEN_TEKST,
    LEEG,
    NOTICE_TEXTS,
    PROFIEL_LEEG,
    ROL_LABELS,
    translated,
    variants,
)

TELEGRAM_LIMIT = 4096


def profile_summary(profile: Profile) -> str:
    """The profile in one Dutch line."""
    parts = []
    if profile.gemeente:
        parts.append(f"gemeente {profile.gemeente}")
    if profile.wijk:
        parts.append(f"wijk {profile.wijk}")
    if profile.leeftijd is not None and profile.leeftijd_tot is not None:
        parts.append(f"kind van {profile.leeftijd} tot {profile.leeftijd_tot} jaar")
    elif profile.leeftijd is not None:
        parts.append(
            "kind jonger dan 1 jaar"
            if profile.leeftijd == 0
            else f"kind van {profile.leeftijd} jaar"
        )
    if profile.rol:
        parts.append(ROL_LABELS.get(profile.rol, profile.rol).lower())
    return ", ".join(parts) or PROFIEL_LEEG


# --- crisis ---------------------------------------------------------------------------------
LineFormat = Callable[[CrisisLijn, str], list[str]]


def _line_plain(line: CrisisLijn, language: str = "nl") -> list[str]:
    numbers = f" {translated('of', language)} ".join(line.telefoon)
    parts = [f"{line.naam}: {translated('bel', language, nummers=numbers)}"]
    if line.bereikbaar:
        parts.append(line.bereikbaar)
    if line.chat:
        parts.append(f"{translated('chat', language)}: {line.chat}")
    return [" · ".join(parts)]


def _line_html(line: CrisisLijn, language: str = "nl") -> list[str]:
    numbers = f" {html.escape(translated('of', language))} ".join(
        f"<b>{html.escape(t)}</b>" for t in line.telefoon
    )
    # the numbers are markup we made; the sentence around them is escaped text
    sentence = html.escape(translated("bel", language, nummers="\0")).replace("\0", numbers)
    parts = [f"{html.escape(line.naam)}: {sentence}"]
    if line.bereikbaar:
        parts.append(html.escape(line.bereikbaar))
    if line.chat:
        label = html.escape(translated("chat", language))
        parts.append(f'<a href="{html.escape(line.chat, quote=True)}">{label}</a>')
    return [" · ".join(parts)]


def _message(line: CrisisLijn, category: str, language: str) -> str:
    """The warm sentence for a line: the reviewed Dutch one, or its reviewed translation."""
    if language == "nl":
        return line.boodschap
    return translated(f"crisis_boodschap.{category}", language)


def crisis_block(answer: Answer, fmt: LineFormat, esc: Callable[[str], str]) -> str:
    """The acute crisis reply: the warm message for the main line, then every line to call."""
    assert answer.crisis is not None
    language = answer.taal
    lines = answer.crisis_lines
    main = lines[0] if lines else None
    message = _message(main, answer.crisis.category, language) if main else ""
    text = [esc(message)] if main else []
    for line in lines:
        text += ["• " + s for s in fmt(line, language)]
    if "112" not in message and not any(line.id == LINE_IDS["112"] for line in lines):
        text.append(esc(translated("direct_gevaar", language)))
    text.append(esc(translated("automatisch", language)))
    return "\n".join(text)


def care_sentence(answer: Answer, fmt: LineFormat, esc: Callable[[str], str]) -> str:
    """The zorg reply: a calm sentence offering each line (one, or two for a sign that is sure
    alone within a conversation), under or above the local help."""
    assert answer.crisis is not None and answer.crisis_lines
    said = []
    for category, line in zip(answer.crisis.categories, answer.crisis_lines, strict=False):
        contact = fmt(line, answer.taal)[0].split(": ", 1)[-1]
        key = (
            "zorg_zin_melden"  # "moet ik dat melden?"
            if answer.crisis.asked_where_to_report
            else "zorg_zin_genoemd"  # "wat is het nummer van veilig thuis?"
            if answer.crisis.asks_for_the_line
            else f"zorg_zin.{category}"
        )
        sentence = esc(translated(key, answer.taal, naam="\0", contact="\1"))
        said.append(sentence.replace("\0", esc(line.naam)).replace("\1", contact))
    return " ".join(said)


def hulp_text(lijnen: Crisislijnen, as_html: bool = False, language: str = "nl") -> str:
    """All crisis lines, for /hulp and the 'Hulp nu' button."""
    checked = f"{lijnen.gecontroleerd:%d-%m-%Y}"
    return _all_lines(_in_hulp_order(list(lijnen.lijnen.values())), as_html, language, checked)


# Small talk that closes or greets: right after the lines came first, the line answers it
CLOSINGS = ("bedankt", "doei", "groet")

# /hulp: the acute lines first, the line for children last
HULP_ORDER = tuple(LINE_IDS[key] for key in ("112", "veilig-thuis", "113", "kindertelefoon"))


def _in_hulp_order(lines: list[CrisisLijn], first: CrisisLijn | None = None) -> list[CrisisLijn]:
    """The lines in /hulp's order, with ``first`` (the line a call named: "113??") before all."""
    rank = {line_id: i for i, line_id in enumerate(HULP_ORDER)}
    ordered = sorted(lines, key=lambda line: rank.get(line.id, len(rank)))
    return ordered if first is None else [first, *(x for x in ordered if x is not first)]


def _all_lines(
    lines: list[CrisisLijn], as_html: bool, language: str, checked: str | None = None
) -> str:
    """Every line in the order given (a call that names a line has that one first)."""
    fmt = _line_html if as_html else _line_plain
    esc = html.escape if as_html else str
    out = [esc(translated("hulp_intro", language))]
    for line in lines:
        out += ["• " + s for s in fmt(line, language)]
    closing = translated("automatisch", language)
    if checked:
        closing += " " + translated("gecontroleerd", language, datum=checked)
    out.append(esc(closing))
    return "\n".join(out)


# --- results --------------------------------------------------------------------------------
WHY_CHARS = 110  # one line on a phone: what the place does and why it fits
CONTACT_FIELDS = ("telefoon", "whatsapp", "email", "website", "chat", "adres")
WRITE_TO = ("whatsapp", "chat")  # "kan ik ook appen?": shown even in a short contact answer
# A way to reach a place written inside a text: a mail address, a web address or a phone number.
_REACHES = re.compile(r"@|https?://|www\.|\d[\d\s()-]{6,}\d")


def _short(text: str, limit: int = WHY_CHARS) -> str:
    """Cut a text at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _short_reason(text: str, limit: int = WHY_CHARS) -> str:
    """A reason cut to one line, keeping the note at its end ("(in de wijken Dorp en
    Veldhoek)", see answer.why): the note says a place may not be the asker's."""
    text = " ".join(text.split())
    if len(text) <= limit or not text.endswith(")") or " (" not in text:
        return _short(text, limit)
    head, note = text.rsplit(" (", 1)
    return f"{_short(head, max(limit - len(note) - 2, limit // 3))} ({note}"


def main_contact(entry: Voorziening) -> tuple[str, str] | None:
    """The one contact line shown in a short answer: phone first, then app, mail, web, chat."""
    c = entry.contact
    for name in CONTACT_FIELDS:
        value = getattr(c, name)
        if value:
            return name, value
    return None


_ICONS = {
    "telefoon": "📞",
    "whatsapp": "💬 WhatsApp",
    "email": "✉️",
    "website": "🌐",
    "chat": "💬",
    "adres": "📍",
    "openingstijden": "🕒",
    "kosten": "💶",
    "aanmelden": "📝",
}


def _value_html(name: str, value: str) -> str:
    if name in ("website", "chat") and value.startswith(("https://", "http://")):
        label = "Chat" if name == "chat" else html.escape(value.split("://", 1)[1].rstrip("/"))
        return f'{_ICONS[name]} <a href="{html.escape(value, quote=True)}">{label}</a>'
    # Phone numbers as plain text: Telegram makes them tappable itself.
    return f"{_ICONS[name]} {html.escape(value)}"


def _value_plain(name: str, value: str, language: str = "nl") -> str:
    return f"{translated(f'veld.{name}', language)}: {value}"


def _details(entry: Voorziening) -> list[tuple[str, str]]:
    """Every contact line, then hours, costs and how to sign up, exactly as typed."""
    c = entry.contact
    fields = [(name, getattr(c, name)) for name in CONTACT_FIELDS]
    fields += [(name, getattr(entry, name)) for name in ("openingstijden", "kosten", "aanmelden")]
    return [(name, value) for name, value in fields if value]


def _result_plain(n: int, r: Result, compact: bool = False, language: str = "nl") -> str:
    e = r.entry
    lines = [f"{n}. {e.naam}", f"   {_short_reason(r.waarom) if compact else r.waarom}"]
    if compact:
        main = main_contact(e)
        shown = [main] if main else []
    else:
        shown = _details(e)
    lines += ["   " + _value_plain(name, value, language) for name, value in shown]
    return "\n".join(lines)


def _result_html(n: int, r: Result) -> str:
    e = r.entry
    lines = [f"<b>{n}. {html.escape(e.naam)}</b>", html.escape(_short_reason(r.waarom))]
    main = main_contact(e)
    if main:
        lines.append(_value_html(*main))
    return "\n".join(lines)


def details_text(
    entries: list[Voorziening],
    as_html: bool,
    language: str = "nl",
    shared: frozenset[str] = frozenset(),
) -> str:
    """'Meer info': what each place does (its first own sentences: not the ``shared`` ones
    of its organisation), every contact line, hours, costs, how to sign up."""
    esc = html.escape if as_html else str
    blocks = []
    for e in entries:
        first = own_sentences(e.beschrijving, shared)
        title = f"<b>{esc(e.naam)}</b>" if as_html else e.naam
        lines = [title, esc(" ".join(first[:2]))]
        for name, value in _details(e):
            lines.append(
                _value_html(name, value) if as_html else _value_plain(name, value, language)
            )
        blocks.append("\n".join(lines))
    if language != "nl":
        blocks.append(esc(translated("beschrijvingen_nederlands", language)))
    return "\n\n".join(blocks)


def _opening(reply: Reply) -> str:
    """One warm sentence for the person asking, varied per question, then the intro."""
    a = reply.answer
    if not reply.first_page:
        return translated("meer_intro", a.taal)
    if a.abstained and not (a.crisis and a.crisis.asks_for_the_line):
        return translated("geen_match", a.taal)  # not under the line asked for: it answers
    if a.lines_first or a.abstained:
        return translated("intro_na_crisis", a.taal)
    openings = variants(f"opening.{reply.rol or 'ouder'}", a.taal)
    seed = sum(ord(c) for r in reply.results for c in r.entry.id) + len(a.results)
    opening = openings[seed % len(openings)] if openings else ""
    if reply.refined:
        opening = translated("opnieuw_gezocht", a.taal)
    return f"{opening} {translated('intro', a.taal)}".strip()


def _compose(reply: Reply, as_html: bool, compact: bool = True) -> list[str]:
    """Paragraphs of a reply, in the order the user reads them."""
    a = reply.answer
    esc = html.escape if as_html else str
    if "leeg" in a.notices:
        return [esc(LEEG)]
    if "geen-tekst" in a.notices:
        return [esc(GEEN_TEKST)]
    parts: list[str] = []
    line_format = _line_html if as_html else _line_plain
    if reply.first_page and a.crisis and a.crisis.all_lines:
        lines = _in_hulp_order(a.crisis_lines, a.crisis_lines[0] if a.crisis_lines else None)
        return [_all_lines(lines, as_html, a.taal)]
    if reply.first_page and a.lines_first:
        parts.append(crisis_block(a, line_format, esc))
    care = reply.first_page and a.crisis and not a.lines_first and a.crisis_lines
    # a doubtful sign of danger (112, 113), or a sure one whose line is the help: the offer first
    care_first = care and (a.crisis.offer_first or a.line_leads)
    if care_first:
        parts.append(care_sentence(a, line_format, esc))
    parts += [_notice(n, a.taal, esc) for n in a.notices if n in NOTICE_TEXTS and reply.first_page]
    if reply.results:
        parts.append(esc(_opening(reply)))
        start = 1 if reply.first_page else a.results.index(reply.results[0]) + 1
        parts += [
            _result_html(start + i, r) if as_html else _result_plain(start + i, r, compact, a.taal)
            for i, r in enumerate(reply.results)
        ]
    elif not a.crisis:
        parts.append(esc(GEEN_MATCH + " (geen CJG gevonden in de kennisbank; bel je gemeente)"))
    if care and not care_first:
        parts.append(care_sentence(a, line_format, esc))
    return parts


def _notice(notice: str, language: str, esc: Callable[[str], str]) -> str:
    if notice == "andere-taal" and language != "nl":
        return esc(translated("beschrijvingen_nederlands", language))
    return esc(NOTICE_TEXTS[notice])


def render_turn(turn: Turn, as_html: bool) -> str:
    """Any turn as text: an answer page (compact), a follow-up, small talk or 'no more'."""
    esc = html.escape if as_html else str
    if isinstance(turn, Reply):
        return "\n\n".join(_compose(turn, as_html))
    if isinstance(turn, NothingMore):
        return esc(translated("niets_meer", turn.taal))
    if isinstance(turn, SmallTalk):
        care = turn.care
        if care is not None and care.lines_first and turn.kind in CLOSINGS:
            # "ok" right after 113 for a plan for tonight got "Graag gedaan!" (a play test)
            return _line_with_message(care.crisis_lines[0], turn.taal, as_html)
        text = esc(translated(turn.kind, turn.taal))
        if turn.contact is not None:
            main = main_contact(turn.contact)
            name = f"<b>{esc(turn.contact.naam)}</b>" if as_html else turn.contact.naam
            line = (_value_html(*main) if as_html else main[1]) if main else ""
            text += f"\n{name}" + (f"\n{line}" if as_html else f": {line}")
        return _beside_care(text, turn.care, as_html)
    return _beside_care(_field_text(turn, as_html), turn.care, as_html)


def _beside_care(text: str, care: Answer | None, as_html: bool) -> str:
    """A turn's text with the calm line of a doubtful sign: before it for 112 and 113."""
    if care is None or care.crisis is None:
        return text
    esc = html.escape if as_html else str
    sentence = care_sentence(care, _line_html if as_html else _line_plain, esc)
    return f"{sentence}\n\n{text}" if care.crisis.offer_first else f"{text}\n\n{sentence}"


def _line_with_message(line: CrisisLijn, language: str, as_html: bool) -> str:
    """A crisis line under what it says to the writer ("Je hoeft dit niet alleen te dragen…")."""
    category = next(c for c, line_id in LINE_IDS.items() if line_id == line.id)
    esc = html.escape if as_html else str
    lines = (_line_html if as_html else _line_plain)(line, language)
    return "\n".join([esc(_message(line, category, language)), *lines])


def _field_text(turn: FieldAnswer, as_html: bool) -> str:
    """A follow-up: the field as the kennisbank has it, or honestly that it is not known."""
    language = turn.taal
    entries = turn.entries
    alone = not entries  # beside places, the line only says how to reach it
    line = [_line_field(turn.line, turn.field, language, as_html, alone)] if turn.line else []
    if not entries:
        return "\n\n".join(line)
    if turn.field == "info":
        return "\n\n".join([details_text(entries, as_html, language, turn.shared), *line])
    # a follow-up that names no place answers for every place just shown, each in a block (of
    # several places, one main contact each: every contact line of three is a screen), and for
    # the line offered beside them
    brief = len(entries) > 1
    return "\n\n".join(
        [
            *(
                _one_field(e, turn.field, as_html, language, brief, turn.described.get(e.id))
                for e in entries
            ),
            *line,
        ]
    )


def _line_field(
    line: CrisisLijn, field_name: str, language: str, as_html: bool, alone: bool = True
) -> str:
    """A follow-up about a line: how to act ("wat moet ik doen") is what it says first, when the
    line is the answer ``alone``; else how to reach it, with what it costs when that is asked
    ("is dat gratis?"). Beside places it offered calmly, its warning ("Wat je vertelt is
    ernstig") does not come back on "hoe meld ik me aan?"."""
    if alone and field_name in ("aanmelden", "info"):
        return _line_with_message(line, language, as_html)
    lines = (_line_html if as_html else _line_plain)(line, language)
    if field_name == "kosten" and line.kosten:
        lines.append(
            _value_html("kosten", line.kosten)
            if as_html
            else _value_plain("kosten", line.kosten, language)
        )
    return "\n".join(lines)


def _one_field(
    entry: Voorziening,
    field_name: str,
    as_html: bool,
    language: str,
    brief: bool = False,
    described: str | None = None,
) -> str:
    """One place's answer to a follow-up: its name and the field as typed; else the sentence of
    its description that says it (``described``), quoted; else honestly that the kennisbank does
    not have it. With the place's main contact when the field has no way to reach it."""
    esc = html.escape if as_html else str
    name = f"<b>{esc(entry.naam)}</b>" if as_html else entry.naam
    main = main_contact(entry)
    if field_name == "contact":  # of several places: the main contact and how to write
        every = [(n, v) for n, v in _details(entry) if n in CONTACT_FIELDS]
        short = [main, *((n, v) for n, v in every if n in WRITE_TO and (n, v) != main)]
        values = short if brief and main else every
    elif field_name == "adres":
        values = [("adres", entry.contact.adres)] if entry.contact.adres else []
    else:
        value = getattr(entry, field_name, None)
        values = [(field_name, value)] if value else []
        if field_name == "aanmelden" and value and main and not _REACHES.search(value):
            values.append(main)  # "bel of mail ons" is no help without the number or address
    if not values and described:
        quoted = esc(translated("uit_beschrijving", language)) + f" “{esc(described)}”"
        reach = (_value_html(*main) if as_html else _value_plain(*main, language)) if main else ""
        return "\n".join(part for part in (name, quoted, reach) if part)
    if not values:
        contact = (_value_html(*main) if as_html else main[1]) if main else ""
        unknown = esc(translated("veld_onbekend", language, naam="\0")).replace("\0", name)
        return unknown + (f"\n{contact}" if contact else "")
    lines = [name] + [
        _value_html(n, v) if as_html else _value_plain(n, v, language) for n, v in values
    ]
    return "\n".join(lines)


def render_console(reply: Reply, compact: bool = False) -> str:
    """Plain text for ``assistent vraag`` (every detail) and the console chat (``compact``)."""
    return "\n\n".join(_compose(reply, as_html=False, compact=compact))


def render_telegram(reply: Reply) -> list[str]:
    """Telegram HTML messages, each within Telegram's 4096-character limit."""
    return split_message(render_turn(reply, as_html=True))


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at paragraph, then line, then word boundaries, never inside an HTML tag."""
    return _pack(text, limit, ("\n\n", "\n", " "))


def _pack(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    """Greedily fill chunks with parts split on the first separator; split long parts finer."""
    if len(text) <= limit:
        return [text]
    if not separators:  # one enormous "word": cut it; outside any tag it is plain text
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    sep, finer = separators[0], separators[1:]
    chunks: list[str] = []
    current = ""
    for part in text.split(sep):
        for piece in [part] if len(part) <= limit else _pack(part, limit, finer):
            candidate = f"{current}{sep}{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                if current:
                    chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks
