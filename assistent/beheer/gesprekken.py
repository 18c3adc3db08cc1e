"""``assistent eval --gesprekken``: run scripted multi-turn conversations through the dialogue.

Each conversation gets a fresh session with its profile and goes turn by turn through
:meth:`Conversation.handle`, exactly as a console or Telegram user's messages do. A turn is right
when it is the expected kind of turn (advice, follow-up, 'meer', small talk, crisis, no match)
with the expected place, field, crisis line and language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistent.beheer.evaluation import EvalFileError
from assistent.conversation import (
    Conversation,
    FieldAnswer,
    NothingMore,
    Reply,
    Session,
    SmallTalk,
    Turn,
)
from assistent.files import read_yaml
from assistent.kennisbank.messages import translate
from assistent.profile import Profile, Rol
from assistent.safety.categories import LINE_IDS

TOP = 3
Soort = Literal["advies", "vervolg", "meer", "smalltalk", "crisis", "geen-match"]


class Expected(BaseModel):
    """What a right turn looks like."""

    model_config = ConfigDict(extra="forbid")
    soort: Soort
    ids: list[str] = Field(default_factory=list)  # advies: one of them in the top 3
    niet: list[str] = Field(default_factory=list)  # must not be shown
    veld: str | None = None  # vervolg: kosten | aanmelden | openingstijden | adres | contact
    id: str | None = None  # vervolg: the place the follow-up is about
    taal: str | None = None  # the fixed texts come in this language
    crisis: str | None = None  # crisis: the main line


class Beurt(BaseModel):
    """One user message and what should come back."""

    model_config = ConfigDict(extra="forbid")
    gebruiker: str
    verwacht: Expected


class ProfielIn(BaseModel):
    """The profile a conversation starts with (as if set with /profiel)."""

    model_config = ConfigDict(extra="forbid")
    gemeente: str | None = None
    wijk: str | None = None
    leeftijd: int | None = Field(None, ge=0, le=30)
    rol: Rol | None = None


class Gesprek(BaseModel):
    """A scripted conversation."""

    model_config = ConfigDict(extra="forbid")
    naam: str
    profiel: ProfielIn | None = None
    beurten: list[Beurt] = Field(min_length=1)


def load_conversations(path: Path) -> list[Gesprek]:
    """Read and validate a conversations file; errors name the file and the conversation."""
    try:
        data = read_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvalFileError(f"{path}: kan het bestand niet lezen ({exc.strerror}).") from exc
    except yaml.YAMLError as exc:
        raise EvalFileError(f"{path}: geen geldige YAML ({exc}).") from exc
    if not isinstance(data, list):
        raise EvalFileError(f"{path}: verwacht een lijst gesprekken (elk met naam en beurten).")
    conversations = []
    for i, item in enumerate(data, start=1):
        try:
            conversations.append(Gesprek.model_validate(item))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {translate(e)}" for e in exc.errors()
            )
            raise EvalFileError(f"{path}: gesprek {i}: {problems}") from exc
    return conversations


@dataclass
class TurnResult:
    """One scored turn."""

    gesprek: str
    beurt: int
    soort: str
    goed: bool
    kreeg: str  # what came back, in a few words (never the user's text)


@dataclass
class ConversationReport:
    """Right turns per kind and overall."""

    turns: list[TurnResult] = field(default_factory=list)

    @property
    def share(self) -> float:
        """Share of turns that met their expectation."""
        return sum(t.goed for t in self.turns) / len(self.turns) if self.turns else 0.0

    def per_kind(self) -> dict[str, tuple[int, int]]:
        """(right, total) per expected kind of turn."""
        out: dict[str, tuple[int, int]] = {}
        for t in self.turns:
            right, total = out.get(t.soort, (0, 0))
            out[t.soort] = (right + t.goed, total + 1)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "beurten": len(self.turns),
            "goed": sum(t.goed for t in self.turns),
            "aandeel": round(self.share, 4),
            "per_soort": {k: {"goed": g, "totaal": n} for k, (g, n) in self.per_kind().items()},
            "fout": [
                {"gesprek": t.gesprek, "beurt": t.beurt, "soort": t.soort, "kreeg": t.kreeg}
                for t in self.turns
                if not t.goed
            ],
        }


def describe(turn: Turn) -> str:
    """What a turn is, in a few words, for the report."""
    if isinstance(turn, Reply):
        a = turn.answer
        kind = "crisis " + a.crisis.category if a.crisis else "geen-match" if a.abstained else ""
        return f"{kind} {[r.entry.id for r in turn.results]} taal={a.taal}".strip()
    if isinstance(turn, FieldAnswer):
        about = (
            ",".join([e.id for e in turn.entries] + ([turn.line.id] if turn.line else [])) or "-"
        )
        return f"vervolg {turn.field} over {about} taal={turn.taal}"
    if isinstance(turn, SmallTalk):
        return f"smalltalk {turn.kind} taal={turn.taal}"
    return f"niets meer taal={turn.taal}"


def _language(turn: Turn) -> str:
    return turn.answer.taal if isinstance(turn, Reply) else turn.taal


def judge(turn: Turn, expected: Expected, fallback_ids: set[str]) -> bool:
    """True when the turn is what a CJG employee expects."""
    if expected.taal and _language(turn) != expected.taal:
        return False
    if isinstance(turn, Reply):
        shown = [r.entry.id for r in turn.results]
        if any(i in shown[:TOP] for i in expected.niet):
            return False
    soort = expected.soort
    if soort == "smalltalk":
        return isinstance(turn, SmallTalk)
    if soort == "meer":
        return isinstance(turn, NothingMore) or (isinstance(turn, Reply) and not turn.first_page)
    if soort == "vervolg":
        if not isinstance(turn, FieldAnswer):
            return False
        # right when the answer gives the expected place's field: of the place the user named,
        # or of every place just shown, and the line beside them, when they named none
        about = {e.id for e in turn.entries} | ({turn.line.id} if turn.line else set())
        same_field = expected.veld is None or turn.field == expected.veld
        return same_field and (expected.id is None or expected.id in about)
    if not isinstance(turn, Reply):
        return False
    answer = turn.answer
    if soort == "crisis":
        if answer.crisis is None:
            return False
        wanted = LINE_IDS.get(expected.crisis or "", "")
        return not expected.crisis or wanted in [line.id for line in answer.crisis_lines]
    if answer.crisis is not None and answer.lines_first:
        return False  # a false alarm: an ordinary question got the crisis lines
    top = [r.entry.id for r in turn.results[:TOP]]
    if soort == "geen-match":
        return answer.abstained or bool(set(top[:1]) & (fallback_ids | set(expected.ids)))
    return turn.first_page and bool(set(expected.ids) & set(top))


def run_conversations(
    conversation: Conversation, conversations: list[Gesprek]
) -> ConversationReport:
    """Play every conversation from a fresh session and score each turn."""
    report = ConversationReport()
    for number, gesprek in enumerate(conversations):
        start = gesprek.profiel.model_dump() if gesprek.profiel else {}
        session = Session(profile=Profile(**start))
        user = f"eval-{number}"
        fallback = {e.id for e in conversation.assistant.searcher.fallback(session.profile)}
        for i, beurt in enumerate(gesprek.beurten, start=1):
            turn = conversation.handle(user, session, beurt.gebruiker)
            right = judge(turn, beurt.verwacht, fallback)
            report.turns.append(
                TurnResult(gesprek.naam, i, beurt.verwacht.soort, right, describe(turn))
            )
    return report
