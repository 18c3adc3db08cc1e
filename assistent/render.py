"""Dutch texts and formatting of answers, for the console and for Telegram (HTML).

Every kennisbank field is escaped before it goes into Telegram HTML. Contact data is only ever
copied from the kennisbank or the reviewed crisis-line file, never made up.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from assistent.answer import Answer, Result
from assistent.conversation import Reply
from assistent.profile import Profile
from assistent.safety.categories import LINE_IDS
from assistent.safety.lines import CrisisLijn, Crisislijnen
from assistent.texts import (
    GEEN_MATCH,
    GEEN_TEKST,
    LEEG,
    MEER_INTRO,
    NOTICE_TEXTS,
    PROFIEL_LEEG,
    ROL_LABELS,
    translated,
)

TELEGRAM_LIMIT = 4096


def profile_summary(profile: Profile) -> str:
    """The profile in one Dutch line."""
    parts = []
    if profile.gemeente:
        parts.append(f"gemeente {profile.gemeente}")
    if profile.wijk:
        parts.append(f"wijk {profile.wijk}")
    if profile.leeftijd is not None:
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
    """The zorg reply: one calm sentence offering the line, under the local help."""
    assert answer.crisis is not None and answer.crisis_lines
    line = answer.crisis_lines[0]
    contact = fmt(line, answer.taal)[0].split(": ", 1)[-1]
    key = f"zorg_zin.{answer.crisis.category}"
    sentence = esc(translated(key, answer.taal, naam="\0", contact="\1"))
    return sentence.replace("\0", esc(line.naam)).replace("\1", contact)


def hulp_text(lijnen: Crisislijnen, as_html: bool = False, language: str = "nl") -> str:
    """All crisis lines, for /hulp and the 'Hulp nu' button."""
    checked = f"{lijnen.gecontroleerd:%d-%m-%Y}"
    return _all_lines(list(lijnen.lijnen.values()), as_html, language, checked)


def _all_lines(
    lines: list[CrisisLijn], as_html: bool, language: str, checked: str | None = None
) -> str:
    fmt = _line_html if as_html else _line_plain
    esc = html.escape if as_html else str
    by_id = {line.id: line for line in lines}
    out = [esc(translated("hulp_intro", language))]
    for key in ("112", "veilig-thuis", "113", "kindertelefoon"):
        if LINE_IDS[key] in by_id:
            out += ["• " + s for s in fmt(by_id[LINE_IDS[key]], language)]
    closing = translated("automatisch", language)
    if checked:
        closing += " " + translated("gecontroleerd", language, datum=checked)
    out.append(esc(closing))
    return "\n".join(out)


# --- results --------------------------------------------------------------------------------
def _result_plain(n: int, r: Result) -> str:
    e = r.entry
    lines = [f"{n}. {e.naam}", f"   {r.waarom}"]
    c = e.contact
    for label, value in (
        ("Telefoon", c.telefoon),
        ("WhatsApp", c.whatsapp),
        ("E-mail", c.email),
        ("Website", c.website),
        ("Chat", c.chat),
        ("Adres", c.adres),
        ("Open", e.openingstijden),
        ("Kosten", e.kosten),
    ):
        if value:
            lines.append(f"   {label}: {value}")
    return "\n".join(lines)


def _result_html(n: int, r: Result) -> str:
    e = r.entry
    c = e.contact
    lines = [f"<b>{n}. {html.escape(e.naam)}</b>", html.escape(r.waarom)]
    # Phone numbers as plain text: Telegram makes them tappable itself.
    for label, value in (
        ("📞", c.telefoon),
        ("💬 WhatsApp", c.whatsapp),
        ("✉️", c.email),
        ("📍", c.adres),
        ("🕒", e.openingstijden),
        ("💶", e.kosten),
    ):
        if value:
            lines.append(f"{label} {html.escape(value)}")
    if c.chat:
        lines.append(f'💬 <a href="{html.escape(c.chat, quote=True)}">Chat</a>')
    return "\n".join(lines)


def _compose(reply: Reply, as_html: bool) -> list[str]:
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
        return [_all_lines(a.crisis_lines, as_html, a.taal)]
    if reply.first_page and a.lines_first:
        parts.append(crisis_block(a, line_format, esc))
    parts += [_notice(n, a.taal, esc) for n in a.notices if n in NOTICE_TEXTS and reply.first_page]
    if reply.results:
        if not reply.first_page:
            intro = MEER_INTRO
        elif a.abstained:
            intro = translated("geen_match", a.taal)
        else:
            intro = translated("intro_na_crisis" if a.lines_first else "intro", a.taal)
        parts.append(esc(intro))
        fmt = _result_html if as_html else _result_plain
        start = 1 if reply.first_page else a.results.index(reply.results[0]) + 1
        parts += [fmt(start + i, r) for i, r in enumerate(reply.results)]
    elif not a.crisis:
        parts.append(esc(GEEN_MATCH + " (geen CJG gevonden in de kennisbank; bel je gemeente)"))
    if reply.first_page and a.crisis and not a.lines_first and a.crisis_lines:
        parts.append(care_sentence(a, line_format, esc))
    return parts


def _notice(notice: str, language: str, esc: Callable[[str], str]) -> str:
    if notice == "andere-taal" and language != "nl":
        return esc(translated("beschrijvingen_nederlands", language))
    return esc(NOTICE_TEXTS[notice])


def render_console(reply: Reply) -> str:
    """Plain text for the console chat and ``assistent vraag``."""
    return "\n\n".join(_compose(reply, as_html=False))


def render_telegram(reply: Reply) -> list[str]:
    """Telegram HTML messages, each within Telegram's 4096-character limit."""
    return split_message("\n\n".join(_compose(reply, as_html=True)))


@dataclass(frozen=True)
class LinkButton:
    """A URL button under a Telegram answer."""

    label: str
    url: str


def link_buttons(reply: Reply) -> list[LinkButton]:
    """Website buttons for the voorzieningen shown (crisis chats first)."""
    buttons = []
    if reply.first_page and reply.answer.crisis_lines:
        buttons += [
            LinkButton(f"Chat met {line.naam}", line.chat)
            for line in reply.answer.crisis_lines
            if line.chat
        ]
    buttons += [
        LinkButton(f"🌐 {r.entry.naam}"[:60], r.entry.contact.website)
        for r in reply.results
        if r.entry.contact.website
    ]
    return buttons


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
