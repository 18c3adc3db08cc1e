"""The sentences of a description, as staff typed them: an abbreviation ends no sentence."""

from __future__ import annotations

import re

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


def _continues(before: str, piece: str) -> bool:
    last_word = before.rsplit(None, 1)[-1].lstrip("(").casefold()
    return last_word in ABBREVIATIONS or piece[0].islower()
