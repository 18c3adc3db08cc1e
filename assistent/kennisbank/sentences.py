"""The sentences of a description, as staff typed them: an abbreviation ends no sentence.

A description is Markdown (the body of a kennisbank file). Its sentences are read from what the
Markdown says, not from its markup: "**Doel:** Ondersteuning van ouders" says "Doel:
Ondersteuning van ouders", and a list item is a sentence of its own, without its "- ". The
words stay exactly as typed. A chat message is no Markdown ("*zucht*", "1. hij slaat me"):
the safety check splits it with :func:`sentences`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt

if TYPE_CHECKING:
    from assistent.kennisbank.model import Voorziening

# CommonMark without raw HTML, and without code blocks: a description indented by four spaces
# (pasted from a spreadsheet cell) is text, not code to hide
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable(["code", "fence"])
_SAID = ("text", "code_inline")  # the inline tokens whose content is read
_BREAKS = ("softbreak", "hardbreak")  # a line break inside a paragraph is a space

# A sentence typed word for word in this many descriptions, of at least two soorten, with at
# least this many words, is about the organisation or the export, not about one place: a sociale
# kaart opens every entry of an organisation with the same paragraph ("Stichting Welzijn ... is
# de brede welzijnsorganisatie van ...") and may close it with the same privacy note. A sentence
# shared by places of one soort (the consultatiebureaus' "De jeugdarts volgt de groei ...") says
# what that kind of place does, and stays.
SHARED_MIN_PLACES = 3
SHARED_MIN_WORDS = 6

_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
# Dutch abbreviations that end in a full stop inside a sentence ("o.a. gepensioneerde docenten",
# "bijv. diabetes", "t.a.v. de mentor"), compared without case.
ABBREVIATIONS = frozenset(
    {
        "bijv.",
        "bv.",
        "o.a.",
        "e.d.",
        "e.a.",
        "enz.",
        "etc.",
        "i.p.v.",
        "m.b.t.",
        "m.b.v.",
        "t.a.v.",
        "t.b.v.",
        "i.v.m.",
        "i.o.m.",
        "d.w.z.",
        "z.s.m.",
        "incl.",
        "excl.",
        "max.",
        "min.",
        "ca.",
        "vs.",
        "nr.",
        "tel.",
        "resp.",
        "evt.",
        "o.b.v.",
        "m.u.v.",
        "a.s.",
        "j.l.",
        "zgn.",
        "ong.",
        "e.e.a.",
        "n.a.v.",
        "v.a.",
        "t/m.",
        "mevr.",
        "dhr.",
        "dr.",
        "drs.",
        "ir.",
        "mr.",
        "prof.",
        "st.",
        # the terse style of a sociale kaart ("Triple P niv. 4", "kosten p.p.")
        "niv.",
        "p.p.",
        "m.n.",
        "o.l.v.",
        "i.s.m.",
        "vnl.",
        "afd.",
        "t.z.t.",
    }
)


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped; a piece after an abbreviation or starting in lower
    case continues the sentence before it (the old split cut "Vrijwilligers (o.a." off)."""
    out: list[str] = []
    for piece in _BREAK.split(text):
        piece = piece.strip()
        if not piece:
            continue
        if out and _continues(out[-1], piece):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def description_sentences(markdown: str) -> list[str]:
    """The sentences of a description in Markdown: per paragraph, heading or list item, without
    markup; a sentence never runs from one list item into the next."""
    return [sentence for block in blocks(markdown) for sentence in sentences(block)]


def blocks(markdown: str) -> list[str]:
    """The text of each paragraph, heading and list item of ``markdown``, without markup
    (emphasis, list markers, link targets), whitespace as single spaces."""
    out = []
    for token in _MARKDOWN.parse(markdown):
        if token.type != "inline":
            continue
        said = "".join(
            child.content if child.type in _SAID else " " if child.type in _BREAKS else ""
            for child in token.children or []
        )
        if said := " ".join(said.split()):
            out.append(said)
    return out


def _continues(before: str, piece: str) -> bool:
    last_word = before.rsplit(None, 1)[-1].lstrip("(").casefold()
    return last_word in ABBREVIATIONS or piece[0].islower()


def _sentence_key(sentence: str) -> str:
    return " ".join(sentence.casefold().split())


def shared_sentences(places: Iterable[tuple[str, str]]) -> frozenset[str]:
    """The sentences (compared without case and spacing) that several places' descriptions
    share word for word: ``places`` gives each place's (soort, description)."""
    where: dict[str, list[str]] = defaultdict(list)
    for soort, description in places:
        for key in {_sentence_key(s) for s in description_sentences(description)}:
            if len(key.split()) >= SHARED_MIN_WORDS:
                where[key].append(soort)
    return frozenset(
        key
        for key, soorten in where.items()
        if len(soorten) >= SHARED_MIN_PLACES and len(set(soorten)) >= 2
    )


def shared_of(entries: Iterable[Voorziening]) -> frozenset[str]:
    """The sentences the places of a kennisbank share (:func:`shared_sentences`)."""
    return shared_sentences((e.soort, e.beschrijving) for e in entries)


def _split(description: str, shared: frozenset[str]) -> tuple[list[str], list[str]]:
    """The description's sentences, and those of them that are not ``shared``."""
    said = description_sentences(description)
    return said, [s for s in said if _sentence_key(s) not in shared]


def own_sentences(description: str, shared: frozenset[str]) -> list[str]:
    """The description's sentences without the ``shared`` ones: what this place itself says
    (all of them when every sentence is shared)."""
    said, own = _split(description, shared)
    return own or said


def without_shared(description: str, shared: frozenset[str]) -> str:
    """The description as typed when it has none of the ``shared`` sentences, else its own
    sentences (as :func:`own_sentences`), joined."""
    said, own = _split(description, shared)
    return description if len(own) in (0, len(said)) else " ".join(own)
