"""What one turn of a conversation gives back, and the state of one user's conversation.

The shared vocabulary of the dialogue (``conversation``), the layout (``render``) and the
channels: a ``Reply`` (a page of places), a ``FieldAnswer`` (a follow-up), ``SmallTalk`` or
``NothingMore``; and the ``Session`` they change.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from assistent.answer import Answer, Result
from assistent.kennisbank import Voorziening
from assistent.profile import Profile
from assistent.safety.lines import CrisisLijn

__all__ = ["FieldAnswer", "NothingMore", "Reply", "Session", "SmallTalk", "Turn"]


@dataclass
class Session:
    """One user's state: the profile (stored) and the last answer (memory only)."""

    profile: Profile = field(default_factory=Profile)
    question: str | None = None
    answer: Answer | None = None
    shown: int = 0
    page: list[Result] = field(default_factory=list)  # the results on the last page shown
    taal: str = "nl"  # the language the user writes in (kept while messages are too short to tell)
    refined: Profile = field(default_factory=Profile)  # age/wijk/role said in this conversation
    last_field: str | None = None  # the field of the last follow-up ("en bij de tweede?")
    subject: int | None = None  # the place on the page the last follow-up named ("kost het iets")
    at: float = 0.0  # when the last answer was given (monotonic seconds)

    @property
    def live(self) -> bool:
        """Whether there is a last answer that follow-ups can be about."""
        return self.answer is not None and self.answer.answered

    @property
    def continues(self) -> bool:
        """Whether a message continues a conversation that was ordinary so far: its sign of
        danger is judged as one more sentence of what was told (``SafetyChecker.check``)."""
        return self.live and self.answer is not None and self.answer.crisis is None

    @property
    def effective_profile(self) -> Profile:
        """The stored profile with what the user said in this conversation on top."""
        said = {k: v for k, v in vars(self.refined).items() if v is not None}
        return replace(self.profile, **said) if said else self.profile

    def forget_answer(self) -> None:
        """Drop the last question and answer (expiry, /vergeet)."""
        self.question = None
        self.answer = None
        self.shown = 0
        self.page = []
        self.refined = Profile()
        self.last_field = None
        self.subject = None


@dataclass
class Reply:
    """What to show for one turn: the answer and the slice of results on this page."""

    answer: Answer
    results: list[Result]
    first_page: bool
    has_more: bool
    refined: bool = False  # the last question again, for another age, wijk or role
    rol: str | None = None  # who asks (for the opening sentence)


@dataclass
class SmallTalk:
    """A greeting, thanks, 'who are you', ...: a short warm reply (key in data/teksten)."""

    kind: str
    taal: str
    contact: Voorziening | None = None  # the CJG, offered where talking to a person helps
    care: Answer | None = None  # in the band of doubt: the answer whose calm line goes with it


@dataclass
class FieldAnswer:
    """A follow-up about one place just shown: its ``field`` (kosten, adres, ...), as typed."""

    field: str
    taal: str
    entries: list[Voorziening] = field(default_factory=list)  # the places asked about
    line: CrisisLijn | None = None  # after a crisis reply: the line shown
    care: Answer | None = None  # in the band of doubt: the answer whose calm line goes with it
    # per place without the field: the sentence of its description that says it (as typed)
    described: dict[str, str] = field(default_factory=dict)
    # the sentences many places share (an organisation's paragraph), passed over in 'Meer info'
    shared: frozenset[str] = frozenset()


@dataclass
class NothingMore:
    """'meer' when there are no more places (or no question yet)."""

    taal: str


Turn = Reply | SmallTalk | FieldAnswer | NothingMore
