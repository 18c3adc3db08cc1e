"""The dialogue shared by the console chat and the Telegram bot.

It keeps no global state: a :class:`Session` per user holds the profile and the last answer
(in memory only), and :class:`Conversation` turns user actions into :class:`Reply` objects and
anonymous counts. Formatting lives in ``render``; Telegram wiring in ``bot``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from assistent.answer import Answer, Assistant, Result
from assistent.kennisbank import gemeenten_of, wijken_of
from assistent.profile import ROLES, Profile
from assistent.store import Event, Store

log = logging.getLogger(__name__)

__all__ = ["ROLES", "Conversation", "Reply", "Session"]


@dataclass
class Session:
    """One user's state: the profile (stored) and the last answer (memory only)."""

    profile: Profile = field(default_factory=Profile)
    question: str | None = None
    answer: Answer | None = None
    shown: int = 0


@dataclass
class Reply:
    """What to show for one turn: the answer and the slice of results on this page."""

    answer: Answer
    results: list[Result]
    first_page: bool
    has_more: bool


class Conversation:
    """Dialogue logic: questions, paging, feedback, profile and forgetting."""

    def __init__(
        self,
        current: Callable[[], Assistant],
        store: Store | None = None,
        page_size: int = 3,
    ) -> None:
        self._current = current
        self.store = store
        self.page_size = page_size

    @property
    def assistant(self) -> Assistant:
        """The assistant that serves now (after a reload, the new one)."""
        return self._current()

    # --- profile ---
    @property
    def gemeenten(self) -> list[str]:
        """The gemeenten this instance serves."""
        return gemeenten_of(self.assistant.entries)

    def wijken(self, profile: Profile) -> list[str]:
        """Wijken to choose from for the profile's gemeente."""
        assistant = self.assistant
        return wijken_of(assistant.entries, assistant.gemeente_for(profile))

    def load_session(self, user_id: int | str) -> Session:
        """A session with the stored profile, if any."""
        profile = self.store.get_profile(user_id) if self.store else None
        return Session(profile=profile or Profile())

    def update_profile(self, user_id: int | str, session: Session, **changes: object) -> Profile:
        """Change profile fields (None = skipped/unknown) and store the result."""
        session.profile = replace(session.profile, **changes)  # type: ignore[arg-type]
        if self.store:
            self.store.save_profile(user_id, session.profile)
        return session.profile

    def forget(self, user_id: int | str, session: Session) -> None:
        """Delete everything about this user, stored and in memory."""
        if self.store:
            self.store.forget(user_id)
        session.profile = Profile()
        session.question = None
        session.answer = None
        session.shown = 0

    # --- questions ---
    def ask(self, user_id: int | str, session: Session, text: str) -> Reply:
        """Answer a free-text question and count it anonymously."""
        answer = self.assistant.answer(text, session.profile)
        session.question = text if answer.answered else None
        session.answer = answer
        session.shown = min(self.page_size, len(answer.results))
        if answer.answered:
            self._count(user_id, session, answer, text)
        return Reply(
            answer=answer,
            results=answer.results[: session.shown],
            first_page=True,
            has_more=len(answer.results) > session.shown and not answer.abstained,
        )

    def more(self, session: Session) -> Reply | None:
        """The next page of the last answer, or None when there is nothing more."""
        answer = session.answer
        if answer is None or session.shown >= len(answer.results) or answer.abstained:
            return None
        start = session.shown
        session.shown = min(start + self.page_size, len(answer.results))
        return Reply(
            answer=answer,
            results=answer.results[start : session.shown],
            first_page=False,
            has_more=len(answer.results) > session.shown,
        )

    def feedback(
        self, user_id: int | str, session: Session, good: bool, soort: str | None = None
    ) -> None:
        """Count a 👍 or 👎 (and keep the question text only if the operator opted in)."""
        if self.store is None:
            return
        self.store.record(
            Event(
                kind="feedback",
                gemeente=self.assistant.gemeente_for(session.profile),
                wijk=session.profile.wijk,
                soort=soort,
                feedback="goed" if good else "slecht",
            )
        )
        crisis = session.answer is not None and session.answer.crisis is not None
        if not good and session.question and not crisis:  # a crisis message is never kept
            self.store.record_question_text(user_id, "slecht", session.question)

    def _count(self, user_id: int | str, session: Session, answer: Answer, text: str) -> None:
        if self.store is None:
            return
        gemeente = self.assistant.gemeente_for(session.profile)
        try:
            if answer.crisis:
                self.store.record(
                    Event(
                        kind="crisis",
                        gemeente=gemeente,
                        wijk=session.profile.wijk,
                        crisis=answer.crisis.category,
                    )
                )
            top = answer.results[0].entry if answer.results else None
            self.store.record(
                Event(
                    kind="vraag",
                    gemeente=gemeente,
                    wijk=session.profile.wijk,
                    soort=top.soort if top and not answer.abstained else None,
                    onderwerp=_topic(answer),
                    abstained=answer.abstained,
                    crisis=answer.crisis.category if answer.crisis else None,
                )
            )
            if answer.abstained and not answer.crisis:  # a crisis message is never kept
                self.store.record_question_text(user_id, "geen-match", text)
        except Exception:  # counting must never cost the user an answer
            log.exception("Tellen van een vraag mislukt")


def _topic(answer: Answer) -> str | None:
    """The topic to count: the first matched topic of the top result, else its first topic."""
    if answer.abstained or not answer.results:
        return None
    top = answer.results[0]
    topics = top.topics or top.entry.onderwerpen
    return topics[0] if topics else None
