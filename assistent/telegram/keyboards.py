"""The callback-data grammar in one place, and the inline keyboards built with it.

Callback data is a contract: buttons stay in users' chats for months, so these formats never
change (Telegram allows at most 64 bytes)::

    p:start | p:nee                      the profile offer under /start (Ja / Nu niet)
    p:g:<i> | p:w:<i>                    gemeente / wijk number i of the current choices
    p:l:<jaar> | p:r:<rol>               age of the child / role;  <x> = "-" skips a question
    meer:<seq>                           the next page of the user's answer number <seq>
    info:<seq>                           every detail of the places on that answer's last page
    fb:<1|0>:<soort>                     👍 / 👎 for an answer about <soort> ("" = none)
    anders | hulp                        ask something else / all crisis lines

:func:`parse` turns data back into a typed value; anything else (forged, from another bot, or
not in this grammar) is None and gets the "old button" reply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeGuard

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from assistent.conversation import Conversation, Reply
from assistent.profile import ROLES, Profile
from assistent.render import profile_summary
from assistent.texts import (
    KNOP_GOED,
    KNOP_JA,
    KNOP_NEE,
    KNOP_OVERSLAAN,
    KNOP_SLECHT,
    PROFIEL_KLAAR,
    ROL_LABELS,
    VRAAG_GEMEENTE,
    VRAAG_LEEFTIJD,
    VRAAG_LEEFTIJD_ZELF,
    VRAAG_ROL,
    VRAAG_WIJK,
    translated,
)

CB_PROFILE = "p"
CB_MORE = "meer"
CB_INFO = "info"
CB_FEEDBACK = "fb"
CB_OTHER = "anders"
CB_HELP = "hulp"
SKIP = "-"
START, DECLINE = "start", "nee"
MAX_CALLBACK_BYTES = 64
# what each CallbackQueryHandler is routed by (the handler still parses the whole data)
PROFILE_PATTERN = rf"^{CB_PROFILE}:"
MORE_PATTERN = rf"^{CB_MORE}:"
INFO_PATTERN = rf"^{CB_INFO}:"
FEEDBACK_PATTERN = rf"^{CB_FEEDBACK}:"
OTHER_PATTERN = rf"^{CB_OTHER}$"
HELP_PATTERN = rf"^{CB_HELP}$"

Step = Literal["g", "w", "l", "r"]
# The order of the profile questions: the role first, so the age question fits the person.
STEPS: tuple[Step, ...] = ("r", "g", "w", "l")
FIELDS: dict[Step, str] = {"g": "gemeente", "w": "wijk", "l": "leeftijd", "r": "rol"}
AGE_ROWS = ((0, 1, 2, 3, 4), (5, 6, 7, 8, 9), (10, 11, 12, 13, 14), (15, 16, 17, 18))
MAX_AGE = AGE_ROWS[-1][-1]
_NUMBER = re.compile(r"0|[1-9][0-9]*")  # as the bot writes numbers: ASCII, no leading zeros
_SEQ = re.compile(r"[1-9][0-9]*")  # answers are numbered from 1


def _fit(data: str) -> str:
    """Callback data within Telegram's 64-byte limit (cut on a character boundary)."""
    return data.encode()[:MAX_CALLBACK_BYTES].decode(errors="ignore")


# --- the typed values -------------------------------------------------------------------------
@dataclass(frozen=True)
class ProfileOffer:
    """``p:start`` (yes, ask the profile questions) or ``p:nee`` (not now)."""

    accepted: bool

    @property
    def data(self) -> str:
        """The callback data of this button."""
        return f"{CB_PROFILE}:{START if self.accepted else DECLINE}"


@dataclass(frozen=True)
class ProfileChoice:
    """``p:<step>:<value>``: a number (g, w: index into the choices; l: age), a role, or skip."""

    step: Step
    value: int | str | None  # None = skipped

    @property
    def data(self) -> str:
        """The callback data of this button."""
        return _fit(f"{CB_PROFILE}:{self.step}:{SKIP if self.value is None else self.value}")


@dataclass(frozen=True)
class More:
    """``meer:<seq>``: the next page of answer number ``seq`` (only the latest one works)."""

    seq: int

    @property
    def data(self) -> str:
        """The callback data of this button."""
        return _fit(f"{CB_MORE}:{self.seq}")


@dataclass(frozen=True)
class Info:
    """``info:<seq>``: 'Meer info' for answer number ``seq`` (only the latest one works)."""

    seq: int

    @property
    def data(self) -> str:
        """The callback data of this button."""
        return _fit(f"{CB_INFO}:{self.seq}")


@dataclass(frozen=True)
class Feedback:
    """``fb:<1|0>:<soort>``: 👍 or 👎 on an answer whose best place is of ``soort``."""

    good: bool
    soort: str  # unchecked: the handler keeps it only if the kennisbank knows it

    @property
    def data(self) -> str:
        """The callback data of this button."""
        return _fit(f"{CB_FEEDBACK}:{1 if self.good else 0}:{self.soort}")


@dataclass(frozen=True)
class Other:
    """``anders``: invite a new question."""

    data = CB_OTHER


@dataclass(frozen=True)
class Help:
    """``hulp``: all crisis lines."""

    data = CB_HELP


Button = ProfileOffer | ProfileChoice | More | Info | Feedback | Other | Help


