"""Anonymous counts for the gemeente's rapport, made by the dialogue: never a message's text,
unless the operator opted in for questions that found nothing or got a 👎 (and never a crisis
message). Counting must never cost the user an answer: a failure is logged, not raised."""

from __future__ import annotations

import logging

from assistent.answer import Answer, Assistant
from assistent.kennisbank.topics import TopicClassifier
from assistent.store import Event, Store, age_band
from assistent.turns import Session

log = logging.getLogger(__name__)


class Tally:
    """Counts questions, crises and feedback in the store (none without a store)."""

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self._topics: TopicClassifier | None = None
        self._topics_for: Assistant | None = None

    def need(self, assistant: Assistant, text: str | None) -> str | None:
        """The kennisbank topic a question is about ("" when none fits); never the text."""
        if not text:
            return None
        if self._topics_for is not assistant:  # a reload swaps the assistant
            self._topics, self._topics_for = TopicClassifier(assistant.entries), assistant
        assert self._topics is not None
        return self._topics.classify(text) or ""

    def feedback(
        self,
        assistant: Assistant,
        user_id: int | str,
        session: Session,
        good: bool,
        soort: str | None = None,
    ) -> None:
        """Count a 👍 or 👎 (and keep the question text only if the operator opted in)."""
        if self.store is None:
            return
        crisis = session.answer is not None and session.answer.crisis is not None
        self.store.record(
            Event(
                kind="feedback",
                gemeente=assistant.gemeente_for(session.profile),
                wijk=session.profile.wijk,
                soort=soort,
                feedback="goed" if good else "slecht",
                behoefte=None if crisis else self.need(assistant, session.question),
            )
        )
        if not good and session.question and not crisis:  # a crisis message is never kept
            self.store.record_question_text(user_id, "slecht", session.question)

    def crisis(self, assistant: Assistant, session: Session, answer: Answer) -> None:
        """Count the calm line that goes with a follow-up (never the text)."""
        try:
            if self.store is not None and answer.crisis is not None:
                self.store.record(_crisis_event(assistant, session, answer.crisis.category))
        except Exception:  # counting must never cost the user an answer
            log.exception("Tellen van een crisis mislukt")

    def question(
        self,
        assistant: Assistant,
        user_id: int | str,
        session: Session,
        answer: Answer,
        text: str,
    ) -> None:
        """Count an answered question: its kind of place, topic, need and any crisis."""
        if self.store is None:
            return
        profile = session.effective_profile
        crisis = answer.danger  # a line asked for ("moet ik dat melden?") is no crisis
        try:
            if crisis:
                self.store.record(_crisis_event(assistant, session, crisis.category))
            top = answer.results[0].entry if answer.results else None
            self.store.record(
                Event(
                    kind="vraag",
                    gemeente=assistant.gemeente_for(session.profile),
                    wijk=session.profile.wijk,
                    soort=top.soort if top and not answer.abstained else None,
                    onderwerp=answer.topic,
                    abstained=answer.abstained,
                    crisis=crisis.category if crisis else None,
                    behoefte=None if crisis else self.need(assistant, text),
                    leeftijd=age_band(profile.leeftijd),
                    rol=profile.rol,
                )
            )
            if answer.abstained and not answer.crisis:  # a crisis message is never kept
                self.store.record_question_text(user_id, "geen-match", text)
        except Exception:  # counting must never cost the user an answer
            log.exception("Tellen van een vraag mislukt")


def _crisis_event(assistant: Assistant, session: Session, category: str) -> Event:
    gemeente = assistant.gemeente_for(session.profile)
    return Event(kind="crisis", gemeente=gemeente, wijk=session.profile.wijk, crisis=category)