def parse(data: object) -> Button | None:
    """The button behind callback data; None for anything the bot does not (or no longer) make."""
    if not isinstance(data, str):
        return None
    parts = data.split(":")
    head, rest = parts[0], parts[1:]
    if head == CB_PROFILE and rest in ([START], [DECLINE]):
        return ProfileOffer(accepted=rest == [START])
    if head == CB_PROFILE and len(rest) == 2:
        return _profile_choice(rest[0], rest[1])
    if head == CB_MORE and len(rest) == 1 and _SEQ.fullmatch(rest[0]):
        return More(int(rest[0]))
    if head == CB_INFO and len(rest) == 1 and _SEQ.fullmatch(rest[0]):
        return Info(int(rest[0]))
    if head == CB_FEEDBACK and len(rest) == 2 and rest[0] in ("0", "1"):
        return Feedback(good=rest[0] == "1", soort=rest[1])
    if data == CB_OTHER:
        return Other()
    if data == CB_HELP:
        return Help()
    return None


def _is_step(text: str) -> TypeGuard[Step]:
    return text in STEPS


def _profile_choice(step: str, value: str) -> ProfileChoice | None:
    if not _is_step(step):
        return None
    if value == SKIP:
        return ProfileChoice(step, None)
    if step == "r":
        return ProfileChoice(step, value) if value in ROLES else None
    if _NUMBER.fullmatch(value) and (step != "l" or int(value) <= MAX_AGE):
        return ProfileChoice(step, int(value))
    return None


def profile_changes(
    choice: ProfileChoice, conversation: Conversation, profile: Profile
) -> dict[str, object] | None:
    """The profile fields a choice sets; None when the button no longer fits the kennisbank."""
    if choice.value is None:  # skipped: keep what was there
        return {}
    if choice.step in ("l", "r"):
        return {FIELDS[choice.step]: choice.value}
    index = choice.value  # parse() makes g and w numbers
    choices = conversation.gemeenten if choice.step == "g" else conversation.wijken(profile)
    if not isinstance(index, int) or index >= len(choices):
        return None
    if choice.step == "g":  # a wijk belongs to a gemeente: choose it again
        return {"gemeente": choices[index], "wijk": None}
    return {"wijk": choices[index]}


# --- keyboards --------------------------------------------------------------------------------
def _button(label: str, value: Button) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=value.data)


def offer_keyboard() -> InlineKeyboardMarkup:
    """Ja / Nu niet under the profile offer."""
    return InlineKeyboardMarkup(
        [[_button(KNOP_JA, ProfileOffer(True)), _button(KNOP_NEE, ProfileOffer(False))]]
    )


def choice_keyboard(
    step: Step, labels: Sequence[str], values: Sequence[int | str], per_row: int = 2
) -> InlineKeyboardMarkup:
    """One button per choice, ``per_row`` in a row, and Overslaan below."""
    buttons = [
        _button(label, ProfileChoice(step, value))
        for label, value in zip(labels, values, strict=True)
    ]
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    rows.append([_button(KNOP_OVERSLAAN, ProfileChoice(step, None))])
    return InlineKeyboardMarkup(rows)


def age_keyboard() -> InlineKeyboardMarkup:
    """Ages 0 to 18 in rows of five, and Overslaan below."""
    rows = [[_button(str(n), ProfileChoice("l", n)) for n in row] for row in AGE_ROWS]
    rows.append([_button(KNOP_OVERSLAAN, ProfileChoice("l", None))])
    return InlineKeyboardMarkup(rows)


def profile_question(
    conversation: Conversation, profile: Profile, after: Step | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The plain-text question (and keyboard) after step ``after`` (None = the first one).

    Gemeente only when the instance serves several, wijk only when there are wijken to choose;
    after the last question: the summary, without a keyboard.
    """
    for step in STEPS[STEPS.index(after) + 1 :] if after else STEPS:
        if step == "g":
            gemeenten = conversation.gemeenten
            if len(gemeenten) > 1:
                return VRAAG_GEMEENTE, choice_keyboard("g", gemeenten, range(len(gemeenten)))
        elif step == "w":
            wijken = conversation.wijken(profile)
            if wijken:
                return VRAAG_WIJK, choice_keyboard("w", wijken, range(len(wijken)))
        elif step == "l":
            return (
                VRAAG_LEEFTIJD_ZELF if profile.rol == "jongere" else VRAAG_LEEFTIJD
            ), age_keyboard()
        else:
            return VRAAG_ROL, choice_keyboard("r", [ROL_LABELS[r] for r in ROLES], ROLES, per_row=1)
    return PROFIEL_KLAAR.format(profiel=profile_summary(profile)), None


def answer_keyboard(reply: Reply, seq: int) -> InlineKeyboardMarkup:
    """At most three rows: Meer info and Meer plekken, then 👍/👎, then Hulp nu."""
    language = reply.answer.taal
    rows: list[list[InlineKeyboardButton]] = []
    first = []
    if reply.results:
        first.append(_button(translated("knop_meer_info", language), Info(seq)))
    if reply.has_more:
        first.append(_button(translated("knop_meer", language), More(seq)))
    if first:
        rows.append(first)
    if reply.answer.answered:
        top = reply.answer.results[0].entry.soort if reply.answer.results else ""
        soort = "" if reply.answer.abstained else top
        rows.append(
            [
                _button(KNOP_GOED, Feedback(True, soort)),
                _button(KNOP_SLECHT, Feedback(False, soort)),
            ]
        )
    rows.append([_button(translated("knop_hulp", language), Help())])
    return InlineKeyboardMarkup(rows)


def without_feedback(markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
    """The same keyboard without 👍/👎 (one vote per answer); empty rows are dropped."""
    rows = [
        [b for b in row if not str(b.callback_data or "").startswith(f"{CB_FEEDBACK}:")]
        for row in markup.inline_keyboard
    ]
    return InlineKeyboardMarkup([row for row in rows if row])
